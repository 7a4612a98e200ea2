/**
 * How much of a tape auditors may open (the opening budget) and how one opening request is decided against
 * the openings already served. The sample itself (which loans a seed opens) is the prover's public rule,
 * `sampleIndices` in prover/audit-sample.ts.
 */
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
