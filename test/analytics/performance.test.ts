/**
 * Realised performance from consecutive attestations (building block of issue 21's investor report): on the
 * attestations a projection produces for known CDR and CPR, the realised CDR and CPR come back (to the
 * rounding of integer figures), every delinquent bucket rolls (the pipeline's construction), collections above
 * schedule are explained by prepayments and recoveries; and a hand-computed example.
 */
import { describe, expect, it } from "vitest";
import { projectPool, projectVault, realisedPerformance } from "../../analytics/index.ts";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import { modelParamsFromConfig } from "../../sdk/index.ts";

describe("realised performance", () => {
  it("recovers the CDR and CPR a projection was made with, from its attestations alone", () => {
    const pool = projectPool([{ balance: 5e12, annualRate: 0.09, remainingMonths: 60 }], {
      cdr: 0.08,
      cpr: 0.15,
      severity: 0.5,
      recoveryLag: 2,
    });
    const v = projectVault({
      pool,
      params: modelParamsFromConfig(DEFAULT_VAULT_CONFIG),
      tranches: [3_750_000_000_000n, 500_000_000_000n, 750_000_000_000n],
    });
    const atts = [v.start, ...v.periods.map((p) => p.attestation)];
    for (const k of [1, 2, 12, 30]) {
      const r = realisedPerformance(atts[k - 1]!.figures, atts[k]!.figures, { annualRate: 0.09 });
      expect(r.cdr).toBeCloseTo(0.08, 8);
      expect(r.cpr!).toBeCloseTo(0.15, 6);
      expect(r.rollRates.d30To60).toBe(1);
      expect(r.rollRates.d60To90).toBe(1);
      expect(r.rollRates.d90ToDefault).toBe(1);
      expect(r.collectionRatio!).toBeGreaterThan(1);
      expect(r.severity).toBeNull();
    }
    // without a rate there is no CPR; with a wrong one it is off (the check can fail)
    expect(realisedPerformance(atts[1]!.figures, atts[2]!.figures).cpr).toBeNull();
    const wrong = realisedPerformance(atts[1]!.figures, atts[2]!.figures, { annualRate: 0.05 });
    expect(Math.abs(wrong.cpr! - 0.15)).toBeGreaterThan(0.005);
  });

  it("computes a hand example", () => {
    const prev = {
      outstanding: 1_000_000n,
      scheduled: 30_000n,
      collected: 30_000n,
      bucket30: 20_000n,
      bucket60: 10_000n,
      bucket90: 5_000n,
      defaulted: 0n,
      chargedOff: 0n,
    };
    const cur = {
      outstanding: 950_000n,
      scheduled: 30_000n,
      collected: 42_300n,
      bucket30: 19_000n,
      bucket60: 8_000n,
      bucket90: 6_000n,
      defaulted: 1_000n,
      chargedOff: 4_000n,
    };
    const r = realisedPerformance(prev, cur, { annualRate: 0.12 });
    expect(r.newChargeOffs).toBe(4_000n);
    expect(r.principalReduction).toBe(46_000n);
    expect(r.mdr).toBe(0.004);
    expect(r.cdr).toBeCloseTo(1 - 0.996 ** 12, 15);
    // S = 30,000 − 996,000 × 1% = 20,040; V = 46,000 − 20,040 = 25,960; SMM = 25,960 / (996,000 − 20,040)
    expect(r.scheduledPrincipal).toBeCloseTo(20_040, 9);
    expect(r.prepaid).toBeCloseTo(25_960, 9);
    expect(r.smm).toBeCloseTo(25_960 / 975_960, 15);
    expect(r.collectionRatio).toBe(1.41);
    expect(r.rollRates).toEqual({
      currentTo30: 19_000 / 965_000,
      d30To60: 0.4,
      d60To90: 0.6,
      d90ToDefault: 1,
    });
    expect(() => realisedPerformance(cur, prev)).toThrow(/cumulative/);
  });
});
