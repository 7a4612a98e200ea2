/**
 * The pool attestation public signals as the registry reads them (every figure a bigint, as viem returns
 * them), packed and unpacked by the codec generated from circuits/layout.json
 * (verifier-api/web/pool-codec.js), and the aggregation of chunk figures with the pool-level covenant
 * evaluation that the pool aggregation circuit (PoolAggregation, circuits/lib/covenants.circom) proves.
 */
import {
  BREACH,
  LOAN_LEVEL_BREACHES,
  packDomain as codecPackDomain,
  packFigures as codecPackFigures,
  packPoolWord,
  unpackFigures as codecUnpackFigures,
  type Figures,
} from "../../verifier-api/web/pool-codec.js";
import { invalid } from "../../verifier-api/web/errors.js";

/** Figures of one chunk or pool, in canonical minor units. */
export interface PoolFigures {
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
  activeCount: bigint;
  minScore: bigint;
  breaches: bigint;
}

/** The `pool` signal fields. */
export interface PoolContext {
  poolId: bigint;
  period: bigint;
  asOfDate: bigint;
  chunkIndex: bigint;
  chunkCount: bigint;
  /** Loans of the whole tape (docs/INTERFACES.md); 0 only for stand-in circuits that do not prove it. */
  loanCount?: bigint;
}

/** Policy parameters in docs/INTERFACES.md order. */
export interface PolicyParams {
  minCreditScore: bigint;
  maxDaysPastDue: bigint;
  maxLtvBps: bigint;
  maxBucket30Bps: bigint;
  maxBucket60Bps: bigint;
  maxBucket90Bps: bigint;
  maxConcentrationBps: bigint;
  minPoolBalance: bigint;
  minActiveLoans: bigint;
}

/** The registry's all-bigint view of the codec's figures (viem reads every uint as a bigint). */
function toCodec(f: PoolFigures): Figures {
  const n = (v: bigint, name: string): number => {
    if (typeof v !== "bigint" || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER))
      throw invalid(name, `${String(v)} is not a small unsigned integer`);
    return Number(v);
  };
  return {
    ...f,
    activeCount: n(f.activeCount, "activeCount"),
    minScore: n(f.minScore, "minScore"),
    breaches: n(f.breaches, "breaches"),
  };
}

/** Packs the `pool` word (layout: circuits/layout.json, through the generated codec). */
export function packPool(c: PoolContext): bigint {
  const n = (v: bigint, name: string): number => {
    if (typeof v !== "bigint" || v < 0n || v >= 1n << 32n)
      throw invalid(name, `${String(v)} does not fit 32 unsigned bits`);
    return Number(v);
  };
  return packPoolWord({
    poolId: c.poolId,
    period: n(c.period, "period"),
    asOfDate: n(c.asOfDate, "asOfDate"),
    chunkIndex: n(c.chunkIndex, "chunkIndex"),
    chunkCount: n(c.chunkCount, "chunkCount"),
    loanCount: n(c.loanCount ?? 0n, "loanCount"),
  });
}

/** Packs `registry address | chainId << 160`; chain ids above 2^93 - 1 are refused (docs/INTERFACES.md). */
export const packDomain: (registry: string, chainId: bigint) => bigint = codecPackDomain;

/** Packs the figures into [figA, figB, figC]. */
export function packFigures(f: PoolFigures): [bigint, bigint, bigint] {
  const { figA, figB, figC } = codecPackFigures(toCodec(f));
  return [figA, figB, figC];
}

/** Unpacks [figA, figB, figC]. */
export function unpackFigures(figA: bigint, figB: bigint, figC: bigint): PoolFigures {
  const f = codecUnpackFigures(figA, figB, figC);
  return {
    ...f,
    activeCount: BigInt(f.activeCount),
    minScore: BigInt(f.minScore),
    breaches: BigInt(f.breaches),
  };
}

/** Pool-level covenant bits 3-7 evaluated on (aggregated) figures, as the pool aggregation circuit does. */
export function poolCovenantBits(f: PoolFigures, p: PolicyParams): bigint {
  const out = f.outstanding;
  let bits = 0n;
  if (f.bucket30 * 10_000n > p.maxBucket30Bps * out) bits |= BigInt(BREACH.bucket30);
  if (f.bucket60 * 10_000n > p.maxBucket60Bps * out) bits |= BigInt(BREACH.bucket60);
  if (f.bucket90 * 10_000n > p.maxBucket90Bps * out) bits |= BigInt(BREACH.bucket90);
  if (f.maxLoanBalance * 10_000n > p.maxConcentrationBps * out) bits |= BigInt(BREACH.concentration);
  if (out < p.minPoolBalance) bits |= BigInt(BREACH.minPoolBalance);
  return bits;
}

/**
 * Aggregates chunk figures into the pool's as the pool aggregation circuit does (sums, max, min, OR of per-loan
 * bits 0-2, pool bits 3-7).
 */
export function aggregateChunks(chunks: readonly PoolFigures[], p: PolicyParams): PoolFigures {
  if (chunks.length === 0) throw invalid("chunks", "expected at least one chunk");
  const sum = (k: keyof PoolFigures) => chunks.reduce((a, c) => a + c[k], 0n);
  const agg: PoolFigures = {
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
    activeCount: sum("activeCount"),
    minScore: chunks.reduce((a, c) => (c.minScore < a ? c.minScore : a), 1023n),
    breaches: chunks.reduce((a, c) => a | (c.breaches & BigInt(LOAN_LEVEL_BREACHES)), 0n),
  };
  agg.breaches |= poolCovenantBits(agg, p);
  return agg;
}
