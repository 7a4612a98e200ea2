/**
 * Issue 12, the registry's side: strict period and asOfDate order, key rotation by day across pools,
 * replaceable chunk batches (newer tape, rotated or revoked key, retired verifier), on-curve keys, chain ids
 * never truncated, and the committed loan count recorded per attestation and kept in the pool's history
 * ring. Each check has its failing twin: the attack, refused with the custom error and its values. Proofs come
 * from the stand-in verifier (test/contracts/helpers.ts), which can carry any loan count.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { deployContract, deployVerifier } from "../../deploy/index.ts";
import { domainWord } from "../../prover/commitment/keys.ts";
import { packDomain } from "../../sdk/index.ts";
import {
  DAY,
  babyKey,
  keyHashIn,
  makeWorld,
  revertOf,
  solidityProof,
  terminateCurves,
  type World,
} from "./helpers.ts";
import type { ProofWithSignals } from "./fixtures/stand-in.ts";

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

function submitVia(w: World, p: ProofWithSignals, version: number): Promise<unknown> {
  const r = w.registry.connect(w.others[0]!) as Contract;
  return r
    .getFunction("submitAttestation")(w.circuitId, version, solidityProof(p.proof), p.publicSignals)
    .then((tx: { wait(): Promise<unknown> }) => tx.wait());
}

async function status(w: World, poolId: bigint, period: bigint): Promise<bigint[]> {
  return [...(await w.registry.getFunction("chunkStatus")(poolId, period))] as bigint[];
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

describe("AttestationRegistry: chunk batches can be abandoned and replaced", () => {
  it("a conflicting chunk is refused, a newer tape of the same period replaces the batch", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const today = await w.today();
    const chunk = (index: bigint, root: bigint, asOfDate: bigint) =>
      w.attest({ poolId: 2n, period: 1n, chunkIndex: index, chunkCount: 2n, root, asOfDate });
    await w.submit(await chunk(0n, 11n, today - 1n));
    const conflict = await revertOf(w.submit(await chunk(1n, 12n, today - 1n)), reg);
    expect(conflict).toEqual({ name: "Registry__ChunkMismatch", args: [2n, 1n, 1n] });
    const receipt = (await w.submit(await chunk(1n, 12n, today))) as {
      logs: { topics: string[]; data: string }[];
    };
    const ev = receipt.logs
      .map((l) => reg.interface.parseLog(l))
      .find((l) => l?.name === "ChunkBatchReplaced");
    expect([...ev!.args]).toEqual([2n, 1n, 1n]);
    expect(await status(w, 2n, 1n)).toEqual([2n, 1n, 2n]); // only the new tape's chunk 1 counts
    await w.submit(await chunk(0n, 12n, today));
    const [root] = (await reg.getFunction("attestedRoot")(2n)) as [bigint];
    expect(root).toBe(12n);
  });

  it("a batch stranded by a key rotation is replaced by the new key's chunks", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    const today = await w.today();
    const chunk = (index: bigint, keyHash?: bigint) =>
      w.attest({
        poolId: 3n,
        period: 1n,
        chunkIndex: index,
        chunkCount: 2n,
        root: 5n,
        asOfDate: today,
        keyHash,
      });
    await w.submit(await chunk(0n));
    const next = await rotate(w, 5151n, today + 1n);
    await w.increaseTime(DAY);
    const old = await revertOf(w.submit(await chunk(1n)), reg);
    expect(old).toEqual({ name: "Registry__KeyNotValidOn", args: [w.key.keyHash, today + 1n, 1n, today] });
    await w.submit(await chunk(1n, next)); // same tape and date, new key: replaces the stranded batch
    expect(await status(w, 3n, 1n)).toEqual([2n, 1n, 2n]);
    await w.submit(await chunk(0n, next));
    expect((await reg.getFunction("attestation")(3n)).period).toBe(1n);
  });

  it("a retired verifier's chunks stop counting, even when its successor has the same circuit name", async () => {
    const w = await makeWorld();
    const reg = w.registry;
    await deployVerifier(w.gov, reg, "StandInPoolVerifier", "stand-in-pool", 2);
    const chunk = (index: bigint) =>
      w.attest({ poolId: 2n, period: 1n, chunkIndex: index, chunkCount: 2n, root: 7n });
    await w.submit(await chunk(0n)); // through version 1
    await (await reg.getFunction("retireVerifier")(w.circuitId, 1)).wait();
    const retired = await revertOf(w.submit(await chunk(1n)), reg);
    expect(retired).toEqual({ name: "Registry__VerifierRetired", args: [w.circuitId, 1n] });
    await submitVia(w, await chunk(1n), 2);
    // the version-1 chunk 0 did not complete the batch: it was dropped
    expect((await reg.getFunction("attestation")(2n)).period).toBe(0n);
    expect(await status(w, 2n, 1n)).toEqual([2n, 1n, 2n]);
    await submitVia(w, await chunk(0n), 2);
    expect((await reg.getFunction("attestation")(2n)).period).toBe(1n);
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
      w.attest({ poolId: 2n, period: 1n, chunkIndex: index, chunkCount: 2n, root: 9n, loanCount });
    await w.submit(await chunk(0n, 20n));
    const r = await revertOf(w.submit(await chunk(1n, 12n)), reg);
    expect(r).toEqual({ name: "Registry__ChunkMismatch", args: [2n, 1n, 1n] });
    await w.submit(await chunk(1n, 20n));
    expect((await reg.getFunction("attestation")(2n)).loanCount).toBe(20n);
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
