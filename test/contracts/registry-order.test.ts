/**
 * Issue 12, the registry's side: strict period and asOfDate order, key rotation by day across pools,
 * replaceable chunk batches (newer tape, rotated or revoked key, retired verifier), on-curve keys, chain ids
 * never truncated, and the committed loan count recorded per attestation and kept in the pool's history
 * ring. Each check has its failing twin: the attack, refused with the custom error and its values. Proofs come
 * from the stand-in verifiers (test/contracts/helpers.ts), which can carry any loan count; a pool of several
 * chunks goes through the committed path (submitChunkCommitment, submitAggregation: issue 14).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { TransactionReceipt } from "ethers";
import { circuitId, deployContract } from "../../deploy/index.ts";
import { domainWord } from "../../prover/commitment/keys.ts";
import { packDomain } from "../../sdk/index.ts";
import {
  CHUNK_CIRCUIT,
  DAY,
  KIND_CHUNK_COMMITMENT,
  babyKey,
  keyHashIn,
  makeWorld,
  revertOf,
  terminateCurves,
  type World,
} from "./helpers.ts";
import { STAND_IN_CHUNK_COMMITMENT } from "./fixtures/stand-in.ts";

afterAll(terminateCurves);

const U32_MAX = 2n ** 32n - 1n;

/** Approves a second key for the world's originator, usable from `validFrom` (a day). */
async function rotate(w: World, seed: bigint, validFrom: bigint): Promise<bigint> {
  const k = await babyKey(seed);
  const h = await keyHashIn(k, await w.registry.getAddress(), w.chainId);
  await (await w.asOriginator.getFunction("proposeKey")(k.ax, k.ay, validFrom)).wait();
  await (await w.registry.getFunction("approveKey")(w.originator.address, h)).wait();
  return h;
}

/**
 * The pool's committed batch: open, period, received (bitmask of chunks 0-255: the batches here are small, so
 * the other three words of the set are checked to be 0), seen, count (committedBatch without acc).
 */
async function status(w: World, poolId: bigint): Promise<unknown[]> {
  const [open, period, received, seen, count] = [...(await w.registry.getFunction("committedBatch")(poolId))];
  expect([...(received as bigint[])].slice(1)).toEqual([0n, 0n, 0n]);
  return [open, period, (received as bigint[])[0], seen, count];
}

/** The ChunkBatchReplaced event of a receipt, as (poolId, period, chunksDropped). */
function replaced(w: World, r: TransactionReceipt): unknown[] | undefined {
  const ev = r.logs
    .map((l) => w.registry.interface.parseLog(l))
    .find((l) => l?.name === "ChunkBatchReplaced");
  return ev ? [...ev.args] : undefined;
}

describe("AttestationRegistry: period and date order", () => {
  it("refuses a first period above MAX_FIRST_PERIOD (a proof for 2^32 - 1 bricks nothing), a step above MAX_PERIOD_STEP and a period not after the last", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const brick = await revertOf(w.submit(await w.attest({ poolId: 1n, period: U32_MAX })), reg);
    expect(brick).toEqual({ name: "Registry__PeriodStepTooLarge", args: [1n, U32_MAX, 0n, 2n ** 31n - 1n] });
    await w.submit(await w.attest({ poolId: 1n, period: 202611n }));
    const jump = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 202611n + 10_001n })), reg);
    expect(jump).toEqual({ name: "Registry__PeriodStepTooLarge", args: [1n, 212612n, 202611n, 212611n] });
    const late = await revertOf(w.submit(await w.attest({ poolId: 1n, period: U32_MAX })), reg);
    expect(late).toEqual({ name: "Registry__PeriodStepTooLarge", args: [1n, U32_MAX, 202611n, 212611n] });
    const again = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 202611n })), reg);
    expect(again).toEqual({ name: "Registry__PeriodNotAfterLast", args: [1n, 202611n, 202611n] });
    // the largest step is accepted: the pool goes on
    await w.submit(await w.attest({ poolId: 1n, period: 212611n }));
    expect((await reg.getFunction("attestation")(1n)).period).toBe(212611n);
  });

  it("refuses an asOfDate that is not after the last recorded one, even for a later period", async () => {
    const w = await makeWorld();
    const today = await w.today();
    await w.submit(await w.attest({ poolId: 2n, period: 1n, asOfDate: today - 3n }));
    for (const asOf of [today - 3n, today - 4n]) {
      const r = await revertOf(
        w.submit(await w.attest({ poolId: 2n, period: 2n, asOfDate: asOf })),
        w.registry,
      );
      expect(r).toEqual({ name: "Registry__AsOfNotAfterLast", args: [2n, asOf, today - 3n] });
    }
    await w.submit(await w.attest({ poolId: 2n, period: 2n, asOfDate: today - 2n }));
  });
});

describe("AttestationRegistry: keys rotate by day across pools, revocation ends eligibility", () => {
  it("an old key cannot sign pool 2's period 4 once rotated, while pool 1 is at period 10", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    await w.submit(await w.attest({ poolId: 1n, period: 10n }));
    const today = await w.today();
    const next = await rotate(w, 4242n, today + 1n);
    await w.increaseTime(DAY);
    const r = await revertOf(w.submit(await w.attest({ poolId: 2n, period: 4n })), reg);
    expect(r).toEqual({ name: "Registry__KeyNotValidOn", args: [w.key.keyHash, today + 1n, 1n, today] });
    await w.submit(await w.attest({ poolId: 2n, period: 4n, keyHash: next }));
    // pool 1's attestation under the old (rotated, not revoked) key stays eligible ...
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    // ... until that key is revoked: from then on its recorded attestations are not eligible
    await (await w.asOriginator.getFunction("revokeKey")(w.key.keyHash)).wait();
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(false);
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(true);
  });

  it("refuses a proposed key that is not a point of Baby Jubjub", async () => {
    const w = await makeWorld();
    const k = await babyKey(99n);
    const r = await revertOf(w.asOriginator.getFunction("proposeKey")(k.ax, k.ay + 1n, 1), w.registry);
    expect(r).toEqual({ name: "Registry__NotOnCurve", args: [k.ax, k.ay + 1n] });
    const probe = await deployContract(w.gov, "DomainProbe");
    expect(await probe.getFunction("isOnCurve")(k.ax, k.ay)).toBe(true);
    expect(await probe.getFunction("isOnCurve")(0n, 1n)).toBe(true); // the neutral point
    expect(await probe.getFunction("isOnCurve")(1n, 2n)).toBe(false);
  });
});

describe("AttestationRegistry: committed chunk batches can be abandoned and replaced", () => {
  it("a conflicting chunk is refused, a newer tape of the same period replaces the batch", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const today = await w.today();
    const chunk = (index: bigint, root: bigint, asOfDate: bigint) =>
      w.commitChunk({ poolId: 2n, period: 1n, chunkIndex: index, chunkCount: 2n, root, asOfDate });
    const first = await w.submitChunk(await chunk(0n, 11n, today - 1n));
    expect(replaced(w, first)).toBeUndefined();
    const conflict = await revertOf(w.submitChunk(await chunk(1n, 12n, today - 1n)), reg);
    expect(conflict).toEqual({ name: "Registry__ChunkMismatch", args: [2n, 1n, 1n] });
    const newer = await chunk(1n, 12n, today);
    const receipt = await w.submitChunk(newer);
    expect(replaced(w, receipt)).toEqual([2n, 1n, 1n]);
    expect(await status(w, 2n)).toEqual([true, 1n, 2n, 1n, 2n]); // only the new tape's chunk 1 counts
    await w.submitChunk(await chunk(0n, 12n, today));
    await w.submitAggregation(await w.proveAggregation({ poolId: 2n }), newer);
    const [root] = (await reg.getFunction("attestedRoot")(2n)) as [bigint];
    expect(root).toBe(12n);
  });

  it("a batch stranded by a key rotation is replaced by the new key's chunks", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const today = await w.today();
    const chunk = (index: bigint, keyHash?: bigint) =>
      w.commitChunk({
        poolId: 3n,
        period: 1n,
        chunkIndex: index,
        chunkCount: 2n,
        root: 5n,
        asOfDate: today,
        keyHash,
      });
    const stranded = await chunk(0n);
    await w.submitChunk(stranded);
    const next = await rotate(w, 5151n, today + 1n);
    await w.increaseTime(DAY);
    // the old key opens no batch any more ...
    const opening = await w.commitChunk({ poolId: 2n, period: 1n, chunkIndex: 0n, chunkCount: 2n, root: 5n });
    expect(await revertOf(w.submitChunk(opening), reg)).toEqual({
      name: "Registry__KeyNotValidOn",
      args: [w.key.keyHash, today + 1n, 1n, today],
    });
    // ... a later chunk of its open batch still joins it (the binding fixes the key; what time changes is the
    // aggregation's to check), but the batch, complete, cannot be aggregated: it is stranded
    await w.submitChunk(await chunk(1n));
    expect(await status(w, 3n)).toEqual([true, 1n, 3n, 2n, 2n]);
    expect(
      await revertOf(w.submitAggregation(await w.proveAggregation({ poolId: 3n }), stranded), reg),
    ).toEqual({ name: "Registry__KeyNotValidOn", args: [w.key.keyHash, today + 1n, 1n, today] });
    const renewed = await chunk(1n, next);
    const receipt = await w.submitChunk(renewed); // same tape and date, new key: replaces the stranded batch
    expect(replaced(w, receipt)).toEqual([3n, 1n, 2n]);
    expect(await status(w, 3n)).toEqual([true, 1n, 2n, 1n, 2n]);
    await w.submitChunk(await chunk(0n, next));
    await w.submitAggregation(await w.proveAggregation({ poolId: 3n }), renewed);
    expect((await reg.getFunction("attestation")(3n)).period).toBe(1n);
  });

  it("a retired verifier's chunks stop counting, even when its successor has the same circuit name", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const chunk = (poolId: bigint, index: bigint) =>
      w.commitChunk({ poolId, period: 1n, chunkIndex: index, chunkCount: 2n, root: 7n });
    // pool 3: complete through version 1; pool 2: one chunk through version 1
    const complete = await chunk(3n, 0n);
    await w.submitChunk(complete);
    await w.submitChunk(await chunk(3n, 1n));
    await w.submitChunk(await chunk(2n, 0n));
    const successor = await deployContract(w.gov, STAND_IN_CHUNK_COMMITMENT.contract);
    await (
      await reg.getFunction("addVerifierOfKind")(
        circuitId(CHUNK_CIRCUIT),
        2,
        await successor.getAddress(),
        KIND_CHUNK_COMMITMENT,
      )
    ).wait();
    await (await reg.getFunction("retireVerifier")(circuitId(CHUNK_CIRCUIT), 1)).wait();
    const retired = await revertOf(w.submitChunk(await chunk(2n, 1n)), reg);
    expect(retired).toEqual({ name: "Registry__VerifierRetired", args: [circuitId(CHUNK_CIRCUIT), 1n] });
    // pool 3's chunks, all in, cannot be aggregated: they were accepted by the retired version
    expect(
      await revertOf(w.submitAggregation(await w.proveAggregation({ poolId: 3n }), complete), reg),
    ).toEqual({ name: "Registry__VerifierRetired", args: [circuitId(CHUNK_CIRCUIT), 1n] });
    // pool 2: the version-1 chunk 0 does not complete the version-2 batch: it was dropped
    const v2 = await chunk(2n, 1n);
    const receipt = await w.submitChunk(v2, { version: 2 });
    expect(replaced(w, receipt)).toEqual([2n, 1n, 1n]);
    expect(await status(w, 2n)).toEqual([true, 1n, 2n, 1n, 2n]);
    expect(await revertOf(w.submitAggregation(await w.proveAggregation({ poolId: 2n }), v2), reg)).toEqual({
      name: "Registry__ChunksMissing",
      args: [2n, 1n, 1n, 2n],
    });
    await w.submitChunk(await chunk(2n, 0n), { version: 2 });
    await w.submitAggregation(await w.proveAggregation({ poolId: 2n }), v2);
    expect((await reg.getFunction("attestation")(2n)).period).toBe(1n);
    expect((await reg.getFunction("attestation")(3n)).period).toBe(0n);
  });
});

describe("AttestationRegistry: the committed loan count", () => {
  it("is recorded and exposed per attestation; every chunk of a batch must carry the same count", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const receipt = (await w.submit(await w.attest({ poolId: 1n, period: 1n, loanCount: 37n }))) as {
      logs: { topics: string[]; data: string }[];
    };
    const ev = receipt.logs
      .map((l) => reg.interface.parseLog(l))
      .find((l) => l?.name === "AttestationRecorded");
    expect(ev?.args.loanCount).toBe(37n);
    expect((await reg.getFunction("attestation")(1n)).loanCount).toBe(37n);
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 1n))]).toEqual([true, 37n]);
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 2n))]).toEqual([false, 0n]);
    const chunk = (index: bigint, loanCount: bigint) =>
      w.commitChunk({ poolId: 2n, period: 1n, chunkIndex: index, chunkCount: 2n, root: 9n, loanCount });
    const c0 = await chunk(0n, 20n);
    await w.submitChunk(c0);
    const r = await revertOf(w.submitChunk(await chunk(1n, 12n)), reg);
    expect(r).toEqual({ name: "Registry__ChunkMismatch", args: [2n, 1n, 1n] });
    await w.submitChunk(await chunk(1n, 20n));
    await w.submitAggregation(await w.proveAggregation({ poolId: 2n }), c0);
    expect((await reg.getFunction("attestation")(2n)).loanCount).toBe(20n);
    expect([...(await reg.getFunction("recordedLoanCount")(2n, 1n))]).toEqual([true, 20n]);
  });

  it("stays readable for past periods for historyLength attestations, at least AUDIT_WINDOW_DAYS after recording", async () => {
    const w = await makeWorld(DAY); // maxAge one day: history of 1 + 1 + 14 = 16 attestations
    const reg = w.registry;
    const length = (await reg.getFunction("historyLength")()) as bigint;
    expect(length).toBe(16n);
    for (let period = 1n; period <= length; period++)
      await w.submit(await w.attest({ poolId: 1n, period, loanCount: 100n + period }));
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 1n))]).toEqual([true, 101n]);
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 9n))]).toEqual([true, 109n]);
    await w.submit(await w.attest({ poolId: 1n, period: length + 1n, loanCount: 7n }));
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 1n))]).toEqual([false, 0n]);
    expect([...(await reg.getFunction("recordedLoanCount")(1n, 2n))]).toEqual([true, 102n]);
    expect([...(await reg.getFunction("recordedLoanCount")(1n, length + 1n))]).toEqual([true, 7n]);
  });
});

describe("chain ids are never truncated", () => {
  it("packs chain ids above 2^64 whole and refuses those above 2^93 - 1 (Solidity, SDK and prover agree)", async () => {
    const w = await makeWorld();
    const probe = await deployContract(w.gov, "DomainProbe");
    const registry = await w.registry.getAddress();
    const big = 2n ** 64n + 5n;
    const expected = BigInt(registry) | (big << 160n);
    expect(await probe.getFunction("domain")(registry, big)).toBe(expected);
    expect(packDomain(registry, big)).toBe(expected);
    expect(domainWord(registry, big)).toBe(expected);
    const max = 2n ** 93n - 1n;
    expect(await probe.getFunction("domain")(registry, max)).toBe(BigInt(registry) | (max << 160n));
    const r = await revertOf(probe.getFunction("domain")(registry, max + 1n), probe);
    expect(r).toEqual({ name: "Codec__ChainIdTooLarge", args: [max + 1n, max] });
    expect(() => packDomain(registry, max + 1n)).toThrow(/chainId/);
    expect(() => domainWord(registry, max + 1n)).toThrow(/chainId/);
  });
});
