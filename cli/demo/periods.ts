/**
 * The demo's later periods (issue 15 item 6): last period's tape rolled forward one month, in stable slots
 * (docs/TAPE.md "Stable slots"), with the period cash flows the roll-forward proves (docs/TAPE.md "Period
 * cash flows"). Performing loans pay their instalment (principal and interest collected) or miss it, some
 * prepay in full and loans at maturity pay off (exit 1), delinquent loans cure or roll, defaulted loans are
 * charged off (exit 4; at least one each period that asks for it), charged-off loans recover part of what was
 * written off (every loan charged off last period recovers some in this one; charged-off loans stay listed,
 * the attested charge-offs being cumulative), a few balances are corrected within the adjustment bound, and
 * new loans are originated into the slots repaid loans free.
 * Seeded: the same tape and seed give the same period.
 */
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  addMonths,
  assertValidTape,
  assignSlots,
  createRng,
  endOfMonth,
  type LoanRecord,
  type LoanTape,
} from "../../prover/index.ts";

/** Options of {@link rollDemoPeriod}. */
export interface DemoPeriodOptions {
  /** Seed of this step. */
  seed: number | string;
  /** The policy's bound on one loan's |principal adjustment| in a period, minor units. */
  maxAdjustment: bigint;
  /** New loans originated in the period (they take the free slots first). */
  originations: number;
  /** Charge off at least one loan this period (the most delinquent active one when none is drawn). */
  chargeOff?: boolean;
}

const MONTH = 30;

/** Monthly instalment of an amortising loan of `principal` at `rateBps` over `months`, minor units. */
function instalment(principal: bigint, rateBps: number, months: number): bigint {
  const r = rateBps / 10_000 / 12;
  const p = Number(principal);
  const pay = r === 0 ? p / months : (p * r) / (1 - Math.pow(1 + r, -months));
  return BigInt(Math.max(1, Math.round(pay)));
}

/** A terminal loan listed again without cash flows (its slot is not reused this period). */
function carried(p: LoanRecord): LoanRecord {
  return {
    loanId: p.loanId,
    borrowerRef: p.borrowerRef,
    originationDate: p.originationDate,
    maturityDate: p.maturityDate,
    originalPrincipal: p.originalPrincipal,
    outstandingBalance: p.outstandingBalance,
    interestRateBps: p.interestRateBps,
    scheduledPayment: 0n,
    collectedAmount: 0n,
    daysPastDue: p.daysPastDue,
    status: p.status,
    chargedOffAmount: p.chargedOffAmount,
    creditScore: p.creditScore,
    scoreProviderId: p.scoreProviderId,
    scoreDate: p.scoreDate,
    collateralValue: p.collateralValue,
  };
}

/** Last period's tape rolled forward to the end of the next month, in stable slots. */
export function rollDemoPeriod(prev: LoanTape, o: DemoPeriodOptions): LoanTape {
  const rng = createRng(o.seed);
  const asOf = endOfMonth(prev.asOfDate + 1);
  const prevAsOf = prev.asOfDate;
  const period = prev.period % 100 === 12 ? prev.period + 89 : prev.period + 1;
  const exitDate = (): number => rng.int(prevAsOf + 1, asOf);
  const loans: LoanRecord[] = [];
  let chargedOff = 0;
  for (const p of prev.loans) {
    const base = carried(p);
    const age = asOf - p.originationDate;
    if (p.status === LoanStatus.Repaid) continue; // its slot is free: a new loan may take it
    if (p.status === LoanStatus.ChargedOff) {
      // A charge-off of last period recovers part of what was written off, older ones sometimes. Charged-off
      // loans stay listed: the attested chargedOff is cumulative over the tape's loans (the vault realises
      // losses from its increase), so dropping one would lower it.
      const fresh = p.exitCode === ExitCode.ChargedOff;
      const rec = fresh || rng.chance(0.2) ? (p.chargedOffAmount * BigInt(rng.int(80, 300))) / 1_000n : 0n;
      loans.push(rec > 0n ? { ...base, collectedAmount: rec, recoveries: rec } : base);
      continue;
    }
    const out = p.outstandingBalance;
    const months = Math.max(1, Math.round((p.maturityDate - p.originationDate) / (365.25 / 12)));
    const pay = instalment(p.originalPrincipal, p.interestRateBps, months);
    const interest = BigInt(Math.round((Number(out) * p.interestRateBps) / 10_000 / 12));
    const principalPart = pay > interest ? pay - interest : 0n;
    const late = (dpd: number): LoanRecord => {
      const d = Math.min(age, dpd);
      return {
        ...base,
        scheduledPayment: pay,
        daysPastDue: d,
        status: d >= 120 || p.status === LoanStatus.Defaulted ? LoanStatus.Defaulted : LoanStatus.Delinquent,
      };
    };
    const chargeOff = (): LoanRecord => {
      chargedOff++;
      return {
        ...base,
        outstandingBalance: 0n,
        daysPastDue: Math.min(age, Math.max(p.daysPastDue + MONTH, 120)),
        status: LoanStatus.ChargedOff,
        chargedOffAmount: out,
        exitCode: ExitCode.ChargedOff,
        exitDate: exitDate(),
      };
    };
    const payOff = (): LoanRecord => ({
      ...base,
      outstandingBalance: 0n,
      scheduledPayment: pay,
      collectedAmount: out + interest,
      daysPastDue: 0,
      status: LoanStatus.Repaid,
      principalCollected: out,
      interestCollected: interest,
      exitCode: ExitCode.PrepaidOrMatured,
      exitDate: exitDate(),
    });
    const payInstalment = (arrears = 0n): LoanRecord => {
      if (principalPart + arrears >= out || asOf >= p.maturityDate) return payOff();
      const pc = principalPart + arrears;
      // Now and then a servicing correction or a capitalised fee, within the bound.
      let adj = 0n;
      if (rng.chance(0.03) && o.maxAdjustment > 0n) {
        adj = BigInt(rng.int(1, Number(o.maxAdjustment > 100_000n ? 100_000n : o.maxAdjustment)));
        if (rng.chance(0.6)) adj = -adj;
        if (out - pc + adj <= 0n) adj = 0n;
      }
      return {
        ...base,
        outstandingBalance: out - pc + adj,
        scheduledPayment: pay,
        collectedAmount: pc + interest,
        daysPastDue: 0,
        status: LoanStatus.Performing,
        principalCollected: pc,
        interestCollected: interest,
        ...(adj === 0n
          ? {}
          : {
              principalAdjustment: adj,
              adjustmentReason: adj > 0n ? AdjustmentReason.Capitalisation : AdjustmentReason.Correction,
            }),
      };
    };
    const u = rng.next();
    if (p.status === LoanStatus.Defaulted) {
      loans.push(rng.chance(0.5) ? chargeOff() : late(p.daysPastDue + MONTH));
    } else if (p.status === LoanStatus.Delinquent) {
      if (u < 0.35) loans.push(payInstalment(principalPart * BigInt(Math.ceil(p.daysPastDue / MONTH))));
      else loans.push(late(p.daysPastDue + MONTH));
    } else if (u < 0.015) loans.push(payOff());
    else if (u < 0.065) loans.push(late(rng.int(1, 29)));
    else loans.push(payInstalment());
  }
  if (o.chargeOff && chargedOff === 0) {
    // None drawn: the most delinquent active loan is charged off.
    let worst = -1;
    loans.forEach((l, i) => {
      if (
        (l.status === LoanStatus.Defaulted || l.status === LoanStatus.Delinquent) &&
        (worst < 0 || l.daysPastDue > loans[worst]!.daysPastDue)
      )
        worst = i;
    });
    if (worst < 0) worst = loans.findIndex((l) => l.status === LoanStatus.Performing && !l.exitCode);
    const l = loans[worst]!;
    const was = prev.loans.find((x) => x.loanId === l.loanId)!;
    loans[worst] = {
      ...carried(was),
      outstandingBalance: 0n,
      daysPastDue: Math.min(asOf - was.originationDate, Math.max(was.daysPastDue + MONTH, 120)),
      status: LoanStatus.ChargedOff,
      chargedOffAmount: was.outstandingBalance,
      exitCode: ExitCode.ChargedOff,
      exitDate: asOf,
    };
  }
  for (let i = 0; i < o.originations; i++) {
    const score = rng.int(620, 820);
    const principal = BigInt(rng.int(3_000, 40_000)) * 10n ** BigInt(prev.decimals);
    const origination = rng.int(prevAsOf + 1, asOf);
    loans.push({
      loanId: `N${period}-${String(i + 1).padStart(3, "0")}`,
      borrowerRef: `BN${period}${String(i + 1).padStart(3, "0")}`,
      originationDate: origination,
      maturityDate: addMonths(origination, rng.chance(0.7) ? 36 : 60),
      originalPrincipal: principal,
      outstandingBalance: principal,
      interestRateBps: rng.int(700, 1_900),
      scheduledPayment: 0n,
      collectedAmount: 0n,
      daysPastDue: 0,
      status: LoanStatus.Performing,
      chargedOffAmount: 0n,
      creditScore: score,
      scoreProviderId: prev.loans[0]?.scoreProviderId ?? 1,
      scoreDate: origination,
      collateralValue: 0n,
    });
  }
  const next: LoanTape = { ...prev, period, asOfDate: asOf, loans };
  return assertValidTape(assignSlots(prev, next).tape);
}
