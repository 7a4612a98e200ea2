// The period fields of issue 15 (principal and interest collected, recoveries, adjustments with a reason, exit
// code and date, modification flag): defaults for tapes without them, the canonical encodings (test vectors
// of docs/TAPE.md), the validation rules and the shipped mappings.
import { describe, expect, it } from "vitest";
import {
  ExitCode,
  LoanStatus,
  formatTapeCsv,
  formatTapeJson,
  generateSyntheticTape,
  isoToDays,
  loadMapping,
  parseTapeCsv,
  parseTapeJson,
  periodFlows,
  TapeValidationError,
  readTapeCsv,
  readTapeXml,
  validateTape,
} from "../../prover/tape/index.ts";
import type { LoanRecord, LoanTape } from "../../prover/tape/index.ts";

const AS_OF = isoToDays("2026-10-31");

function loan(over: Partial<LoanRecord> = {}): LoanRecord {
  return {
    loanId: "L1",
    borrowerRef: "B1",
    originationDate: isoToDays("2025-01-15"),
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
const tape = (loans: LoanRecord[]): LoanTape => ({
  poolId: 7n,
  period: 202610,
  asOfDate: AS_OF,
  currency: "USD",
  decimals: 2,
  loans,
});
const reasons = (r: Partial<LoanRecord>): string[] =>
  validateTape(tape([loan(r)])).map((p) => `${p.field}: ${p.reason}`);

describe("period fields: defaults", () => {
  it("a tape without them is written and read exactly as before, and reads as the defaults", () => {
    const t = generateSyntheticTape({ seed: "period-defaults", loans: 5, period: 202610 });
    const csv = formatTapeCsv(t);
    expect(csv.split("\n")[1]).not.toContain("principalCollected");
    const back = parseTapeCsv(csv);
    expect(back.loans[0]).not.toHaveProperty("principalCollected");
    expect(periodFlows(back.loans[0]!)).toEqual({
      principalCollected: 0n,
      interestCollected: 0n,
      recoveries: 0n,
      principalAdjustment: 0n,
      adjustmentReason: 0,
      exitCode: 0,
      exitDate: 0,
      modified: false,
    });
    expect(parseTapeJson(formatTapeJson(t))).toEqual(t);
  });
});

describe("period fields: canonical encodings (test vectors of docs/TAPE.md)", () => {
  const record = loan({
    principalCollected: 25_000n,
    interestCollected: 6_000n,
    principalAdjustment: -1_500n,
    adjustmentReason: 3,
    modified: true,
  });
  const repaid = loan({
    loanId: "L2",
    outstandingBalance: 0n,
    scheduledPayment: 0n,
    collectedAmount: 610_000n,
    status: LoanStatus.Repaid,
    principalCollected: 600_000n,
    interestCollected: 10_000n,
    exitCode: ExitCode.PrepaidOrMatured,
    exitDate: isoToDays("2026-10-20"),
  });
  const t = tape([record, repaid]);

  it("canonical CSV appends the eight period columns", () => {
    const lines = formatTapeCsv(t).split("\n");
    expect(
      lines[1]!.endsWith(
        ",principalCollected,interestCollected,recoveries,principalAdjustment,adjustmentReason,exitCode,exitDate,modified",
      ),
    ).toBe(true);
    expect(lines[2]).toBe(
      "L1,B1,2025-01-15,2028-01-15,1000000,600000,1200,33000,33000,0,performing,0,720,1,2026-10-01,0,25000,6000,,-1500,3,,,true",
    );
    expect(lines[3]).toBe(
      "L2,B1,2025-01-15,2028-01-15,1000000,0,1200,0,610000,0,repaid,0,720,1,2026-10-01,0,600000,10000,,,,1,2026-10-20,",
    );
    expect(parseTapeCsv(lines.join("\n"))).toEqual(t);
  });

  it("canonical JSON gives the period keys a record has, and reads back", () => {
    const json = JSON.parse(formatTapeJson(t)) as { loans: Record<string, unknown>[] };
    expect(json.loans[0]).toMatchObject({
      principalCollected: "25000",
      interestCollected: "6000",
      principalAdjustment: "-1500",
      adjustmentReason: 3,
      modified: true,
    });
    expect(json.loans[0]).not.toHaveProperty("recoveries");
    expect(json.loans[1]).toMatchObject({ exitCode: 1, exitDate: "2026-10-20" });
    expect(parseTapeJson(formatTapeJson(t))).toEqual(t);
  });
});

describe("period fields: validation rules (reasons read as requirements)", () => {
  it("accepts a consistent record", () => {
    expect(reasons({ principalCollected: 20_000n, interestCollected: 13_000n })).toEqual([]);
  });
  it("principal, interest and recoveries must be part of the collected amount", () => {
    expect(reasons({ principalCollected: 30_000n, interestCollected: 6_000n })).toEqual([
      "collectedAmount: the collected amount must include the principal, interest and recoveries collected (36000)",
    ]);
  });
  it("recoveries only on a charged-off loan", () => {
    expect(reasons({ recoveries: 1_000n })).toEqual([
      "recoveries: recoveries must only be received on a charged_off loan",
    ]);
  });
  it("an adjustment needs a reason, within range", () => {
    expect(reasons({ principalAdjustment: 500n })).toEqual([
      "adjustmentReason: a principal adjustment must have a reason code (1..4)",
    ]);
    expect(reasons({ principalAdjustment: -(1n << 48n), adjustmentReason: 1 })[0]).toMatch(
      /^principalAdjustment: an adjustment must be within ±\(2\^48 - 1\)/,
    );
    expect(reasons({ adjustmentReason: 9 })).toEqual(["adjustmentReason: reason code must be within 0..4"]);
  });
  it("exit codes match the status, with a date within the loan's life", () => {
    expect(reasons({ exitCode: ExitCode.PrepaidOrMatured, exitDate: AS_OF })).toEqual([
      "exitCode: exit code 1 (prepaid_or_matured) must only be given to a repaid loan",
    ]);
    const repaid = { outstandingBalance: 0n, status: LoanStatus.Repaid } as const;
    expect(reasons({ ...repaid, exitCode: ExitCode.ChargedOff, exitDate: AS_OF })).toEqual([
      "exitCode: exit code 4 (charged_off) must only be given to a charged_off loan",
    ]);
    expect(reasons({ ...repaid, exitCode: 1 })).toEqual([
      "exitDate: a loan with an exit code must have an exit date",
    ]);
    expect(reasons({ exitDate: AS_OF })).toEqual([
      "exitDate: an exit date must only be given with an exit code",
    ]);
    expect(reasons({ ...repaid, exitCode: 1, exitDate: AS_OF + 1 })).toEqual([
      "exitDate: must not be after the tape's as-of date (2026-10-31)",
    ]);
    expect(reasons({ ...repaid, exitCode: 6, exitDate: AS_OF })).toEqual([
      "exitCode: exit code must be within 0..5",
    ]);
  });
  it("a CSV cell that is not a flag or a number is refused with its column", () => {
    const lines = formatTapeCsv(tape([loan({ modified: false, principalAdjustment: 0n })])).split("\n");
    const cells = lines[2]!.split(",");
    cells[19] = "-x"; // principalAdjustment
    cells[23] = "maybe"; // modified
    lines[2] = cells.join(",");
    let problems: string[] = [];
    try {
      parseTapeCsv(lines.join("\n"));
    } catch (e) {
      problems = (e as TapeValidationError).problems.map((p) => `${p.field} = ${p.value}: ${p.reason}`);
    }
    expect(problems).toEqual([
      'principalAdjustment = -x: column "principalAdjustment": not a decimal number',
      'modified = maybe: column "modified": must be true or false (1/0, Y/N)',
    ]);
  });
});

describe("period fields: shipped mappings", () => {
  it("Reg AB II auto: collections, recoveries, adjustments, zero-balance code and date, modification", async () => {
    const t = await readTapeXml("examples/tapes/regab-auto-sample.xml", {
      mapping: await loadMapping("examples/mappings/regab-auto.json"),
      poolId: 3n,
      period: 202506,
      asOfDate: isoToDays("2025-06-30"),
    });
    const by = new Map(t.loans.map((l) => [l.loanId, l]));
    expect(by.get("1000001")).toMatchObject({
      principalCollected: 37_073n,
      interestCollected: 10_748n,
      modified: false,
    });
    expect(by.get("1000004")).toMatchObject({
      status: LoanStatus.ChargedOff,
      recoveries: 890_000n,
      exitCode: ExitCode.ChargedOff,
      exitDate: isoToDays("2025-06-01"),
    });
    expect(by.get("1000005")).toMatchObject({
      principalCollected: 2_651_190n,
      exitCode: ExitCode.PrepaidOrMatured,
    });
    expect(by.get("1000006")).not.toHaveProperty("exitCode");
  });
  it("LendingClub: the recoveries column maps to recoveries (charged-off loans, in the as-of month)", async () => {
    const t = await readTapeCsv("examples/tapes/lendingclub-lagging.csv", {
      mapping: await loadMapping("examples/mappings/lendingclub.json"),
      poolId: 7n,
      period: 201812,
      asOfDate: isoToDays("2018-12-31"),
    });
    const withRecoveries = t.loans.filter((l) => (l.recoveries ?? 0n) > 0n);
    expect(withRecoveries.map((l) => [l.loanId, l.status, l.recoveries])).toEqual([
      ["140001003", LoanStatus.ChargedOff, 25_000n],
    ]);
    expect(t.loans.every((l) => l.principalCollected === undefined)).toBe(true);
  });
});
