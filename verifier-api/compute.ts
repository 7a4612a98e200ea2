/**
 * Tape commitments and openings off the event loop: requests go to one forked `compute-worker.ts` process,
 * in order. A worker that dies fails its request and is replaced on the next one.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoanOpeningJson } from "../prover/audit.ts";

export interface ComputeRequest {
  id: number;
  op: "commit" | "open";
  /** Canonical JSON of the tape (decrypted by the caller). */
  tapeJson: string;
  /** Identifies the tape for the worker's cache (tape id and sha256). */
  cacheKey: string;
  /** Salt seed, decimal. */
  seed: string;
  chunkSize: number;
  indices?: number[];
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
    }
  | { id: number; ok: false; message: string };

export type CommitResult = Omit<Extract<ComputeReply, { ok: true }>, "id" | "ok">;

export class ComputePool {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (r: CommitResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;

  private spawn(): ChildProcess {
    const w = fork(fileURLToPath(new URL("./compute-worker.ts", import.meta.url)), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    w.on("message", (m: ComputeReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) {
        const { id: _id, ok: _ok, ...rest } = m;
        p.resolve(rest);
      } else p.reject(new Error(m.message));
    });
    w.on("exit", (code, signal) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new Error(`compute worker exited (code ${code}, signal ${signal})`));
      }
    });
    return w;
  }

  /** Commits to a tape (or opens loans of it) in the worker. */
  run(req: Omit<ComputeRequest, "id">): Promise<CommitResult> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.send({ ...req, id } satisfies ComputeRequest);
    });
  }

  /** Ends the worker (after its current request). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w || w.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      w.once("exit", () => resolve());
      if (w.connected) w.send({ op: "stop" });
      else w.kill();
    });
  }
}
