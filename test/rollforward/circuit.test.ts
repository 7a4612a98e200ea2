/**
 * The roll-forward chunk circuit (RollForwardChunk(8), issue 15) against the independent model of
 * test/rollforward/model.ts on seeded random sequences of periods, and its failing twins, each refused by
 * the constraint that states its rule, through the typed circuit tester (test/support/circuit-tester.ts).
 *
 * One claim per test; each test gets its fixtures from `it`'s context: the compiled circuit (once per file),
 * the seeded sequences of periods (once per file: every claim about them is about the same sequences) and,
 * for the twins, a four-loan period carried over, built for the test.
 */
import { afterAll, describe, expect, test } from "vitest";
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  ROLLFORWARD_PRIVATE_INPUTS,
  ROLLFORWARD_PUBLIC_SIGNALS,
  SLOT_STATE,
  addTotals,
  assertValidTape,
  buildRollForwardInput,
  commitTape,
  deriveSalts,
  unpackTotals,
  zeroTotals,
  type LoanRecord,
  type LoanTape,
  type RollForwardPeriod,
  type RollForwardTotals,
} from "../../prover/index.ts";
import { failsAt, terminateCurve } from "../circuits/helpers.ts";
import { CircuitTester, withElement, type Signals } from "../support/circuit-tester.ts";
import { FIRST_AS_OF, firstTape, newLoan, nextTape, rng } from "./gen.ts";
import { modelRollForward } from "./model.ts";

const CHUNK = 8;
const SEED = 0x5eedn;
const MAX_ADJ = 50_000n;
const INPUTS = [...ROLLFORWARD_PUBLIC_SIGNALS, ...ROLLFORWARD_PRIVATE_INPUTS] as const;
type Input = (typeof INPUTS)[number];
type Tester = CircuitTester<Input, "rfA" | "rfB" | "rfC">;

/** circom's failure report at the line of the roll-forward circuit that contains `text`. */
const at = (text: string): RegExp =>
  failsAt("RollForwardChunk", "rollforward/rollforward_chunk.circom", text);

async function period(tape: LoanTape): Promise<RollForwardPeriod> {
  // Salts from the originator's seed: borrower commitments are stable across periods (docs/ENCODING.md).
  return { tape, commitment: await commitTape(tape, await deriveSalts(SEED, tape), { chunkSize: CHUNK }) };
}

/** The inputs of every chunk of a roll-forward (the chunk count covers the longer tape). */
async function inputs(
  circuit: Tester,
  prev: RollForwardPeriod,
  next: RollForwardPeriod,
  maxAdjustment = MAX_ADJ,
): Promise<Signals<Input>[]> {
  const count = Math.max(1, Math.ceil(Math.max(prev.tape.loans.length, next.tape.loans.length) / CHUNK));
  const built = await Promise.all(
    Array.from({ length: count }, (_, chunkIndex) =>
      buildRollForwardInput(prev, next, {
        chunkIndex,
        chunkSize: CHUNK,
        maxAdjustment,
        flowSalt: 12345n + BigInt(chunkIndex),
      }),
    ),
  );
  return built.map((b) => circuit.input(b.input));
}

/** One period of a seeded sequence rolled forward from the last one, with the model's totals for it. */
interface Step {
  seed: number;
  period: number;
  prev: RollForwardPeriod;
  next: RollForwardPeriod;
  model: RollForwardTotals;
}

/** 3 seeds x 3 periods, the tapes long enough for several chunks. */
async function sequences(): Promise<Step[]> {
  const steps: Step[] = [];
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    let prev = await period(firstTape(r, 9 + seed));
    for (let p = 0; p < 3; p++) {
      const next = await period(nextTape(r, prev.tape, MAX_ADJ));
      steps.push({ seed, period: p, prev, next, model: modelRollForward(prev.tape, next.tape) });
      prev = next;
    }
  }
  return steps;
}

/** This period: every loan of the carried period with no cash flow, then `edit` applied to the loans. */
type Twin = (edit: (loans: LoanRecord[]) => LoanRecord[], maxAdjustment?: bigint) => Promise<Signals<Input>>;

const it = test.extend<{ circuit: Tester; steps: Step[]; twin: Twin }>({
  circuit: [
    async ({}, use) =>
      use(
        await CircuitTester.compile({
          file: "circuits/rollforward/rollforward_chunk.circom",
          template: "RollForwardChunk",
          params: [CHUNK],
          publicInputs: ROLLFORWARD_PUBLIC_SIGNALS,
          inputs: INPUTS,
          outputs: ["rfA", "rfB", "rfC"],
        }),
      ),
    { scope: "file" },
  ],
  steps: [async ({}, use) => use(await sequences()), { scope: "file" }],
  twin: async ({ circuit }, use) => {
    // Slot 0 performing, slot 1 delinquent 75 days, slot 2 charged off, slot 3 performing.
    const r = rng(99);
    const A = (over: Partial<LoanRecord> = {}): LoanRecord => ({
      ...newLoan(r, FIRST_AS_OF, "T"),
      originationDate: FIRST_AS_OF - 200,
      ...over,
    });
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
    const prevTape = assertValidTape({
      poolId: 7n,
      period: 202510,
      asOfDate: FIRST_AS_OF,
      currency: "USD",
      decimals: 2,
      loans,
    });
    const prev = await period(prevTape);
    await use(async (edit, maxAdjustment = MAX_ADJ) => {
      const carried = prevTape.loans.map((l) => ({
        ...l,
        scheduledPayment: 0n,
        collectedAmount: 0n,
        principalCollected: undefined,
        interestCollected: undefined,
      }));
      const next = { ...prevTape, period: 202511, asOfDate: FIRST_AS_OF + 30, loans: edit(carried) };
      const [first] = await inputs(circuit, prev, await period(next), maxAdjustment);
      return first!;
    });
  },
});

afterAll(terminateCurve);

describe("RollForwardChunk(8) against the independent model (3 seeds x 3 periods, multi-chunk)", () => {
  it("the pool's totals, the sums of its chunks' public totals, are the model's on every period", async ({
    circuit,
    steps,
  }) => {
    for (const { seed, period: p, prev, next, model } of steps) {
      let total = zeroTotals();
      for (const input of await inputs(circuit, prev, next)) {
        const s = circuit.readSignals(await circuit.expectWitness(input), ["rfA", "rfB", "rfC"]);
        total = addTotals(total, unpackTotals(s.rfA, s.rfB, s.rfC));
      }
      expect(total, `seed ${seed}, period ${p}`).toEqual(model);
    }
  });

  it("every chunk's witness of the first period satisfies the r1cs", async ({ circuit, steps }) => {
    const { prev, next } = steps[0]!;
    const chunks = await inputs(circuit, prev, next);
    expect(chunks.length).toBeGreaterThan(1);
    for (const input of chunks) await circuit.expectPass(input);
  });

  it("the model's totals keep the roll-forward identity on every period", ({ steps }) => {
    for (const { seed, period: p, model } of steps)
      expect(model.closing, `seed ${seed}, period ${p}`).toBe(
        model.opening +
          model.originations -
          model.principalCollected -
          model.chargedOff +
          model.adjustmentsUp -
          model.adjustmentsDown -
          model.removedAtExit,
      );
  });

  it("the sequences exercise exits and recoveries (the agreement is not vacuous)", ({ steps }) => {
    let exits = 0n;
    let recoveries = 0n;
    for (const { model } of steps) {
      exits +=
        model.exitsPrepaidOrMatured +
        model.exitsSold +
        model.exitsRepurchased +
        model.exitsChargedOff +
        model.exitsServicingTransfer;
      recoveries += model.recoveries;
    }
    expect(exits).toBeGreaterThan(3n);
    expect(recoveries).toBeGreaterThan(0n);
  });
});

describe("RollForwardChunk(8) failing twins, each refused for its reason", () => {
  it("the honest carry-over passes (the twins below differ from it in one thing)", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectPass(await twin((l) => l));
  });

  it("refuses a dropped delinquent loan", async ({ circuit, twin }) => {
    // The last loan moves into the delinquent loan's slot, the tape stays packed: slot 1 holds a new id.
    await circuit.expectFail(
      await twin((l) => [l[0]!, l[3]!, l[2]!]),
      at("activeP * (emptyN + fresh[i]) === 0"),
    );
  });

  const reborn = (l: LoanRecord[]): LoanRecord[] => [
    l[0]!,
    { ...l[1]!, loanId: "NEW-1", status: LoanStatus.Performing, daysPastDue: 0 },
    l[2]!,
    l[3]!,
  ];

  it("refuses a loan re-originated under a new id in its slot, declared new, as the replacement of an active loan", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectFail(await twin(reborn), at("activeP * (emptyN + fresh[i]) === 0"));
  });

  it("refuses a loan re-originated under a new id in its slot, declared the same loan, by the identity check", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectFail(
      withElement(await twin(reborn), "fresh", 1, "0"),
      at("cont[i] * (idN[i] - idP[i]) === 0"),
    );
  });

  it("refuses a repayment without principal collected", async ({ circuit, twin }) => {
    const exit = FIRST_AS_OF + 10;
    const repaid = await twin((l) => [
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
    ]);
    await circuit.expectFail(repaid, at("(1 - fresh[i]) * entry === 0"));
  });

  const back = (l: LoanRecord[]): LoanRecord[] => [
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

  it("refuses a resurrected charged-off loan", async ({ circuit, twin }) => {
    await circuit.expectFail(await twin(back), at("t2[i] * (1 - s01N[i]) === 0"));
  });

  it("refuses a charged-off loan brought back as a new loan in its freed slot (not originated in this period)", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectFail(
      withElement(await twin(back), "fresh", 2, "1"),
      at("newInPeriod[i].in <== freshOrig[i]"),
    );
  });

  it("refuses a changed original principal", async ({ circuit, twin }) => {
    const changed = await twin((l) => [
      { ...l[0]!, originalPrincipal: l[0]!.originalPrincipal + 100_000n },
      l[1]!,
      l[2]!,
      l[3]!,
    ]);
    await circuit.expectFail(
      changed,
      at("cont[i] * (fN[i].originalPrincipal - fP[i].originalPrincipal) === 0"),
    );
  });

  it("refuses a changed origination date", async ({ circuit, twin }) => {
    const changed = await twin((l) => [
      l[0]!,
      l[1]!,
      l[2]!,
      { ...l[3]!, originationDate: l[3]!.originationDate - 1 },
    ]);
    await circuit.expectFail(changed, at("cont[i] * (fN[i].originationDate - fP[i].originationDate) === 0"));
  });

  it("refuses a continuing loan moved to another borrower, by the identity check", async ({
    circuit,
    twin,
  }) => {
    const moved = await twin((l) => [l[0]!, { ...l[1]!, borrowerRef: "SOMEONE-ELSE" }, l[2]!, l[3]!]);
    await circuit.expectFail(moved, at("cont[i] * (idN[i] - idP[i]) === 0"));
  });

  it("refuses a state word that is not this period's attested one", async ({ circuit, twin }) => {
    const input = await twin((l) => l);
    // The delinquent loan's collected cash one unit higher: every rule of the slot still holds.
    const stN = [...(input.stN as string[])];
    stN[1] = (BigInt(stN[1]!) + (1n << BigInt(SLOT_STATE.collected.shift))).toString();
    await circuit.expectFail({ ...input, stN }, at("tape.root === root"));
  });

  it("refuses a delinquent balance lowered in both periods, totals and all, by the previous tape's root", async ({
    circuit,
    twin,
  }) => {
    const input = await twin((l) => l);
    const delta = 1000n;
    const lower = (words: unknown): string[] => {
      const w = [...(words as string[])];
      w[1] = (BigInt(w[1]!) - delta).toString();
      return w;
    };
    // opening is rfA's lowest field, closing rfC's: the slot balances and the totals are the lowered ones.
    const lowered = {
      ...input,
      stP: lower(input.stP),
      stN: lower(input.stN),
      rfA: (BigInt(input.rfA as string) - delta).toString(),
      rfC: (BigInt(input.rfC as string) - delta).toString(),
    };
    await circuit.expectFail(lowered, at("prevTape.root === prevRoot"));
  });

  it("refuses a dropped loan whose previous slot is claimed empty, by the previous tape's root", async ({
    circuit,
    twin,
  }) => {
    // The delinquent loan's slot now holds a loan originated this period; the prover says the slot was empty
    // last period (identity and state 0): every rule of the slot holds, only the previous tape disagrees.
    const input = await twin((l) => [
      l[0]!,
      {
        ...l[1]!,
        loanId: "NEW-1",
        status: LoanStatus.Performing,
        daysPastDue: 0,
        originationDate: FIRST_AS_OF + 10,
      },
      l[2]!,
      l[3]!,
    ]);
    await circuit.expectFail(input, at("activeP * (emptyN + fresh[i]) === 0"));
    const idP = [...(input.idP as string[])];
    const stP = [...(input.stP as string[])];
    const opening = BigInt(stP[1]!) & ((1n << 48n) - 1n);
    idP[1] = "0";
    stP[1] = "0";
    const rfA = (BigInt(input.rfA as string) - opening).toString();
    await circuit.expectFail({ ...input, idP, stP, rfA }, at("prevTape.root === prevRoot"));
  });

  const adjusted = (l: LoanRecord[]): LoanRecord[] => [
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

  it("accepts an adjustment exactly at its bound", async ({ circuit, twin }) => {
    await circuit.expectPass(await twin(adjusted, 60_000n));
  });

  it("refuses an adjustment one unit over its bound", async ({ circuit, twin }) => {
    await circuit.expectFail(await twin(adjusted, 59_999n), at("adjBound[i].in <== maxAdjustment - adjMag"));
  });

  it("refuses a changed maturity, by the identity check (the maturity is inside hId)", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectFail(
      await twin((l) => [{ ...l[0]!, maturityDate: l[0]!.maturityDate + 1 }, l[1]!, l[2]!, l[3]!]),
      at("cont[i] * (idN[i] - idP[i]) === 0"),
    );
  });

  it("accepts a new interest rate and score date on a continuing loan (the period's terms are not its identity)", async ({
    circuit,
    twin,
  }) => {
    await circuit.expectPass(
      await twin((l) => [
        { ...l[0]!, interestRateBps: l[0]!.interestRateBps + 25, scoreDate: FIRST_AS_OF + 20 },
        l[1]!,
        l[2]!,
        l[3]!,
      ]),
    );
  });

  it("refuses a public total that is not the chunk's", async ({ circuit, twin }) => {
    const input = await twin((l) => l);
    await circuit.expectFail(
      { ...input, rfA: (BigInt(input.rfA as string) + 1n).toString() },
      at("rfA === opening"),
    );
  });
});
