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
import { isObject } from "../../verifier-api/web/errors.js";

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
/**
 * The period fields (issue 15, docs/TAPE.md "Period cash flows"): optional in a mapping and in a tape; a
 * field not mapped, or an empty cell, leaves the record's field absent (its default, `periodFlows`).
 */
export const PERIOD_FIELDS = [
  "principalCollected",
  "interestCollected",
  "recoveries",
  "principalAdjustment",
  "adjustmentReason",
  "exitCode",
  "exitDate",
  "modified",
] as const satisfies readonly (keyof LoanRecord)[];
/** One of {@link PERIOD_FIELDS}. */
export type PeriodField = (typeof PERIOD_FIELDS)[number];
/** Every canonical field: the required ones, then the optional period fields (canonical CSV column order). */
export const TAPE_FIELDS = [...LOAN_FIELDS, ...PERIOD_FIELDS] as const;
/** One of {@link LOAN_FIELDS}. */
export type LoanField = (typeof LOAN_FIELDS)[number] | PeriodField;
const PERIOD_FIELD_SET = new Set<string>(PERIOD_FIELDS);
/** True for the optional period fields. */
export function isPeriodField(field: string): field is PeriodField {
  return PERIOD_FIELD_SET.has(field);
}
/** Money fields that may be negative (a leading `-`). */
const SIGNED_FIELDS = new Set<string>(["principalAdjustment"]);

/** The kind of a canonical field, which decides how source text is parsed. */
export type FieldKind = "id" | "date" | "money" | "rate" | "int" | "status" | "flag";
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
  principalCollected: "money",
  interestCollected: "money",
  recoveries: "money",
  principalAdjustment: "money",
  adjustmentReason: "int",
  exitCode: "int",
  exitDate: "date",
  modified: "flag",
};

/** Units a numeric source column may be in: money `minor`/`major`, rates `bps`/`percent`/`fraction`. */
export type SourceUnit = "minor" | "major" | "bps" | "percent" | "fraction";
/** Rounding of a numeric source value to the canonical integer: `exact` refuses extra decimals. */
export type Rounding = "exact" | "half-up" | "down";
/**
 * A status vocabulary entry: a canonical status name, or one with the representative days past due of the
 * source status and, for a bucket such as "Late (31-120 days)", the bucket's last day (`maxDaysPastDue`),
 * which bounds a `refine` column.
 */
export type VocabularyEntry =
  LoanStatusName | { status: LoanStatusName; daysPastDue?: number; maxDaysPastDue?: number };

/**
 * A derived status: replaces the vocabulary's status when the row says otherwise, e.g. a loan reported
 * "Current" whose balance is already 0 (paid off during the as-of month) is `repaid`.
 */
export interface StatusRule {
  /** The status the row gets. */
  status: LoanStatusName;
  /** Its days past due (default 0), used by `fromStatus`. */
  daysPastDue?: number;
  /** The rule applies when this column holds a number equal to 0 (an empty cell never matches)… */
  ifZero?: string;
  /** …or (instead of `ifZero`) when this column holds a number at least `value` (e.g. days past due). */
  ifAtLeast?: { column: string; value: number };
  /** …and the vocabulary's status is one of these (default: performing, delinquent, defaulted). */
  from?: LoanStatusName[];
}

/** How one canonical field is obtained from a source row. Exactly one source key is given. */
export interface FieldMapping {
  /** Source: one column. */
  column?: string;
  /** Source: several columns, combined by `combine`. */
  columns?: string[];
  /**
   * How `columns` combine: first non-empty, arithmetic mean, sum, first minus the others, or (ids) the cells
   * joined by `separator`.
   */
  combine?: "first" | "mean" | "sum" | "difference" | "join";
  /** Source: a constant, parsed like a column value. */
  constant?: string | number;
  /** Source: a reading context value (`asOfDate`, the tape's as-of date; date fields only). */
  context?: "asOfDate";
  /** Source (daysPastDue only): the `daysPastDue` of the status vocabulary entry the row's status matched. */
  fromStatus?: boolean;
  /** Source (date fields): a date column plus a number of months from another column (e.g. `36 months`). */
  addMonths?: { date: string; format: DateFormat; months: string };
  /** Source (id fields): the 1-based data row number (for files without a loan id). */
  rowNumber?: boolean;
  /** Source (integer fields): days from a date column to the as-of date, 0 when the date is not before it. */
  daysSince?: { column: string; format: DateFormat };
  /** Source (money fields): the sum of several mappings, each with its own source, unit and `when`. */
  parts?: FieldMapping[];
  /** `columns` with `combine: "join"` (id fields): the text between the joined cells (default `-`). */
  separator?: string;
  /** Id fields: text put before the value (e.g. `R` before a row number). */
  prefix?: string;
  /**
   * `fromStatus` only: a column of exact days past due used when present, kept within the matched vocabulary
   * entry's `daysPastDue`..`maxDaysPastDue` (e.g. LendingClub's `hardship_dpd` inside "Late (31-120 days)");
   * an absent column or an empty cell leaves the vocabulary's value.
   */
  refine?: { column: string };
  /** daysPastDue only: never more than the loan's age at the as-of date (as-of date − origination date). */
  capAtAge?: boolean;
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
  /** Status only: derived statuses, tried in order after the vocabulary; the first that applies wins. */
  rules?: StatusRule[];
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
  /**
   * XML source (`readTapeXml`): the name of the element that holds one loan (default `assets`, as in SEC
   * Reg AB II asset-level data); its child elements are the columns.
   */
  xml?: { record?: string };
  /**
   * Cell texts that mean "no value" (compared after trimming), e.g. R's `NA` or a database's `NULL`: such a
   * cell is treated like an empty one (its field's `default` applies). Empty cells are always empty.
   */
  nullTokens?: string[];
  /** One entry per canonical field; the period fields are optional. */
  fields: Record<(typeof LOAN_FIELDS)[number], FieldMapping> & Partial<Record<PeriodField, FieldMapping>>;
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
    principalCollected: { column: "principalCollected", unit: "minor", default: "" },
    interestCollected: { column: "interestCollected", unit: "minor", default: "" },
    recoveries: { column: "recoveries", unit: "minor", default: "" },
    principalAdjustment: { column: "principalAdjustment", unit: "minor", default: "" },
    adjustmentReason: { column: "adjustmentReason", default: "" },
    exitCode: { column: "exitCode", default: "" },
    exitDate: { column: "exitDate", format: "ISO", default: "" },
    modified: { column: "modified", default: "" },
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
  "rules",
  "when",
  "rowNumber",
  "daysSince",
  "parts",
  "separator",
  "prefix",
  "refine",
  "capAtAge",
]);
const SOURCE_KEYS = [
  "column",
  "columns",
  "constant",
  "context",
  "fromStatus",
  "addMonths",
  "rowNumber",
  "daysSince",
  "parts",
] as const;
const UNITS_BY_KIND: Record<FieldKind, readonly SourceUnit[]> = {
  id: [],
  date: [],
  money: ["minor", "major"],
  rate: ["bps", "percent", "fraction"],
  int: [],
  status: [],
  flag: [],
};

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
    if (!["format", "name", "description", "defaults", "csv", "xml", "nullTokens", "fields"].includes(k))
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
  if (json.xml !== undefined) {
    const x = json.xml;
    if (
      !isObject(x) ||
      Object.keys(x).some((k) => k !== "record") ||
      (x.record !== undefined && !/^[A-Za-z_][\w.-]*$/.test(String(x.record)))
    )
      bad("xml", x, "must be {record: element name}");
  }
  const nt = json.nullTokens;
  if (nt !== undefined && !(Array.isArray(nt) && nt.every((x) => typeof x === "string"))) {
    bad("nullTokens", nt, "must be an array of strings");
  }
  const fields = json.fields;
  if (!isObject(fields)) {
    bad("fields", fields, "must be an object with one entry per canonical field");
    throw new TapeValidationError(problems, "mapping");
  }
  for (const k of Object.keys(fields)) {
    if (!(TAPE_FIELDS as readonly string[]).includes(k)) bad(`fields.${k}`, "", "not a canonical field");
  }
  for (const field of TAPE_FIELDS) {
    if (isPeriodField(field) && fields[field] === undefined) continue;
    checkFieldMapping(fields[field], `fields.${field}`, field, bad, false);
  }
  if (problems.length > 0) throw new TapeValidationError(problems, "mapping");
  return json as unknown as TapeMapping;
}

const DATE_COLUMN_SHAPE = (v: unknown): boolean =>
  isObject(v) && typeof v.column === "string" && (DATE_FORMATS as readonly unknown[]).includes(v.format);

/** Checks one field's mapping at `path` (a `parts` entry when `inPart`), reporting through `bad`. */
function checkFieldMapping(
  f: unknown,
  path: string,
  field: LoanField,
  bad: (field: string, value: unknown, reason: string) => void,
  inPart: boolean,
): void {
  const kind = FIELD_KINDS[field];
  if (!isObject(f)) {
    bad(path, f, "missing: every canonical field needs a mapping");
    return;
  }
  for (const k of Object.keys(f)) if (!FIELD_KEYS.has(k)) bad(`${path}.${k}`, "", "unknown key");
  const sources = SOURCE_KEYS.filter((k) => f[k] !== undefined);
  if (sources.length !== 1) {
    bad(path, sources.join(","), `needs exactly one of ${SOURCE_KEYS.join(", ")}`);
    return;
  }
  const src = sources[0]!;
  if (src === "column" && (typeof f.column !== "string" || f.column === "")) {
    bad(`${path}.column`, f.column, "must be a non-empty string");
  }
  if (src === "columns") {
    const cols = f.columns;
    if (!Array.isArray(cols) || cols.length === 0 || !cols.every((c) => typeof c === "string" && c !== "")) {
      bad(`${path}.columns`, cols, "must be a non-empty array of column names");
    }
    if (!["first", "mean", "sum", "difference", "join"].includes(f.combine as string)) {
      bad(`${path}.combine`, f.combine, "must be first, mean, sum, difference or join");
    } else if (f.combine === "join" && kind !== "id") {
      bad(`${path}.combine`, f.combine, "only an id field can join columns");
    } else if (
      f.combine !== "first" &&
      f.combine !== "join" &&
      (kind === "id" || kind === "date" || kind === "status")
    ) {
      bad(`${path}.combine`, f.combine, `a ${kind} field can only combine with "first" or "join"`);
    } else if (f.combine === "difference" && Array.isArray(cols) && cols.length < 2) {
      bad(`${path}.columns`, cols, "difference needs at least two columns");
    }
  } else if (f.combine !== undefined) bad(`${path}.combine`, f.combine, "only with columns");
  if (f.separator !== undefined && (typeof f.separator !== "string" || f.combine !== "join")) {
    bad(`${path}.separator`, f.separator, 'a string, only with "combine": "join"');
  }
  if (f.prefix !== undefined && (typeof f.prefix !== "string" || kind !== "id")) {
    bad(`${path}.prefix`, f.prefix, "a string, only for an id field");
  }
  if (src === "constant" && typeof f.constant !== "string" && typeof f.constant !== "number") {
    bad(`${path}.constant`, f.constant, "must be a string or a number");
  }
  if (src === "context" && (f.context !== "asOfDate" || kind !== "date")) {
    bad(`${path}.context`, f.context, 'only "asOfDate", for a date field');
  }
  if (src === "fromStatus" && (f.fromStatus !== true || field !== "daysPastDue")) {
    bad(`${path}.fromStatus`, f.fromStatus, "only true, for daysPastDue");
  }
  if (src === "rowNumber" && (f.rowNumber !== true || kind !== "id")) {
    bad(`${path}.rowNumber`, f.rowNumber, "only true, for an id field");
  }
  if (src === "daysSince" && (kind !== "int" || !DATE_COLUMN_SHAPE(f.daysSince))) {
    bad(`${path}.daysSince`, f.daysSince, "must be {column, format: date format}, for an integer field");
  }
  if (src === "parts") {
    const parts = f.parts;
    if (inPart || kind !== "money" || !Array.isArray(parts) || parts.length === 0) {
      bad(`${path}.parts`, parts, "a non-empty array of field mappings, for a money field (not nested)");
    } else parts.forEach((p, i) => checkFieldMapping(p, `${path}.parts.${i}`, field, bad, true));
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
  if (
    f.refine !== undefined &&
    (src !== "fromStatus" || !isObject(f.refine) || typeof f.refine.column !== "string")
  ) {
    bad(`${path}.refine`, f.refine, "must be {column}, with fromStatus");
  }
  if (f.capAtAge !== undefined && (f.capAtAge !== true || field !== "daysPastDue")) {
    bad(`${path}.capAtAge`, f.capAtAge, "only true, for daysPastDue");
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
            if (ek !== "status" && ek !== "daysPastDue" && ek !== "maxDaysPastDue")
              bad(`${path}.vocabulary.${k}.${ek}`, "", "unknown key");
          }
          for (const ek of ["daysPastDue", "maxDaysPastDue"] as const) {
            if (e[ek] !== undefined && !(Number.isInteger(e[ek]) && (e[ek] as number) >= 0)) {
              bad(`${path}.vocabulary.${k}.${ek}`, e[ek], "must be a non-negative integer");
            }
          }
          if (
            e.maxDaysPastDue !== undefined &&
            !(Number.isInteger(e.daysPastDue) && (e.maxDaysPastDue as number) >= (e.daysPastDue as number))
          ) {
            bad(
              `${path}.vocabulary.${k}.maxDaysPastDue`,
              e.maxDaysPastDue,
              "needs daysPastDue ≤ maxDaysPastDue",
            );
          }
        }
      }
    }
    if (f.rules !== undefined) {
      if (!Array.isArray(f.rules)) bad(`${path}.rules`, f.rules, "must be an array of status rules");
      else
        f.rules.forEach((r: unknown, i: number) => {
          const rp = `${path}.rules.${i}`;
          const isName = (x: unknown): boolean => (LOAN_STATUS_NAMES as readonly unknown[]).includes(x);
          if (!isObject(r)) return bad(rp, r, "must be {status, ifZero | ifAtLeast, from?, daysPastDue?}");
          for (const k of Object.keys(r))
            if (!["status", "ifZero", "ifAtLeast", "from", "daysPastDue"].includes(k))
              bad(`${rp}.${k}`, "", "unknown key");
          if (!isName(r.status)) bad(`${rp}.status`, r.status, "must be a canonical status name");
          if ((r.ifZero === undefined) === (r.ifAtLeast === undefined))
            bad(rp, "", "needs exactly one condition: ifZero or ifAtLeast");
          if (r.ifZero !== undefined && (typeof r.ifZero !== "string" || r.ifZero === ""))
            bad(`${rp}.ifZero`, r.ifZero, "must be a column name");
          const a = r.ifAtLeast;
          if (
            a !== undefined &&
            !(isObject(a) && typeof a.column === "string" && typeof a.value === "number" && a.value >= 0)
          )
            bad(`${rp}.ifAtLeast`, a, "must be {column, value: a non-negative number}");
          if (r.from !== undefined && !(Array.isArray(r.from) && r.from.length > 0 && r.from.every(isName)))
            bad(`${rp}.from`, r.from, "must be a non-empty array of canonical status names");
          if (
            r.daysPastDue !== undefined &&
            !(Number.isInteger(r.daysPastDue) && (r.daysPastDue as number) >= 0)
          )
            bad(`${rp}.daysPastDue`, r.daysPastDue, "must be a non-negative integer");
        });
    }
  } else {
    if (f.vocabulary !== undefined) bad(`${path}.vocabulary`, "", "only for status");
    if (f.rules !== undefined) bad(`${path}.rules`, "", "only for status");
  }
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
      if (w.inPeriod !== undefined && !DATE_COLUMN_SHAPE(w.inPeriod)) {
        bad(`${path}.when.inPeriod`, w.inPeriod, "must be {column, format}");
      }
    }
  }
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

/** Digits, an optional fraction, an optional exponent (R and spreadsheets write `1e+05`, `2.5E-3`). */
const DECIMAL_RE = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;
/** Largest exponent accepted: beyond it no value fits the schema's limits anyway. */
const MAX_EXPONENT = 40;

/**
 * Parses a non-negative decimal number written with a dot, optionally in scientific notation, exactly
 * (no floating point); returns an error reason otherwise.
 */
function parseDecimal(text: string, allowPercentSign: boolean): Decimal | string {
  let t = text.trim();
  if (allowPercentSign && t.endsWith("%")) t = t.slice(0, -1).trim();
  if (t.startsWith("-")) return "negative value";
  if (t.length > 60) return "too many digits";
  const m = DECIMAL_RE.exec(t);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return "not a decimal number";
  const frac = m[2] ?? "";
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  if (Math.abs(exp) > MAX_EXPONENT) return `exponent beyond ±${MAX_EXPONENT}`;
  let n = BigInt((m[1] || "0") + frac);
  let scale = frac.length - exp;
  if (scale < 0) {
    n *= pow10(-scale);
    scale = 0;
  }
  return { n, scale };
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
  /** The header's column names as the mapping sees them (trimmed; an empty cell is `#<position>`). */
  columns: readonly string[];
  /** How many rows each of the status field's `rules` changed so far (same order as the rules). */
  statusRuleCounts: number[];
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
/** What a field's converter sees: the row's cells, its number, its status, and the fields mapped so far. */
interface RowContext {
  cells: readonly string[];
  row: number;
  status: StatusResult | undefined;
  record: Readonly<Record<string, unknown>>;
}
type Converted = { v: unknown } | { raw: string; error: string };
type FieldFn = (c: RowContext) => Converted;
interface StatusResult {
  status: LoanStatus;
  name: LoanStatusName;
  daysPastDue: number | undefined;
  maxDaysPastDue: number | undefined;
}

/** The name a header cell is known by: trimmed, and `#<1-based position>` when empty (R's index column). */
export function headerName(cell: string, index: number): string {
  const name = cell.trim();
  return name === "" ? `#${index + 1}` : name;
}

/** Does this field's value depend on the row's status (so it is unknown when the status failed)? */
function dependsOnStatus(f: FieldMapping): boolean {
  return f.fromStatus === true || f.when?.status !== undefined || (f.parts ?? []).some(dependsOnStatus);
}

/** Binds a mapping to a source header (cell names of the first CSV row) and a reading context. */
export function compileMapping(
  mapping: TapeMapping,
  header: readonly string[],
  ctx: MappingContext,
): CompiledMapping {
  const headerProblems: TapeProblem[] = [];
  const index = new Map<string, number>();
  const columns = header.map(headerName);
  columns.forEach((name, i) => {
    if (index.has(name)) {
      headerProblems.push({
        row: null,
        field: "csv",
        value: name,
        reason: "a column name must appear once in the header",
      });
    } else index.set(name, i);
  });
  const nulls = new Set((mapping.nullTokens ?? []).map((t) => t.trim()));
  const getter = (col: string): Getter | undefined => {
    const i = index.get(col);
    if (i === undefined) return undefined;
    if (nulls.size === 0) return (cells) => cells[i];
    return (cells) => {
      const t = cells[i];
      return t !== undefined && nulls.has(t.trim()) ? "" : t;
    };
  };
  const reported = new Set<string>();
  const missing = (field: string, col: string): void => {
    if (reported.has(`${field}\u0000${col}`)) return;
    reported.add(`${field}\u0000${col}`);
    headerProblems.push({ row: null, field, value: col, reason: "column missing from the header" });
  };
  const fns = new Map<LoanField, FieldFn>();
  let statusFn: ((cells: readonly string[]) => StatusResult | { raw: string; error: string }) | undefined;
  const statusRuleCounts = (mapping.fields.status.rules ?? []).map(() => 0);

  /** Compiles one field mapping (a whole field, or one of its `parts`) into a converter. */
  const compileField = (f: FieldMapping, field: LoanField): FieldFn | undefined => {
    const kind = FIELD_KINDS[field];
    const hasDefault = f.default !== undefined;
    const dflt = hasDefault ? String(f.default) : undefined;
    const rounding: Rounding = f.rounding ?? "exact";
    const shift =
      kind === "money"
        ? (f.unit ?? "minor") === "major"
          ? ctx.decimals
          : 0
        : kind === "rate"
          ? f.unit === "percent"
            ? 2
            : f.unit === "fraction"
              ? 4
              : 0
          : 0;
    const allowPct = kind === "rate" && f.unit === "percent";
    const finish = (big: bigint): unknown => (kind === "money" ? big : Number(big));
    // (parseOne, below, handles optional empty cells, signs and flags before the numeric parse)
    const col = (name: string): string => `column ${JSON.stringify(name)}: `;
    // Numeric text to canonical integer, or an error reason.
    const parseNumeric = (text: string): unknown => {
      const d = parseDecimal(text, allowPct);
      if (typeof d === "string") return d;
      const i = toInteger(d, shift, rounding);
      if (typeof i === "string") return i;
      if (kind !== "money" && i > BigInt(Number.MAX_SAFE_INTEGER)) return "too large";
      return finish(i);
    };
    const optional = isPeriodField(field);
    const signed = SIGNED_FIELDS.has(field);
    // Parses one source text into the canonical value of this field.
    const parseOne = (text: string, colName: string): Converted => {
      const where = colName ? col(colName) : "";
      // An optional (period) field with an empty cell is absent: its default applies (docs/TAPE.md).
      if (optional && text.trim() === "") return { v: undefined };
      if (signed && text.trim().startsWith("-")) {
        const num = parseNumeric(text.trim().slice(1));
        if (typeof num === "string") return { raw: text, error: where + num };
        return { v: -(num as bigint) };
      }
      switch (kind) {
        case "flag": {
          const t = text.trim().toLowerCase();
          if (["true", "1", "y", "yes"].includes(t)) return { v: true };
          if (["false", "0", "n", "no"].includes(t)) return { v: false };
          return { raw: text, error: where + "must be true or false (1/0, Y/N)" };
        }
        case "id":
          return { v: (f.prefix ?? "") + text.trim() };
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
    // Text of a plain source (column, first non-empty of columns, or constant), with the default applied.
    const sourceText = (): Getter | undefined => {
      if (f.constant !== undefined) {
        const c = String(f.constant);
        return () => c;
      }
      const cols = f.column !== undefined ? [f.column] : (f.columns ?? []);
      const gs = cols.map(getter).filter((g): g is Getter => g !== undefined);
      if (gs.length === 0 && !hasDefault) {
        if (cols.length === 1) missing(field, cols[0]!);
        else
          headerProblems.push({
            row: null,
            field,
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
    };

    let fn: FieldFn | undefined;
    if (f.fromStatus) {
      const refine = f.refine ? getter(f.refine.column) : undefined;
      const refineCol = f.refine?.column ?? "";
      fn = ({ cells, status: st }) => {
        if (!st) return { raw: "", error: "no status to derive days past due from" };
        if (st.daysPastDue === undefined) {
          if (st.status === LoanStatus.Performing || st.status === LoanStatus.Repaid) return { v: 0 };
          return { raw: st.name, error: "the status vocabulary gives no daysPastDue for this status" };
        }
        const t = refine?.(cells);
        if (t === undefined || t.trim() === "" || st.maxDaysPastDue === undefined)
          return { v: st.daysPastDue };
        const d = parseDecimal(t, false);
        const i = typeof d === "string" ? d : toInteger(d, 0, "exact");
        if (typeof i === "string") return { raw: t, error: col(refineCol) + i };
        const x = Number(i > 65_535n ? 65_535n : i);
        return { v: Math.min(Math.max(x, st.daysPastDue), st.maxDaysPastDue) };
      };
    } else if (f.context === "asOfDate") {
      fn = () => ({ v: ctx.asOfDate });
    } else if (f.rowNumber) {
      fn = ({ row }) => ({ v: (f.prefix ?? "") + String(row) });
    } else if (f.daysSince) {
      const ds = f.daysSince;
      const g = getter(ds.column);
      if (!g && !hasDefault) missing(field, ds.column);
      else
        fn = ({ cells }) => {
          const t = g?.(cells) ?? "";
          if (t.trim() === "") {
            if (dflt === undefined) return { raw: "", error: col(ds.column) + "empty" };
            return parseOne(dflt, "");
          }
          const d = parseDate(t, ds.format);
          if ("error" in d) return { raw: t, error: col(ds.column) + d.error };
          return { v: Math.max(0, ctx.asOfDate - d.days) };
        };
    } else if (f.parts) {
      const parts = f.parts.map((p) => compileField(p, field));
      if (parts.every((p) => p !== undefined)) {
        fn = (c) => {
          let total = 0n;
          for (const p of parts) {
            const r = p!(c);
            if ("error" in r) return r;
            total += (r.v as bigint | undefined) ?? 0n;
          }
          return { v: total };
        };
      }
    } else if (f.addMonths) {
      const a = f.addMonths;
      const gd = getter(a.date);
      const gm = getter(a.months);
      if (!gd) missing(field, a.date);
      if (!gm) missing(field, a.months);
      if (gd && gm) {
        fn = ({ cells }) => {
          const dt = gd(cells) ?? "";
          const d = parseDate(dt, a.format);
          if ("error" in d) return { raw: dt, error: col(a.date) + d.error };
          const mt = gm(cells) ?? "";
          const m = /^\s*(\d{1,4})\s*(?:months?)?\s*$/i.exec(mt);
          if (!m) return { raw: mt, error: col(a.months) + "not a number of months" };
          return { v: addMonths(d.days, Number(m[1])) };
        };
      }
    } else if (f.columns && f.combine === "join") {
      const sep = f.separator ?? "-";
      const gs = f.columns.map((c) => [c, getter(c)] as const);
      for (const [c, g] of gs) if (!g) missing(field, c);
      if (gs.every(([, g]) => g)) {
        fn = ({ cells }) => {
          const texts: string[] = [];
          for (const [c, g] of gs) {
            const t = (g!(cells) ?? "").trim();
            if (t === "") return { raw: "", error: col(c) + "empty" };
            texts.push(t);
          }
          return { v: (f.prefix ?? "") + texts.join(sep) };
        };
      }
    } else if (f.columns && f.combine && f.combine !== "first") {
      const combine = f.combine;
      const gs = f.columns.map((c) => [c, getter(c)] as const);
      for (const [c, g] of gs) if (!g) missing(field, c);
      if (gs.every(([, g]) => g)) {
        fn = ({ cells }) => {
          const ds: Decimal[] = [];
          for (const [c, g] of gs) {
            const t = g!(cells) ?? "";
            if (t.trim() === "") return { raw: t, error: col(c) + "empty" };
            const d = parseDecimal(t, allowPct);
            if (typeof d === "string") return { raw: t, error: col(c) + d };
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
      const raw = sourceText();
      if (raw) {
        const colName = f.column ?? (f.columns ? f.columns.join("|") : "");
        fn = ({ cells }) => {
          const t = raw(cells);
          if (t === undefined && optional) return { v: undefined };
          if (t === undefined) return { raw: "", error: colName ? col(colName) + "empty" : "empty" };
          return parseOne(t, colName);
        };
      }
    }
    if (fn && f.capAtAge) {
      const inner = fn;
      fn = (c) => {
        const r = inner(c);
        const orig = c.record.originationDate;
        if ("error" in r || typeof orig !== "number" || orig > ctx.asOfDate) return r;
        return { v: Math.min(r.v as number, ctx.asOfDate - orig) };
      };
    }
    if (fn && f.when) {
      const inner = fn;
      const w = f.when;
      const gp = w.inPeriod ? getter(w.inPeriod.column) : undefined;
      if (w.inPeriod && !gp) missing(field, w.inPeriod.column);
      const zero = kind === "money" ? 0n : 0;
      const statuses = w.status ? new Set(w.status) : undefined;
      fn = (c) => {
        if (statuses && !(c.status && statuses.has(c.status.name))) return { v: zero };
        if (w.inPeriod && gp) {
          const t = gp(c.cells) ?? "";
          if (t.trim() === "") return { v: zero };
          const d = parseDate(t, w.inPeriod.format);
          if ("error" in d) return { raw: t, error: col(w.inPeriod.column) + d.error };
          if (!sameMonth(d.days, ctx.asOfDate)) return { v: zero };
        }
        return inner(c);
      };
    }
    return fn;
  };

  for (const field of TAPE_FIELDS) {
    const f = mapping.fields[field];
    if (f === undefined) continue; // an unmapped period field: absent from every record
    if (FIELD_KINDS[field] !== "status") {
      const fn = compileField(f, field);
      if (fn) fns.set(field, fn);
      continue;
    }
    const vocab = new Map<string, StatusResult>();
    for (const [k, e] of Object.entries(f.vocabulary ?? {})) {
      const name = typeof e === "string" ? e : e.status;
      vocab.set(k.trim(), {
        status: LOAN_STATUS_NAMES.indexOf(name) as LoanStatus,
        name,
        daysPastDue: typeof e === "string" ? undefined : e.daysPastDue,
        maxDaysPastDue: typeof e === "string" ? undefined : e.maxDaysPastDue,
      });
    }
    const known = [...vocab.keys()];
    const list =
      known
        .slice(0, 12)
        .map((k) => JSON.stringify(k))
        .join(", ") + (known.length > 12 ? ", …" : "");
    const rules = (f.rules ?? []).map((r) => {
      const column = r.ifZero ?? r.ifAtLeast!.column;
      const g = getter(column);
      if (!g) missing("status", column);
      // The threshold as an exact decimal, compared with the cell's at a common scale.
      const atLeast = r.ifAtLeast ? parseDecimal(String(r.ifAtLeast.value), false) : undefined;
      const from = new Set<LoanStatusName>(r.from ?? ["performing", "delinquent", "defaulted"]);
      const result: StatusResult = {
        status: LOAN_STATUS_NAMES.indexOf(r.status) as LoanStatus,
        name: r.status,
        daysPastDue: r.daysPastDue ?? 0,
        maxDaysPastDue: undefined,
      };
      const holds = (cell: string): boolean => {
        const d = parseDecimal(cell, false);
        if (typeof d === "string" || cell.trim() === "") return false;
        if (atLeast === undefined) return d.n === 0n;
        if (typeof atLeast === "string") return false;
        const k = Math.max(d.scale, atLeast.scale);
        return d.n * pow10(k - d.scale) >= atLeast.n * pow10(k - atLeast.scale);
      };
      return { g, from, result, holds };
    });
    const raw = compileStatusText(f);
    if (raw) {
      statusFn = (cells) => {
        const t = raw(cells);
        if (t === undefined || t.trim() === "")
          return { raw: t ?? "", error: "a loan must have a status (the cell is empty)" };
        const s = vocab.get(t.trim());
        if (!s) return { raw: t, error: `unknown status (the mapping knows ${list})` };
        for (let i = 0; i < rules.length; i++) {
          const r = rules[i]!;
          if (!r.g || !r.from.has(s.name)) continue;
          if (r.holds(r.g(cells) ?? "")) {
            statusRuleCounts[i]!++;
            return r.result;
          }
        }
        return s;
      };
    }
  }

  /** The status cell's text: its column (or first non-empty of its columns) or constant. */
  function compileStatusText(f: FieldMapping): Getter | undefined {
    if (f.constant !== undefined) {
      const c = String(f.constant);
      return () => c;
    }
    const cols = f.column !== undefined ? [f.column] : (f.columns ?? []);
    const gs = cols.map(getter).filter((g): g is Getter => g !== undefined);
    if (gs.length === 0) {
      if (cols.length === 1) missing("status", cols[0]!);
      else
        headerProblems.push({
          row: null,
          field: "status",
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
      return f.default !== undefined ? String(f.default) : undefined;
    };
  }

  // Fields whose value depends on the status: unknown when the status could not be mapped.
  const statusDependent = TAPE_FIELDS.filter((f) => {
    const m = mapping.fields[f];
    return m !== undefined && dependsOnStatus(m);
  });
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
    const c: RowContext = { cells, row, status: st, record: rec };
    for (const field of TAPE_FIELDS) {
      if (field === "status") {
        rec.status = st?.status;
        continue;
      }
      const fn = fns.get(field);
      if (!fn && isPeriodField(field) && mapping.fields[field] === undefined) continue;
      if (!fn) {
        failed.add(field);
        continue;
      }
      if (failed.has(field)) continue;
      const r = fn(c);
      if ("error" in r) {
        out.push({ row, field, value: r.raw, reason: r.error });
        failed.add(field);
      } else if (r.v !== undefined) rec[field] = r.v;
    }
    return { record: rec as unknown as LoanRecord, failed };
  };
  return { headerProblems, columns, statusRuleCounts, mapRow };
}
