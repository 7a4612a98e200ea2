import { describe, expect, it } from "vitest";
import {
  binomialPmf,
  conditionalPd,
  homogeneousPoolDistribution,
  integrateOverFactor,
  trancheLossFromDistribution,
  vasicekLossCdf,
  vasicekTrancheLoss,
} from "../../analytics/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

describe("closed forms", () => {
  it("integrates the conditional PD back to the unconditional PD", () => {
    for (const [pd, rho] of [
      [0.02, 0.1],
      [0.2, 0.5],
      [0.001, 0.3],
    ] as const) {
      expect(integrateOverFactor((z) => conditionalPd(pd, rho, z), [], 4000)).toBeCloseTo(pd, 9);
    }
  });
  it("binomial pmf sums to 1 with the right mean; ρ = 0 gives exactly the binomial", () => {
    const b = binomialPmf(50, 0.1);
    expect(b.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
    expect(b.reduce((a, x, k) => a + k * x, 0)).toBeCloseTo(5, 10);
    expect(b[0]).toBeCloseTo(0.9 ** 50, 15);
    expect(Array.from(homogeneousPoolDistribution(50, 0.1, 0))).toEqual(Array.from(b));
  });
  it("ρ = 1 is all-or-nothing, ρ near 1 approaches it", () => {
    const d = homogeneousPoolDistribution(20, 0.05, 1);
    expect(d[0]).toBeCloseTo(0.95, 15);
    expect(d[20]).toBeCloseTo(0.05, 15);
    expect(d.slice(1, 20).every((x) => x === 0)).toBe(true);
    const near = homogeneousPoolDistribution(20, 0.05, 0.9999);
    expect(near[0]! + near[20]!).toBeGreaterThan(0.98);
    const mid = homogeneousPoolDistribution(20, 0.05, 0.3);
    expect(mid[0]! + mid[20]!).toBeLessThan(0.9);
  });
  it("the finite-pool distribution keeps the mean n·pd and grows its variance with ρ", () => {
    const lo = homogeneousPoolDistribution(100, 0.05, 0.05);
    const hi = homogeneousPoolDistribution(100, 0.05, 0.4);
    const mean = (d: Float64Array) => d.reduce((a, x, k) => a + k * x, 0);
    const v = (d: Float64Array) => d.reduce((a, x, k) => a + k * k * x, 0) - mean(d) ** 2;
    expect(mean(lo)).toBeCloseTo(5, 6);
    expect(mean(hi)).toBeCloseTo(5, 6);
    expect(v(hi)).toBeGreaterThan(3 * v(lo));
  });
  it("Vasicek LHP CDF: a distribution with mean lgd·pd, and its limits", () => {
    const pd = 0.03;
    const rho = 0.2;
    let mean = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) mean += (1 - vasicekLossCdf((i + 0.5) / n, pd, rho, 1)) / n;
    expect(mean).toBeCloseTo(pd, 5);
    expect(vasicekLossCdf(0.01, 0.02, 0, 1)).toBe(0);
    expect(vasicekLossCdf(0.03, 0.02, 0, 1)).toBe(1);
    expect(vasicekLossCdf(0.5, 0.02, 1, 1)).toBeCloseTo(0.98, 15);
    expect(() => vasicekLossCdf(0.1, 1.2, 0.2)).toThrow(CodedError);
    expect(() => vasicekLossCdf(0.1, 0.1, -0.2)).toThrow(/rho/);
  });
  it("LHP tranche ELs add up to the pool EL and match a large finite pool", () => {
    const pd = 0.03;
    const rho = 0.2;
    const lgd = 0.6;
    const cuts = [0, 0.03, 0.07, 0.15, 1];
    let total = 0;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const t = vasicekTrancheLoss(pd, rho, lgd, cuts[i]!, cuts[i + 1]!);
      total += t.expectedLoss * (cuts[i + 1]! - cuts[i]!);
    }
    expect(total).toBeCloseTo(pd * lgd, 8);
    const big = homogeneousPoolDistribution(4000, pd, rho, 1000);
    const lhp = vasicekTrancheLoss(pd, rho, lgd, 0.07, 0.15);
    const fin = trancheLossFromDistribution(big, lgd, 0.07, 0.15);
    expect(Math.abs(lhp.expectedLoss - fin.expectedLoss) / lhp.expectedLoss).toBeLessThan(0.01);
    // a small pool is visibly different (granularity): the comparison can fail
    const small = trancheLossFromDistribution(homogeneousPoolDistribution(20, pd, rho), lgd, 0.07, 0.15);
    expect(Math.abs(lhp.expectedLoss - small.expectedLoss) / lhp.expectedLoss).toBeGreaterThan(0.05);
  });
  it("rejects invalid tranche points", () => {
    expect(() => vasicekTrancheLoss(0.03, 0.2, 1, 0.2, 0.1)).toThrow(CodedError);
  });
});
