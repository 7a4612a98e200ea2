// Stable slots (issue 15 item 2, docs/TAPE.md "Stable slots"): assignSlots given last period's tape.
import { describe, expect, it } from "vitest";
import { LoanStatus, SlotAssignmentError, assignSlots, isoToDays } from "../../prover/index.ts";
import type { LoanRecord, LoanTape } from "../../prover/index.ts";

const AS_OF = isoToDays("2026-10-31");
function loan(id: string, over: Partial<LoanRecord> = {}): LoanRecord {
  return {
    loanId: id,
    borrowerRef: `B-${id}`,
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
const repaid = (id: string): LoanRecord =>
  loan(id, { outstandingBalance: 0n, scheduledPayment: 0n, status: LoanStatus.Repaid });
const tape = (loans: LoanRecord[], period = 202610): LoanTape => ({
  poolId: 7n,
  period,
  asOfDate: AS_OF,
  currency: "USD",
  decimals: 2,
  loans,
});
const ids = (t: LoanTape): string[] => t.loans.map((l) => l.loanId);

describe("assignSlots", () => {
  it("a pool's first period keeps its order; every loan is an origination", () => {
    const t = tape([loan("A"), loan("B")]);
    expect(assignSlots(undefined, t)).toEqual({ tape: t, originations: [0, 1], carried: [], emptied: [] });
  });

  it("loans keep their slots whatever order this period lists them in; new loans go after the end", () => {
    const prev = tape([loan("A"), loan("B"), loan("C")]);
    const r = assignSlots(prev, tape([loan("C"), loan("N1"), loan("A"), loan("B")], 202611));
    expect(ids(r.tape)).toEqual(["A", "B", "C", "N1"]);
    expect(r.originations).toEqual([3]);
  });

  it("a loan that exited frees its slot the period after; new loans take free slots, lowest first", () => {
    // B and D exited last period (listed repaid with their exit): this period they may go.
    const prev = tape([loan("A"), repaid("B"), loan("C"), repaid("D"), loan("E")]);
    const r = assignSlots(prev, tape([loan("A"), loan("C"), loan("E"), loan("N1"), loan("N2"), loan("N3")]));
    expect(ids(r.tape)).toEqual(["A", "N1", "C", "N2", "E", "N3"]);
    expect(r.originations).toEqual([1, 3, 5]);
  });

  it("a free slot in the middle that no new loan takes lists its terminal loan again; at the end it is emptied", () => {
    const prev = tape([loan("A"), repaid("B"), loan("C"), repaid("D")]);
    const r = assignSlots(prev, tape([loan("A"), loan("C")]));
    expect(ids(r.tape)).toEqual(["A", "B", "C"]);
    expect(r.carried).toEqual([1]);
    expect(r.emptied).toEqual([3]);
    // Carried without cash flows: no collection, no exit (it exited before).
    expect(r.tape.loans[1]).toMatchObject({
      status: LoanStatus.Repaid,
      collectedAmount: 0n,
      scheduledPayment: 0n,
    });
    expect(r.tape.loans[1]).not.toHaveProperty("exitCode");
  });

  it("refuses a dropped active loan (the hidden delinquency) and a duplicate id", () => {
    const prev = tape([loan("A"), loan("B", { status: LoanStatus.Delinquent, daysPastDue: 75 })]);
    expect(() => assignSlots(prev, tape([loan("A"), loan("N1")]))).toThrow(SlotAssignmentError);
    expect(() => assignSlots(prev, tape([loan("A"), loan("N1")]))).toThrow(
      /active loan of the previous period missing from this tape: B/,
    );
    expect(() => assignSlots(prev, tape([loan("A"), loan("B"), loan("A")]))).toThrow(
      /loan A is listed twice/,
    );
  });
});
