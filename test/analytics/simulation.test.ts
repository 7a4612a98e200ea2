import { describe, expect, it } from "vitest";
import {
  autoShift,
  binomialPmf,
  compilePool,
  estimateMean,
  homogeneousPoolDistribution,
  simulateLosses,
  simulateLossesParallel,
  SimulationWorkers,
  trancheLoss,
  trancheLossFromDistribution,
  vasicekTrancheLoss,
} from "../../analytics/index.ts";
import type { Estimate, SimulationParams } from "../../analytics/index.ts";

/** 99.9% two-sided normal quantile: the comparisons' stated confidence. */
const Z = 3.2905;
const CONF = 0.999;

function homogeneous(n: number, pd: number, lgd: number) {
  return compilePool({
    exposure: new Float64Array(n).fill(1),
    pd: new Float64Array(n).fill(pd),
    lgd: new Float64Array(n).fill(lgd),
  });
}

function heterogeneous(n: number) {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const pds = [0.004, 0.01, 0.025, 0.05, 0.1, 0.2];
  const exposure = new Float64Array(n);
  const pd = new Float64Array(n);
  const lgd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    exposure[i] = 1000 + 99000 * rnd() ** 3;
    pd[i] = pds[Math.floor(rnd() * pds.length)]!;
    lgd[i] = 0.3 + 0.5 * rnd();
  }
  return compilePool({ exposure, pd, lgd });
}

const within = (e: Estimate, exact: number) => Math.abs(e.value - exact) <= Z * e.stdError + 1e-12;

describe("Monte Carlo against the exact finite homogeneous pool", () => {
  const n = 100;
  const pd = 0.03;
  const rho = 0.2;
  const lgd = 0.6;
  const pool = homogeneous(n, pd, lgd);
  const tranches = [
    [0, 0.04],
    [0.04, 0.11],
    [0.11, 1],
  ] as const;
  const shift = autoShift(pool, rho, 0.11);
  const sim = simulateLosses(pool, { rho, scenarios: 20_000, seed: 11, shift, mix: 0.5 });
  const exact = homogeneousPoolDistribution(n, pd, rho);

  it("matches every tranche's EL and probability of impairment within the 99.9% MC error", () => {
    expect(shift).toBeLessThan(-1);
    for (const [a, d] of tranches) {
      const ex = trancheLossFromDistribution(exact, lgd, a, d);
      expect(
        within(
          estimateMean(sim, (l) => trancheLoss(l, a, d), CONF),
          ex.expectedLoss,
        ),
      ).toBe(true);
      expect(
        within(
          estimateMean(sim, (l) => (l > a + 1e-12 ? 1 : 0), CONF),
          ex.probabilityOfImpairment,
        ),
      ).toBe(true);
    }
  });
  it("fails the same comparison against a wrong correlation or PD (the test can fail)", () => {
    const senior = estimateMean(sim, (l) => trancheLoss(l, 0.11, 1), CONF);
    const wrongRho = trancheLossFromDistribution(homogeneousPoolDistribution(n, pd, 0.3), lgd, 0.11, 1);
    const wrongPd = trancheLossFromDistribution(homogeneousPoolDistribution(n, 0.036, rho), lgd, 0.11, 1);
    expect(within(senior, wrongRho.expectedLoss)).toBe(false);
    expect(within(senior, wrongPd.expectedLoss)).toBe(false);
  });
  it("importance sampling shrinks the senior tranche's standard error, without bias", () => {
    const plain = simulateLosses(pool, { rho, scenarios: 20_000, seed: 11, shift: 0, mix: 0.5 });
    const ex = trancheLossFromDistribution(exact, lgd, 0.11, 1).expectedLoss;
    const eIs = estimateMean(sim, (l) => trancheLoss(l, 0.11, 1), CONF);
    const ePlain = estimateMean(plain, (l) => trancheLoss(l, 0.11, 1), CONF);
    expect(within(ePlain, ex)).toBe(true);
    expect(eIs.stdError).toBeLessThan(ePlain.stdError / 2.5);
    // ignoring the likelihood ratios is biased: the weights are needed
    const unweighted = { ...sim, weight: new Float64Array(sim.weight.length).fill(1) };
    expect(
      within(
        estimateMean(unweighted, (l) => trancheLoss(l, 0.11, 1), CONF),
        ex,
      ),
    ).toBe(false);
  });
});

describe("per-loan PDs (classes of at most SMALL_CLASS loans take the tabulated-quantile path)", () => {
  // 100 loans, PD 3% up to 1e-9 relative, 4 per class: the small-class path; exact law = homogeneous pool
  const n = 100;
  const pd = new Float64Array(n).map((_, i) => 0.03 * (1 + Math.floor(i / 4) * 1e-9));
  const pool = compilePool({ exposure: new Float64Array(n).fill(1), pd, lgd: new Float64Array(n).fill(0.6) });
  it("uses small classes and matches the exact finite pool; fails against a wrong ρ", () => {
    expect(pool.classPd.length).toBe(25);
    const rho = 0.2;
    const sim = simulateLosses(pool, {
      rho,
      scenarios: 20_000,
      seed: 17,
      shift: autoShift(pool, rho, 0.11),
      mix: 0.5,
    });
    const exact = homogeneousPoolDistribution(n, 0.03, rho);
    for (const [a, d] of [
      [0, 0.04],
      [0.04, 0.11],
      [0.11, 1],
    ] as const) {
      const e = estimateMean(sim, (l) => trancheLoss(l, a, d), CONF);
      expect(within(e, trancheLossFromDistribution(exact, 0.6, a, d).expectedLoss)).toBe(true);
    }
    const senior = estimateMean(sim, (l) => trancheLoss(l, 0.11, 1), CONF);
    const wrong = trancheLossFromDistribution(homogeneousPoolDistribution(n, 0.03, 0.3), 0.6, 0.11, 1);
    expect(within(senior, wrong.expectedLoss)).toBe(false);
  });
  it("handles ρ = 0 (binomial mean and variance) and ρ = 1 (all or nothing)", () => {
    const s0 = simulateLosses(pool, { rho: 0, scenarios: 20_000, seed: 4, shift: 0, mix: 0 });
    const k = Array.from(s0.loss, (l) => Math.round((l / 0.6) * n));
    const mean = k.reduce((x, y) => x + y, 0) / k.length;
    const v = k.reduce((x, y) => x + (y - mean) ** 2, 0) / (k.length - 1);
    expect(Math.abs(mean - 3)).toBeLessThan(Z * Math.sqrt(2.91 / k.length));
    expect(Math.abs(v / 2.91 - 1)).toBeLessThan(0.05);
    const s1 = simulateLosses(pool, { rho: 1, scenarios: 5000, seed: 4, shift: 0, mix: 0 });
    expect(s1.loss.every((l) => Math.abs(l) < 1e-12 || Math.abs(l - 0.6) < 1e-9)).toBe(true);
  });
});

describe("known limits", () => {
  it("ρ = 0: the number of defaults is binomial (χ² test), and not binomial with another PD", () => {
    const n = 40;
    const pool = homogeneous(n, 0.1, 1);
    const sim = simulateLosses(pool, { rho: 0, scenarios: 20_000, seed: 5, shift: 0, mix: 0 });
    const counts = new Float64Array(n + 1);
    for (const l of sim.loss) counts[Math.round(l * n)]!++;
    const chi2 = (p: number) => {
      const b = binomialPmf(n, p);
      // pool the bins with expected count below 5 into their neighbours' tails
      let stat = 0;
      let df = -1;
      let oAcc = 0;
      let eAcc = 0;
      for (let k = 0; k <= n; k++) {
        oAcc += counts[k]!;
        eAcc += b[k]! * sim.loss.length;
        if (eAcc >= 5 || k === n) {
          stat += ((oAcc - eAcc) * (oAcc - eAcc)) / Math.max(eAcc, 1e-9);
          df++;
          oAcc = 0;
          eAcc = 0;
        }
      }
      return { stat, df };
    };
    const good = chi2(0.1);
    expect(good.stat).toBeLessThan(good.df + 4.5 * Math.sqrt(2 * good.df));
    const bad = chi2(0.11);
    expect(bad.stat).toBeGreaterThan(bad.df + 4.5 * Math.sqrt(2 * bad.df));
  });
  it("ρ = 1: all-or-nothing, with probability pd of losing everything", () => {
    const pool = homogeneous(50, 0.2, 0.5);
    const sim = simulateLosses(pool, { rho: 1, scenarios: 10_000, seed: 3, shift: 0, mix: 0 });
    let all = 0;
    for (const l of sim.loss) {
      expect(Math.abs(l) < 1e-12 || Math.abs(l - 0.5) < 1e-12).toBe(true);
      if (l > 0.25) all++;
    }
    const p = all / sim.loss.length;
    const se = Math.sqrt((0.2 * 0.8) / sim.loss.length);
    expect(Math.abs(p - 0.2)).toBeLessThan(Z * se);
    // at ρ = 0.5 intermediate losses appear
    const mid = simulateLosses(pool, { rho: 0.5, scenarios: 1000, seed: 3, shift: 0, mix: 0 });
    expect(mid.loss.some((l) => l > 0.01 && l < 0.49)).toBe(true);
  });
  it("large homogeneous pool: tranche ELs match the Vasicek closed form", () => {
    const pd = 0.05;
    const rho = 0.15;
    const lgd = 0.5;
    const pool = homogeneous(2000, pd, lgd);
    const sim = simulateLosses(pool, {
      rho,
      scenarios: 10_000,
      seed: 9,
      shift: autoShift(pool, rho, 0.08),
      mix: 0.5,
    });
    for (const [a, d] of [
      [0, 0.03],
      [0.03, 0.08],
      [0.08, 1],
    ] as const) {
      const lhp = vasicekTrancheLoss(pd, rho, lgd, a, d).expectedLoss;
      const fin = trancheLossFromDistribution(homogeneousPoolDistribution(2000, pd, rho, 1000), lgd, a, d);
      const e = estimateMean(sim, (l) => trancheLoss(l, a, d), CONF);
      expect(within(e, fin.expectedLoss)).toBe(true);
      // LHP differs from the 2000-loan pool only by granularity, far below the MC error here
      expect(Math.abs(e.value - lhp)).toBeLessThan(Z * e.stdError + Math.abs(fin.expectedLoss - lhp));
      expect(Math.abs(fin.expectedLoss - lhp) / lhp).toBeLessThan(0.03);
    }
  });
});

describe("heterogeneous pool, reproducibility and workers", () => {
  const pool = heterogeneous(300);
  const params: SimulationParams = { rho: 0.12, scenarios: 5000, seed: 2024, shift: -1.5, mix: 0.5 };

  it("the weighted mean loss matches the exact expected loss Σ e·pd·lgd / Σ e", () => {
    const sim = simulateLosses(pool, params);
    expect(
      within(
        estimateMean(sim, (l) => l, CONF),
        pool.expectedLoss,
      ),
    ).toBe(true);
    expect(
      within(
        estimateMean(sim, (l) => l, CONF),
        pool.expectedLoss * 1.05,
      ),
    ).toBe(false);
  });
  it("same seed gives identical results; another seed does not; results are pinned", () => {
    const a = simulateLosses(pool, params);
    const b = simulateLosses(pool, params);
    expect(Buffer.from(a.loss.buffer).equals(Buffer.from(b.loss.buffer))).toBe(true);
    const c = simulateLosses(pool, { ...params, seed: 2025 });
    expect(Buffer.from(a.loss.buffer).equals(Buffer.from(c.loss.buffer))).toBe(false);
    const hp = homogeneous(10, 0.3, 1);
    const pinned = simulateLosses(hp, { rho: 0.3, scenarios: 8, seed: 1, shift: 0, mix: 0 });
    expect(Array.from(pinned.loss, (l) => Math.round(l * 10))).toEqual(PINNED);
  });
  it("worker threads give bit-identical results whatever their number", async () => {
    const sync = simulateLosses(pool, { ...params, scenarios: 5 * 1024 + 17 });
    for (const w of [2, 3]) {
      const par = await simulateLossesParallel(pool, { ...params, scenarios: 5 * 1024 + 17 }, w);
      expect(Buffer.from(par.loss.buffer).equals(Buffer.from(sync.loss.buffer))).toBe(true);
      expect(Buffer.from(par.weight.buffer).equals(Buffer.from(sync.weight.buffer))).toBe(true);
    }
    await expect(simulateLossesParallel(pool, params, 0)).rejects.toThrow(/workers/);
  });
  it("a kept-alive worker set runs several simulations, each identical to the in-thread run", async () => {
    const set = new SimulationWorkers(2);
    try {
      for (const p of [params, { ...params, rho: 0.3, seed: 77 }]) {
        const par = await set.run(pool, p);
        expect(Buffer.from(par.loss.buffer).equals(Buffer.from(simulateLosses(pool, p).loss.buffer))).toBe(
          true,
        );
      }
      await expect(set.run(pool, { ...params, rho: 2 })).rejects.toThrow(/rho/);
    } finally {
      await set.close();
    }
    await expect(set.run(pool, params)).rejects.toThrow(/closed/);
  });
  it("rejects bad simulation parameters naming them", () => {
    expect(() => simulateLosses(pool, { ...params, rho: 1.5 })).toThrow(/rho/);
    expect(() => simulateLosses(pool, { ...params, scenarios: 0 })).toThrow(/scenarios/);
    expect(() => simulateLosses(pool, { ...params, seed: -3 })).toThrow(/seed/);
    expect(() => simulateLosses(pool, { ...params, mix: 1 })).toThrow(/mix/);
    expect(() =>
      compilePool({ exposure: new Float64Array([1]), pd: new Float64Array([2]), lgd: new Float64Array([1]) }),
    ).toThrow(/pool\.pd\[0\]/);
  });
});

const PINNED = [5, 6, 4, 2, 1, 3, 5, 6];
