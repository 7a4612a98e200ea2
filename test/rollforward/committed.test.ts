/**
 * The committed roll-forward (issue 15 with issue 14's rule): RollForwardCommitment(8) hides a chunk's totals
 * behind rfCommit, and RollForwardAggregation(4) opens the chain of a pool's chunk commitments into the pool's
 * totals. Against the independent model (test/rollforward/model.ts) on seeded sequences of periods, and the
 * failing twins of each rule, each pinned to the constraint that states it.
 */
import { afterAll, describe, expect, test } from "vitest";
import {
  ROLLFORWARD_AGGREGATION_PUBLIC_SIGNALS,
  ROLLFORWARD_COMMITMENT_PUBLIC_SIGNALS,
  ROLLFORWARD_POOL_WORD,
  ROLLFORWARD_PRIVATE_INPUTS,
  buildRollForwardAggregationInput,
  buildRollForwardCommitmentInput,
  commitTape,
  deriveSalts,
  packTotals,
  packWord,
  rollForwardCommitment,
  rollForwardContext,
  unpackWord,
  zeroTotals,
  type LoanTape,
  type RollForwardOpening,
  type RollForwardPeriod,
  type RollForwardTotals,
} from "../../prover/index.ts";
import { chainCommitments } from "../../prover/commitment/figure-commitment.ts";
import { failsAt, terminateCurve } from "../circuits/helpers.ts";
import { CircuitTester } from "../support/circuit-tester.ts";
import { firstTape, nextTape, rng } from "./gen.ts";
import { modelRollForward } from "./model.ts";

const CHUNK = 8;
const N = 4;
const SEED = 0xc0ffeen;
const MAX_ADJ = 50_000n;
const CHUNK_INPUTS = [
  ...ROLLFORWARD_COMMITMENT_PUBLIC_SIGNALS,
  "rfA",
  "rfB",
  "rfC",
  "rfSalt",
  ...ROLLFORWARD_PRIVATE_INPUTS,
] as const;
const AGG_INPUTS = [
  ...ROLLFORWARD_AGGREGATION_PUBLIC_SIGNALS,
  "prevRoot",
  "root",
  "pool",
  "maxAdjustment",
  "chunkRfA",
  "chunkRfB",
  "chunkRfC",
  "salt",
  "chunkIndex",
] as const;
type ChunkTester = CircuitTester<(typeof CHUNK_INPUTS)[number]>;
type AggTester = CircuitTester<(typeof AGG_INPUTS)[number]>;

const atCommitment = (text: string): RegExp =>
  failsAt("RollForwardCommitment", "rollforward/rollforward_commitment.circom", text);
const atChunk = (text: string): RegExp =>
  failsAt("RollForwardChunk", "rollforward/rollforward_chunk.circom", text);
const atAgg = (text: string): RegExp =>
  failsAt("RollForwardAggregation", "rollforward/rollforward_aggregation.circom", text);

async function period(tape: LoanTape): Promise<RollForwardPeriod> {
  return { tape, commitment: await commitTape(tape, await deriveSalts(SEED, tape), { chunkSize: CHUNK }) };
}

/** Every chunk's committed input of one roll-forward (salts fixed per chunk so that runs repeat). */
async function chunks(prev: RollForwardPeriod, next: RollForwardPeriod) {
  const count = Math.max(1, Math.ceil(Math.max(prev.tape.loans.length, next.tape.loans.length) / CHUNK));
  return Promise.all(
    Array.from({ length: count }, (_, chunkIndex) =>
      buildRollForwardCommitmentInput(prev, next, {
        chunkIndex,
        chunkSize: CHUNK,
        maxAdjustment: MAX_ADJ,
        flowSalt: 777n + BigInt(chunkIndex),
        rfSalt: 999_000n + BigInt(chunkIndex),
      }),
    ),
  );
}

interface Step {
  seed: number;
  period: number;
  prev: RollForwardPeriod;
  next: RollForwardPeriod;
  model: RollForwardTotals;
}

/** 2 seeds x 3 periods of 9 to 24 slots (2 to 3 chunks of 8). */
async function sequences(): Promise<Step[]> {
  const steps: Step[] = [];
  for (const seed of [11, 12]) {
    const r = rng(seed);
    let prev = await period(firstTape(r, 10 + seed - 11));
    for (let p = 0; p < 3; p++) {
      const next = await period(nextTape(r, prev.tape, MAX_ADJ));
      steps.push({ seed, period: p, prev, next, model: modelRollForward(prev.tape, next.tape) });
      prev = next;
    }
  }
  return steps;
}

/**
 * An aggregation input over arbitrary openings in the given order (no check of the TypeScript builder's: the
 * circuit is what refuses), with the public words the field-wise sums would give unless `words` are given.
 */
async function rawAggregation(
  openings: readonly RollForwardOpening[],
  shared: { prevRoot: bigint; root: bigint; maxAdjustment: bigint },
  pool: bigint,
  words?: { rfA: bigint; rfB: bigint; rfC: bigint },
): Promise<Record<string, unknown>> {
  const context = await rollForwardContext(shared.prevRoot, shared.root, shared.maxAdjustment);
  const acc = await chainCommitments(
    await Promise.all(openings.map((o) => rollForwardCommitment(o, context))),
  );
  const sum = (k: "rfA" | "rfB" | "rfC"): bigint => openings.reduce((s, o) => s + o[k], 0n);
  const w = words ?? { rfA: sum("rfA"), rfB: sum("rfB"), rfC: sum("rfC") };
  const pad = (xs: bigint[]): string[] => [...xs, ...Array<bigint>(N - xs.length).fill(0n)].map(String);
  return {
    acc: String(acc),
    rfA: String(w.rfA),
    rfB: String(w.rfB),
    rfC: String(w.rfC),
    prevRoot: String(shared.prevRoot),
    root: String(shared.root),
    pool: String(pool),
    maxAdjustment: String(shared.maxAdjustment),
    chunkRfA: pad(openings.map((o) => o.rfA)),
    chunkRfB: pad(openings.map((o) => o.rfB)),
    chunkRfC: pad(openings.map((o) => o.rfC)),
    salt: pad(openings.map((o) => o.salt)),
    chunkIndex: pad(openings.map((o) => unpackWord(ROLLFORWARD_POOL_WORD, o.pool).chunkIndex)),
  };
}

const it = test.extend<{ chunk: ChunkTester; agg: AggTester; steps: Step[] }>({
  chunk: [
    async ({}, use) =>
      use(
        await CircuitTester.compile({
          file: "circuits/rollforward/rollforward_commitment.circom",
          template: "RollForwardCommitment",
          params: [CHUNK],
          publicInputs: ROLLFORWARD_COMMITMENT_PUBLIC_SIGNALS,
          inputs: CHUNK_INPUTS,
        }),
      ),
    { scope: "file" },
  ],
  agg: [
    async ({}, use) =>
      use(
        await CircuitTester.compile({
          file: "circuits/rollforward/rollforward_aggregation.circom",
          template: "RollForwardAggregation",
          params: [N],
          publicInputs: ROLLFORWARD_AGGREGATION_PUBLIC_SIGNALS,
          inputs: AGG_INPUTS,
        }),
      ),
    { scope: "file" },
  ],
  steps: [async ({}, use) => use(await sequences()), { scope: "file" }],
});

afterAll(terminateCurve);

describe("RollForwardCommitment(8): a chunk's roll-forward with its totals committed", () => {
  it("every chunk of the first period has a witness that satisfies the r1cs, its rfCommit the TypeScript one", async ({
    chunk,
    steps,
  }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    expect(built.length).toBeGreaterThan(1);
    for (const b of built) await chunk.expectPass(chunk.input(b.input));
  });

  it("a commitment to other totals than the chunk's has no witness (the roll-forward statement holds them)", async ({
    chunk,
    steps,
  }) => {
    const [b] = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = b!.publicSignals;
    const forged = { ...b!.opening, rfA: b!.opening.rfA + (1n << 62n) }; // one more unit of principal collected
    const rfCommit = await rollForwardCommitment(
      forged,
      await rollForwardContext(s.prevRoot, s.root, s.maxAdjustment),
    );
    await chunk.expectFail(
      chunk.input({ ...b!.input, rfA: String(forged.rfA), rfCommit: String(rfCommit) }),
      atChunk("rfA === opening"),
    );
  });

  it("the chunk's totals under another salt than the commitment's have no witness", async ({
    chunk,
    steps,
  }) => {
    const [b] = await chunks(steps[0]!.prev, steps[0]!.next);
    await chunk.expectFail(
      chunk.input({ ...b!.input, rfSalt: "1" }),
      atCommitment("commitment.out === rfCommit"),
    );
  });

  it("a commitment made for another roll-forward's context (another bound) has no witness", async ({
    chunk,
    steps,
  }) => {
    const [b] = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = b!.publicSignals;
    const rfCommit = await rollForwardCommitment(
      b!.opening,
      await rollForwardContext(s.prevRoot, s.root, MAX_ADJ + 1n),
    );
    await chunk.expectFail(
      chunk.input({ ...b!.input, rfCommit: String(rfCommit) }),
      atCommitment("commitment.out === rfCommit"),
    );
  });
});

describe("RollForwardAggregation(4): the pool's totals from its chunks' commitments", () => {
  it("on every period of the sequences the pool's published totals are the model's", async ({
    agg,
    steps,
  }) => {
    for (const { seed, period: p, prev, next, model } of steps) {
      const built = await chunks(prev, next);
      const s = built[0]!.publicSignals;
      const a = await buildRollForwardAggregationInput(
        built.map((b) => b.opening),
        s,
        N,
      );
      expect(a.totals, `seed ${seed}, period ${p}`).toEqual(model);
      const w = await agg.expectWitness(agg.input(a.input));
      const pub = packTotals(model);
      expect(agg.readSignals(w, ["rfA", "rfB", "rfC"]), `seed ${seed}, period ${p}`).toEqual(pub);
    }
  });

  it("the openings in another order than the registry's chain give another acc: accepted only in the chain's order", async ({
    agg,
    steps,
  }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = built[0]!.publicSignals;
    const openings = built.map((b) => b.opening);
    const honest = await rawAggregation(openings, s, openings[0]!.pool);
    await agg.expectPass(agg.input(honest));
    const reordered = await rawAggregation([...openings].reverse(), s, openings[0]!.pool);
    await agg.expectFail(agg.input({ ...reordered, acc: honest.acc }), atAgg("chain[N - 1] === acc"));
  });

  it("a pool word that counts fewer chunks than were committed (a dropped chunk) has no witness", async ({
    agg,
    steps,
  }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = built[0]!.publicSignals;
    const openings = built.map((b) => b.opening);
    const w = unpackWord(ROLLFORWARD_POOL_WORD, openings[0]!.pool);
    const fewer = packWord(ROLLFORWARD_POOL_WORD, { ...w, chunkCount: w.chunkCount - 1n });
    // The acc of the kept chunks, whose commitments still say chunkCount: the chain opens only with that word.
    const kept = openings.slice(0, -1);
    const input = await rawAggregation(kept, s, fewer);
    await agg.expectFail(agg.input(input), atAgg("chain[N - 1] === acc"));
  });

  it("a chunk counted twice (its commitment chained twice, its index repeated) has no witness", async ({
    agg,
    steps,
  }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = built[0]!.publicSignals;
    const first = built[0]!.opening;
    const twice = built.map(() => first);
    await agg.expectFail(
      agg.input(await rawAggregation(twice, s, first.pool)),
      atAgg("indexProduct[N - 1] === slotProduct[N - 1]"),
    );
  });

  it("published totals other than the sums of the openings have no witness", async ({ agg, steps }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = built[0]!.publicSignals;
    const openings = built.map((b) => b.opening);
    const honest = await rawAggregation(openings, s, openings[0]!.pool);
    await agg.expectFail(
      agg.input({ ...honest, rfB: String(BigInt(honest.rfB as string) + 1n) }),
      atAgg("rfB === word[1]"),
    );
  });

  it("an unused slot that opens something has no witness", async ({ agg, steps }) => {
    const built = await chunks(steps[0]!.prev, steps[0]!.next);
    const s = built[0]!.publicSignals;
    const openings = built.map((b) => b.opening);
    const honest = await rawAggregation(openings, s, openings[0]!.pool);
    const rfC = [...(honest.chunkRfC as string[])];
    rfC[N - 1] = "5";
    await agg.expectFail(
      agg.input({ ...honest, chunkRfC: rfC }),
      atAgg("(1 - used[j]) * (chunkRfA[j] + chunkRfB[j] + chunkRfC[j]) === 0"),
    );
  });

  it("a count whose pool sum does not fit its 16 bits has no witness; at 65,535 it proves", async ({
    agg,
  }) => {
    const shared = { prevRoot: 1n, root: 2n, maxAdjustment: MAX_ADJ };
    const base = packWord(ROLLFORWARD_POOL_WORD, {
      poolId: 7n,
      period: 2n,
      prevPeriod: 1n,
      asOfDate: 20_400n,
      prevAsOfDate: 20_370n,
      chunkIndex: 0n,
      chunkCount: 2n,
    });
    const opening = (i: bigint, count: bigint): RollForwardOpening => ({
      ...packTotals({ ...zeroTotals(), originationCount: count }),
      salt: 5n + i,
      pool: base + (i << 160n),
    });
    const fits = await rawAggregation([opening(0n, 65_000n), opening(1n, 535n)], shared, base);
    await agg.expectPass(agg.input(fits));
    const over = await rawAggregation([opening(0n, 65_000n), opening(1n, 536n)], shared, base);
    await agg.expectFail(agg.input(over), atAgg("fits[i].in <== total[i]"));
  });
});
