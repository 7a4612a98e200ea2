import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import {
  AnalysisInputSchema,
  AnalysisReportSchema,
  analysisFromFigures,
  analyzePool,
  analyzePoolAsync,
  DEFAULT_PD_TABLE,
  formatReport,
  formatStressTable,
  homogeneousPoolDistribution,
  pdFromTable,
  trancheLossFromDistribution,
  unpackFigures,
} from "../../analytics/index.ts";
import type { AnalysisInput } from "../../analytics/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const tranches = [
  { name: "equity", attachment: 0, detachment: 0.05 },
  { name: "mezzanine", attachment: 0.05, detachment: 0.15 },
  { name: "senior", attachment: 0.15, detachment: 1 },
];
const base: AnalysisInput = {
  groups: [{ count: 400, exposure: "40000000", pd: 0.03, lgd: 0.6 }],
  rho: 0.2,
  tranches,
  simulation: { scenarios: 8000, seed: 3 },
  sizing: { seniorTargetEL: 0.001, mezzanineTargetEL: 0.02, basis: "estimate" },
};
const report = analyzePool(base);

describe("analyzePool", () => {
  it("returns a report that satisfies the schema, also after a JSON round trip", () => {
    expect(Value.Check(AnalysisReportSchema, report)).toBe(true);
    expect(Value.Check(AnalysisReportSchema, JSON.parse(JSON.stringify(report)))).toBe(true);
    const broken = JSON.parse(JSON.stringify(report));
    delete broken.tranches[0].expectedLoss;
    expect(Value.Check(AnalysisReportSchema, broken)).toBe(false);
    expect(Value.Check(AnalysisInputSchema, base)).toBe(true);
    expect(report.pool.totalExposure).toBe("40000000");
    expect(report.pool.loanCount).toBe(400);
    expect(report.pool.expectedLoss).toBeCloseTo(0.018, 12);
  });
  it("matches the exact finite-pool tranche ELs within the stated confidence interval", () => {
    const dist = homogeneousPoolDistribution(400, 0.03, 0.2);
    for (const t of report.tranches) {
      const ex = trancheLossFromDistribution(dist, 0.6, t.attachment, t.detachment).expectedLoss;
      const z = 3.2905 / 1.96; // stretch the reported 95% interval to 99.9%
      const half = ((t.expectedLoss.ciHigh - t.expectedLoss.ciLow) / 2) * z;
      expect(Math.abs(t.expectedLoss.value - ex)).toBeLessThan(half);
      expect(t.expectedLoss.ciLow).toBeLessThanOrEqual(t.expectedLoss.value);
    }
    // the senior tranche's probability of impairment and expected shortfall are ordered sensibly
    const senior = report.tranches[2]!;
    expect(senior.expectedShortfall).toBeGreaterThan(senior.expectedLoss.value);
    expect(senior.lossGivenImpairment).toBeCloseTo(
      senior.expectedLoss.value / senior.probabilityOfImpairment.value,
      12,
    );
  });
  it("sizes the senior tranche where the exact EL meets the target", () => {
    const s = report.sizing!;
    const dist = homogeneousPoolDistribution(400, 0.03, 0.2);
    const exactAt = trancheLossFromDistribution(dist, 0.6, s.seniorAttachment, 1).expectedLoss;
    expect(Math.abs(exactAt - 0.001)).toBeLessThan(3.3 * s.seniorExpectedLoss.stdError);
    expect(s.seniorExpectedLoss.value).toBeLessThanOrEqual(0.001);
    expect(s.mezzanineExpectedLoss.value).toBeLessThanOrEqual(0.02);
    expect(s.equitySize + s.mezzanineSize + s.seniorSize).toBeCloseTo(1, 12);
    // a tighter target needs more subordination; the upper-bound basis is more conservative
    const tight = analyzePool({
      ...base,
      sizing: { seniorTargetEL: 0.0002, mezzanineTargetEL: 0.02, basis: "estimate" },
    });
    expect(tight.sizing!.seniorAttachment).toBeGreaterThan(s.seniorAttachment);
    const ub = analyzePool({ ...base, sizing: { seniorTargetEL: 0.001, mezzanineTargetEL: 0.02 } });
    expect(ub.sizing!.basis).toBe("upperBound");
    expect(ub.sizing!.seniorAttachment).toBeGreaterThan(s.seniorAttachment);
  });
  it("reports sensitivities with the expected signs", () => {
    const senior = report.tranches[2]!.sensitivities!;
    const equity = report.tranches[0]!.sensitivities!;
    expect(senior.rho.expectedLoss).toBeGreaterThan(0);
    expect(senior.pdMultiplier.expectedLoss).toBeGreaterThan(0);
    expect(equity.rho.expectedLoss).toBeLessThan(0);
    expect(equity.pdMultiplier.expectedLoss).toBeGreaterThan(0);
    // compare the senior dEL/dρ with the exact finite-pool central difference
    const el = (rho: number) =>
      trancheLossFromDistribution(homogeneousPoolDistribution(400, 0.03, rho), 0.6, 0.15, 1).expectedLoss;
    const exact = (el(0.21) - el(0.19)) / 0.02;
    expect(Math.abs(senior.rho.expectedLoss / exact - 1)).toBeLessThan(0.3);
    expect(analyzePool({ ...base, sensitivities: false, stress: [] }).tranches[0]!.sensitivities).toBeNull();
  });
  it("builds a stress table where every stress hurts the senior tranche", () => {
    const rows = report.stress;
    expect(rows.map((r) => r.name)).toEqual([
      "base",
      "PD x2",
      "rho +0.10",
      "recoveries -50%",
      "historical-style (2008-09 consumer credit)",
    ]);
    const seniorOf = (i: number) => rows[i]!.tranches[2]!.expectedLoss;
    for (let i = 1; i < rows.length; i++) expect(seniorOf(i)).toBeGreaterThan(seniorOf(0));
    expect(rows[1]!.poolExpectedLoss).toBeGreaterThan(1.8 * rows[0]!.poolExpectedLoss);
    expect(rows[3]!.poolExpectedLoss).toBeCloseTo(rows[0]!.poolExpectedLoss * (0.8 / 0.6), 2);
    expect(rows[0]!.tranches[2]!.expectedLoss).toBe(report.tranches[2]!.expectedLoss.value);
  });
  it("draws a histogram whose mass sums to one, with the tranche boundaries", () => {
    const h = report.histogram;
    expect(h.edges.length).toBe(h.probability.length + 1);
    expect(h.probability.reduce((a, b) => a + b, 0) + h.tailProbability).toBeCloseTo(1, 12);
    expect(h.maxLoss).toBeGreaterThanOrEqual(0.15);
    expect(h.tranches.map((t) => t.attachment)).toEqual([0, 0.05, 0.15]);
    expect(h.var999).toBeGreaterThanOrEqual(h.var99);
  });
  it("is reproducible and identical on worker threads", async () => {
    const small: AnalysisInput = { ...base, simulation: { scenarios: 3000, seed: 9 }, stress: [] };
    const a = analyzePool(small);
    expect(analyzePool(small)).toEqual(a);
    expect(await analyzePoolAsync(small, { workers: 2 })).toEqual(a);
    expect(analyzePool({ ...small, simulation: { scenarios: 3000, seed: 10 } })).not.toEqual(a);
    await expect(analyzePoolAsync({ ...small, rho: 3 }, { workers: 2 })).rejects.toThrow(CodedError);
  });
  it("derives PD from the table and LGD from collateral or the recovery rate", () => {
    const r = analyzePool({
      loans: [
        { exposure: 1000, score: 720, daysPastDue: 0 },
        { exposure: 1000, score: 720, daysPastDue: 45, collateral: 1000 },
        { exposure: 1000, score: 450, defaulted: true },
      ],
      tranches: [{ name: "all", attachment: 0, detachment: 1 }],
      simulation: { scenarios: 1000 },
      sensitivities: false,
      stress: [],
    });
    expect(pdFromTable(DEFAULT_PD_TABLE, 720, 0)).toBe(0.01);
    const pdw = (0.01 + 0.16 + 1) / 3;
    expect(r.pool.weightedAveragePd).toBeCloseTo(pdw, 12);
    // LGDs: 0.6 (recovery 40%), max(0.1, 1 − 1000·0.8/1000) = 0.2, 0.6
    expect(r.pool.weightedAverageLgd).toBeCloseTo((0.6 + 0.2 + 0.6) / 3, 12);
    expect(r.pool.expectedLoss).toBeCloseTo((0.01 * 0.6 + 0.16 * 0.2 + 0.6) / 3, 12);
  });
});

describe("input validation names the parameter", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["rho above 1", { ...base, rho: 1.5 }, /^rho/],
    [
      "detachment below attachment",
      { ...base, tranches: [tranches[0], { name: "x", attachment: 0.3, detachment: 0.2 }] },
      /^tranches\[1\]\.detachment/,
    ],
    ["no loans", { tranches }, /^loans/],
    ["no pd nor score", { tranches, loans: [{ exposure: 5 }] }, /^loans\[0\]\.pd/],
    ["bad amount", { tranches, loans: [{ exposure: "12a", pd: 0.1 }] }, /^loans\[0\]\.exposure/],
    ["negative amount", { tranches, loans: [{ exposure: -1, pd: 0.1 }] }, /^loans\[0\]\.exposure/],
    ["unknown field", { ...base, colour: "red" }, /colour|input/],
    ["bad scenarios", { ...base, simulation: { scenarios: 0 } }, /^simulation\.scenarios/],
    ["duplicate tranche names", { ...base, tranches: [tranches[0], tranches[0]] }, /^tranches/],
    ["zero exposure", { tranches, loans: [{ exposure: 0, pd: 0.1 }] }, /^loans/],
    [
      "bad pd table",
      { ...base, pdTable: { horizonMonths: 12, scoreBands: [0, 600], pd: [[0.1, 0.2, 0.3, 0.4]] } },
      /^pdTable\.pd/,
    ],
    ["not an object", 42, /^input/],
  ];
  for (const [what, input, re] of bad) {
    it(`rejects ${what}`, () => {
      let err: unknown;
      try {
        analyzePool(input as AnalysisInput);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CodedError);
      expect((err as CodedError).code).toBe("invalid-input");
      expect((err as Error).message).toMatch(re);
    });
  }
});

describe("analysis from attested figures", () => {
  const figures = {
    outstanding: 10_000_000n,
    bucket30: 300_000n,
    bucket60: 100_000n,
    bucket90: 150_000n,
    defaulted: 200_000n,
    scoreWeightedBalance: 10_000_000n * 690n + 12345n,
    maxLoanBalance: 60_000n,
    activeCount: 500,
    minScore: 540,
  };
  it("splits the pool into delinquency groups, taking defaulted balance from the most delinquent first", () => {
    const input = analysisFromFigures(figures, { tranches, rho: 0.1 });
    const byName = Object.fromEntries(input.groups!.map((g) => [g.name, g]));
    expect(byName.current!.exposure).toBe("9450000");
    expect(byName.dpd30!.exposure).toBe("300000");
    expect(byName.dpd60!.exposure).toBe("50000");
    expect(byName.dpd90).toBeUndefined();
    expect(byName.defaulted).toMatchObject({ exposure: "200000", defaulted: true });
    expect(byName.current!.score).toBe(690);
    expect(input.rho).toBe(0.1);
    const r = analyzePool({ ...input, simulation: { scenarios: 2000 }, sensitivities: false, stress: [] });
    expect(r.pool.totalExposure).toBe("10000000");
    expect(r.pool.loanCount).toBe(500);
    expect(Value.Check(AnalysisReportSchema, r)).toBe(true);
    // conservative choices: minimum score raises PDs, fewest loans keeps the expected loss
    const cons = analysisFromFigures(figures, {
      tranches,
      scoreBasis: "minimum",
      granularity: "conservative",
    });
    expect(cons.groups![0]!.score).toBe(540);
    expect(cons.groups![0]!.count).toBe(Math.ceil(9_450_000 / 60_000));
  });
  it("unpacks the attestation's packed public signals", () => {
    const figA = 10_000_000n | (9n << 62n) | (8n << 124n) | (300_000n << 186n);
    const figB = 100_000n | (150_000n << 62n) | (200_000n << 124n) | (7n << 186n);
    const figC = 6_900_000_000n | (60_000n << 72n) | (500n << 120n) | (540n << 144n) | (5n << 154n);
    expect(unpackFigures(figA, figB, figC)).toEqual({
      outstanding: 10_000_000n,
      scheduled: 9n,
      collected: 8n,
      chargedOff: 7n,
      bucket30: 300_000n,
      bucket60: 100_000n,
      bucket90: 150_000n,
      defaulted: 200_000n,
      scoreWeightedBalance: 6_900_000_000n,
      maxLoanBalance: 60_000n,
      activeCount: 500,
      minScore: 540,
      breaches: 5,
    });
  });
  it("rejects inconsistent figures naming the figure", () => {
    expect(() => analysisFromFigures({ ...figures, bucket30: 9_900_000n }, { tranches })).toThrow(
      /figures\.bucket30/,
    );
    expect(() => analysisFromFigures({ ...figures, activeCount: 0 }, { tranches })).toThrow(
      /figures\.activeCount/,
    );
    expect(() => analysisFromFigures({ ...figures, outstanding: -5n }, { tranches })).toThrow(
      /figures\.outstanding/,
    );
    expect(() => analysisFromFigures({ ...figures, maxLoanBalance: 1000n }, { tranches })).toThrow(
      /maxLoanBalance/,
    );
    expect(() => analysisFromFigures({ ...figures, scoreWeightedBalance: 1n }, { tranches })).toThrow(
      /scoreWeightedBalance/,
    );
  });
});

describe("text rendering", () => {
  it("renders the tranche and stress tables", () => {
    const text = formatReport(report);
    expect(text).toContain("| senior | 15.00% | 100.00% |");
    expect(text).toContain("Sizing (point estimate under target)");
    const stress = formatStressTable(report);
    expect(stress.split("\n")).toHaveLength(2 + report.stress.length);
    expect(stress).toContain("| PD x2 | 2 |");
  });
});
