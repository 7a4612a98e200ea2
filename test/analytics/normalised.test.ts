/**
 * Issue 21, item 2: importance-sampling estimates are self-normalised, so a probability stays in [0, 1]. The
 * plain average of w·f (unbiased, not normalised) read a junior P(impairment) above 100%; the self-normalised
 * estimate must stay in [0, 1] and agree, within its error, with the exact finite-pool value and with a plain
 * Monte Carlo run (unit weights) of the same pool, for a tranche far below the expected loss and one far above.
 */
import { describe, expect, it } from "vitest";
import {
  autoShift,
  compilePool,
  estimateMean,
  estimateMeanUnnormalised,
  homogeneousPoolDistribution,
  simulateLosses,
  trancheLossFromDistribution,
} from "../../analytics/index.ts";

const CONF = 0.999;
const Z = 3.2905;

function pool(n: number, pd: number, lgd: number) {
  return compilePool({
    exposure: new Float64Array(n).fill(1),
    pd: new Float64Array(n).fill(pd),
    lgd: new Float64Array(n).fill(lgd),
  });
}

describe("self-normalised importance sampling", () => {
  const n = 1000;
  const pd = 0.05;
  const lgd = 0.6;
  const rho = 0.15;
  const p = pool(n, pd, lgd);
  // the shift aims at a senior attachment of 30%, far above the pool's expected loss of 3%
  const shift = autoShift(p, rho, 0.3);
  const is = simulateLosses(p, { rho, scenarios: 20_000, seed: 1, shift, mix: 0.5 });
  const plain = simulateLosses(p, { rho, scenarios: 20_000, seed: 101, shift: 0, mix: 0 });
  const exact = homogeneousPoolDistribution(n, pd, rho);
  const hit = (a: number) => (l: number) => (l > a + 1e-12 ? 1 : 0);

  it("keeps a junior tranche's P(impairment) in [0, 1] where the unnormalised average exceeds 1", () => {
    expect(shift).toBeLessThan(-3);
    const raw = estimateMeanUnnormalised(is, hit(0));
    // the defect of issue 21: this seed's plain weighted average reads above 100%
    expect(raw.value).toBeGreaterThan(1);
    const sn = estimateMean(is, hit(0), CONF);
    expect(sn.value).toBeGreaterThanOrEqual(0);
    expect(sn.value).toBeLessThanOrEqual(1);
    expect(sn.ciHigh).toBeLessThanOrEqual(1);
    const ex = trancheLossFromDistribution(exact, lgd, 0, 0.02).probabilityOfImpairment;
    expect(Math.abs(sn.value - ex)).toBeLessThan(Z * sn.stdError + 1e-12);
    const mc = estimateMean(plain, hit(0), CONF);
    expect(Math.abs(sn.value - mc.value)).toBeLessThan(Z * Math.hypot(sn.stdError, mc.stdError));
    // and the self-normalised error is the honest one: far smaller than the raw average's
    expect(sn.stdError).toBeLessThan(raw.stdError / 5);
  });

  it("agrees with plain Monte Carlo and the exact value for a tranche far above the expected loss", () => {
    const a = 0.2;
    const sn = estimateMean(is, hit(a), CONF);
    const ex = trancheLossFromDistribution(exact, lgd, a, 1).probabilityOfImpairment;
    expect(ex).toBeGreaterThan(1e-4);
    expect(ex).toBeLessThan(0.01);
    expect(sn.value).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sn.value - ex)).toBeLessThan(Z * sn.stdError);
    const big = simulateLosses(p, { rho, scenarios: 100_000, seed: 7, shift: 0, mix: 0 });
    const mc = estimateMean(big, hit(a), CONF);
    expect(Math.abs(sn.value - mc.value)).toBeLessThan(Z * Math.hypot(sn.stdError, mc.stdError));
    const el = estimateMean(is, (l) => Math.min(Math.max(l - a, 0), 1 - a) / (1 - a), CONF);
    expect(Math.abs(el.value - trancheLossFromDistribution(exact, lgd, a, 1).expectedLoss)).toBeLessThan(
      Z * el.stdError,
    );
  });

  it("detects a wrong answer (the comparison can fail)", () => {
    const ex = trancheLossFromDistribution(homogeneousPoolDistribution(n, pd * 1.5, rho), lgd, 0.2, 1);
    const sn = estimateMean(is, hit(0.2), CONF);
    expect(Math.abs(sn.value - ex.probabilityOfImpairment)).toBeGreaterThan(Z * sn.stdError);
  });
});
