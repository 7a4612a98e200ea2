import { normInv } from "./normal.ts";
import { invalid } from "../verifier-api/web/errors.js";

/**
 * The loss model's pool: exposures, default probabilities and losses given default as typed arrays, grouped
 * into classes of equal default probability so that the Monte Carlo evaluates one conditional default
 * probability per class and scenario, not per loan.
 */

/** A pool as plain typed arrays (one entry per loan; a bucket of n equal loans is n entries). */
export interface PoolArrays {
  /** Exposure at default of each loan (any currency unit, > 0 in total). */
  exposure: Float64Array;
  /** Probability of default over the horizon, in [0, 1]. */
  pd: Float64Array;
  /** Loss given default, fraction of exposure in [0, 1]. */
  lgd: Float64Array;
}

/**
 * A pool prepared for simulation. Loans are reordered (stably) by class of equal PD; `lossWeight[i]` is loan
 * i's exposure × LGD divided by the total exposure, so a scenario's loss is a fraction of the pool.
 */
export interface CompiledPool {
  loanCount: number;
  totalExposure: number;
  /** Exposure × LGD / total exposure, in class order. */
  lossWeight: Float64Array;
  /** Loans of class k are indices classStart[k] .. classStart[k + 1] - 1. */
  classStart: Uint32Array;
  /** Default threshold Φ⁻¹(pd) of each class (−∞ for pd 0, +∞ for pd 1). */
  classThreshold: Float64Array;
  /** PD of each class. */
  classPd: Float64Array;
  /** Expected pool loss fraction Σ e·pd·lgd / Σ e (exact, no simulation). */
  expectedLoss: number;
}

/** Throws a TypeError naming `name` unless every element of `a` is finite and inside [min, max]. */
function checkArray(name: string, a: Float64Array, min: number, max: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v) || v < min || v > max) {
      throw invalid(`${name}[${i}]`, `must be a finite number in [${min}, ${max}], got ${v}`);
    }
  }
}

/**
 * Validates the arrays and groups loans into classes of equal PD (stable order inside each class, classes
 * sorted by PD), for the simulation. Throws TypeError naming the offending array and index.
 */
export function compilePool(pool: PoolArrays): CompiledPool {
  const n = pool.exposure.length;
  if (n === 0) throw invalid("pool.exposure", "must hold at least one loan");
  if (pool.pd.length !== n) throw invalid("pool.pd", "must have one entry per loan");
  if (pool.lgd.length !== n) throw invalid("pool.lgd", "must have one entry per loan");
  checkArray("pool.exposure", pool.exposure, 0, Number.MAX_VALUE);
  checkArray("pool.pd", pool.pd, 0, 1);
  checkArray("pool.lgd", pool.lgd, 0, 1);
  let total = 0;
  for (let i = 0; i < n; i++) total += pool.exposure[i]!;
  if (!(total > 0)) throw invalid("pool.exposure", "must sum to a positive amount");

  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => pool.pd[a]! - pool.pd[b]! || a - b);
  const lossWeight = new Float64Array(n);
  const starts: number[] = [];
  const pds: number[] = [];
  let el = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    const pd = pool.pd[i]!;
    if (j === 0 || pd !== pds[pds.length - 1]) {
      starts.push(j);
      pds.push(pd);
    }
    const w = (pool.exposure[i]! * pool.lgd[i]!) / total;
    lossWeight[j] = w;
    el += w * pd;
  }
  starts.push(n);
  const classPd = Float64Array.from(pds);
  return {
    loanCount: n,
    totalExposure: total,
    lossWeight,
    classStart: Uint32Array.from(starts),
    classThreshold: classPd.map(normInv),
    classPd,
    expectedLoss: el,
  };
}
