/**
 * Seeded random sequences of periods for the roll-forward tests: each period rolls the last one forward
 * with payments, adjustments, modifications, delinquency, exits of every code (with balances removed on
 * sale, repurchase and servicing transfer), charge-offs and later recoveries, and new loans; the tape is
 * put in stable slots with assignSlots. Every tape keeps the rules of docs/TAPE.md.
 */
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  assertValidTape,
  assignSlots,
  type LoanRecord,
  type LoanTape,
} from "../../prover/index.ts";

import { rng } from "../support/rng.ts";

export { rng };
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const big = (r: () => number, lo: bigint, hi: bigint): bigint =>
  hi <= lo ? lo : lo + (BigInt(Math.floor(r() * 2 ** 40)) % (hi - lo + 1n));

export const FIRST_AS_OF = 20_390; // 2025-10-31
let serial = 0;

/** A new loan originated in the period ending at `asOf`. */
export function newLoan(r: () => number, asOf: number, prefix = "N"): LoanRecord {
  const principal = big(r, 50_000n, 5_000_000n);
  const pc = r() < 0.5 ? big(r, 0n, principal / 10n) : 0n;
  const ic = big(r, 0n, 20_000n);
  return {
    loanId: `${prefix}${++serial}`,
    borrowerRef: `B${int(r, 1, 9)}`,
    originationDate: asOf - int(r, 0, 25),
    maturityDate: asOf + int(r, 300, 2000),
    originalPrincipal: principal,
    outstandingBalance: principal - pc,
    interestRateBps: int(r, 300, 3000),
    scheduledPayment: big(r, 0n, 90_000n),
    collectedAmount: pc + ic,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: int(r, 300, 850),
    scoreProviderId: 1,
    scoreDate: asOf - 20,
    collateralValue: r() < 0.3 ? big(r, 0n, 9_000_000n) : 0n,
    principalCollected: pc,
    interestCollected: ic,
  };
}

/** A pool's first tape: `n` loans, all performing or delinquent. */
export function firstTape(r: () => number, n: number): LoanTape {
  const loans = Array.from({ length: n }, () => {
    const l = newLoan(r, FIRST_AS_OF, "L");
    l.originationDate = FIRST_AS_OF - int(r, 40, 400);
    if (r() < 0.3) {
      l.status = LoanStatus.Delinquent;
      l.daysPastDue = int(r, 1, 35);
    }
    return l;
  });
  return assertValidTape({
    poolId: 7n,
    period: 202510,
    asOfDate: FIRST_AS_OF,
    currency: "USD",
    decimals: 2,
    loans,
  });
}

const terminal = (l: LoanRecord): boolean =>
  l.status === LoanStatus.Repaid || l.status === LoanStatus.ChargedOff;

/** One loan of last period rolled forward to the period ending at `asOf` (undefined: dropped, if free). */
function roll(
  r: () => number,
  p: LoanRecord,
  asOf: number,
  prevAsOf: number,
  maxAdj: bigint,
): LoanRecord | undefined {
  const base: LoanRecord = {
    loanId: p.loanId,
    borrowerRef: p.borrowerRef,
    originationDate: p.originationDate,
    maturityDate: p.maturityDate,
    originalPrincipal: p.originalPrincipal,
    outstandingBalance: p.outstandingBalance,
    interestRateBps: r() < 0.2 ? int(r, 300, 3000) : p.interestRateBps, // variable rates change
    scheduledPayment: 0n,
    collectedAmount: 0n,
    daysPastDue: p.daysPastDue,
    status: p.status,
    chargedOffAmount: p.chargedOffAmount,
    creditScore: r() < 0.3 ? int(r, 300, 850) : p.creditScore,
    scoreProviderId: p.scoreProviderId,
    scoreDate: r() < 0.3 ? asOf - 3 : p.scoreDate,
    collateralValue: p.collateralValue,
  };
  if (p.status === LoanStatus.Repaid) return r() < 0.5 ? undefined : base;
  if (p.status === LoanStatus.ChargedOff) {
    if (r() < 0.3) return undefined;
    const rec = r() < 0.5 ? big(r, 1n, p.chargedOffAmount) : 0n;
    return { ...base, collectedAmount: rec, recoveries: rec };
  }
  const out = p.outstandingBalance;
  const exitDate = int(r, prevAsOf + 1, asOf);
  const u = r();
  if (u < 0.12) {
    // Prepaid or matured: the balance collected as principal.
    return {
      ...base,
      outstandingBalance: 0n,
      daysPastDue: 0,
      status: LoanStatus.Repaid,
      collectedAmount: out + 500n,
      principalCollected: out,
      interestCollected: 500n,
      exitCode: ExitCode.PrepaidOrMatured,
      exitDate,
    };
  }
  if (u < 0.2) {
    // Sold, repurchased or transferred: part collected, the rest removed at exit.
    const code = [ExitCode.Sold, ExitCode.Repurchased, ExitCode.ServicingTransfer][int(r, 0, 2)]!;
    const pc = code === ExitCode.ServicingTransfer ? 0n : big(r, 0n, out);
    return {
      ...base,
      outstandingBalance: 0n,
      daysPastDue: 0,
      status: LoanStatus.Repaid,
      collectedAmount: pc,
      principalCollected: pc,
      exitCode: code,
      exitDate,
    };
  }
  if (u < 0.28) {
    // Charged off, some principal collected first, maybe a recovery in the same period.
    const pc = r() < 0.5 ? big(r, 0n, out - 1n) : 0n;
    const rec = r() < 0.3 ? big(r, 1n, 10_000n) : 0n;
    const dpd = Math.min(p.daysPastDue + 30, asOf - p.originationDate);
    return {
      ...base,
      outstandingBalance: 0n,
      status: LoanStatus.ChargedOff,
      chargedOffAmount: out - pc,
      daysPastDue: dpd,
      collectedAmount: pc + rec,
      principalCollected: pc,
      recoveries: rec,
      exitCode: ExitCode.ChargedOff,
      exitDate,
    };
  }
  // Stays active: pays some principal, maybe an adjustment (either sign, within the bound).
  let adj = 0n;
  if (r() < 0.3) {
    adj = big(r, 1n, maxAdj);
    if (r() < 0.5) adj = -adj;
  }
  const pc = big(r, 0n, out / 5n);
  let next = out - pc + adj;
  if (next <= 0n || next > 2n * p.originalPrincipal) {
    adj = 0n;
    next = out - pc;
  }
  if (next <= 0n) return { ...base, collectedAmount: 0n }; // nothing collected this period
  const ic = big(r, 0n, 30_000n);
  const late = r() < 0.3;
  const dpd = late ? Math.min(p.daysPastDue + 30, asOf - p.originationDate) : 0;
  const status = !late ? LoanStatus.Performing : dpd >= 120 ? LoanStatus.Defaulted : LoanStatus.Delinquent;
  return {
    ...base,
    outstandingBalance: next,
    scheduledPayment: big(r, 0n, 90_000n),
    collectedAmount: pc + ic + big(r, 0n, 1_000n),
    daysPastDue: status === LoanStatus.Delinquent && dpd === 0 ? 1 : dpd,
    status,
    principalCollected: pc,
    interestCollected: ic,
    principalAdjustment: adj,
    adjustmentReason: adj === 0n ? AdjustmentReason.None : int(r, 1, 4),
    modified: r() < 0.1,
  };
}

/** The next period's tape, in stable slots. */
export function nextTape(r: () => number, prev: LoanTape, maxAdj: bigint, newLoans = int(r, 0, 4)): LoanTape {
  const asOf = prev.asOfDate + 30;
  const loans: LoanRecord[] = [];
  for (const p of prev.loans) {
    const l = roll(r, p, asOf, prev.asOfDate, maxAdj);
    if (l !== undefined) loans.push(l);
    else if (!terminal(p)) throw new Error("only free slots are dropped");
  }
  for (let i = 0; i < newLoans; i++) loans.push(newLoan(r, asOf));
  // Shuffle: the slot assignment, not the listing order, decides where a loan goes.
  for (let i = loans.length - 1; i > 0; i--) {
    const j = int(r, 0, i);
    [loans[i], loans[j]] = [loans[j]!, loans[i]!];
  }
  const t: LoanTape = { ...prev, period: prev.period + 1, asOfDate: asOf, loans };
  return assertValidTape(assignSlots(prev, t).tape);
}
