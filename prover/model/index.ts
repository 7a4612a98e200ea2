/**
 * The independent TypeScript model of the pool attestation: computes every figure, breach bit and public
 * signal straight from the definitions in docs/INTERFACES.md (it never runs the circuit or the witness
 * code), and aggregates chunk figures the way the pool aggregation circuit does.
 */
import { LoanStatus, isActiveStatus, type LoanRecord } from "../tape/schema.ts";
import type { Policy } from "../policy/index.ts";
import {
  BREACH,
  LOAN_LEVEL_BREACHES,
  packFigures,
  packPoolWord,
  poolWordBelow,
  type Figures,
  type PoolPublicSignals,
  type PoolWord,
} from "../../verifier-api/web/pool-codec.js";
import { CodedError, invalid } from "../../verifier-api/web/errors.js";

/**
 * The layout (figure words, pool word, breach bits) is the generated codec's, declared once in
 * circuits/layout.json; this module computes the figures themselves.
 */
export {
  BREACH,
  LOAN_LEVEL_BREACHES,
  POOL_SIGNALS as PUBLIC_SIGNAL_NAMES,
  packFigures,
  unpackFigures,
  packPoolWord,
  unpackPoolWord,
} from "../../verifier-api/web/pool-codec.js";
export type { Figures, PoolPublicSignals } from "../../verifier-api/web/pool-codec.js";
/** The identifying fields of a chunk proof's `pool` signal. */
export type PoolWordFields = PoolWord;

/** Bits 3-7: the pool-level covenants, evaluated on (chunk or aggregated) figures. */
export function poolLevelBreaches(f: Omit<Figures, "breaches">, policy: Policy): number {
  let bits = 0;
  const over = (part: bigint, limitBps: number): boolean => part * 10000n > BigInt(limitBps) * f.outstanding;
  if (over(f.bucket30, policy.maxBucket30Bps)) bits |= BREACH.bucket30;
  if (over(f.bucket60, policy.maxBucket60Bps)) bits |= BREACH.bucket60;
  if (over(f.bucket90, policy.maxBucket90Bps)) bits |= BREACH.bucket90;
  if (over(f.maxLoanBalance, policy.maxConcentrationBps)) bits |= BREACH.concentration;
  if (f.outstanding < policy.minPoolBalance) bits |= BREACH.minPoolBalance;
  return bits;
}

/**
 * The minimum pool size (docs/POLICY.md, `minActiveLoans`): a pool with fewer active loans than the policy's
 * minimum cannot be attested (the circuits have no proof for it: PoolAttestation for a pool of one chunk,
 * PoolAggregation for several), so a pool of one or two loans, whose figures are single borrowers' data, is
 * never published. Throws a CodedError (`refused`) before any work is done; returns the active count.
 */
export function requirePoolSize(loans: readonly LoanRecord[], policy: Policy): number {
  let active = 0;
  for (const loan of loans) if (isActiveStatus(loan.status)) active++;
  if (active < policy.minActiveLoans) {
    const reason =
      `the pool has ${active} active loan${active === 1 ? "" : "s"}, the policy requires at least ` +
      `${policy.minActiveLoans}: a smaller pool's figures would be single borrowers' data`;
    throw new CodedError("refused", `pool too small: ${reason}`, [
      { field: "policy.minActiveLoans", value: String(active), reason },
    ]);
  }
  return active;
}

/** The figures and breach bits of the loans of one chunk (or of a one-chunk pool). */
export function chunkFigures(loans: readonly LoanRecord[], policy: Policy): Figures {
  const f: Omit<Figures, "breaches"> = {
    outstanding: 0n,
    scheduled: 0n,
    collected: 0n,
    bucket30: 0n,
    bucket60: 0n,
    bucket90: 0n,
    defaulted: 0n,
    chargedOff: 0n,
    scoreWeightedBalance: 0n,
    maxLoanBalance: 0n,
    activeCount: 0,
    minScore: 1023,
  };
  let loanBits = 0;
  for (const loan of loans) {
    f.scheduled += loan.scheduledPayment;
    f.collected += loan.collectedAmount;
    f.chargedOff += loan.chargedOffAmount;
    if (!isActiveStatus(loan.status)) continue;
    const bal = loan.outstandingBalance;
    f.activeCount += 1;
    f.outstanding += bal;
    f.scoreWeightedBalance += BigInt(loan.creditScore) * bal;
    if (bal > f.maxLoanBalance) f.maxLoanBalance = bal;
    if (loan.creditScore < f.minScore) f.minScore = loan.creditScore;
    const dpd = loan.daysPastDue;
    if (dpd >= 30 && dpd <= 59) f.bucket30 += bal;
    else if (dpd >= 60 && dpd <= 89) f.bucket60 += bal;
    else if (dpd >= 90) f.bucket90 += bal;
    if (loan.status === LoanStatus.Defaulted) f.defaulted += bal;
    if (loan.creditScore < policy.minCreditScore) loanBits |= BREACH.minCreditScore;
    if (dpd > policy.maxDaysPastDue) loanBits |= BREACH.maxDaysPastDue;
    if (
      policy.maxLtvBps !== 0 &&
      loan.collateralValue > 0n &&
      bal * 10000n > BigInt(policy.maxLtvBps) * loan.collateralValue
    ) {
      loanBits |= BREACH.maxLtv;
    }
  }
  return { ...f, breaches: loanBits | poolLevelBreaches(f, policy) };
}

/**
 * Aggregates chunk figures into pool figures as the pool aggregation circuit does: sums, max, min, OR of the loan-level
 * bits 0-2, and the pool-level bits 3-7 evaluated again on the aggregate.
 */
export function aggregateFigures(chunks: readonly Figures[], policy: Policy): Figures {
  if (chunks.length === 0) throw invalid("chunks", "expected at least one chunk");
  const sum = (
    k:
      | "outstanding"
      | "scheduled"
      | "collected"
      | "bucket30"
      | "bucket60"
      | "bucket90"
      | "defaulted"
      | "chargedOff"
      | "scoreWeightedBalance",
  ): bigint => chunks.reduce((a, c) => a + c[k], 0n);
  const f: Omit<Figures, "breaches"> = {
    outstanding: sum("outstanding"),
    scheduled: sum("scheduled"),
    collected: sum("collected"),
    bucket30: sum("bucket30"),
    bucket60: sum("bucket60"),
    bucket90: sum("bucket90"),
    defaulted: sum("defaulted"),
    chargedOff: sum("chargedOff"),
    scoreWeightedBalance: sum("scoreWeightedBalance"),
    maxLoanBalance: chunks.reduce((a, c) => (c.maxLoanBalance > a ? c.maxLoanBalance : a), 0n),
    activeCount: chunks.reduce((a, c) => a + c.activeCount, 0),
    minScore: chunks.reduce((a, c) => Math.min(a, c.minScore), 1023),
  };
  const loanBits = chunks.reduce((a, c) => a | (c.breaches & LOAN_LEVEL_BREACHES), 0);
  return { ...f, breaches: loanBits | poolLevelBreaches(f, policy) };
}

/** Splits a tape's loans into chunks of `chunkSize` (the last one may be short; an empty tape is one empty chunk). */
export function splitChunks<T>(loans: readonly T[], chunkSize: number): T[][] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw invalid("chunkSize", `expected a positive integer, got ${String(chunkSize)}`);
  const out: T[][] = [];
  for (let i = 0; i < loans.length; i += chunkSize) out.push(loans.slice(i, i + chunkSize));
  return out.length === 0 ? [[]] : out;
}

/** The model of a whole tape: per-chunk figures and their aggregate. */
export function modelPool(
  loans: readonly LoanRecord[],
  policy: Policy,
  chunkSize: number,
): { chunks: Figures[]; pool: Figures } {
  const chunks = splitChunks(loans, chunkSize).map((c) => chunkFigures(c, policy));
  return { chunks, pool: aggregateFigures(chunks, policy) };
}

/**
 * The score-backing circuit's `pool` word for the chunk whose pool attestation word is `poolWord`: the same
 * word without its loan count (its bits from loanCount up). The score circuit proves coverage by its last chunk's
 * empty-tree check, not by a count, and ScoreAttestations refuses a score word of 144 bits or more
 * (docs/SCORES.md).
 */
export function scorePoolWord(poolWord: bigint): bigint {
  return poolWordBelow(poolWord, "loanCount");
}

/** The public signals of a chunk proof, from the model's figures and the context words. */
export function publicSignals(args: {
  root: bigint;
  pool: PoolWordFields;
  policyHash: bigint;
  keyHash: bigint;
  figures: Figures;
}): PoolPublicSignals {
  return {
    root: args.root,
    pool: packPoolWord(args.pool),
    policyHash: args.policyHash,
    keyHash: args.keyHash,
    ...packFigures(args.figures),
  };
}
