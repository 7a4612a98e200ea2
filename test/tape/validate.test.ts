import { describe, expect, it } from "vitest";
import {
  daysToIso,
  LoanStatus,
  MAX_AMOUNT,
  TapeValidationError,
  assertValidTape,
  isoToDays,
  validateLoanRecord,
  validateTape,
} from "../../prover/tape/index.ts";
import type { LoanRecord, LoanTape } from "../../prover/tape/index.ts";

const AS_OF = isoToDays("2026-10-31");
const ORIG = isoToDays("2025-01-15");

function loan(over: Partial<LoanRecord> = {}): LoanRecord {
  return {
    loanId: "L1",
    borrowerRef: "B1",
    originationDate: ORIG,
    maturityDate: isoToDays("2028-01-15"),
    originalPrincipal: 1_000_000n,
    outstandingBalance: 600_000n,
    interestRateBps: 1200,
    scheduledPayment: 33_000n,
    collectedAmount: 33_000n,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: 720,
    scoreProviderId: 1,
    scoreDate: isoToDays("2026-10-01"),
    collateralValue: 0n,
    ...over,
  };
}

function tape(loans: LoanRecord[], over: Partial<LoanTape> = {}): LoanTape {
  return { poolId: 7n, period: 202610, asOfDate: AS_OF, currency: "USD", decimals: 2, loans, ...over };
}

/** The problems of a one-loan tape whose loan is `loan(over)`. */
function problemsOf(over: Partial<LoanRecord>): unknown[] {
  return validateTape(tape([loan(over)]));
}

describe("validateTape: a valid tape", () => {
  it("accepts the base record, each status in its consistent form, and amounts at 2^48 - 1", () => {
    expect(validateTape(tape([loan()]))).toEqual([]);
    const ok = [
      loan({ loanId: "P", daysPastDue: 29 }),
      loan({ loanId: "D", status: LoanStatus.Delinquent, daysPastDue: 1, collectedAmount: 0n }),
      loan({ loanId: "X", status: LoanStatus.Defaulted, daysPastDue: 200 }),
      loan({
        loanId: "C",
        status: LoanStatus.ChargedOff,
        outstandingBalance: 0n,
        chargedOffAmount: 550_000n,
      }),
      loan({ loanId: "R", status: LoanStatus.Repaid, outstandingBalance: 0n }),
      loan({ loanId: "M", collateralValue: MAX_AMOUNT, scheduledPayment: MAX_AMOUNT, creditScore: 1023 }),
      loan({ loanId: "é".repeat(15) + "a", outstandingBalance: 2_000_000n }),
    ];
    expect(validateTape(tape(ok))).toEqual([]);
    expect(assertValidTape(tape(ok)).loans).toHaveLength(7);
  });
});

describe("validateTape: each rule has a failing row and reports the exact problem", () => {
  const cases: [string, Partial<LoanRecord>, { field: string; value: string; reason: string }][] = [
    ["empty loan id", { loanId: "" }, { field: "loanId", value: "", reason: "must not be empty" }],
    [
      "loan id over 31 bytes (multi-byte)",
      { loanId: "é".repeat(16) },
      { field: "loanId", value: "é".repeat(16), reason: "is 32 UTF-8 bytes, more than 31" },
    ],
    [
      "loan id with a control char",
      { loanId: "a\nb" },
      { field: "loanId", value: "a\nb", reason: "must not contain control characters" },
    ],
    [
      "loan id with outer space",
      { loanId: " a" },
      { field: "loanId", value: " a", reason: "must not start or end with white space" },
    ],
    [
      "borrower ref not a string",
      { borrowerRef: 5 as unknown as string },
      { field: "borrowerRef", value: "5", reason: "must be a string" },
    ],
    [
      "origination after the as-of date",
      { originationDate: AS_OF + 1, maturityDate: AS_OF + 400, daysPastDue: 0 },
      {
        field: "originationDate",
        value: String(AS_OF + 1),
        reason: `must not be after the tape's as-of date (${daysToIso(AS_OF)})`,
      },
    ],
    [
      "maturity before origination",
      { maturityDate: ORIG - 1 },
      {
        field: "maturityDate",
        value: String(ORIG - 1),
        reason: `the maturity date must not be before the origination date (${daysToIso(ORIG)})`,
      },
    ],
    [
      "day 65536",
      { maturityDate: 65_536 },
      { field: "maturityDate", value: "65536", reason: "day number must be within 0..65535" },
    ],
    [
      "fractional day",
      { scoreDate: 20_000.5 },
      { field: "scoreDate", value: "20000.5", reason: "day number must be an integer" },
    ],
    [
      "zero principal",
      { originalPrincipal: 0n, outstandingBalance: 0n, status: LoanStatus.Repaid },
      { field: "originalPrincipal", value: "0", reason: "the original principal must be positive" },
    ],
    [
      "amount 2^48",
      { collateralValue: 1n << 48n },
      {
        field: "collateralValue",
        value: "281474976710656",
        reason: "an amount must be at most 2^48 - 1 = 281474976710655 minor units",
      },
    ],
    [
      "an amount must not be negative",
      { collectedAmount: -1n },
      { field: "collectedAmount", value: "-1", reason: "an amount must not be negative" },
    ],
    [
      "amount as a number",
      { scheduledPayment: 5 as unknown as bigint },
      { field: "scheduledPayment", value: "5", reason: "must be an integer amount of minor units (bigint)" },
    ],
    [
      "outstanding above twice the principal",
      { outstandingBalance: 2_000_001n },
      {
        field: "outstandingBalance",
        value: "2000001",
        reason: "the outstanding balance must be at most twice the original principal",
      },
    ],
    [
      "rate above 65535 bps",
      { interestRateBps: 65_536 },
      { field: "interestRateBps", value: "65536", reason: "rate (bps) must be within 0..65535" },
    ],
    [
      "days past due above the loan's age",
      { status: LoanStatus.Defaulted, daysPastDue: AS_OF - ORIG + 1 },
      {
        field: "daysPastDue",
        value: String(AS_OF - ORIG + 1),
        reason: `a loan must not be more days past due than its age at the as-of date (${AS_OF - ORIG} days)`,
      },
    ],
    [
      "unknown status code",
      { status: 7 as LoanStatus },
      {
        field: "status",
        value: "7",
        reason: "a status must be one of performing, delinquent, defaulted, charged_off, repaid",
      },
    ],
    [
      "charged-off amount on a performing loan",
      { chargedOffAmount: 5n },
      {
        field: "chargedOffAmount",
        value: "5",
        reason: "must be 0 unless the status is charged_off (status is performing)",
      },
    ],
    [
      "charged_off with no charged-off amount",
      { status: LoanStatus.ChargedOff, outstandingBalance: 0n },
      {
        field: "chargedOffAmount",
        value: "0",
        reason: "a charged_off loan must have a positive charged-off amount",
      },
    ],
    [
      "charged-off amount above twice the principal",
      { status: LoanStatus.ChargedOff, outstandingBalance: 0n, chargedOffAmount: 2_000_001n },
      {
        field: "chargedOffAmount",
        value: "2000001",
        reason: "the charged-off amount must be at most twice the original principal",
      },
    ],
    [
      "charged_off with an outstanding balance",
      { status: LoanStatus.ChargedOff, chargedOffAmount: 1n },
      {
        field: "outstandingBalance",
        value: "600000",
        reason: "a charged_off loan must have an outstanding balance of 0",
      },
    ],
    [
      "repaid with an outstanding balance",
      { status: LoanStatus.Repaid },
      {
        field: "outstandingBalance",
        value: "600000",
        reason: "a repaid loan must have an outstanding balance of 0",
      },
    ],
    [
      "performing with no balance",
      { outstandingBalance: 0n },
      {
        field: "outstandingBalance",
        value: "0",
        reason: "a performing loan must have a positive outstanding balance",
      },
    ],
    [
      "defaulted with no balance",
      { status: LoanStatus.Defaulted, outstandingBalance: 0n },
      {
        field: "outstandingBalance",
        value: "0",
        reason: "a defaulted loan must have a positive outstanding balance",
      },
    ],
    [
      "performing 30 days past due",
      { daysPastDue: 30 },
      { field: "daysPastDue", value: "30", reason: "a performing loan must be at most 29 days past due" },
    ],
    [
      "delinquent 0 days past due",
      { status: LoanStatus.Delinquent },
      { field: "daysPastDue", value: "0", reason: "a delinquent loan must be at least 1 day past due" },
    ],
    [
      "repaid loan past due",
      { status: LoanStatus.Repaid, outstandingBalance: 0n, daysPastDue: 3 },
      { field: "daysPastDue", value: "3", reason: "a repaid loan must be 0 days past due" },
    ],
    [
      "score 1024",
      { creditScore: 1024 },
      { field: "creditScore", value: "1024", reason: "score must be within 0..1023" },
    ],
    [
      "provider id 2^32",
      { scoreProviderId: 2 ** 32 },
      { field: "scoreProviderId", value: "4294967296", reason: "provider id must be within 0..4294967295" },
    ],
    [
      "score date after the as-of date",
      { scoreDate: AS_OF + 1 },
      {
        field: "scoreDate",
        value: String(AS_OF + 1),
        reason: `must not be after the tape's as-of date (${daysToIso(AS_OF)})`,
      },
    ],
  ];
  for (const [name, over, problem] of cases) {
    it(name, () => {
      expect(problemsOf(over)).toEqual([{ row: 1, ...problem }]);
    });
  }

  it("duplicate loan ids point at the first occurrence", () => {
    const t = tape([loan(), loan({ loanId: "L2" }), loan()]);
    expect(validateTape(t)).toEqual([
      {
        row: 3,
        field: "loanId",
        value: "L1",
        reason: "a loan id must be unique in the tape (first at row 1)",
      },
    ]);
  });

  it("tape-level fields and an empty tape", () => {
    const t = tape([], { poolId: 1n << 64n, period: -1, asOfDate: 70_000, currency: "usd", decimals: 19 });
    expect(validateTape(t)).toEqual([
      { row: null, field: "poolId", value: "18446744073709551616", reason: "must be within 0..2^64-1" },
      { row: null, field: "period", value: "-1", reason: "period must be within 0..4294967295" },
      { row: null, field: "asOfDate", value: "70000", reason: "day number must be within 0..65535" },
      {
        row: null,
        field: "currency",
        value: "usd",
        reason: "must be an ISO 4217 code (three capital letters)",
      },
      { row: null, field: "decimals", value: "19", reason: "decimals must be within 0..18" },
      { row: null, field: "loans", value: "0", reason: "a tape must hold at least one loan" },
    ]);
    expect(validateTape(tape([loan()], { poolId: (1n << 64n) - 1n }))).toEqual([]);
  });
});

describe("validateTape: every problem together", () => {
  it("reports all problems of all rows, in row order, and assertValidTape throws them", () => {
    const t = tape([
      loan({ loanId: "A", creditScore: 2000, outstandingBalance: -3n, status: LoanStatus.Delinquent }),
      loan({ loanId: "B" }),
      loan({ loanId: "C", interestRateBps: 1.5 }),
    ]);
    const expected = [
      { row: 1, field: "outstandingBalance", value: "-3", reason: "an amount must not be negative" },
      { row: 1, field: "creditScore", value: "2000", reason: "score must be within 0..1023" },
      {
        row: 1,
        field: "daysPastDue",
        value: "0",
        reason: "a delinquent loan must be at least 1 day past due",
      },
      { row: 3, field: "interestRateBps", value: "1.5", reason: "rate (bps) must be an integer" },
    ];
    expect(validateTape(t)).toEqual(expected);
    let err: unknown;
    try {
      assertValidTape(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TapeValidationError);
    expect((err as TapeValidationError).problems).toEqual(expected);
    expect((err as TapeValidationError).message).toContain(
      'row 3, interestRateBps = "1.5": rate (bps) must be an integer',
    );
    expect((err as TapeValidationError).message).toMatch(/^invalid loan tape: 4 problems\n/);
  });

  it("validateLoanRecord checks a record alone (no as-of rules unless given)", () => {
    const r = loan({ scoreDate: AS_OF + 5 });
    expect(validateLoanRecord(r)).toEqual([]);
    expect(validateLoanRecord(r, AS_OF)).toHaveLength(1);
  });
});
