/** Seeded random loan tapes for the circuit tests (deterministic: the same seed gives the same tape). */
import {
  LoanStatus,
  MAX_AMOUNT,
  type LoanRecord,
  type LoanStatus as Status,
  type LoanTape,
} from "../../prover/tape/schema.ts";

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function amount(r: () => number): bigint {
  const kind = r();
  if (kind < 0.05) return 0n;
  if (kind < 0.1) return MAX_AMOUNT;
  if (kind < 0.5) return BigInt(Math.floor(r() * 5_000_000_00)); // up to 5M in cents
  const bits = 1 + Math.floor(r() * 48);
  return (BigInt(Math.floor(r() * 2 ** 30)) * BigInt(Math.floor(r() * 2 ** 30))) % (1n << BigInt(bits));
}

/** One random loan; edge values (bucket boundaries, maximum amounts, score edges) are frequent. */
export function randomLoan(r: () => number, i: number): LoanRecord {
  const status = pick(r, [0, 0, 0, 1, 1, 2, 3, 4] as const) as Status;
  const dpd = pick(r, [
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
    65535,
    Math.floor(r() * 400),
  ]);
  const outstanding = status === LoanStatus.Repaid ? 0n : amount(r);
  const collateral = r() < 0.4 ? 0n : amount(r);
  return {
    loanId: `L-${i}-${Math.floor(r() * 1e9)}`,
    borrowerRef: `B-${Math.floor(r() * 50)}`,
    originationDate: 19000 + Math.floor(r() * 1000),
    maturityDate: 20500 + Math.floor(r() * 3000),
    originalPrincipal: amount(r),
    outstandingBalance: outstanding,
    interestRateBps: Math.floor(r() * 3000),
    scheduledPayment: amount(r),
    collectedAmount: amount(r),
    daysPastDue: dpd,
    status,
    chargedOffAmount: status === LoanStatus.ChargedOff ? amount(r) : 0n,
    creditScore: pick(r, [0, 1023, 300, 579, 580, 581, 700, 850, Math.floor(r() * 1024)]),
    scoreProviderId: Math.floor(r() * 10),
    scoreDate: 20400 + Math.floor(r() * 30),
    collateralValue: collateral,
  };
}

/** A random tape of `n` loans. */
export function randomTape(seed: number, n: number): LoanTape {
  const r = rng(seed);
  return {
    poolId: BigInt(1 + Math.floor(r() * 1e9)),
    period: 202611,
    asOfDate: 20422,
    currency: "USD",
    decimals: 2,
    loans: Array.from({ length: n }, (_, i) => randomLoan(r, i)),
  };
}
