/**
 * The independent TypeScript model of the pool attestation: computes every figure, breach bit and public
 * signal straight from the definitions in docs/INTERFACES.md (it never runs the circuit or the witness
 * code), and aggregates chunk figures the way the registry does.
 */
import { LoanStatus, type LoanRecord } from "../tape/schema.ts";
import type { Policy } from "../policy/index.ts";

/** Breach bits of `breaches` (docs/INTERFACES.md). */
export const BREACH = {
  minCreditScore: 1 << 0,
  maxDaysPastDue: 1 << 1,
  maxLtv: 1 << 2,
  bucket30: 1 << 3,
  bucket60: 1 << 4,
  bucket90: 1 << 5,
  concentration: 1 << 6,
  minPoolBalance: 1 << 7,
} as const;
/** Bits decided loan by loan (OR-ed across chunks); the others are evaluated on the pool's aggregate. */
export const LOAN_LEVEL_BREACHES = BREACH.minCreditScore | BREACH.maxDaysPastDue | BREACH.maxLtv;

/** The figures of one chunk (or of a whole pool, once aggregated). */
export interface Figures {
  outstanding: bigint;
  scheduled: bigint;
  collected: bigint;
  bucket30: bigint;
  bucket60: bigint;
  bucket90: bigint;
  defaulted: bigint;
  chargedOff: bigint;
  scoreWeightedBalance: bigint;
  maxLoanBalance: bigint;
  activeCount: number;
  minScore: number;
  breaches: number;
}

/** The identifying fields of a chunk proof's `pool` signal. */
export interface PoolWordFields {
  poolId: bigint;
  period: number;
  asOfDate: number;
  chunkIndex: number;
  chunkCount: number;
  /** Loans of the whole tape: the circuit proves that tape slots below it are loans and the rest empty. */
  loanCount: number;
}

function isActive(loan: LoanRecord): boolean {
  return (
    loan.status === LoanStatus.Performing ||
    loan.status === LoanStatus.Delinquent ||
    loan.status === LoanStatus.Defaulted
  );
}

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
    if (!isActive(loan)) continue;
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
 * Aggregates chunk figures into pool figures as the registry does: sums, max, min, OR of the loan-level
 * bits 0-2, and the pool-level bits 3-7 evaluated again on the aggregate.
 */
export function aggregateFigures(chunks: readonly Figures[], policy: Policy): Figures {
  if (chunks.length === 0) throw new TypeError("chunks: expected at least one chunk");
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
    throw new TypeError(`chunkSize: expected a positive integer, got ${String(chunkSize)}`);
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

const SLOT62 = (1n << 62n) - 1n;

function fits(name: string, v: bigint, bits: number): bigint {
  if (v < 0n || v >= 1n << BigInt(bits)) throw new RangeError(`${name} = ${v} does not fit ${bits} bits`);
  return v;
}

/** Packs chunk figures into figA, figB, figC. */
export function packFigures(f: Figures): { figA: bigint; figB: bigint; figC: bigint } {
  const s = (name: string, v: bigint): bigint => fits(name, v, 62) & SLOT62;
  return {
    figA:
      s("outstanding", f.outstanding) |
      (s("scheduled", f.scheduled) << 62n) |
      (s("collected", f.collected) << 124n) |
      (s("bucket30", f.bucket30) << 186n),
    figB:
      s("bucket60", f.bucket60) |
      (s("bucket90", f.bucket90) << 62n) |
      (s("defaulted", f.defaulted) << 124n) |
      (s("chargedOff", f.chargedOff) << 186n),
    figC:
      fits("scoreWeightedBalance", f.scoreWeightedBalance, 72) |
      (fits("maxLoanBalance", f.maxLoanBalance, 48) << 72n) |
      (fits("activeCount", BigInt(f.activeCount), 16) << 120n) |
      (fits("minScore", BigInt(f.minScore), 10) << 136n) |
      (fits("breaches", BigInt(f.breaches), 16) << 146n),
  };
}

/** Unpacks figA, figB, figC (the inverse of packFigures). */
export function unpackFigures(figA: bigint, figB: bigint, figC: bigint): Figures {
  const at = (w: bigint, shift: bigint, bits: bigint): bigint => (w >> shift) & ((1n << bits) - 1n);
  return {
    outstanding: at(figA, 0n, 62n),
    scheduled: at(figA, 62n, 62n),
    collected: at(figA, 124n, 62n),
    bucket30: at(figA, 186n, 62n),
    bucket60: at(figB, 0n, 62n),
    bucket90: at(figB, 62n, 62n),
    defaulted: at(figB, 124n, 62n),
    chargedOff: at(figB, 186n, 62n),
    scoreWeightedBalance: at(figC, 0n, 72n),
    maxLoanBalance: at(figC, 72n, 48n),
    activeCount: Number(at(figC, 120n, 16n)),
    minScore: Number(at(figC, 136n, 10n)),
    breaches: Number(at(figC, 146n, 16n)),
  };
}

/**
 * The score-backing circuit's `pool` word for the chunk whose pool attestation word is `poolWord`: the same
 * word without its loan count (bits 144 and up). The score circuit proves coverage by its last chunk's
 * empty-tree check, not by a count, and ScoreAttestations refuses a score word of 144 bits or more
 * (docs/SCORES.md).
 */
export function scorePoolWord(poolWord: bigint): bigint {
  return poolWord & ((1n << 144n) - 1n);
}

/**
 * The `pool` public signal: poolId 64 | period 32 << 64 | asOfDate 16 << 96 | chunkIndex 16 << 112 |
 * chunkCount 16 << 128 | loanCount 32 << 144 (176 bits, docs/INTERFACES.md).
 */
export function packPoolWord(p: PoolWordFields): bigint {
  return (
    fits("poolId", p.poolId, 64) |
    (fits("period", BigInt(p.period), 32) << 64n) |
    (fits("asOfDate", BigInt(p.asOfDate), 16) << 96n) |
    (fits("chunkIndex", BigInt(p.chunkIndex), 16) << 112n) |
    (fits("chunkCount", BigInt(p.chunkCount), 16) << 128n) |
    (fits("loanCount", BigInt(p.loanCount), 32) << 144n)
  );
}

/** The fields of a `pool` signal (the inverse of packPoolWord; bits above 176 are ignored). */
export function unpackPoolWord(word: bigint): PoolWordFields {
  const at = (shift: bigint, bits: bigint): bigint => (word >> shift) & ((1n << bits) - 1n);
  return {
    poolId: at(0n, 64n),
    period: Number(at(64n, 32n)),
    asOfDate: Number(at(96n, 16n)),
    chunkIndex: Number(at(112n, 16n)),
    chunkCount: Number(at(128n, 16n)),
    loanCount: Number(at(144n, 32n)),
  };
}

/**
 * The seven public signals of a chunk proof, in the order of docs/INTERFACES.md. `keyHash` is the key's
 * hash in the registry, Poseidon(Ax, Ay, domain): it carries the domain, which is not a signal of its own.
 */
export interface PoolPublicSignals {
  root: bigint;
  pool: bigint;
  policyHash: bigint;
  keyHash: bigint;
  figA: bigint;
  figB: bigint;
  figC: bigint;
}

/** Names of the public signals, in order. */
export const PUBLIC_SIGNAL_NAMES = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"] as const;

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
