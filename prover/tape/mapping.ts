/**
 * Mappings: declarative conversion of an originator's own tape columns (names, units, date formats, status
 * vocabulary, derived fields) into the canonical {@link LoanRecord}. A mapping is JSON (see
 * `examples/mappings/` and `docs/TAPE.md`); {@link compileMapping} turns it into a fast row converter that
 * reports every problem as `{row, field, value, reason}`.
 */
import { readFile } from "node:fs/promises";
import { DATE_FORMATS, addMonths, parseDate, sameMonth } from "./dates.ts";
import type { DateFormat } from "./dates.ts";
import { LOAN_STATUS_NAMES, LoanStatus } from "./schema.ts";
import type { LoanRecord, LoanStatusName } from "./schema.ts";
import { TapeValidationError, showValue } from "./validate.ts";
import type { TapeProblem } from "./validate.ts";

/** The `format` tag every mapping file carries. */
export const MAPPING_FORMAT = "rwa-attest/tape-mapping@1";

/** Canonical fields of a loan record, in schema (and canonical CSV column) order. */
export const LOAN_FIELDS = [
  "loanId",
  "borrowerRef",
  "originationDate",
  "maturityDate",
  "originalPrincipal",
  "outstandingBalance",
  "interestRateBps",
  "scheduledPayment",
  "collectedAmount",
  "daysPastDue",
  "status",
  "chargedOffAmount",
  "creditScore",
  "scoreProviderId",
  "scoreDate",
  "collateralValue",
] as const satisfies readonly (keyof LoanRecord)[];
/** One of {@link LOAN_FIELDS}. */
export type LoanField = (typeof LOAN_FIELDS)[number];

/** The kind of a canonical field, which decides how source text is parsed. */
export type FieldKind = "id" | "date" | "money" | "rate" | "int" | "status";
/** Kind of every canonical field. */
export const FIELD_KINDS: Record<LoanField, FieldKind> = {
  loanId: "id",
  borrowerRef: "id",
  originationDate: "date",
  maturityDate: "date",
  originalPrincipal: "money",
  outstandingBalance: "money",
  interestRateBps: "rate",
  scheduledPayment: "money",
  collectedAmount: "money",
  daysPastDue: "int",
  status: "status",
  chargedOffAmount: "money",
  creditScore: "int",
  scoreProviderId: "int",
  scoreDate: "date",
  collateralValue: "money",
};

/** Units a numeric source column may be in: money `minor`/`major`, rates `bps`/`percent`/`fraction`. */
export type SourceUnit = "minor" | "major" | "bps" | "percent" | "fraction";
/** Rounding of a numeric source value to the canonical integer: `exact` refuses extra decimals. */
export type Rounding = "exact" | "half-up" | "down";
/** A status vocabulary entry: a canonical status name, or one with the representative days past due. */
export type VocabularyEntry = LoanStatusName | { status: LoanStatusName; daysPastDue?: number };

/** How one canonical field is obtained from a source row. Exactly one source key is given. */
export interface FieldMapping {
  /** Source: one column. */
  column?: string;
  /** Source: several columns, combined by `combine`. */
  columns?: string[];
  /** How `columns` combine: first non-empty, arithmetic mean, sum, or first minus the others. */
  combine?: "first" | "mean" | "sum" | "difference";
  /** Source: a constant, parsed like a column value. */
  constant?: string | number;
  /** Source: a reading context value (`asOfDate`, the tape's as-of date; date fields only). */
  context?: "asOfDate";
  /** Source (daysPastDue only): the `daysPastDue` of the status vocabulary entry the row's status matched. */
  fromStatus?: boolean;
  /** Source (date fields): a date column plus a number of months from another column (e.g. `36 months`). */
  addMonths?: { date: string; format: DateFormat; months: string };
  /** Source text used when the column is absent from the header or the cell is empty. */
  default?: string | number;
  /** Unit of a numeric source (money default `minor`, rate default `bps`). */
  unit?: SourceUnit;
  /** Rounding to the canonical integer (default `exact`). */
  rounding?: Rounding;
  /** Date format of a date column (default `ISO`). */
  format?: DateFormat;
  /** Status only: source value (trimmed, exact) to canonical status, optionally with days past due. */
  vocabulary?: Record<string, VocabularyEntry>;
  /** Money/int fields: the field is 0 unless every condition given holds. */
  when?: { status?: LoanStatusName[]; inPeriod?: { column: string; format: DateFormat } };
}

/** A mapping file. */
export interface TapeMapping {
  /** Always {@link MAPPING_FORMAT}. */
  format: typeof MAPPING_FORMAT;
  /** Short name, e.g. `identity`, `lendingclub`. */
  name: string;
  /** Free text. */
  description?: string;
  /** Tape-level defaults used when neither the file nor the caller gives them. */
  defaults?: { currency?: string; decimals?: number };
  /**
   * CSV dialect of the source: the delimiter (default `,`), and lines to ignore (before the header, or rows
   * whose first cell starts with one of these, e.g. LendingClub's "Notes offered by Prospectus" banner and
   * "Total amount funded in policy code" footers).
   */
  csv?: { delimiter?: string; ignoreLinesStartingWith?: string[] };
  /** One entry per canonical field. */
  fields: Record<LoanField, FieldMapping>;
}

/** The mapping of our own CSV schema: one column per field, named like the field, canonical units. */
export const IDENTITY_MAPPING: TapeMapping = {
  format: MAPPING_FORMAT,
  name: "identity",
  description:
    "rwa-attest's own CSV tape: one column per canonical field, named like it, in canonical units.",
  defaults: { currency: "USD", decimals: 2 },
  fields: {
    loanId: { column: "loanId" },
    borrowerRef: { column: "borrowerRef" },
    originationDate: { column: "originationDate", format: "ISO" },
    maturityDate: { column: "maturityDate", format: "ISO" },
    originalPrincipal: { column: "originalPrincipal", unit: "minor" },
    outstandingBalance: { column: "outstandingBalance", unit: "minor" },
    interestRateBps: { column: "interestRateBps", unit: "bps" },
    scheduledPayment: { column: "scheduledPayment", unit: "minor" },
    collectedAmount: { column: "collectedAmount", unit: "minor" },
    daysPastDue: { column: "daysPastDue" },
    status: {
      column: "status",
      vocabulary: Object.fromEntries(LOAN_STATUS_NAMES.map((n) => [n, n])) as Record<string, LoanStatusName>,
    },
    chargedOffAmount: { column: "chargedOffAmount", unit: "minor" },
    creditScore: { column: "creditScore" },
    scoreProviderId: { column: "scoreProviderId" },
    scoreDate: { column: "scoreDate", format: "ISO" },
    collateralValue: { column: "collateralValue", unit: "minor" },
  },
};

const FIELD_KEYS = new Set([
  "column",
  "columns",
  "combine",
  "constant",
  "context",
  "fromStatus",
  "addMonths",
  "default",
  "unit",
  "rounding",
  "format",
  "vocabulary",
  "when",
]);
const SOURCE_KEYS = ["column", "columns", "constant", "context", "fromStatus", "addMonths"] as const;
const UNITS_BY_KIND: Record<FieldKind, readonly SourceUnit[]> = {
  id: [],
  date: [],
  money: ["minor", "major"],
  rate: ["bps", "percent", "fraction"],
  int: [],
  status: [],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a parsed mapping file and returns it typed; throws a {@link TapeValidationError} (row `null`,
 * `field` = the path inside the mapping) listing every problem.
 */
export function parseMapping(json: unknown): TapeMapping {
  const problems: TapeProblem[] = [];
  const bad = (field: string, value: unknown, reason: string): void => {
    problems.push({ row: null, field, value: showValue(value), reason });
  };
  if (!isObject(json)) {
    bad("(mapping)", json, "a mapping is a JSON object");
    throw new TapeValidationError(problems, "mapping");
  }
  for (const k of Object.keys(json)) {
    if (!["format", "name", "description", "defaults", "csv", "fields"].includes(k))
      bad(k, "", "unknown key");
  }
  if (json.format !== MAPPING_FORMAT) bad("format", json.format, `must be ${JSON.stringify(MAPPING_FORMAT)}`);
  if (typeof json.name !== "string" || json.name === "") bad("name", json.name, "must be a non-empty string");
  if (json.description !== undefined && typeof json.description !== "string") {
    bad("description", json.description, "must be a string");
  }
  if (json.defaults !== undefined) {
    const d = json.defaults;
    if (!isObject(d)) bad("defaults", d, "must be an object");
    else {
      for (const k of Object.keys(d))
        if (k !== "currency" && k !== "decimals") bad(`defaults.${k}`, "", "unknown key");
      if (d.currency !== undefined && (typeof d.currency !== "string" || !/^[A-Z]{3}$/.test(d.currency))) {
        bad("defaults.currency", d.currency, "must be an ISO 4217 code");
      }
      if (d.decimals !== undefined && !(Number.isInteger(d.decimals) && (d.decimals as number) >= 0)) {
        bad("defaults.decimals", d.decimals, "must be a non-negative integer");
      }
    }
  }
  if (json.csv !== undefined) {
    const c = json.csv;
    if (!isObject(c)) bad("csv", c, "must be an object");
    else {
      for (const k of Object.keys(c)) {
        if (k !== "delimiter" && k !== "ignoreLinesStartingWith") bad(`csv.${k}`, "", "unknown key");
      }
      const ig = c.ignoreLinesStartingWith;
      if (ig !== undefined && !(Array.isArray(ig) && ig.every((x) => typeof x === "string" && x !== ""))) {
        bad("csv.ignoreLinesStartingWith", ig, "must be an array of non-empty strings");
      }
      if (c.delimiter !== undefined && (typeof c.delimiter !== "string" || c.delimiter.length !== 1)) {
        bad("csv.delimiter", c.delimiter, "must be one character");
      }
    }
  }
  const fields = json.fields;
  if (!isObject(fields)) {
    bad("fields", fields, "must be an object with one entry per canonical field");
    throw new TapeValidationError(problems, "mapping");
  }
  for (const k of Object.keys(fields)) {
    if (!(LOAN_FIELDS as readonly string[]).includes(k)) bad(`fields.${k}`, "", "not a canonical field");
  }
  for (const field of LOAN_FIELDS) {
    const path = `fields.${field}`;
    const f = fields[field];
    const kind = FIELD_KINDS[field];
    if (!isObject(f)) {
      bad(path, f, "missing: every canonical field needs a mapping");
      continue;
    }
    for (const k of Object.keys(f)) if (!FIELD_KEYS.has(k)) bad(`${path}.${k}`, "", "unknown key");
    const sources = SOURCE_KEYS.filter((k) => f[k] !== undefined);
    if (sources.length !== 1) {
      bad(path, sources.join(","), `needs exactly one of ${SOURCE_KEYS.join(", ")}`);
      continue;
    }
    const src = sources[0]!;
    if (src === "column" && (typeof f.column !== "string" || f.column === "")) {
      bad(`${path}.column`, f.column, "must be a non-empty string");
    }
    if (src === "columns") {
      const cols = f.columns;
      if (
        !Array.isArray(cols) ||
        cols.length === 0 ||
        !cols.every((c) => typeof c === "string" && c !== "")
      ) {
        bad(`${path}.columns`, cols, "must be a non-empty array of column names");
      }
      if (!["first", "mean", "sum", "difference"].includes(f.combine as string)) {
        bad(`${path}.combine`, f.combine, "must be first, mean, sum or difference");
      } else if (f.combine !== "first" && (kind === "id" || kind === "date" || kind === "status")) {
        bad(`${path}.combine`, f.combine, `a ${kind} field can only combine with "first"`);
      } else if (f.combine === "difference" && Array.isArray(cols) && cols.length < 2) {
        bad(`${path}.columns`, cols, "difference needs at least two columns");
      }
    } else if (f.combine !== undefined) bad(`${path}.combine`, f.combine, "only with columns");
    if (src === "constant" && typeof f.constant !== "string" && typeof f.constant !== "number") {
      bad(`${path}.constant`, f.constant, "must be a string or a number");
    }
    if (src === "context" && (f.context !== "asOfDate" || kind !== "date")) {
      bad(`${path}.context`, f.context, 'only "asOfDate", for a date field');
    }
    if (src === "fromStatus" && (f.fromStatus !== true || field !== "daysPastDue")) {
      bad(`${path}.fromStatus`, f.fromStatus, "only true, for daysPastDue");
    }
    if (src === "addMonths") {
      const a = f.addMonths;
      if (
        kind !== "date" ||
        !isObject(a) ||
        typeof a.date !== "string" ||
        typeof a.months !== "string" ||
        !(DATE_FORMATS as readonly unknown[]).includes(a.format)
      ) {
        bad(
          `${path}.addMonths`,
          a,
          "must be {date: column, format: date format, months: column}, for a date field",
        );
      }
    }
    if (f.default !== undefined && typeof f.default !== "string" && typeof f.default !== "number") {
      bad(`${path}.default`, f.default, "must be a string or a number");
    }
    if (f.unit !== undefined && !UNITS_BY_KIND[kind].includes(f.unit as SourceUnit)) {
      bad(`${path}.unit`, f.unit, `a ${kind} field takes ${UNITS_BY_KIND[kind].join(" or ") || "no unit"}`);
    }
    if (f.rounding !== undefined) {
      if (!["exact", "half-up", "down"].includes(f.rounding as string)) {
        bad(`${path}.rounding`, f.rounding, "must be exact, half-up or down");
      } else if (kind !== "money" && kind !== "rate" && kind !== "int") {
        bad(`${path}.rounding`, f.rounding, "only for numeric fields");
      }
    }
    if (
      f.format !== undefined &&
      (kind !== "date" || !(DATE_FORMATS as readonly unknown[]).includes(f.format))
    ) {
      bad(`${path}.format`, f.format, `a date field takes one of ${DATE_FORMATS.join(", ")}`);
    }
    if (kind === "status") {
      if (src !== "column" && src !== "columns" && src !== "constant")
        bad(path, src, "status comes from a column");
      const v = f.vocabulary;
      if (!isObject(v) || Object.keys(v).length === 0)
        bad(`${path}.vocabulary`, v, "status needs a vocabulary");
      else {
        for (const [k, e] of Object.entries(v)) {
          const name = typeof e === "string" ? e : isObject(e) ? e.status : undefined;
          if (!(LOAN_STATUS_NAMES as readonly unknown[]).includes(name)) {
            bad(`${path}.vocabulary.${k}`, e, `must map to one of ${LOAN_STATUS_NAMES.join(", ")}`);
          }
          if (isObject(e)) {
            for (const ek of Object.keys(e)) {
              if (ek !== "status" && ek !== "daysPastDue")
                bad(`${path}.vocabulary.${k}.${ek}`, "", "unknown key");
            }
            if (
              e.daysPastDue !== undefined &&
              !(Number.isInteger(e.daysPastDue) && (e.daysPastDue as number) >= 0)
            ) {
              bad(`${path}.vocabulary.${k}.daysPastDue`, e.daysPastDue, "must be a non-negative integer");
            }
          }
        }
      }
    } else if (f.vocabulary !== undefined) bad(`${path}.vocabulary`, "", "only for status");
    if (f.when !== undefined) {
      const w = f.when;
      if (kind !== "money" && kind !== "int") bad(`${path}.when`, w, "only for money and integer fields");
      if (!isObject(w)) bad(`${path}.when`, w, "must be an object");
      else {
        for (const k of Object.keys(w))
          if (k !== "status" && k !== "inPeriod") bad(`${path}.when.${k}`, "", "unknown key");
        if (
          w.status !== undefined &&
          !(
            Array.isArray(w.status) &&
            w.status.every((s) => (LOAN_STATUS_NAMES as readonly unknown[]).includes(s))
          )
        ) {
          bad(`${path}.when.status`, w.status, "must be an array of canonical status names");
        }
        const p = w.inPeriod;
        if (
          p !== undefined &&
          !(
            isObject(p) &&
            typeof p.column === "string" &&
            (DATE_FORMATS as readonly unknown[]).includes(p.format)
          )
        ) {
          bad(`${path}.when.inPeriod`, p, "must be {column, format}");
        }
      }
    }
  }
  if (problems.length > 0) throw new TapeValidationError(problems, "mapping");
  return json as unknown as TapeMapping;
}

/** Reads and checks a mapping file (JSON). */
export async function loadMapping(path: string): Promise<TapeMapping> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TapeValidationError(
      [{ row: null, field: "(mapping)", value: path, reason: `not JSON: ${(e as Error).message}` }],
      "mapping",
    );
  }
  return parseMapping(json);
}

// ---------------------------------------------------------------------------------------------------------
// Numeric parsing

/** An exact non-negative decimal: value = n / 10^scale. */
interface Decimal {
  n: bigint;
  scale: number;
}

const DECIMAL_RE = /^\+?(\d*)(?:\.(\d*))?$/;

/** Parses a non-negative decimal number written with a dot; returns an error reason otherwise. */
function parseDecimal(text: string, allowPercentSign: boolean): Decimal | string {
  let t = text.trim();
  if (allowPercentSign && t.endsWith("%")) t = t.slice(0, -1).trim();
  if (t.startsWith("-")) return "negative value";
  if (t.length > 60) return "too many digits";
  const m = DECIMAL_RE.exec(t);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return "not a decimal number";
  const frac = m[2] ?? "";
  return { n: BigInt((m[1] || "0") + frac), scale: frac.length };
}

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** value × 10^shift, rounded per `rounding` to an integer; error reason if `exact` and not integral. */
function toInteger(d: Decimal, shift: number, rounding: Rounding, divisor = 1n): bigint | string {
  // value = d.n * 10^shift / (10^d.scale * divisor)
  let num = d.n;
  let den = divisor;
  if (shift >= d.scale) num *= pow10(shift - d.scale);
  else den *= pow10(d.scale - shift);
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  if (rounding === "exact") return "has more decimal places than the unit allows";
  if (rounding === "down") return q;
  return 2n * r >= den ? q + 1n : q;
}

// ---------------------------------------------------------------------------------------------------------
// Compilation

/** Reading context a compiled mapping needs: the tape's as-of date and the minor-unit decimals. */
export interface MappingContext {
  /** The tape's as-of date (days since 1970-01-01): for `context: asOfDate` and `when.inPeriod`. */
  asOfDate: number;
  /** Decimal places of the minor unit: `major` amounts are multiplied by 10^decimals. */
  decimals: number;
}

/** A mapping bound to one source header: converts rows (arrays of cells) into canonical records. */
export interface CompiledMapping {
  /** Problems of the header itself (missing or duplicate columns), row `null`. */
  headerProblems: TapeProblem[];
  /**
   * Converts one row at 1-based `row`; appends its mapping problems to `out` and returns the record with
   * the set of fields that could not be mapped (to be skipped by validation).
   */
  mapRow(cells: readonly string[], row: number, out: TapeProblem[]): MappedRow;
}

/** A mapped row: the record (fields that failed to map are undefined) and the fields that failed. */
export interface MappedRow {
  /** The canonical record; only complete when `failed` is empty. */
  record: LoanRecord;
  /** Fields whose mapping failed (already reported) or that depend on a failed status. */
  failed: ReadonlySet<LoanField>;
}

type Getter = (cells: readonly string[]) => string | undefined;
type FieldFn = (
  cells: readonly string[],
  status: StatusResult | undefined,
) => { v: unknown } | { raw: string; error: string };
interface StatusResult {
  status: LoanStatus;
  name: LoanStatusName;
  daysPastDue: number | undefined;
}

/** Binds a mapping to a source header (cell names of the first CSV row) and a reading context. */
export function compileMapping(
  mapping: TapeMapping,
  header: readonly string[],
  ctx: MappingContext,
): CompiledMapping {
  const headerProblems: TapeProblem[] = [];
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const name = h.trim();
    if (index.has(name)) {
      headerProblems.push({
        row: null,
        field: "csv",
        value: name,
        reason: "duplicate column name in the header",
      });
    } else index.set(name, i);
  });
  const getter = (col: string): Getter | undefined => {
    const i = index.get(col);
    return i === undefined ? undefined : (cells) => cells[i];
  };
  const missing = (field: string, col: string): void => {
    headerProblems.push({ row: null, field, value: col, reason: "column missing from the header" });
  };
  const fns = new Map<LoanField, FieldFn>();
  let statusFn: ((cells: readonly string[]) => StatusResult | { raw: string; error: string }) | undefined;

  for (const field of LOAN_FIELDS) {
    const f = mapping.fields[field];
    const kind = FIELD_KINDS[field];
    const hasDefault = f.default !== undefined;
    const dflt = hasDefault ? String(f.default) : undefined;
    const rounding: Rounding = f.rounding ?? "exact";

    // Parses one source text into the canonical value of this field.
    const parseOne = (text: string, colName: string): { v: unknown } | { raw: string; error: string } => {
      const where = colName ? `column ${JSON.stringify(colName)}: ` : "";
      switch (kind) {
        case "id":
          return { v: text.trim() };
        case "date": {
          const r = parseDate(text, f.format ?? "ISO");
          return "error" in r ? { raw: text, error: where + r.error } : { v: r.days };
        }
        default: {
          const num = parseNumeric(text);
          return typeof num === "string" ? { raw: text, error: where + num } : { v: num };
        }
      }
    };
    const numericShift = (): number => {
      if (kind === "money") return (f.unit ?? "minor") === "major" ? ctx.decimals : 0;
      if (kind === "rate") return f.unit === "percent" ? 2 : f.unit === "fraction" ? 4 : 0;
      return 0;
    };
    const shift = numericShift();
    const allowPct = kind === "rate" && f.unit === "percent";
    const finish = (big: bigint): unknown => (kind === "money" ? big : Number(big));
    // Numeric text to canonical integer.
    const parseNumeric = (text: string): unknown => {
      const d = parseDecimal(text, allowPct);
      if (typeof d === "string") return d;
      const i = toInteger(d, shift, rounding);
      return typeof i === "string" ? i : finish(i);
    };

    let fn: FieldFn | undefined;
    if (kind === "status") {
      const vocab = new Map<string, StatusResult>();
      for (const [k, e] of Object.entries(f.vocabulary ?? {})) {
        const name = typeof e === "string" ? e : e.status;
        vocab.set(k.trim(), {
          status: LOAN_STATUS_NAMES.indexOf(name) as LoanStatus,
          name,
          daysPastDue: typeof e === "string" ? undefined : e.daysPastDue,
        });
      }
      const known = [...vocab.keys()];
      const list =
        known
          .slice(0, 12)
          .map((k) => JSON.stringify(k))
          .join(", ") + (known.length > 12 ? ", …" : "");
      const raw = sourceText(f, field);
      if (raw) {
        statusFn = (cells) => {
          const t = raw(cells);
          if (t === undefined) return { raw: "", error: "empty status" };
          const s = vocab.get(t.trim());
          return s ?? { raw: t, error: `unknown status (the mapping knows ${list})` };
        };
      }
      continue;
    }
    if (f.fromStatus) {
      fn = (_cells, st) => {
        if (!st) return { raw: "", error: "no status to derive days past due from" };
        if (st.daysPastDue !== undefined) return { v: st.daysPastDue };
        if (st.status === LoanStatus.Performing || st.status === LoanStatus.Repaid) return { v: 0 };
        return { raw: st.name, error: "the status vocabulary gives no daysPastDue for this status" };
      };
    } else if (f.context === "asOfDate") {
      fn = () => ({ v: ctx.asOfDate });
    } else if (f.addMonths) {
      const a = f.addMonths;
      const gd = getter(a.date);
      const gm = getter(a.months);
      if (!gd) missing(field, a.date);
      if (!gm) missing(field, a.months);
      if (gd && gm) {
        fn = (cells) => {
          const dt = gd(cells) ?? "";
          const d = parseDate(dt, a.format);
          if ("error" in d) return { raw: dt, error: `column ${JSON.stringify(a.date)}: ${d.error}` };
          const mt = gm(cells) ?? "";
          const m = /^\s*(\d{1,4})\s*(?:months?)?\s*$/i.exec(mt);
          if (!m) return { raw: mt, error: `column ${JSON.stringify(a.months)}: not a number of months` };
          return { v: addMonths(d.days, Number(m[1])) };
        };
      }
    } else if (f.columns && f.combine && f.combine !== "first") {
      const combine = f.combine;
      const gs = f.columns.map((c) => [c, getter(c)] as const);
      for (const [c, g] of gs) if (!g) missing(field, c);
      if (gs.every(([, g]) => g)) {
        fn = (cells) => {
          const ds: Decimal[] = [];
          for (const [c, g] of gs) {
            const t = g!(cells) ?? "";
            if (t.trim() === "") return { raw: t, error: `column ${JSON.stringify(c)}: empty` };
            const d = parseDecimal(t, allowPct);
            if (typeof d === "string") return { raw: t, error: `column ${JSON.stringify(c)}: ${d}` };
            ds.push(d);
          }
          const scale = Math.max(...ds.map((d) => d.scale));
          const ns = ds.map((d) => d.n * pow10(scale - d.scale));
          let total: bigint;
          if (combine === "difference") total = ns.slice(1).reduce((a, b) => a - b, ns[0]!);
          else total = ns.reduce((a, b) => a + b, 0n);
          const rawAll = gs.map(([, g]) => g!(cells) ?? "").join(" ");
          if (total < 0n) return { raw: rawAll, error: `${combine} of ${f.columns!.join(", ")} is negative` };
          const i = toInteger(
            { n: total, scale },
            shift,
            rounding,
            combine === "mean" ? BigInt(ns.length) : 1n,
          );
          return typeof i === "string" ? { raw: rawAll, error: i } : { v: finish(i) };
        };
      }
    } else {
      const raw = sourceText(f, field);
      if (raw) {
        const colName = f.column ?? (f.columns ? f.columns.join("|") : "");
        fn = (cells) => {
          const t = raw(cells);
          if (t === undefined)
            return { raw: "", error: colName ? `column ${JSON.stringify(colName)}: empty` : "empty" };
          return parseOne(t, colName);
        };
      }
    }
    if (fn && f.when) {
      const inner = fn;
      const w = f.when;
      const gp = w.inPeriod ? getter(w.inPeriod.column) : undefined;
      if (w.inPeriod && !gp) missing(field, w.inPeriod.column);
      const zero = kind === "money" ? 0n : 0;
      const statuses = w.status ? new Set(w.status) : undefined;
      fn = (cells, st) => {
        if (statuses && !(st && statuses.has(st.name))) return { v: zero };
        if (w.inPeriod && gp) {
          const t = gp(cells) ?? "";
          if (t.trim() === "") return { v: zero };
          const d = parseDate(t, w.inPeriod.format);
          if ("error" in d)
            return { raw: t, error: `column ${JSON.stringify(w.inPeriod.column)}: ${d.error}` };
          if (!sameMonth(d.days, ctx.asOfDate)) return { v: zero };
        }
        return inner(cells, st);
      };
    }
    if (fn) fns.set(field, fn);

    // Text of a plain source (column, first non-empty of columns, or constant), with the default applied.
    function sourceText(fm: FieldMapping, fld: string): Getter | undefined {
      if (fm.constant !== undefined) {
        const c = String(fm.constant);
        return () => c;
      }
      const cols = fm.column !== undefined ? [fm.column] : (fm.columns ?? []);
      const gs = cols.map(getter).filter((g): g is Getter => g !== undefined);
      if (gs.length === 0 && !hasDefault) {
        if (cols.length === 1) missing(fld, cols[0]!);
        else
          headerProblems.push({
            row: null,
            field: fld,
            value: cols.join(", "),
            reason: "none of these columns is in the header",
          });
        return undefined;
      }
      return (cells) => {
        for (const g of gs) {
          const t = g(cells);
          if (t !== undefined && t.trim() !== "") return t;
        }
        return dflt;
      };
    }
  }

  // Fields whose value depends on the status: unknown when the status could not be mapped.
  const statusDependent = LOAN_FIELDS.filter(
    (f) => mapping.fields[f].fromStatus === true || mapping.fields[f].when?.status !== undefined,
  );
  const mapRow = (cells: readonly string[], row: number, out: TapeProblem[]): MappedRow => {
    const failed = new Set<LoanField>();
    let st: StatusResult | undefined;
    if (statusFn) {
      const s = statusFn(cells);
      if ("error" in s) {
        out.push({ row, field: "status", value: s.raw, reason: s.error });
        failed.add("status");
        for (const f of statusDependent) failed.add(f);
      } else st = s;
    }
    const rec: Record<string, unknown> = {};
    for (const field of LOAN_FIELDS) {
      if (field === "status") {
        rec.status = st?.status;
        continue;
      }
      const fn = fns.get(field);
      if (!fn) {
        failed.add(field);
        continue;
      }
      if (failed.has(field)) continue;
      const r = fn(cells, st);
      if ("error" in r) {
        out.push({ row, field, value: r.raw, reason: r.error });
        failed.add(field);
      } else rec[field] = r.v;
    }
    return { record: rec as unknown as LoanRecord, failed };
  };
  return { headerProblems, mapRow };
}
