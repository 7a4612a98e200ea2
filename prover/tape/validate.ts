/**
 * Validation of loan tapes against the limits of `schema.ts` and the consistency rules of `docs/TAPE.md`.
 * Every problem is collected (row, field, value, reason); nothing stops at the first one.
 */
import {
  ExitCode,
  EXIT_CODE_NAMES,
  LOAN_STATUS_NAMES,
  MAX_ADJUSTMENT_REASON,
  MAX_EXIT_CODE,
  LoanStatus,
  isActiveStatus,
  MAX_AMOUNT,
  MAX_CREDIT_SCORE,
  MAX_DAY,
  MAX_DAYS_PAST_DUE,
  MAX_ID_BYTES,
  MAX_PROVIDER_ID,
  MAX_RATE_BPS,
} from "./schema.ts";
import type { LoanRecord, LoanTape } from "./schema.ts";
import { daysToIso } from "./dates.ts";
import { idTextProblem } from "./ids.ts";
import { idToField } from "../commitment/encoding.ts";
import { CodedError, showValue } from "../../verifier-api/web/errors.js";

/** One problem found in a tape. */
export interface TapeProblem {
  /**
   * 1-based number of the loan record (the first loan, or the first CSV data row after the header, is row 1);
   * `null` for a problem of the tape as a whole (header fields, missing columns, empty tape).
   */
  row: number | null;
  /** Canonical field name (`outstandingBalance`, `poolId`…), or `csv` for a problem of the CSV layout. */
  field: string;
  /** The offending value as text (the source text when it came from a file). */
  value: string;
  /** Why it is refused. */
  reason: string;
}

/**
 * Thrown when a tape (or a mapping of one) has problems (code `tape-invalid`); `problems` lists every one of
 * them.
 */
export class TapeValidationError extends CodedError {
  /** Every problem found, in row order (tape-level problems first). */
  declare readonly problems: TapeProblem[];
  constructor(problems: TapeProblem[], what = "loan tape") {
    const shown = problems.slice(0, 20).map(formatProblem);
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : "";
    super(
      "tape-invalid",
      `invalid ${what}: ${counted(problems.length, "problem")}\n  ${shown.join("\n  ")}${more}`,
      problems,
    );
    this.name = "TapeValidationError";
  }
}

/** `1 problem`, `2 problems`: a count with its noun, plural when it is not 1 (English regular plurals). */
export function counted(n: number | bigint, noun: string): string {
  return `${n} ${noun}${n === 1 || n === 1n ? "" : "s"}`;
}

/** One line of text for a problem: `row 3, outstandingBalance = "-5": negative amount`. */
export function formatProblem(p: TapeProblem): string {
  return `${p.row === null ? "tape" : `row ${p.row}`}, ${p.field} = ${JSON.stringify(p.value)}: ${p.reason}`;
}

/** A performing loan may be at most this many days past due (a payment a few days late stays performing). */
export const PERFORMING_MAX_DAYS_PAST_DUE = 29;
/** The outstanding balance (and a charged-off amount) may be at most this multiple of the original principal. */
export const MAX_BALANCE_TO_PRINCIPAL = 2n;
/** Most decimal places a tape's minor unit may have. */
export const MAX_DECIMALS = 18;

/** The tape-level fields of a tape: everything but the loans. */
export type TapeHeader = Omit<LoanTape, "loans">;

/** Renders any value as problem text (the error model's one rendering). */
export { showValue };

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Reason an identifier (loan id, borrower reference) is refused, or undefined when it is fine. */
export function idProblem(v: unknown): string | undefined {
  if (typeof v !== "string") return "must be a string";
  if (v.length === 0) return "must not be empty";
  if (v.trim() !== v) return "must not start or end with white space";
  if (CONTROL.test(v)) return "must not contain control characters";
  const text = idTextProblem(v);
  if (text !== undefined) return text;
  const n = Buffer.byteLength(v, "utf8");
  if (n > MAX_ID_BYTES) return `is ${n} UTF-8 bytes, more than ${MAX_ID_BYTES}`;
  return undefined;
}

/** Reason an amount is refused (not a bigint, negative, 2^48 or more), or undefined. */
export function amountProblem(v: unknown): string | undefined {
  if (typeof v !== "bigint") return "must be an integer amount of minor units (bigint)";
  if (v < 0n) return "an amount must not be negative";
  if (v > MAX_AMOUNT) return `an amount must be at most 2^48 - 1 = ${MAX_AMOUNT} minor units`;
  return undefined;
}

/** Reason an integer in [min, max] is refused, or undefined. */
export function intProblem(v: unknown, min: number, max: number, what = "value"): string | undefined {
  if (typeof v !== "number" || !Number.isInteger(v)) return `${what} must be an integer`;
  if (v < min || v > max) return `${what} must be within ${min}..${max}`;
  return undefined;
}

/** Problems of the tape-level fields (row `null`). */
export function validateTapeHeader(h: Partial<TapeHeader>): TapeProblem[] {
  const out: TapeProblem[] = [];
  const add = (field: string, value: unknown, reason: string | undefined): void => {
    if (reason !== undefined) out.push({ row: null, field, value: showValue(value), reason });
  };
  const poolId = h.poolId;
  add(
    "poolId",
    poolId,
    typeof poolId !== "bigint"
      ? "must be an unsigned integer below 2^64"
      : poolId < 0n || poolId >= 1n << 64n
        ? "must be within 0..2^64-1"
        : undefined,
  );
  add("period", h.period, intProblem(h.period, 0, 0xffff_ffff, "period"));
  add("asOfDate", h.asOfDate, intProblem(h.asOfDate, 0, MAX_DAY, "day number"));
  add(
    "currency",
    h.currency,
    typeof h.currency === "string" && /^[A-Z]{3}$/.test(h.currency)
      ? undefined
      : "must be an ISO 4217 code (three capital letters)",
  );
  add("decimals", h.decimals, intProblem(h.decimals, 0, MAX_DECIMALS, "decimals"));
  return out;
}

/**
 * Incremental validator: feed it records one at a time (the streaming CSV reader does), then call
 * {@link TapeValidator.finish}. It checks every record's fields, the cross-field rules, and loan-id
 * uniqueness across the tape.
 */
export class TapeValidator {
  /** Problems found so far. */
  readonly problems: TapeProblem[] = [];
  /** Records accepted so far (only meaningful if there are no problems). */
  count = 0;
  /** First row of each loan id, keyed by the id's field element (the value the commitment hashes). */
  private readonly ids = new Map<bigint, number>();
  private readonly asOfDate: number | undefined;

  /** Starts a validator for a tape with this header (its problems are recorded at once). */
  constructor(header: Partial<TapeHeader>) {
    this.problems.push(...validateTapeHeader(header));
    this.asOfDate =
      typeof header.asOfDate === "number" && Number.isInteger(header.asOfDate) ? header.asOfDate : undefined;
  }

  /** Records a problem found elsewhere (e.g. by a mapping) so that it is reported with the others. */
  addProblem(p: TapeProblem): void {
    this.problems.push(p);
  }

  /** Checks one record at 1-based `row`; returns true when it has no problem. */
  check(record: LoanRecord, row: number, skip?: ReadonlySet<string>): boolean {
    const before = this.problems.length;
    checkRecord(record, row, this.asOfDate, this.problems, skip);
    const id = record.loanId;
    // Uniqueness is checked on the field element the commitment hashes, not on the JavaScript string: two
    // ids are one loan to every proof exactly when they encode to the same element.
    if (idProblem(id) === undefined) {
      const element = idToField("loanId", id);
      const first = this.ids.get(element);
      if (first !== undefined) {
        this.problems.push({
          row,
          field: "loanId",
          value: id,
          reason: `a loan id must be unique in the tape (first at row ${first})`,
        });
      } else {
        this.ids.set(element, row);
      }
    }
    this.count++;
    return this.problems.length === before;
  }

  /**
   * Forgets a loan id recorded by `row` (a row the quarantine set aside), so that a later row with the same
   * id is not called a duplicate of a row that is not in the tape.
   */
  release(loanId: unknown, row: number): void {
    if (typeof loanId !== "string" || idProblem(loanId) !== undefined) return;
    const element = idToField("loanId", loanId);
    if (this.ids.get(element) === row) this.ids.delete(element);
  }

  /** Ends validation: throws a {@link TapeValidationError} with every problem, or returns. */
  finish(): void {
    if (this.count === 0 && !this.problems.some((p) => p.row === null && p.field === "loans")) {
      this.problems.push({
        row: null,
        field: "loans",
        value: "0",
        reason: "a tape must hold at least one loan",
      });
    }
    if (this.problems.length > 0) {
      const sorted = [...this.problems].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
      throw new TapeValidationError(sorted);
    }
  }
}

const STATUS_CODES = new Set<number>(Object.values(LoanStatus));

/**
 * Checks one record and appends its problems to `out`. `asOfDate` (the tape's) enables the rules that
 * compare dates with the end of the period; pass undefined to skip them. Fields in `skip` (already reported,
 * e.g. by a mapping) are neither checked nor used by the cross-field rules.
 */
export function checkRecord(
  r: LoanRecord,
  row: number,
  asOfDate: number | undefined,
  out: TapeProblem[],
  skip?: ReadonlySet<string>,
): void {
  const add = (field: string, value: unknown, reason: string | undefined): boolean => {
    if (skip?.has(field)) return false;
    if (reason === undefined) return true;
    out.push({ row, field, value: showValue(value), reason });
    return false;
  };
  if (typeof r !== "object" || r === null) {
    add("(record)", r, "a loan record must be an object");
    return;
  }
  add("loanId", r.loanId, idProblem(r.loanId));
  add("borrowerRef", r.borrowerRef, idProblem(r.borrowerRef));
  const origOk = add(
    "originationDate",
    r.originationDate,
    intProblem(r.originationDate, 0, MAX_DAY, "day number"),
  );
  const matOk = add("maturityDate", r.maturityDate, intProblem(r.maturityDate, 0, MAX_DAY, "day number"));
  const principalOk = add("originalPrincipal", r.originalPrincipal, amountProblem(r.originalPrincipal));
  const outOk = add("outstandingBalance", r.outstandingBalance, amountProblem(r.outstandingBalance));
  add("interestRateBps", r.interestRateBps, intProblem(r.interestRateBps, 0, MAX_RATE_BPS, "rate (bps)"));
  add("scheduledPayment", r.scheduledPayment, amountProblem(r.scheduledPayment));
  add("collectedAmount", r.collectedAmount, amountProblem(r.collectedAmount));
  const dpdOk = add("daysPastDue", r.daysPastDue, intProblem(r.daysPastDue, 0, MAX_DAYS_PAST_DUE, "days"));
  const statusOk = add(
    "status",
    r.status,
    typeof r.status === "number" && STATUS_CODES.has(r.status)
      ? undefined
      : `a status must be one of ${LOAN_STATUS_NAMES.join(", ")}`,
  );
  const coOk = add("chargedOffAmount", r.chargedOffAmount, amountProblem(r.chargedOffAmount));
  add("creditScore", r.creditScore, intProblem(r.creditScore, 0, MAX_CREDIT_SCORE, "score"));
  add("scoreProviderId", r.scoreProviderId, intProblem(r.scoreProviderId, 0, MAX_PROVIDER_ID, "provider id"));
  const scoreDateOk = add("scoreDate", r.scoreDate, intProblem(r.scoreDate, 0, MAX_DAY, "day number"));
  add("collateralValue", r.collateralValue, amountProblem(r.collateralValue));

  // Cross-field rules, each only when the fields it reads are individually valid.
  if (origOk && matOk && r.maturityDate < r.originationDate) {
    add(
      "maturityDate",
      r.maturityDate,
      `the maturity date must not be before the origination date (${daysToIso(r.originationDate)})`,
    );
  }
  if (asOfDate !== undefined) {
    if (origOk && r.originationDate > asOfDate) {
      add(
        "originationDate",
        r.originationDate,
        `must not be after the tape's as-of date (${daysToIso(asOfDate)})`,
      );
    }
    if (scoreDateOk && r.scoreDate > asOfDate) {
      add("scoreDate", r.scoreDate, `must not be after the tape's as-of date (${daysToIso(asOfDate)})`);
    }
    if (origOk && dpdOk && r.originationDate <= asOfDate && r.daysPastDue > asOfDate - r.originationDate) {
      add(
        "daysPastDue",
        r.daysPastDue,
        `a loan must not be more days past due than its age at the as-of date (${asOfDate - r.originationDate} days)`,
      );
    }
  }
  if (principalOk && r.originalPrincipal === 0n)
    add("originalPrincipal", r.originalPrincipal, "the original principal must be positive");
  if (principalOk && outOk && r.outstandingBalance > MAX_BALANCE_TO_PRINCIPAL * r.originalPrincipal) {
    add(
      "outstandingBalance",
      r.outstandingBalance,
      "the outstanding balance must be at most twice the original principal",
    );
  }
  checkPeriodFields(r, asOfDate, statusOk, origOk, add);
  if (!statusOk) return;
  const name = LOAN_STATUS_NAMES[r.status]!;
  const isChargedOff = r.status === LoanStatus.ChargedOff;
  if (coOk && !isChargedOff && r.chargedOffAmount !== 0n) {
    add(
      "chargedOffAmount",
      r.chargedOffAmount,
      `must be 0 unless the status is charged_off (status is ${name})`,
    );
  }
  if (coOk && isChargedOff && r.chargedOffAmount === 0n) {
    add("chargedOffAmount", r.chargedOffAmount, "a charged_off loan must have a positive charged-off amount");
  }
  if (
    coOk &&
    principalOk &&
    isChargedOff &&
    r.chargedOffAmount > MAX_BALANCE_TO_PRINCIPAL * r.originalPrincipal
  ) {
    add(
      "chargedOffAmount",
      r.chargedOffAmount,
      "the charged-off amount must be at most twice the original principal",
    );
  }
  if (outOk) {
    const active = isActiveStatus(r.status);
    if (active && r.outstandingBalance === 0n) {
      add(
        "outstandingBalance",
        r.outstandingBalance,
        `a ${name} loan must have a positive outstanding balance`,
      );
    }
    if (!active && r.outstandingBalance !== 0n) {
      add("outstandingBalance", r.outstandingBalance, `a ${name} loan must have an outstanding balance of 0`);
    }
  }
  if (dpdOk) {
    if (r.status === LoanStatus.Performing && r.daysPastDue > PERFORMING_MAX_DAYS_PAST_DUE) {
      add(
        "daysPastDue",
        r.daysPastDue,
        `a performing loan must be at most ${PERFORMING_MAX_DAYS_PAST_DUE} days past due`,
      );
    }
    if (r.status === LoanStatus.Delinquent && r.daysPastDue === 0) {
      add("daysPastDue", r.daysPastDue, "a delinquent loan must be at least 1 day past due");
    }
    if (r.status === LoanStatus.Repaid && r.daysPastDue !== 0) {
      add("daysPastDue", r.daysPastDue, "a repaid loan must be 0 days past due");
    }
  }
}

/**
 * The rules of the optional period fields (docs/TAPE.md, "Period cash flows"), each only when the fields it
 * reads are present and individually valid. A field that is absent takes its default and is not checked.
 */
function checkPeriodFields(
  r: LoanRecord,
  asOfDate: number | undefined,
  statusOk: boolean,
  origOk: boolean,
  add: (field: string, value: unknown, reason: string | undefined) => boolean,
): void {
  // `add` with no reason says whether the field may be used (false when a mapping already reported it).
  const has = (k: keyof LoanRecord): boolean => r[k] !== undefined;
  const check = (k: keyof LoanRecord, problem: () => string | undefined): boolean =>
    add(k, r[k], has(k) ? problem() : undefined);
  const pcOk = check("principalCollected", () => amountProblem(r.principalCollected));
  const icOk = check("interestCollected", () => amountProblem(r.interestCollected));
  const recOk = check("recoveries", () => amountProblem(r.recoveries));
  const adj = r.principalAdjustment;
  const adjOk = check("principalAdjustment", () =>
    typeof adj !== "bigint"
      ? "must be an integer amount of minor units (bigint)"
      : adj > MAX_AMOUNT || adj < -MAX_AMOUNT
        ? `an adjustment must be within ±(2^48 - 1) = ±${MAX_AMOUNT} minor units`
        : undefined,
  );
  const reasonOk = check("adjustmentReason", () =>
    intProblem(r.adjustmentReason, 0, MAX_ADJUSTMENT_REASON, "reason code"),
  );
  const exitOk = check("exitCode", () => intProblem(r.exitCode, 0, MAX_EXIT_CODE, "exit code"));
  const exitDateOk = check("exitDate", () => intProblem(r.exitDate, 0, MAX_DAY, "day number"));
  if (has("modified") && typeof r.modified !== "boolean")
    add("modified", r.modified, "must be true or false");
  const collected = r.collectedAmount;
  if (pcOk && icOk && recOk && typeof collected === "bigint" && collected >= 0n) {
    const parts = (r.principalCollected ?? 0n) + (r.interestCollected ?? 0n) + (r.recoveries ?? 0n);
    if (parts > collected)
      add(
        "collectedAmount",
        collected,
        `the collected amount must include the principal, interest and recoveries collected (${parts})`,
      );
  }
  if (recOk && statusOk && (r.recoveries ?? 0n) > 0n && r.status !== LoanStatus.ChargedOff)
    add("recoveries", r.recoveries, "recoveries must only be received on a charged_off loan");
  if (adjOk && reasonOk && (adj ?? 0n) !== 0n && (r.adjustmentReason ?? 0) === 0)
    add("adjustmentReason", r.adjustmentReason ?? 0, "a principal adjustment must have a reason code (1..4)");
  const exit = r.exitCode ?? 0;
  if (exitOk && statusOk && exit !== 0) {
    const chargedOff = r.status === LoanStatus.ChargedOff;
    if (exit === ExitCode.ChargedOff && !chargedOff)
      add("exitCode", exit, `exit code ${exit} (charged_off) must only be given to a charged_off loan`);
    if (exit !== ExitCode.ChargedOff && r.status !== LoanStatus.Repaid)
      add(
        "exitCode",
        exit,
        `exit code ${exit} (${EXIT_CODE_NAMES[exit]}) must only be given to a repaid loan`,
      );
  }
  if (exitOk && exitDateOk) {
    const date = r.exitDate ?? 0;
    if (exit === 0 && date !== 0) add("exitDate", date, "an exit date must only be given with an exit code");
    if (exit !== 0 && date === 0) add("exitDate", "", "a loan with an exit code must have an exit date");
    if (exit !== 0 && date !== 0) {
      if (asOfDate !== undefined && date > asOfDate)
        add("exitDate", date, `must not be after the tape's as-of date (${daysToIso(asOfDate)})`);
      if (origOk && date < r.originationDate)
        add("exitDate", date, `must not be before the origination date (${daysToIso(r.originationDate)})`);
    }
  }
}

/** All problems of a tape (header, every record, duplicate ids, empty tape), without throwing. */
export function validateTape(tape: LoanTape): TapeProblem[] {
  const v = new TapeValidator(tape);
  if (!Array.isArray(tape.loans)) {
    v.addProblem({ row: null, field: "loans", value: showValue(tape.loans), reason: "must be an array" });
  } else {
    tape.loans.forEach((r, i) => v.check(r, i + 1));
  }
  try {
    v.finish();
    return [];
  } catch (e) {
    if (e instanceof TapeValidationError) return e.problems;
    throw e;
  }
}

/** Throws a {@link TapeValidationError} listing every problem of the tape, or returns the tape. */
export function assertValidTape(tape: LoanTape): LoanTape {
  const problems = validateTape(tape);
  if (problems.length > 0) throw new TapeValidationError(problems);
  return tape;
}

/** The problems of one record (row 1, no as-of date rules, no uniqueness), e.g. for a form. */
export function validateLoanRecord(record: LoanRecord, asOfDate?: number): TapeProblem[] {
  const out: TapeProblem[] = [];
  checkRecord(record, 1, asOfDate, out);
  return out;
}
