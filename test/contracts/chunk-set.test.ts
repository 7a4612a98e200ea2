/**
 * ChunkSet (contracts/libraries/ChunkSet.sol), the accepted-chunk bits both registries keep per batch: up to
 * 1,024 chunks in four words (issue 17: 100,000 loans are 391 chunks of 256, more than one word holds).
 * Through ChunkSetProbe, checked against an independent model (a JavaScript Set of indices): seeded random
 * sequences of batches whose counts favour the word boundaries, each filled in random order with replays, some
 * left partial; and the cases a bitmap split over words gets wrong, each by name.
 *
 * One claim per test. Fixtures from `it`'s context: once per file, the deployed probe (an EVM snapshot the chain
 * is put back to before each test that uses `probe`) and the random run's observations (the contract's and the
 * model's answers after every step), which four tests read.
 */
import hre from "hardhat";
import { afterAll, describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import { deployContract } from "../../deploy/index.ts";
import { rng } from "../support/rng.ts";
import { chainSnapshot, terminateCurves } from "./helpers.ts";

const MAX = 1024;
const SEED = Number(process.env.CHUNK_SET_SEED ?? 20261204);
const BATCHES = Number(process.env.CHUNK_SET_BATCHES ?? 24);
/**
 * Counts at and around the boundaries, drawn more often than the others: of the storage words (224 chunks
 * each) and of the 256-bit words `bits` answers in.
 */
const BOUNDARY_COUNTS = [
  1, 2, 223, 224, 225, 255, 256, 257, 447, 448, 449, 511, 512, 513, 671, 672, 673, 767, 768, 769, 895, 896,
  897, 1023, 1024,
];

/** The model: the set of indices of the batch that is open. */
class ChunkSetModel {
  count = 0;
  private set = new Set<number>();
  open(count: number, index: number): void {
    this.count = count;
    this.set = new Set([index]);
  }
  add(index: number): boolean {
    if (this.set.has(index)) return false;
    this.set.add(index);
    return true;
  }
  isFull(): boolean {
    return this.set.size === this.count;
  }
  size(): number {
    return this.set.size;
  }
  bits(): bigint[] {
    const words = [0n, 0n, 0n, 0n];
    for (const i of this.set) words[i >> 8]! |= 1n << BigInt(i & 255);
    return words;
  }
}

/** The probe's answers after a step: isFull, size, the four words. */
interface Reading {
  full: boolean;
  size: number;
  bits: bigint[];
}

interface Step {
  batch: number;
  count: number;
  /** The indices added in this step, and whether each was new: the contract's and the model's. */
  indices: number[];
  added: boolean[];
  expectedAdded: boolean[];
  reading: Reading;
  expected: Reading;
}

async function read(probe: Contract): Promise<Reading> {
  return {
    full: (await probe.getFunction("isFull")()) as boolean,
    size: Number(await probe.getFunction("size")()),
    bits: [...((await probe.getFunction("bits")()) as bigint[])],
  };
}

async function addAll(probe: Contract, indices: number[]): Promise<boolean[]> {
  const added = [...((await probe.getFunction("add").staticCall(indices)) as boolean[])];
  await (await probe.getFunction("add")(indices)).wait();
  return added;
}

const modelReading = (m: ChunkSetModel): Reading => ({ full: m.isFull(), size: m.size(), bits: m.bits() });

function shuffle<T>(xs: T[], r: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** The seeded random run: BATCHES batches, each opened at a random index and filled (or not) in random order. */
async function randomRun(probe: Contract): Promise<Step[]> {
  const r = rng(SEED);
  const model = new ChunkSetModel();
  const steps: Step[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const count =
      r() < 0.7 ? BOUNDARY_COUNTS[Math.floor(r() * BOUNDARY_COUNTS.length)]! : 1 + Math.floor(r() * MAX);
    const order = shuffle([...Array(count).keys()], r);
    // a third of the batches are left partial: a later batch must not see their bits
    const take = r() < 0.33 ? Math.floor(r() * count) : count;
    const first = order[0]!;
    await (await probe.getFunction("open")(count, first)).wait();
    model.open(count, first);
    steps.push({
      batch,
      count,
      indices: [first],
      added: [true],
      expectedAdded: [true],
      reading: await read(probe),
      expected: modelReading(model),
    });
    const rest = order.slice(1, Math.max(1, take));
    // replays: some indices already added, mixed in
    const replays = Array.from(
      { length: Math.floor(r() * 4) },
      () => order[Math.floor(r() * Math.max(1, take))]!,
    );
    const indices = shuffle([...rest, ...replays], r);
    for (let at = 0; at < indices.length; at += 128) {
      const part = indices.slice(at, at + 128);
      const added = await addAll(probe, part);
      steps.push({
        batch,
        count,
        indices: part,
        added,
        expectedAdded: part.map((i) => model.add(i)),
        reading: await read(probe),
        expected: modelReading(model),
      });
    }
  }
  return steps;
}

interface Probe {
  probe: Contract;
  reset(): Promise<void>;
}

const it = test.extend<{ deployed: Probe; probe: Contract; run: Step[] }>({
  deployed: [
    async ({}, use) => {
      const { ethers } = await hre.network.connect();
      const [signer] = await ethers.getSigners();
      const probe = await deployContract(signer!, "ChunkSetProbe");
      await use({ probe, reset: await chainSnapshot(ethers) });
    },
    { scope: "file" },
  ],
  probe: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed.probe);
  },
  run: [async ({ deployed }, use) => use(await randomRun(deployed.probe)), { scope: "file" }],
});

afterAll(terminateCurves);

describe(`ChunkSet against the model, ${BATCHES} random batches (seed ${SEED})`, () => {
  it("covers batches over every word count and both complete and partial ones", ({ run }) => {
    const counts = new Set(run.map((s) => s.count));
    expect([...counts].some((c) => c > 768)).toBe(true);
    expect([...counts].some((c) => c <= 256)).toBe(true);
    expect(run.some((s) => s.expected.full)).toBe(true);
    expect(run.some((s, i) => !s.expected.full && run[i + 1]?.batch !== s.batch)).toBe(true);
    expect(run.some((s) => s.expectedAdded.includes(false))).toBe(true);
  });

  it("add answers new or replayed as the model does, index by index", ({ run }) => {
    for (const s of run) expect(s.added, `batch ${s.batch} of ${s.count}`).toEqual(s.expectedAdded);
  });

  it("isFull agrees with the model after every step", ({ run }) => {
    for (const s of run) expect(s.reading.full, `batch ${s.batch} of ${s.count}`).toBe(s.expected.full);
  });

  it("size agrees with the model after every step", ({ run }) => {
    for (const s of run) expect(s.reading.size, `batch ${s.batch} of ${s.count}`).toBe(s.expected.size);
  });

  it("the words agree with the model after every step", ({ run }) => {
    for (const s of run) expect(s.reading.bits, `batch ${s.batch} of ${s.count}`).toEqual(s.expected.bits);
  });
});

describe("ChunkSet, the cases a set split over words gets wrong", () => {
  it("a large batch after a small one after a large one sees none of the first one's bits", async ({
    probe,
  }) => {
    await (await probe.getFunction("open")(700, 0)).wait();
    await addAll(probe, [...Array(700).keys()].slice(1));
    expect(await probe.getFunction("isFull")()).toBe(true);
    await (await probe.getFunction("open")(10, 0)).wait();
    await (await probe.getFunction("open")(700, 5)).wait();
    expect(await read(probe)).toEqual({ full: false, size: 1, bits: [1n << 5n, 0n, 0n, 0n] });
    expect(await addAll(probe, [600, 300, 699])).toEqual([true, true, true]);
  });

  it("a batch of 1,024 is full with every index and not with one missing", async ({ probe }) => {
    const all = [...Array(MAX).keys()];
    await (await probe.getFunction("open")(MAX, 1023)).wait();
    await addAll(probe, all.slice(0, 512));
    await addAll(probe, all.slice(512, 1022));
    expect(await probe.getFunction("isFull")()).toBe(false);
    expect(await probe.getFunction("size")()).toBe(1023n);
    await addAll(probe, [1022]);
    expect(await read(probe)).toEqual({ full: true, size: MAX, bits: Array(4).fill((1n << 256n) - 1n) });
  });

  it("a batch of 225 is not full with 224 indices: the last one is in the second storage word", async ({
    probe,
  }) => {
    await (await probe.getFunction("open")(225, 0)).wait();
    await addAll(probe, [...Array(224).keys()].slice(1));
    expect(await read(probe)).toMatchObject({ full: false, size: 224 });
    await addAll(probe, [224]);
    expect(await probe.getFunction("isFull")()).toBe(true);
  });

  it("the tag moves on at every batch and skips 0, the allocated words' tag", async ({ probe }) => {
    expect(await probe.getFunction("tag")()).toBe(0n);
    await (await probe.getFunction("open")(3, 0)).wait();
    await (await probe.getFunction("open")(3, 1)).wait();
    expect(await probe.getFunction("tag")()).toBe(2n);
    expect(await probe.getFunction("nextTag")(2n ** 32n - 1n)).toBe(1n);
  });

  it("an index at each word boundary lands in its own word at its own bit", async ({ probe }) => {
    await (await probe.getFunction("open")(MAX, 255)).wait();
    await addAll(probe, [223, 224, 256, 447, 448, 511, 512, 767, 768, 1023]);
    const top = 1n << 255n;
    const bit = (i: number): bigint => 1n << BigInt(i & 255);
    expect((await read(probe)).bits).toEqual([
      top | bit(223) | bit(224),
      bit(256) | bit(447) | bit(448) | bit(511),
      bit(512) | bit(767),
      bit(768) | bit(1023),
    ]);
  });

  it("a batch of 257 is not full with 256 indices: the last one is in word 1", async ({ probe }) => {
    await (await probe.getFunction("open")(257, 0)).wait();
    await addAll(probe, [...Array(256).keys()].slice(1));
    expect(await read(probe)).toMatchObject({ full: false, size: 256 });
    await addAll(probe, [256]);
    expect(await probe.getFunction("isFull")()).toBe(true);
  });

  it("a replayed index is refused and leaves the set as it was", async ({ probe }) => {
    await (await probe.getFunction("open")(600, 300)).wait();
    await addAll(probe, [0, 599]);
    const before = await read(probe);
    expect(await addAll(probe, [300, 599, 0])).toEqual([false, false, false]);
    expect(await read(probe)).toEqual(before);
  });
});
