/**
 * The committed roll-forward (issue 15 with issue 14's rule: nothing finer than the pool is published): each
 * chunk's RollForwardCommitment proof publishes a hiding commitment to its totals instead of the totals, and
 * one RollForwardAggregation proof opens the chain of those commitments and publishes the pool's totals
 * (circuits/rollforward/rollforward_commitment.circom, rollforward_aggregation.circom; docs/CIRCUITS.md,
 * "Committed chunks and the pool's totals"). The registry (contracts/RollForwardRegistry.sol) chains the chunk
 * commitments in acceptance order with the same rule as committed attestation chunks (`chainCommitments`).
 */
import { invalid } from "../../verifier-api/web/errors.js";
import { randomFieldElement } from "../commitment/encoding.ts";
import { chainCommitments } from "../commitment/figure-commitment.ts";
import { FIELD_P, getPoseidon } from "../commitment/poseidon.ts";
import {
  ROLLFORWARD_POOL_WORD,
  addTotals,
  packTotals,
  packWord,
  unpackTotals,
  unpackWord,
  zeroTotals,
  type RollForwardTotals,
} from "./layout.ts";
import {
  buildRollForwardInput,
  type RollForwardCircuitInput,
  type RollForwardOptions,
  type RollForwardPeriod,
} from "./witness.ts";

/** The public signals of a RollForwardCommitment chunk proof, in the circuit's order. */
export const ROLLFORWARD_COMMITMENT_PUBLIC_SIGNALS = [
  "prevRoot",
  "root",
  "pool",
  "maxAdjustment",
  "flowCommit",
  "rfCommit",
] as const;

/** The public signals of a RollForwardAggregation proof, in the circuit's order. */
export const ROLLFORWARD_AGGREGATION_PUBLIC_SIGNALS = ["acc", "rfA", "rfB", "rfC"] as const;

/** What a chunk's commitment opens to: its totals words, salt and pool word (chunkIndex included). */
export interface RollForwardOpening {
  rfA: bigint;
  rfB: bigint;
  rfC: bigint;
  salt: bigint;
  pool: bigint;
}

/** A committed chunk: the witness input, its public signals by name, its opening and its totals. */
export interface RollForwardCommitmentInput {
  input: RollForwardCircuitInput;
  publicSignals: Record<(typeof ROLLFORWARD_COMMITMENT_PUBLIC_SIGNALS)[number], bigint>;
  opening: RollForwardOpening;
  totals: RollForwardTotals;
}

const dec = (v: bigint): string => v.toString(10);

/** Poseidon(prevRoot, root, maxAdjustment): what the chunks of one roll-forward share besides the pool word. */
export async function rollForwardContext(
  prevRoot: bigint,
  root: bigint,
  maxAdjustment: bigint,
): Promise<bigint> {
  return (await getPoseidon())([prevRoot, root, maxAdjustment]);
}

/** rfCommit = Poseidon(rfA, rfB, rfC, salt, pool, context). */
export async function rollForwardCommitment(o: RollForwardOpening, context: bigint): Promise<bigint> {
  return (await getPoseidon())([o.rfA, o.rfB, o.rfC, o.salt, o.pool, context]);
}

/**
 * The witness input of chunk `chunkIndex`'s RollForwardCommitment proof: the roll-forward statement's input
 * (buildRollForwardInput) with its totals moved behind a commitment under `rfSalt` (a fresh random field
 * element by default: what makes the commitment hiding).
 */
export async function buildRollForwardCommitmentInput(
  prev: RollForwardPeriod,
  next: RollForwardPeriod,
  options: RollForwardOptions & { rfSalt?: bigint },
): Promise<RollForwardCommitmentInput> {
  const rfSalt = options.rfSalt ?? randomFieldElement();
  if (typeof rfSalt !== "bigint" || rfSalt < 0n || rfSalt >= FIELD_P)
    throw invalid("rfSalt", "expected a field element");
  const chunk = await buildRollForwardInput(prev, next, options);
  const s = chunk.publicSignals;
  const opening: RollForwardOpening = { rfA: s.rfA, rfB: s.rfB, rfC: s.rfC, salt: rfSalt, pool: s.pool };
  const rfCommit = await rollForwardCommitment(
    opening,
    await rollForwardContext(s.prevRoot, s.root, s.maxAdjustment),
  );
  const publicSignals = {
    prevRoot: s.prevRoot,
    root: s.root,
    pool: s.pool,
    maxAdjustment: s.maxAdjustment,
    flowCommit: s.flowCommit,
    rfCommit,
  };
  return {
    input: { ...chunk.input, rfSalt: dec(rfSalt), rfCommit: dec(rfCommit) },
    publicSignals,
    opening,
    totals: chunk.totals,
  };
}

/** The witness input of a RollForwardAggregation proof, its public signals by name and the pool's totals. */
export interface RollForwardAggregationInput {
  input: Record<string, string | string[]>;
  publicSignals: Record<(typeof ROLLFORWARD_AGGREGATION_PUBLIC_SIGNALS)[number], bigint>;
  totals: RollForwardTotals;
}

/**
 * The witness input of the aggregation of a pool's committed chunks, given their openings in the order the
 * registry accepted them (`acc` chains their commitments in that order) and the instance's capacity `n`.
 * Throws a coded invalid-input error for openings that are not one roll-forward's chunks 0..count-1.
 */
export async function buildRollForwardAggregationInput(
  openings: readonly RollForwardOpening[],
  shared: { prevRoot: bigint; root: bigint; maxAdjustment: bigint },
  n: number,
): Promise<RollForwardAggregationInput> {
  if (openings.length === 0) throw invalid("openings", "expected at least one chunk");
  if (!Number.isInteger(n) || n < openings.length)
    throw invalid("n", `an instance of ${String(n)} chunks cannot hold ${openings.length}`, n);
  const words = openings.map((o) => unpackWord(ROLLFORWARD_POOL_WORD, o.pool));
  const count = words[0]!.chunkCount;
  if (count !== BigInt(openings.length))
    throw invalid("openings", `the pool word says ${count} chunks, ${openings.length} were given`);
  const base = packWord(ROLLFORWARD_POOL_WORD, { ...words[0]!, chunkIndex: 0n });
  const seen = new Set<bigint>();
  for (const w of words) {
    if (packWord(ROLLFORWARD_POOL_WORD, { ...w, chunkIndex: 0n }) !== base)
      throw invalid("openings", "the chunks are not of one roll-forward (their pool words differ)");
    if (seen.has(w.chunkIndex))
      throw invalid("openings", `chunk ${w.chunkIndex} is given twice`, w.chunkIndex);
    seen.add(w.chunkIndex);
  }
  const context = await rollForwardContext(shared.prevRoot, shared.root, shared.maxAdjustment);
  const acc = await chainCommitments(
    await Promise.all(openings.map((o) => rollForwardCommitment(o, context))),
  );
  let totals = zeroTotals();
  for (const o of openings) totals = addTotals(totals, unpackTotals(o.rfA, o.rfB, o.rfC));
  const pub = packTotals(totals);
  const pad = <T>(xs: readonly T[], zero: T): T[] => [...xs, ...Array<T>(n - xs.length).fill(zero)];
  return {
    input: {
      acc: dec(acc),
      rfA: dec(pub.rfA),
      rfB: dec(pub.rfB),
      rfC: dec(pub.rfC),
      prevRoot: dec(shared.prevRoot),
      root: dec(shared.root),
      pool: dec(base),
      maxAdjustment: dec(shared.maxAdjustment),
      chunkRfA: pad(
        openings.map((o) => dec(o.rfA)),
        "0",
      ),
      chunkRfB: pad(
        openings.map((o) => dec(o.rfB)),
        "0",
      ),
      chunkRfC: pad(
        openings.map((o) => dec(o.rfC)),
        "0",
      ),
      salt: pad(
        openings.map((o) => dec(o.salt)),
        "0",
      ),
      chunkIndex: pad(
        words.map((w) => dec(w.chunkIndex)),
        "0",
      ),
    },
    publicSignals: { acc, ...pub },
    totals,
  };
}
