/**
 * The registry's committed-chunk path (issue 14): real PoolChunkCommitment(8) chunk proofs chained by
 * submitChunkCommitment, and one real PoolAggregation(4) proof recorded by submitAggregation, against the
 * generated verifiers. The accepted path records the pool's figures as a one-proof attestation's are; the
 * refusals: a replayed chunk, a chunk of another root or policy (while a batch is open), a chunk of another
 * pool (it goes to that pool's batch, never this one's chain), an aggregation before all chunks, with other
 * figures, over another acceptance order (another acc), with another key's context, through a verifier of
 * another kind, and a second aggregation.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the deployed registry
 * (an EVM snapshot the chain is put back to before each test that changes it), the prover pool and every
 * proof (they depend only on the registry's address and chain); made for the test, the registry at the stage
 * the claim is about (a batch opened by one chunk, all chunks accepted, the aggregation recorded).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract, TransactionReceipt } from "ethers";
import { circuitId } from "../../deploy/index.ts";
import { commitTape, randomSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { chainCommitments, type ChunkOpening } from "../../prover/commitment/figure-commitment.ts";
import {
  attestationMessage,
  domainWord,
  generateOriginatorKey,
  registryKeyHash,
  signAttestation,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import { aggregateFigures, chunkFigures, packFigures, splitChunks } from "../../prover/model/index.ts";
import { policyHash, type Policy } from "../../prover/policy/index.ts";
import { ProverPool, proveInstance } from "../../prover/prove/index.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../../prover/witness/aggregation.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  acceptedChunks,
  readAttestation,
  submitAggregation,
  submitChunkCommitment,
  type SnarkjsProof,
} from "../../sdk/index.ts";
import { chainSnapshot, revertOf, terminateCurves } from "./helpers.ts";
import { TEST_POLICY, deployCommittedRegistry, poolTape } from "./pool-world.ts";

const CHUNK_INSTANCE = "pool-chunk-commitment-8";
const AGG_INSTANCE = "pool-aggregation-4";
const CHUNK = 8;
const OTHER_POLICY: Policy = { ...TEST_POLICY, maxBucket90Bps: 400 };
const built = (): boolean =>
  readManifest().instances[CHUNK_INSTANCE] !== undefined &&
  readManifest().instances[AGG_INSTANCE] !== undefined;

interface ChunkProofOf {
  proof: SnarkjsProof;
  publicSignals: string[];
  opening: ChunkOpening;
}

/** An aggregation proof and the calldata submitAggregation takes: the batch's context and the figures. */
interface AggregationProof {
  proof: SnarkjsProof;
  chunk: bigint[];
  figures: bigint[];
}

/** The registry as deployed, with its originator and the context its proofs are made in. */
interface Deployed {
  registry: Contract;
  /** The registry through the relayer's signer. */
  relay: Contract;
  /** The onboarded originator's key, and one the registry does not know. */
  key: OriginatorKey;
  otherKey: OriginatorKey;
  chainId: bigint;
  registryAddress: string;
  pHash: bigint;
  today: number;
  /** Puts the chain back to the registry as deployed. */
  reset(): Promise<void>;
}

/** Pool 1's 20-loan tape, its three chunks proven, and the order they are accepted in: 2, 0, 1. */
interface PoolOne {
  tape: LoanTape;
  commitment: TapeCommitment;
  chunks: ChunkProofOf[];
  order: ChunkProofOf[];
}

async function deploy(): Promise<Deployed> {
  const r = await deployCommittedRegistry({ pools: [1n, 2n], policies: [TEST_POLICY, OTHER_POLICY] });
  const reset = await chainSnapshot(r.ethers);
  return {
    registry: r.registry,
    relay: r.relay,
    key: r.key,
    otherKey: await generateOriginatorKey(),
    chainId: r.chainId,
    registryAddress: r.registryAddress,
    pHash: await policyHash(TEST_POLICY),
    today: r.today,
    reset,
  };
}

async function proveChunks(
  prover: ProverPool,
  d: Deployed,
  tape: LoanTape,
  commitment: TapeCommitment,
  o: { policy?: Policy; key?: OriginatorKey; indices?: number[] } = {},
): Promise<ChunkProofOf[]> {
  const policy = o.policy ?? TEST_POLICY;
  const k = o.key ?? d.key;
  const ctx = { publicKey: k.publicKey, chainId: d.chainId, registry: d.registryAddress };
  const signature = await signAttestation(
    k.privateKey,
    await attestationMessage(tape, commitment, ctx, policy),
  );
  const out: ChunkProofOf[] = [];
  for (const i of o.indices ?? [...Array(commitment.chunkCount).keys()]) {
    const b = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, i, CHUNK);
    const r = await proveInstance(prover, CHUNK_INSTANCE, b.input);
    out.push({ proof: r.proof as SnarkjsProof, publicSignals: r.publicSignals, opening: b.opening });
  }
  return out;
}

async function proveAggregation(
  prover: ProverPool,
  chunks: ChunkProofOf[],
  over: { keyHash?: bigint } = {},
): Promise<AggregationProof> {
  const s = chunks[0]!.publicSignals.map(BigInt);
  const a = await buildAggregationInput(
    {
      root: s[0]!,
      policyHash: s[2]!,
      keyHash: over.keyHash ?? s[3]!,
      policy: TEST_POLICY,
      openings: chunks.map((c) => c.opening),
    },
    4,
  );
  const r = await proveInstance(prover, AGG_INSTANCE, a.input);
  const [, figA, figB, figC] = r.publicSignals.map(BigInt);
  return {
    proof: r.proof as SnarkjsProof,
    chunk: [s[0]!, s[1]!, s[2]!, s[3]!],
    figures: [figA!, figB!, figC!],
  };
}

const submitChunk = (d: Deployed, c: ChunkProofOf): Promise<TransactionReceipt> =>
  submitChunkCommitment(d.relay, CHUNK_INSTANCE, 1, c.proof, c.publicSignals);

const submitAgg = (d: Deployed, p: AggregationProof): Promise<TransactionReceipt> =>
  submitAggregation(d.relay, AGG_INSTANCE, 1, p.proof, p.chunk, p.figures);

/** The registry's refusal of an aggregation of pool 1 (by default `p`'s own calldata, through its verifier). */
const aggRefusal = (
  d: Deployed,
  p: AggregationProof,
  figures = p.figures,
  chunk = p.chunk,
  id = AGG_INSTANCE,
): Promise<{ name: string; args: unknown[] }> =>
  revertOf(submitAggregation(d.relay, id, 1, p.proof, chunk, figures), d.registry);

const tapeOf = (today: number, poolId: bigint, seed: number, loans = 20): LoanTape =>
  poolTape({ seed, loans, poolId, period: 202611, asOfDate: today });

/** The registry's committed batch of `poolId`: open, period, received (the set's four words), seen, count, acc. */
const batchOf = async (
  d: Deployed,
  poolId: bigint,
): Promise<[boolean, bigint, bigint[], bigint, bigint, bigint]> => {
  const [open, period, received, seen, count, acc] = (await d.registry.getFunction("committedBatch")(
    poolId,
  )) as [boolean, bigint, bigint[], bigint, bigint, bigint];
  return [open, period, [...received], seen, count, acc];
};

const it = test.extend<{
  prover: ProverPool;
  deployed: Deployed;
  /** The registry as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  pool1: PoolOne;
  /** The aggregation over pool 1's chunks in acceptance order, over another order, and in another key's context. */
  good: AggregationProof;
  wrongOrder: AggregationProof;
  wrongKey: AggregationProof;
  /** Pool 1's chunk 0 of another commitment of its tape (another root, the same pool, period and date). */
  foreignRoot: ChunkProofOf;
  /** Pool 1's chunk 0 under another registered policy. */
  otherPolicy: ChunkProofOf;
  /** Pool 1's chunk 0 signed with a key the registry does not know. */
  otherSigner: ChunkProofOf;
  /** Chunk 0 of pool 2 (9 loans). */
  pool2Chunk: ChunkProofOf;
  /** `world` with pool 1's first chunk (index 2) accepted: the batch is open. The receipt. */
  opened: TransactionReceipt;
  /** `world` with all of pool 1's chunks accepted, in the order 2, 0, 1. */
  complete: Deployed;
  /** `complete` with the good aggregation recorded. The receipt. */
  recorded: TransactionReceipt;
}>({
  prover: [
    async ({}, use) => {
      const prover = new ProverPool();
      await use(prover);
      await prover.close();
    },
    { scope: "file" },
  ],
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  pool1: [
    async ({ prover, deployed }, use) => {
      const tape = tapeOf(deployed.today, 1n, 11);
      const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
      const chunks = await proveChunks(prover, deployed, tape, commitment);
      await use({ tape, commitment, chunks, order: [chunks[2]!, chunks[0]!, chunks[1]!] });
    },
    { scope: "file" },
  ],
  good: [
    async ({ prover, pool1 }, use) => use(await proveAggregation(prover, pool1.order)),
    { scope: "file" },
  ],
  wrongOrder: [
    async ({ prover, pool1 }, use) => use(await proveAggregation(prover, pool1.chunks)),
    { scope: "file" },
  ],
  wrongKey: [
    async ({ prover, deployed, pool1 }, use) =>
      use(
        await proveAggregation(prover, pool1.order, {
          keyHash: await registryKeyHash(
            deployed.otherKey.publicKey,
            domainWord(deployed.registryAddress, deployed.chainId),
          ),
        }),
      ),
    { scope: "file" },
  ],
  foreignRoot: [
    async ({ prover, deployed, pool1: { tape } }, use) => {
      const other = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
      await use((await proveChunks(prover, deployed, tape, other, { indices: [0] }))[0]!);
    },
    { scope: "file" },
  ],
  otherPolicy: [
    async ({ prover, deployed, pool1: { tape, commitment } }, use) =>
      use(
        (await proveChunks(prover, deployed, tape, commitment, { policy: OTHER_POLICY, indices: [0] }))[0]!,
      ),
    { scope: "file" },
  ],
  otherSigner: [
    async ({ prover, deployed, pool1: { tape, commitment } }, use) =>
      use(
        (await proveChunks(prover, deployed, tape, commitment, { key: deployed.otherKey, indices: [0] }))[0]!,
      ),
    { scope: "file" },
  ],
  pool2Chunk: [
    async ({ prover, deployed }, use) => {
      const tape2 = tapeOf(deployed.today, 2n, 12, 9);
      const c2 = await commitTape(tape2, randomSalts(tape2), { chunkSize: CHUNK });
      await use((await proveChunks(prover, deployed, tape2, c2, { indices: [0] }))[0]!);
    },
    { scope: "file" },
  ],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  opened: async ({ world, pool1 }, use) => use(await submitChunk(world, pool1.order[0]!)),
  complete: async ({ world, pool1 }, use) => {
    for (const c of pool1.order) await submitChunk(world, c);
    await use(world);
  },
  recorded: async ({ complete, good }, use) => use(await submitAgg(complete, good)),
});

afterAll(terminateCurves);

describe.skipIf(!built())("AttestationRegistry: committed chunks and the pool aggregation", () => {
  it("pool 1's 20 loans are three committed chunks", ({ pool1 }) => {
    expect(pool1.commitment.chunkCount).toBe(3);
  });

  it("a chunk's acceptance emits ChunkCommitted with its index and figure commitment", ({
    world,
    pool1,
    opened,
  }) => {
    const ev = opened.logs
      .map((l) => world.registry.interface.parseLog(l))
      .find((e) => e?.name === "ChunkCommitted");
    expect(ev?.args.chunkIndex).toBe(2n);
    expect(ev?.args.figCommit).toBe(BigInt(pool1.order[0]!.publicSignals[4]!));
  });

  it("refuses a replayed chunk (the same calldata)", async ({ world, pool1, opened }) => {
    void opened;
    expect(await revertOf(submitChunk(world, pool1.order[0]!), world.registry)).toEqual({
      name: "Registry__ChunkAlreadySubmitted",
      args: [1n, 202611n, 2n],
    });
  });

  it("refuses, while a batch is open, a chunk of another root (the same pool, period and date: another commitment of the tape)", async ({
    world,
    opened,
    foreignRoot,
  }) => {
    void opened;
    expect(await revertOf(submitChunk(world, foreignRoot), world.registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [1n, 202611n, 0n],
    });
  });

  it("refuses, while a batch is open, a chunk under another (registered) policy", async ({
    world,
    opened,
    otherPolicy,
  }) => {
    void opened;
    expect(await revertOf(submitChunk(world, otherPolicy), world.registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [1n, 202611n, 0n],
    });
  });

  it("refuses a chunk signed with a key that is not the originator's", async ({
    world,
    opened,
    otherSigner,
  }) => {
    void opened;
    expect((await revertOf(submitChunk(world, otherSigner), world.registry)).name).toBe(
      "Registry__UnknownKey",
    );
  });

  it("a chunk of another pool does not move this pool's chain", async ({ world, opened, pool2Chunk }) => {
    void opened;
    const before = await batchOf(world, 1n);
    await submitChunk(world, pool2Chunk);
    expect(await batchOf(world, 1n)).toEqual(before);
  });

  it("a chunk of another pool goes to that pool's batch", async ({ world, opened, pool2Chunk }) => {
    void opened;
    await submitChunk(world, pool2Chunk);
    expect((await batchOf(world, 2n))[3]).toBe(1n);
  });

  it("refuses the aggregation before all chunks", async ({ world, pool1, good }) => {
    await submitChunk(world, pool1.order[0]!);
    await submitChunk(world, pool1.order[1]!);
    expect(await revertOf(submitAgg(world, good), world.registry)).toEqual({
      name: "Registry__ChunksMissing",
      args: [1n, 202611n, 2n, 3n],
    });
  });

  it("with all chunks accepted, the batch is open with every chunk received, seen and counted", async ({
    complete,
  }) => {
    const [open, period, received, seen, count] = await batchOf(complete, 1n);
    expect([open, period, received, seen, count]).toEqual([true, 202611n, [7n, 0n, 0n, 0n], 3n, 3n]);
  });

  it("with all chunks accepted, the batch's acc chains their commitments in acceptance order", async ({
    complete,
    pool1,
  }) => {
    const acc = (await batchOf(complete, 1n))[5];
    expect(acc).toBe(await chainCommitments(pool1.order.map((c) => BigInt(c.publicSignals[4]!))));
  });

  it("the prover reads the acceptance order from the events", async ({ complete }) => {
    expect((await acceptedChunks(complete.registry, 1n, 202611)).map((c) => c.chunkIndex)).toEqual([2, 0, 1]);
  });

  it("refuses an aggregation with other figures than the proof's", async ({ complete, good }) => {
    const [fa, fb, fc] = good.figures as [bigint, bigint, bigint];
    expect(await aggRefusal(complete, good, [fa + 1n, fb, fc])).toEqual({
      name: "Registry__InvalidAggregation",
      args: [1n, 202611n],
    });
  });

  it("refuses an aggregation over another acceptance order: it proves another acc than the registry's", async ({
    complete,
    wrongOrder,
  }) => {
    expect(await aggRefusal(complete, wrongOrder)).toEqual({
      name: "Registry__InvalidAggregation",
      args: [1n, 202611n],
    });
  });

  it("refuses an aggregation whose commitments were opened in another key's context", async ({
    complete,
    wrongKey,
  }) => {
    expect(await aggRefusal(complete, wrongKey)).toEqual({
      name: "Registry__InvalidAggregation",
      args: [1n, 202611n],
    });
  });

  it("refuses an aggregation whose batch context names another root: no batch", async ({
    complete,
    good,
  }) => {
    expect(
      await aggRefusal(complete, good, good.figures, [good.chunk[0]! + 1n, ...good.chunk.slice(1)]),
    ).toEqual({
      name: "Registry__NoChunkBatch",
      args: [1n, 202611n],
    });
  });

  it("refuses the aggregation proof through the chunk verifier's id: a verifier of another kind", async ({
    complete,
    good,
  }) => {
    expect(await aggRefusal(complete, good, good.figures, good.chunk, CHUNK_INSTANCE)).toEqual({
      name: "Registry__WrongVerifierKind",
      args: [circuitId(CHUNK_INSTANCE), 1n, 1n, 2n],
    });
  });

  it("the aggregation proves the model's figures of the pool, over all loans at once", ({ pool1, good }) => {
    const model = aggregateFigures(
      splitChunks(pool1.tape.loans, CHUNK).map((loans) => chunkFigures(loans, TEST_POLICY)),
      TEST_POLICY,
    );
    const packed = packFigures(model);
    expect(good.figures).toEqual([packed.figA, packed.figB, packed.figC]);
  });

  it("records the aggregation as the pool's attestation of its 20 loans", ({ world, recorded }) => {
    const ev = recorded.logs
      .map((l) => world.registry.interface.parseLog(l))
      .find((e) => e?.name === "AttestationRecorded");
    expect(ev?.args.loanCount).toBe(20n);
  });

  it("the recorded attestation has the batch's period, chunk count and policy", async ({
    world,
    recorded,
  }) => {
    void recorded;
    const a = await readAttestation(world.registry, 1n);
    expect(a?.period).toBe(202611n);
    expect(a?.chunkCount).toBe(3n);
    expect(a?.policyHash).toBe(world.pHash);
  });

  it("records the aggregation's figures", async ({ world, recorded, good }) => {
    void recorded;
    const w = (await world.registry.getFunction("attestationFigures")(1n)) as {
      figA: bigint;
      figB: bigint;
      figC: bigint;
    };
    expect([w.figA, w.figB, w.figC]).toEqual(good.figures);
  });

  it("the pool is eligible exactly when the model finds no breach", async ({ world, recorded, pool1 }) => {
    void recorded;
    const model = aggregateFigures(
      splitChunks(pool1.tape.loans, CHUNK).map((loans) => chunkFigures(loans, TEST_POLICY)),
      TEST_POLICY,
    );
    expect(await world.registry.getFunction("isEligible")(1n, world.pHash)).toBe(model.breaches === 0);
  });

  it("recording the aggregation closes the batch", async ({ world, recorded }) => {
    void recorded;
    expect((await batchOf(world, 1n))[0]).toBe(false);
  });

  it("refuses a second aggregation (the same calldata)", async ({ world, recorded, good }) => {
    void recorded;
    expect(await aggRefusal(world, good)).toEqual({
      name: "Registry__PeriodNotAfterLast",
      args: [1n, 202611n, 202611n],
    });
  });
});
