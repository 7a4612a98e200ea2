import { describe, expect, it } from "vitest";
import { mix32, normCdf, normInv, normPdf, seedState, Xoshiro128 } from "../../analytics/index.ts";

describe("normal distribution", () => {
  it("matches reference values of Φ", () => {
    // values from R's pnorm
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(-1)).toBeCloseTo(0.158655253931457, 14);
    expect(normCdf(1.96)).toBeCloseTo(0.97500210485178, 14);
    expect(normCdf(-3) / 0.00134989803163009 - 1).toBeLessThan(1e-12);
    expect(Math.abs(normCdf(-5) / 2.86651571879194e-7 - 1)).toBeLessThan(1e-9);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
    expect(normPdf(0)).toBeCloseTo(0.398942280401433, 14);
  });
  it("inverts Φ to double precision (AS241) and rejects probabilities outside [0, 1]", () => {
    expect(normInv(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normInv(0.5)).toBe(0);
    expect(normInv(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    for (const p of [1e-15, 1e-8, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 0.9999]) {
      expect(Math.abs(normCdf(normInv(p)) - p) / Math.min(p, 1 - p)).toBeLessThan(2e-8);
      if (p >= 1e-8) expect(normInv(1 - p)).toBeCloseTo(-normInv(p), 6);
    }
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(-0.1)).toBeNaN();
    expect(normInv(1.1)).toBeNaN();
    expect(normInv(Number.NaN)).toBeNaN();
  });
});

describe("xoshiro128**", () => {
  it("reproduces the reference implementation's outputs for state {1, 2, 3, 4}", () => {
    const g = new Xoshiro128(Uint32Array.from([1, 2, 3, 4]));
    expect([g.nextU32(), g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([11520, 0, 5927040, 70819200]);
  });
  it("pins the seeded streams (portability: same numbers on every machine)", () => {
    expect(Array.from(seedState(42, 0))).toEqual([766130638, 4234264119, 2157433310, 565739018]);
    expect(Array.from(seedState(2 ** 40 + 42, 3))).toEqual([968901972, 3373460544, 4129601872, 2928421638]);
    const g = new Xoshiro128(seedState(42, 0));
    expect([g.nextU32(), g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([
      2537019814, 2643619875, 783006262, 2329218905,
    ]);
  });
  it("gives different streams for different seeds, streams and high seed bits", () => {
    const a = Array.from(seedState(42, 0));
    expect(Array.from(seedState(43, 0))).not.toEqual(a);
    expect(Array.from(seedState(42, 1))).not.toEqual(a);
    expect(Array.from(seedState(42 + 2 ** 32, 0))).not.toEqual(a);
    expect(mix32(1)).not.toBe(mix32(2));
  });
  it("rejects bad seeds and states", () => {
    expect(() => seedState(-1, 0)).toThrow(TypeError);
    expect(() => seedState(1.5, 0)).toThrow(/seed/);
    expect(() => new Xoshiro128(new Uint32Array(3))).toThrow(TypeError);
  });
  it("produces uniforms in (0, 1) with the right moments and no gross bias in 16 bins", () => {
    const g = new Xoshiro128(seedState(7, 0));
    const n = 200_000;
    const bins = new Array(16).fill(0);
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = g.nextUniform();
      if (!(u > 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
      bins[Math.floor(u * 16)]++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.003);
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(0.003);
    const e = n / 16;
    const chi2 = bins.reduce((a, b) => a + ((b - e) * (b - e)) / e, 0);
    expect(chi2).toBeLessThan(37.7); // 99.9% quantile of χ²(15)
  });
});
