/**
 * Issue 21, item 1: cash-flow projections and their run through the vault's rules, checked against closed
 * forms: level-pay amortisation with no default (the annuity formula), the WAL of a level-pay pool and of a
 * one-tranche vault holding it, the IRR of that tranche (its coupon), and a sequential structure with a
 * deterministic loss that hits junior first with the exact amount, then mezzanine with exactly the rest.
 * Agreement with the contract on the same inputs: projection.contract.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  cdrFromHorizonLoss,
  levelPayment,
  levelPayWal,
  loanFromFigures,
  loansFromTape,
  projectPool,
  projectScenarios,
  projectVault,
} from "../../analytics/index.ts";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { modelParamsFromConfig, type ModelParams } from "../../sdk/index.ts";

const B = 1_000_000_000_000; // 1,000,000.000000 in 6-decimal units
const params = (o: Partial<ModelParams> = {}): ModelParams => ({
  ...modelParamsFromConfig(DEFAULT_VAULT_CONFIG),
  ...o,
});

describe("pool projection: closed forms", () => {
  it("level-pay amortisation with no default or prepayment is the annuity", () => {
    const r = 0.12 / 12;
    const n = 36;
    const p = projectPool([{ balance: B, annualRate: 0.12, remainingMonths: n }]);
    const a = (B * r) / (1 - (1 + r) ** -n);
    expect(p.periods).toHaveLength(n);
    p.periods.forEach((q, i) => {
      const k = i + 1;
      // balance after k payments: B(1+r)^k − A((1+r)^k − 1)/r
      const end = B * (1 + r) ** k - (a * ((1 + r) ** k - 1)) / r;
      expect(q.endBalance).toBeCloseTo(Math.max(0, end), -1);
      expect(q.interest + q.scheduledPrincipal).toBeCloseTo(a, 0);
      expect(q.interest).toBeCloseTo(q.beginBalance * r, 3);
      expect(q.defaults + q.prepayment + q.recovery).toBe(0);
    });
    expect(p.totals.principal).toBeCloseTo(B, 0);
    expect(levelPayment(B, r, n)).toBeCloseTo(a, 3);
    // a wrong rate would not match: the test can fail
    expect(Math.abs(p.periods[0]!.interest - (B * 0.11) / 12)).toBeGreaterThan(1e6);
  });

  it("the WAL of a level-pay pool is n/(1 − (1+r)^−n) − 1/r months, (n+1)/2 at rate 0", () => {
    for (const [rate, n] of [
      [0.12, 36],
      [0.05, 360],
      [0, 24],
    ] as const) {
      const p = projectPool([{ balance: B, annualRate: rate, remainingMonths: n }]);
      expect(Math.abs(p.wal - levelPayWal(rate, n))).toBeLessThan(1e-9);
    }
    expect(levelPayWal(0, 24)).toBe(25 / 24);
    // prepayments shorten it
    const fast = projectPool([{ balance: B, annualRate: 0.12, remainingMonths: 36 }], { cpr: 0.2 });
    expect(fast.wal).toBeLessThan(levelPayWal(0.12, 36) - 0.05);
  });

  it("defaults at a constant CDR follow the monthly default rate, recoveries arrive after the lag", () => {
    const cdr = 0.1;
    const mdr = 1 - (1 - cdr) ** (1 / 12);
    const p = projectPool([{ balance: B, annualRate: 0.1, remainingMonths: 24 }], {
      cdr,
      severity: 0.4,
      recoveryLag: 3,
    });
    expect(p.periods).toHaveLength(27);
    for (const q of p.periods.slice(0, 24)) expect(q.defaults).toBeCloseTo(q.beginBalance * mdr, 3);
    expect(p.periods[3]!.recovery).toBeCloseTo(p.periods[0]!.defaults * 0.6, 3);
    expect(p.periods[2]!.recovery).toBe(0);
    expect(p.totals.loss + p.totals.recovery).toBeCloseTo(p.totals.defaults, 2);
    expect(p.totals.principal + p.totals.defaults).toBeCloseTo(B, 0);
  });

  it("derives the remaining term from an attested scheduled payment", () => {
    const a = levelPayment(B, 0.01, 48);
    const loan = loanFromFigures(
      { outstanding: String(B), scheduled: BigInt(Math.ceil(a)) },
      { annualRate: 0.12 },
    );
    expect(loan.remainingMonths).toBe(48);
    expect(() => loanFromFigures({ outstanding: B, scheduled: 1 }, { annualRate: 0.12 })).toThrow(
      /scheduled/,
    );
  });
});

describe("loan-level data", () => {
  it("projects each open loan of a tape with its own rate and term, and sums them", () => {
    const tape = generateSyntheticTape({ seed: 5, loans: 40, poolId: 1n, asOfDate: 20_400 });
    const loans = loansFromTape(tape.loans, tape.asOfDate);
    const open = tape.loans.filter((l) => l.outstandingBalance > 0n && l.status !== 3 && l.status !== 4);
    expect(loans).toHaveLength(open.length);
    expect(loans[0]!.annualRate).toBe(open[0]!.interestRateBps / 10_000);
    expect(loans[0]!.remainingMonths).toBe(
      Math.max(1, Math.ceil((open[0]!.maturityDate - tape.asOfDate) / (365.25 / 12))),
    );
    const all = projectPool(loans, { cpr: 0.05 });
    const months = all.periods.length;
    const each = loans.map((l) => projectPool([l], { cpr: 0.05 }, months));
    for (const k of [0, 5, months - 1]) {
      const sum = each.reduce((s, p) => s + p.periods[k]!.interest, 0);
      expect(all.periods[k]!.interest).toBeCloseTo(sum, 3);
    }
    expect(all.totals.principal).toBeCloseTo(
      loans.reduce((s, l) => s + l.balance, 0),
      0,
    );
  });
});

describe("the vault's rules on a projection", () => {
  it("a one-tranche vault passes the pool through: same WAL, IRR equal to the coupon", () => {
    const pool = projectPool([{ balance: B, annualRate: 0.12, remainingMonths: 36 }]);
    // coupon 1% per monthly epoch = the pool's 12% a year; no subordination needed
    const v = projectVault({
      pool,
      params: params({ seniorCouponBps: 100n, minSubordinationBps: 0n }),
      tranches: [BigInt(B), 0n, 0n],
      delinquencyPipeline: false,
    });
    const s = v.tranches[0]!;
    expect(Math.abs(s.wal! - levelPayWal(0.12, 36))).toBeLessThan(1e-6);
    expect(Math.abs(s.monthlyIrr! - 0.01)).toBeLessThan(1e-9);
    expect(Math.abs(s.irr! - (1.01 ** 12 - 1))).toBeLessThan(1e-8);
    // principal paid each month is the pool's to a few units (10^-6 of the currency); the coupon's floor
    // rounding leaves about a unit a month to the (empty) junior balance, missing from the last payment
    s.periods.slice(0, -1).forEach((q, i) => {
      const pp = pool.periods[i]!;
      expect(Math.abs(Number(q.principalPaid) - (pp.scheduledPrincipal + pp.prepayment))).toBeLessThan(3);
    });
    expect(Math.abs(Number(s.totalPrincipal) - B)).toBeLessThan(50);
    expect(s.loss).toBe(0n);
    expect(s.firstImpairedMonth).toBeNull();
    // a coupon below the pool rate leaves a residual: the senior IRR is its coupon, not the pool's
    const low = projectVault({
      pool,
      params: params({ seniorCouponBps: 50n, minSubordinationBps: 0n }),
      tranches: [BigInt(B), 0n, 0n],
    });
    expect(Math.abs(low.tranches[0]!.monthlyIrr! - 0.005)).toBeLessThan(1e-9);
  });

  it("a deterministic loss hits junior first with the exact amount, then mezzanine with exactly the rest", () => {
    const n = 24;
    const m = 6;
    const x = 0.3; // annual CDR in month 6 only
    const cdr = Array.from({ length: n }, (_, i) => (i + 1 === m ? x : 0));
    const pool = projectPool([{ balance: B, annualRate: 0, remainingMonths: n }], { cdr, severity: 1 });
    // closed form: rate 0, level principal B/n, so month 6 starts at B(1 − 5/24)
    const d = B * (1 - (m - 1) / n) * (1 - (1 - x) ** (1 / 12));
    expect(pool.periods[m - 1]!.defaults).toBeCloseTo(d, 2);
    const J = 150_000_000_000n;
    const M = 100_000_000_000n;
    const S = BigInt(B) - J - M;
    // no subordination floor, so that a thin junior can be set up
    const run = (tranches: [bigint, bigint, bigint]) =>
      projectVault({
        pool,
        params: params({ minSubordinationBps: 0n }),
        tranches,
        delinquencyPipeline: false,
      }).tranches;
    const [sn, mz, jr] = run([S, M, J]);
    expect(jr!.periods[m - 1]!.pdl).toBe(BigInt(Math.round(d)));
    expect(jr!.periods[m - 2]!.pdl).toBe(0n);
    expect(jr!.firstImpairedMonth).toBe(m);
    expect(jr!.loss).toBe(BigInt(Math.round(d)));
    expect([sn!.firstImpairedMonth, mz!.firstImpairedMonth, sn!.loss, mz!.loss]).toEqual([
      null,
      null,
      0n,
      0n,
    ]);
    // a thinner junior (10,000) is wiped out and mezzanine takes exactly the remainder
    const thin = 10_000_000_000n;
    const [s2, m2, j2] = run([BigInt(B) - thin - M, M, thin]);
    expect(j2!.periods[m - 1]!.pdl).toBe(thin);
    expect(m2!.periods[m - 1]!.pdl).toBe(BigInt(Math.round(d)) - thin);
    expect(s2!.loss).toBe(0n);
    expect(m2!.firstImpairedMonth).toBe(m);
  });

  it("Vasicek paths drive the default rate: tranche losses ordered by seniority, deterministic", () => {
    const input = {
      credit: { groups: [{ count: 400, exposure: String(B), pd: 0.05, lgd: 0.5 }], rho: 0.2 },
      loans: [{ balance: B, annualRate: 0.1, remainingMonths: 36 }],
      assumptions: { cpr: 0.05, recoveryLag: 3 },
      vault: {
        params: params({ seniorCouponBps: 50n, mezzanineCouponBps: 80n }),
        tranches: [750_000_000_000n, 100_000_000_000n, 150_000_000_000n] as [bigint, bigint, bigint],
      },
      paths: 40,
    };
    const a = projectScenarios(input);
    const [s, m, j] = a.tranches;
    expect(j!.expectedLoss).toBeGreaterThan(m!.expectedLoss);
    expect(m!.expectedLoss).toBeGreaterThanOrEqual(s!.expectedLoss);
    expect(j!.probabilityImpaired).toBeGreaterThan(0);
    for (const t of a.tranches) {
      expect(t.probabilityImpaired).toBeLessThanOrEqual(1);
      expect(t.probabilityLoss).toBeLessThanOrEqual(t.probabilityImpaired);
    }
    expect(a.quantilePaths.map((q) => q.horizonLoss)).toEqual(
      [...a.quantilePaths.map((q) => q.horizonLoss)].sort((x, y) => x - y),
    );
    expect(a.quantilePaths[2]!.cdr).toBeCloseTo(
      cdrFromHorizonLoss(a.quantilePaths[2]!.horizonLoss, 0.5, 12),
      12,
    );
    expect(projectScenarios(input).tranches).toEqual(a.tranches);
  });
});

describe("the worked example of docs/ANALYTICS.md", () => {
  it("reproduces its tables", () => {
    const U = 1_000_000;
    const usd = (x: number | bigint) => Math.round(Number(x) / 1e4) / 100;
    const pool = projectPool([{ balance: 1_000_000 * U, annualRate: 0.12, remainingMonths: 36 }], {
      cpr: 0.1,
      cdr: 0.06,
      severity: 0.4,
      recoveryLag: 3,
    });
    const v = projectVault({
      pool,
      params: modelParamsFromConfig({ ...DEFAULT_VAULT_CONFIG, seniorCouponBps: 50, mezzanineCouponBps: 75 }),
      tranches: [750_000n * 1_000_000n, 100_000n * 1_000_000n, 150_000n * 1_000_000n],
    });
    const rows = [0, 1, 2, 3].map((k) => {
      const p = pool.periods[k]!;
      const [s, m, j] = v.tranches.map((t) => t.periods[k]!);
      return [
        p.month,
        ...[p.defaults, p.interest, p.scheduledPrincipal, p.prepayment, p.recovery].map(usd),
        ...[s!.credited, s!.paid, m!.credited, j!.credited].map(usd),
      ];
    });
    expect(rows).toEqual([
      [1, 5_143.01, 9_948.57, 23_094.92, 8_494.77, 0, 3_750, 41_538.25, 750, 305.56],
      [2, 4_954.1, 9_583.13, 23_003.05, 8_176.12, 0, 3_561.06, 40_762.29, 755.63, 312.35],
      [3, 4_768.26, 9_223.66, 22_911.54, 7_862.68, 0, 3_375.05, 39_997.87, 761.29, 319.05],
      [4, 4_585.47, 8_870.06, 22_820.39, 7_554.38, 3_085.81, 3_191.94, 42_330.64, 767, 3_411.46],
    ]);
    expect(
      v.tranches.map((t) => [
        usd(t.totalInterest),
        usd(t.totalPrincipal),
        usd(t.terminalClaim),
        Math.round(t.wal! * 1000) / 1000,
        Math.round(t.irr! * 100_000) / 1000,
        usd(t.loss),
        t.firstImpairedMonth,
      ]),
    ).toEqual([
      [40_885.92, 750_000, 0, 0.909, 6.168, 0, null],
      [30_487, 100_000, 130_487, 3.25, 8.532, 0, null],
      [28_453.32, 150_000, 178_453.32, 3.25, 5.49, 0, null],
    ]);
    expect(v.periods.findIndex((p) => p.triggered) + 1).toBe(13);
    expect(v.tranches[1]!.periods.find((p) => p.deferred !== 0)).toMatchObject({ month: 22, deferred: 3 });
    expect(usd(v.periods.at(-1)!.reserve)).toBe(31_730.65);
    expect(Math.round(pool.wal * 1000) / 1000).toBe(1.426);
    expect([pool.totals.loss, pool.totals.defaults, pool.totals.recovery].map(usd)).toEqual([
      34_295.66, 85_739.14, 51_443.48,
    ]);
  });
});
