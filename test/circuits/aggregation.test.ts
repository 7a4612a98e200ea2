/**
 * The committed-chunk path (issue 14, item 1): PoolChunkCommitment(8), chunk proofs that publish a hiding
 * commitment to their figures, and PoolAggregation(4), the pool's figures from the chunks' openings, against
 * the independent model; the 9-loan pool in chunks of 8; and the refusals (wrong salt or figures, a dropped,
 * duplicated or foreign chunk, out-of-range figures and totals, too many chunks, another policy), each
 * pinned to the constraint that must fail.
 *
 * One claim per test, through the typed circuit tester (test/support/circuit-tester.ts); each test gets its
 * fixtures from `it`'s context. Once per file: the compiled circuits, the originator (a key and the proof
 * context), and the proven pools several claims are about (the 6 random pools, the 9-loan pool, the 3-chunk
 * pool the refusals are twins of: each costs a chunk proof's witness per chunk, and no test changes them).
 * Per test: a single committed chunk.
 */
import { afterAll, describe, expect, test } from "vitest";
import { commitTape, randomFieldElement, randomSalts } from "../../prover/commitment/encoding.ts";
import {
  chainCommitments,
  commitmentContext,
  figureCommitment,
  type ChunkOpening,
} from "../../prover/commitment/figure-commitment.ts";
import { attestationMessage, signAttestation, type OriginatorKey } from "../../prover/commitment/keys.ts";
import {
  chunkFigures,
  aggregateFigures,
  packFigures,
  packPoolWord,
  splitChunks,
  unpackPoolWord,
} from "../../prover/model/index.ts";
import {
  AGGREGATION_SIGNAL_NAMES,
  CHUNK_COMMITMENT_SIGNAL_NAMES,
  type ChunkCommitmentSignals,
} from "../../prover/model/aggregation.ts";
import { policyHash, policyParams, type Policy } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { testOriginator } from "../support/originator.ts";
import { LoanStatus, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../../prover/witness/aggregation.ts";
import type { ProofContext } from "../../prover/witness/index.ts";
import type { Signals, Witness } from "../support/circuit-tester.ts";
import {
  CHUNK,
  SLOTS,
  compileAggregation,
  compileChunkCommitment,
  figuresOf,
  type AggregationInputName,
  type AggregationTester,
  type ChunkCommitmentInputName,
  type ChunkCommitmentTester,
} from "../support/pool-circuits.ts";
import { AS_OF, randomPolicy, randomTape, rng } from "./gen.ts";
import { failsAt, terminateCurve } from "./helpers.ts";

type AggInput = Signals<AggregationInputName>;

const POOL = "pool/pool_attestation.circom";
const COMMIT = "aggregation/chunk_commitment.circom";
const AGG = "aggregation/pool_aggregation.circom";
const FIG = "lib/figures.circom";
const CHAIN_CHECK = (): RegExp => failsAt("PoolAggregation", AGG, "chain[N - 1] === acc;");
const INDEX_CHECK = (): RegExp =>
  failsAt("PoolAggregation", AGG, "indexProduct[N - 1] === slotProduct[N - 1]");
const COUNT_CHECK = (): RegExp => failsAt("PoolAggregation", AGG, "usedSum === chunkCount");
const UNUSED_CHECK = (): RegExp => failsAt("PoolAggregation", AGG, "(1 - used[j]) * (chunkFigA[j]");
const TOTAL_BITS = (): RegExp => failsAt("PoolAggregation", AGG, "totalBits[i].in <== total[field]");
const POLICY_CHECK = (): RegExp => failsAt("PoolAggregation", AGG, "policyParams.hash === policyHash");
const FIGC_CHECK = (): RegExp => failsAt("PoolAggregation", AGG, "pack.figC === figC");
const FIELDS_C = (): RegExp => failsAt("FigureFields", FIG, "pack.figC === figC");
const COMMITMENT_CHECK = (): RegExp => failsAt("PoolChunkCommitment", COMMIT, "commitment.out === figCommit");

/** A pool proven chunk by chunk with PoolChunkCommitment: the commitments are read from the witnesses. */
interface CommittedPool {
  tape: LoanTape;
  policy: Policy;
  root: bigint;
  policyHash: bigint;
  keyHash: bigint;
  /** Per chunk index: the chunk proof's public signals (read back from its witness) and its opening. */
  chunks: { signals: ChunkCommitmentSignals; opening: ChunkOpening }[];
}

/** The originator's key and proof context, and the pools it commits and proves chunk by chunk. */
interface Originator {
  key: OriginatorKey;
  ctx: ProofContext;
  commitPool(tape: LoanTape, policy: Policy): Promise<CommittedPool>;
}

/** The aggregation input for the chunks in the given acceptance order (default: by index). */
async function aggregate(circuit: AggregationTester, p: CommittedPool, order?: number[]): Promise<AggInput> {
  const idx = order ?? p.chunks.map((_, i) => i);
  const built = await buildAggregationInput(
    {
      root: p.root,
      policyHash: p.policyHash,
      keyHash: p.keyHash,
      policy: p.policy,
      openings: idx.map((i) => p.chunks[i]!.opening),
    },
    SLOTS,
  );
  return circuit.input(built.input);
}

/** The registry's accumulator over the given chunk proofs' published commitments. */
const chainOf = (commits: bigint[]): Promise<bigint> => chainCommitments(commits);

/** An aggregation input whose openings (and acc) are replaced, as a forger would write them. */
function withOpenings(base: AggInput, openings: ChunkOpening[], acc: bigint): AggInput {
  const pad = (xs: bigint[]): string[] =>
    [...xs, ...Array<bigint>(SLOTS - xs.length).fill(0n)].map((v) => v.toString());
  return {
    ...base,
    acc: acc.toString(),
    chunkFigA: pad(openings.map((o) => o.figA)),
    chunkFigB: pad(openings.map((o) => o.figB)),
    chunkFigC: pad(openings.map((o) => o.figC)),
    salt: pad(openings.map((o) => o.salt)),
    chunkIndex: pad(openings.map((o) => BigInt(unpackPoolWord(o.pool).chunkIndex))),
  };
}

/** The aggregation's public signals (acc, figA, figB, figC) read from its witness, in order. */
const published = (circuit: AggregationTester, w: Witness): bigint[] =>
  Object.values(circuit.readSignals(w, AGGREGATION_SIGNAL_NAMES));

/** One of 6 random pools of 1 to 4 chunks, with a random policy, aggregated in a random acceptance order. */
interface RandomPool {
  pool: CommittedPool;
  order: number[];
  input: AggInput;
  witness: Witness;
}

/** The 9-loan pool in chunks of 8 (the ninth loan alone in chunk 1), aggregated in the order 1, 0. */
interface NinePool {
  pool: CommittedPool;
  witness: Witness;
  /** Every public signal of the two chunk proofs and of the aggregation, the aggregation's last. */
  published: bigint[];
}

/** A 3-chunk pool of 21 loans, committed, and its honest aggregation (the refusals' twin). */
interface Honest {
  pool: CommittedPool;
  input: AggInput;
  commits: bigint[];
  openings: ChunkOpening[];
}

/** One committed one-chunk pool, its chunk proof's input and its opening. */
interface Single {
  input: Signals<ChunkCommitmentInputName>;
  opening: ChunkOpening;
  root: bigint;
}

const it = test.extend<{
  chunkCircuit: ChunkCommitmentTester;
  aggCircuit: AggregationTester;
  originator: Originator;
  randomPools: RandomPool[];
  nine: NinePool;
  honest: Honest;
  single: Single;
}>({
  chunkCircuit: [async ({}, use) => use(await compileChunkCommitment()), { scope: "file" }],
  aggCircuit: [async ({}, use) => use(await compileAggregation()), { scope: "file" }],
  originator: [
    async ({ chunkCircuit }, use) => {
      const { key, ctx, sign } = await testOriginator();
      const commitPool = async (tape: LoanTape, policy: Policy): Promise<CommittedPool> => {
        const { commitment, signature } = await sign(tape, policy, CHUNK);
        const chunks: CommittedPool["chunks"] = [];
        for (let c = 0; c < commitment.chunkCount; c++) {
          const built = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, c, CHUNK);
          const w = await chunkCircuit.expectWitness(chunkCircuit.input(built.input));
          const signals: ChunkCommitmentSignals = chunkCircuit.readSignals(w, CHUNK_COMMITMENT_SIGNAL_NAMES);
          expect(signals).toEqual(built.publicSignals);
          chunks.push({ signals, opening: built.opening });
        }
        const s = chunks[0]!.signals;
        return { tape, policy, root: s.root, policyHash: s.policyHash, keyHash: s.keyHash, chunks };
      };
      await use({ key, ctx, commitPool });
    },
    { scope: "file" },
  ],
  randomPools: [
    async ({ originator, aggCircuit }, use) => {
      const r = rng(1414);
      const pools: RandomPool[] = [];
      for (let t = 0; t < 6; t++) {
        const n = 1 + Math.floor(r() * SLOTS * CHUNK);
        const tape = randomTape(500 + t, n);
        const policy = t === 0 ? TEST_POLICY : randomPolicy(r);
        const pool = await originator.commitPool(tape, policy);
        const order = pool.chunks.map((_, i) => i).sort(() => r() - 0.5);
        const input = await aggregate(aggCircuit, pool, order);
        pools.push({ pool, order, input, witness: await aggCircuit.calculateWitness(input) });
      }
      await use(pools);
    },
    { scope: "file" },
  ],
  nine: [
    async ({ originator, aggCircuit }, use) => {
      // The ninth loan is 65 days late with payments due and made: it changes every figure word of the pool.
      const eight = randomTape(9, 8);
      const late: LoanRecord = {
        ...eight.loans[0]!,
        loanId: "L-ninth",
        status: LoanStatus.Delinquent,
        daysPastDue: 65,
        outstandingBalance: 123_456n,
        originalPrincipal: 200_000n,
        chargedOffAmount: 0n,
        scheduledPayment: 2_000n,
        collectedAmount: 1_500n,
        creditScore: 640,
        originationDate: AS_OF - 400,
      };
      const pool = await originator.commitPool({ ...eight, loans: [...eight.loans, late] }, TEST_POLICY);
      const w = await aggCircuit.calculateWitness(await aggregate(aggCircuit, pool, [1, 0]));
      await use({
        pool,
        witness: w,
        published: [...pool.chunks.map((c) => Object.values(c.signals)).flat(), ...published(aggCircuit, w)],
      });
    },
    { scope: "file" },
  ],
  honest: [
    async ({ originator, aggCircuit }, use) => {
      const pool = await originator.commitPool(randomTape(21, 3 * CHUNK - 3), randomPolicy(rng(21)));
      const input = await aggregate(aggCircuit, pool);
      // Every refusal below is a twin of this input: the witness calculator accepts it, or no test runs.
      await aggCircuit.expectWitness(input);
      await use({
        pool,
        input,
        commits: pool.chunks.map((c) => c.signals.figCommit),
        openings: pool.chunks.map((c) => c.opening),
      });
    },
    { scope: "file" },
  ],
  single: async ({ originator, chunkCircuit }, use) => {
    const { key, ctx } = originator;
    const tape = randomTape(4, 6);
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const signature = await signAttestation(
      key.privateKey,
      await attestationMessage(tape, commitment, ctx, TEST_POLICY),
    );
    const { input, opening } = await buildChunkCommitmentInput(
      tape,
      TEST_POLICY,
      commitment,
      signature,
      ctx,
      0,
      CHUNK,
    );
    // Every refusal is a twin of this input: the witness calculator accepts it, or the test fails here.
    const typed = chunkCircuit.input(input);
    await chunkCircuit.expectWitness(typed);
    await use({ input: typed, opening, root: commitment.root });
  },
});

afterAll(terminateCurve);

describe("PoolChunkCommitment(8): a chunk proof that publishes a commitment, not its figures", () => {
  it("has the five public inputs root, pool, policyHash, keyHash, figCommit and no other public signal", ({
    chunkCircuit,
  }) => {
    expect(chunkCircuit.compiled.header.nPubIn).toBe(5);
    expect(chunkCircuit.compiled.header.nPubOut).toBe(0);
  });

  it("leaves no wire free but the two IsZero inverses of the EdDSA verifier", ({ chunkCircuit }) => {
    // The two IsZero inverses circomlib's ForceEqualIfEnabled leaves free in the EdDSA verifier (as in
    // PoolAttestation), nothing else.
    expect(chunkCircuit.freeWires().sort()).toEqual([
      "main.chunk.sig.eqCheckX.isz.inv",
      "main.chunk.sig.eqCheckY.isz.inv",
    ]);
  });

  it("commits with a fresh salt: two proofs of one chunk publish unrelated commitments", async ({
    originator,
  }) => {
    const tape = randomTape(3, 5);
    const a = await originator.commitPool(tape, TEST_POLICY);
    const b = await originator.commitPool(tape, TEST_POLICY);
    expect(a.chunks[0]!.opening.figA).toBe(b.chunks[0]!.opening.figA);
    expect(a.chunks[0]!.signals.figCommit).not.toBe(b.chunks[0]!.signals.figCommit);
  });

  it("accepts the honest chunk the refusals below differ from", async ({ chunkCircuit, single }) => {
    await chunkCircuit.expectPass(single.input);
  });

  it("refuses figures other than the chunk's, with their own honest commitment", async ({
    chunkCircuit,
    single,
  }) => {
    const { input, opening, root } = single;
    const figA = opening.figA + 1n;
    const context = await commitmentContext(
      root,
      await policyHash(TEST_POLICY),
      BigInt(input.keyHash as string),
    );
    const figCommit = await figureCommitment({ ...opening, figA }, context);
    await chunkCircuit.expectFail(
      { ...input, figA: figA.toString(), figCommit: figCommit.toString() },
      failsAt("PoolChunk", POOL, "figA === outstanding"),
    );
  });

  it("refuses the true figures under another salt than the published commitment's", async ({
    chunkCircuit,
    single,
  }) => {
    await chunkCircuit.expectFail(
      { ...single.input, salt: randomFieldElement().toString() },
      COMMITMENT_CHECK(),
    );
  });

  it("refuses the commitment of the same figures for another pool word (chunk 1 of the pool)", async ({
    chunkCircuit,
    single,
  }) => {
    const { input, opening, root } = single;
    const context = await commitmentContext(
      root,
      await policyHash(TEST_POLICY),
      BigInt(input.keyHash as string),
    );
    const other = await figureCommitment({ ...opening, pool: opening.pool + (1n << 112n) }, context);
    await chunkCircuit.expectFail({ ...input, figCommit: other.toString() }, COMMITMENT_CHECK());
  });
});

describe("PoolAggregation(4) matches the model", () => {
  it("has the four public inputs acc, figA, figB, figC and no other public signal", ({ aggCircuit }) => {
    expect(aggCircuit.compiled.header.nPubIn).toBe(4);
    expect(aggCircuit.compiled.header.nPubOut).toBe(0);
  });

  it("leaves no wire free", ({ aggCircuit }) => {
    expect(aggCircuit.freeWires()).toEqual([]);
  });

  it("accepts each of 6 random pools of 1 to 4 chunks (random policies, random acceptance orders)", async ({
    aggCircuit,
    randomPools,
  }) => {
    expect(randomPools).toHaveLength(6);
    for (const { witness } of randomPools) await aggCircuit.expectConstraintPass(witness);
  });

  it("publishes as acc the registry's chain of the chunk proofs' commitments, in acceptance order", async ({
    aggCircuit,
    randomPools,
  }) => {
    for (const { pool, order, witness } of randomPools)
      expect(aggCircuit.read(witness, "acc")).toBe(
        await chainOf(order.map((i) => pool.chunks[i]!.signals.figCommit)),
      );
  });

  it("publishes the aggregate of the chunks' model figures", ({ aggCircuit, randomPools }) => {
    for (const { pool, witness } of randomPools) {
      const chunks = splitChunks(pool.tape.loans, CHUNK).map((c) => chunkFigures(c, pool.policy));
      expect(figuresOf(aggCircuit, witness)).toEqual(aggregateFigures(chunks, pool.policy));
    }
  });

  it("publishes the model's figures of the pool's loans taken as one list", ({ aggCircuit, randomPools }) => {
    for (const { pool, witness } of randomPools)
      expect(figuresOf(aggCircuit, witness)).toEqual(chunkFigures(pool.tape.loans, pool.policy));
  });

  it("refuses any other breach mask", async ({ aggCircuit, randomPools }) => {
    for (const { input } of randomPools) {
      const figC = BigInt(input.figC as string) ^ (1n << 154n);
      await aggCircuit.expectFail({ ...input, figC: figC.toString() }, FIGC_CHECK());
    }
  });

  // Issue 14's review: 9 loans in chunks of 8 publish only pool-level figures.
  it("splits the 9-loan pool into two chunks", ({ nine }) => {
    expect(nine.pool.chunks).toHaveLength(2);
  });

  it("accepts the aggregation of the 9-loan pool's two chunks", async ({ aggCircuit, nine }) => {
    await aggCircuit.expectConstraintPass(nine.witness);
  });

  it("publishes none of either chunk's figure words for 9 loans in chunks of 8, only the five named signals per chunk", ({
    nine,
  }) => {
    // The ninth loan is chunk 1 alone: none of its figure words, nor chunk 0's, is published anywhere.
    for (const c of nine.pool.chunks) {
      for (const word of [c.opening.figA, c.opening.figB, c.opening.figC])
        expect(nine.published).not.toContain(word);
      expect(Object.keys(c.signals)).toEqual([...CHUNK_COMMITMENT_SIGNAL_NAMES]);
    }
  });

  it("publishes the pool's figures for 9 loans in chunks of 8 (which differ from either chunk's)", ({
    nine,
  }) => {
    const pool = packFigures(chunkFigures(nine.pool.tape.loans, TEST_POLICY));
    expect(nine.published.slice(-3)).toEqual([pool.figA, pool.figB, pool.figC]);
  });

  it("a chunk commitment cannot be checked against a guess of the ninth loan's figures without its salt", async ({
    nine,
  }) => {
    // Once their salts are gone, the guess with any other salt gives another commitment.
    const { pool } = nine;
    const ninth = pool.chunks[1]!;
    const context = await commitmentContext(pool.root, pool.policyHash, pool.keyHash);
    expect(await figureCommitment({ ...ninth.opening, salt: randomFieldElement() }, context)).not.toBe(
      ninth.signals.figCommit,
    );
  });
});

describe("PoolAggregation(4) refuses", () => {
  it("(the twin) accepts the honest aggregation of the 3-chunk pool the refusals below differ from", async ({
    aggCircuit,
    honest,
  }) => {
    await aggCircuit.expectPass(honest.input);
  });

  it("an opening with a wrong salt", async ({ aggCircuit, honest }) => {
    const { input, commits, openings } = honest;
    const salted = openings.map((o, i) => (i === 1 ? { ...o, salt: o.salt + 1n } : o));
    await aggCircuit.expectFail(withOpenings(input, salted, await chainOf(commits)), CHAIN_CHECK());
  });

  it("an opening with tampered figures, the pool figures claimed to match", async ({
    aggCircuit,
    honest,
  }) => {
    const { input, commits, openings } = honest;
    // Chunk 1's outstanding one unit higher, and the pool figures claimed to match.
    const tampered = openings.map((o, i) => (i === 1 ? { ...o, figA: o.figA + 1n } : o));
    const claimed = BigInt(input.figA as string) + 1n;
    await aggCircuit.expectFail(
      { ...withOpenings(input, tampered, await chainOf(commits)), figA: claimed.toString() },
      CHAIN_CHECK(),
    );
  });

  it("pool figures other than the openings' sums", async ({ aggCircuit, honest }) => {
    const claimed = BigInt(honest.input.figA as string) + 1n;
    await aggCircuit.expectFail(
      { ...honest.input, figA: claimed.toString() },
      failsAt("PoolAggregation", AGG, "pack.figA === figA"),
    );
  });

  it("a dropped chunk: the chain of two of the three commitments", async ({ aggCircuit, honest }) => {
    const { input, commits, openings } = honest;
    const two = [openings[0]!, openings[2]!];
    await aggCircuit.expectFail(
      withOpenings(input, two, await chainOf([commits[0]!, commits[2]!])),
      CHAIN_CHECK(),
    );
  });

  it("a dropped chunk with a lowered chunk count: the pool word inside every commitment changes", async ({
    aggCircuit,
    honest,
  }) => {
    const { input, commits, openings } = honest;
    const two = [openings[0]!, openings[2]!];
    // Claiming chunkCount 2 changes the pool word inside every commitment: none of them opens.
    const lowered = packPoolWord({ ...unpackPoolWord(BigInt(input.pool as string)), chunkCount: 2 });
    await aggCircuit.expectFail(
      { ...withOpenings(input, two, await chainOf([commits[0]!, commits[2]!])), pool: lowered.toString() },
      CHAIN_CHECK(),
    );
  });

  it("a duplicated chunk: chunk 0 twice, in place of chunk 1", async ({ aggCircuit, honest }) => {
    const { input, commits, openings } = honest;
    const dup = [openings[0]!, openings[0]!, openings[2]!];
    await aggCircuit.expectFail(
      withOpenings(input, dup, await chainOf([commits[0]!, commits[0]!, commits[2]!])),
      INDEX_CHECK(),
    );
  });

  it("a duplicated chunk: chunk 0 again as a fourth chunk beyond the pool's three", async ({
    aggCircuit,
    honest,
  }) => {
    const { input, commits, openings } = honest;
    // The slot after the last must open nothing.
    const extra = [...openings, openings[0]!];
    await aggCircuit.expectFail(
      withOpenings(input, extra, await chainOf([...commits, commits[0]!])),
      UNUSED_CHECK(),
    );
  });

  it("a chunk index outside the pool: a chunk 3 of a 3-chunk pool in place of chunk 1", async ({
    aggCircuit,
    honest,
  }) => {
    const { pool, input, commits, openings } = honest;
    // A forger's commitment (no chunk proof has it), every commitment opening in the pool's context: only
    // the indices are wrong.
    const context = await commitmentContext(pool.root, pool.policyHash, pool.keyHash);
    const beyond = { ...openings[1]!, pool: openings[1]!.pool + (2n << 112n) };
    const shifted = [openings[0]!, beyond, openings[2]!];
    const acc = await chainOf([commits[0]!, await figureCommitment(beyond, context), commits[2]!]);
    await aggCircuit.expectFail(withOpenings(input, shifted, acc), INDEX_CHECK());
  });

  it("a chunk of another pool and root: its commitment opens only in its own context", async ({
    aggCircuit,
    originator,
    honest,
  }) => {
    const { pool, input, commits, openings } = honest;
    // Chunk 1 of another tape (another root and pool id) with the same policy and key, proven honestly.
    const q = await originator.commitPool(randomTape(22, 3 * CHUNK - 3), pool.policy);
    const mixed = [openings[0]!, q.chunks[1]!.opening, openings[2]!];
    const acc = await chainOf([commits[0]!, q.chunks[1]!.signals.figCommit, commits[2]!]);
    await aggCircuit.expectFail(withOpenings(input, mixed, acc), CHAIN_CHECK());
  });

  it("another root over the same loans and salts: every commitment's context changes", async ({
    aggCircuit,
    honest,
  }) => {
    await aggCircuit.expectFail({ ...honest.input, root: (honest.pool.root + 1n).toString() }, CHAIN_CHECK());
  });

  it("a forger's commitment to a figC beyond its fields (a breaches field of 2^16)", async ({
    aggCircuit,
    honest,
  }) => {
    const { pool, input, commits, openings } = honest;
    const context = await commitmentContext(pool.root, pool.policyHash, pool.keyHash);
    // A breaches field of 2^16 (figC bit 170): committed by a forger, not by a chunk proof.
    const wide = { ...openings[2]!, figC: openings[2]!.figC + (1n << 170n) };
    const wideCommits = [commits[0]!, commits[1]!, await figureCommitment(wide, context)];
    await aggCircuit.expectFail(
      withOpenings(input, [openings[0]!, openings[1]!, wide], await chainOf(wideCommits)),
      FIELDS_C(),
    );
  });

  it("totals beyond 62 bits: four forged chunks of outstanding 2^62 - 1", async ({ aggCircuit, honest }) => {
    const { pool, input } = honest;
    const context = await commitmentContext(pool.root, pool.policyHash, pool.keyHash);
    // Every field fits, the pool's total does not.
    const base = BigInt(input.pool as string);
    const big = [0, 1, 2, 3].map((i) => {
      const word = packPoolWord({ ...unpackPoolWord(base), chunkIndex: i, chunkCount: 4 });
      return { figA: (1n << 62n) - 1n, figB: 0n, figC: 1023n << 144n, salt: BigInt(i + 1), pool: word };
    });
    const bigCommits = await Promise.all(big.map((o) => figureCommitment(o, context)));
    const pool4 = packPoolWord({ ...unpackPoolWord(base), chunkCount: 4 });
    await aggCircuit.expectFail(
      { ...withOpenings(input, big, await chainOf(bigCommits)), pool: pool4.toString() },
      TOTAL_BITS(),
    );
  });

  it("a pool of more chunks than the instance holds", async ({ aggCircuit, honest }) => {
    const five = packPoolWord({ ...unpackPoolWord(BigInt(honest.input.pool as string)), chunkCount: 5 });
    await aggCircuit.expectFail({ ...honest.input, pool: five.toString() }, COUNT_CHECK());
  });

  it("a policy other than the committed one", async ({ aggCircuit, honest }) => {
    const { pool, input } = honest;
    const policy = policyParams({
      ...pool.policy,
      maxBucket90Bps: (pool.policy.maxBucket90Bps + 1) % 10001,
    }).map(String);
    await aggCircuit.expectFail({ ...input, policy }, POLICY_CHECK());
  });

  it("forged witnesses: one wire edited anywhere breaks a constraint", async ({ aggCircuit, honest }) => {
    const w = await aggCircuit.calculateWitness(honest.input);
    const wires = [
      "used[1]",
      "used[3]",
      "usedStep[2]",
      "chain[1]",
      "chain[3]",
      "usedAcc[2]",
      "indexTerm[1]",
      "indexProduct[2]",
      "slotProduct[3]",
      "maxRun[2]",
      "minRun[1]",
      "fields[1].f[0]",
      "fields[2].f[11]",
      "fields[0].breachBits[1]",
      "commitment[1].out",
      "link[2].out",
      "context.out",
      "covenants.breaches",
      "covenants.anyLtv",
      "maxLess[2].out",
      "minLess[3].out",
    ];
    const present = wires.filter((name) => aggCircuit.has(name)); // the others eliminated by --O2
    expect(present.length).toBeGreaterThanOrEqual(12);
    await aggCircuit.expectForgedFails(w, present);
  });
});
