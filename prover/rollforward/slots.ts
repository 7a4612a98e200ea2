/**
 * Stable slots (issue 15, docs/TAPE.md "Stable slots"): a loan keeps its tape position from period to period,
 * a loan that exited is listed once with its exit code and then frees its slot, new loans take free slots
 * first. `assignSlots` orders a period's loans by that rule given last period's tape.
 */
import { CodedError } from "../../verifier-api/web/errors.js";
import { LoanStatus, type LoanRecord, type LoanTape } from "../tape/schema.ts";

/** Why a period's tape cannot be put in stable slots. */
export class SlotAssignmentError extends CodedError {
  constructor(message: string) {
    super("refused", message);
    this.name = "SlotAssignmentError";
  }
}

/** The result of {@link assignSlots}. */
export interface SlotAssignment {
  /** The period's tape, its loans in slot order (loan i is in slot i). */
  tape: LoanTape;
  /** Slots that hold a new loan (id not in last period's tape). */
  originations: number[];
  /** Free slots in the middle of the tape that no new loan took: their terminal loan is listed again. */
  carried: number[];
  /** Last period's slots beyond the end of this tape (terminal loans dropped at the end). */
  emptied: number[];
}

const isTerminal = (r: LoanRecord): boolean =>
  r.status === LoanStatus.Repaid || r.status === LoanStatus.ChargedOff;

/** A terminal loan listed again in a later period: no cash flow, no exit (it exited before). */
function carryForward(r: LoanRecord): LoanRecord {
  return {
    loanId: r.loanId,
    borrowerRef: r.borrowerRef,
    originationDate: r.originationDate,
    maturityDate: r.maturityDate,
    originalPrincipal: r.originalPrincipal,
    outstandingBalance: r.outstandingBalance,
    interestRateBps: r.interestRateBps,
    scheduledPayment: 0n,
    collectedAmount: 0n,
    daysPastDue: r.daysPastDue,
    status: r.status,
    chargedOffAmount: r.chargedOffAmount,
    creditScore: r.creditScore,
    scoreProviderId: r.scoreProviderId,
    scoreDate: r.scoreDate,
    collateralValue: r.collateralValue,
  };
}

/**
 * Orders `current`'s loans in stable slots given last period's tape (`previous`, in its slot order; undefined
 * for a pool's first period, which keeps its order). Rules (docs/TAPE.md): a listed loan keeps its slot; a
 * slot whose loan was terminal last period and is not listed now is free; new loans take free slots, lowest
 * first, then slots after the end; a free slot in the middle that no new loan takes lists its terminal loan
 * again (the plain attestation needs the loans packed); free slots at the end are emptied. Throws a
 * {@link SlotAssignmentError} when an active loan of last period is missing (a dropped loan) or an id is
 * listed twice.
 */
export function assignSlots(previous: LoanTape | undefined, current: LoanTape): SlotAssignment {
  const seen = new Set<string>();
  for (const r of current.loans) {
    if (seen.has(r.loanId)) throw new SlotAssignmentError(`loan ${r.loanId} is listed twice`);
    seen.add(r.loanId);
  }
  if (previous === undefined)
    return { tape: current, originations: current.loans.map((_, i) => i), carried: [], emptied: [] };
  const byId = new Map(current.loans.map((r) => [r.loanId, r]));
  const prevIds = new Set(previous.loans.map((r) => r.loanId));
  const slots: (LoanRecord | undefined)[] = [];
  const free: number[] = [];
  const dropped: string[] = [];
  previous.loans.forEach((p, s) => {
    const now = byId.get(p.loanId);
    if (now !== undefined) slots[s] = now;
    else if (isTerminal(p)) free.push(s);
    else dropped.push(p.loanId);
  });
  if (dropped.length > 0)
    throw new SlotAssignmentError(
      `active loan${dropped.length > 1 ? "s" : ""} of the previous period missing from this tape: ${dropped.join(", ")}` +
        " (a loan leaves the pool only by an exit: repaid or charged off, listed once with its exit code)",
    );
  const originations: number[] = [];
  let next = 0;
  for (const r of current.loans) {
    if (prevIds.has(r.loanId)) continue;
    const s = next < free.length ? free[next++]! : slots.length;
    slots[s] = r;
    originations.push(s);
  }
  // Free slots no new loan took: the ones after the last listed loan are emptied, the others carried.
  let end = slots.length;
  while (end > 0 && slots[end - 1] === undefined) end--;
  const carried: number[] = [];
  const emptied: number[] = [];
  for (const s of free.slice(next)) {
    if (s < end) {
      slots[s] = carryForward(previous.loans[s]!);
      carried.push(s);
    } else emptied.push(s);
  }
  slots.length = end;
  return {
    tape: { ...current, loans: slots as LoanRecord[] },
    originations: originations.sort((a, b) => a - b),
    carried,
    emptied,
  };
}
