import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  IDENTITY_MAPPING,
  LoanStatus,
  TapeValidationError,
  addMonths,
  daysToIso,
  isoToDays,
  loadMapping,
  parseDate,
  parseMapping,
  parseTapeCsv,
  readTapeCsv,
  readTapeCsvStream,
} from "../../prover/tape/index.ts";
import type { DateFormat, FieldMapping, TapeMapping, TapeProblem } from "../../prover/tape/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const LC_MAPPING = "examples/mappings/lendingclub.json";
const LC_TAPE = "examples/tapes/lendingclub-sample.csv";
const LC_OPTS = { poolId: 42n, period: 201812, asOfDate: isoToDays("2018-12-31") };

function problems(fn: () => unknown): TapeProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof TapeValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a TapeValidationError");
}

describe("shipped mappings", () => {
  it("examples/mappings/identity.json is the built-in identity mapping", async () => {
    expect(await loadMapping("examples/mappings/identity.json")).toEqual(IDENTITY_MAPPING);
  });

  it("maps the LendingClub fixture: every figure derived as the mapping documents", async () => {
    const mapping = await loadMapping(LC_MAPPING);
    const t = await readTapeCsv(LC_TAPE, { mapping, ...LC_OPTS });
    expect(await readTapeCsv(LC_TAPE, mapping).catch((e: TapeValidationError) => e.problems[0]!.field)).toBe(
      "poolId",
    );
    expect(t).toMatchObject({ poolId: 42n, period: 201812, currency: "USD", decimals: 2 });
    expect(t.loans).toHaveLength(12);
    const byId = new Map(t.loans.map((l) => [l.loanId, l]));
    // Current, member id present, int_rate without %, paid in the period.
    expect(byId.get("130954621")).toEqual({
      loanId: "130954621",
      borrowerRef: "146634710",
      originationDate: isoToDays("2018-03-01"),
      maturityDate: isoToDays("2021-03-01"),
      originalPrincipal: 2_000_000n,
      outstandingBalance: 1_573_108n,
      interestRateBps: 1356,
      scheduledPayment: 67_929n,
      collectedAmount: 67_929n,
      daysPastDue: 0,
      status: LoanStatus.Performing,
      chargedOffAmount: 0n,
      creditScore: 702,
      scoreProviderId: 1,
      scoreDate: isoToDays("2018-03-01"),
      collateralValue: 0n,
      recoveries: 0n, // the one period field the LendingClub mapping gives (issue 15)
    });
    // In Grace Period: delinquent 1 dpd; last payment in Nov-2018 is outside the period; " 11.31%", 60 → 36 months.
    expect(byId.get("130956066")).toMatchObject({
      borrowerRef: "130956066",
      status: LoanStatus.Delinquent,
      daysPastDue: 1,
      collectedAmount: 0n,
      interestRateBps: 1131,
      maturityDate: isoToDays("2021-06-01"),
    });
    expect(byId.get("130953703")).toMatchObject({ status: LoanStatus.Delinquent, daysPastDue: 16 });
    expect(byId.get("130950910")).toMatchObject({ status: LoanStatus.Delinquent, daysPastDue: 31 });
    expect(byId.get("130951532")).toMatchObject({
      status: LoanStatus.Defaulted,
      daysPastDue: 121,
      outstandingBalance: 437_413n,
    });
    // Charged off: funded_amnt - total_rec_prncp = 10000 - 2441.22; no balance, no scheduled payment.
    expect(byId.get("130946643")).toMatchObject({
      status: LoanStatus.ChargedOff,
      daysPastDue: 150,
      chargedOffAmount: 755_878n,
      outstandingBalance: 0n,
      scheduledPayment: 0n,
    });
    expect(byId.get("130945500")).toMatchObject({
      status: LoanStatus.ChargedOff,
      chargedOffAmount: 1_183_333n,
    });
    // Fully Paid in the period: its payoff is collected, nothing outstanding or scheduled.
    expect(byId.get("130504052")).toMatchObject({
      status: LoanStatus.Repaid,
      outstandingBalance: 0n,
      scheduledPayment: 0n,
      collectedAmount: 836_248n,
      maturityDate: isoToDays("2020-11-01"),
    });
  });

  it("refuses LendingClub rows with an unknown status, a bad issue_d or a bad FICO, each with its row", async () => {
    const mapping = await loadMapping(LC_MAPPING);
    const lines = readFileSync(LC_TAPE, "utf8").trimEnd().split("\n");
    lines[2] = lines[2]!.replace(",Current,", ",Late (5 days),");
    lines[4] = lines[4]!.replace(",Jun-2018,", ",2018-06,");
    lines[10] = lines[10]!.replace(",805,809,", ",805,high,");
    const p = problems(() => parseTapeCsv(lines.join("\n"), { mapping, ...LC_OPTS }));
    expect(p.map((x) => [x.row, x.field, x.value])).toEqual([
      [2, "status", "Late (5 days)"],
      [4, "originationDate", "2018-06"],
      [4, "maturityDate", "2018-06"],
      [4, "scoreDate", "2018-06"],
      [10, "creditScore", "high"],
    ]);
    expect(p[0]!.reason).toMatch(/^unknown status \(the mapping knows "Current", "Issued", "Fully Paid"/);
    expect(p[1]!.reason).toBe('column "issue_d": not a month Mon-YYYY such as Dec-2018');
    expect(p[4]!.reason).toBe('column "fico_range_high": not a decimal number');
  });

  it("skips LendingClub's download banner and footer lines, and only those", async () => {
    const mapping = await loadMapping(LC_MAPPING);
    const body = readFileSync(LC_TAPE, "utf8");
    const wrapped =
      "Notes offered by Prospectus (https://www.lendingclub.com/info/prospectus.action)\n" +
      body +
      "\nTotal amount funded in policy code 1: 1234567\nTotal amount funded in policy code 2: 89\n";
    const plain = parseTapeCsv(body, { mapping, ...LC_OPTS });
    expect(parseTapeCsv(wrapped, { mapping, ...LC_OPTS })).toEqual(plain);
    expect(await readTapeCsvStream(Readable.from([Buffer.from(wrapped)]), { mapping, ...LC_OPTS })).toEqual(
      plain,
    );
    const strict = parseMapping({ ...mapping, csv: { delimiter: "," } });
    const p = problems(() => parseTapeCsv(wrapped, { mapping: strict, ...LC_OPTS }));
    expect(p[0]).toMatchObject({
      row: null,
      field: "loanId",
      reason: "none of these columns is in the header",
    });
    const footerOnly = body + "Total amount funded in policy code 1: 1234567\n";
    expect(problems(() => parseTapeCsv(footerOnly, { mapping: strict, ...LC_OPTS }))).toEqual([
      {
        row: 13,
        field: "csv",
        value: "1 cells",
        reason: "a row must have as many cells as the header has columns (50)",
      },
    ]);
  });

  it("needs pool, period and as-of date from the caller, and the mapped columns in the header", async () => {
    const mapping = await loadMapping(LC_MAPPING);
    const text = readFileSync(LC_TAPE, "utf8");
    expect(problems(() => parseTapeCsv(text, { mapping })).map((p) => p.field)).toEqual([
      "poolId",
      "period",
      "asOfDate",
    ]);
    const noTerm = text.replace("funded_amnt_inv,term,", "funded_amnt_inv,term_months,");
    expect(problems(() => parseTapeCsv(noTerm, { mapping, ...LC_OPTS }))).toEqual([
      { row: null, field: "maturityDate", value: "term", reason: "column missing from the header" },
    ]);
  });
});

/** A mapping: the identity one with some fields replaced. */
function withFields(fields: Partial<Record<keyof TapeMapping["fields"], FieldMapping>>): TapeMapping {
  return parseMapping({ ...IDENTITY_MAPPING, fields: { ...IDENTITY_MAPPING.fields, ...fields } });
}
const H =
  "loanId,borrowerRef,originationDate,maturityDate,originalPrincipal,outstandingBalance,interestRateBps,scheduledPayment,collectedAmount,daysPastDue,status,chargedOffAmount,creditScore,scoreProviderId,scoreDate,collateralValue";
const R = "L1,B1,2025-01-15,2028-01-15,1000000,600000,1200,33000,33000,0,performing,0,720,1,2026-10-01,0";
const OPTS = { poolId: 1n, period: 202610, asOfDate: isoToDays("2026-10-31") };
/** Parses one identity row with extra columns appended. */
function one(mapping: TapeMapping, extraHeader: string[] = [], extra: string[] = [], row = R) {
  return parseTapeCsv([[H, ...extraHeader].join(","), [row, ...extra].join(",")].join("\n"), {
    mapping,
    ...OPTS,
  }).loans[0]!;
}

describe("mapping features", () => {
  it("units: dollars with cents → minor units, percent and fraction → bps, with declared rounding", () => {
    const m = withFields({
      outstandingBalance: { column: "bal", unit: "major" },
      interestRateBps: { column: "rate", unit: "percent" },
      collateralValue: { column: "coll", unit: "major", rounding: "half-up" },
    });
    expect(one(m, ["bal", "rate", "coll"], ["6000.5", " 12.34%", "10.005"])).toMatchObject({
      outstandingBalance: 600_050n,
      interestRateBps: 1234,
      collateralValue: 1001n,
    });
    expect(one(m, ["bal", "rate", "coll"], ["6000", "7", "0.004"])).toMatchObject({
      outstandingBalance: 600_000n,
      interestRateBps: 700,
      collateralValue: 0n,
    });
    expect(problems(() => one(m, ["bal", "rate", "coll"], ["6000.001", "7", "1"]))).toEqual([
      {
        row: 1,
        field: "outstandingBalance",
        value: "6000.001",
        reason: 'column "bal": has more decimal places than the unit allows',
      },
    ]);
  });

  it("exact rounding refuses extra decimals; half-up and down round", () => {
    const m = (rounding: "exact" | "half-up" | "down") =>
      withFields({ interestRateBps: { column: "rate", unit: "fraction", rounding } });
    expect(one(m("half-up"), ["rate"], ["0.12345"]).interestRateBps).toBe(1235);
    expect(one(m("down"), ["rate"], ["0.12345"]).interestRateBps).toBe(1234);
    expect(one(m("exact"), ["rate"], ["0.1234"]).interestRateBps).toBe(1234);
    expect(problems(() => one(m("exact"), ["rate"], ["0.12345"]))).toEqual([
      {
        row: 1,
        field: "interestRateBps",
        value: "0.12345",
        reason: 'column "rate": has more decimal places than the unit allows',
      },
    ]);
  });

  it("mean, sum and difference of columns; a negative difference is refused", () => {
    const m = withFields({
      creditScore: { columns: ["lo", "hi"], combine: "mean", rounding: "down" },
      collateralValue: { columns: ["c1", "c2"], combine: "sum", unit: "major" },
      scheduledPayment: { columns: ["a", "b"], combine: "difference", unit: "major" },
    });
    const cols = ["lo", "hi", "c1", "c2", "a", "b"];
    expect(one(m, cols, ["700", "705", "1.5", "2.25", "10", "2.5"])).toMatchObject({
      creditScore: 702,
      collateralValue: 375n,
      scheduledPayment: 750n,
    });
    expect(problems(() => one(m, cols, ["700", "705", "1", "2", "1", "2.5"]))).toEqual([
      { row: 1, field: "scheduledPayment", value: "1 2.5", reason: "difference of a, b is negative" },
    ]);
  });

  it("constants, defaults for empty cells or absent columns, the as-of date, and first non-empty column", () => {
    const m = withFields({
      scoreProviderId: { constant: 77 },
      scoreDate: { context: "asOfDate" },
      collateralValue: { column: "coll", default: "0" },
      borrowerRef: { columns: ["member", "loanId"], combine: "first" },
    });
    expect(one(m, ["member"], [""])).toMatchObject({
      scoreProviderId: 77,
      scoreDate: isoToDays("2026-10-31"),
      collateralValue: 0n,
      borrowerRef: "L1",
    });
    expect(one(m, ["member", "coll"], ["M9", "123"])).toMatchObject({
      borrowerRef: "M9",
      collateralValue: 123n,
    });
  });

  it("status vocabulary with representative days past due; fromStatus without one is refused", () => {
    const m = withFields({
      status: {
        column: "st",
        vocabulary: { OK: "performing", "30+": { status: "delinquent", daysPastDue: 30 }, BAD: "defaulted" },
      },
      daysPastDue: { fromStatus: true },
    });
    expect(one(m, ["st"], ["30+"])).toMatchObject({ status: LoanStatus.Delinquent, daysPastDue: 30 });
    expect(one(m, ["st"], [" OK "])).toMatchObject({ status: LoanStatus.Performing, daysPastDue: 0 });
    expect(problems(() => one(m, ["st"], ["BAD"]))).toEqual([
      {
        row: 1,
        field: "daysPastDue",
        value: "defaulted",
        reason: "the status vocabulary gives no daysPastDue for this status",
      },
    ]);
  });

  it("when: zero unless the status matches or the date falls in the as-of month", () => {
    const m = withFields({
      collectedAmount: { column: "paid", when: { inPeriod: { column: "paid_d", format: "Mon-YYYY" } } },
      chargedOffAmount: { column: "co", when: { status: ["charged_off"] } },
    });
    expect(one(m, ["paid", "paid_d", "co"], ["500", "Oct-2026", "999"])).toMatchObject({
      collectedAmount: 500n,
      chargedOffAmount: 0n,
    });
    expect(one(m, ["paid", "paid_d", "co"], ["500", "Sep-2026", "999"]).collectedAmount).toBe(0n);
    expect(one(m, ["paid", "paid_d", "co"], ["500", "", "999"]).collectedAmount).toBe(0n);
  });

  it("dates: Mon-YYYY, MM/DD/YYYY, DD/MM/YYYY, YYYYMMDD, days; impossible dates refused", () => {
    const m = (format: DateFormat) => withFields({ originationDate: { column: "od", format } });
    const d = isoToDays("2025-01-15");
    expect(one(m("MM/DD/YYYY"), ["od"], ["01/15/2025"]).originationDate).toBe(d);
    expect(one(m("DD/MM/YYYY"), ["od"], ["15/01/2025"]).originationDate).toBe(d);
    expect(one(m("YYYYMMDD"), ["od"], ["20250115"]).originationDate).toBe(d);
    expect(one(m("days"), ["od"], [String(d)]).originationDate).toBe(d);
    expect(one(m("Mon-YYYY"), ["od"], ["jan-2025"]).originationDate).toBe(isoToDays("2025-01-01"));
    expect(
      one(withFields({ originationDate: { column: "od", format: "Mon-YY" } }), ["od"], ["Jan-25"])
        .originationDate,
    ).toBe(isoToDays("2025-01-01"));
    expect(problems(() => one(m("MM/DD/YYYY"), ["od"], ["02/29/2025"]))[0]).toMatchObject({
      field: "originationDate",
      value: "02/29/2025",
      reason: 'column "od": no such calendar date on or after 1970-01-01',
    });
  });

  it("a delimiter other than a comma", () => {
    const m = parseMapping({ ...IDENTITY_MAPPING, csv: { delimiter: ";" } });
    const t = parseTapeCsv([H.replaceAll(",", ";"), R.replaceAll(",", ";")].join("\n"), {
      mapping: m,
      ...OPTS,
    });
    expect(t.loans[0]!.outstandingBalance).toBe(600_000n);
  });
});

describe("parseMapping refuses malformed mapping files, listing every problem", () => {
  it("collects all problems with their paths", () => {
    const fields: Record<string, unknown> = { ...IDENTITY_MAPPING.fields };
    delete fields.creditScore;
    fields.outstandingBalance = { column: "x", unit: "percent" };
    fields.scoreDate = { column: "d", constant: "2020-01-01" };
    fields.status = { column: "s", vocabulary: { A: "late" } };
    fields.loanId = { column: "id", when: { status: ["performing"] } };
    fields.colour = { column: "c" };
    let err: unknown;
    try {
      parseMapping({ format: "other", name: "", fields, extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TapeValidationError);
    expect((err as TapeValidationError).message).toMatch(/^invalid mapping:/);
    expect((err as TapeValidationError).problems.map((p) => p.field)).toEqual([
      "extra",
      "format",
      "name",
      "fields.colour",
      "fields.loanId.when",
      "fields.outstandingBalance.unit",
      "fields.status.vocabulary.A",
      "fields.creditScore",
      "fields.scoreDate",
    ]);
  });

  it("accepts both shipped mappings", async () => {
    await expect(loadMapping(LC_MAPPING)).resolves.toMatchObject({ name: "lendingclub" });
    expect(() => parseMapping(JSON.parse(JSON.stringify(IDENTITY_MAPPING)))).not.toThrow();
  });
});

describe("dates", () => {
  it("parseDate, daysToIso, addMonths and the calendar edges", () => {
    expect(parseDate("1970-01-01", "ISO")).toEqual({ days: 0 });
    expect(parseDate("2149-06-06", "ISO")).toEqual({ days: 65_535 });
    expect(daysToIso(65_535)).toBe("2149-06-06");
    expect(parseDate("2024-02-29", "ISO")).toEqual({ days: isoToDays("2024-03-01") - 1 });
    expect(parseDate("2023-02-29", "ISO")).toEqual({ error: "no such calendar date on or after 1970-01-01" });
    expect(parseDate("1969-12-31", "ISO")).toEqual({ error: "no such calendar date on or after 1970-01-01" });
    expect(parseDate("Dec-69", "Mon-YY")).toEqual({ days: isoToDays("2069-12-01") });
    expect(parseDate("Dec-70", "Mon-YY")).toEqual({ days: isoToDays("1970-12-01") });
    expect(parseDate("Foo-2018", "Mon-YYYY")).toEqual({ error: "not a month Mon-YYYY such as Dec-2018" });
    expect(daysToIso(addMonths(isoToDays("2024-01-31"), 1))).toBe("2024-02-29");
    expect(daysToIso(addMonths(isoToDays("2024-03-31"), -1))).toBe("2024-02-29");
    expect(daysToIso(addMonths(isoToDays("2018-12-01"), 60))).toBe("2023-12-01");
    for (let d = 0; d < 65_536; d += 97) expect(isoToDays(daysToIso(d))).toBe(d);
    expect(() => isoToDays("2026-1-1")).toThrow(CodedError);
  });
});
