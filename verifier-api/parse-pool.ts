/**
 * Reads uploaded tapes in a forked `parse-worker.ts` process (one at a time, in order); a worker that dies
 * fails its request and is replaced on the next one.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TapeValidationError, type TapeProblem } from "../prover/tape/index.ts";
import type { CsvHeaderQuery } from "./tapes.ts";

export interface ParseRequest {
  id: number;
  format: "json" | "csv";
  text: string;
  query: CsvHeaderQuery;
}

export interface ParsedTape {
  /** The tape's canonical JSON text (what is encrypted and stored). */
  canonical: string;
  poolId: string;
  period: number;
  asOfDate: number;
  loanCount: number;
}

export type ParseReply =
  | ({ id: number; ok: true } & ParsedTape)
  | { id: number; ok: false; message: string; problems?: TapeProblem[] };

export class ParsePool {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (r: ParsedTape) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;

  private spawn(): ChildProcess {
    const w = fork(fileURLToPath(new URL("./parse-worker.ts", import.meta.url)), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    w.on("message", (m: ParseReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) {
        const { id: _id, ok: _ok, ...tape } = m;
        p.resolve(tape);
      } else p.reject(m.problems ? new TapeValidationError(m.problems) : new Error(m.message));
    });
    w.on("exit", (code, signal) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new Error(`tape parse worker exited (code ${code}, signal ${signal})`));
      }
    });
    return w;
  }

  /** Reads and validates an uploaded tape; rejects with TapeValidationError listing every problem. */
  parse(format: "json" | "csv", text: string, query: CsvHeaderQuery = {}): Promise<ParsedTape> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.send({ id, format, text, query } satisfies ParseRequest);
    });
  }

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
