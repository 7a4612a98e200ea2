/**
 * JSON tapes: `{format, poolId, period, asOfDate, currency, decimals, loans: [...]}` with amounts as decimal
 * strings of minor units (bigints), dates as ISO strings and statuses by name. The reader goes through the
 * same field parsing as the CSV identity mapping, so both report the same problems for the same values.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolveSource } from "./csv.ts";
import type { TapeSource } from "./csv.ts";
import { daysToIso, parseDate } from "./dates.ts";
import { IDENTITY_MAPPING, TAPE_FIELDS, compileMapping, isPeriodField } from "./mapping.ts";
import { LOAN_STATUS_NAMES } from "./schema.ts";
import type { LoanRecord, LoanTape } from "./schema.ts";
import { MAX_DAY } from "./schema.ts";
import { TapeValidationError, TapeValidator, assertValidTape, showValue } from "./validate.ts";
import type { TapeHeader } from "./validate.ts";
import { isObject } from "../../verifier-api/web/errors.js";

/** The `format` tag of a JSON tape. */
export const TAPE_JSON_FORMAT = "rwa-attest/tape@1";

/** One loan as it appears in a JSON tape: the fields of {@link LoanRecord}, amounts as decimal strings, dates ISO. */
export interface LoanRecordJson {
  loanId: string;
  borrowerRef: string;
  originationDate: string;
  maturityDate: string;
  originalPrincipal: string;
  outstandingBalance: string;
  interestRateBps: number;
  scheduledPayment: string;
  collectedAmount: string;
  daysPastDue: number;
  status: (typeof LOAN_STATUS_NAMES)[number];
  chargedOffAmount: string;
  creditScore: number;
  scoreProviderId: number;
  scoreDate: string;
  collateralValue: string;
  /** The period fields (docs/TAPE.md): present only when the record gives them. */
  principalCollected?: string;
  interestCollected?: string;
  recoveries?: string;
  /** Signed decimal string. */
  principalAdjustment?: string;
  adjustmentReason?: number;
  exitCode?: number;
  exitDate?: string;
  modified?: boolean;
}

/** A JSON tape, as written by {@link tapeToJson}: the header of {@link LoanTape}, poolId as a string, asOfDate ISO. */
export interface LoanTapeJson {
  format: typeof TAPE_JSON_FORMAT;
  poolId: string;
  period: number;
  asOfDate: string;
  currency: string;
  decimals: number;
  loans: LoanRecordJson[];
}

const DATE_FIELDS = new Set(["originationDate", "maturityDate", "scoreDate", "exitDate"]);
const FIELD_SET = new Set<string>(TAPE_FIELDS);

/** The period fields a record gives, in their JSON form (absent ones are left out). */
function periodFieldsToJson(r: LoanRecord): Partial<LoanRecordJson> {
  const out: Partial<LoanRecordJson> = {};
  if (r.principalCollected !== undefined) out.principalCollected = r.principalCollected.toString();
  if (r.interestCollected !== undefined) out.interestCollected = r.interestCollected.toString();
  if (r.recoveries !== undefined) out.recoveries = r.recoveries.toString();
  if (r.principalAdjustment !== undefined) out.principalAdjustment = r.principalAdjustment.toString();
  if (r.adjustmentReason !== undefined) out.adjustmentReason = r.adjustmentReason;
  if (r.exitCode !== undefined) out.exitCode = r.exitCode;
  if (r.exitDate !== undefined) out.exitDate = daysToIso(r.exitDate);
  if (r.modified !== undefined) out.modified = r.modified;
  return out;
}

/** Converts a (valid) tape to its JSON form; throws a {@link TapeValidationError} if it is invalid. */
export function tapeToJson(tape: LoanTape): LoanTapeJson {
  assertValidTape(tape);
  return {
    format: TAPE_JSON_FORMAT,
    poolId: tape.poolId.toString(),
    period: tape.period,
    asOfDate: daysToIso(tape.asOfDate),
    currency: tape.currency,
    decimals: tape.decimals,
    loans: tape.loans.map((r) => ({
      loanId: r.loanId,
      borrowerRef: r.borrowerRef,
      originationDate: daysToIso(r.originationDate),
      maturityDate: daysToIso(r.maturityDate),
      originalPrincipal: r.originalPrincipal.toString(),
      outstandingBalance: r.outstandingBalance.toString(),
      interestRateBps: r.interestRateBps,
      scheduledPayment: r.scheduledPayment.toString(),
      collectedAmount: r.collectedAmount.toString(),
      daysPastDue: r.daysPastDue,
      status: LOAN_STATUS_NAMES[r.status]!,
      chargedOffAmount: r.chargedOffAmount.toString(),
      creditScore: r.creditScore,
      scoreProviderId: r.scoreProviderId,
      scoreDate: daysToIso(r.scoreDate),
      collateralValue: r.collateralValue.toString(),
      ...periodFieldsToJson(r),
    })),
  };
}

/**
 * Converts a parsed JSON tape into a validated {@link LoanTape}; throws a {@link TapeValidationError} listing
 * every problem (unknown keys, missing fields, malformed values, rule violations).
 */
export function tapeFromJson(json: unknown): LoanTape {
  if (!isObject(json)) {
    throw new TapeValidationError([
      { row: null, field: "(tape)", value: showValue(json), reason: "a tape is a JSON object" },
    ]);
  }
  const early: { row: null; field: string; value: string; reason: string }[] = [];
  const bad = (field: string, value: unknown, reason: string): void => {
    early.push({ row: null, field, value: showValue(value), reason });
  };
  for (const k of Object.keys(json)) {
    if (!["format", "poolId", "period", "asOfDate", "currency", "decimals", "loans"].includes(k))
      bad(k, "", "unknown key");
  }
  if (json.format !== undefined && json.format !== TAPE_JSON_FORMAT) {
    bad("format", json.format, `must be ${JSON.stringify(TAPE_JSON_FORMAT)}`);
  }
  let poolId: unknown = json.poolId;
  if (typeof poolId === "string" && /^\d{1,20}$/.test(poolId)) poolId = BigInt(poolId);
  else if (typeof poolId === "number" && Number.isSafeInteger(poolId) && poolId >= 0) poolId = BigInt(poolId);
  else if (poolId !== undefined) {
    bad("poolId", poolId, "must be a decimal string (or safe integer) below 2^64");
    poolId = undefined;
  }
  let asOfDate: unknown = json.asOfDate;
  if (typeof asOfDate === "string") {
    const r = parseDate(asOfDate, "ISO");
    if ("error" in r) {
      bad("asOfDate", asOfDate, r.error);
      asOfDate = undefined;
    } else asOfDate = r.days;
  }
  const header = {
    poolId,
    period: json.period,
    asOfDate,
    currency: json.currency,
    decimals: json.decimals,
  } as TapeHeader;
  const v = new TapeValidator(header);
  const reported = new Set(early.map((p) => p.field));
  v.problems.splice(0, v.problems.length, ...v.problems.filter((p) => !reported.has(p.field)), ...early);

  const loans: LoanRecord[] = [];
  if (!Array.isArray(json.loans)) {
    v.addProblem({
      row: null,
      field: "loans",
      value: showValue(json.loans),
      reason: "must be an array of loan records",
    });
  } else {
    const compiled = compileMapping(IDENTITY_MAPPING, TAPE_FIELDS, {
      asOfDate: typeof header.asOfDate === "number" ? header.asOfDate : 0,
      decimals: typeof header.decimals === "number" ? header.decimals : 2,
    });
    json.loans.forEach((item: unknown, i: number) => {
      const row = i + 1;
      if (!isObject(item)) {
        v.addProblem({
          row,
          field: "(record)",
          value: showValue(item),
          reason: "a loan record is a JSON object",
        });
        v.count++;
        return;
      }
      let ok = true;
      for (const k of Object.keys(item)) {
        if (!FIELD_SET.has(k)) {
          v.addProblem({ row, field: k, value: showValue(item[k]), reason: "unknown field" });
          ok = false;
        }
      }
      const cells = TAPE_FIELDS.map((f) => {
        const x = item[f];
        if ((x === undefined || x === null) && isPeriodField(f)) return "";
        if (typeof x === "boolean" && f === "modified") return String(x);
        if (x === undefined || x === null) {
          v.addProblem({ row, field: f, value: "", reason: "missing" });
          ok = false;
          return "";
        }
        if (typeof x === "string") return x;
        if (typeof x === "number") {
          if (DATE_FIELDS.has(f) && Number.isInteger(x) && x >= 0 && x <= MAX_DAY) return daysToIso(x);
          if (Number.isSafeInteger(x)) return String(x);
          v.addProblem({
            row,
            field: f,
            value: String(x),
            reason: "a number must be a safe integer (write decimals as strings)",
          });
          ok = false;
          return "";
        }
        v.addProblem({ row, field: f, value: showValue(x), reason: "must be a string or a number" });
        ok = false;
        return "";
      });
      if (!ok) {
        v.count++;
        return;
      }
      const { record, failed } = compiled.mapRow(cells, row, v.problems);
      v.check(record, row, failed);
      if (v.problems.length === 0) loans.push(record);
    });
  }
  v.finish();
  return { ...header, loans };
}

/** Parses JSON text into a validated tape; throws a {@link TapeValidationError} with every problem. */
export function parseTapeJson(text: string): LoanTape {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TapeValidationError([
      { row: null, field: "(tape)", value: "", reason: `not JSON: ${(e as Error).message}` },
    ]);
  }
  return tapeFromJson(json);
}

/** Reads a JSON tape from a file path or text ({@link TapeSource}); throws with every problem. */
export async function readTapeJson(source: TapeSource): Promise<LoanTape> {
  const s = resolveSource(source);
  return parseTapeJson("text" in s ? s.text : await readFile(s.path, "utf8"));
}

/** Formats a (valid) tape as JSON text (2-space indentation unless `indent` says otherwise). */
export function formatTapeJson(tape: LoanTape, indent = 2): string {
  return JSON.stringify(tapeToJson(tape), null, indent) + "\n";
}

/** Writes a (valid) tape to `path` as JSON; throws (and writes nothing) if the tape is invalid. */
export async function writeTapeJson(tape: LoanTape, path: string): Promise<void> {
  await writeFile(path, formatTapeJson(tape));
}
