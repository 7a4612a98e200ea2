/**
 * Tape commitments, openings and score requests off the event loop: requests go to one forked `compute-worker.ts` process,
 * in order. A worker that dies fails its request and is replaced on the next one.
 */
import { ForkedWorker } from "./forked-worker.ts";
import type { LoanOpeningJson } from "../prover/audit.ts";
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
  | { id: number; ok: false; message: string };

export type CommitResult = Omit<Extract<ComputeReply, { ok: true }>, "id" | "ok">;

export class ComputePool {
  private readonly worker = new ForkedWorker<Omit<ComputeRequest, "id">, ComputeReply, CommitResult>(
    new URL("./compute-worker.ts", import.meta.url),
    "compute worker",
    (m) => {
      if (!m.ok) return new Error(m.message);
      const { id: _id, ok: _ok, ...rest } = m;
      return rest;
    },
  );

  /** Commits to a tape (or opens loans of it, or builds or checks its score requests) in the worker. */
  run(req: Omit<ComputeRequest, "id">): Promise<CommitResult> {
    return this.worker.request(req);
  }

  /** Ends the worker (after its current request). */
  close(): Promise<void> {
    return this.worker.close();
  }
}
