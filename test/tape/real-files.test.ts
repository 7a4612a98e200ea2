/**
 * Real servicer files: the mapping language's features for them (null tokens, scientific notation, ids from
 * the row number or several columns, unnamed header cells, derived statuses and days past due, sums of
 * parts), the quarantine of refused rows, the LendingClub mapping on lagging statuses, and the SEC Reg AB II
 * auto loan layout read from XML.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IDENTITY_MAPPING,
  LoanStatus,
  TapeValidationError,
  isoToDays,
  loadMapping,
  parseFlatXml,
  parseMapping,
  parseTapeCsv,
  parseTapeXml,
  readTapeCsv,
  readTapeXml,
} from "../../prover/tape/index.ts";
import type { FieldMapping, RefusedRow, TapeMapping, TapeProblem } from "../../prover/tape/index.ts";

function problems(fn: () => unknown): TapeProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof TapeValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a TapeValidationError");
}

const H =
  "loanId,borrowerRef,originationDate,maturityDate,originalPrincipal,outstandingBalance,interestRateBps,scheduledPayment,collectedAmount,daysPastDue,status,chargedOffAmount,creditScore,scoreProviderId,scoreDate,collateralValue";
const R = "L1,B1,2025-01-15,2028-01-15,1000000,600000,1200,33000,33000,0,performing,0,720,1,2026-10-01,0";
const OPTS = { poolId: 1n, period: 202610, asOfDate: isoToDays("2026-10-31") };
function withFields(
  fields: Partial<Record<keyof TapeMapping["fields"], FieldMapping>>,
  extra: Partial<TapeMapping> = {},
): TapeMapping {
  return parseMapping({ ...IDENTITY_MAPPING, ...extra, fields: { ...IDENTITY_MAPPING.fields, ...fields } });
}
/** Parses identity rows with extra columns appended. */
function rows(mapping: TapeMapping, extraHeader: string[], ...lines: [string, string[]][]) {
  const text = [[H, ...extraHeader].join(","), ...lines.map(([r, x]) => [r, ...x].join(","))].join("\n");
  return parseTapeCsv(text, { mapping, ...OPTS }).loans;
}

describe("mapping language for real servicer files", () => {
  it("null tokens (R's NA, a database's NULL) are empty cells: the default applies, or the cell is refused", () => {
    const m = withFields(
      { collateralValue: { column: "collateral", default: "0" }, creditScore: { column: "score" } },
      { nullTokens: ["NA", "NULL"] },
    );
    const [a, b] = rows(
      m,
      ["collateral", "score"],
      [R, ["NA", "700"]],
      [R.replace("L1", "L2"), [" NULL ", "701"]],
    );
    expect([a!.collateralValue, b!.collateralValue]).toEqual([0n, 0n]);
    expect(problems(() => rows(m, ["collateral", "score"], [R, ["5", "NA"]]))).toEqual([
      { row: 1, field: "creditScore", value: "", reason: 'column "score": empty' },
    ]);
    // Without the token, NA is a malformed number.
    const strict = withFields({ collateralValue: { column: "collateral", default: "0" } });
    expect(problems(() => rows(strict, ["collateral"], [R, ["NA"]]))[0]!.reason).toBe(
      'column "collateral": not a decimal number',
    );
  });

  it("numbers in scientific notation are read exactly (R writes 1e+05)", () => {
    const m = withFields({
      originalPrincipal: { column: "p", unit: "major" },
      interestRateBps: { column: "r", unit: "fraction" },
    });
    const [l] = rows(m, ["p", "r"], [R, ["1e+05", "1.25E-1"]]);
    expect(l!.originalPrincipal).toBe(10_000_000n);
    expect(l!.interestRateBps).toBe(1250);
    expect(problems(() => rows(m, ["p", "r"], [R, ["1.000001e2", "0.1"]]))[0]!.reason).toBe(
      'column "p": has more decimal places than the unit allows',
    );
  });

  it("ids from the row number, or from several columns joined; R's unnamed index column is #1", () => {
    const m = withFields({
      loanId: { rowNumber: true, prefix: "R" },
      borrowerRef: { columns: ["#1", "branch"], combine: "join", separator: "/" },
    });
    const text = [`"",${H},branch`, `"7",${R},north`, `"9",${R.replace("L1", "Lx")},south`].join("\n");
    const t = parseTapeCsv(text, { mapping: m, ...OPTS });
    expect(t.loans.map((l) => [l.loanId, l.borrowerRef])).toEqual([
      ["R1", "7/north"],
      ["R2", "9/south"],
    ]);
    expect(() => parseMapping({ ...m, fields: { ...m.fields, daysPastDue: { rowNumber: true } } })).toThrow(
      /fields.daysPastDue.rowNumber/,
    );
  });

  it("days past due from a date column (as-of − date, 0 when not before), capped at the loan's age", () => {
    const m = withFields({
      daysPastDue: { daysSince: { column: "due", format: "ISO" }, default: "0", capAtAge: true },
      status: {
        column: "status",
        vocabulary: { performing: "performing", late: "delinquent", bad: "defaulted" },
      },
    });
    const late = R.replace(",performing,", ",late,");
    const bad = R.replace(",performing,", ",bad,").replace("2025-01-15,2028", "2026-09-01,2029");
    const ls = rows(
      m,
      ["due"],
      [late, ["2026-09-15"]], // 46 days before 2026-10-31
      [R.replace("L1", "L2"), ["2026-11-02"]], // not yet due
      [R.replace("L1", "L3"), [""]], // no date: default 0
      [bad.replace("L1", "L4"), ["2026-01-31"]], // 273 days, but the loan is 60 days old
    );
    expect(ls.map((l) => l.daysPastDue)).toEqual([46, 0, 0, 60]);
  });

  it("status rules derive repaid from a zero balance, before validation would refuse the row", () => {
    const status: FieldMapping = {
      column: "status",
      vocabulary: { Current: "performing", Late: { status: "delinquent", daysPastDue: 16 } },
    };
    const fields: Partial<Record<keyof TapeMapping["fields"], FieldMapping>> = {
      outstandingBalance: { column: "outstandingBalance", when: { status: ["performing", "delinquent"] } },
      scheduledPayment: { column: "scheduledPayment", when: { status: ["performing", "delinquent"] } },
      daysPastDue: { fromStatus: true },
    };
    const lagging = withFields({
      ...fields,
      status: { ...status, rules: [{ status: "repaid", ifZero: "outstandingBalance" }] },
    });
    const plain = withFields({ ...fields, status });
    const cur = R.replace(",performing,", ",Current,").replace(",600000,", ",0,");
    const late = R.replace(",performing,", ",Late,").replace(",600000,", ",0.00,").replace("L1", "L2");
    const ok = R.replace(",performing,", ",Current,").replace("L1", "L3");
    const ls = rows(lagging, [], [cur, []], [late, []], [ok, []]);
    expect(ls.map((l) => [l.status, l.outstandingBalance, l.daysPastDue, l.scheduledPayment])).toEqual([
      [LoanStatus.Repaid, 0n, 0, 0n],
      [LoanStatus.Repaid, 0n, 0, 0n],
      [LoanStatus.Performing, 600000n, 0, 33000n],
    ]);
    // The failing twin: without the rule, both lagging rows are refused.
    expect(
      problems(() => rows(plain, [], [cur, []], [late, []], [ok, []])).map((p) => [p.row, p.reason]),
    ).toEqual([
      [1, "a performing loan must have a positive outstanding balance"],
      [2, "a delinquent loan must have a positive outstanding balance"],
    ]);
    // A rule on a column the header lacks is a header problem.
    const noCol = withFields({ status: { ...status, rules: [{ status: "repaid", ifZero: "balance" }] } });
    expect(problems(() => rows(noCol, [], [ok, []]))).toEqual([
      { row: null, field: "status", value: "balance", reason: "column missing from the header" },
    ]);
  });

  it("parts: a money field as the sum of several sources, each with its own condition", () => {
    const m = withFields({
      collectedAmount: {
        parts: [
          { column: "paid", unit: "major" },
          { column: "recovered", unit: "major", default: "0", when: { status: ["charged_off"] } },
        ],
      },
    });
    const [a] = rows(m, ["paid", "recovered"], [R, ["10.50", "99"]]);
    expect(a!.collectedAmount).toBe(1050n);
    const co = "L2,B1,2025-01-15,2028-01-15,1000000,0,1200,0,0,150,charged_off,500000,720,1,2026-10-01,0";
    const [b] = rows(m, ["paid", "recovered"], [co, ["0", "123.45"]]);
    expect(b!.collectedAmount).toBe(12345n);
    expect(() =>
      parseMapping({ ...m, fields: { ...m.fields, creditScore: { parts: [{ column: "x" }] } } }),
    ).toThrow(/fields.creditScore.parts/);
  });

  it("refine: an exact days-past-due column kept within the status bucket; ignored outside buckets", () => {
    const m = withFields({
      daysPastDue: { fromStatus: true, refine: { column: "dpd" } },
      status: {
        column: "status",
        vocabulary: {
          Current: "performing",
          Late: { status: "delinquent", daysPastDue: 31, maxDaysPastDue: 120 },
        },
      },
    });
    const late = R.replace(",performing,", ",Late,");
    const ls = rows(
      m,
      ["dpd"],
      [late, ["47"]],
      [late.replace("L1", "L2"), ["200"]],
      [late.replace("L1", "L3"), ["5"]],
      [late.replace("L1", "L4"), [""]],
      [R.replace(",performing,", ",Current,").replace("L1", "L5"), ["20"]],
    );
    expect(ls.map((l) => l.daysPastDue)).toEqual([47, 120, 31, 31, 0]);
  });
});

describe("quarantine: refused rows set aside with their problems", () => {
  const text = [
    H,
    R,
    R.replace("L1", "L2").replace(",performing,", ",lost,"),
    R.replace("L1", "L3").replace(",720,", ",2000,"),
    R.replace("L1", "L4"),
    R.replace("L1", "L2"), // the first L2 was set aside: this one is not a duplicate
    "L9,too,few",
  ].join("\n");

  it("hands each refused row with every problem to setAside, and returns the rest", () => {
    const refused: RefusedRow[] = [];
    const t = parseTapeCsv(text, { ...OPTS, setAside: (r) => refused.push(r) });
    expect(t.loans.map((l) => l.loanId)).toEqual(["L1", "L4", "L2"]);
    expect(refused.map((r) => [r.row, r.cells[0], r.problems.map((p) => p.field)])).toEqual([
      [2, "L2", ["status"]],
      [3, "L3", ["creditScore"]],
      [6, "L9", ["csv"]],
    ]);
    expect(refused[0]!.columns[0]).toBe("loanId");
  });

  it("without setAside the same file is refused whole (and the second L2 is a duplicate)", () => {
    expect(problems(() => parseTapeCsv(text, OPTS)).map((p) => p.row)).toEqual([2, 3, 5, 6]);
  });

  it("a tape-level problem still refuses the tape; all rows refused leaves an empty tape, refused", () => {
    expect(problems(() => parseTapeCsv(text, { setAside: () => {} }))[0]!.field).toBe("poolId");
    const allBad = [H, R.replace(",720,", ",2000,")].join("\n");
    expect(problems(() => parseTapeCsv(allBad, { ...OPTS, setAside: () => {} }))).toEqual([
      { row: null, field: "loans", value: "0", reason: "a tape must hold at least one loan" },
    ]);
  });
});

const LC = { poolId: 7n, period: 201812, asOfDate: isoToDays("2018-12-31") };

describe("LendingClub: lagging statuses, recoveries, hardship_dpd, young charge-offs", () => {
  it("maps examples/tapes/lendingclub-lagging.csv as docs/TAPE.md documents", async () => {
    const mapping = await loadMapping("examples/mappings/lendingclub.json");
    const t = await readTapeCsv("examples/tapes/lendingclub-lagging.csv", { mapping, ...LC });
    const by = new Map(t.loans.map((l) => [l.loanId, l]));
    // "Current" and "Late (16-30 days)" with out_prncp 0: paid off in December, repaid, the payoff collected.
    expect(by.get("140001001")).toMatchObject({
      status: LoanStatus.Repaid,
      outstandingBalance: 0n,
      daysPastDue: 0,
      collectedAmount: 640211n,
    });
    expect(by.get("140001002")).toMatchObject({ status: LoanStatus.Repaid, collectedAmount: 425000n });
    // Charged off at 91 days of age: days past due capped at the age; this month's recovery is collected.
    expect(by.get("140001003")).toMatchObject({
      status: LoanStatus.ChargedOff,
      daysPastDue: isoToDays("2018-12-31") - isoToDays("2018-10-01"),
      chargedOffAmount: 1_200_000n,
      collectedAmount: 25_000n,
    });
    expect(by.get("140001004")).toMatchObject({ status: LoanStatus.Delinquent, daysPastDue: 47 });
    expect(by.get("140001005")).toMatchObject({ daysPastDue: 120 });
    expect(by.get("140001006")).toMatchObject({ status: LoanStatus.Performing, daysPastDue: 0 });
    // Charged off last year: 150 days, recoveries collected back then are not this period's cash.
    expect(by.get("140001009")).toMatchObject({
      daysPastDue: 150,
      collectedAmount: 0n,
      chargedOffAmount: 755_878n,
    });
    expect(by.get("140001010")).toMatchObject({ status: LoanStatus.Delinquent, daysPastDue: 1 });
  });

  it("the failing twin: the mapping without its rule and cap refuses the three lagging rows", async () => {
    const mapping = await loadMapping("examples/mappings/lendingclub.json");
    const status = { ...mapping.fields.status };
    delete status.rules;
    const old = parseMapping({
      ...mapping,
      fields: { ...mapping.fields, status, daysPastDue: { fromStatus: true } },
    });
    const p = problems(() =>
      parseTapeCsv(readFileSync("examples/tapes/lendingclub-lagging.csv", "utf8"), { mapping: old, ...LC }),
    );
    expect(p.map((x) => [x.row, x.field])).toEqual([
      [1, "outstandingBalance"],
      [2, "outstandingBalance"],
      [3, "daysPastDue"],
    ]);
  });
});

const REGAB = { poolId: 3n, period: 202506, asOfDate: isoToDays("2025-06-30") };

describe("SEC Reg AB II auto loans (EX-102 XML)", () => {
  it("maps examples/tapes/regab-auto-sample.xml field by field", async () => {
    const mapping = await loadMapping("examples/mappings/regab-auto.json");
    const t = await readTapeXml("examples/tapes/regab-auto-sample.xml", { mapping, ...REGAB });
    expect(t.loans).toHaveLength(8);
    const by = new Map(t.loans.map((l) => [l.loanId, l]));
    expect(by.get("1000001")).toEqual({
      loanId: "1000001",
      borrowerRef: "obligor-1000001",
      originationDate: isoToDays("2023-03-01"),
      maturityDate: isoToDays("2029-03-01"),
      originalPrincipal: 2_845_000n,
      outstandingBalance: 1_950_249n,
      interestRateBps: 649,
      scheduledPayment: 47_821n,
      collectedAmount: 47_821n,
      daysPastDue: 0,
      status: LoanStatus.Performing,
      chargedOffAmount: 0n,
      creditScore: 742,
      scoreProviderId: 1,
      scoreDate: isoToDays("2023-03-01"),
      collateralValue: 3_010_000n,
      // the period fields (issue 15): exit code 0 for an active loan (the mapping's `when`), no exit date
      principalCollected: 37_073n,
      interestCollected: 10_748n,
      recoveries: 0n,
      principalAdjustment: 0n,
      adjustmentReason: 4,
      exitCode: 0,
      modified: false,
    });
    expect(by.get("1000002")).toMatchObject({
      status: LoanStatus.Delinquent,
      daysPastDue: 45,
      collectedAmount: 0n,
    });
    expect(by.get("1000003")).toMatchObject({ status: LoanStatus.Defaulted, daysPastDue: 150 });
    expect(by.get("1000004")).toMatchObject({
      status: LoanStatus.ChargedOff,
      outstandingBalance: 0n,
      chargedOffAmount: 1_521_033n,
      collectedAmount: 890_000n,
      daysPastDue: 121,
    });
    expect(by.get("1000005")).toMatchObject({
      status: LoanStatus.Repaid,
      collectedAmount: 2_663_319n,
      scheduledPayment: 0n,
    });
    // No zeroBalanceCode yet, but the end balance is 0: repaid by the mapping's rule.
    expect(by.get("1000006")).toMatchObject({ status: LoanStatus.Repaid, outstandingBalance: 0n });
    // No currentDelinquencyStatus element: 0 days past due.
    expect(by.get("1000007")).toMatchObject({ status: LoanStatus.Performing, daysPastDue: 0 });
    expect(by.get("1000008")).toMatchObject({ status: LoanStatus.Performing, daysPastDue: 12 });
  });

  it("refuses an unknown zero balance code and a charge-off without an amount, row by row", async () => {
    const mapping = await loadMapping("examples/mappings/regab-auto.json");
    const xml = readFileSync("examples/tapes/regab-auto-sample.xml", "utf8")
      .replace("<zeroBalanceCode>1</zeroBalanceCode>", "<zeroBalanceCode>99</zeroBalanceCode>")
      .replace("<chargedoffPrincipalAmount>15210.33000000</chargedoffPrincipalAmount>", "");
    expect(
      problems(() => parseTapeXml(xml, { mapping, ...REGAB })).map((p) => [p.row, p.field, p.value]),
    ).toEqual([
      [4, "chargedOffAmount", "0"],
      [5, "status", "99"],
    ]);
  });
});

describe("the flat XML reader is strict", () => {
  const ok =
    '<?xml version="1.0"?><r xmlns="u"><head><x>1</x></head><assets><a>1 &amp; 2</a><b/></assets><assets><ns:b>x</ns:b><c><![CDATA[<y>]]></c></assets></r>';
  it("reads records as rows: union of leaf names, absent leaves empty, entities, CDATA, prefixes", () => {
    expect(parseFlatXml(ok)).toEqual({
      columns: ["a", "b", "c"],
      rows: [
        ["1 & 2", "", ""],
        ["", "x", "<y>"],
      ],
    });
  });
  it.each([
    ["<!DOCTYPE r [<!ENTITY e 'x'>]><r/>", /DOCTYPE/],
    ["<r><assets><a>1</b></assets></r>", /<\/b> closes <a>/],
    ["<r><assets><a>1</a></assets>", /unclosed <r>/],
    ["<r>text<assets/></r>", /text outside a leaf/],
    ["<r><assets><a><b>1</b></a></assets></r>", /nested inside the leaf/],
    ["<r><assets><a>&bogus;</a></assets></r>", /unknown character reference/],
  ])("refuses %s", (xml, re) => {
    expect(() => parseFlatXml(xml)).toThrow(re);
  });
  it("a leaf repeated within a record is a problem of that row", () => {
    const m = parseMapping({ ...IDENTITY_MAPPING, xml: { record: "loan" } });
    expect(
      problems(() =>
        parseTapeXml("<t><loan><loanId>a</loanId><loanId>b</loanId></loan></t>", { mapping: m, ...OPTS }),
      ),
    ).toEqual([{ row: 1, field: "xml", value: "loanId", reason: "an element must appear once in a record" }]);
  });
});
