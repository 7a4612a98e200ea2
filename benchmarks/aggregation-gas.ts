/**
 * Gas of the committed-chunk path (issue 14), as real submissions to the attestation registry: a pool
 * proven in chunks of 8 (PoolChunkCommitment(8), `submitChunkCommitment`) and its aggregation
 * (PoolAggregation(4), `submitAggregation`), on Hardhat's in-process chain, for two consecutive periods (the
 * second rewrites the pool's committed-batch slots, as every later period does). Also the bare verifier calls
 * and the circomlibjs Poseidon(2) contract the registry chains commitments with.
 *
 *   node_modules/.bin/node benchmarks/aggregation-gas.ts [--loans 32]
 *
 * Needs `node scripts/build.ts --use test` (pool-chunk-commitment-8, pool-aggregation-4, development keys).
 * Gas figures are whole transactions (21,000 base and calldata included). A chunk submission's gas does not
 * depend on the chunk size nor an aggregation's on its size class (the verifiers' cost depends on the number
 * of public inputs only: 5 and 4), so a pool's whole attestation is chunks x chunk gas + aggregation gas.
 */
import { parseArgs } from "node:util";
import { Contract } from "ethers";
import { deployKeyHasher } from "../deploy/index.ts";
import { commitTape, randomSalts } from "../prover/commitment/encoding.ts";
import { attestationMessage, signAttestation } from "../prover/commitment/keys.ts";
import type { Policy } from "../prover/policy/index.ts";
import { ProverPool, proveInstance } from "../prover/prove/index.ts";
import { generateSyntheticTape } from "../prover/tape/synthetic.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../prover/witness/aggregation.ts";
import {
  AGGREGATION_INSTANCE as AGG_INSTANCE,
  CHUNK_INSTANCE,
  deployCommittedRegistry,
} from "../test/contracts/pool-world.ts";
import {
  submitAggregation,
  submitChunkCommitment,
  toSolidityGroth16,
  type SnarkjsProof,
} from "../sdk/index.ts";

const { values } = parseArgs({ options: { loans: { type: "string", default: "32" } } });
const LOANS = Number(values.loans);
const CHUNK = 8;
const SLOTS = 4;
if (!Number.isInteger(LOANS) || LOANS < 1 || LOANS > CHUNK * SLOTS)
  throw new TypeError(`--loans: expected 1..${CHUNK * SLOTS}`);
const POLICY: Policy = {
  minCreditScore: 0,
  maxDaysPastDue: 90,
  maxLtvBps: 0,
  maxBucket30Bps: 10_000,
  maxBucket60Bps: 10_000,
  maxBucket90Bps: 10_000,
  maxConcentrationBps: 10_000,
  minPoolBalance: 0n,
  minActiveLoans: 1, // --loans may be below the default minimum of 10
};

const {
  ethers,
  gov,
  relayer,
  relay,
  key,
  chainId,
  registryAddress,
  chunkVerifier,
  aggregationVerifier: aggVerifier,
} = await deployCommittedRegistry({ pools: [9n], policies: [POLICY] });
const pool = new ProverPool();

interface PeriodGas {
  chunks: bigint[];
  aggregation: bigint;
  chunkCount: number;
}

async function attestPeriod(period: number, asOfDate: number): Promise<PeriodGas & { verify: bigint[] }> {
  const tape = generateSyntheticTape({
    seed: `aggregation-gas-${period}`,
    loans: LOANS,
    poolId: 9n,
    period,
    asOfDate,
  });
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
  const ctx = { publicKey: key.publicKey, chainId, registry: registryAddress };
  const signature = await signAttestation(
    key.privateKey,
    await attestationMessage(tape, commitment, ctx, POLICY),
  );
  const chunks: bigint[] = [];
  const verify: bigint[] = [];
  const openings = [];
  let first: string[] = [];
  for (let i = 0; i < commitment.chunkCount; i++) {
    const b = await buildChunkCommitmentInput(tape, POLICY, commitment, signature, ctx, i, CHUNK);
    const r = await proveInstance(pool, CHUNK_INSTANCE, b.input);
    if (i === 0) first = r.publicSignals;
    verify.push(await verifyTx(chunkVerifier, r.proof as SnarkjsProof, r.publicSignals));
    chunks.push(
      (await submitChunkCommitment(relay, CHUNK_INSTANCE, 1, r.proof as SnarkjsProof, r.publicSignals))
        .gasUsed,
    );
    openings.push(b.opening);
  }
  const s = first.map(BigInt);
  const a = await buildAggregationInput(
    { root: s[0]!, policyHash: s[2]!, keyHash: s[3]!, policy: POLICY, openings },
    SLOTS,
  );
  const r = await proveInstance(pool, AGG_INSTANCE, a.input);
  verify.push(await verifyTx(aggVerifier, r.proof as SnarkjsProof, r.publicSignals));
  const rec = await submitAggregation(
    relay,
    AGG_INSTANCE,
    1,
    r.proof as SnarkjsProof,
    s.slice(0, 4),
    r.publicSignals.slice(1),
  );
  return { chunks, aggregation: rec.gasUsed, chunkCount: commitment.chunkCount, verify };
}

/** The verifier's verifyProof as a transaction of its own. */
async function verifyTx(verifier: Contract, proof: SnarkjsProof, publicSignals: string[]): Promise<bigint> {
  const p = toSolidityGroth16(proof);
  const abi = [
    `function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${publicSignals.length}]) view returns (bool)`,
  ];
  const v = new Contract(await verifier.getAddress(), abi, relayer);
  const tx = await relayer!.sendTransaction({
    to: await verifier.getAddress(),
    data: v.interface.encodeFunctionData("verifyProof", [p.a, p.b, p.c, publicSignals]),
  });
  return (await tx.wait())!.gasUsed;
}

const today = Math.floor((await ethers.provider.getBlock("latest"))!.timestamp / 86_400);
const p1 = await attestPeriod(202611, today - 1);
const p2 = await attestPeriod(202612, today);
const hasher = await deployKeyHasher(gov!, 2);
const poseidon2 = await hasher.getFunction("poseidon(uint256[2])").estimateGas([1n, 2n]);
await pool.close();

const fmt = (g: bigint): string => g.toLocaleString("en-US");
const max = (xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));
console.log(
  `${LOANS} loans, ${p1.chunkCount} chunks of ${CHUNK} (${CHUNK_INSTANCE}), aggregated by ${AGG_INSTANCE}`,
);
console.log("| what | gas |");
console.log("| --- | ---: |");
for (const [name, p] of [
  ["first period", p1],
  ["second period", p2],
] as const) {
  for (const [i, g] of p.chunks.entries())
    console.log(`| submitChunkCommitment, ${name}, chunk ${i} | ${fmt(g)} |`);
  console.log(`| submitAggregation, ${name} (records the pool's figures) | ${fmt(p.aggregation)} |`);
  const whole = p.chunks.reduce((a, b) => a + b, 0n) + p.aggregation;
  console.log(`| whole attestation, ${name} (${p.chunkCount} chunks + aggregation) | ${fmt(whole)} |`);
}
for (const [i, g] of p2.verify.slice(0, -1).entries())
  console.log(`| verifyProof, PoolChunkCommitment(8), second period's chunk ${i}, tx | ${fmt(g)} |`);
console.log(`| verifyProof, PoolAggregation(4), tx | ${fmt(p2.verify.at(-1)!)} |`);
console.log(`| Poseidon(2) contract call, estimateGas (tx) | ${fmt(poseidon2)} |`);
const firsts = [p1.chunks[0]!, p2.chunks[0]!];
const laters = [...p1.chunks.slice(1), ...p2.chunks.slice(1)];
const firstMax = max(firsts);
const laterMax = laters.length > 0 ? max(laters) : firstMax;
const aggMax = max([p1.aggregation, p2.aggregation]);
const verdict = (g: bigint, t: bigint): string => (g <= t ? "met" : "MISSED");
console.log(
  `largest first chunk of a batch ${fmt(firstMax)} (target <= 300,000: ${verdict(firstMax, 300_000n)})`,
);
console.log(`largest later chunk ${fmt(laterMax)} (target <= 300,000: ${verdict(laterMax, 300_000n)})`);
console.log(`largest aggregation ${fmt(aggMax)} (target <= 400,000: ${verdict(aggMax, 400_000n)})`);
for (const [loans, size] of [
  [1_024, 64],
  [1_024, 256],
  [10_240, 64],
  [10_240, 256],
  [100_000, 256],
] as const) {
  const n = BigInt(Math.ceil(loans / size));
  console.log(
    `${loans} loans in chunks of ${size}: ${fmt(firstMax)} + ${n - 1n} x ${fmt(laterMax)} + ${fmt(aggMax)} = ` +
      `${fmt(firstMax + (n - 1n) * laterMax + aggMax)} (computed from the largest measured of each)`,
  );
}
const g = globalThis as unknown as { curve_bn128?: { terminate: () => Promise<void> } };
await g.curve_bn128?.terminate();
