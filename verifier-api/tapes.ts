/**
 * Uploaded tapes: reading them with the project's tape readers (`prover/tape/`; run in `workers/parse.ts`)
 * and their stored (encrypted) canonical form.
 */
import { parse as parseCsvSync } from "csv-parse/sync";
import {
  TAPE_CSV_COLUMNS,
  TapeValidationError,
  formatTapeJson,
  isoToDays,
  parseTapeCsv,
  parseTapeJson,
  type LoanTape,
  type TapeProblem,
} from "../prover/index.ts";

export { TapeValidationError, type TapeProblem };

/** Tape-level values for a CSV upload without a metadata line (query parameters, all text). */
export interface CsvHeaderQuery {
  poolId?: string;
  period?: string;
  asOfDate?: string;
  currency?: string;
  decimals?: string;
}

/** Reads an uploaded JSON tape (`rwa-attest/tape@1`); throws TapeValidationError listing every problem. */
export function readUploadedJson(text: string): LoanTape {
  return parseTapeJson(text);
}

/**
 * The service's rule for CSV columns, the same as for JSON tapes' fields: a column the canonical tape does
 * not have is refused (the tape readers of prover/tape/ would ignore it). Tapes in other columns are mapped
 * to the canonical ones first (`rwa-attest tape map`, docs/TAPE.md); the service takes canonical tapes only.
 */
export function unknownCsvColumns(text: string): TapeProblem[] {
  const known = new Set<string>(TAPE_CSV_COLUMNS);
  for (const raw of text.replace(/^\uFEFF/, "").split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    let cells: string[];
    try {
      cells = (parseCsvSync(line) as string[][])[0] ?? [];
    } catch {
      return []; // a malformed header: the reader reports it
    }
    return cells
      .map((c) => c.trim())
      .filter((c) => !known.has(c))
      .map((c) => ({
        row: null,
        field: c,
        value: "",
        reason:
          "not a column of the canonical tape (docs/TAPE.md); map other tapes first (rwa-attest tape map)",
      }));
  }
  return [];
}

/** Reads an uploaded CSV tape (canonical columns); tape-level values from its metadata line or `q`. */
export function readUploadedCsv(text: string, q: CsvHeaderQuery): LoanTape {
  const problems: TapeProblem[] = unknownCsvColumns(text);
  const bad = (field: string, value: string, reason: string): void => {
    problems.push({ row: null, field, value, reason });
  };
  const options: Parameters<typeof parseTapeCsv>[1] = {};
  if (q.poolId !== undefined) {
    if (/^[0-9]{1,20}$/.test(q.poolId)) options.poolId = BigInt(q.poolId);
    else bad("poolId", q.poolId, "must be an unsigned integer below 2^64");
  }
  if (q.period !== undefined) {
    if (/^[0-9]{1,10}$/.test(q.period)) options.period = Number(q.period);
    else bad("period", q.period, "must be an unsigned 32-bit integer (YYYYMM)");
  }
  if (q.asOfDate !== undefined) {
    try {
      options.asOfDate = isoToDays(q.asOfDate);
    } catch {
      bad("asOfDate", q.asOfDate, "must be an ISO date (YYYY-MM-DD)");
    }
  }
  if (q.currency !== undefined) options.currency = q.currency;
  if (q.decimals !== undefined) {
    if (/^[0-9]{1,2}$/.test(q.decimals)) options.decimals = Number(q.decimals);
    else bad("decimals", q.decimals, "must be a small non-negative integer");
  }
  if (problems.length > 0) throw new TapeValidationError(problems);
  return parseTapeCsv(text, options);
}

/** The stored form of a tape: its canonical JSON text. */
export function serializeTape(tape: LoanTape): Buffer {
  return Buffer.from(formatTapeJson(tape, 0), "utf8");
}

/** Inverse of serializeTape (validates again). */
export function deserializeTape(data: Buffer): LoanTape {
  return parseTapeJson(data.toString("utf8"));
}
