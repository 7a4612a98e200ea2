import { describe, expect, it } from "vitest";
import {
  LoanStatus,
  advancePeriod,
  createRng,
  generateSyntheticTape,
  isoToDays,
  validateTape,
} from "../../prover/tape/index.ts";
import type { LoanTape } from "../../prover/tape/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const opts = { seed: 11, loans: 1500, poolId: 3n, period: 202610 };
const tape = generateSyntheticTape(opts);

function count(t: LoanTape, pred: (l: LoanTape["loans"][number]) => boolean): number {
  return t.loans.filter(pred).length;
}

describe("generateSyntheticTape", () => {
  it("is deterministic: same seed same tape, another seed another tape", () => {
    expect(generateSyntheticTape(opts)).toEqual(tape);
    const other = generateSyntheticTape({ ...opts, seed: 12 });
    expect(other.loans).toHaveLength(1500);
    expect(other).not.toEqual(tape);
    expect(createRng("x").next()).toBe(createRng("x").next());
    expect(createRng("x").next()).not.toBe(createRng("y").next());
  });

  it("produces a valid tape with the requested header", () => {
    expect(validateTape(tape)).toEqual([]);
    expect(tape).toMatchObject({
      poolId: 3n,
      period: 202610,
      asOfDate: isoToDays("2026-10-31"),
      currency: "USD",
    });
    expect(new Set(tape.loans.map((l) => l.loanId)).size).toBe(1500);
  });

  it("has plausible distributions: every status, every delinquency bucket, skewed scores, collateral on some", () => {
    for (const s of Object.values(LoanStatus)) expect(count(tape, (l) => l.status === s)).toBeGreaterThan(5);
    const active = (l: LoanTape["loans"][number]) => l.status <= LoanStatus.Defaulted;
    expect(count(tape, (l) => active(l) && l.daysPastDue >= 30 && l.daysPastDue < 60)).toBeGreaterThan(5);
    expect(count(tape, (l) => active(l) && l.daysPastDue >= 60 && l.daysPastDue < 90)).toBeGreaterThan(5);
    expect(count(tape, (l) => active(l) && l.daysPastDue >= 90)).toBeGreaterThan(5);
    const scores = tape.loans.map((l) => l.creditScore);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...scores)).toBeLessThanOrEqual(850);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeGreaterThan(650);
    expect(mean).toBeLessThan(740);
    const secured = count(tape, (l) => l.collateralValue > 0n);
    expect(secured).toBeGreaterThan(300);
    expect(secured).toBeLessThan(600);
    // Log-normal principals: the median is near 12,000 dollars and the mean above it.
    const p = tape.loans.map((l) => Number(l.originalPrincipal) / 100).sort((a, b) => a - b);
    const median = p[p.length >> 1]!;
    expect(median).toBeGreaterThan(10_000);
    expect(median).toBeLessThan(14_000);
    expect(p.reduce((a, b) => a + b, 0) / p.length).toBeGreaterThan(median);
    // Riskier scores pay more.
    const avgRate = (lo: number, hi: number) => {
      const r = tape.loans
        .filter((l) => l.creditScore >= lo && l.creditScore < hi)
        .map((l) => l.interestRateBps);
      return r.reduce((a, b) => a + b, 0) / r.length;
    };
    expect(avgRate(300, 600)).toBeGreaterThan(avgRate(740, 851) + 1000);
  });

  it("honours rates: no defaults or charge-offs when asked for none; refuses a non-positive size", () => {
    const clean = generateSyntheticTape({
      seed: 5,
      loans: 400,
      defaultRate: 0,
      chargeOffRate: 0,
      delinquencyRate: 0,
    });
    expect(count(clean, (l) => l.status !== LoanStatus.Performing && l.status !== LoanStatus.Repaid)).toBe(0);
    expect(validateTape(clean)).toEqual([]);
    expect(() => generateSyntheticTape({ seed: 1, loans: 0 })).toThrow(CodedError);
  });
});

describe("advancePeriod", () => {
  const next = advancePeriod(tape, { seed: "p2", defaultRate: 0.05 });

  it("is deterministic and valid, one month later, same loans", () => {
    expect(advancePeriod(tape, { seed: "p2", defaultRate: 0.05 })).toEqual(next);
    expect(validateTape(next)).toEqual([]);
    expect(next.period).toBe(202611);
    expect(next.asOfDate).toBe(isoToDays("2026-11-30"));
    expect(next.loans.map((l) => l.loanId)).toEqual(tape.loans.map((l) => l.loanId));
    const dec = advancePeriod({ ...tape, period: 202612, asOfDate: isoToDays("2026-12-31") }, { seed: 1 });
    expect([dec.period, dec.asOfDate]).toEqual([202701, isoToDays("2027-01-31")]);
  });

  it("pays down, rolls, defaults and charges off; losses only grow", () => {
    const pairs = tape.loans.map((l, i) => [l, next.loans[i]!] as const);
    const paidDown = pairs.filter(
      ([a, b]) => a.status === 0 && b.status === 0 && b.outstandingBalance < a.outstandingBalance,
    );
    expect(paidDown.length).toBeGreaterThan(1000);
    expect(
      pairs.filter(([a, b]) => a.status === 0 && b.status === LoanStatus.Delinquent).length,
    ).toBeGreaterThan(10);
    expect(
      pairs.filter(([a, b]) => a.status !== 2 && b.status === LoanStatus.Defaulted).length,
    ).toBeGreaterThan(30);
    expect(
      pairs.filter(([a, b]) => a.status === 2 && b.status === LoanStatus.ChargedOff).length,
    ).toBeGreaterThan(3);
    expect(
      pairs.filter(([a, b]) => a.status === 1 && b.status === 1 && b.daysPastDue > a.daysPastDue).length,
    ).toBeGreaterThan(10);
    for (const [a, b] of pairs) {
      expect(b.chargedOffAmount >= a.chargedOffAmount).toBe(true);
      if (a.status === LoanStatus.Repaid || a.status === LoanStatus.ChargedOff)
        expect(b.status).toBe(a.status);
    }
    const sum = (t: LoanTape, s: number) =>
      t.loans.filter((l) => l.status === s).reduce((x, l) => x + l.outstandingBalance, 0n);
    expect(sum(next, LoanStatus.Defaulted)).toBeGreaterThan(sum(tape, LoanStatus.Defaulted));
  });

  it("with zero rates nothing newly defaults; a non-advancing date is refused", () => {
    const calm = advancePeriod(tape, { seed: 1, defaultRate: 0, missRate: 0, chargeOffRate: 0 });
    expect(count(calm, (l) => l.status === LoanStatus.Defaulted)).toBe(
      count(tape, (l) => l.status === LoanStatus.Defaulted) +
        count(tape, (l) => l.status === LoanStatus.Delinquent && l.daysPastDue + 30 > 180),
    );
    expect(() => advancePeriod(tape, { seed: 1, asOfDate: tape.asOfDate })).toThrow(CodedError);
  });
});
