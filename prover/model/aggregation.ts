/**
 * The independent model of the committed-chunk path (docs/CIRCUITS.md, "Chunk commitments and the pool
 * aggregation"): what the chunk-commitment and aggregation proofs publish. The pool's figures are
 * `aggregateFigures` of the chunks' figures (index.ts), which must equal `chunkFigures` over all the pool's
 * loans at once (the tests check both against the circuit).
 */
import type { Policy } from "../policy/index.ts";
import { aggregateFigures, packFigures, unpackFigures, type Figures } from "./index.ts";

/** Public signals of a PoolChunkCommitment proof, in order. */
export const CHUNK_COMMITMENT_SIGNAL_NAMES = ["root", "pool", "policyHash", "keyHash", "figCommit"] as const;
/** Public signals of a PoolAggregation proof, in order. */
export const AGGREGATION_SIGNAL_NAMES = ["acc", "figA", "figB", "figC"] as const;

export interface ChunkCommitmentSignals {
  root: bigint;
  pool: bigint;
  policyHash: bigint;
  keyHash: bigint;
  figCommit: bigint;
}

export interface AggregationSignals {
  acc: bigint;
  figA: bigint;
  figB: bigint;
  figC: bigint;
}

/**
 * The pool's figures from the figure words its chunks committed to (any order): sums, the largest balance,
 * the smallest score, bits 1-2 OR-ed, bits 0 and 3-7 on the totals. Throws a RangeError when a total does
 * not fit its field (the circuit has no proof for such a pool).
 */
export function aggregateChunkWords(
  chunks: readonly { figA: bigint; figB: bigint; figC: bigint }[],
  policy: Policy,
): Figures {
  const pool = aggregateFigures(
    chunks.map((c) => unpackFigures(c.figA, c.figB, c.figC)),
    policy,
  );
  packFigures(pool); // range check of every field
  return pool;
}

/** The aggregation proof's public signals for the chain `acc` and the pool's figures. */
export function aggregationSignals(acc: bigint, pool: Figures): AggregationSignals {
  return { acc, ...packFigures(pool) };
}
