/**
 * Client helpers for the attestation registry: submit a snarkjs Groth16 proof, read a pool's attestation
 * with its figures unpacked, and whether a vault may admit it. Each takes the registry as any ethers v6
 * contract (a plain `Contract` or the typed `AttestationRegistry` of sdk/contracts/) and calls it through the
 * typed binding, with the contract's runner (a provider reads; a signer also submits).
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { BaseContract, TransactionReceipt } from "ethers";
import { attestationRegistryAt, type AttestationRegistry } from "../contracts/attestation-registry.ts";
import { unpackFigures, type PoolFigures } from "./signals.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** The registry as the typed binding, on `registry`'s address and runner. */
function typed(registry: BaseContract): AttestationRegistry {
  return attestationRegistryAt(registry.target, registry.runner);
}

/** `n` words, as the binding types a `uint256[n]` argument. */
type Words<N extends number, R extends bigint[] = []> = R["length"] extends N ? R : Words<N, [...R, bigint]>;

/** The values as `n` words (their count checked by the caller). */
function words<N extends number>(xs: readonly (string | bigint)[], _n: N): Words<N> {
  return xs.map((x) => BigInt(x)) as Words<N>;
}

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
  registry: BaseContract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  publicSignals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (publicSignals.length !== 7) throw invalid("publicSignals", `expected 7, got ${publicSignals.length}`);
  const tx = await typed(registry).submitAttestation(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    words(publicSignals, 7),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * Submits one committed chunk's proof (a PoolChunkCommitment instance: public signals root, pool, policyHash,
 * keyHash, figCommit) and waits for it: the registry chains its commitment, never sees its figures.
 */
export async function submitChunkCommitment(
  registry: BaseContract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  publicSignals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (publicSignals.length !== 5)
    throw invalid("publicSignals", "expected 5 public signals", publicSignals.length);
  const tx = await typed(registry).submitChunkCommitment(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    words(publicSignals, 5),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * Submits a pool's aggregation proof (a PoolAggregation instance) once all of its committed chunks are
 * accepted: `chunk` = the chunks' shared (root, pool word, policyHash, keyHash), `figures` = the pool's
 * (figA, figB, figC). The proof's `acc` is not sent: the registry supplies its own.
 */
export async function submitAggregation(
  registry: BaseContract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  chunk: readonly (string | bigint)[],
  figures: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (chunk.length !== 4) throw invalid("chunk", "expected 4 values", chunk.length);
  if (figures.length !== 3) throw invalid("figures", "expected 3 words", figures.length);
  const tx = await typed(registry).submitAggregation(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    words(chunk, 4),
    words(figures, 3),
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * The order in which the registry accepted (and chained) a pool's committed chunks for `period`, from its
 * ChunkCommitted events since `fromBlock`: chunk indices and commitments, oldest first. After a batch
 * replacement only the chunks of the latest batch count: pass a `fromBlock` after it, or read `committedBatch`.
 */
export async function acceptedChunks(
  registry: BaseContract,
  poolId: bigint,
  period: bigint | number,
  fromBlock = 0,
): Promise<{ chunkIndex: number; figCommit: bigint }[]> {
  const r = typed(registry);
  const logs = await r.queryFilter(r.filters.ChunkCommitted!(poolId, BigInt(period)), fromBlock);
  return logs
    .map((l) => r.interface.parseLog(l)!)
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
  registry: BaseContract,
  poolId: bigint,
): Promise<RecordedAttestation | undefined> {
  const a = await typed(registry).attestation(poolId);
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

/** What a vault checks before it admits a pool, as the registry answers it now. */
export interface PoolEligibility {
  /** `isEligible(poolId, policyHash)`: attested, fresh, no breach, under `policyHash`, its key not revoked. */
  eligible: boolean;
  /** `isFresh(poolId)`: the latest attestation's as-of date is within the registry's maxAge. */
  fresh: boolean;
  /** The latest complete attestation with its figures (undefined when there is none). */
  attestation: RecordedAttestation | undefined;
}

/** Reads whether `poolId` is eligible under `policyHash`, whether it is fresh, and its attested figures. */
export async function readEligibility(
  registry: BaseContract,
  poolId: bigint,
  policyHash: bigint,
): Promise<PoolEligibility> {
  const r = typed(registry);
  const [eligible, fresh, attestation] = await Promise.all([
    r.isEligible(poolId, policyHash),
    r.isFresh(poolId),
    readAttestation(registry, poolId),
  ]);
  return { eligible, fresh, attestation };
}
