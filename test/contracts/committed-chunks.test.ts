/**
 * The registry's committed-chunk path (issue 14): real PoolChunkCommitment(8) chunk proofs chained by
 * submitChunkCommitment, and one real PoolAggregation(4) proof recorded by submitAggregation, against the
 * generated verifiers. The accepted path records the pool's figures as a one-proof attestation's are; the
 * refusals: a replayed chunk, a chunk of another root or policy (while a batch is open), a chunk of another
 * pool (it goes to that pool's batch, never this one's chain), an aggregation before all chunks, with other
 * figures, over another acceptance order (another acc), with another key's context, through a verifier of
 * another kind, and a second aggregation.
 */
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract, TransactionReceipt } from "ethers";
import {
  circuitId,
  deployRegistry,
  deployVerifier,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
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
import { DAY, revertOf, terminateCurves } from "./helpers.ts";
import { TEST_POLICY, poolTape } from "./pool-world.ts";

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

let registry: Contract;
let relay: Contract;
let key: OriginatorKey;
let otherKey: OriginatorKey;
let chainId: bigint;
let registryAddress: string;
let pHash: bigint;
let today: number;
const pool = new ProverPool();

async function proveChunks(
  tape: LoanTape,
  commitment: TapeCommitment,
  o: { policy?: Policy; key?: OriginatorKey; indices?: number[] } = {},
): Promise<ChunkProofOf[]> {
  const policy = o.policy ?? TEST_POLICY;
  const k = o.key ?? key;
  const ctx = { publicKey: k.publicKey, chainId, registry: registryAddress };
  const signature = await signAttestation(
    k.privateKey,
    await attestationMessage(tape, commitment, ctx, policy),
  );
  const out: ChunkProofOf[] = [];
  for (const i of o.indices ?? [...Array(commitment.chunkCount).keys()]) {
    const b = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, i, CHUNK);
    const r = await proveInstance(pool, CHUNK_INSTANCE, b.input);
    out.push({ proof: r.proof as SnarkjsProof, publicSignals: r.publicSignals, opening: b.opening });
  }
  return out;
}

const submitChunk = (c: ChunkProofOf): Promise<TransactionReceipt> =>
  submitChunkCommitment(relay, CHUNK_INSTANCE, 1, c.proof, c.publicSignals);

async function proveAggregation(
  chunks: ChunkProofOf[],
  over: { keyHash?: bigint } = {},
): Promise<{ proof: SnarkjsProof; chunk: bigint[]; figures: bigint[] }> {
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
  const r = await proveInstance(pool, AGG_INSTANCE, a.input);
  const [, figA, figB, figC] = r.publicSignals.map(BigInt);
  return {
    proof: r.proof as SnarkjsProof,
    chunk: [s[0]!, s[1]!, s[2]!, s[3]!],
    figures: [figA!, figB!, figC!],
  };
}

const tapeOf = (poolId: bigint, seed: number, loans = 20): LoanTape =>
  poolTape({ seed, loans, poolId, period: 202611, asOfDate: today });

describe.skipIf(!built())("AttestationRegistry: committed chunks and the pool aggregation", () => {
  beforeAll(async () => {
    const { ethers } = await hre.network.connect();
    const [gov, originator, relayer] = await ethers.getSigners();
    const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number((latest / DAY + 1n) * DAY + DAY / 2n)]);
    await ethers.provider.send("evm_mine", []);
    today = Number(latest / DAY + 1n);
    registry = await deployRegistry(gov!);
    await deployVerifier(gov!, registry, "PoolChunkCommitment8Verifier", CHUNK_INSTANCE);
    await deployVerifier(gov!, registry, "PoolAggregation4Verifier", AGG_INSTANCE);
    pHash = await policyHash(TEST_POLICY);
    await registerPolicy(registry, pHash, policyParamsInput(TEST_POLICY));
    await registerPolicy(registry, await policyHash(OTHER_POLICY), policyParamsInput(OTHER_POLICY));
    key = await generateOriginatorKey();
    otherKey = await generateOriginatorKey();
    await onboardOriginator(
      registry,
      registry.connect(originator!) as Contract,
      { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
      [1n, 2n],
    );
    relay = registry.connect(relayer!) as Contract;
    chainId = (await ethers.provider.getNetwork()).chainId;
    registryAddress = await registry.getAddress();
  });
  afterAll(async () => {
    await pool.close();
    await terminateCurves();
  });

  it("chains chunks in acceptance order, refuses replays and foreign chunks, and records the aggregation's figures", async () => {
    const tape = tapeOf(1n, 11);
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    expect(commitment.chunkCount).toBe(3);
    const chunks = await proveChunks(tape, commitment);
    // accepted in the order 2, 0, 1: the aggregation's openings follow it
    const order = [chunks[2]!, chunks[0]!, chunks[1]!];
    const good = await proveAggregation(order);
    const wrongOrder = await proveAggregation(chunks);
    const wrongKey = await proveAggregation(order, {
      keyHash: await registryKeyHash(otherKey.publicKey, domainWord(registryAddress, chainId)),
    });

    const r0 = await submitChunk(order[0]!);
    const ev = r0.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "ChunkCommitted");
    expect(ev?.args.chunkIndex).toBe(2n);
    expect(ev?.args.figCommit).toBe(BigInt(order[0]!.publicSignals[4]!));
    // a replayed chunk (the same calldata) is refused
    expect(await revertOf(submitChunk(order[0]!), registry)).toEqual({
      name: "Registry__ChunkAlreadySubmitted",
      args: [1n, 202611n, 2n],
    });
    // a chunk of another root (the same pool, period and date: another commitment of the tape) is refused
    const other = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const [foreign] = await proveChunks(tape, other, { indices: [0] });
    expect(await revertOf(submitChunk(foreign!), registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [1n, 202611n, 0n],
    });
    // a chunk under another (registered) policy, and one signed with a key that is not the originator's
    const [otherPolicy] = await proveChunks(tape, commitment, { policy: OTHER_POLICY, indices: [0] });
    expect(await revertOf(submitChunk(otherPolicy!), registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [1n, 202611n, 0n],
    });
    const [otherSigner] = await proveChunks(tape, commitment, { key: otherKey, indices: [0] });
    expect((await revertOf(submitChunk(otherSigner!), registry)).name).toBe("Registry__UnknownKey");
    // a chunk of another pool goes to that pool's batch: this pool's chain does not move
    const before = await registry.getFunction("committedBatch")(1n);
    const tape2 = tapeOf(2n, 12, 9);
    const c2 = await commitTape(tape2, randomSalts(tape2), { chunkSize: CHUNK });
    const [pool2chunk] = await proveChunks(tape2, c2, { indices: [0] });
    await submitChunk(pool2chunk!);
    expect(await registry.getFunction("committedBatch")(1n)).toEqual(before);
    expect((await registry.getFunction("committedBatch")(2n))[3]).toBe(1n);

    await submitChunk(order[1]!);
    // the aggregation before all chunks is refused
    expect(
      await revertOf(
        submitAggregation(relay, AGG_INSTANCE, 1, good.proof, good.chunk, good.figures),
        registry,
      ),
    ).toEqual({ name: "Registry__ChunksMissing", args: [1n, 202611n, 2n, 3n] });
    await submitChunk(order[2]!);
    const [open, period, received, seen, count, acc] = (await registry.getFunction("committedBatch")(1n)) as [
      boolean,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    expect([open, period, received, seen, count]).toEqual([true, 202611n, 7n, 3n, 3n]);
    expect(acc).toBe(await chainCommitments(order.map((c) => BigInt(c.publicSignals[4]!))));
    // the prover reads the acceptance order from the events
    expect((await acceptedChunks(registry, 1n, 202611)).map((c) => c.chunkIndex)).toEqual([2, 0, 1]);

    const agg = (p: typeof good, figures = p.figures, chunk = p.chunk, id = AGG_INSTANCE) =>
      revertOf(submitAggregation(relay, id, 1, p.proof, chunk, figures), registry);
    // other figures than the proof's
    const [fa, fb, fc] = good.figures as [bigint, bigint, bigint];
    expect(await agg(good, [fa + 1n, fb, fc])).toEqual({
      name: "Registry__InvalidAggregation",
      args: [1n, 202611n],
    });
    // a proof over another acceptance order proves another acc than the registry's
    expect(await agg(wrongOrder)).toEqual({ name: "Registry__InvalidAggregation", args: [1n, 202611n] });
    // a proof whose commitments were opened in another key's context
    expect(await agg(wrongKey)).toEqual({ name: "Registry__InvalidAggregation", args: [1n, 202611n] });
    // the batch's context naming another root is no batch
    expect(await agg(good, good.figures, [good.chunk[0]! + 1n, ...good.chunk.slice(1)])).toEqual({
      name: "Registry__NoChunkBatch",
      args: [1n, 202611n],
    });
    // the aggregation proof through the chunk verifier's id: a verifier of another kind
    expect(await agg(good, good.figures, good.chunk, CHUNK_INSTANCE)).toEqual({
      name: "Registry__WrongVerifierKind",
      args: [circuitId(CHUNK_INSTANCE), 1n, 1n, 2n],
    });

    const r = await submitAggregation(relay, AGG_INSTANCE, 1, good.proof, good.chunk, good.figures);
    const recorded = r.logs
      .map((l) => registry.interface.parseLog(l))
      .find((e) => e?.name === "AttestationRecorded");
    expect(recorded?.args.loanCount).toBe(20n);
    // the pool's figures: the model's over all loans at once
    const model = aggregateFigures(
      splitChunks(tape.loans, CHUNK).map((loans) => chunkFigures(loans, TEST_POLICY)),
      TEST_POLICY,
    );
    const packed = packFigures(model);
    expect(good.figures).toEqual([packed.figA, packed.figB, packed.figC]);
    const a = await readAttestation(registry, 1n);
    expect(a?.period).toBe(202611n);
    expect(a?.chunkCount).toBe(3n);
    expect(a?.policyHash).toBe(pHash);
    const w = (await registry.getFunction("attestationFigures")(1n)) as {
      figA: bigint;
      figB: bigint;
      figC: bigint;
    };
    expect([w.figA, w.figB, w.figC]).toEqual(good.figures);
    expect(await registry.getFunction("isEligible")(1n, pHash)).toBe(model.breaches === 0);
    expect((await registry.getFunction("committedBatch")(1n))[0]).toBe(false);
    // a second aggregation (the same calldata) is refused
    expect(await agg(good)).toEqual({
      name: "Registry__PeriodNotAfterLast",
      args: [1n, 202611n, 202611n],
    });
  });
});
