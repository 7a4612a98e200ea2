/**
 * On-chain parts of the committed-chunk path (issue 14), measured before the registry is wired: real proofs
 * of a 20-loan pool in 3 chunks of 8 (PoolChunkCommitment(8)) and of its aggregation (PoolAggregation(4)),
 * each verified by its generated Groth16 verifier as a transaction on Hardhat's in-process chain, and the
 * circomlibjs Poseidon(2) contract the registry would chain commitments with.
 *
 *   node_modules/.bin/node benchmarks/aggregation-gas.ts
 *
 * Needs `node scripts/build.ts --only pool-chunk-commitment-8,pool-aggregation-4` (development keys). Gas
 * figures include the transaction's 21,000 base and calldata.
 */
import { Contract } from "ethers";
import * as snarkjs from "snarkjs";
import { deployContract, deployKeyHasher } from "../deploy/index.ts";
import { loadVerifiedArtifacts } from "../pipeline/manifest.ts";
import { chainCommitments } from "../prover/commitment/figure-commitment.ts";
import { commitTape, randomSalts } from "../prover/commitment/encoding.ts";
import { domainWord, generateOriginatorKey, signAttestation } from "../prover/commitment/keys.ts";
import { DEFAULT_POLICY, policyHash } from "../prover/policy/index.ts";
import { generateSyntheticTape } from "../prover/tape/synthetic.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../prover/witness/aggregation.ts";
import { toSolidityGroth16 } from "../sdk/vault/registry.ts";
import hre from "hardhat";

const CHUNK = 8;
const { ethers } = await hre.network.connect();
const [signer] = await ethers.getSigners();

const tape = generateSyntheticTape({ seed: "aggregation-gas", loans: 20, poolId: 9n });
const key = await generateOriginatorKey();
const ctx = {
  publicKey: key.publicKey,
  chainId: 31337n,
  registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
};
const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
const signature = await signAttestation(key.privateKey, {
  root: commitment.root,
  poolId: tape.poolId,
  period: tape.period,
  asOfDate: tape.asOfDate,
  chunkCount: commitment.chunkCount,
  loanCount: tape.loans.length,
  domain: domainWord(ctx.registry, ctx.chainId),
  policyHash: await policyHash(DEFAULT_POLICY),
});

async function verifyTx(instance: string, contract: string, input: object): Promise<[bigint, string[]]> {
  const { paths } = await loadVerifiedArtifacts(instance, ["wasm", "zkey"]);
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input as never, paths.wasm, paths.zkey);
  const verifier = await deployContract(signer!, contract);
  const p = toSolidityGroth16(proof as never);
  const abi = [
    `function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${publicSignals.length}]) view returns (bool)`,
  ];
  const v = new Contract(await verifier.getAddress(), abi, signer);
  const fn = v.getFunction("verifyProof");
  if (!(await fn.staticCall(p.a, p.b, p.c, publicSignals))) throw new Error(`${instance}: proof refused`);
  const tx = await signer!.sendTransaction({
    to: await verifier.getAddress(),
    data: v.interface.encodeFunctionData("verifyProof", [p.a, p.b, p.c, publicSignals]),
  });
  return [(await tx.wait())!.gasUsed, publicSignals];
}

const chunkGas: bigint[] = [];
const openings = [];
const commits: bigint[] = [];
for (let c = 0; c < commitment.chunkCount; c++) {
  const built = await buildChunkCommitmentInput(tape, DEFAULT_POLICY, commitment, signature, ctx, c, CHUNK);
  const [gas, signals] = await verifyTx(
    "pool-chunk-commitment-8",
    "PoolChunkCommitment8Verifier",
    built.input,
  );
  chunkGas.push(gas);
  openings.push(built.opening);
  commits.push(BigInt(signals[4]!));
}
const s = await buildChunkCommitmentInput(tape, DEFAULT_POLICY, commitment, signature, ctx, 0, CHUNK);
const agg = await buildAggregationInput(
  {
    root: s.publicSignals.root,
    policyHash: s.publicSignals.policyHash,
    keyHash: s.publicSignals.keyHash,
    policy: DEFAULT_POLICY,
    openings,
  },
  4,
);
if (agg.publicSignals.acc !== (await chainCommitments(commits)))
  throw new Error("acc differs from the chain");
const [aggGas] = await verifyTx("pool-aggregation-4", "PoolAggregation4Verifier", agg.input);

const hasher = await deployKeyHasher(signer!, 2);
const poseidon2 = await hasher.getFunction("poseidon(uint256[2])").estimateGas([commits[0]!, commits[1]!]);

console.log("| what | gas |");
console.log("| --- | ---: |");
for (const [i, g] of chunkGas.entries())
  console.log(
    `| verifyProof, PoolChunkCommitment(8) chunk ${i} (5 public inputs, tx) | ${g.toLocaleString("en-US")} |`,
  );
console.log(
  `| verifyProof, PoolAggregation(4) of the 3 chunks (4 public inputs, tx) | ${aggGas.toLocaleString("en-US")} |`,
);
console.log(`| Poseidon(2) contract call, estimateGas (tx) | ${poseidon2.toLocaleString("en-US")} |`);
const g = globalThis as unknown as { curve_bn128?: { terminate: () => Promise<void> } };
await g.curve_bn128?.terminate();
