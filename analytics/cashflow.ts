/**
 * Monthly pool cash-flow projection under prepayment (CPR), default (CDR), loss severity and recovery-lag
 * assumptions, for level-pay amortising loans; from attested pool figures (one representative loan) or from
 * loan-level data (each loan projected and the results summed). See docs/ANALYTICS.md, "Cash-flow
 * projections".
 *
 * Month k of a loan with balance B, monthly rate r and n months left (CDR, CPR annual; MDR and SMM monthly):
 *   MDR = 1 − (1 − CDR)^(1/12)        defaults D = B·MDR, taken at the start of the month (no payment from them)
 *   performing P = B − D,             interest I = P·r
 *   payment A = P·r/(1 − (1+r)^−n)    (P/n when r = 0), scheduled principal S = A − I
 *   SMM = 1 − (1 − CPR)^(1/12)        prepayment V = (P − S)·SMM
 *   end balance B' = P − S − V;       loss D·severity; recovery D·(1 − severity) received `recoveryLag` months later
 * Assumption vectors give month k's value at index k − 1; the last value holds afterwards.
 *
 * Pure arithmetic on numbers (minor units as floating point); no Node API (browser-safe).
 */
import { isActiveStatus, type LoanRecord } from "../prover/tape/schema.ts";
import { invalid } from "../verifier-api/web/errors.js";

/** A constant, or one value per month (index 0 = month 1; the last value holds for later months). */
export type Curve = number | readonly number[];

/** Projection assumptions. Rates are annual fractions (CPR 0.06 = 6% a year), severity a fraction of the default. */
export interface CashflowAssumptions {
  /** Conditional prepayment rate, annual (default 0). */
  cpr?: Curve;
  /** Conditional default rate, annual (default 0). */
  cdr?: Curve;
  /** Loss severity: share of a defaulted balance never recovered (default 1 − 0.4 = 0.6). */
  severity?: Curve;
  /** Months between a default and its recovery (default 0: same month). */
  recoveryLag?: number;
}

/** One amortising position: a loan, or the pool as one representative loan. */
export interface AmortisingLoan {
  /** Outstanding principal, minor units. */
  balance: number;
  /** Annual interest rate, fraction (0.12 = 12%). */
  annualRate: number;
  /** Months of scheduled payments left (≥ 1). */
  remainingMonths: number;
}

/** Pool cash flows of one month (minor units). */
export interface PoolPeriod {
  month: number;
  beginBalance: number;
  /** Balance defaulting this month (charged off by the tape in this month). */
  defaults: number;
  interest: number;
  scheduledPrincipal: number;
  prepayment: number;
  /** Recoveries received this month (of defaults `recoveryLag` months earlier). */
  recovery: number;
  /** defaults × severity: the part of this month's defaults never recovered. */
  loss: number;
  endBalance: number;
}

/** Result of a pool projection. */
export interface PoolProjection {
  periods: PoolPeriod[];
  /** Weighted average life of the principal (scheduled + prepaid), years: Σ k·principalₖ / Σ principalₖ / 12. */
  wal: number;
  totals: {
    interest: number;
    principal: number;
    defaults: number;
    recovery: number;
    loss: number;
  };
}

/** Month k's value of a curve (k ≥ 1). */
export function curveAt(c: Curve | undefined, k: number, fallback: number): number {
  if (c === undefined) return fallback;
  if (typeof c === "number") return c;
  if (c.length === 0) return fallback;
  return c[Math.min(k, c.length) - 1]!;
}

function checkCurve(c: Curve | undefined, name: string): void {
  if (c === undefined) return;
  const xs = typeof c === "number" ? [c] : c;
  if (typeof c !== "number" && (!Array.isArray(c) || c.length === 0 || c.length > 1200)) {
    throw invalid(name, "must be a number or a non-empty array of at most 1,200 numbers");
  }
  for (const x of xs) {
    if (!(typeof x === "number" && x >= 0 && x <= 1)) throw invalid(name, "values must be in [0, 1]");
  }
}

/** Throws TypeError naming the bad assumption. */
export function checkAssumptions(a: CashflowAssumptions): void {
  checkCurve(a.cpr, "cpr");
  checkCurve(a.cdr, "cdr");
  checkCurve(a.severity, "severity");
  const lag = a.recoveryLag ?? 0;
  if (!Number.isSafeInteger(lag) || lag < 0 || lag > 120) {
    throw invalid("recoveryLag", "must be an integer number of months in [0, 120]");
  }
}

function checkLoan(l: AmortisingLoan, name: string): void {
  if (!(Number.isFinite(l.balance) && l.balance >= 0)) throw invalid(`${name}.balance`, "must be ≥ 0");
  if (!(Number.isFinite(l.annualRate) && l.annualRate >= 0 && l.annualRate <= 10)) {
    throw invalid(`${name}.annualRate`, "must be in [0, 10]");
  }
  if (!Number.isSafeInteger(l.remainingMonths) || l.remainingMonths < 1 || l.remainingMonths > 1200) {
    throw invalid(`${name}.remainingMonths`, "must be an integer in [1, 1200]");
  }
}

/** Level payment of a balance over n months at monthly rate r. */
export function levelPayment(balance: number, r: number, n: number): number {
  return r === 0 ? balance / n : (balance * r) / (1 - (1 + r) ** -n);
}

/** Months of the projection of these loans: the longest remaining term plus the recovery lag. */
export function projectionMonths(loans: readonly AmortisingLoan[], a: CashflowAssumptions): number {
  return Math.max(...loans.map((l) => l.remainingMonths)) + (a.recoveryLag ?? 0);
}

/**
 * Projects loans month by month and sums them (loan-level data: one entry per loan; attested figures: one
 * representative loan, {@link loanFromFigures}). `months` defaults to {@link projectionMonths}.
 */
export function projectPool(
  loans: readonly AmortisingLoan[],
  assumptions: CashflowAssumptions = {},
  months?: number,
): PoolProjection {
  checkAssumptions(assumptions);
  if (loans.length === 0) throw invalid("loans", "at least one loan is required");
  loans.forEach((l, i) => checkLoan(l, `loans[${i}]`));
  const horizon = months ?? projectionMonths(loans, assumptions);
  if (!Number.isSafeInteger(horizon) || horizon < 1 || horizon > 1320) {
    throw invalid("months", "must be an integer in [1, 1320]");
  }
  const lag = assumptions.recoveryLag ?? 0;
  const zero = (): PoolPeriod[] =>
    Array.from({ length: horizon }, (_, i) => ({
      month: i + 1,
      beginBalance: 0,
      defaults: 0,
      interest: 0,
      scheduledPrincipal: 0,
      prepayment: 0,
      recovery: 0,
      loss: 0,
      endBalance: 0,
    }));
  const out = zero();
  const mdr: number[] = [];
  const smm: number[] = [];
  const sev: number[] = [];
  for (let k = 1; k <= horizon; k++) {
    mdr.push(1 - (1 - curveAt(assumptions.cdr, k, 0)) ** (1 / 12));
    smm.push(1 - (1 - curveAt(assumptions.cpr, k, 0)) ** (1 / 12));
    sev.push(curveAt(assumptions.severity, k, 0.6));
  }
  for (const loan of loans) {
    const r = loan.annualRate / 12;
    let b = loan.balance;
    for (let k = 1; k <= horizon && b > 0; k++) {
      const p = out[k - 1]!;
      p.beginBalance += b;
      const left = loan.remainingMonths - k + 1;
      const d = left >= 1 ? b * mdr[k - 1]! : 0;
      const perf = b - d;
      // past its last scheduled month a balance (none without defaults) pays off at once
      const interest = perf * r;
      const sched = left >= 1 ? Math.min(perf, levelPayment(perf, r, left) - interest) : perf;
      const prepay = (perf - sched) * smm[k - 1]!;
      b = left <= 1 ? 0 : perf - sched - prepay;
      p.defaults += d;
      p.interest += interest;
      p.scheduledPrincipal += sched;
      p.prepayment += prepay;
      p.loss += d * sev[k - 1]!;
      p.endBalance += b;
      const rec = d * (1 - sev[k - 1]!);
      if (rec > 0 && k + lag <= horizon) out[k + lag - 1]!.recovery += rec;
    }
  }
  let wk = 0;
  const totals = { interest: 0, principal: 0, defaults: 0, recovery: 0, loss: 0 };
  for (const p of out) {
    const prin = p.scheduledPrincipal + p.prepayment;
    wk += p.month * prin;
    totals.interest += p.interest;
    totals.principal += prin;
    totals.defaults += p.defaults;
    totals.recovery += p.recovery;
    totals.loss += p.loss;
  }
  return { periods: out, wal: totals.principal > 0 ? wk / totals.principal / 12 : 0, totals };
}

/**
 * WAL of a level-pay loan with no default or prepayment, years (closed form):
 * Σₖ k·Sₖ / B with Sₖ = A·(1+r)^−(n−k+1), which sums to n/(1 − (1+r)^−n) − 1/r months ((n+1)/2 when r = 0).
 */
export function levelPayWal(annualRate: number, n: number): number {
  const r = annualRate / 12;
  if (r === 0) return (n + 1) / 2 / 12;
  return (n / (1 - (1 + r) ** -n) - 1 / r) / 12;
}

/** Attested figures a projection can start from (amounts as bigint, safe-integer number or decimal string). */
export interface ProjectionFigures {
  outstanding: bigint | number | string;
  /** The period's scheduled payment, if attested: with the rate it gives the remaining term. */
  scheduled?: bigint | number | string;
}

/**
 * The pool as one representative level-pay loan: balance = attested outstanding; the rate is an assumption
 * (the attestation does not carry it); the remaining term is given, or solved from the attested scheduled
 * payment A: n = −ln(1 − B·r/A)/ln(1 + r) rounded up (B/A when r = 0).
 */
export function loanFromFigures(
  figures: ProjectionFigures,
  options: { annualRate: number; remainingMonths?: number },
): AmortisingLoan {
  const balance = Number(BigInt(figures.outstanding));
  let n = options.remainingMonths;
  if (n === undefined) {
    if (figures.scheduled === undefined) {
      throw invalid("remainingMonths", "give it, or figures with the scheduled payment to derive it from");
    }
    const a = Number(BigInt(figures.scheduled));
    const r = options.annualRate / 12;
    if (!(a > balance * r)) {
      throw invalid("figures.scheduled", "does not cover the interest: no level-pay term matches it");
    }
    n =
      r === 0 ? Math.ceil(balance / a) : Math.ceil(-Math.log(1 - (balance * r) / a) / Math.log(1 + r) - 1e-9);
  }
  const loan = { balance, annualRate: options.annualRate, remainingMonths: n };
  checkLoan(loan, "loan");
  return loan;
}

/** Average days in a month, for remaining terms from dates. */
const DAYS_PER_MONTH = 365.25 / 12;

/**
 * Loan-level data (when the originator runs the projection on its own tape): each open loan with a balance
 * becomes an amortising loan with its own rate and the months left to its maturity (at least 1). Loans
 * charged off or repaid are left out.
 */
export function loansFromTape(records: readonly LoanRecord[], asOfDate: number): AmortisingLoan[] {
  return records
    .filter((l) => l.outstandingBalance > 0n && isActiveStatus(l.status))
    .map((l) => ({
      balance: Number(l.outstandingBalance),
      annualRate: l.interestRateBps / 10_000,
      remainingMonths: Math.min(1200, Math.max(1, Math.ceil((l.maturityDate - asOfDate) / DAYS_PER_MONTH))),
    }));
}
