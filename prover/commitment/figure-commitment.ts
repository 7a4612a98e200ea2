/**
 * Chunk figure commitments (circuits/lib/figures.circom, docs/CIRCUITS.md "Chunk commitments and the pool
 * aggregation"): a chunk proof of PoolChunkCommitment publishes
 *
 *   figCommit = Poseidon(figA, figB, figC, salt, pool, Poseidon(root, policyHash, keyHash))
 *
 * instead of its figure words (`pool` is the chunk's pool word, chunkIndex included; `salt` a fresh random
 * field element), and the registry chains the commitments in the order it accepts them:
 * acc_1 = figCommit_1, acc_i = Poseidon(acc_{i-1}, figCommit_i). PoolAggregation proves the pool's figures against acc.
 */
import { getPoseidon } from "./poseidon.ts";
import { requireField } from "../../verifier-api/web/errors.js";
import { chainOfCommitments } from "../../verifier-api/web/check-attestation.js";

/** What a chunk commitment hides and binds; the aggregation proof's private opening of one chunk. */
export interface ChunkOpening {
  figA: bigint;
  figB: bigint;
  figC: bigint;
  /** A fresh random field element per chunk proof (`randomFieldElement`): what makes the commitment hiding. */
  salt: bigint;
  /** The chunk's pool word (chunkIndex included). */
  pool: bigint;
}

/** Poseidon(root, policyHash, keyHash): the context every chunk commitment of one attestation shares. */
export async function commitmentContext(root: bigint, policyHash: bigint, keyHash: bigint): Promise<bigint> {
  const poseidon = await getPoseidon();
  return poseidon([
    requireField("root", root),
    requireField("policyHash", policyHash),
    requireField("keyHash", keyHash),
  ]);
}

/** The commitment a chunk proof publishes for its opening, in the attestation `context`. */
export async function figureCommitment(o: ChunkOpening, context: bigint): Promise<bigint> {
  const poseidon = await getPoseidon();
  return poseidon([
    requireField("figA", o.figA),
    requireField("figB", o.figB),
    requireField("figC", o.figC),
    requireField("salt", o.salt),
    requireField("pool", o.pool),
    requireField("context", context),
  ]);
}

/**
 * The registry's accumulator over commitments in acceptance order (`chainOfCommitments`, the one statement of
 * the rule: acc_1 = c_1, acc_i = Poseidon(acc_{i-1}, c_i)).
 */
export async function chainCommitments(commitments: readonly bigint[]): Promise<bigint> {
  const poseidon = await getPoseidon();
  return chainOfCommitments(
    poseidon,
    commitments.map((c, i) => requireField(`commitments[${i}]`, c)),
  );
}
