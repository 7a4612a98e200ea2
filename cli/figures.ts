/**
 * Figures for people: a pool's figures with amounts in the tape's currency, and its breach bits decoded
 * against the policy they were evaluated under (named by file or as the built-in default, with its hash).
 */
import { BREACH, type Figures } from "../prover/index.ts";
import { policyHash, type Policy } from "../prover/index.ts";
import { money } from "./demo/report.ts";

/** An amount of minor units in the currency: `USD 1,234.56`. */
export function inCurrency(v: bigint, currency: string, decimals: number): string {
  return `${currency} ${money(v, decimals)}`;
}

const bps = (v: number): string => `${(v / 100).toFixed(2).replace(/\.?0+$/, "")} %`;

/** One sentence per breach bit set in `bits`, saying which covenant of `policy` was breached. */
export function describeBreaches(bits: number, policy: Policy, currency: string, decimals: number): string[] {
  const out: string[] = [];
  const on = (b: number): boolean => (bits & b) !== 0;
  if (on(BREACH.minCreditScore))
    out.push(`bit 0 minCreditScore: an active loan's score is below ${policy.minCreditScore}`);
  if (on(BREACH.maxDaysPastDue))
    out.push(`bit 1 maxDaysPastDue: an active loan is more than ${policy.maxDaysPastDue} days past due`);
  if (on(BREACH.maxLtv))
    out.push(
      `bit 2 maxLtvBps: an active secured loan's balance is above ${bps(policy.maxLtvBps)} of its collateral`,
    );
  if (on(BREACH.bucket30))
    out.push(
      `bit 3 maxBucket30Bps: 30-59 days past due is above ${bps(policy.maxBucket30Bps)} of the balance`,
    );
  if (on(BREACH.bucket60))
    out.push(
      `bit 4 maxBucket60Bps: 60-89 days past due is above ${bps(policy.maxBucket60Bps)} of the balance`,
    );
  if (on(BREACH.bucket90))
    out.push(`bit 5 maxBucket90Bps: 90+ days past due is above ${bps(policy.maxBucket90Bps)} of the balance`);
  if (on(BREACH.concentration))
    out.push(
      `bit 6 maxConcentrationBps: the largest loan is above ${bps(policy.maxConcentrationBps)} of the balance`,
    );
  if (on(BREACH.minPoolBalance))
    out.push(
      `bit 7 minPoolBalance: the outstanding balance is below ${inCurrency(policy.minPoolBalance, currency, decimals)}`,
    );
  return out;
}

/** The policy's name for people: its file, or the built-in default; with its hash. */
export async function policyLabel(path: string | undefined, policy: Policy): Promise<string> {
  return `${path ?? "the built-in default policy"} (policyHash ${await policyHash(policy)})`;
}

/** The figures as lines, amounts in the currency, counts and scores as numbers. */
export function describeFigures(f: Figures, currency: string, decimals: number): string[] {
  const m = (v: bigint): string => inCurrency(v, currency, decimals);
  return [
    `outstanding ${m(f.outstanding)} over ${f.activeCount} active loans (largest ${m(f.maxLoanBalance)})`,
    `scheduled ${m(f.scheduled)}, collected ${m(f.collected)}`,
    `past due 30-59 days ${m(f.bucket30)}, 60-89 ${m(f.bucket60)}, 90+ ${m(f.bucket90)}`,
    `defaulted ${m(f.defaulted)}, charged off (cumulative) ${m(f.chargedOff)}`,
    `lowest score ${f.activeCount > 0 ? f.minScore : "-"}, balance-weighted mean score ${
      f.outstanding > 0n ? (Number((f.scoreWeightedBalance * 10n) / f.outstanding) / 10).toFixed(1) : "-"
    }`,
  ];
}
