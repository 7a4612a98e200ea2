/** Seeded random loan tapes for the circuit tests (deterministic: the same seed gives the same tape). */
import {
  LoanStatus,
  MAX_AMOUNT,
  type LoanRecord,
  type LoanStatus as Status,
  type LoanTape,
} from "../../prover/tape/schema.ts";
import type { Policy } from "../../prover/policy/index.ts";

import { rng } from "../support/rng.ts";

export { rng };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function amount(r: () => number): bigint {
  const kind = r();
  if (kind < 0.05) return 0n;
  if (kind < 0.1) return MAX_AMOUNT;
  if (kind < 0.5) return BigInt(Math.floor(r() * 5_000_000_00)); // up to 5M in cents
  const bits = 1 + Math.floor(r() * 48);
  return (BigInt(Math.floor(r() * 2 ** 30)) * BigInt(Math.floor(r() * 2 ** 30))) % (1n << BigInt(bits));
}

/** The tapes' as-of date. */
export const AS_OF = 20422;

/**
 * One random loan that keeps every rule of docs/TAPE.md (the circuit refuses any other); edge values (bucket
 * and status boundaries, maximum amounts, amount = 2 x principal, a loan exactly as late as it is old, score
 * edges) are frequent.
 */
export function randomLoan(r: () => number, i: number, asOfDate = AS_OF): LoanRecord {
  const status = pick(r, [0, 0, 0, 1, 1, 2, 3, 4] as const) as Status;
  const dpdChoices = [
    0,
    0,
    1,
    29,
    30,
    31,
    59,
    60,
    61,
    89,
    90,
    91,
    120,
    127,
    128,
    200,
    asOfDate,
    Math.floor(r() * 400),
  ];
  const allowed = dpdChoices.filter((d) =>
    status === LoanStatus.Performing
      ? d <= 29
      : status === LoanStatus.Delinquent
        ? d >= 1
        : status === LoanStatus.Repaid
          ? d === 0
          : true,
  );
  const dpd = Math.min(pick(r, allowed), asOfDate);
  const nonZero = (v: bigint): bigint => (v === 0n ? 1n : v);
  const active = status <= LoanStatus.Defaulted;
  const outstanding = active ? nonZero(amount(r)) : 0n;
  const chargedOff = status === LoanStatus.ChargedOff ? nonZero(amount(r)) : 0n;
  const x = outstanding + chargedOff;
  const least = (x + 1n) / 2n === 0n ? 1n : (x + 1n) / 2n;
  const principalKind = r();
  const principal =
    principalKind < 0.25
      ? least
      : principalKind < 0.35
        ? MAX_AMOUNT
        : least + (amount(r) % (MAX_AMOUNT - least + 1n));
  const latestOrigination = asOfDate - dpd;
  const originationDate = r() < 0.2 ? latestOrigination : Math.floor(r() * (latestOrigination + 1));
  const collateral = r() < 0.4 ? 0n : amount(r);
  return {
    loanId: `L-${i}-${Math.floor(r() * 1e9)}`,
    borrowerRef: `B-${Math.floor(r() * 50)}`,
    originationDate,
    maturityDate: originationDate + Math.floor(r() * 3000),
    originalPrincipal: principal,
    outstandingBalance: outstanding,
    interestRateBps: Math.floor(r() * 3000),
    scheduledPayment: amount(r),
    collectedAmount: amount(r),
    daysPastDue: dpd,
    status,
    chargedOffAmount: chargedOff,
    creditScore: pick(r, [0, 1023, 300, 579, 580, 581, 700, 850, Math.floor(r() * 1024)]),
    scoreProviderId: Math.floor(r() * 10),
    scoreDate: asOfDate - Math.floor(r() * 30),
    collateralValue: collateral,
  };
}

/** A performing, unsecured loan of 800,000 (score 700, due and paid 20,000), with `over` changed. */
export function loan(over: Partial<LoanRecord>, i = 0): LoanRecord {
  return {
    loanId: `L${i}`,
    borrowerRef: `B${i}`,
    originationDate: 19000,
    maturityDate: 21000,
    originalPrincipal: 1_000_000n,
    outstandingBalance: 800_000n,
    interestRateBps: 700,
    scheduledPayment: 20_000n,
    collectedAmount: 20_000n,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: 700,
    scoreProviderId: 1,
    scoreDate: 20400,
    collateralValue: 0n,
    ...over,
  };
}

/** A random tape of `n` loans. */
export function randomTape(seed: number, n: number): LoanTape {
  const r = rng(seed);
  return {
    poolId: BigInt(1 + Math.floor(r() * 1e9)),
    period: 202611,
    asOfDate: AS_OF,
    currency: "USD",
    decimals: 2,
    loans: Array.from({ length: n }, (_, i) => randomLoan(r, i)),
  };
}

/** A random policy: every limit anywhere in its range, "no limit" (0) and the extremes frequent. */
export function randomPolicy(r: () => number): Policy {
  const bps = (): number => Math.floor(r() * 10001);
  return {
    minCreditScore: Math.floor(r() * 1024),
    maxDaysPastDue: [0, 30, 90, 65535, Math.floor(r() * 200)][Math.floor(r() * 5)]!,
    maxLtvBps: r() < 0.3 ? 0 : Math.floor(r() * 65536),
    maxBucket30Bps: bps(),
    maxBucket60Bps: bps(),
    maxBucket90Bps: bps(),
    maxConcentrationBps: bps(),
    minPoolBalance: r() < 0.5 ? 0n : BigInt(Math.floor(r() * 2 ** 40)),
    // no minimum pool size: random tapes may have no active loan (the minimum: test/circuits/min-pool.test.ts)
    minActiveLoans: 0,
  };
}
