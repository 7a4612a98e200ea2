/**
 * The committed-chunk path (issue 14, item 1): PoolChunkCommitment(8), chunk proofs that publish a hiding
 * commitment to their figures, and PoolAggregation(4), the pool's figures from the chunks' openings, against
 * the independent model; the 9-loan pool in chunks of 8; and the refusals (wrong salt or figures, a dropped,
 * duplicated or foreign chunk, out-of-range figures and totals, too many chunks, another policy), each
 * pinned to the constraint that must fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitTape, randomFieldElement, randomSalts } from "../../prover/commitment/encoding.ts";
import {
  chainCommitments,
  commitmentContext,
  figureCommitment,
  type ChunkOpening,
} from "../../prover/commitment/figure-commitment.ts";
import {
  domainWord,
  generateOriginatorKey,
  signAttestation,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import {
  chunkFigures,
  aggregateFigures,
  packFigures,
  packPoolWord,
  splitChunks,
  unpackFigures,
  unpackPoolWord,
} from "../../prover/model/index.ts";
import {
  AGGREGATION_SIGNAL_NAMES,
  CHUNK_COMMITMENT_SIGNAL_NAMES,
  type ChunkCommitmentSignals,
} from "../../prover/model/aggregation.ts";
import { policyHash, policyParams, type Policy } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { LoanStatus, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import {
  buildAggregationInput,
  buildChunkCommitmentInput,
  type AggregationInput,
} from "../../prover/witness/aggregation.ts";
import type { CircuitInput, ProofContext } from "../../prover/witness/index.ts";
import { AS_OF, randomPolicy, randomTape, rng } from "./gen.ts";
import {
  check,
  compileCircuit,
  editWire,
  failsAt,
  failure,
  freeWires,
  readWire,
  terminateCurve,
  witness,
  wireOf,
  type Compiled,
} from "./helpers.ts";

const CHUNK = 8;
const SLOTS = 4;
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

let chunkCircuit: Compiled;
let aggCircuit: Compiled;
let key: OriginatorKey;
let ctx: ProofContext;

beforeAll(async () => {
  [chunkCircuit, aggCircuit] = await Promise.all([
    compileCircuit(
      "circuits/aggregation/chunk_commitment.circom",
      "PoolChunkCommitment",
      [CHUNK],
      [...CHUNK_COMMITMENT_SIGNAL_NAMES],
    ),
    compileCircuit(
      "circuits/aggregation/pool_aggregation.circom",
      "PoolAggregation",
      [SLOTS],
      [...AGGREGATION_SIGNAL_NAMES],
    ),
  ]);
  key = await generateOriginatorKey();
  ctx = { publicKey: key.publicKey, chainId: 31337n, registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
});

afterAll(async () => {
  await terminateCurve();
});

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

async function commitPool(tape: LoanTape, policy: Policy): Promise<CommittedPool> {
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
  const signature = await signAttestation(key.privateKey, {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
    loanCount: tape.loans.length,
    domain: domainWord(ctx.registry, ctx.chainId),
    policyHash: await policyHash(policy),
  });
  const chunks: CommittedPool["chunks"] = [];
  for (let c = 0; c < commitment.chunkCount; c++) {
    const built = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, c, CHUNK);
    const w = await witness(chunkCircuit, built.input);
    const values = CHUNK_COMMITMENT_SIGNAL_NAMES.map((_, i) => readWire(w, 1 + i));
    const signals = Object.fromEntries(
      CHUNK_COMMITMENT_SIGNAL_NAMES.map((n, i) => [n, values[i]!]),
    ) as unknown as ChunkCommitmentSignals;
    expect(signals).toEqual(built.publicSignals);
    chunks.push({ signals, opening: built.opening });
  }
  const s = chunks[0]!.signals;
  return { tape, policy, root: s.root, policyHash: s.policyHash, keyHash: s.keyHash, chunks };
}

/** The aggregation input for the chunks in the given acceptance order (default: by index). */
async function aggregate(p: CommittedPool, order?: number[]): Promise<AggregationInput> {
  const idx = order ?? p.chunks.map((_, i) => i);
  return buildAggregationInput(
    {
      root: p.root,
      policyHash: p.policyHash,
      keyHash: p.keyHash,
      policy: p.policy,
      openings: idx.map((i) => p.chunks[i]!.opening),
    },
    SLOTS,
  );
}

/** The registry's accumulator over the given chunk proofs' published commitments. */
const chainOf = (commits: bigint[]): Promise<bigint> => chainCommitments(commits);

/** An aggregation input whose openings (and acc) are replaced, as a forger would write them. */
function withOpenings(base: CircuitInput, openings: ChunkOpening[], acc: bigint): CircuitInput {
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

async function accept(c: Compiled, input: CircuitInput, count: number): Promise<bigint[]> {
  const w = await witness(c, input);
  expect(await check(c, w)).toBe(true);
  return Array.from({ length: count }, (_, i) => readWire(w, 1 + i));
}

async function reject(c: Compiled, input: CircuitInput, reason: RegExp): Promise<void> {
  const msg = await failure(witness(c, input));
  expect(msg, "witness unexpectedly computed").not.toBe("");
  expect(msg).toMatch(reason);
}

describe("PoolChunkCommitment(8): a chunk proof that publishes a commitment, not its figures", () => {
  it("has the five public inputs root, pool, policyHash, keyHash, figCommit and no free wire", () => {
    expect(chunkCircuit.header.nPubIn).toBe(5);
    expect(chunkCircuit.header.nPubOut).toBe(0);
    // The two IsZero inverses circomlib's ForceEqualIfEnabled leaves free in the EdDSA verifier (as in
    // PoolAttestation), nothing else.
    expect(freeWires(chunkCircuit).sort()).toEqual([
      "main.chunk.sig.eqCheckX.isz.inv",
      "main.chunk.sig.eqCheckY.isz.inv",
    ]);
  });

  it("commits with a fresh salt: two proofs of one chunk publish unrelated commitments", async () => {
    const tape = randomTape(3, 5);
    const a = await commitPool(tape, TEST_POLICY);
    const b = await commitPool(tape, TEST_POLICY);
    expect(a.chunks[0]!.opening.figA).toBe(b.chunks[0]!.opening.figA);
    expect(a.chunks[0]!.signals.figCommit).not.toBe(b.chunks[0]!.signals.figCommit);
  });

  it("refuses figures other than the chunk's, and a commitment to anything but its opening", async () => {
    const tape = randomTape(4, 6);
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const signature = await signAttestation(key.privateKey, {
      root: commitment.root,
      poolId: tape.poolId,
      period: tape.period,
      asOfDate: tape.asOfDate,
      chunkCount: 1,
      loanCount: tape.loans.length,
      domain: domainWord(ctx.registry, ctx.chainId),
      policyHash: await policyHash(TEST_POLICY),
    });
    const { input, opening } = await buildChunkCommitmentInput(
      tape,
      TEST_POLICY,
      commitment,
      signature,
      ctx,
      0,
      CHUNK,
    );
    await accept(chunkCircuit, input, 5);
    const POOL = "pool/pool_attestation.circom";
    // Other (private) figures with their own honest commitment: the chunk statement refuses them.
    const figA = opening.figA + 1n;
    const context = await commitmentContext(
      commitment.root,
      await policyHash(TEST_POLICY),
      BigInt(input.keyHash as string),
    );
    const forged = { ...opening, figA };
    await reject(
      chunkCircuit,
      { ...input, figA: figA.toString(), figCommit: (await figureCommitment(forged, context)).toString() },
      failsAt("PoolChunk", POOL, "figA === outstanding"),
    );
    // The true figures under another salt than the published commitment's.
    await reject(
      chunkCircuit,
      { ...input, salt: randomFieldElement().toString() },
      failsAt("PoolChunkCommitment", "aggregation/chunk_commitment.circom", "commitment.out === figCommit"),
    );
    // The commitment of the same figures for another pool word (chunk 1 of the pool) does not fit chunk 0.
    const other = await figureCommitment({ ...opening, pool: opening.pool + (1n << 112n) }, context);
    await reject(
      chunkCircuit,
      { ...input, figCommit: other.toString() },
      failsAt("PoolChunkCommitment", "aggregation/chunk_commitment.circom", "commitment.out === figCommit"),
    );
  });
});

describe("PoolAggregation(4) matches the model", () => {
  it("has the four public inputs acc, figA, figB, figC and no free wire", () => {
    expect(aggCircuit.header.nPubIn).toBe(4);
    expect(aggCircuit.header.nPubOut).toBe(0);
    expect(freeWires(aggCircuit)).toEqual([]);
  });

  it("on 6 random pools of 1 to 4 chunks with random policies, in random acceptance orders", async () => {
    const r = rng(1414);
    for (let t = 0; t < 6; t++) {
      const n = 1 + Math.floor(r() * SLOTS * CHUNK);
      const tape = randomTape(500 + t, n);
      const policy = t === 0 ? TEST_POLICY : randomPolicy(r);
      const p = await commitPool(tape, policy);
      const order = p.chunks.map((_, i) => i).sort(() => r() - 0.5);
      const agg = await aggregate(p, order);
      const signals = await accept(aggCircuit, agg.input, 4);
      // acc is the registry's chain of the chunk proofs' published commitments, in acceptance order.
      expect(signals[0]).toBe(await chainOf(order.map((i) => p.chunks[i]!.signals.figCommit)));
      const figures = unpackFigures(signals[1]!, signals[2]!, signals[3]!);
      // The model two ways: the chunks' figures aggregated, and the whole pool's loans as one list.
      const chunks = splitChunks(tape.loans, CHUNK).map((c) => chunkFigures(c, policy));
      expect(figures).toEqual(aggregateFigures(chunks, policy));
      expect(figures).toEqual(chunkFigures(tape.loans, policy));
      // Any other breach mask is refused.
      const figC = BigInt(agg.input.figC as string) ^ (1n << 154n);
      await reject(aggCircuit, { ...agg.input, figC: figC.toString() }, FIGC_CHECK());
    }
  });

  it("publishes only pool-level figures for 9 loans in chunks of 8 (issue 14's review)", async () => {
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
    const tape = { ...eight, loans: [...eight.loans, late] };
    const p = await commitPool(tape, TEST_POLICY);
    expect(p.chunks).toHaveLength(2);
    const agg = await aggregate(p, [1, 0]);
    const published = [
      ...p.chunks.map((c) => Object.values(c.signals)).flat(),
      ...(await accept(aggCircuit, agg.input, 4)),
    ];
    // The ninth loan is chunk 1 alone: none of its figure words, nor chunk 0's, is published anywhere.
    for (const c of p.chunks) {
      for (const word of [c.opening.figA, c.opening.figB, c.opening.figC])
        expect(published).not.toContain(word);
      expect(Object.keys(c.signals)).toEqual([...CHUNK_COMMITMENT_SIGNAL_NAMES]);
    }
    // What is published is the pool's figures (and they differ from either chunk's).
    const pool = packFigures(chunkFigures(tape.loans, TEST_POLICY));
    expect(published.slice(-3)).toEqual([pool.figA, pool.figB, pool.figC]);
    // Once their salts are gone, a commitment cannot be checked against a guess of the ninth loan's figures:
    // the guess with any other salt gives another commitment.
    const ninth = p.chunks[1]!;
    const context = await commitmentContext(p.root, p.policyHash, p.keyHash);
    expect(await figureCommitment({ ...ninth.opening, salt: randomFieldElement() }, context)).not.toBe(
      ninth.signals.figCommit,
    );
  });
});

describe("PoolAggregation(4) refuses", () => {
  let p: CommittedPool;
  let honest: AggregationInput;
  let commits: bigint[];
  let openings: ChunkOpening[];

  beforeAll(async () => {
    p = await commitPool(randomTape(21, 3 * CHUNK - 3), randomPolicy(rng(21)));
    honest = await aggregate(p);
    commits = p.chunks.map((c) => c.signals.figCommit);
    openings = p.chunks.map((c) => c.opening);
    await accept(aggCircuit, honest.input, 4);
  });

  it("an opening with a wrong salt, or with tampered figures", async () => {
    const acc = await chainOf(commits);
    const salted = openings.map((o, i) => (i === 1 ? { ...o, salt: o.salt + 1n } : o));
    await reject(aggCircuit, withOpenings(honest.input, salted, acc), CHAIN_CHECK());
    // Chunk 1's outstanding one unit higher, and the pool figures claimed to match.
    const tampered = openings.map((o, i) => (i === 1 ? { ...o, figA: o.figA + 1n } : o));
    const claimed = BigInt(honest.input.figA as string) + 1n;
    await reject(
      aggCircuit,
      { ...withOpenings(honest.input, tampered, acc), figA: claimed.toString() },
      CHAIN_CHECK(),
    );
    // Pool figures other than the openings' sums.
    await reject(
      aggCircuit,
      { ...honest.input, figA: claimed.toString() },
      failsAt("PoolAggregation", AGG, "pack.figA === figA"),
    );
  });

  it("a dropped chunk: the chain of two of the three commitments, with or without a lowered chunk count", async () => {
    const two = [openings[0]!, openings[2]!];
    await reject(
      aggCircuit,
      withOpenings(honest.input, two, await chainOf([commits[0]!, commits[2]!])),
      CHAIN_CHECK(),
    );
    // Claiming chunkCount 2 changes the pool word inside every commitment: none of them opens.
    const lowered = packPoolWord({ ...unpackPoolWord(BigInt(honest.input.pool as string)), chunkCount: 2 });
    await reject(
      aggCircuit,
      {
        ...withOpenings(honest.input, two, await chainOf([commits[0]!, commits[2]!])),
        pool: lowered.toString(),
      },
      CHAIN_CHECK(),
    );
  });

  it("a duplicated chunk (chunk 0 twice in place of chunk 1, or as an extra), and a chunk index outside the pool", async () => {
    const dup = [openings[0]!, openings[0]!, openings[2]!];
    await reject(
      aggCircuit,
      withOpenings(honest.input, dup, await chainOf([commits[0]!, commits[0]!, commits[2]!])),
      INDEX_CHECK(),
    );
    // And as a fourth chunk beyond the pool's three: the slot after the last must open nothing.
    const extra = [...openings, openings[0]!];
    await reject(
      aggCircuit,
      withOpenings(honest.input, extra, await chainOf([...commits, commits[0]!])),
      UNUSED_CHECK(),
    );
    // A chunk 3 of a 3-chunk pool in place of chunk 1 (a forger's commitment: no chunk proof has it), every
    // commitment opening in the pool's context: only the indices are wrong.
    const context = await commitmentContext(p.root, p.policyHash, p.keyHash);
    const beyond = { ...openings[1]!, pool: openings[1]!.pool + (2n << 112n) };
    const shifted = [openings[0]!, beyond, openings[2]!];
    const acc = await chainOf([commits[0]!, await figureCommitment(beyond, context), commits[2]!]);
    await reject(aggCircuit, withOpenings(honest.input, shifted, acc), INDEX_CHECK());
  });

  it("a chunk of another pool or root: its commitment opens only in its own context", async () => {
    // Chunk 1 of another tape (another root and pool id) with the same policy and key, proven honestly.
    const q = await commitPool(randomTape(22, 3 * CHUNK - 3), p.policy);
    const mixed = [openings[0]!, q.chunks[1]!.opening, openings[2]!];
    const acc = await chainOf([commits[0]!, q.chunks[1]!.signals.figCommit, commits[2]!]);
    await reject(aggCircuit, withOpenings(honest.input, mixed, acc), CHAIN_CHECK());
    // Same loans and salts, another root: every commitment's context changes.
    await reject(aggCircuit, { ...honest.input, root: (p.root + 1n).toString() }, CHAIN_CHECK());
  });

  it("out-of-range figures: a forger's commitment to a figC beyond its fields, and totals beyond 62 bits", async () => {
    const context = await commitmentContext(p.root, p.policyHash, p.keyHash);
    // A breaches field of 2^16 (figC bit 170): committed by a forger, not by a chunk proof.
    const wide = { ...openings[2]!, figC: openings[2]!.figC + (1n << 170n) };
    const wideCommits = [commits[0]!, commits[1]!, await figureCommitment(wide, context)];
    await reject(
      aggCircuit,
      withOpenings(honest.input, [openings[0]!, openings[1]!, wide], await chainOf(wideCommits)),
      FIELDS_C(),
    );
    // Four forged chunks of outstanding 2^62 - 1 each: every field fits, the pool's total does not.
    const base = BigInt(honest.input.pool as string);
    const big = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const pool = packPoolWord({ ...unpackPoolWord(base), chunkIndex: i, chunkCount: 4 });
        return { figA: (1n << 62n) - 1n, figB: 0n, figC: 1023n << 144n, salt: BigInt(i + 1), pool };
      }),
    );
    const bigCommits = await Promise.all(big.map((o) => figureCommitment(o, context)));
    const pool4 = packPoolWord({ ...unpackPoolWord(base), chunkCount: 4 });
    await reject(
      aggCircuit,
      { ...withOpenings(honest.input, big, await chainOf(bigCommits)), pool: pool4.toString() },
      TOTAL_BITS(),
    );
  });

  it("a pool of more chunks than the instance holds, and a policy other than the committed one", async () => {
    const five = packPoolWord({ ...unpackPoolWord(BigInt(honest.input.pool as string)), chunkCount: 5 });
    await reject(aggCircuit, { ...honest.input, pool: five.toString() }, COUNT_CHECK());
    const policy = policyParams({ ...p.policy, maxBucket90Bps: (p.policy.maxBucket90Bps + 1) % 10001 }).map(
      String,
    );
    await reject(aggCircuit, { ...honest.input, policy }, POLICY_CHECK());
  });

  it("forged witnesses: one wire edited anywhere breaks a constraint", async () => {
    const w = await witness(aggCircuit, honest.input);
    const wires = [
      "main.used[1]",
      "main.used[3]",
      "main.usedStep[2]",
      "main.chain[1]",
      "main.chain[3]",
      "main.usedAcc[2]",
      "main.indexTerm[1]",
      "main.indexProduct[2]",
      "main.slotProduct[3]",
      "main.maxRun[2]",
      "main.minRun[1]",
      "main.fields[1].f[0]",
      "main.fields[2].f[11]",
      "main.fields[0].breachBits[1]",
      "main.commitment[1].out",
      "main.link[2].out",
      "main.context.out",
      "main.covenants.breaches",
      "main.covenants.anyLtv",
      "main.maxLess[2].out",
      "main.minLess[3].out",
    ];
    let edited = 0;
    for (const name of wires) {
      const i = wireOf(aggCircuit, name);
      if (i < 0) continue; // eliminated by --O2
      edited++;
      expect(await check(aggCircuit, editWire(w, i, readWire(w, i) + 1n)), name).toBe(false);
    }
    expect(edited).toBeGreaterThanOrEqual(12);
  });
});
