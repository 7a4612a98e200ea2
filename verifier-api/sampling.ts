/**
 * The sampling rule for auditor openings: which loans of a committed tape are opened for a seed.
 *
 * Pure and deterministic from (seed, tape size, count) alone, so the CLI, the SDK and an auditor's own script
 * compute the same sample. The seed is chosen by the auditor after the commitment exists, so the originator
 * cannot arrange which loans get opened. Rule (version 1): for k = 0, 1, 2, … take
 * `x = SHA-256("rwa-attest/sample@1" | u32be(len(seed)) | seed | u32be(size) | u32be(k))` (seed as UTF-8) as a 256-bit big-endian integer and
 * index `x mod size`; skip an index already chosen; stop after `min(count, size)` distinct indices. The
 * result is in the order drawn. (The modulo bias is below 2^-200 for any tape size below 2^32.)
 */
import { createHash } from "node:crypto";

export const SAMPLING_RULE = "rwa-attest/sample@1";

/** Distinct 0-based loan indices to open, in draw order. */
export function sampleIndices(seed: string, size: number, count: number): number[] {
  if (typeof seed !== "string" || seed.length === 0 || seed.length > 256) {
    throw new TypeError("seed: expected a non-empty string of at most 256 characters");
  }
  if (!Number.isInteger(size) || size < 1 || size > 0xffff_ffff)
    throw new TypeError("size: expected 1..2^32-1");
  if (!Number.isInteger(count) || count < 1) throw new TypeError("count: expected a positive integer");
  const want = Math.min(count, size);
  const chosen = new Set<number>();
  const out: number[] = [];
  const seedBytes = Buffer.from(seed, "utf8");
  const head = Buffer.alloc(8);
  head.writeUInt32BE(seedBytes.length, 0);
  head.writeUInt32BE(size, 4);
  for (let k = 0; out.length < want; k++) {
    const kb = Buffer.alloc(4);
    kb.writeUInt32BE(k >>> 0);
    const digest = createHash("sha256")
      .update(SAMPLING_RULE)
      .update(head.subarray(0, 4))
      .update(seedBytes)
      .update(head.subarray(4))
      .update(kb)
      .digest();
    const index = Number(BigInt(`0x${digest.toString("hex")}`) % BigInt(size));
    if (!chosen.has(index)) {
      chosen.add(index);
      out.push(index);
    }
  }
  return out;
}

/**
 * The most loans of a tape auditors may see, all openings together: `percent` of the tape's loans (rounded
 * up), at most `max`. Openings are bounded by loans revealed, not by requests: one request may open up to
 * 64 loans, so a bound on requests alone lets a few requests reveal a small tape whole. With the defaults
 * (25 %, at most 64): a 16-loan tape shows at most 4 loans, a 64-loan tape 16, a tape of 256 loans or more 64.
 */
export function openingBudget(loanCount: number, percent: number, max: number): number {
  return Math.min(max, Math.ceil((loanCount * percent) / 100));
}

/** One auditor opening as the store keeps it (the audit trail). */
export interface OpeningEntry {
  seed: string;
  indices: number[];
}

/** What an opening request comes to against the openings already served on its tape. */
export type OpeningDecision =
  /** A new opening within the budget: record it, then reveal. */
  | { status: "recorded"; revealed: number }
  /** The same seed and count again: the loans are already revealed; nothing new is recorded. */
  | { status: "repeat"; revealed: number }
  /** The seed was used with another count. */
  | { status: "seed-reused"; revealed: number; previousCount: number }
  /** Revealing these loans would take the tape past its budget. */
  | { status: "over-budget"; revealed: number; wouldReveal: number };

/**
 * Decides an opening request against the tape's earlier openings and its budget of revealed loans
 * (distinct loans over every opening). Pure: each store runs it inside the transaction that records the
 * opening, under a per-tape lock, so concurrent requests on any number of instances cannot overshoot.
 */
export function decideOpening(
  previous: readonly OpeningEntry[],
  request: OpeningEntry,
  budget: number,
): OpeningDecision {
  const shown = new Set(previous.flatMap((o) => o.indices));
  const same = previous.find((o) => o.seed === request.seed);
  if (same) {
    return same.indices.join() === request.indices.join()
      ? { status: "repeat", revealed: shown.size }
      : { status: "seed-reused", revealed: shown.size, previousCount: same.indices.length };
  }
  for (const i of request.indices) shown.add(i);
  const before = new Set(previous.flatMap((o) => o.indices)).size;
  if (shown.size > budget) return { status: "over-budget", revealed: before, wouldReveal: shown.size };
  return { status: "recorded", revealed: shown.size };
}
