/**
 * Reads uploaded tapes in a forked `workers/parse.ts` process (one at a time, in order; `worker-pool.ts`); a
 * worker that dies fails its request and is replaced on the next one.
 */
import { WorkerPool } from "./worker-pool.ts";
import { fromWire, type WireError } from "../prover/index.ts";
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
  ({ id: number; ok: true } & ParsedTape) | { id: number; ok: false; error: WireError };

export class ParsePool {
  private readonly worker = new WorkerPool<Omit<ParseRequest, "id">, ParseReply, ParsedTape>({
    script: new URL("./workers/parse.ts", import.meta.url),
    label: "tape parse worker",
    size: 1,
    settle: (m) => {
      if (!m.ok) return fromWire(m.error);
      const { id: _id, ok: _ok, ...tape } = m;
      return tape;
    },
  });

  /** Reads and validates an uploaded tape; rejects with TapeValidationError listing every problem. */
  parse(format: "json" | "csv", text: string, query: CsvHeaderQuery = {}): Promise<ParsedTape> {
    return this.worker.run({ format, text, query });
  }

  /** Ends the worker (after its current request). */
  close(): Promise<void> {
    return this.worker.close();
  }
}
