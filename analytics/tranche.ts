/**
 * Tranche metrics from weighted scenario losses: expected loss, probability of impairment, expected
 * shortfall, with Monte Carlo standard errors and confidence intervals; tranche sizing; loss histogram.
 *
 * A tranche [a, d] (attachment a < detachment d, fractions of the pool's total exposure) loses
 * T(L) = min(max(L − a, 0), d − a) / (d − a) of its notional when the pool loses L.
 */
import { normInv } from "./normal.ts";
import type { SimulationResult } from "./simulate.ts";
import { invalid } from "../verifier-api/web/errors.js";

/** A tranche: name and attachment/detachment points as fractions of the pool's total exposure. */
export interface Tranche {
  name: string;
  attachment: number;
  detachment: number;
}

/** A Monte Carlo estimate: value, standard error, and a two-sided confidence interval. */
export interface Estimate {
  value: number;
  stdError: number;
  ciLow: number;
  ciHigh: number;
}

/** Metrics of one tranche. */
export interface TrancheMetrics {
  name: string;
  attachment: number;
  detachment: number;
  /** Expected loss, fraction of the tranche's notional. */
  expectedLoss: Estimate;
  /** Probability that the tranche loses anything (pool loss above the attachment). */
  probabilityOfImpairment: Estimate;
  /** Expected shortfall of the tranche loss fraction at level `esLevel` (mean loss in the worst 1 − esLevel). */
  expectedShortfall: number;
  /** Expected tranche loss fraction given impairment (EL / probability of impairment; 0 when never impaired). */
  lossGivenImpairment: number;
}

/** Fraction of tranche [a, d] lost at pool loss L. */
export function trancheLoss(loss: number, attachment: number, detachment: number): number {
  if (loss <= attachment) return 0;
  if (loss >= detachment) return 1;
  return (loss - attachment) / (detachment - attachment);
}

/** Throws TypeError naming `name` unless the tranche is valid (0 ≤ a < d ≤ 1). */
export function checkTranche(t: Tranche, name: string): void {
  if (typeof t !== "object" || t === null) throw invalid(name, "must be an object");
  if (typeof t.name !== "string" || t.name.length === 0 || t.name.length > 64) {
    throw invalid(`${name}.name`, "must be a non-empty string of at most 64 characters");
  }
  if (!(typeof t.attachment === "number" && t.attachment >= 0 && t.attachment < 1)) {
    throw invalid(`${name}.attachment`, "must be in [0, 1)");
  }
  if (!(typeof t.detachment === "number" && t.detachment > t.attachment && t.detachment <= 1)) {
    throw invalid(`${name}.detachment`, "must be in (attachment, 1]");
  }
}

/** Two-sided normal quantile for a confidence level, e.g. 1.959964 for 0.95. */
export function confidenceZ(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw invalid("confidence", "must be in (0, 1)");
  return normInv(0.5 + confidence / 2);
}

/**
 * Estimate of E[f(L)] with self-normalised importance weights: value = Σ wᵢ·f(Lᵢ) / Σ wᵢ, standard error by
 * the delta method, s.e.² = Σ wᵢ²·(f(Lᵢ) − value)² / (Σ wᵢ)². The value is a weighted average of the f(Lᵢ),
 * so a probability or a tranche loss fraction stays in [0, 1] (the plain average of w·f, also unbiased, is not:
 * with E[w] = 1 only on average, a junior tranche hit in every scenario read 100.132%). The ratio's bias is
 * O(1/N), far below its standard error; with unit weights (plain Monte Carlo) both are the sample mean and its
 * usual standard error up to the factor √((N−1)/N).
 */
export function estimateMean(
  sim: SimulationResult,
  f: (loss: number) => number,
  confidence: number,
  clamp: [number, number] = [0, 1],
): Estimate {
  const n = sim.loss.length;
  let sw = 0;
  let swf = 0;
  for (let i = 0; i < n; i++) {
    const w = sim.weight[i]!;
    sw += w;
    swf += w * f(sim.loss[i]!);
  }
  const mean = sw > 0 ? swf / sw : 0;
  // second pass (f is a cheap pure function of the loss): centred sum, no cancellation
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const d = sim.weight[i]! * (f(sim.loss[i]!) - mean);
    s2 += d * d;
  }
  const se = sw > 0 ? Math.sqrt(s2) / sw : 0;
  const z = confidenceZ(confidence);
  return {
    value: mean,
    stdError: se,
    ciLow: Math.max(clamp[0], mean - z * se),
    ciHigh: Math.min(clamp[1], mean + z * se),
  };
}

/**
 * The plain importance-sampling average of w·f(L) (unbiased, not normalised: it can leave [0, 1] for a
 * probability), with its standard error; kept to show the difference and for tests.
 */
export function estimateMeanUnnormalised(sim: SimulationResult, f: (loss: number) => number): Estimate {
  const n = sim.loss.length;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = sim.weight[i]! * f(sim.loss[i]!);
    s += v;
    s2 += v * v;
  }
  const mean = s / n;
  const variance = n > 1 ? Math.max(0, (s2 - n * mean * mean) / (n - 1)) : 0;
  const se = Math.sqrt(variance / n);
  return {
    value: mean,
    stdError: se,
    ciLow: mean - 1.959963984540054 * se,
    ciHigh: mean + 1.959963984540054 * se,
  };
}

/** Scenario indices sorted by decreasing loss (ties by index), for tail statistics. */
export function lossOrder(sim: SimulationResult): Uint32Array {
  const idx = new Uint32Array(sim.loss.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const l = sim.loss;
  return idx.sort((a, b) => l[b]! - l[a]! || a - b);
}

/**
 * Expected shortfall at `level` of g(L) for a non-decreasing g: the weighted mean of g over the worst
 * (1 − level) probability mass (weights self-normalised; the boundary scenario counted fractionally).
 */
export function expectedShortfall(
  sim: SimulationResult,
  order: Uint32Array,
  level: number,
  g: (loss: number) => number = (x) => x,
): number {
  if (!(level > 0 && level < 1)) throw invalid("esLevel", "must be in (0, 1)");
  let total = 0;
  for (let i = 0; i < sim.weight.length; i++) total += sim.weight[i]!;
  const tail = (1 - level) * total;
  let mass = 0;
  let acc = 0;
  for (let j = 0; j < order.length && mass < tail; j++) {
    const i = order[j]!;
    const w = Math.min(sim.weight[i]!, tail - mass);
    acc += w * g(sim.loss[i]!);
    mass += w;
  }
  return mass > 0 ? acc / mass : 0;
}

/** Weighted quantile of the pool loss: smallest simulated loss x with P(L > x) ≤ 1 − q. */
export function lossQuantile(sim: SimulationResult, order: Uint32Array, q: number): number {
  let total = 0;
  for (let i = 0; i < sim.weight.length; i++) total += sim.weight[i]!;
  const tail = (1 - q) * total;
  let mass = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    mass += sim.weight[i]!;
    if (mass > tail) return sim.loss[i]!;
  }
  return 0;
}

/** Metrics of each tranche from one simulation. */
export function trancheMetrics(
  sim: SimulationResult,
  tranches: readonly Tranche[],
  options: { confidence: number; esLevel: number; order?: Uint32Array },
): TrancheMetrics[] {
  const order = options.order ?? lossOrder(sim);
  return tranches.map((t, i) => {
    checkTranche(t, `tranches[${i}]`);
    const { attachment: a, detachment: d } = t;
    const expectedLoss = estimateMean(sim, (l) => trancheLoss(l, a, d), options.confidence);
    const probabilityOfImpairment = estimateMean(sim, (l) => (l > a ? 1 : 0), options.confidence);
    return {
      name: t.name,
      attachment: a,
      detachment: d,
      expectedLoss,
      probabilityOfImpairment,
      expectedShortfall: expectedShortfall(sim, order, options.esLevel, (l) => trancheLoss(l, a, d)),
      lossGivenImpairment:
        probabilityOfImpairment.value > 0 ? expectedLoss.value / probabilityOfImpairment.value : 0,
    };
  });
}

/** Result of tranche sizing. */
export interface SizingResult {
  /** Which number was held under the target: the point estimate or the upper confidence bound. */
  basis: "estimate" | "upperBound";
  seniorTargetEL: number;
  mezzanineTargetEL: number;
  /** Senior tranche [seniorAttachment, 1]; seniorAttachment is the senior subordination. */
  seniorAttachment: number;
  seniorSize: number;
  seniorExpectedLoss: Estimate;
  /** Mezzanine tranche [mezzanineAttachment, seniorAttachment] (size 0 when none fits). */
  mezzanineAttachment: number;
  mezzanineSize: number;
  mezzanineExpectedLoss: Estimate;
  /** Equity (first-loss) tranche [0, mezzanineAttachment]. */
  equitySize: number;
}

/**
 * Smallest attachment a in [lo, hi] with metric(a) ≤ target, for a metric non-increasing in a (tranche EL
 * of [a, d] is: E[min((L−a)⁺, d−a)] ≤ (d−a)·P(L > a)). Bisection to 1e-7 of the pool.
 */
function smallestAttachment(lo: number, hi: number, target: number, metric: (a: number) => number): number {
  if (metric(lo) <= target) return lo;
  let l = lo;
  let h = hi;
  while (h - l > 1e-7) {
    const mid = (l + h) / 2;
    if (metric(mid) <= target) h = mid;
    else l = mid;
  }
  return h;
}

/**
 * Sizes the capital structure: the largest senior tranche [a_s, 1] whose expected loss stays under
 * `seniorTargetEL`, then the largest mezzanine [a_m, a_s] under `mezzanineTargetEL`; equity takes [0, a_m].
 * `basis` "upperBound" (default) holds the upper end of the confidence interval under the target.
 */
export function sizeTranches(
  sim: SimulationResult,
  options: {
    seniorTargetEL: number;
    mezzanineTargetEL: number;
    confidence: number;
    basis?: "estimate" | "upperBound";
  },
): SizingResult {
  const { seniorTargetEL, mezzanineTargetEL, confidence } = options;
  const basis = options.basis ?? "upperBound";
  if (!(seniorTargetEL > 0 && seniorTargetEL < 1))
    throw invalid("sizing.seniorTargetEL", "must be in (0, 1)");
  if (!(mezzanineTargetEL > 0 && mezzanineTargetEL < 1)) {
    throw invalid("sizing.mezzanineTargetEL", "must be in (0, 1)");
  }
  if (basis !== "estimate" && basis !== "upperBound") {
    throw invalid("sizing.basis", 'must be "estimate" or "upperBound"');
  }
  const el = (a: number, d: number): Estimate => estimateMean(sim, (l) => trancheLoss(l, a, d), confidence);
  const pick = (e: Estimate): number => (basis === "estimate" ? e.value : e.ciHigh);
  const as = smallestAttachment(0, 1 - 1e-9, seniorTargetEL, (a) => pick(el(a, 1)));
  let am = as;
  if (as > 0) am = smallestAttachment(0, as, mezzanineTargetEL, (a) => (a >= as ? 0 : pick(el(a, as))));
  return {
    basis,
    seniorTargetEL,
    mezzanineTargetEL,
    seniorAttachment: as,
    seniorSize: 1 - as,
    seniorExpectedLoss: el(as, 1),
    mezzanineAttachment: am,
    mezzanineSize: as - am,
    mezzanineExpectedLoss: am < as ? el(am, as) : { value: 0, stdError: 0, ciLow: 0, ciHigh: 0 },
    equitySize: am,
  };
}

/** Loss-distribution histogram for charting. */
export interface LossHistogram {
  /** Bin edges (bins + 1 values, fractions of the pool), equal width from 0 to `maxLoss`. */
  edges: number[];
  /** Probability mass of each bin (importance weights applied, self-normalised). */
  probability: number[];
  /** Probability of a loss above `maxLoss` (not drawn). */
  tailProbability: number;
  maxLoss: number;
  /** Tranche boundaries to draw as vertical lines. */
  tranches: Tranche[];
  /** Pool loss at the 99% and 99.9% quantiles, for annotations. */
  var99: number;
  var999: number;
}

/**
 * Histogram of the simulated pool loss with the tranche boundaries. `maxLoss` defaults to a range that shows
 * the 99.9% quantile and every attachment point below 1 (capped at 1).
 */
export function lossHistogram(
  sim: SimulationResult,
  tranches: readonly Tranche[],
  options: { bins?: number; maxLoss?: number; order?: Uint32Array } = {},
): LossHistogram {
  const bins = options.bins ?? 50;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 10000) throw invalid("bins", "must be in [1, 10000]");
  const order = options.order ?? lossOrder(sim);
  const var99 = lossQuantile(sim, order, 0.99);
  const var999 = lossQuantile(sim, order, 0.999);
  let maxLoss = options.maxLoss;
  if (maxLoss === undefined) {
    let top = var999 * 1.25;
    for (const t of tranches) if (t.attachment > 0) top = Math.max(top, t.attachment * 1.25);
    maxLoss = Math.min(1, Math.max(top, 1e-6));
  }
  if (!(maxLoss > 0 && maxLoss <= 1)) throw invalid("maxLoss", "must be in (0, 1]");
  const mass = new Float64Array(bins);
  let total = 0;
  let tail = 0;
  for (let i = 0; i < sim.loss.length; i++) {
    const l = sim.loss[i]!;
    const w = sim.weight[i]!;
    total += w;
    if (l > maxLoss) tail += w;
    else mass[Math.min(bins - 1, Math.floor((l / maxLoss) * bins))]! += w;
  }
  return {
    edges: Array.from({ length: bins + 1 }, (_, i) => (maxLoss * i) / bins),
    probability: Array.from(mass, (m) => m / total),
    tailProbability: tail / total,
    maxLoss,
    tranches: tranches.map((t) => ({ name: t.name, attachment: t.attachment, detachment: t.detachment })),
    var99,
    var999,
  };
}
