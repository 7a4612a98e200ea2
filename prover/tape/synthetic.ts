/**
 * Synthetic loan tapes for demos, tests and benchmarks: a seeded generator with plausible distributions,
 * and {@link advancePeriod} that rolls a tape forward one month (pay-downs, roll rates, defaults,
 * charge-offs). Same seed and options, same tape, on every machine.
 */
import { addMonths, civilFromDays, daysFromCivil, endOfMonth } from "./dates.ts";
import { LoanStatus, MAX_AMOUNT } from "./schema.ts";
import type { LoanRecord, LoanTape } from "./schema.ts";
import { assertValidTape } from "./validate.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** A seeded pseudo-random generator (sfc32 seeded through cyrb128); not for cryptography. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** Creates a deterministic {@link Rng} from a number or string seed. */
export function createRng(seed: number | string): Rng {
  const str = String(seed);
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  let a = (h1 ^ h2 ^ h3 ^ h4) >>> 0,
    b = (h2 ^ h1) >>> 0,
    c = (h3 ^ h1) >>> 0,
    d = (h4 ^ h1) >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
  };
}

/** Options of {@link generateSyntheticTape}. Rates are fractions of the loans. */
export interface SyntheticTapeOptions {
  /** PRNG seed: the same seed and options give the same tape. */
  seed: number | string;
  /** Number of loans (at least 1). */
  loans: number;
  /** Pool id (default 1). */
  poolId?: bigint;
  /** Reporting period YYYYMM (default: the month of `asOfDate`). */
  period?: number;
  /** Last day of the period, days since 1970-01-01 (default: the end of `period`, else 2026-10-31). */
  asOfDate?: number;
  /** Share of loans in status defaulted (default 0.02). */
  defaultRate?: number;
  /** Share of loans charged off (default 0.015). */
  chargeOffRate?: number;
  /** Share of loans delinquent (default 0.08), spread over 1-29, 30-59, 60-89 and 90+ days past due. */
  delinquencyRate?: number;
  /** Share of loans repaid (default 0.03). */
  repaidRate?: number;
  /** Share of loans secured by collateral (default 0.3). */
  securedRate?: number;
  /** Median original principal in major units (default 12,000); balances are log-normal around it. */
  medianPrincipal?: number;
  /** Score provider id written on every loan (default 1). */
  scoreProviderId?: number;
  /** Currency (default USD). */
  currency?: string;
  /** Decimal places of the minor unit (default 2). */
  decimals?: number;
}

/** Annual rate (bps) drawn for a score: lower scores pay more. */
function rateForScore(rng: Rng, score: number): number {
  const band =
    score >= 800
      ? [550, 800]
      : score >= 740
        ? [750, 1100]
        : score >= 670
          ? [1050, 1600]
          : score >= 580
            ? [1550, 2400]
            : [2300, 3000];
  return rng.int(band[0]!, band[1]!);
}

/** Monthly payment of an amortizing loan, minor units. */
function installment(principal: bigint, rateBps: number, months: number): bigint {
  const r = rateBps / 10_000 / 12;
  const p = Number(principal);
  const pay = r === 0 ? p / months : (p * r) / (1 - Math.pow(1 + r, -months));
  return BigInt(Math.max(1, Math.round(pay)));
}

/** Balance of an amortizing loan after k scheduled payments, minor units (never negative). */
function balanceAfter(principal: bigint, rateBps: number, months: number, k: number): bigint {
  if (k >= months) return 0n;
  const r = rateBps / 10_000 / 12;
  const p = Number(principal);
  const bal =
    r === 0
      ? p * (1 - k / months)
      : p * ((Math.pow(1 + r, months) - Math.pow(1 + r, k)) / (Math.pow(1 + r, months) - 1));
  return BigInt(Math.max(0, Math.round(bal)));
}

/** Whole months between two day numbers (by calendar month, not counting a partial month). */
function monthsBetween(from: number, to: number): number {
  const a = civilFromDays(from);
  const b = civilFromDays(to);
  let m = (b.year - a.year) * 12 + (b.month - a.month);
  if (b.day < a.day) m--;
  return Math.max(0, m);
}

function periodOf(days: number): number {
  const c = civilFromDays(days);
  return c.year * 100 + c.month;
}

function clampAmount(v: bigint): bigint {
  return v < 0n ? 0n : v > MAX_AMOUNT ? MAX_AMOUNT : v;
}

/**
 * Generates a valid synthetic tape: log-normal principals, 36/60-month amortizing loans of various ages,
 * scores 300..850 skewed high (Beta(5,2)), rates by score band, a delinquency mixture over the 1-29/30/60/90+
 * buckets, some defaults, charge-offs and repaid loans, and collateral (LTV 50-95%) on some loans.
 */
export function generateSyntheticTape(options: SyntheticTapeOptions): LoanTape {
  const o = options;
  if (!Number.isInteger(o.loans) || o.loans < 1) throw invalid("loans", "a positive integer is required");
  const rng = createRng(o.seed);
  let asOfDate = o.asOfDate;
  let period = o.period;
  if (asOfDate === undefined) {
    asOfDate =
      period !== undefined
        ? endOfMonth(daysFromCivil(Math.floor(period / 100), period % 100, 1))
        : daysFromCivil(2026, 10, 31);
  }
  period ??= periodOf(asOfDate);
  const scale = 10n ** BigInt(o.decimals ?? 2);
  const pDefault = o.defaultRate ?? 0.02;
  const pChargeOff = o.chargeOffRate ?? 0.015;
  const pDelinquent = o.delinquencyRate ?? 0.08;
  const pRepaid = o.repaidRate ?? 0.03;
  const pSecured = o.securedRate ?? 0.3;
  const median = o.medianPrincipal ?? 12_000;
  const providerId = o.scoreProviderId ?? 1;
  const width = Math.max(6, String(o.loans).length);

  const loans: LoanRecord[] = [];
  for (let i = 0; i < o.loans; i++) {
    const term = rng.chance(0.7) ? 36 : 60;
    // Order statistic: the 5th smallest of 6 uniforms is Beta(5, 2), mean 0.71: scores skew high.
    const us = Array.from({ length: 6 }, () => rng.next()).sort((a, b) => a - b);
    const score = Math.round(300 + 550 * us[4]!);
    const rate = rateForScore(rng, score);
    const major = Math.min(2_000_000, Math.max(500, Math.round(median * Math.exp(0.8 * rng.normal()))));
    const principal = BigInt(major) * scale;
    const ageMonths = rng.int(1, term - 1);
    const origination = addMonths(asOfDate, -ageMonths) - rng.int(0, 27);
    const maturity = addMonths(origination, term);
    const age = asOfDate - origination;
    const pay = installment(principal, rate, term);
    let outstanding = balanceAfter(principal, rate, term, monthsBetween(origination, asOfDate));
    if (outstanding === 0n) outstanding = 1n;
    let status: LoanStatus = LoanStatus.Performing;
    let dpd = 0;
    let scheduled = pay;
    let collected = pay;
    let chargedOff = 0n;

    const u = rng.next();
    if (u < pChargeOff && age > 150) {
      status = LoanStatus.ChargedOff;
      dpd = Math.min(age, rng.int(120, 180));
      const missed = Math.floor(dpd / 30);
      chargedOff =
        balanceAfter(principal, rate, term, Math.max(0, monthsBetween(origination, asOfDate) - missed)) || 1n;
      outstanding = 0n;
      scheduled = 0n;
      collected = rng.chance(0.3) ? BigInt(Math.round(Number(chargedOff) * rng.next() * 0.1)) : 0n; // recoveries
    } else if (u < pChargeOff + pDefault && age > 90) {
      status = LoanStatus.Defaulted;
      dpd = Math.min(age, rng.int(90, 360));
      collected = 0n;
    } else if (u < pChargeOff + pDefault + pDelinquent) {
      const b = rng.next();
      dpd =
        b < 0.45 ? rng.int(1, 29) : b < 0.7 ? rng.int(30, 59) : b < 0.85 ? rng.int(60, 89) : rng.int(90, 150);
      dpd = Math.min(dpd, age);
      status = dpd > 0 ? LoanStatus.Delinquent : LoanStatus.Performing;
      collected = dpd >= 30 ? 0n : rng.chance(0.5) ? pay / 2n : 0n;
    } else if (u < pChargeOff + pDefault + pDelinquent + pRepaid) {
      status = LoanStatus.Repaid;
      collected = outstanding + pay; // prepaid in full this period
      outstanding = 0n;
      scheduled = pay;
    }
    let collateral = 0n;
    if (rng.chance(pSecured)) {
      const ltv = 0.5 + 0.45 * rng.next();
      collateral = BigInt(Math.round(Number(principal) / ltv));
    }
    const id = String(i + 1).padStart(width, "0");
    loans.push({
      loanId: `L${id}`,
      borrowerRef: `B${Math.floor(rng.next() * 0xffffffff)
        .toString(16)
        .padStart(8, "0")}${id}`,
      originationDate: origination,
      maturityDate: maturity,
      originalPrincipal: principal,
      outstandingBalance: clampAmount(outstanding),
      interestRateBps: rate,
      scheduledPayment: clampAmount(scheduled),
      collectedAmount: clampAmount(collected),
      daysPastDue: dpd,
      status,
      chargedOffAmount: clampAmount(chargedOff),
      creditScore: score,
      scoreProviderId: providerId,
      scoreDate: Math.max(origination, asOfDate - rng.int(0, 60)),
      collateralValue: collateral,
    });
  }
  return assertValidTape({
    poolId: o.poolId ?? 1n,
    period,
    asOfDate,
    currency: o.currency ?? "USD",
    decimals: o.decimals ?? 2,
    loans,
  });
}

/** Options of {@link advancePeriod}. Probabilities are per loan and per month. */
export interface AdvancePeriodOptions {
  /** PRNG seed for this step. */
  seed: number | string;
  /** Next period (default: the month after the tape's, YYYYMM). */
  period?: number;
  /** Next as-of date (default: the end of the month after the tape's as-of date). */
  asOfDate?: number;
  /** Probability that a performing or delinquent loan defaults this period (default 0.02). */
  defaultRate?: number;
  /** Probability that a defaulted loan is charged off this period (default 0.3). */
  chargeOffRate?: number;
  /** Probability that a performing loan misses its payment (default 0.04). */
  missRate?: number;
  /** Probability that a delinquent loan cures (pays its arrears) (default 0.3). */
  cureRate?: number;
  /** Probability that a performing loan prepays in full (default 0.01). */
  prepayRate?: number;
  /** Share of a charged-off balance recovered in the period of the charge-off (default 0.1). */
  recoveryRate?: number;
}

/**
 * Produces the next period's tape: performing loans pay their installment (principal amortizes) or miss it,
 * some prepay, delinquent loans cure or roll to later buckets, some loans default, defaulted loans may be
 * charged off (their balance written off), repaid and charged-off loans stay on the tape with no cash flow.
 * Loan ids, borrowers and the pool are unchanged; the result is validated.
 */
export function advancePeriod(tape: LoanTape, options: AdvancePeriodOptions): LoanTape {
  const rng = createRng(options.seed);
  const asOfDate =
    options.asOfDate ??
    endOfMonth(
      addMonths(daysFromCivil(civilFromDays(tape.asOfDate).year, civilFromDays(tape.asOfDate).month, 1), 1),
    );
  const period =
    options.period ??
    (tape.period >= 100_001 && tape.period % 100 >= 1 && tape.period % 100 <= 12
      ? periodOf(asOfDate)
      : tape.period + 1);
  const elapsed = asOfDate - tape.asOfDate;
  if (elapsed <= 0) throw invalid("asOfDate", "the next period must end after the current one");
  const pDefault = options.defaultRate ?? 0.02;
  const pChargeOff = options.chargeOffRate ?? 0.3;
  const pMiss = options.missRate ?? 0.04;
  const pCure = options.cureRate ?? 0.3;
  const pPrepay = options.prepayRate ?? 0.01;
  const pRecovery = options.recoveryRate ?? 0.1;

  const loans = tape.loans.map((r): LoanRecord => {
    const n: LoanRecord = { ...r, scheduledPayment: 0n, collectedAmount: 0n };
    const age = asOfDate - r.originationDate;
    const termMonths = Math.max(1, monthsBetween(r.originationDate, r.maturityDate));
    const rate = r.interestRateBps / 10_000 / 12;
    const pay = installment(r.originalPrincipal, r.interestRateBps, termMonths);
    const interest = BigInt(Math.round(Number(r.outstandingBalance) * rate));
    const payDown = (): void => {
      n.scheduledPayment = pay;
      let principalPart = pay - interest;
      if (principalPart < 0n) principalPart = 0n;
      if (principalPart >= r.outstandingBalance || asOfDate >= r.maturityDate) {
        n.collectedAmount = r.outstandingBalance + interest;
        n.outstandingBalance = 0n;
        n.status = LoanStatus.Repaid;
        n.daysPastDue = 0;
      } else {
        n.collectedAmount = pay;
        n.outstandingBalance = r.outstandingBalance - principalPart;
        n.status = LoanStatus.Performing;
        n.daysPastDue = 0;
      }
    };
    const defaultNow = (): void => {
      n.status = LoanStatus.Defaulted;
      n.daysPastDue = Math.min(age, Math.max(r.daysPastDue + elapsed, 90));
      n.scheduledPayment = pay;
    };
    switch (r.status) {
      case LoanStatus.Repaid:
        return n;
      case LoanStatus.ChargedOff:
        n.daysPastDue = Math.min(age, r.daysPastDue + elapsed);
        return n;
      case LoanStatus.Defaulted:
        if (rng.chance(pChargeOff)) {
          n.status = LoanStatus.ChargedOff;
          const recovered = (r.outstandingBalance * BigInt(Math.round(pRecovery * 1000))) / 1000n;
          n.chargedOffAmount = r.outstandingBalance;
          n.collectedAmount = recovered;
          n.outstandingBalance = 0n;
        }
        n.daysPastDue = Math.min(age, r.daysPastDue + elapsed);
        return n;
      case LoanStatus.Performing: {
        const u = rng.next();
        if (u < pDefault) defaultNow();
        else if (u < pDefault + pMiss) {
          n.status = LoanStatus.Delinquent;
          n.scheduledPayment = pay;
          n.daysPastDue = Math.min(age, r.daysPastDue + rng.int(1, elapsed));
        } else if (u < pDefault + pMiss + pPrepay) {
          n.scheduledPayment = pay;
          n.collectedAmount = r.outstandingBalance + interest;
          n.outstandingBalance = 0n;
          n.status = LoanStatus.Repaid;
          n.daysPastDue = 0;
        } else payDown();
        return n;
      }
      case LoanStatus.Delinquent: {
        const u = rng.next();
        if (u < pDefault || r.daysPastDue + elapsed > 180) defaultNow();
        else if (u < pDefault + pCure) {
          payDown();
          const arrears = BigInt(Math.ceil(r.daysPastDue / 30)) * pay;
          n.collectedAmount += arrears;
        } else {
          n.scheduledPayment = pay;
          n.daysPastDue = Math.min(age, r.daysPastDue + elapsed);
        }
        return n;
      }
      default:
        return n;
    }
  });
  return assertValidTape({ ...tape, period, asOfDate, loans });
}
