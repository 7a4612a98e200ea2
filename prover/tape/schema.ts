/**
 * The loan tape schema: one record per loan, in canonical units.
 *
 * This file is the contract between the tape readers (`prover/tape/`), the field encoding and commitment
 * (`prover/commitment/`), the circuits (`circuits/`) and the TypeScript model (`prover/model/`). Every
 * amount is an integer number of minor units (cents for USD) held as a `bigint`; rates are basis points;
 * dates are whole days since 1970-01-01 (UTC). The limits below are enforced by the readers and again,
 * as range checks, inside the circuits.
 */

/** Largest amount, in minor units, that any money field may hold: 2^48 - 1 (about 2.8e12 USD in cents). */
export const MAX_AMOUNT = (1n << 48n) - 1n;
/** Bits used to range-check a money field in the circuits. */
export const AMOUNT_BITS = 48;
/** Largest day number (dates are days since 1970-01-01): 2^16 - 1, i.e. the year 2149. */
export const MAX_DAY = 65_535;
/** Largest days-past-due value. */
export const MAX_DAYS_PAST_DUE = 65_535;
/** Largest interest rate, in basis points (655.35% a year). */
export const MAX_RATE_BPS = 65_535;
/** Largest credit score; scores live on a provider's scale between 0 and this. */
export const MAX_CREDIT_SCORE = 1_023;
/** Longest loan id or borrower reference, in UTF-8 bytes (it must fit one field element). */
export const MAX_ID_BYTES = 31;
/** Largest numeric id of a score provider. */
export const MAX_PROVIDER_ID = 0xffff_ffff;

/** The status of a loan at the end of the reporting period. Numeric codes are part of the encoding. */
export const LoanStatus = {
  Performing: 0,
  Delinquent: 1,
  Defaulted: 2,
  ChargedOff: 3,
  Repaid: 4,
} as const;
/** A numeric status code (0..4), one of the values of {@link LoanStatus}. */
export type LoanStatus = (typeof LoanStatus)[keyof typeof LoanStatus];
/**
 * The "active loan" rule, declared once: a performing, delinquent or defaulted loan is active (it has an
 * outstanding balance and counts in the pool's figures, docs/TAPE.md); charged-off and repaid loans are not.
 */
export function isActiveStatus(status: number): boolean {
  return (
    status === LoanStatus.Performing || status === LoanStatus.Delinquent || status === LoanStatus.Defaulted
  );
}

/** Canonical names of the statuses, as they appear in JSON and CSV tapes. */
export const LOAN_STATUS_NAMES = ["performing", "delinquent", "defaulted", "charged_off", "repaid"] as const;
/** A canonical status name; `LOAN_STATUS_NAMES[code]` is the name of a status code. */
export type LoanStatusName = (typeof LOAN_STATUS_NAMES)[number];

/**
 * One loan of the tape, in canonical units. The period fields ({@link PeriodFlows}) are optional: absent
 * means the default of {@link periodFlows}.
 */
export interface LoanRecord extends Partial<PeriodFlows> {
  /** Originator's loan identifier, unique within the tape, 1..31 UTF-8 bytes. */
  loanId: string;
  /** Originator's borrower reference (never published; only its salted hash enters a commitment). */
  borrowerRef: string;
  /** Origination date, days since 1970-01-01. */
  originationDate: number;
  /** Contractual maturity date, days since 1970-01-01, not before origination. */
  maturityDate: number;
  /** Original principal, minor units. */
  originalPrincipal: bigint;
  /** Outstanding principal balance at the end of the period, minor units. */
  outstandingBalance: bigint;
  /** Annual interest rate, basis points. */
  interestRateBps: number;
  /** Payment scheduled in the period, minor units. */
  scheduledPayment: bigint;
  /** Amount collected in the period, minor units. */
  collectedAmount: bigint;
  /** Days past due at the end of the period. */
  daysPastDue: number;
  /** Status at the end of the period. */
  status: LoanStatus;
  /** Amount charged off (cumulative), minor units; 0 unless the status is charged off. */
  chargedOffAmount: bigint;
  /** Borrower's credit score on the provider's scale, 0..1023. */
  creditScore: number;
  /** Numeric id of the score provider (registered on-chain for provider-backed scores). */
  scoreProviderId: number;
  /** Date the score was produced, days since 1970-01-01. */
  scoreDate: number;
  /** Collateral value, minor units (0 for unsecured loans). */
  collateralValue: bigint;
}

/** A loan tape: the records of one pool for one reporting period. */
export interface LoanTape {
  /** Pool identifier, an unsigned integer below 2^64 written in decimal. */
  poolId: bigint;
  /** Reporting period, an unsigned 32-bit integer (by convention YYYYMM, e.g. 202611). */
  period: number;
  /** Last day of the reporting period, days since 1970-01-01. */
  asOfDate: number;
  /** ISO 4217 code of the currency the amounts are in. */
  currency: string;
  /** Decimal places of the minor unit (2 for cents). */
  decimals: number;
  /** The loans. */
  loans: LoanRecord[];
}

/**
 * Exit (zero-balance) codes: why a loan left the pool in the period, numbered as Reg AB II Schedule AL
 * `zeroBalanceCode` (ESMA Annex V's account status `RDMD`/`RPRD`/`DFLT`/`RSTR` map onto them, docs/TAPE.md).
 * 0 means the loan did not exit in this period.
 */
export const ExitCode = {
  None: 0,
  PrepaidOrMatured: 1,
  Sold: 2,
  Repurchased: 3,
  ChargedOff: 4,
  ServicingTransfer: 5,
} as const;
/** A numeric exit code (0..5), one of the values of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
/** Names of the exit codes, by code. */
export const EXIT_CODE_NAMES = [
  "none",
  "prepaid_or_matured",
  "sold",
  "repurchased",
  "charged_off",
  "servicing_transfer",
] as const;
/** Largest exit code. */
export const MAX_EXIT_CODE = 5;

/** Why a principal adjustment was made (0: no adjustment). Codes are part of the encoding. */
export const AdjustmentReason = {
  None: 0,
  /** interest or fees added to the principal (capitalisation). */
  Capitalisation: 1,
  /** principal forgiven or restructured by a modification. */
  Modification: 2,
  /** a correction of an earlier servicing error. */
  Correction: 3,
  /** any other reason (Reg AB II `otherPrincipalAdjustmentAmount` without a finer reason). */
  Other: 4,
} as const;
/** A numeric adjustment reason (0..4). */
export type AdjustmentReason = (typeof AdjustmentReason)[keyof typeof AdjustmentReason];
/** Largest adjustment reason code. */
export const MAX_ADJUSTMENT_REASON = 4;

/**
 * The period's cash flows and events of one loan (issue 15, the roll-forward): every field is optional in a
 * {@link LoanRecord}, and a tape without them reads as "nothing collected, nothing adjusted, no exit, not
 * modified" ({@link periodFlows} fills the defaults). Field sets of Reg AB II Schedule AL
 * (`actualPrincipalCollectedAmount`, `actualInterestCollectedAmount`, `recoveredAmount`,
 * `otherPrincipalAdjustmentAmount`, `zeroBalanceCode`, `zeroBalanceEffectiveDate`,
 * `reportingPeriodModificationIndicator`) and ESMA Annex V (AUTL principal/interest received, recoveries,
 * account status and its date, restructuring flag).
 */
export interface PeriodFlows {
  /** Principal collected in the period (scheduled, prepaid, repurchase or sale proceeds), minor units. */
  principalCollected: bigint;
  /** Interest collected in the period, minor units. */
  interestCollected: bigint;
  /** Recoveries received in the period on a charged-off loan, minor units. */
  recoveries: bigint;
  /** Other principal adjustment, signed (positive raises the balance), |value| ≤ 2^48 − 1. */
  principalAdjustment: bigint;
  /** Reason of the adjustment (0..4, {@link AdjustmentReason}); required when the adjustment is not 0. */
  adjustmentReason: number;
  /** Exit code of the period (0..5, {@link ExitCode}); 0 unless the loan left the pool in the period. */
  exitCode: number;
  /** Exit (zero-balance effective) date, days since 1970-01-01; 0 when there is no exit. */
  exitDate: number;
  /** The loan's terms were modified in the period. */
  modified: boolean;
}

/** The period fields of a record, with their defaults for fields the tape does not give (docs/TAPE.md). */
export function periodFlows(r: Partial<PeriodFlows>): PeriodFlows {
  return {
    principalCollected: r.principalCollected ?? 0n,
    interestCollected: r.interestCollected ?? 0n,
    recoveries: r.recoveries ?? 0n,
    principalAdjustment: r.principalAdjustment ?? 0n,
    adjustmentReason: r.adjustmentReason ?? 0,
    exitCode: r.exitCode ?? 0,
    exitDate: r.exitDate ?? 0,
    modified: r.modified ?? false,
  };
}
