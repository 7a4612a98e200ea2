/**
 * CSV tapes: a streaming reader (csv-parse) that maps every row through a {@link TapeMapping} and validates
 * it, collecting every problem, and a writer of the canonical CSV layout.
 *
 * Canonical layout: an optional first line `#rwa-attest-tape poolId=… period=… asOfDate=YYYY-MM-DD
 * currency=… decimals=…`, then a header with the field names of {@link LOAN_FIELDS}, then one row per loan
 * (amounts as decimal integers in minor units, dates ISO, status names).
 */
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { daysToIso, parseDate } from "./dates.ts";
import { IDENTITY_MAPPING, LOAN_FIELDS, PERIOD_FIELDS, TAPE_FIELDS, compileMapping } from "./mapping.ts";
import type { CompiledMapping, TapeMapping } from "./mapping.ts";
import { LOAN_STATUS_NAMES } from "./schema.ts";
import type { LoanRecord, LoanTape } from "./schema.ts";
import { TapeValidationError, TapeValidator, assertValidTape, showValue } from "./validate.ts";
import type { TapeHeader, TapeProblem } from "./validate.ts";

/**
 * Every column a canonical CSV tape may have: the required fields, then the optional period fields (issue 15;
 * {@link tapeCsvColumns} says which a given tape is written with).
 */
export const TAPE_CSV_COLUMNS: readonly string[] = TAPE_FIELDS;
/**
 * The canonical CSV columns of a tape: the required fields, then the period fields when any loan gives
 * one (a tape without them is written exactly as before issue 15).
 */
export function tapeCsvColumns(tape: Pick<LoanTape, "loans">): readonly string[] {
  const withPeriod = tape.loans.some((r) => PERIOD_FIELDS.some((f) => r[f] !== undefined));
  return withPeriod ? TAPE_FIELDS : LOAN_FIELDS;
}
/** Tag that starts the optional metadata line of a canonical CSV tape. */
export const CSV_METADATA_TAG = "#rwa-attest-tape";

/**
 * Where a tape comes from: `{path}`, `{text}`, or a bare string, taken as text when it contains a line
 * break or starts with `{` (after white space) and as a file path otherwise.
 */
export type TapeSource = string | { path: string } | { text: string };

/** Resolves a {@link TapeSource} into `{path}` or `{text}`. */
export function resolveSource(source: TapeSource): { path: string } | { text: string } {
  if (typeof source !== "string") return source;
  return /[\r\n]/.test(source) || source.trimStart().startsWith("{") ? { text: source } : { path: source };
}

/** Options of the CSV readers. Tape-level values given here must agree with the file's metadata line. */
export interface CsvReadOptions {
  /** How source columns become fields (default {@link IDENTITY_MAPPING}). */
  mapping?: TapeMapping;
  /** Pool id, when the file has no metadata line (source tapes such as LendingClub's never do). */
  poolId?: bigint;
  /** Reporting period (YYYYMM by convention). */
  period?: number;
  /** Last day of the period, days since 1970-01-01. */
  asOfDate?: number;
  /** ISO 4217 currency (default: the mapping's default). */
  currency?: string;
  /** Decimal places of the minor unit (default: the mapping's default, else 2). */
  decimals?: number;
  /**
   * Quarantine: when given, a row with problems is handed here and left out of the tape instead of making
   * the whole tape invalid (tape-level problems, such as a missing column, still refuse the tape). The
   * caller decides whether a tape with rows set aside may be attested (the CLI asks for `--set-aside`).
   */
  setAside?: (row: RefusedRow) => void;
  /** Called once the rows are read (before the tape is returned or refused): counts for a summary. */
  onInfo?: (info: { rowsRead: number; rowsSetAside: number; statusRuleCounts: readonly number[] }) => void;
}

/** A source row left out of the tape by the quarantine, with its problems. */
export interface RefusedRow {
  /** 1-based data row (as in problems). */
  row: number;
  /** The source cells, as read. */
  cells: readonly string[];
  /** The source header's column names (see `headerName`). */
  columns: readonly string[];
  /** Every problem of the row. */
  problems: TapeProblem[];
}

/**
 * Consumes CSV records one at a time (metadata line, header, rows), maps and validates each, and keeps
 * the records; {@link CsvTapeBuilder.finish} returns the tape or throws with every problem.
 */
export class CsvTapeBuilder {
  private readonly options: CsvReadOptions;
  private readonly mapping: TapeMapping;
  private readonly meta: Partial<Record<"poolId" | "period" | "asOfDate" | "currency" | "decimals", string>> =
    {};
  private readonly early: TapeProblem[] = [];
  private header: TapeHeader | undefined;
  private compiled: CompiledMapping | undefined;
  private validator: TapeValidator | undefined;
  private width = 0;
  private row = 0;
  private readonly loans: LoanRecord[] = [];
  private readonly ignore: readonly string[];
  /** Rows handed to `options.setAside` so far. */
  setAsideCount = 0;
  /** Rows read after the header (accepted and set aside). */
  get rowsRead(): number {
    return this.row;
  }
  /** How many rows each status rule of the mapping derived (see `CompiledMapping.statusRuleCounts`). */
  get statusRuleCounts(): readonly number[] {
    return this.compiled?.statusRuleCounts ?? [];
  }

  /** A builder for one tape. */
  constructor(options: CsvReadOptions = {}) {
    this.options = options;
    this.mapping = options.mapping ?? IDENTITY_MAPPING;
    this.ignore = this.mapping.csv?.ignoreLinesStartingWith ?? [];
  }

  /** Feeds the next CSV record (array of cells, empty lines already skipped). */
  push(cells: string[]): void {
    if (!this.compiled) {
      if (cells.length === 1 && cells[0]!.startsWith("#")) {
        this.readMetadata(cells[0]!);
        return;
      }
      this.start(cells);
      return;
    }
    if (this.ignore.length > 0 && this.ignore.some((p) => cells[0]!.startsWith(p))) return;
    this.row++;
    const v = this.validator!;
    const before = v.problems.length;
    if (cells.length !== this.width) {
      v.addProblem({
        row: this.row,
        field: "csv",
        value: `${cells.length} cells`,
        reason: `a row must have as many cells as the header has columns (${this.width})`,
      });
      v.count++;
    } else {
      const { record, failed } = this.compiled.mapRow(cells, this.row, v.problems);
      v.check(record, this.row, failed);
      if (this.options.setAside && v.problems.length > before) v.release(record.loanId, this.row);
      if (v.problems.length === 0) this.loans.push(record);
    }
    const setAside = this.options.setAside;
    if (setAside && v.problems.length > before) {
      const problems = v.problems.splice(before);
      v.count--;
      this.setAsideCount++;
      setAside({ row: this.row, cells, columns: this.compiled.columns, problems });
    }
  }

  /** Ends the tape: returns it, or throws a {@link TapeValidationError} with every problem. */
  finish(): LoanTape {
    if (!this.validator) {
      this.early.push({ row: null, field: "csv", value: "", reason: "no header row" });
      throw new TapeValidationError(this.early);
    }
    this.options.onInfo?.({
      rowsRead: this.row,
      rowsSetAside: this.setAsideCount,
      statusRuleCounts: this.statusRuleCounts,
    });
    this.validator.finish();
    return { ...this.header!, loans: this.loans };
  }

  /** Feeds a comment line found before the header (the metadata line, or another comment, ignored). */
  readMetadata(line: string): void {
    const parts = line.trim().split(/\s+/);
    if (parts[0] !== CSV_METADATA_TAG) return; // another comment line before the header: ignored
    for (const p of parts.slice(1)) {
      const eq = p.indexOf("=");
      const k = eq > 0 ? p.slice(0, eq) : p;
      if (!["poolId", "period", "asOfDate", "currency", "decimals"].includes(k) || eq < 0) {
        this.early.push({
          row: null,
          field: "csv",
          value: p,
          reason: "unknown metadata entry (expected key=value)",
        });
        continue;
      }
      this.meta[k as keyof typeof this.meta] = p.slice(eq + 1);
    }
  }

  /** Resolves the tape header from metadata and options, then binds the mapping to the CSV header. */
  private start(headerCells: string[]): void {
    const o = this.options;
    const m = this.meta;
    const problems = this.early;
    const pick = <T>(
      field: string,
      fromOpt: T | undefined,
      fromMeta: string | undefined,
      conv: (s: string) => T | undefined,
      dflt?: T,
    ): T | undefined => {
      let metaVal: T | undefined;
      if (fromMeta !== undefined) {
        metaVal = conv(fromMeta);
        if (metaVal === undefined) {
          problems.push({
            row: null,
            field,
            value: fromMeta,
            reason: "malformed value in the metadata line",
          });
        }
      }
      if (fromOpt !== undefined && metaVal !== undefined && fromOpt !== metaVal) {
        problems.push({
          row: null,
          field,
          value: showValue(fromOpt),
          reason: `the file's metadata line says ${fromMeta}`,
        });
      }
      const v = fromOpt ?? metaVal ?? dflt;
      if (v === undefined && fromMeta === undefined) {
        problems.push({
          row: null,
          field,
          value: "",
          reason: "missing: give it in the options or the metadata line",
        });
      }
      return v;
    };
    const asInt = (s: string): number | undefined => (/^\d{1,10}$/.test(s) ? Number(s) : undefined);
    const header = {
      poolId: pick("poolId", o.poolId, m.poolId, (s) => (/^\d{1,20}$/.test(s) ? BigInt(s) : undefined)),
      period: pick("period", o.period, m.period, asInt),
      asOfDate: pick("asOfDate", o.asOfDate, m.asOfDate, (s) => {
        const r = parseDate(s, "ISO");
        return "days" in r ? r.days : undefined;
      }),
      currency: pick("currency", o.currency, m.currency, (s) => s, this.mapping.defaults?.currency ?? "USD"),
      decimals: pick("decimals", o.decimals, m.decimals, asInt, this.mapping.defaults?.decimals ?? 2),
    } as TapeHeader;
    this.header = header;
    const v = new TapeValidator(header);
    // Missing tape values are already reported above; do not report them twice.
    const reported = new Set(problems.map((p) => p.field));
    v.problems.splice(0, v.problems.length, ...v.problems.filter((p) => !reported.has(p.field)));
    v.problems.push(...problems);
    this.width = headerCells.length;
    this.compiled = compileMapping(this.mapping, headerCells, {
      asOfDate: typeof header.asOfDate === "number" ? header.asOfDate : 0,
      decimals: typeof header.decimals === "number" ? header.decimals : 2,
    });
    v.problems.push(...this.compiled.headerProblems);
    this.validator = v;
    if (this.compiled.headerProblems.length > 0) {
      // Every row would repeat the header's problem: report the header alone.
      throw new TapeValidationError(v.problems);
    }
  }
}

function csvParseOptions(mapping: TapeMapping | undefined): Record<string, unknown> {
  return {
    bom: true,
    delimiter: mapping?.csv?.delimiter ?? ",",
    skip_empty_lines: true,
    relax_column_count: true,
  };
}

function csvSyntaxError(e: unknown): TapeValidationError {
  const err = e as { message?: string; lines?: number };
  return new TapeValidationError([
    {
      row: null,
      field: "csv",
      value: err.lines !== undefined ? `line ${err.lines}` : "",
      reason: String(err.message),
    },
  ]);
}

/** Reads a CSV tape from text (synchronously); throws a {@link TapeValidationError} with every problem. */
export function parseTapeCsv(text: string, options: CsvReadOptions = {}): LoanTape {
  const b = new CsvTapeBuilder(options);
  const skip = prefixLineFilter(options.mapping, (line) => b.readMetadata(line));
  // Comment lines before the header are taken out before csv-parse sees them: a first record narrower than
  // the header makes csv-parse build an error object for every later record (3.5x slower).
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const line = text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, "");
    if (!skip(line)) break;
    if (nl < 0) {
      start = text.length;
      break;
    }
    start = nl + 1;
  }
  let records: string[][];
  try {
    records = parseSync(text.slice(start), csvParseOptions(options.mapping)) as string[][];
  } catch (e) {
    throw csvSyntaxError(e);
  }
  for (const r of records) b.push(r);
  return b.finish();
}

/**
 * A predicate for the lines before the header: true (and the line is consumed) for blank lines, comment
 * lines (handed to `onComment`) and lines the mapping's `csv.ignoreLinesStartingWith` names.
 */
function prefixLineFilter(
  mapping: TapeMapping | undefined,
  onComment: (line: string) => void,
): (line: string) => boolean {
  const ignore = mapping?.csv?.ignoreLinesStartingWith ?? [];
  return (line) => {
    if (line.startsWith("#")) {
      onComment(line);
      return true;
    }
    return line.trim() === "" || ignore.some((p) => line.startsWith(p));
  };
}

/**
 * Decodes a byte stream to text and consumes the lines before the header that `skip` accepts, yielding
 * the rest (see {@link parseTapeCsv} for why).
 */
async function* withoutLeadingComments(
  input: AsyncIterable<string | Uint8Array>,
  skip: (line: string) => boolean,
): AsyncGenerator<string> {
  const dec = new TextDecoder("utf-8");
  let buf = "";
  let inPrefix = true;
  const drain = (final: boolean): string | undefined => {
    if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
    for (;;) {
      if (buf.length === 0) return undefined;
      const nl = buf.indexOf("\n");
      if (nl < 0 && !final) return undefined; // wait for the end of the line
      const line = (nl < 0 ? buf : buf.slice(0, nl)).replace(/\r$/, "");
      if (!skip(line)) {
        inPrefix = false;
        const rest = buf;
        buf = "";
        return rest;
      }
      buf = nl < 0 ? "" : buf.slice(nl + 1);
    }
  };
  for await (const chunk of input) {
    const text = typeof chunk === "string" ? chunk : dec.decode(chunk, { stream: true });
    if (!inPrefix) {
      if (text) yield text;
      continue;
    }
    buf += text;
    const rest = drain(false);
    if (rest) yield rest;
  }
  const tail = dec.decode();
  if (inPrefix) {
    buf += tail;
    const rest = drain(true);
    if (rest) yield rest;
  } else if (tail) yield tail;
}

/**
 * Reads a CSV tape from a byte or text stream, record by record (constant memory besides the records);
 * throws a {@link TapeValidationError} with every problem.
 */
export async function readTapeCsvStream(
  input: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>,
  options: CsvReadOptions = {},
): Promise<LoanTape> {
  const source = input as AsyncIterable<string | Uint8Array>;
  const b = new CsvTapeBuilder(options);
  const skip = prefixLineFilter(options.mapping, (line) => b.readMetadata(line));
  const stream = Readable.from(withoutLeadingComments(source, skip));
  const parser = parse(csvParseOptions(options.mapping));
  // pipe() does not forward errors: a source error (missing file…) must end the parser too.
  stream.on("error", (e: Error) => parser.destroy(e));
  stream.pipe(parser);
  try {
    for await (const r of parser) b.push(r as string[]);
  } catch (e) {
    stream.destroy();
    if (input instanceof Readable) input.destroy();
    if (e instanceof TapeValidationError) throw e;
    if (String((e as { code?: unknown }).code).startsWith("CSV_")) throw csvSyntaxError(e);
    throw e;
  }
  return b.finish();
}

/**
 * Reads a CSV tape from a file (streamed) or text, mapping its columns with `options.mapping`
 * (default: the canonical layout; a mapping may also be passed directly as the second argument);
 * throws a {@link TapeValidationError} with every problem.
 */
export async function readTapeCsv(
  source: TapeSource,
  options: CsvReadOptions | TapeMapping = {},
): Promise<LoanTape> {
  if ("fields" in options) options = { mapping: options };
  const s = resolveSource(source);
  if ("text" in s) return parseTapeCsv(s.text, options);
  return readTapeCsvStream(createReadStream(s.path), options);
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) || s.startsWith("#") ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The canonical CSV cells of one record (amounts in minor units, ISO dates, status name). */
export function recordToCsvCells(r: LoanRecord): string[] {
  return [
    csvCell(r.loanId),
    csvCell(r.borrowerRef),
    daysToIso(r.originationDate),
    daysToIso(r.maturityDate),
    r.originalPrincipal.toString(),
    r.outstandingBalance.toString(),
    String(r.interestRateBps),
    r.scheduledPayment.toString(),
    r.collectedAmount.toString(),
    String(r.daysPastDue),
    LOAN_STATUS_NAMES[r.status]!,
    r.chargedOffAmount.toString(),
    String(r.creditScore),
    String(r.scoreProviderId),
    daysToIso(r.scoreDate),
    r.collateralValue.toString(),
  ];
}

/** The canonical CSV cells of a record's period fields (empty when absent). */
export function periodFieldsToCsvCells(r: LoanRecord): string[] {
  const s = (v: bigint | number | boolean | undefined): string => (v === undefined ? "" : String(v));
  return [
    s(r.principalCollected),
    s(r.interestCollected),
    s(r.recoveries),
    s(r.principalAdjustment),
    s(r.adjustmentReason),
    s(r.exitCode),
    r.exitDate === undefined ? "" : daysToIso(r.exitDate),
    s(r.modified),
  ];
}

/** Formats a (valid) tape as canonical CSV with its metadata line; throws if the tape is invalid. */
export function formatTapeCsv(tape: LoanTape): string {
  assertValidTape(tape);
  const lines = [
    `${CSV_METADATA_TAG} poolId=${tape.poolId} period=${tape.period} asOfDate=${daysToIso(tape.asOfDate)} currency=${tape.currency} decimals=${tape.decimals}`,
    tapeCsvColumns(tape).join(","),
  ];
  const withPeriod = tapeCsvColumns(tape).length > LOAN_FIELDS.length;
  for (const r of tape.loans)
    lines.push([...recordToCsvCells(r), ...(withPeriod ? periodFieldsToCsvCells(r) : [])].join(","));
  return lines.join("\n") + "\n";
}

/** Writes a (valid) tape to `path` as canonical CSV; throws (and writes nothing) if the tape is invalid. */
export async function writeTapeCsv(tape: LoanTape, path: string): Promise<void> {
  await writeFile(path, formatTapeCsv(tape));
}
