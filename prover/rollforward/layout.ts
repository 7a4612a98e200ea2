/**
 * The public signals of the roll-forward chunk circuit (circuits/rollforward/rollforward_chunk.circom) and
 * the words it packs, declared once here: circuits/layout.json's generator serves one template's words
 * (PoolAttestation's), so the roll-forward's live in this file and everything else (witness builder, tests,
 * docs/CIRCUITS.md) reads them from it. Every word is a sum of non-overlapping unsigned fields packed from
 * bit 0 upwards in the order listed.
 */

import { invalid } from "../../verifier-api/web/errors.js";

/** One field of a packed word. */
export interface WordField {
  name: string;
  bits: number;
}

/** The public signals, in the circuit's order. */
export const ROLLFORWARD_PUBLIC_SIGNALS = [
  "prevRoot",
  "root",
  "pool",
  "maxAdjustment",
  "flowCommit",
  "rfA",
  "rfB",
  "rfC",
] as const;

/** The pool word: which pool, which two periods, which chunk. */
export const ROLLFORWARD_POOL_WORD = [
  { name: "poolId", bits: 64 },
  { name: "period", bits: 32 },
  { name: "prevPeriod", bits: 32 },
  { name: "asOfDate", bits: 16 },
  { name: "prevAsOfDate", bits: 16 },
  { name: "chunkIndex", bits: 16 },
  { name: "chunkCount", bits: 16 },
] as const satisfies readonly WordField[];

/** The totals words (amounts are sums of at most 4096 amounts below 2^48: 62-bit fields). */
export const ROLLFORWARD_TOTAL_WORDS = {
  rfA: [
    { name: "opening", bits: 62 },
    { name: "principalCollected", bits: 62 },
    { name: "interestCollected", bits: 62 },
    { name: "recoveries", bits: 62 },
  ],
  rfB: [
    { name: "chargedOff", bits: 62 },
    { name: "adjustmentsUp", bits: 62 },
    { name: "adjustmentsDown", bits: 62 },
    { name: "originations", bits: 62 },
  ],
  rfC: [
    { name: "closing", bits: 62 },
    { name: "removedAtExit", bits: 62 },
    { name: "originationCount", bits: 16 },
    { name: "exitsPrepaidOrMatured", bits: 16 },
    { name: "exitsSold", bits: 16 },
    { name: "exitsRepurchased", bits: 16 },
    { name: "exitsChargedOff", bits: 16 },
    { name: "exitsServicingTransfer", bits: 16 },
    { name: "modifiedCount", bits: 16 },
  ],
} as const satisfies Record<string, readonly WordField[]>;

/**
 * The flow word of one slot (private; committed in flowCommit): the period fields of docs/TAPE.md. The
 * adjustment is its magnitude and a sign bit (1: the adjustment lowers the balance).
 */
export const FLOW_WORD = [
  { name: "principalCollected", bits: 48 },
  { name: "interestCollected", bits: 48 },
  { name: "recoveries", bits: 48 },
  { name: "adjustmentMagnitude", bits: 48 },
  { name: "adjustmentNegative", bits: 1 },
  { name: "adjustmentReason", bits: 3 },
  { name: "exitCode", bits: 3 },
  { name: "exitDate", bits: 16 },
  { name: "modified", bits: 1 },
] as const satisfies readonly WordField[];

type Names<F extends readonly WordField[]> = F[number]["name"];
/** The values of a word's fields, by name. */
export type WordValues<F extends readonly WordField[]> = Record<Names<F>, bigint>;

/** Packs field values into a word; throws a coded invalid-input error naming a field that does not fit. */
export function packWord<F extends readonly WordField[]>(fields: F, values: WordValues<F>): bigint {
  let word = 0n;
  let shift = 0n;
  for (const f of fields) {
    const v = (values as Record<string, bigint>)[f.name];
    if (typeof v !== "bigint" || v < 0n || v >= 1n << BigInt(f.bits))
      throw invalid(f.name, `${String(v)} does not fit ${f.bits} bits`, v);
    word |= v << shift;
    shift += BigInt(f.bits);
  }
  return word;
}

/** Unpacks a word into its fields. */
export function unpackWord<F extends readonly WordField[]>(fields: F, word: bigint): WordValues<F> {
  const out: Record<string, bigint> = {};
  let shift = 0n;
  for (const f of fields) {
    out[f.name] = (word >> shift) & ((1n << BigInt(f.bits)) - 1n);
    shift += BigInt(f.bits);
  }
  return out as WordValues<F>;
}

/** The roll-forward totals of a chunk (or, summed, of a pool), in minor units and counts. */
export type RollForwardTotals = WordValues<typeof ROLLFORWARD_TOTAL_WORDS.rfA> &
  WordValues<typeof ROLLFORWARD_TOTAL_WORDS.rfB> &
  WordValues<typeof ROLLFORWARD_TOTAL_WORDS.rfC>;

/** The three totals words of a set of totals. */
export function packTotals(t: RollForwardTotals): { rfA: bigint; rfB: bigint; rfC: bigint } {
  return {
    rfA: packWord(ROLLFORWARD_TOTAL_WORDS.rfA, t),
    rfB: packWord(ROLLFORWARD_TOTAL_WORDS.rfB, t),
    rfC: packWord(ROLLFORWARD_TOTAL_WORDS.rfC, t),
  };
}

/** The totals carried by the three words. */
export function unpackTotals(rfA: bigint, rfB: bigint, rfC: bigint): RollForwardTotals {
  return {
    ...unpackWord(ROLLFORWARD_TOTAL_WORDS.rfA, rfA),
    ...unpackWord(ROLLFORWARD_TOTAL_WORDS.rfB, rfB),
    ...unpackWord(ROLLFORWARD_TOTAL_WORDS.rfC, rfC),
  };
}

/** Totals of several chunks: the pool's totals are the sums of its chunks'. */
export function addTotals(a: RollForwardTotals, b: RollForwardTotals): RollForwardTotals {
  const out: Record<string, bigint> = {};
  for (const k of Object.keys(a))
    out[k] = (a as Record<string, bigint>)[k]! + (b as Record<string, bigint>)[k]!;
  return out as RollForwardTotals;
}

/** All-zero totals. */
export function zeroTotals(): RollForwardTotals {
  const out: Record<string, bigint> = {};
  for (const w of Object.values(ROLLFORWARD_TOTAL_WORDS)) for (const f of w) out[f.name] = 0n;
  return out as RollForwardTotals;
}
