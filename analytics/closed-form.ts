/**
 * Closed forms of the one-factor Gaussian copula for a homogeneous pool (every loan the same PD p, LGD and
 * exposure), used to check the Monte Carlo:
 * - the large homogeneous pool (Vasicek 1987/2002): the loss fraction is L = lgd·p(Z) with
 *   p(z) = Φ((Φ⁻¹(p) − √ρ z)/√(1−ρ)), so P(L ≤ x) = Φ((√(1−ρ)Φ⁻¹(x/lgd) − Φ⁻¹(p))/√ρ);
 * - the finite homogeneous pool of n loans: P(k defaults) = ∫ φ(z)·Binom(k; n, p(z)) dz, which is the
 *   binomial distribution at ρ = 0 and all-or-nothing (P(n) = p, P(0) = 1 − p) at ρ = 1.
 * Integrals over the factor use composite Simpson rules split at the kinks of the integrand.
 */
import { normCdf, normInv, normPdf } from "./normal.ts";
import { trancheLoss } from "./tranche.ts";
import { invalid } from "../verifier-api/web/errors.js";

function checkPd(pd: number): void {
  if (!(typeof pd === "number" && pd >= 0 && pd <= 1)) throw invalid("pd", "must be in [0, 1]");
}
function checkRho(rho: number): void {
  if (!(typeof rho === "number" && rho >= 0 && rho <= 1)) throw invalid("rho", "must be in [0, 1]");
}
function checkLgd(lgd: number): void {
  if (!(typeof lgd === "number" && lgd > 0 && lgd <= 1)) throw invalid("lgd", "must be in (0, 1]");
}

/** Conditional default probability p(z) = Φ((Φ⁻¹(pd) − √ρ z)/√(1−ρ)) given the systemic factor z. */
export function conditionalPd(pd: number, rho: number, z: number): number {
  if (pd <= 0) return 0;
  if (pd >= 1) return 1;
  const c = normInv(pd);
  if (rho >= 1) return z < c ? 1 : 0;
  return normCdf((c - Math.sqrt(rho) * z) / Math.sqrt(1 - rho));
}

/** Composite Simpson integral of f over [a, b] with `n` (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  if (b <= a) return 0;
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** ∫ φ(z) g(z) dz over the real line (truncated to ±9, where φ < 1e-17), split at the given points. */
export function integrateOverFactor(
  g: (z: number) => number,
  breaks: number[] = [],
  intervals = 2000,
): number {
  const pts = [-9, ...breaks.filter((b) => Number.isFinite(b) && b > -9 && b < 9).sort((x, y) => x - y), 9];
  let s = 0;
  for (let i = 0; i + 1 < pts.length; i++)
    s += simpson((z) => normPdf(z) * g(z), pts[i]!, pts[i + 1]!, intervals);
  return s;
}

/** Large-homogeneous-pool (Vasicek) CDF of the loss fraction: P(L ≤ x) for loss given default `lgd`. */
export function vasicekLossCdf(x: number, pd: number, rho: number, lgd = 1): number {
  checkPd(pd);
  checkRho(rho);
  checkLgd(lgd);
  if (x < 0) return 0;
  if (x >= lgd) return 1;
  const y = x / lgd;
  if (pd === 0) return 1;
  if (pd === 1) return 0;
  if (rho === 0) return y >= pd ? 1 : 0;
  if (rho === 1) return 1 - pd;
  return normCdf((Math.sqrt(1 - rho) * normInv(y) - normInv(pd)) / Math.sqrt(rho));
}

/** Factor value z at which the large-pool loss lgd·p(z) equals x (the loss is decreasing in z). */
function factorAtLoss(x: number, pd: number, rho: number, lgd: number): number {
  if (rho <= 0 || rho >= 1 || x <= 0 || x >= lgd) return Number.NaN;
  return (normInv(pd) - Math.sqrt(1 - rho) * normInv(x / lgd)) / Math.sqrt(rho);
}

/** Expected loss and probability of impairment of a tranche under the large-homogeneous-pool model. */
export function vasicekTrancheLoss(
  pd: number,
  rho: number,
  lgd: number,
  attachment: number,
  detachment: number,
): { expectedLoss: number; probabilityOfImpairment: number } {
  checkPd(pd);
  checkRho(rho);
  checkLgd(lgd);
  if (!(attachment >= 0 && detachment > attachment && detachment <= 1)) {
    throw invalid("detachment", "must satisfy 0 ≤ attachment < detachment ≤ 1");
  }
  const probabilityOfImpairment = 1 - vasicekLossCdf(attachment, pd, rho, lgd);
  const breaks = [factorAtLoss(attachment, pd, rho, lgd), factorAtLoss(detachment, pd, rho, lgd)];
  if (rho >= 1 && pd > 0 && pd < 1) breaks.push(normInv(pd));
  const expectedLoss = integrateOverFactor(
    (z) => trancheLoss(lgd * conditionalPd(pd, rho, z), attachment, detachment),
    breaks,
  );
  return { expectedLoss, probabilityOfImpairment };
}

/** log(n!) for 0..n. */
function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) f[i] = f[i - 1]! + Math.log(i);
  return f;
}

/** Binomial probabilities P(K = k), k = 0..n, computed in log space. */
export function binomialPmf(n: number, p: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000)
    throw invalid("n", "must be an integer in [1, 1e6]");
  checkPd(p);
  const out = new Float64Array(n + 1);
  if (p === 0) {
    out[0] = 1;
    return out;
  }
  if (p === 1) {
    out[n] = 1;
    return out;
  }
  const lf = logFactorials(n);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  for (let k = 0; k <= n; k++) out[k] = Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * lp + (n - k) * lq);
  return out;
}

/**
 * Exact distribution of the number of defaults in a homogeneous pool of n loans under the one-factor
 * Gaussian copula: P(K = k) = ∫ φ(z) Binom(k; n, p(z)) dz (binomial at ρ = 0, all-or-nothing at ρ = 1).
 */
export function homogeneousPoolDistribution(
  n: number,
  pd: number,
  rho: number,
  intervals = 4000,
): Float64Array {
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000) throw invalid("n", "must be an integer in [1, 1e5]");
  checkPd(pd);
  checkRho(rho);
  if (rho === 0 || pd === 0 || pd === 1) return binomialPmf(n, pd);
  const out = new Float64Array(n + 1);
  if (rho === 1) {
    out[0] = 1 - pd;
    out[n] = pd;
    return out;
  }
  const lf = logFactorials(n);
  const c = normInv(pd);
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  // Simpson over z in [-9, 9] split where the conditional PD moves fastest (z = c/√ρ), so steep cases
  // (ρ near 1) are resolved.
  const pts = [-9, Math.max(-9, Math.min(9, c / a)), 9];
  for (let seg = 0; seg + 1 < pts.length; seg++) {
    const lo = pts[seg]!;
    const hi = pts[seg + 1]!;
    if (hi <= lo) continue;
    const h = (hi - lo) / intervals;
    for (let i = 0; i <= intervals; i++) {
      const z = lo + i * h;
      const coef = ((i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2) * h) / 3;
      const wz = coef * normPdf(z);
      const p = normCdf((c - a * z) / b);
      if (p <= 0) {
        out[0]! += wz;
        continue;
      }
      if (p >= 1) {
        out[n]! += wz;
        continue;
      }
      const lp = Math.log(p);
      const lq = Math.log1p(-p);
      for (let k = 0; k <= n; k++)
        out[k]! += wz * Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * lp + (n - k) * lq);
    }
  }
  // the truncation at ±9 loses < 1e-18 of mass; renormalise the quadrature
  let total = 0;
  for (let k = 0; k <= n; k++) total += out[k]!;
  for (let k = 0; k <= n; k++) out[k] = out[k]! / total;
  return out;
}

/**
 * Tranche expected loss and probability of impairment for a homogeneous pool of n equal loans with the given
 * default distribution (e.g. from {@link homogeneousPoolDistribution}): pool loss with k defaults is lgd·k/n.
 */
export function trancheLossFromDistribution(
  dist: Float64Array,
  lgd: number,
  attachment: number,
  detachment: number,
): { expectedLoss: number; probabilityOfImpairment: number } {
  checkLgd(lgd);
  const n = dist.length - 1;
  let el = 0;
  let pi = 0;
  for (let k = 0; k <= n; k++) {
    const l = (lgd * k) / n;
    el += dist[k]! * trancheLoss(l, attachment, detachment);
    if (l > attachment) pi += dist[k]!;
  }
  return { expectedLoss: el, probabilityOfImpairment: pi };
}
