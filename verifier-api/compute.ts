/**
 * Tape commitments, openings and score requests off the event loop, in forked `workers/compute.ts`
 * processes, with a queue per kind of work: openings (an auditor waits on the request) have their own
 * process, apart from commitments and score requests (jobs and bulk reads that may take minutes on large
 * tapes), so a long commitment does not hold up a small opening. Each request may carry an AbortSignal
 * (its deadline, or the client going away): its work is dropped from the queue or its process killed
 * (`worker-pool.ts`). A worker that dies fails its request and is replaced on the next one.
 */
import { WorkerPool } from "./worker-pool.ts";
import { fromWire, type LoanOpeningJson, type WireError } from "../prover/index.ts";
import type { BatchProblem, ScoreRequestJson, SignedBatchJson } from "./scores.ts";

export interface ComputeRequest {
  id: number;
  /**
   * `commit`; `open` (openings of `indices`); `score-requests` (every chunk's score request for chunks of
   * `scoreChunkSize`); `score-check` (each of `batches` against its chunk's request, signed by `providerPublicKey`).
   */
  op: "commit" | "open" | "score-requests" | "score-check";
  /** Canonical JSON of the tape (decrypted by the caller). */
  tapeJson: string;
  /** Identifies the tape for the worker's cache (tape id and sha256). */
  cacheKey: string;
  /** Salt seed, decimal. */
  seed: string;
  chunkSize: number;
  indices?: number[];
  scoreChunkSize?: number;
  providerPublicKey?: [string, string];
  batches?: SignedBatchJson[];
}

export type ComputeReply =
  | {
      id: number;
      ok: true;
      root: string;
      chunkSize: number;
      chunkCount: number;
      /** Per chunk, the roots of its subtrees (see TapeCommitment.chunkRoots). */
      chunkRoots: string[][];
      openings: LoanOpeningJson[];
      /** `score-requests`: one per chunk. */
      scoreRequests?: ScoreRequestJson[];
      /** `score-check`: the batches that do not hold (empty when all do). */
      batchProblems?: BatchProblem[];
    }
  | { id: number; ok: false; error: WireError };

export type CommitResult = Omit<Extract<ComputeReply, { ok: true }>, "id" | "ok">;

/** The queue a request waits in. */
export type ComputeLane = "openings" | "bulk";
export const laneOf = (op: ComputeRequest["op"]): ComputeLane => (op === "open" ? "openings" : "bulk");

export class ComputePool {
  private readonly lanes: Record<
    ComputeLane,
    WorkerPool<Omit<ComputeRequest, "id">, ComputeReply, CommitResult>
  >;

  /** @param sizes processes per lane (default one each) */
  constructor(sizes: Partial<Record<ComputeLane, number>> = {}) {
    const pool = (lane: ComputeLane) =>
      new WorkerPool<Omit<ComputeRequest, "id">, ComputeReply, CommitResult>({
        script: new URL("./workers/compute.ts", import.meta.url),
        label: `compute worker (${lane})`,
        size: sizes[lane] ?? 1,
        settle: (m) => {
          if (!m.ok) return fromWire(m.error);
          const { id: _id, ok: _ok, ...rest } = m;
          return rest;
        },
      });
    this.lanes = { openings: pool("openings"), bulk: pool("bulk") };
  }

  /**
   * Commits to a tape (or opens loans of it, or builds or checks its score requests) in its lane's worker;
   * rejects with `signal`'s reason if it aborts first (the work is dropped or its process killed).
   */
  run(req: Omit<ComputeRequest, "id">, signal?: AbortSignal): Promise<CommitResult> {
    return this.lanes[laneOf(req.op)].run(req, signal);
  }

  /** A lane's pool (metrics and tests). */
  lane(lane: ComputeLane): WorkerPool<Omit<ComputeRequest, "id">, ComputeReply, CommitResult> {
    return this.lanes[lane];
  }

  /** Ends the workers (after their current request). */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.lanes).map((l) => l.close()));
  }
}
