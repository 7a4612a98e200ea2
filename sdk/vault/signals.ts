/**
 * Packing of the pool attestation public signals (docs/INTERFACES.md) and the pool-level covenant
 * evaluation the registry performs on aggregated chunks: the TypeScript twin of
 * contracts/libraries/PoolSignalsCodec.sol and AttestationRegistry._poolCovenants.
 */

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
}

const mask = (bits: number) => (1n << BigInt(bits)) - 1n;

function put(value: bigint, bits: number, name: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > mask(bits)) {
    throw new RangeError(`${name}: ${String(value)} does not fit ${bits} unsigned bits`);
  }
  return value;
}

/** Packs `poolId | period << 64 | asOfDate << 96 | chunkIndex << 112 | chunkCount << 128 | loanCount << 144`. */
export function packPool(c: PoolContext): bigint {
  return (
    put(c.poolId, 64, "poolId") |
    (put(c.period, 32, "period") << 64n) |
    (put(c.asOfDate, 16, "asOfDate") << 96n) |
    (put(c.chunkIndex, 16, "chunkIndex") << 112n) |
    (put(c.chunkCount, 16, "chunkCount") << 128n) |
    (put(c.loanCount ?? 0n, 32, "loanCount") << 144n)
  );
}

/** Packs `registry address | chainId << 160`; chain ids above 2^93 - 1 are refused (docs/INTERFACES.md). */
export function packDomain(registry: string, chainId: bigint): bigint {
  if (!/^0x[0-9a-fA-F]{40}$/.test(registry)) throw new TypeError(`registry: not an address: ${registry}`);
  return BigInt(registry) | (put(chainId, 93, "chainId") << 160n);
}

/** Packs the figures into [figA, figB, figC]. */
export function packFigures(f: PoolFigures): [bigint, bigint, bigint] {
  const s = (v: bigint, n: string) => put(v, 62, n);
  const figA =
    s(f.outstanding, "outstanding") |
    (s(f.scheduled, "scheduled") << 62n) |
    (s(f.collected, "collected") << 124n) |
    (s(f.bucket30, "bucket30") << 186n);
  const figB =
    s(f.bucket60, "bucket60") |
    (s(f.bucket90, "bucket90") << 62n) |
    (s(f.defaulted, "defaulted") << 124n) |
    (s(f.chargedOff, "chargedOff") << 186n);
  const figC =
    put(f.scoreWeightedBalance, 72, "scoreWeightedBalance") |
    (put(f.maxLoanBalance, 48, "maxLoanBalance") << 72n) |
    (put(f.activeCount, 16, "activeCount") << 120n) |
    (put(f.minScore, 10, "minScore") << 136n) |
    (put(f.breaches, 16, "breaches") << 146n);
  return [figA, figB, figC];
}

/** Unpacks [figA, figB, figC]. */
export function unpackFigures(figA: bigint, figB: bigint, figC: bigint): PoolFigures {
  const at = (v: bigint, shift: number, bits: number) => (v >> BigInt(shift)) & mask(bits);
  return {
    outstanding: at(figA, 0, 62),
    scheduled: at(figA, 62, 62),
    collected: at(figA, 124, 62),
    bucket30: at(figA, 186, 62),
    bucket60: at(figB, 0, 62),
    bucket90: at(figB, 62, 62),
    defaulted: at(figB, 124, 62),
    chargedOff: at(figB, 186, 62),
    scoreWeightedBalance: at(figC, 0, 72),
    maxLoanBalance: at(figC, 72, 48),
    activeCount: at(figC, 120, 16),
    minScore: at(figC, 136, 10),
    breaches: at(figC, 146, 16),
  };
}

/** Pool-level covenant bits 3-7 evaluated on (aggregated) figures, as the registry does. */
export function poolCovenantBits(f: PoolFigures, p: PolicyParams): bigint {
  const out = f.outstanding;
  let bits = 0n;
  if (f.bucket30 * 10_000n > p.maxBucket30Bps * out) bits |= 1n << 3n;
  if (f.bucket60 * 10_000n > p.maxBucket60Bps * out) bits |= 1n << 4n;
  if (f.bucket90 * 10_000n > p.maxBucket90Bps * out) bits |= 1n << 5n;
  if (f.maxLoanBalance * 10_000n > p.maxConcentrationBps * out) bits |= 1n << 6n;
  if (out < p.minPoolBalance) bits |= 1n << 7n;
  return bits;
}

/** Aggregates chunk figures as the registry does (sums, max, min, OR of per-loan bits 0-2, pool bits 3-7). */
export function aggregateChunks(chunks: readonly PoolFigures[], p: PolicyParams): PoolFigures {
  if (chunks.length === 0) throw new TypeError("chunks: expected at least one chunk");
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
    breaches: chunks.reduce((a, c) => a | (c.breaches & 7n), 0n),
  };
  agg.breaches |= poolCovenantBits(agg, p);
  return agg;
}
