/**
 * Gas of the roll-forward path (issue 15) as real submissions to the RollForwardRegistry: a pool of 20 to 30
 * slots attested for three periods (committed chunks of 8 through the AttestationRegistry), its chain anchored
 * at period 1, then rolled forward 1 -> 2 and 2 -> 3 (RollForwardCommitment(8) chunks, `submitChunk`, and the
 * RollForwardAggregation(4) proof, `submitAggregation`) on Hardhat's in-process chain. The second roll-forward
 * rewrites the batch slots, as every later period does; each period's totals take three fresh slots.
 *
 *   node_modules/.bin/node benchmarks/rollforward-gas.ts
 *
 * Needs `node scripts/build.ts --use test`. Gas figures are whole transactions (21,000 base and calldata
 * included). A chunk's gas does not depend on the chunk size (6 public inputs), so a roll-forward costs
 * chunks x chunk gas + aggregation gas.
 */
import type { Contract, TransactionReceipt } from "ethers";
import { circuitId, deployContract, deployKeyHasher } from "../deploy/index.ts";
import {
  attestPool,
  commitTape,
  deriveSalts,
  proveRollForward,
  type RollForwardPeriod,
  type RollForwardProof,
} from "../prover/index.ts";
import { ProverPool } from "../prover/prove/index.ts";
import { submitRollForwardAggregation, submitRollForwardChunk } from "../sdk/index.ts";
import { makePoolWorld } from "../test/contracts/pool-world.ts";
import { FIRST_AS_OF, firstTape, nextTape, rng } from "../test/rollforward/gen.ts";

const MAX_ADJ = 50_000n;
const w = await makePoolWorld();
const hasher = await deployKeyHasher(w.gov, 2);
const rf = await deployContract(w.gov, "RollForwardRegistry", [
  await w.gov.getAddress(),
  w.registryAddress,
  await hasher.getAddress(),
  MAX_ADJ,
]);
for (const [contract, name, kind] of [
  ["RollforwardCommitment8Verifier", "rollforward-commitment-8", 0],
  ["RollforwardAggregation4Verifier", "rollforward-aggregation-4", 1],
] as const) {
  const v = await deployContract(w.gov, contract);
  await (await rf.getFunction("addVerifier")(circuitId(name), 1, await v.getAddress(), kind)).wait();
}

const today = await w.today();
const r = rng(5);
const t1 = firstTape(r, 20);
const days = today - 40 - FIRST_AS_OF;
const first = {
  ...t1,
  poolId: 1n,
  asOfDate: t1.asOfDate + days,
  loans: t1.loans.map((l) => ({
    ...l,
    originationDate: l.originationDate + days,
    maturityDate: l.maturityDate + days,
    scoreDate: l.scoreDate + days,
  })),
};
const tapes = [first];
for (let i = 0; i < 2; i++) tapes.push(nextTape(r, tapes[i]!, MAX_ADJ, 3));
const prover = new ProverPool();
const periods: RollForwardPeriod[] = [];
for (const tape of tapes)
  periods.push({ tape, commitment: await commitTape(tape, await deriveSalts(77n, tape), { chunkSize: 8 }) });

async function attest(p: RollForwardPeriod): Promise<void> {
  const { attestation } = await attestPool({
    tape: p.tape,
    policy: w.policy,
    key: w.key,
    chainId: w.chainId,
    registry: w.registryAddress,
    instance: "pool-attestation-8",
    commitment: p.commitment,
    pool: prover,
  });
  for (const c of attestation.chunks) await w.submit(c);
  if (attestation.aggregation) await w.aggregate(attestation);
}

const relayed = rf.connect(w.relayer) as Contract;
async function roll(x: RollForwardProof): Promise<{ chunks: bigint[]; aggregation: bigint }> {
  const chunks: bigint[] = [];
  for (const c of x.chunks) {
    const rc: TransactionReceipt = await submitRollForwardChunk(
      relayed,
      x.chunkInstance,
      1,
      c.proof,
      c.publicSignals,
    );
    chunks.push(rc.gasUsed);
  }
  const rc = await submitRollForwardAggregation(
    relayed,
    x.aggregationInstance,
    1,
    x.aggregation.proof,
    x.context,
    x.aggregation.publicSignals.slice(1),
  );
  return { chunks, aggregation: rc.gasUsed };
}

await attest(periods[0]!);
const anchor = (await (
  await (rf.connect(w.originator) as Contract).getFunction("anchor")(1n)
).wait()) as TransactionReceipt;
const rows: [string, bigint][] = [["anchor (once per pool)", anchor.gasUsed]];
for (let p = 1; p < 3; p++) {
  await w.increaseTime(30n * 86_400n);
  await attest(periods[p]!);
  const x = await proveRollForward(periods[p - 1]!, periods[p]!, { maxAdjustment: MAX_ADJ, pool: prover });
  const g = await roll(x);
  const label = `roll-forward ${p} -> ${p + 1} (${x.chunks.length} chunks)`;
  rows.push([`${label}: chunk that opens the batch`, g.chunks[0]!]);
  for (let i = 1; i < g.chunks.length; i++) rows.push([`${label}: chunk ${i}`, g.chunks[i]!]);
  rows.push([`${label}: aggregation`, g.aggregation]);
  rows.push([`${label}: whole`, g.chunks.reduce((s, v) => s + v, 0n) + g.aggregation]);
}
await prover.close();
await w.close();
const width = Math.max(...rows.map(([l]) => l.length));
console.log(`${"operation".padEnd(width)} | gas`);
for (const [l, g] of rows) console.log(`${l.padEnd(width)} | ${g.toLocaleString("en-US").padStart(9)}`);
process.exit(0);
