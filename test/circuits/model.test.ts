/**
 * The TypeScript model on hand-computed examples (no circuit): figure definitions, packing, and the
 * registry's aggregation across chunks, where pool-level covenants are evaluated again on the aggregate.
 */
import { describe, expect, it } from "vitest";
import {
  aggregateFigures,
  BREACH,
  chunkFigures,
  modelPool,
  packFigures,
  packPoolWord,
  unpackPoolWord,
  splitChunks,
  unpackFigures,
} from "../../prover/model/index.ts";
import { DEFAULT_POLICY, type Policy } from "../../prover/policy/index.ts";
import { LoanStatus, MAX_AMOUNT, type LoanRecord } from "../../prover/tape/schema.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

function loan(over: Partial<LoanRecord>): LoanRecord {
  return {
    loanId: "L",
    borrowerRef: "B",
    originationDate: 19000,
    maturityDate: 21000,
    originalPrincipal: 1000n,
    outstandingBalance: 1000n,
    interestRateBps: 500,
    scheduledPayment: 10n,
    collectedAmount: 10n,
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

const NO_LIMITS: Policy = {
  minCreditScore: 0,
  maxDaysPastDue: 65535,
  maxLtvBps: 0,
  maxBucket30Bps: 10000,
  maxBucket60Bps: 10000,
  maxBucket90Bps: 10000,
  maxConcentrationBps: 10000,
  minPoolBalance: 0n,
  minActiveLoans: 0,
};

describe("model figures", () => {
  it("follows the definitions of docs/INTERFACES.md on a hand-computed chunk", () => {
    const loans = [
      loan({ outstandingBalance: 100n, daysPastDue: 29, creditScore: 600 }),
      loan({ outstandingBalance: 200n, daysPastDue: 30, status: LoanStatus.Delinquent, creditScore: 650 }),
      loan({ outstandingBalance: 300n, daysPastDue: 89, status: LoanStatus.Delinquent }),
      loan({ outstandingBalance: 400n, daysPastDue: 90, status: LoanStatus.Defaulted, creditScore: 500 }),
      loan({
        outstandingBalance: 999n,
        daysPastDue: 200,
        status: LoanStatus.ChargedOff,
        chargedOffAmount: 50n,
        creditScore: 1,
      }),
      loan({
        outstandingBalance: 0n,
        status: LoanStatus.Repaid,
        scheduledPayment: 7n,
        collectedAmount: 9n,
        creditScore: 2,
      }),
    ];
    const f = chunkFigures(loans, NO_LIMITS);
    expect(f).toEqual({
      outstanding: 1000n,
      scheduled: 57n,
      collected: 59n,
      bucket30: 200n,
      bucket60: 300n,
      bucket90: 400n,
      defaulted: 400n,
      chargedOff: 50n,
      scoreWeightedBalance: 100n * 600n + 200n * 650n + 300n * 700n + 400n * 500n,
      maxLoanBalance: 400n,
      activeCount: 4,
      minScore: 500,
      breaches: 0,
    });
    expect(unpackFigures(...(Object.values(packFigures(f)) as [bigint, bigint, bigint]))).toEqual(f);
    // Inactive loans set no loan-level bit; an active one below the minimum score does.
    expect(chunkFigures(loans, { ...NO_LIMITS, minCreditScore: 501 }).breaches).toBe(BREACH.minCreditScore);
    expect(chunkFigures(loans, { ...NO_LIMITS, minCreditScore: 500 }).breaches).toBe(0);
    expect(chunkFigures(loans, { ...NO_LIMITS, maxDaysPastDue: 89 }).breaches).toBe(BREACH.maxDaysPastDue);
  });

  it("LTV: only active secured loans, and 0 means no limit", () => {
    const secured = [
      loan({ outstandingBalance: 901n, collateralValue: 1000n }),
      loan({ outstandingBalance: 5000n }),
    ];
    expect(chunkFigures(secured, { ...NO_LIMITS, maxLtvBps: 9010 }).breaches).toBe(0);
    expect(chunkFigures(secured, { ...NO_LIMITS, maxLtvBps: 9009 }).breaches).toBe(BREACH.maxLtv);
    expect(chunkFigures(secured, { ...NO_LIMITS, maxLtvBps: 0 }).breaches).toBe(0);
    const repaid = [loan({ outstandingBalance: 901n, collateralValue: 1000n, status: LoanStatus.Repaid })];
    expect(chunkFigures(repaid, { ...NO_LIMITS, maxLtvBps: 1 }).breaches).toBe(0);
  });

  it("an empty chunk has minScore 1023 and breaches only a positive minimum balance", () => {
    expect(chunkFigures([], DEFAULT_POLICY)).toMatchObject({ activeCount: 0, minScore: 1023, breaches: 0 });
    expect(chunkFigures([], { ...NO_LIMITS, minPoolBalance: 1n }).breaches).toBe(BREACH.minPoolBalance);
  });
});

describe("aggregation across chunks", () => {
  it("sums, max, min, ORs loan-level bits and re-evaluates pool-level covenants on the aggregate", () => {
    const policy: Policy = { ...NO_LIMITS, maxBucket90Bps: 2000, minCreditScore: 600, minPoolBalance: 1500n };
    const a = [loan({ outstandingBalance: 100n, daysPastDue: 95, creditScore: 590 })]; // 100% in bucket 90
    const b = [loan({ outstandingBalance: 900n }), loan({ outstandingBalance: 800n })];
    const fa = chunkFigures(a, policy);
    const fb = chunkFigures(b, policy);
    expect(fa.breaches).toBe(BREACH.minCreditScore | BREACH.bucket90 | BREACH.minPoolBalance);
    expect(fb.breaches).toBe(0);
    const pool = aggregateFigures([fa, fb], policy);
    // 100 / 1800 = 5.6% < 20%: the chunk's bucket-90 breach is not a pool breach; the score breach stays.
    expect(pool.breaches).toBe(BREACH.minCreditScore);
    expect(pool).toMatchObject({ outstanding: 1800n, maxLoanBalance: 900n, minScore: 590, activeCount: 3 });
    expect(modelPool([...a, ...b], policy, 1).pool).toEqual(
      aggregateFigures(
        splitChunks([...a, ...b], 1).map((c) => chunkFigures(c, policy)),
        policy,
      ),
    );
    expect(() => aggregateFigures([], policy)).toThrow(CodedError);
  });

  it("packs the pool word and refuses values that do not fit their slots", () => {
    const fields = {
      poolId: 1n,
      period: 2,
      asOfDate: 3,
      chunkIndex: 4,
      chunkCount: 5,
      loanCount: 0xffff_ffff,
    };
    const word = packPoolWord(fields);
    expect(word).toBe(1n | (2n << 64n) | (3n << 96n) | (4n << 112n) | (5n << 128n) | (0xffff_ffffn << 144n));
    expect(unpackPoolWord(word)).toEqual(fields);
    expect(() => packPoolWord({ ...fields, poolId: 1n << 64n })).toThrow(/poolId/);
    expect(() => packPoolWord({ ...fields, loanCount: 2 ** 32 })).toThrow(/loanCount/);
    const f = chunkFigures([loan({ outstandingBalance: MAX_AMOUNT })], NO_LIMITS);
    expect(() => packFigures({ ...f, outstanding: 1n << 62n })).toThrow(/outstanding/);
    expect(() => packFigures({ ...f, breaches: 1 << 16 })).toThrow(/breaches/);
  });
});
