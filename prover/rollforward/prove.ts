/**
 * Proving a pool's roll-forward from last period's tape to this period's (issue 15): one
 * RollForwardCommitment proof per chunk, then one RollForwardAggregation proof over their commitments in
 * chunk order (the order in which they are to be submitted: the registry chains them in acceptance order).
 * The chunks prove in parallel in the worker pool; the aggregation proves once every chunk is done.
 */
import { invalid } from "../../verifier-api/web/errors.js";
import { instanceSize } from "../../pipeline/catalogue.ts";
import { sizeClassFor } from "../attest.ts";
import { randomFieldElement } from "../commitment/encoding.ts";
import { ProverPool, proveInstance, type ProveResult } from "../prove/index.ts";
import {
  buildRollForwardAggregationInput,
  buildRollForwardCommitmentInput,
  type RollForwardOpening,
} from "./committed.ts";
import type { RollForwardTotals } from "./layout.ts";
import type { RollForwardPeriod } from "./witness.ts";

/** The roll-forward instance used when none is named: chunks of 8 slots (the test build's). */
export const DEFAULT_ROLLFORWARD_INSTANCE = "rollforward-commitment-8";

/** Options of {@link proveRollForward}. */
export interface RollForwardProveOptions {
  /** The policy's (the roll-forward registry's) bound on one loan's |adjustment| in a period, minor units. */
  maxAdjustment: bigint;
  /** A RollForwardCommitment catalogue instance (default DEFAULT_ROLLFORWARD_INSTANCE). */
  instance?: string;
  /** The worker pool to prove in (default: a pool of its own, closed at the end). */
  pool?: ProverPool;
  /** Per-chunk salts of the totals and flow commitments (default: fresh random field elements). */
  salts?: { rf: readonly bigint[]; flow: readonly bigint[] };
  /** Called after each proof: chunks done (the aggregation counts as one more). */
  onProgress?: (done: number, total: number) => void;
}

/** One proven chunk: its proof, public signals (decimal strings, circuit order), opening and flow salt. */
export interface RollForwardChunkProof {
  chunkIndex: number;
  proof: ProveResult["proof"];
  publicSignals: string[];
  opening: RollForwardOpening;
  flowSalt: bigint;
}

/** A proven roll-forward. */
export interface RollForwardProof {
  chunkInstance: string;
  aggregationInstance: string;
  /** (prevRoot, root, pool word with chunkIndex 0, maxAdjustment): what every chunk shares. */
  context: [bigint, bigint, bigint, bigint];
  chunks: RollForwardChunkProof[];
  aggregation: { proof: ProveResult["proof"]; publicSignals: string[] };
  /** The pool's period totals (the aggregation's public rfA, rfB, rfC unpacked). */
  totals: RollForwardTotals;
}

const chunkSizeOf = (instance: string): number => instanceSize(instance, "RollForwardCommitment");

/**
 * The RollForwardAggregation instance for `chunkCount` chunks: the smallest size class that holds them and
 * that this machine has built (else the smallest in the catalogue, whose missing keys are then reported).
 */
export function rollForwardAggregationInstance(chunkCount: number): string {
  return sizeClassFor("RollForwardAggregation", chunkCount);
}

/** Proves the roll-forward of `prev` to `next` (both in stable slots, their commitments from the same seed). */
export async function proveRollForward(
  prev: RollForwardPeriod,
  next: RollForwardPeriod,
  opts: RollForwardProveOptions,
): Promise<RollForwardProof> {
  const chunkInstance = opts.instance ?? DEFAULT_ROLLFORWARD_INSTANCE;
  const chunkSize = chunkSizeOf(chunkInstance);
  const slots = Math.max(prev.tape.loans.length, next.tape.loans.length);
  const count = Math.max(1, Math.ceil(slots / chunkSize));
  const aggregationInstance = rollForwardAggregationInstance(count);
  if (opts.salts && (opts.salts.rf.length !== count || opts.salts.flow.length !== count))
    throw invalid("salts", `expected ${count} salts of each kind, one per chunk`);
  const pool = opts.pool ?? new ProverPool();
  try {
    let done = 0;
    const chunks = await Promise.all(
      Array.from({ length: count }, async (_, chunkIndex): Promise<RollForwardChunkProof> => {
        const flowSalt = opts.salts?.flow[chunkIndex] ?? randomFieldElement();
        const built = await buildRollForwardCommitmentInput(prev, next, {
          chunkIndex,
          chunkSize,
          maxAdjustment: opts.maxAdjustment,
          flowSalt,
          rfSalt: opts.salts?.rf[chunkIndex] ?? randomFieldElement(),
        });
        const r = await proveInstance(pool, chunkInstance, built.input);
        opts.onProgress?.(++done, count + 1);
        return {
          chunkIndex,
          proof: r.proof,
          publicSignals: r.publicSignals,
          opening: built.opening,
          flowSalt,
        };
      }),
    );
    const s = chunks[0]!;
    const shared = {
      prevRoot: BigInt(s.publicSignals[0]!),
      root: BigInt(s.publicSignals[1]!),
      maxAdjustment: BigInt(s.publicSignals[3]!),
    };
    const agg = await buildRollForwardAggregationInput(
      chunks.map((c) => c.opening),
      shared,
      instanceSize(aggregationInstance, "RollForwardAggregation"),
    );
    const r = await proveInstance(pool, aggregationInstance, agg.input);
    opts.onProgress?.(count + 1, count + 1);
    return {
      chunkInstance,
      aggregationInstance,
      context: [shared.prevRoot, shared.root, BigInt(agg.input.pool as string), shared.maxAdjustment],
      chunks,
      aggregation: { proof: r.proof, publicSignals: r.publicSignals },
      totals: agg.totals,
    };
  } finally {
    if (opts.pool === undefined) await pool.close();
  }
}
