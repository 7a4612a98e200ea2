/**
 * Monte Carlo of the pool loss under the one-factor Gaussian copula (Vasicek model).
 *
 * Loan i defaults over the horizon when √ρ·Z + √(1−ρ)·εᵢ < Φ⁻¹(pdᵢ), with Z (systemic) and εᵢ independent
 * standard normals. Given Z the defaults are independent with conditional probability
 * pᵢ(Z) = Φ((Φ⁻¹(pdᵢ) − √ρ·Z)/√(1−ρ)), so a scenario draws Z, computes p once per PD class, and draws one
 * uniform per loan: loan i defaults when U < pᵢ(Z). This is the same distribution as drawing εᵢ.
 *
 * Random numbers: xoshiro128** streams, one per fixed block of {@link BLOCK_SIZE} scenarios (stream = block
 * index), so the result does not depend on how blocks are shared among threads. Per scenario: two 32-bit
 * words make a 53-bit uniform turned into Z by AS241 inversion, one word picks the importance-sampling
 * component, then one word per loan (compared exactly against p: a 32-bit comparison, and a second word only
 * when the first equals ⌊p·2³²⌋).
 *
 * Importance sampling: Z is drawn from the defensive mixture (1−m)·N(0,1) + m·N(μ,1) (μ < 0 moves mass to
 * bad systemic states) and each scenario carries the likelihood ratio
 * w = φ(Z)/((1−m)φ(Z) + mφ(Z−μ)) = 1/((1−m) + m·exp(μZ − μ²/2)) ≤ 1/(1−m), so every estimate E[f(L)] is
 * the average of w·f(L), unbiased, with bounded weights.
 */
import { normCdf, normInv } from "./normal.ts";
import type { CompiledPool } from "./pool.ts";
import { seedState, Xoshiro128 } from "./prng.ts";
import { invalid } from "../verifier-api/web/errors.js";

/** Scenarios per random stream. Part of the reproducibility contract: changing it changes results. */
export const BLOCK_SIZE = 1024;

/**
 * Classes of at most this many loans skip the per-class Φ: each loan's uniform is first located among the
 * 4,096 equal cells of (0, 1) whose edges' normal quantiles are tabulated, and Φ is computed only when the
 * loan's threshold falls inside that cell (probability 1/4,096). Same decision as U < Φ(x) up to the
 * round-off of Φ(Φ⁻¹(q)) at a cell edge (relative 2e-8). Part of the reproducibility contract.
 */
export const SMALL_CLASS = 8;
const EDGE_SHIFT = 20;
const EDGES = Float64Array.from({ length: (1 << (32 - EDGE_SHIFT)) + 1 }, (_, j) =>
  normInv(j / (1 << (32 - EDGE_SHIFT))),
);

/** Parameters of one simulation run. */
export interface SimulationParams {
  /** Asset correlation ρ in [0, 1]. */
  rho: number;
  /** Number of scenarios (≥ 1). */
  scenarios: number;
  /** Seed, a non-negative safe integer. */
  seed: number;
  /** Importance-sampling shift μ of the systemic factor (0 = plain Monte Carlo). */
  shift: number;
  /** Probability m of the shifted component of the sampling mixture, in [0, 1). */
  mix: number;
}

/** Scenario losses (fraction of total exposure) and likelihood-ratio weights, indexed by scenario. */
export interface SimulationResult extends SimulationParams {
  loss: Float64Array;
  weight: Float64Array;
}

/** Throws TypeError naming the bad parameter. */
export function checkSimulationParams(p: SimulationParams): void {
  if (!(typeof p.rho === "number" && p.rho >= 0 && p.rho <= 1)) throw invalid("rho", "must be in [0, 1]");
  if (!Number.isSafeInteger(p.scenarios) || p.scenarios < 1 || p.scenarios > 1e8) {
    throw invalid("scenarios", "must be an integer in [1, 1e8]");
  }
  if (!Number.isSafeInteger(p.seed) || p.seed < 0)
    throw invalid("seed", "must be a non-negative safe integer");
  if (!(Number.isFinite(p.shift) && Math.abs(p.shift) <= 20)) throw invalid("shift", "must be in [-20, 20]");
  if (!(typeof p.mix === "number" && p.mix >= 0 && p.mix < 1)) throw invalid("mix", "must be in [0, 1)");
}

/** Number of blocks of a run. */
export function blockCount(scenarios: number): number {
  return Math.ceil(scenarios / BLOCK_SIZE);
}

/**
 * Simulates the scenarios of block `block` into `loss` and `weight` (indices block·BLOCK_SIZE onwards).
 * The hot loop: typed arrays only, the generator state in local variables.
 */
export function simulateBlock(
  pool: CompiledPool,
  params: SimulationParams,
  block: number,
  loss: Float64Array,
  weight: Float64Array,
): void {
  const start = block * BLOCK_SIZE;
  const end = Math.min(start + BLOCK_SIZE, params.scenarios);
  const st = seedState(params.seed, block);
  const gen = new Xoshiro128(st);
  let s0 = st[0]!;
  let s1 = st[1]!;
  let s2 = st[2]!;
  let s3 = st[3]!;
  const a = Math.sqrt(params.rho);
  const b = Math.sqrt(1 - params.rho);
  const { shift, mix } = params;
  const useIs = shift !== 0 && mix > 0;
  const mixCut = mix * 4294967296;
  const thr = pool.classThreshold;
  const cs = pool.classStart;
  const lw = pool.lossWeight;
  const classes = thr.length;
  for (let sc = start; sc < end; sc++) {
    // three words: 53-bit uniform for Z, one for the mixture component
    let m = Math.imul(s1, 5);
    const w1 = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const w2 = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const w3 = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    let z = normInv(((w1 >>> 5) * 67108864 + (w2 >>> 6) + 0.5) / 9007199254740992);
    let wt = 1;
    if (useIs) {
      if (w3 < mixCut) z += shift;
      wt = 1 / (1 - mix + mix * Math.exp(shift * z - 0.5 * shift * shift));
    }
    let L = 0;
    for (let k = 0; k < classes; k++) {
      const c = thr[k]!;
      const lo = cs[k]!;
      const hi = cs[k + 1]!;
      if (hi - lo <= SMALL_CLASS) {
        // few loans share this PD: compare the loan's uniform with Φ(x) through the table of Φ⁻¹ at the
        // 4,096 cell edges of the uniform, computing Φ(x) only when x falls inside the uniform's cell
        const x =
          c === -Infinity || c === Infinity
            ? c
            : b === 0
              ? a * z < c
                ? Infinity
                : -Infinity
              : (c - a * z) / b;
        for (let i = lo; i < hi; i++) {
          m = Math.imul(s1, 5);
          const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
          t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
          const j = r >>> EDGE_SHIFT;
          if (x >= EDGES[j + 1]!) {
            L += lw[i]!;
          } else if (x > EDGES[j]!) {
            const scaled = normCdf(x) * 4294967296;
            const pi = Math.floor(scaled);
            if (r < pi) {
              L += lw[i]!;
            } else if (r === pi) {
              st[0] = s0;
              st[1] = s1;
              st[2] = s2;
              st[3] = s3;
              const r2 = gen.nextU32();
              s0 = st[0]!;
              s1 = st[1]!;
              s2 = st[2]!;
              s3 = st[3]!;
              if (r2 < (scaled - pi) * 4294967296) L += lw[i]!;
            }
          }
        }
        continue;
      }
      let p: number;
      if (c === -Infinity) p = 0;
      else if (c === Infinity) p = 1;
      else if (b === 0) p = a * z < c ? 1 : 0;
      else p = normCdf((c - a * z) / b);
      if (p === 0) {
        // no loan of the class can default; keep the stream aligned (one word per loan)
        const skip = hi - lo;
        for (let i = 0; i < skip; i++) {
          t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
        }
        continue;
      }
      const scaled = p * 4294967296;
      const pi = Math.floor(scaled);
      const frac = (scaled - pi) * 4294967296;
      for (let i = lo; i < hi; i++) {
        m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
        t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        if (r < pi) {
          L += lw[i]!;
        } else if (r === pi) {
          // tie on the 32-bit grid: refine with a second word (rare)
          st[0] = s0;
          st[1] = s1;
          st[2] = s2;
          st[3] = s3;
          const r2 = gen.nextU32();
          s0 = st[0]!;
          s1 = st[1]!;
          s2 = st[2]!;
          s3 = st[3]!;
          if (r2 < frac) L += lw[i]!;
        }
      }
    }
    loss[sc] = L;
    weight[sc] = wt;
  }
}

/**
 * Runs the whole simulation in the calling thread. Same result as {@link simulateLossesParallel} with any
 * number of workers.
 */
export function simulateLosses(pool: CompiledPool, params: SimulationParams): SimulationResult {
  checkSimulationParams(params);
  const loss = new Float64Array(params.scenarios);
  const weight = new Float64Array(params.scenarios);
  const blocks = blockCount(params.scenarios);
  for (let blk = 0; blk < blocks; blk++) simulateBlock(pool, params, blk, loss, weight);
  return { ...params, loss, weight };
}
