/**
 * The roll-forward chunk circuit (RollForwardChunk(8), issue 15) against the independent model of
 * test/rollforward/model.ts on seeded random sequences of periods, and its failing twins, each refused by
 * the constraint that states its rule.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  ROLLFORWARD_PUBLIC_SIGNALS,
  addTotals,
  assertValidTape,
  buildRollForwardInput,
  commitTape,
  deriveSalts,
  unpackTotals,
  zeroTotals,
  type LoanRecord,
  type LoanTape,
  type RollForwardCircuitInput,
  type RollForwardPeriod,
  type RollForwardTotals,
} from "../../prover/index.ts";
import {
  check,
  compileCircuit,
  failure,
  terminateCurve,
  witness,
  type Compiled,
} from "../circuits/helpers.ts";
import { FIRST_AS_OF, firstTape, newLoan, nextTape, rng } from "./gen.ts";
import { modelRollForward } from "./model.ts";

const CHUNK = 8;
const SEED = 0x5eedn;
const MAX_ADJ = 50_000n;
const FILE = "circuits/rollforward/rollforward_chunk.circom";
let circuit: Compiled;

/** circom's failure report at the line of the roll-forward circuit that contains `text`. */
function at(text: string): RegExp {
  const lines = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8").split("\n");
  const n = lines.findIndex((l) => l.includes(text));
  if (n < 0) throw new Error(`no line contains ${text}`);
  return new RegExp(`RollForwardChunk_\\d+ line: ${n + 1}\\b`);
}

beforeAll(async () => {
  circuit = await compileCircuit(FILE, "RollForwardChunk", [CHUNK], [...ROLLFORWARD_PUBLIC_SIGNALS]);
}, 600_000);
afterAll(async () => {
  await terminateCurve();
});

async function period(tape: LoanTape): Promise<RollForwardPeriod> {
  // Salts from the originator's seed: borrower commitments are stable across periods (docs/ENCODING.md).
  return { tape, commitment: await commitTape(tape, await deriveSalts(SEED, tape), { chunkSize: CHUNK }) };
}

/** The inputs of every chunk of a roll-forward (the chunk count covers the longer tape). */
async function inputs(prev: RollForwardPeriod, next: RollForwardPeriod, maxAdjustment = MAX_ADJ) {
  const count = Math.max(1, Math.ceil(Math.max(prev.tape.loans.length, next.tape.loans.length) / CHUNK));
  return Promise.all(
    Array.from({ length: count }, (_, chunkIndex) =>
      buildRollForwardInput(prev, next, {
        chunkIndex,
        chunkSize: CHUNK,
        maxAdjustment,
        flowSalt: 12345n + BigInt(chunkIndex),
      }),
    ),
  );
}

/** Runs every chunk through the circuit; the pool's totals are the sums of the chunks' public totals. */
async function rollForward(
  prev: RollForwardPeriod,
  next: RollForwardPeriod,
  checkR1cs = false,
): Promise<RollForwardTotals> {
  let total = zeroTotals();
  for (const { input, publicSignals: s } of await inputs(prev, next)) {
    const w = await witness(circuit, input);
    if (checkR1cs) expect(await check(circuit, w)).toBe(true);
    total = addTotals(total, unpackTotals(s.rfA, s.rfB, s.rfC));
  }
  return total;
}

describe("RollForwardChunk(8) against the independent model", () => {
  it(
    "agrees on random sequences of periods (3 seeds x 3 periods, multi-chunk)",
    { timeout: 300_000 },
    async () => {
      let exits = 0n;
      let recoveries = 0n;
      for (const seed of [1, 2, 3]) {
        const r = rng(seed);
        let prevTape = firstTape(r, 9 + seed);
        let prev = await period(prevTape);
        for (let p = 0; p < 3; p++) {
          const nextTape_ = nextTape(r, prevTape, MAX_ADJ);
          const next = await period(nextTape_);
          const model = modelRollForward(prevTape, nextTape_);
          const circuitTotals = await rollForward(prev, next, seed === 1 && p === 0);
          expect(circuitTotals).toEqual(model);
          // The roll-forward identity holds for the pool.
          expect(model.closing).toBe(
            model.opening +
              model.originations -
              model.principalCollected -
              model.chargedOff +
              model.adjustmentsUp -
              model.adjustmentsDown -
              model.removedAtExit,
          );
          exits +=
            model.exitsPrepaidOrMatured +
            model.exitsSold +
            model.exitsRepurchased +
            model.exitsChargedOff +
            model.exitsServicingTransfer;
          recoveries += model.recoveries;
          prevTape = nextTape_;
          prev = next;
        }
      }
      // The sequences exercised exits and recoveries (not a vacuous agreement).
      expect(exits).toBeGreaterThan(3n);
      expect(recoveries).toBeGreaterThan(0n);
    },
  );
});

describe("RollForwardChunk(8) failing twins, each refused for its reason", () => {
  const r = rng(99);
  const A = (over: Partial<LoanRecord> = {}): LoanRecord => ({
    ...newLoan(r, FIRST_AS_OF, "T"),
    originationDate: FIRST_AS_OF - 200,
    ...over,
  });
  let prevTape: LoanTape;
  let prev: RollForwardPeriod;
  // Slot 0 performing, slot 1 delinquent 75 days, slot 2 charged off, slot 3 performing.
  beforeAll(async () => {
    const loans = [
      A(),
      A({ status: LoanStatus.Delinquent, daysPastDue: 75 }),
      A({
        outstandingBalance: 0n,
        status: LoanStatus.ChargedOff,
        chargedOffAmount: 400_000n,
        daysPastDue: 120,
        principalCollected: 0n,
        interestCollected: 0n,
        collectedAmount: 0n,
      }),
      A(),
    ];
    prevTape = assertValidTape({
      poolId: 7n,
      period: 202510,
      asOfDate: FIRST_AS_OF,
      currency: "USD",
      decimals: 2,
      loans,
    });
    prev = await period(prevTape);
  });
  /** This period: every loan carried with no cash flow, then `edit` applied to the loans. */
  async function twin(
    edit: (loans: LoanRecord[]) => LoanRecord[],
    mutate?: (i: RollForwardCircuitInput) => void,
    maxAdj = MAX_ADJ,
  ) {
    const loans = prevTape.loans.map((l) => ({
      ...l,
      scheduledPayment: 0n,
      collectedAmount: 0n,
      principalCollected: undefined,
      interestCollected: undefined,
    }));
    const next = { ...prevTape, period: 202511, asOfDate: FIRST_AS_OF + 30, loans: edit(loans) };
    const [first] = await inputs(prev, await period(next), maxAdj);
    const input = first!.input;
    mutate?.(input);
    return failure(witness(circuit, input));
  }

  it("the honest carry-over passes (the twins below differ from it in one thing)", async () => {
    expect(await twin((l) => l)).toBe("");
  });

  it("a dropped delinquent loan", async () => {
    // The last loan moves into the delinquent loan's slot, the tape stays packed: slot 1 holds a new id.
    expect(await twin((l) => [l[0]!, l[3]!, l[2]!])).toMatch(at("activeP * (emptyN[i] + fresh[i]) === 0"));
  });

  it("a loan re-originated under a new id in its slot", async () => {
    const reborn = (l: LoanRecord[]) => [
      l[0]!,
      { ...l[1]!, loanId: "NEW-1", status: LoanStatus.Performing, daysPastDue: 0 },
      l[2]!,
      l[3]!,
    ];
    // Declared as a new loan: refused as the replacement of an active loan.
    expect(await twin(reborn)).toMatch(at("activeP * (emptyN[i] + fresh[i]) === 0"));
    // Declared as the same loan: refused by the identity check.
    expect(await twin(reborn, (i) => ((i.fresh as string[])[1] = "0"))).toMatch(
      at("cont[i] * (idN[i] - idP[i]) === 0"),
    );
  });

  it("a repayment without principal collected", async () => {
    const exit = FIRST_AS_OF + 10;
    expect(
      await twin((l) => [
        {
          ...l[0]!,
          outstandingBalance: 0n,
          status: LoanStatus.Repaid,
          exitCode: ExitCode.PrepaidOrMatured,
          exitDate: exit,
        },
        l[1]!,
        l[2]!,
        l[3]!,
      ]),
    ).toMatch(at("(1 - fresh[i]) * entry === 0"));
  });

  it("a resurrected charged-off loan", async () => {
    expect(
      await twin((l) => [
        l[0]!,
        l[1]!,
        {
          ...l[2]!,
          status: LoanStatus.Performing,
          outstandingBalance: 300_000n,
          chargedOffAmount: 0n,
          daysPastDue: 0,
        },
        l[3]!,
      ]),
    ).toMatch(at("t2[i] * (1 - s01N[i]) === 0"));
  });

  it("a charged-off loan brought back as a new loan in its freed slot", async () => {
    const back = (l: LoanRecord[]) => [
      l[0]!,
      l[1]!,
      {
        ...l[2]!,
        status: LoanStatus.Performing,
        outstandingBalance: 300_000n,
        chargedOffAmount: 0n,
        daysPastDue: 0,
      },
      l[3]!,
    ];
    // Declared new: refused, it was not originated in this period.
    expect(await twin(back, (i) => ((i.fresh as string[])[2] = "1"))).toMatch(
      at("newInPeriod[i].in <== freshOrig[i]"),
    );
  });

  it("a changed original principal", async () => {
    expect(
      await twin((l) => [
        { ...l[0]!, originalPrincipal: l[0]!.originalPrincipal + 100_000n },
        l[1]!,
        l[2]!,
        l[3]!,
      ]),
    ).toMatch(at("cont[i] * ((headN + halfN + zeroN[i].out) - (headP + halfP + zeroP[i].out)) === 0"));
  });

  it("adjustments over their bound", async () => {
    const adjusted = (l: LoanRecord[]) => [
      {
        ...l[0]!,
        outstandingBalance: l[0]!.outstandingBalance + 60_000n,
        principalAdjustment: 60_000n,
        adjustmentReason: AdjustmentReason.Capitalisation,
      },
      l[1]!,
      l[2]!,
      l[3]!,
    ];
    expect(await twin(adjusted, undefined, 60_000n)).toBe(""); // at the bound: accepted
    expect(await twin(adjusted, undefined, 59_999n)).toMatch(at("adjBound[i].in <== maxAdjustment - adjMag"));
  });

  it("a changed maturity, and a public total that is not the chunk's", async () => {
    expect(
      await twin((l) => [{ ...l[0]!, maturityDate: l[0]!.maturityDate + 1 }, l[1]!, l[2]!, l[3]!]),
    ).toMatch(at("maturity[i].in <== contMat[i]"));
    expect(
      await twin(
        (l) => l,
        (i) => (i.rfA = (BigInt(i.rfA as string) + 1n).toString()),
      ),
    ).toMatch(at("rfA === opening"));
  });
});
