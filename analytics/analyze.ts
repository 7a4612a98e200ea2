/**
 * `analyzePool`: the SDK's one-call tranche analysis (validation, PD/LGD derivation, simulation with
 * importance sampling, tranche metrics, sensitivities, sizing, stress table, histogram).
 *
 * The analysis is written once as a generator that yields the simulations it needs; `analyzePool` runs them
 * in the calling thread and `analyzePoolAsync` (analytics/async.ts) on worker threads, with identical
 * results. This file and its imports use no Node API, so they also run in a browser.
 */
import { Value } from "@sinclair/typebox/value";
import { normCdf } from "./normal.ts";
import {
  checkPdTable,
  DEFAULT_COLLATERAL_HAIRCUT,
  DEFAULT_PD_TABLE,
  DEFAULT_RECOVERY_RATE,
  lgdFromCollateral,
  pdFromTable,
} from "./pd-table.ts";
import type { PdTable } from "./pd-table.ts";
import { compilePool } from "./pool.ts";
import type { CompiledPool, PoolArrays } from "./pool.ts";
import { AnalysisInputSchema } from "./schema.ts";
import type { AnalysisInput, AnalysisReport, StressRow, StressScenario, TrancheReport } from "./schema.ts";
import { BLOCK_SIZE, simulateLosses } from "./simulate.ts";
import type { SimulationParams, SimulationResult } from "./simulate.ts";
import {
  checkTranche,
  estimateMean,
  expectedShortfall,
  lossHistogram,
  lossOrder,
  lossQuantile,
  sizeTranches,
  trancheMetrics,
} from "./tranche.ts";
import type { Tranche, TrancheMetrics } from "./tranche.ts";
import { invalid } from "../verifier-api/web/errors.js";

/** Defaults of the optional inputs. */
export const ANALYSIS_DEFAULTS = {
  rho: 0.15,
  scenarios: 20_000,
  seed: 1,
  importanceMix: 0.5,
  confidence: 0.95,
  esLevel: 0.99,
  histogramBins: 50,
  /** Finite-difference steps of the sensitivities: ρ ± 0.01, PD × (1 ± 0.05). */
  rhoStep: 0.01,
  pdStep: 0.05,
} as const;

/** Stress scenarios used when `AnalysisInput.stress` is omitted (see docs/ANALYTICS.md). */
export const DEFAULT_STRESS_SCENARIOS: StressScenario[] = [
  { name: "base" },
  { name: "PD x2", pdMultiplier: 2 },
  { name: "rho +0.10", rhoAdd: 0.1 },
  { name: "recoveries -50%", recoveryMultiplier: 0.5 },
  {
    name: "historical-style (2008-09 consumer credit)",
    pdMultiplier: 3,
    rhoAdd: 0.1,
    recoveryMultiplier: 0.6,
  },
];

/** Largest number of loan entries (a group of n loans counts n). */
export const MAX_LOANS = 2_000_000;

/** Parses an amount (number ≥ 0 or decimal string); returns the number and, if integral, the bigint. */
export function parseAmount(v: unknown, name: string): { value: number; exact: bigint | null } {
  if (typeof v === "string") {
    if (!/^[0-9]{1,30}$/.test(v)) throw invalid(name, "must be a decimal string of digits");
    const exact = BigInt(v);
    return { value: Number(exact), exact };
  }
  if (typeof v === "bigint") {
    if (v < 0n) throw invalid(name, "must not be negative");
    return { value: Number(v), exact: v };
  }
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw invalid(name, "must be a finite non-negative number or a decimal string");
  }
  return { value: v, exact: Number.isSafeInteger(v) ? BigInt(v) : null };
}

/**
 * Validates an analysis input against the schema and the rules the schema cannot express. Throws a
 * TypeError whose message starts with the offending parameter's path (e.g. `tranches[1].detachment`).
 */
export function validateAnalysisInput(input: unknown): asserts input is AnalysisInput {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalid("input", "must be an object");
  }
  const first = Value.Errors(AnalysisInputSchema, input).First();
  if (first) {
    const path = first.path
      .split("/")
      .filter((s) => s.length > 0)
      .map((s) => (/^[0-9]+$/.test(s) ? `[${s}]` : `.${s}`))
      .join("")
      .replace(/^\./, "");
    throw invalid(path || "input", first.message);
  }
  const inp = input as AnalysisInput;
  const loans = (inp.loans?.length ?? 0) + (inp.groups ?? []).reduce((s, g) => s + g.count, 0);
  if (loans === 0) throw invalid("loans", "at least one loan or group is required");
  if (loans > MAX_LOANS) throw invalid("loans", `at most ${MAX_LOANS} loans (groups count their loans)`);
  inp.tranches.forEach((t, i) => checkTranche(t, `tranches[${i}]`));
  const names = new Set(inp.tranches.map((t) => t.name));
  if (names.size !== inp.tranches.length) throw invalid("tranches", "names must be unique");
  if (inp.pdTable) checkPdTable(inp.pdTable);
  const needsTable = (x: { pd?: number; score?: number; defaulted?: boolean }, name: string): void => {
    if (x.pd === undefined && x.score === undefined && !x.defaulted) {
      throw invalid(`${name}.pd`, "give pd, or score (and daysPastDue) to look it up in the PD table");
    }
  };
  inp.loans?.forEach((l, i) => needsTable(l, `loans[${i}]`));
  inp.groups?.forEach((g, i) => needsTable(g, `groups[${i}]`));
}

/** The pool arrays of an input (PD from the table when not given, LGD from collateral or recovery rate). */
export function poolArraysFromInput(input: AnalysisInput): {
  arrays: PoolArrays;
  totalExposure: string;
} {
  const table: PdTable = input.pdTable ?? DEFAULT_PD_TABLE;
  const recovery = input.recoveryRate ?? DEFAULT_RECOVERY_RATE;
  const haircut = input.collateralHaircut ?? DEFAULT_COLLATERAL_HAIRCUT;
  const n = (input.loans?.length ?? 0) + (input.groups ?? []).reduce((s, g) => s + g.count, 0);
  const exposure = new Float64Array(n);
  const pd = new Float64Array(n);
  const lgd = new Float64Array(n);
  let exact: bigint | null = 0n;
  let approx = 0;
  let j = 0;
  type Item = NonNullable<AnalysisInput["loans"]>[number];
  const derive = (x: Item, amount: number, name: string): [number, number] => {
    const p = x.pd ?? pdFromTable(table, x.score ?? 0, x.daysPastDue ?? 0, x.defaulted ?? false);
    let g = x.lgd;
    if (g === undefined) {
      g =
        x.collateral !== undefined
          ? lgdFromCollateral(amount, parseAmount(x.collateral, `${name}.collateral`).value, haircut)
          : 1 - recovery;
    }
    return [x.defaulted ? 1 : p, g];
  };
  input.loans?.forEach((l, i) => {
    const a = parseAmount(l.exposure, `loans[${i}].exposure`);
    exact = exact !== null && a.exact !== null ? exact + a.exact : null;
    approx += a.value;
    const [p, g] = derive(l, a.value, `loans[${i}]`);
    exposure[j] = a.value;
    pd[j] = p;
    lgd[j] = g;
    j++;
  });
  input.groups?.forEach((grp, i) => {
    const a = parseAmount(grp.exposure, `groups[${i}].exposure`);
    exact = exact !== null && a.exact !== null ? exact + a.exact : null;
    approx += a.value;
    const each = a.value / grp.count;
    // a group's collateral is the group's total, so the LGD uses the group's total exposure
    const [p, g] = derive(grp, a.value, `groups[${i}]`);
    for (let k = 0; k < grp.count; k++) {
      exposure[j] = each;
      pd[j] = p;
      lgd[j] = g;
      j++;
    }
  });
  if (!(approx > 0)) throw invalid("loans", "total exposure must be positive");
  return { arrays: { exposure, pd, lgd }, totalExposure: exact !== null ? String(exact) : String(approx) };
}

/** Applies a stress scenario to pool arrays: PD × m (capped at 1), recovery × r (LGD = 1 − (1 − LGD)·r). */
export function stressArrays(arrays: PoolArrays, s: StressScenario): PoolArrays {
  const m = s.pdMultiplier ?? 1;
  const r = s.recoveryMultiplier ?? 1;
  return {
    exposure: arrays.exposure,
    pd: arrays.pd.map((p) => Math.min(1, p * m)),
    lgd: arrays.lgd.map((g) => Math.min(1, Math.max(0, 1 - (1 - g) * r))),
  };
}

/** ρ of a stress scenario: its absolute `rho` if given, else base + `rhoAdd`, clamped to [0, 0.999]. */
export function stressRho(baseRho: number, s: StressScenario): number {
  if (s.rho !== undefined) return s.rho;
  return Math.min(0.999, Math.max(0, baseRho + (s.rhoAdd ?? 0)));
}

/**
 * Whether a stress scenario changes nothing (PD, recoveries and ρ as in the base): its row reuses the base
 * simulation instead of running one. The analysis and the work estimate (`simulationRuns`) both use it.
 */
export function stressIsIdentity(baseRho: number, s: StressScenario): boolean {
  return (
    (s.pdMultiplier ?? 1) === 1 && (s.recoveryMultiplier ?? 1) === 1 && stressRho(baseRho, s) === baseRho
  );
}

/** Sensitivity simulations: ρ up and down, PD up and down (the central differences of `analysisSteps`). */
export const SENSITIVITY_RUNS = 4;

/**
 * How many simulations `analysisSteps` runs for an input, before running any: the base, the sensitivities
 * (unless `sensitivities: false`) and each stress scenario that is not the identity (by default
 * `DEFAULT_STRESS_SCENARIOS`: 4 of its 5, "base" reuses the base run). The service bounds a request's work
 * with it (verifier-api/analytics-runner.ts).
 */
export function simulationRuns(input: Pick<AnalysisInput, "rho" | "sensitivities" | "stress">): number {
  const rho = input.rho ?? ANALYSIS_DEFAULTS.rho;
  const stress = (input.stress ?? DEFAULT_STRESS_SCENARIOS).filter((s) => !stressIsIdentity(rho, s)).length;
  return 1 + ((input.sensitivities ?? true) ? SENSITIVITY_RUNS : 0) + stress;
}

/** Expected pool loss fraction conditional on the systemic factor z. */
export function conditionalExpectedLoss(pool: CompiledPool, rho: number, z: number): number {
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  let el = 0;
  for (let k = 0; k + 1 < pool.classStart.length; k++) {
    let w = 0;
    for (let i = pool.classStart[k]!; i < pool.classStart[k + 1]!; i++) w += pool.lossWeight[i]!;
    const c = pool.classThreshold[k]!;
    const p =
      c === -Infinity ? 0 : c === Infinity ? 1 : b === 0 ? (a * z < c ? 1 : 0) : normCdf((c - a * z) / b);
    el += w * p;
  }
  return el;
}

/**
 * Importance-sampling shift μ chosen so that the conditional expected loss at Z = μ reaches `targetLoss`
 * (e.g. the most senior attachment point): the scenarios that hit that tranche become common. Returns 0
 * (plain Monte Carlo) when ρ = 0, or when the target is already reached at Z = 0; at most −6.
 */
export function autoShift(pool: CompiledPool, rho: number, targetLoss: number): number {
  if (rho <= 0 || !(targetLoss > 0)) return 0;
  if (conditionalExpectedLoss(pool, rho, 0) >= targetLoss) return 0;
  if (conditionalExpectedLoss(pool, rho, -6) <= targetLoss) return -6;
  let lo = -6;
  let hi = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (conditionalExpectedLoss(pool, rho, mid) >= targetLoss) lo = mid;
    else hi = mid;
  }
  return Math.round(hi * 1e6) / 1e6;
}

/** A simulation the analysis needs. */
export interface SimRequest {
  pool: CompiledPool;
  params: SimulationParams;
}

/**
 * The analysis as a generator: yields each simulation it needs and receives its result; returns the report.
 * Drivers: {@link analyzePool} (in-thread) and `analyzePoolAsync` (worker threads, analytics/async.ts).
 */
export function* analysisSteps(
  input: AnalysisInput,
): Generator<SimRequest, AnalysisReport, SimulationResult> {
  validateAnalysisInput(input);
  const rho = input.rho ?? ANALYSIS_DEFAULTS.rho;
  const sim = input.simulation ?? {};
  const scenarios = sim.scenarios ?? ANALYSIS_DEFAULTS.scenarios;
  const seed = sim.seed ?? ANALYSIS_DEFAULTS.seed;
  const mix = sim.importanceMix ?? ANALYSIS_DEFAULTS.importanceMix;
  const confidence = sim.confidence ?? ANALYSIS_DEFAULTS.confidence;
  const esLevel = sim.esLevel ?? ANALYSIS_DEFAULTS.esLevel;
  const tranches: Tranche[] = input.tranches.map((t) => ({ ...t }));
  const { arrays, totalExposure } = poolArraysFromInput(input);
  const pool = compilePool(arrays);
  const shiftFor = (p: CompiledPool, r: number): number => {
    if (sim.importanceShift !== undefined) return sim.importanceShift;
    let target = 0;
    for (const t of tranches) if (t.attachment > p.expectedLoss) target = Math.max(target, t.attachment);
    return autoShift(p, r, target);
  };
  const shift = shiftFor(pool, rho);
  const paramsFor = (r: number, s: number): SimulationParams => ({ rho: r, scenarios, seed, shift: s, mix });

  const base: SimulationResult = yield { pool, params: paramsFor(rho, shift) };
  const order = lossOrder(base);
  const metrics = trancheMetrics(base, tranches, { confidence, esLevel, order });

  // sensitivities: central differences, same seed and shift (common random numbers)
  let sens: TrancheReport["sensitivities"][] = tranches.map(() => null);
  if (input.sensitivities ?? true) {
    const summarise = (r: SimulationResult): TrancheMetrics[] =>
      trancheMetrics(r, tranches, { confidence, esLevel });
    const rUp = Math.min(1, rho + ANALYSIS_DEFAULTS.rhoStep);
    const rDown = Math.max(0, rho - ANALYSIS_DEFAULTS.rhoStep);
    const mRhoUp = summarise(yield { pool, params: paramsFor(rUp, shift) });
    const mRhoDown = summarise(yield { pool, params: paramsFor(rDown, shift) });
    const h = ANALYSIS_DEFAULTS.pdStep;
    const poolUp = compilePool(stressArrays(arrays, { name: "pd+", pdMultiplier: 1 + h }));
    const poolDown = compilePool(stressArrays(arrays, { name: "pd-", pdMultiplier: 1 - h }));
    const mPdUp = summarise(yield { pool: poolUp, params: paramsFor(rho, shift) });
    const mPdDown = summarise(yield { pool: poolDown, params: paramsFor(rho, shift) });
    const diff = (up: TrancheMetrics, down: TrancheMetrics, step: number) => ({
      expectedLoss: (up.expectedLoss.value - down.expectedLoss.value) / step,
      probabilityOfImpairment: (up.probabilityOfImpairment.value - down.probabilityOfImpairment.value) / step,
      expectedShortfall: (up.expectedShortfall - down.expectedShortfall) / step,
    });
    sens = tranches.map((_, i) => ({
      rho: diff(mRhoUp[i]!, mRhoDown[i]!, rUp - rDown),
      pdMultiplier: diff(mPdUp[i]!, mPdDown[i]!, 2 * h),
    }));
  }

  const sizing = input.sizing
    ? sizeTranches(base, {
        seniorTargetEL: input.sizing.seniorTargetEL,
        mezzanineTargetEL: input.sizing.mezzanineTargetEL,
        confidence,
        basis: input.sizing.basis ?? "upperBound",
      })
    : null;

  const stress: StressRow[] = [];
  for (const s of input.stress ?? DEFAULT_STRESS_SCENARIOS) {
    const sRho = stressRho(rho, s);
    const identity = stressIsIdentity(rho, s);
    let r: SimulationResult = base;
    if (!identity) {
      const sPool = compilePool(stressArrays(arrays, s));
      r = yield { pool: sPool, params: paramsFor(sRho, shiftFor(sPool, sRho)) };
    }
    const m = identity ? metrics : trancheMetrics(r, tranches, { confidence, esLevel });
    stress.push({
      name: s.name,
      pdMultiplier: s.pdMultiplier ?? 1,
      rho: sRho,
      recoveryMultiplier: s.recoveryMultiplier ?? 1,
      poolExpectedLoss: estimateMean(r, (l) => l, confidence).value,
      tranches: m.map((t) => ({
        name: t.name,
        expectedLoss: t.expectedLoss.value,
        probabilityOfImpairment: t.probabilityOfImpairment.value,
      })),
    });
  }

  let wPd = 0;
  let wLgd = 0;
  for (let i = 0; i < arrays.exposure.length; i++) {
    wPd += arrays.exposure[i]! * arrays.pd[i]!;
    wLgd += arrays.exposure[i]! * arrays.lgd[i]!;
  }
  return {
    version: 1,
    pool: {
      loanCount: pool.loanCount,
      totalExposure,
      pdClasses: pool.classPd.length,
      expectedLoss: pool.expectedLoss,
      weightedAveragePd: wPd / pool.totalExposure,
      weightedAverageLgd: wLgd / pool.totalExposure,
    },
    model: {
      rho,
      scenarios,
      seed,
      importanceShift: shift,
      importanceMix: shift === 0 ? 0 : mix,
      confidence,
      esLevel,
      blockSize: BLOCK_SIZE,
      horizonMonths: (input.pdTable ?? DEFAULT_PD_TABLE).horizonMonths,
    },
    poolLoss: {
      expectedLoss: estimateMean(base, (l) => l, confidence),
      var99: lossQuantile(base, order, 0.99),
      var999: lossQuantile(base, order, 0.999),
      expectedShortfall: expectedShortfall(base, order, esLevel),
    },
    tranches: metrics.map((m, i) => ({ ...m, sensitivities: sens[i] ?? null })),
    sizing,
    stress,
    histogram: lossHistogram(base, tranches, {
      bins: input.histogramBins ?? ANALYSIS_DEFAULTS.histogramBins,
      order,
    }),
  };
}

/**
 * Analyses a pool's tranches in the calling thread: expected loss, probability of impairment and expected
 * shortfall of each tranche with confidence intervals, sensitivities to ρ and PD, sizing, stress table and
 * loss histogram. JSON in, JSON out; the same input (seed included) gives the same report on every machine.
 * Throws TypeError naming the offending parameter on invalid input.
 */
export function analyzePool(input: AnalysisInput): AnalysisReport {
  const steps = analysisSteps(input);
  let next = steps.next();
  while (!next.done) next = steps.next(simulateLosses(next.value.pool, next.value.params));
  return next.value;
}
