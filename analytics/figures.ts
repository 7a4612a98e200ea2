/**
 * Building an analysis from attested pool figures (docs/INTERFACES.md), when loans are not known
 * individually: the pool is split into homogeneous groups by delinquency bucket, each group's PD read from
 * the PD table at the pool's score band, each group made of equal loans.
 *
 * Assumptions (documented in docs/ANALYTICS.md):
 * - groups: current = outstanding − bucket30 − bucket60 − bucket90; defaulted loans (PD 1) are taken out of
 *   bucket90 first, then bucket60, bucket30 and current (they are usually the most delinquent);
 * - score band: the balance-weighted average score ⌊scoreWeightedBalance / outstanding⌋ (`scoreBasis`
 *   "average", default) or the attested minimum score (`"minimum"`, conservative);
 * - loan count per group: activeCount shared in proportion to balance (largest remainder, at least one loan
 *   per group; `granularity` "average", default),
 *   or the fewest loans consistent with the largest loan, ⌈group / maxLoanBalance⌉ (`"conservative"`).
 */
import type { AnalysisInput, GroupInput } from "./schema.ts";
import { invalid, requireBigUint } from "../verifier-api/web/errors.js";

/** Attested figures of a pool (amounts as bigint, safe-integer number, or decimal string). */
export interface AttestedFigures {
  outstanding: bigint | number | string;
  bucket30: bigint | number | string;
  bucket60: bigint | number | string;
  bucket90: bigint | number | string;
  defaulted: bigint | number | string;
  scoreWeightedBalance: bigint | number | string;
  maxLoanBalance: bigint | number | string;
  activeCount: number;
  minScore: number;
}

/** Options of {@link analysisFromFigures}: the analysis settings plus how aggregates become groups. */
export type FiguresOptions = Omit<AnalysisInput, "loans" | "groups"> & {
  scoreBasis?: "average" | "minimum";
  granularity?: "average" | "conservative";
};

/** A figure: a non-negative integer of at most 30 digits (bigint, safe integer or decimal string). */
const figure = (v: unknown, name: string): bigint =>
  requireBigUint(`figures.${name}`, v, 10n ** 30n - 1n, {
    what: "a non-negative integer (bigint, number or decimal string)",
  });

/**
 * Unpacks the figures of the pool attestation's public signals figA, figB, figC: the codec generated from
 * the layout's one declaration (circuits/layout.json).
 */
export { unpackFigures } from "../verifier-api/web/pool-codec.js";

/**
 * Builds an {@link AnalysisInput} from attested figures. Throws TypeError naming the figure when the
 * figures are inconsistent (buckets above the outstanding balance, no active loan, …).
 */
export function analysisFromFigures(figures: AttestedFigures, options: FiguresOptions): AnalysisInput {
  if (typeof figures !== "object" || figures === null) throw invalid("figures", "must be an object");
  const outstanding = figure(figures.outstanding, "outstanding");
  const b30 = figure(figures.bucket30, "bucket30");
  const b60 = figure(figures.bucket60, "bucket60");
  const b90 = figure(figures.bucket90, "bucket90");
  const defaulted = figure(figures.defaulted, "defaulted");
  const swb = figure(figures.scoreWeightedBalance, "scoreWeightedBalance");
  const maxLoan = figure(figures.maxLoanBalance, "maxLoanBalance");
  const { activeCount, minScore } = figures;
  if (!Number.isSafeInteger(activeCount) || activeCount < 1) {
    throw invalid("figures.activeCount", "must be a positive integer");
  }
  if (!Number.isInteger(minScore) || minScore < 0 || minScore > 1023) {
    throw invalid("figures.minScore", "must be an integer in [0, 1023]");
  }
  if (outstanding === 0n) throw invalid("figures.outstanding", "must be positive");
  if (b30 + b60 + b90 > outstanding)
    throw invalid("figures.bucket30", "buckets exceed the outstanding balance");
  if (defaulted > outstanding) throw invalid("figures.defaulted", "exceeds the outstanding balance");
  if (maxLoan === 0n || maxLoan > outstanding)
    throw invalid("figures.maxLoanBalance", "must be in (0, outstanding]");
  if (maxLoan * BigInt(activeCount) < outstanding) {
    throw invalid("figures.maxLoanBalance", "times activeCount is below the outstanding balance");
  }
  if (swb > 1023n * outstanding || swb < BigInt(minScore) * outstanding) {
    throw invalid("figures.scoreWeightedBalance", "is inconsistent with minScore and outstanding");
  }
  const scoreBasis = options.scoreBasis ?? "average";
  const granularity = options.granularity ?? "average";
  if (scoreBasis !== "average" && scoreBasis !== "minimum") {
    throw invalid("options.scoreBasis", 'must be "average" or "minimum"');
  }
  if (granularity !== "average" && granularity !== "conservative") {
    throw invalid("options.granularity", 'must be "average" or "conservative"');
  }
  const score = scoreBasis === "average" ? Number(swb / outstanding) : minScore;

  // exclusive delinquency groups, then defaulted balance moved out of the most delinquent first
  const groups: Array<{ name: string; amount: bigint; dpd: number; defaulted: boolean }> = [
    { name: "current", amount: outstanding - b30 - b60 - b90, dpd: 0, defaulted: false },
    { name: "dpd30", amount: b30, dpd: 30, defaulted: false },
    { name: "dpd60", amount: b60, dpd: 60, defaulted: false },
    { name: "dpd90", amount: b90, dpd: 90, defaulted: false },
  ];
  let left = defaulted;
  for (let i = groups.length - 1; i >= 0 && left > 0n; i--) {
    const g = groups[i]!;
    const take = g.amount < left ? g.amount : left;
    g.amount -= take;
    left -= take;
  }
  groups.push({ name: "defaulted", amount: defaulted, dpd: 90, defaulted: true });

  const { scoreBasis: _s, granularity: _g, ...rest } = options;
  const present = groups.filter((g) => g.amount > 0n);
  let counts: number[];
  if (granularity === "average") {
    // activeCount shared by balance, largest remainder first, at least one loan per group
    const quota = present.map((g) => (activeCount * Number(g.amount)) / Number(outstanding));
    counts = quota.map((q) => Math.max(1, Math.floor(q)));
    let spare = activeCount - counts.reduce((a, b) => a + b, 0);
    const byRemainder = quota
      .map((q, i) => [q - Math.floor(q), i] as const)
      .sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    for (let j = 0; spare > 0 && j < byRemainder.length; j++, spare--) counts[byRemainder[j]![1]]!++;
  } else {
    counts = present.map((g) => Number((g.amount + maxLoan - 1n) / maxLoan));
  }
  const out: GroupInput[] = present.map((g, i) => ({
    name: g.name,
    count: counts[i]!,
    exposure: g.amount.toString(),
    score,
    daysPastDue: g.dpd,
    ...(g.defaulted ? { defaulted: true } : {}),
  }));
  return { ...rest, groups: out };
}
