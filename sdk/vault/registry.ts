/**
 * Client helpers for the attestation registry: submit a snarkjs Groth16 proof, read a pool's attestation
 * with its figures unpacked. Works with any ethers v6 `Contract` bound to the registry's ABI.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { Contract, TransactionReceipt } from "ethers";
import { unpackFigures, type PoolFigures } from "./signals.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** A snarkjs Groth16 proof (JSON shape). */
export interface SnarkjsProof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
}

/** The proof as the Solidity verifier takes it (`IAttestationRegistry.Proof`). */
export interface SolidityGroth16Proof {
  a: [string, string];
  b: [[string, string], [string, string]];
  c: [string, string];
}

/** Converts a snarkjs proof to the Solidity layout (G2 coordinates swapped, as snarkjs' calldata export). */
export function toSolidityGroth16(p: SnarkjsProof): SolidityGroth16Proof {
  const ok = (xs: unknown, n: number) => Array.isArray(xs) && xs.length >= n;
  if (!ok(p?.pi_a, 2) || !ok(p?.pi_b, 2) || !ok(p.pi_b[0], 2) || !ok(p.pi_b[1], 2) || !ok(p?.pi_c, 2)) {
    throw invalid("proof", "expected a snarkjs Groth16 proof with pi_a, pi_b, pi_c");
  }
  return {
    a: [p.pi_a[0]!, p.pi_a[1]!],
    b: [
      [p.pi_b[0]![1]!, p.pi_b[0]![0]!],
      [p.pi_b[1]![1]!, p.pi_b[1]![0]!],
    ],
    c: [p.pi_c[0]!, p.pi_c[1]!],
  };
}

/** The registry's id of a catalogue instance: keccak256 of its name. */
export function registryCircuitId(name: string): string {
  return keccak256(toUtf8Bytes(name));
}

/** Submits one (chunk) proof to the registry and waits for it; reverts surface as ethers errors. */
export async function submitAttestation(
  registry: Contract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  publicSignals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (publicSignals.length !== 7) throw invalid("publicSignals", `expected 7, got ${publicSignals.length}`);
  const tx = await registry.getFunction("submitAttestation")(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    publicSignals.map((s) => BigInt(s)),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * Submits one committed chunk's proof (a PoolChunkCommitment instance: public signals root, pool, policyHash,
 * keyHash, figCommit) and waits for it: the registry chains its commitment, never sees its figures.
 */
export async function submitChunkCommitment(
  registry: Contract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  publicSignals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (publicSignals.length !== 5)
    throw invalid("publicSignals", "expected 5 public signals", publicSignals.length);
  const tx = await registry.getFunction("submitChunkCommitment")(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    publicSignals.map((s) => BigInt(s)),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * Submits a pool's aggregation proof (a PoolAggregation instance) once all of its committed chunks are
 * accepted: `chunk` = the chunks' shared (root, pool word, policyHash, keyHash), `figures` = the pool's
 * (figA, figB, figC). The proof's `acc` is not sent: the registry supplies its own.
 */
export async function submitAggregation(
  registry: Contract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  chunk: readonly (string | bigint)[],
  figures: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (chunk.length !== 4) throw invalid("chunk", "expected 4 values", chunk.length);
  if (figures.length !== 3) throw invalid("figures", "expected 3 words", figures.length);
  const tx = await registry.getFunction("submitAggregation")(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    chunk.map((s) => BigInt(s)),
    figures.map((s) => BigInt(s)),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * The order in which the registry accepted (and chained) a pool's committed chunks for `period`, from its
 * ChunkCommitted events since `fromBlock`: chunk indices and commitments, oldest first. After a batch
 * replacement only the chunks of the latest batch count: pass a `fromBlock` after it, or read `committedBatch`.
 */
export async function acceptedChunks(
  registry: Contract,
  poolId: bigint,
  period: bigint | number,
  fromBlock = 0,
): Promise<{ chunkIndex: number; figCommit: bigint }[]> {
  const logs = await registry.queryFilter(
    registry.filters.ChunkCommitted!(poolId, BigInt(period)),
    fromBlock,
  );
  return logs
    .map((l) => registry.interface.parseLog(l)!)
    .map((e) => ({ chunkIndex: Number(e.args.chunkIndex), figCommit: BigInt(e.args.figCommit) }));
}

/** A pool's latest complete attestation as recorded on-chain (`undefined` when there is none). */
export interface RecordedAttestation {
  poolId: bigint;
  period: bigint;
  asOfDate: bigint;
  chunkCount: bigint;
  policyHash: bigint;
  figures: PoolFigures;
}

/** Reads and unpacks a pool's latest complete attestation. */
export async function readAttestation(
  registry: Contract,
  poolId: bigint,
): Promise<RecordedAttestation | undefined> {
  const a = await registry.getFunction("attestation")(poolId);
  if (a.period === 0n) return undefined;
  return {
    poolId: a.poolId,
    period: a.period,
    asOfDate: a.asOfDate,
    chunkCount: a.chunkCount,
    policyHash: a.policyHash,
    figures: unpackFigures(a.figA, a.figB, a.figC),
  };
}
