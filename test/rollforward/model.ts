/**
 * The independent model of the roll-forward totals (issue 15): computed loan by loan from the two tapes'
 * records, by loan id (not by slot, not from the encoded words), as a servicing reviewer would: opening and
 * closing balances, cash collected, new charge-offs, adjustments, originations, balances removed at exit and
 * exits by code. The circuit and the witness builder must agree with it.
 */
import { ExitCode, LoanStatus, periodFlows, type LoanRecord, type LoanTape } from "../../prover/index.ts";
import type { RollForwardTotals } from "../../prover/index.ts";

const active = (r: LoanRecord): boolean =>
  r.status === LoanStatus.Performing ||
  r.status === LoanStatus.Delinquent ||
  r.status === LoanStatus.Defaulted;

export function modelRollForward(prev: LoanTape, next: LoanTape): RollForwardTotals {
  const before = new Map(prev.loans.map((r) => [r.loanId, r]));
  const t: RollForwardTotals = {
    opening: 0n,
    principalCollected: 0n,
    interestCollected: 0n,
    recoveries: 0n,
    chargedOff: 0n,
    adjustmentsUp: 0n,
    adjustmentsDown: 0n,
    originations: 0n,
    closing: 0n,
    removedAtExit: 0n,
    originationCount: 0n,
    exitsPrepaidOrMatured: 0n,
    exitsSold: 0n,
    exitsRepurchased: 0n,
    exitsChargedOff: 0n,
    exitsServicingTransfer: 0n,
    modifiedCount: 0n,
  };
  for (const r of prev.loans) if (active(r)) t.opening += r.outstandingBalance;
  for (const r of next.loans) {
    const f = periodFlows(r);
    const was = before.get(r.loanId);
    const closing = active(r) ? r.outstandingBalance : 0n;
    t.closing += closing;
    t.principalCollected += f.principalCollected;
    t.interestCollected += f.interestCollected;
    t.recoveries += f.recoveries;
    const newChargeOff =
      r.status === LoanStatus.ChargedOff && was?.status !== LoanStatus.ChargedOff ? r.chargedOffAmount : 0n;
    t.chargedOff += newChargeOff;
    if (f.principalAdjustment > 0n) t.adjustmentsUp += f.principalAdjustment;
    else t.adjustmentsDown -= f.principalAdjustment;
    if (was === undefined) {
      t.originationCount += 1n;
      t.originations += closing + newChargeOff + f.principalCollected;
    }
    switch (f.exitCode) {
      case ExitCode.PrepaidOrMatured:
        t.exitsPrepaidOrMatured += 1n;
        break;
      case ExitCode.Sold:
        t.exitsSold += 1n;
        break;
      case ExitCode.Repurchased:
        t.exitsRepurchased += 1n;
        break;
      case ExitCode.ChargedOff:
        t.exitsChargedOff += 1n;
        break;
      case ExitCode.ServicingTransfer:
        t.exitsServicingTransfer += 1n;
        break;
    }
    if (
      was !== undefined &&
      [ExitCode.Sold, ExitCode.Repurchased, ExitCode.ServicingTransfer].includes(f.exitCode as 2)
    ) {
      const opening = active(was) ? was.outstandingBalance : 0n;
      t.removedAtExit += opening - f.principalCollected + f.principalAdjustment - closing - newChargeOff;
    }
    if (f.modified) t.modifiedCount += 1n;
  }
  return t;
}
