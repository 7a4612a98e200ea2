/**
 * Realised performance between two consecutive attestations of a pool (issue 21: the investor report's
 * realised CDR/CPR, collections against schedule and roll rates), from attested figures only. Aggregate
 * formulas, as monthly investor reports compute them when loan-level transitions are not published:
 *
 *   new charge-offs C = chargedOff₁ − chargedOff₀ (cumulative figure)
 *   MDR = C / outstanding₀,                          CDR = 1 − (1 − MDR)^12
 *   principal reduction P = outstanding₀ − outstanding₁ − C   (scheduled principal + prepayments)
 *   with a rate assumption r (the attestation has none): scheduled principal S = max(0, scheduled₁ − (outstanding₀ − C)·r/12)
 *     (interest on the balance that did not default: defaults are taken at the start of the period, as in cashflow.ts),
 *   prepaid V = max(0, P − S), SMM = V / (outstanding₀ − C − S),  CPR = 1 − (1 − SMM)^12
 *   roll rates: current₀ → 30-59₁, 30-59₀ → 60-89₁, 60-89₀ → 90+₁, 90+₀ → newly defaulted or charged off₁
 *     (defaulted₁ − defaulted₀ + C, at least 0)
 *     (each bucket's balance over the previous, less delinquent bucket's: an aggregate approximation)
 *   collection ratio = collected₁ / scheduled₁ (above 1 with prepayments, recoveries and cures)
 *
 * Severity is not derivable: recoveries are not a separate attested figure (null).
 * No Node API (browser-safe).
 */
import { invalid, requireBigUint } from "../verifier-api/web/errors.js";

type Amount = bigint | number | string;

/** The attested figures the performance needs (docs/INTERFACES.md). */
export interface PerformanceFigures {
  outstanding: Amount;
  scheduled: Amount;
  collected: Amount;
  bucket30: Amount;
  bucket60: Amount;
  bucket90: Amount;
  defaulted: Amount;
  chargedOff: Amount;
}

export interface RealisedPerformance {
  newChargeOffs: bigint;
  principalReduction: bigint;
  mdr: number;
  cdr: number;
  /** Null without a rate assumption. */
  scheduledPrincipal: number | null;
  prepaid: number | null;
  smm: number | null;
  cpr: number | null;
  /** collected / scheduled of the later period; null when nothing was scheduled. */
  collectionRatio: number | null;
  rollRates: {
    currentTo30: number | null;
    d30To60: number | null;
    d60To90: number | null;
    d90ToDefault: number | null;
  };
  /** Not derivable from attested figures (recoveries are not attested separately). */
  severity: null;
}

/** An amount: a non-negative integer of at most 30 digits (bigint, safe integer or decimal string). */
const big = (v: Amount, name: string): bigint =>
  requireBigUint(name, v, 10n ** 30n - 1n, {
    what: "a non-negative integer (bigint, number or decimal string)",
  });

const ratio = (a: bigint, b: bigint): number | null => (b > 0n ? Number(a) / Number(b) : null);

/** Realised performance from period 0's figures to period 1's; `annualRate` (fraction) enables CPR. */
export function realisedPerformance(
  prev: PerformanceFigures,
  cur: PerformanceFigures,
  options: { annualRate?: number } = {},
): RealisedPerformance {
  const f = (x: PerformanceFigures, which: string) => {
    const g = (k: keyof PerformanceFigures) => big(x[k], `${which}.${k}`);
    const r = {
      outstanding: g("outstanding"),
      scheduled: g("scheduled"),
      collected: g("collected"),
      bucket30: g("bucket30"),
      bucket60: g("bucket60"),
      bucket90: g("bucket90"),
      defaulted: g("defaulted"),
      chargedOff: g("chargedOff"),
    };
    if (r.bucket30 + r.bucket60 + r.bucket90 > r.outstanding) {
      throw invalid(which, "delinquency buckets exceed the outstanding balance");
    }
    return r;
  };
  const a = f(prev, "prev");
  const b = f(cur, "cur");
  if (b.chargedOff < a.chargedOff)
    throw invalid("cur.chargedOff", "below prev.chargedOff (it is cumulative)");
  const c = b.chargedOff - a.chargedOff;
  const p = a.outstanding - b.outstanding - c;
  const mdr = a.outstanding > 0n ? Math.min(1, Number(c) / Number(a.outstanding)) : 0;
  let scheduledPrincipal: number | null = null;
  let prepaid: number | null = null;
  let smm: number | null = null;
  let cpr: number | null = null;
  if (options.annualRate !== undefined) {
    const r = options.annualRate;
    if (!(Number.isFinite(r) && r >= 0 && r <= 10)) throw invalid("annualRate", "must be in [0, 10]");
    scheduledPrincipal = Math.max(0, Number(b.scheduled) - (Number(a.outstanding - c) * r) / 12);
    prepaid = Math.max(0, Number(p) - scheduledPrincipal);
    const base = Number(a.outstanding - c) - scheduledPrincipal;
    smm = base > 0 ? Math.min(1, prepaid / base) : 0;
    cpr = 1 - (1 - smm) ** 12;
  }
  const current0 = a.outstanding - a.bucket30 - a.bucket60 - a.bucket90;
  return {
    newChargeOffs: c,
    principalReduction: p,
    mdr,
    cdr: 1 - (1 - mdr) ** 12,
    scheduledPrincipal,
    prepaid,
    smm,
    cpr,
    collectionRatio: ratio(b.collected, b.scheduled),
    rollRates: {
      currentTo30: ratio(b.bucket30, current0),
      d30To60: ratio(b.bucket60, a.bucket30),
      d60To90: ratio(b.bucket90, a.bucket60),
      d90ToDefault: ratio(b.defaulted + c > a.defaulted ? b.defaulted + c - a.defaulted : 0n, a.bucket90),
    },
    severity: null,
  };
}
