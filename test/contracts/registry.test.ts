import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, type TransactionReceipt } from "ethers";
import { circuitId, deployContract, deployRegistry } from "../../deploy/index.ts";
import { packFigures, readAttestation, submitAttestation } from "../../sdk/index.ts";
import {
  CHUNK_CIRCUIT,
  DAY,
  KIND_CHUNK_COMMITMENT,
  POLICY,
  babyKey,
  healthyFigures,
  keyHashIn,
  makeWorld,
  poseidon,
  revertOf,
  solidityProof,
  terminateCurves,
  type World,
} from "./helpers.ts";

let w: World;
let reg: Contract;

beforeAll(async () => {
  w = await makeWorld();
  reg = w.registry;
});
afterAll(terminateCurves);

describe("AttestationRegistry: accepted attestations", () => {
  it("records a single-chunk attestation with its figures, and refuses its replay", async () => {
    const figures = healthyFigures();
    const p = await w.attest({ poolId: 1n, period: 1n, figures });
    const receipt = (await w.submit(p)) as { logs: { topics: string[]; data: string }[]; gasUsed: bigint };
    const ev = receipt.logs
      .map((l) => reg.interface.parseLog(l))
      .find((l) => l?.name === "AttestationRecorded");
    expect(ev?.args.poolId).toBe(1n);
    const a = await readAttestation(reg, 1n);
    expect(a?.period).toBe(1n);
    expect(a?.policyHash).toBe(w.policyHash);
    expect(a?.figures).toEqual(figures);
    expect(await readAttestation(reg, 2n)).toBeUndefined();
    // the tape root is kept for companion proofs (provider-backed scores) about the same tape
    const [root, period] = (await reg.getFunction("attestedRoot")(1n)) as [bigint, bigint];
    expect(root).toBe(BigInt(p.publicSignals[0] as string | bigint));
    expect(period).toBe(1n);
    expect(await reg.getFunction("attestedRoot")(2n)).toEqual([0n, 0n]);
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    expect(await reg.getFunction("isEligible")(1n, w.policyHash + 1n)).toBe(false);
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
    // another contract reads eligibility within 11k gas (cold account and three slots: the pool header, the
    // policy, the key's revocation word; 10k before revocation ended eligibility, issue 12)
    const probe = await deployContract(w.gov, "EligibilityProbe");
    const pr = (await (
      await probe.getFunction("probe")(await reg.getAddress(), 1n, w.policyHash)
    ).wait()) as TransactionReceipt;
    const measured = pr!.logs
      .map((l) => probe.interface.parseLog(l))
      .find((l) => l?.name === "EligibilityMeasured");
    expect(measured?.args.eligible).toBe(true);
    expect(measured?.args.gasUsed).toBeLessThanOrEqual(11_000n);
    // same proof again: period not after last
    const r = await revertOf(w.submit(p), reg);
    expect(r.name).toBe("Registry__PeriodNotAfterLast");
    expect(r.args).toEqual([1n, 1n, 1n]);
    // an older period is refused too, a later one is accepted
    await w.submit(await w.attest({ poolId: 1n, period: 3n, figures }));
    expect((await revertOf(w.submit(await w.attest({ poolId: 1n, period: 2n })), reg)).name).toBe(
      "Registry__PeriodNotAfterLast",
    );
  });

  it("marks a pool reporting a breach as not eligible", async () => {
    // submitted through the SDK client, by a relayer: anyone may submit an originator's proof
    const p = await w.attest({
      poolId: 2n,
      period: 1n,
      figures: healthyFigures(10n ** 10n, { breaches: 1n }),
    });
    await submitAttestation(
      reg.connect(w.others[5]!) as Contract,
      "stand-in-pool",
      1,
      p.proof,
      p.publicSignals,
    );
    expect(await reg.getFunction("isFresh")(2n)).toBe(true);
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
  });

  it("refuses a plain proof of a pool of several chunks, valid or not, before any check or state change", async () => {
    // issue 14: a plain PoolAttestation proof publishes its chunk's figures, so only a pool of one chunk may
    // submit one; each of these is a valid stand-in proof (the verifier alone accepts it)
    const { verifier } = (await reg.getFunction("verifierRecord")(w.circuitId, 1)) as { verifier: string };
    const asVerifier = new Contract(
      verifier,
      ["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7]) view returns (bool)"],
      w.ethers.provider,
    );
    const before = await reg.getFunction("attestation")(3n);
    for (const [chunkIndex, chunkCount] of [
      [0n, 2n],
      [1n, 2n],
      [2n, 3n],
      [255n, 256n],
      [0n, 0n],
    ] as const) {
      const p = await w.attest({ poolId: 3n, period: 1n, chunkIndex, chunkCount });
      const sp = solidityProof(p.proof);
      expect(await asVerifier.getFunction("verifyProof")(sp.a, sp.b, sp.c, p.publicSignals)).toBe(true);
      expect(await revertOf(w.submit(p), reg)).toEqual({
        name: "Registry__ChunkedPlainAttestation",
        args: [chunkCount],
      });
    }
    // checked first: before the proof (a tampered one gets the same refusal, not InvalidProof) and before the
    // context (an unknown pool too, not UnknownPool)
    const p = await w.attest({ poolId: 3n, period: 1n, chunkIndex: 0n, chunkCount: 2n });
    const tampered = { ...p, proof: { ...p.proof, pi_c: [p.proof.pi_a[0]!, p.proof.pi_a[1]!, "1"] } };
    expect((await revertOf(w.submit(tampered), reg)).name).toBe("Registry__ChunkedPlainAttestation");
    const unknown = await w.attest({ poolId: 9n, period: 1n, chunkIndex: 0n, chunkCount: 2n });
    expect((await revertOf(w.submit(unknown), reg)).name).toBe("Registry__ChunkedPlainAttestation");
    // nothing changed: no attestation, no batch, and the pool's one-chunk proof of the same period goes through
    expect(await reg.getFunction("attestation")(3n)).toEqual(before);
    expect((await reg.getFunction("committedBatch")(3n))[0]).toBe(false);
    const one = await w.attest({ poolId: 3n, period: 1n, figures: healthyFigures(5_400_000_000n) });
    await w.submit(one);
    const a = await readAttestation(reg, 3n);
    expect([a?.period, a?.chunkCount]).toEqual([1n, 1n]);
    expect(a?.figures).toEqual(healthyFigures(5_400_000_000n));
  });

  it("binds a pool's committed chunks to one chunk count and one circuit instance, each index below the count", async () => {
    // any order, replays, another root or policy and the aggregation's refusals: committed-chunks.test.ts
    // (real proofs); here what it does not cover, with the stand-in circuits
    const ctx = { poolId: 3n, period: 2n, chunkCount: 3n, root: 777n };
    const c0 = await w.commitChunk({ ...ctx, chunkIndex: 0n });
    const r0 = await w.submitChunk(c0);
    const ev = r0.logs.map((l) => reg.interface.parseLog(l)).find((e) => e?.name === "ChunkCommitted");
    expect([...ev!.args]).toEqual([3n, 2n, 0n, BigInt(c0.publicSignals[4]!)]);
    const batch = await reg.getFunction("committedBatch")(3n);
    expect([...batch].slice(0, 5).map((x) => (Array.isArray(x) ? [...x] : x))).toEqual([
      true,
      2n,
      [1n, 0n, 0n, 0n],
      1n,
      3n,
    ]);
    // acc_1 = figCommit_1: the chunk that opens the batch starts the chain unhashed, as the circuit does
    expect(batch[5]).toBe(BigInt(c0.publicSignals[4]!));
    // the same tape said to be in 4 chunks: another pool word
    const count4 = await w.commitChunk({ ...ctx, chunkCount: 4n, chunkIndex: 1n });
    expect(await revertOf(w.submitChunk(count4), reg)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [3n, 2n, 1n],
    });
    // the same chunk through another chunk-commitment instance (another chunk size: chunk 1 covers other loans)
    const v = (await reg.getFunction("verifierRecord")(circuitId(CHUNK_CIRCUIT), 1)) as { verifier: string };
    await (
      await reg.getFunction("addVerifierOfKind")(
        circuitId("another-chunk-instance"),
        1,
        v.verifier,
        KIND_CHUNK_COMMITMENT,
      )
    ).wait();
    const c1 = await w.commitChunk({ ...ctx, chunkIndex: 1n });
    expect(await revertOf(w.submitChunk(c1, { circuit: "another-chunk-instance" }), reg)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [3n, 2n, 1n],
    });
    // an index at the count
    const past = await w.commitChunk({ ...ctx, chunkIndex: 3n });
    expect(await revertOf(w.submitChunk(past), reg)).toEqual({
      name: "Registry__BadChunk",
      args: [3n, 3n],
    });
    // the refusals changed nothing: the batch completes with its own chunks and is recorded
    expect(await reg.getFunction("committedBatch")(3n)).toEqual(batch);
    await w.submitChunk(c1);
    const c2 = await w.commitChunk({ ...ctx, chunkIndex: 2n });
    await w.submitChunk(c2);
    // every later chunk is chained: acc_3 = Poseidon(Poseidon(figCommit_1, figCommit_2), figCommit_3)
    const h = (await poseidon()).hash;
    const [f0, f1, f2] = [c0, c1, c2].map((c) => BigInt(c.publicSignals[4]!));
    expect((await reg.getFunction("committedBatch")(3n))[5]).toBe(h([h([f0!, f1!]), f2!]));
    const figures = healthyFigures(5_400_000_000n, { breaches: 1n });
    await w.submitAggregation(await w.proveAggregation({ poolId: 3n, figures }), c0);
    const a = await readAttestation(reg, 3n);
    expect([a?.period, a?.chunkCount]).toEqual([2n, 3n]);
    expect(a?.figures).toEqual(figures);
  });
});

describe("AttestationRegistry: refusals, each before state changes", () => {
  it("refuses a pool aggregation whose figure words overflow their packing, leaving the batch open", async () => {
    // the aggregation circuit proves every pool total within its field; the registry refuses figure words wider
    // than their packing (a field element can be), before the proof and before the batch is closed
    const ctx = { poolId: 2n, period: 4n, chunkCount: 2n, root: 9n };
    const c0 = await w.commitChunk({ ...ctx, chunkIndex: 0n });
    await w.submitChunk(c0);
    await w.submitChunk(await w.commitChunk({ ...ctx, chunkIndex: 1n }));
    const [figA, figB, figC] = packFigures(healthyFigures());
    for (const [index, words] of [
      [4n, [1n << 248n, figB, figC]],
      [5n, [figA, (1n << 248n) | figB, figC]],
      [6n, [figA, figB, 1n << 170n]],
    ] as const) {
      const p = await w.proveAggregation({ poolId: 2n, words });
      expect(await revertOf(w.submitAggregation(p, c0), reg)).toEqual({
        name: "Registry__MalformedSignal",
        args: [index, words[Number(index) - 4]],
      });
    }
    const batch = await reg.getFunction("committedBatch")(2n);
    expect([...batch].slice(0, 5).map((x) => (Array.isArray(x) ? [...x] : x))).toEqual([
      true,
      4n,
      [3n, 0n, 0n, 0n],
      2n,
      2n,
    ]);
    await w.submitAggregation(await w.proveAggregation({ poolId: 2n }), c0);
    expect((await reg.getFunction("attestation")(2n)).period).toBe(4n);
  });

  it("refuses an invalid proof (signals changed after proving, or a tampered point)", async () => {
    const p = await w.attest({ poolId: 2n, period: 5n });
    const changed = { ...p, publicSignals: [...p.publicSignals] };
    changed.publicSignals[5] = String(BigInt(p.publicSignals[5]!) + 1n);
    const r = await revertOf(w.submit(changed), reg);
    expect(r.name).toBe("Registry__InvalidProof");
    expect(r.args).toEqual([2n, 5n, 0n]);
    const tampered = { ...p, proof: { ...p.proof, pi_c: [p.proof.pi_a[0]!, p.proof.pi_a[1]!, "1"] } };
    expect((await revertOf(w.submit(tampered), reg)).name).toBe("Registry__InvalidProof");
    // the genuine proof still goes through: nothing was recorded by the refusals
    await w.submit(p);
  });

  it("refuses an unknown key and another originator's key", async () => {
    const here = await reg.getAddress();
    const unknown = await keyHashIn(await babyKey(99n), here, w.chainId);
    const r = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: unknown })), reg);
    expect(r).toEqual({ name: "Registry__UnknownKey", args: [unknown] });
    const other = w.others[1]!;
    const k2 = await babyKey(555n);
    const k2Hash = await keyHashIn(k2, here, w.chainId);
    const asOther = reg.connect(other) as Contract;
    await (await asOther.getFunction("proposeKey")(k2.ax, k2.ay, 1)).wait();
    // proposed by another account, not approved: unknown to this pool's originator
    const r1 = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: k2Hash })), reg);
    expect(r1).toEqual({ name: "Registry__UnknownKey", args: [k2Hash] });
    await (await reg.getFunction("approveKey")(other.address, k2Hash)).wait();
    const r2 = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: k2Hash })), reg);
    expect(r2).toEqual({
      name: "Registry__KeyNotForOriginator",
      args: [k2Hash, other.address, w.originator.address],
    });
  });

  it("refuses a key the originator proposed but governance has not approved", async () => {
    const k = await babyKey(4343n);
    const h = await keyHashIn(k, await reg.getAddress(), w.chainId);
    await (await w.asOriginator.getFunction("proposeKey")(k.ax, k.ay, 1)).wait();
    expect([...(await reg.getFunction("proposal")(w.originator.address, h))]).toEqual([true, 1n]);
    const r = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: h })), reg);
    expect(r).toEqual({ name: "Registry__KeyNotApproved", args: [h] });
    // approving a proposal nobody made is refused, as is a second approval of an approved key
    const stranger = w.others[4]!.address;
    const none = await revertOf(reg.getFunction("approveKey")(stranger, h), reg);
    expect(none).toEqual({ name: "Registry__NoProposal", args: [stranger, h] });
  });

  it("a key proposed first by another account (front-running) does not block its holder", async () => {
    const squatter = w.others[5]!;
    const holder = w.others[6]!;
    const k = await babyKey(5151n);
    const h = await keyHashIn(k, await reg.getAddress(), w.chainId);
    await (await (reg.connect(squatter) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1)).wait();
    await (await (reg.connect(holder) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1)).wait();
    await (await reg.getFunction("approveKey")(holder.address, h)).wait();
    expect((await reg.getFunction("keyRecord")(h)).originator).toBe(holder.address);
    // the key now belongs to its holder: the squatter's proposal can no longer be approved or renewed
    const late = await revertOf(reg.getFunction("approveKey")(squatter.address, h), reg);
    expect(late).toEqual({ name: "Registry__KeyExists", args: [h] });
    const again = await revertOf(
      (reg.connect(squatter) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1),
      reg,
    );
    expect(again).toEqual({ name: "Registry__KeyExists", args: [h] });
  });

  it("refuses an unregistered policy", async () => {
    const r = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, policyHash: 42n })), reg);
    expect(r).toEqual({ name: "Registry__UnknownPolicy", args: [42n] });
  });

  it("refuses a proof made for another chain or another registry: its key hash is unknown here", async () => {
    const otherChain = await keyHashIn(w.key, await reg.getAddress(), w.chainId + 1n);
    const r1 = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, chainId: w.chainId + 1n })),
      reg,
    );
    expect(r1).toEqual({ name: "Registry__UnknownKey", args: [otherChain] });
    const second = await deployRegistry(w.gov);
    const secondAddress = await second.getAddress();
    // The same originator key, approved in the second registry, has another hash there.
    const secondHash = await keyHashIn(w.key, secondAddress, w.chainId);
    await (
      await (second.connect(w.originator) as Contract).getFunction("proposeKey")(w.key.ax, w.key.ay, 1)
    ).wait();
    await (await second.getFunction("approveKey")(w.originator.address, secondHash)).wait();
    expect((await second.getFunction("keyRecord")(secondHash)).approved).toBe(true);
    const r2 = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, registry: secondAddress })),
      reg,
    );
    expect(r2).toEqual({ name: "Registry__UnknownKey", args: [secondHash] });
  });

  it("computes key hashes on-chain as the prover does, and refuses a public key outside the field", async () => {
    const { registryKeyHash, domainWord } = await import("../../prover/commitment/keys.ts");
    const here = await reg.getAddress();
    for (const seed of [1n, 2n, 987654321n]) {
      const k = await babyKey(seed);
      const onChain = (await reg.getFunction("keyHashOf")(k.ax, k.ay)) as bigint;
      expect(onChain).toBe(await registryKeyHash([k.ax, k.ay], domainWord(here, w.chainId)));
    }
    expect(w.key.keyHash).toBe(await keyHashIn(w.key, here, w.chainId));
    const p = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    const k = await babyKey(4242n);
    const r = await revertOf(w.asOriginator.getFunction("proposeKey")(k.ax + p, k.ay, 1), reg);
    expect(r).toEqual({ name: "Registry__NotFieldElement", args: [k.ax + p, k.ay] });
  });

  it("refuses an unknown pool, an unknown or retired verifier", async () => {
    expect((await revertOf(w.submit(await w.attest({ poolId: 9n, period: 1n })), reg)).name).toBe(
      "Registry__UnknownPool",
    );
    const p = await w.attest({ poolId: 1n, period: 11n });
    const { solidityProof } = await import("./helpers.ts");
    const other = reg.getFunction("submitAttestation")(
      w.circuitId,
      2,
      solidityProof(p.proof),
      p.publicSignals,
    );
    expect((await revertOf(other, reg)).name).toBe("Registry__UnknownVerifier");
  });

  it("refuses a stale period and a future asOfDate, with the offending values", async () => {
    const today = await w.today();
    await (await w.asOriginator.getFunction("registerPool")(4n)).wait(); // a pool with no attestation yet
    const stale = await w.attest({ poolId: 4n, period: 12n, asOfDate: today - 46n });
    const r = await revertOf(w.submit(stale), reg);
    expect(r.name).toBe("Registry__StalePeriod");
    expect(r.args[0]).toBe(today - 46n);
    expect(r.args[1] as bigint).toBeGreaterThan(today - 46n);
    const fresh = await w.attest({ poolId: 4n, period: 12n, asOfDate: today - 44n });
    const future = await w.attest({ poolId: 4n, period: 12n, asOfDate: today + 2n });
    expect((await revertOf(w.submit(future), reg)).name).toBe("Registry__FutureAsOf");
    await w.submit(fresh);
    // ... and the recorded attestation itself goes stale with time
    expect(await reg.getFunction("isFresh")(4n)).toBe(true);
    await w.increaseTime(2n * DAY);
    expect(await reg.getFunction("isFresh")(4n)).toBe(false);
    expect(await reg.getFunction("isEligible")(4n, w.policyHash)).toBe(false);
  });

  it("rotates keys by day across all pools and refuses a revoked key's later attestations", async () => {
    const k3 = { ...(await babyKey(777n)), keyHash: 0n };
    k3.keyHash = await keyHashIn(k3, await reg.getAddress(), w.chainId);
    const today = await w.today();
    await (await w.asOriginator.getFunction("proposeKey")(k3.ax, k3.ay, today + 2n)).wait();
    await (await reg.getFunction("approveKey")(w.originator.address, k3.keyHash)).wait();
    expect((await reg.getFunction("keyRecord")(w.key.keyHash)).validUntil).toBe(today + 1n);
    // before its first day the new key is refused, with the day and its bounds
    const early = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 19n, keyHash: k3.keyHash })),
      reg,
    );
    expect(early).toEqual({
      name: "Registry__KeyNotValidOn",
      args: [k3.keyHash, today, today + 2n, 2n ** 32n - 1n],
    });
    await w.increaseTime(2n * DAY);
    // from then on the old key signs nothing, for any pool, however far behind the pool is
    const old = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 20n })), reg);
    expect(old).toEqual({
      name: "Registry__KeyNotValidOn",
      args: [w.key.keyHash, today + 2n, 1n, today + 1n],
    });
    await w.submit(await w.attest({ poolId: 1n, period: 20n, keyHash: k3.keyHash }));
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    await (await w.asOriginator.getFunction("revokeKey")(k3.keyHash)).wait();
    // the revoked key's recorded attestation stops being eligible from revocation on
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(false);
    const revoked = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 21n, keyHash: k3.keyHash })),
      reg,
    );
    expect(revoked).toEqual({ name: "Registry__KeyRevoked", args: [k3.keyHash] });
    // ... and an originator whose current key is revoked cannot register new pools
    const newPool = await revertOf(w.asOriginator.getFunction("registerPool")(77n), reg);
    expect(newPool).toEqual({ name: "Registry__KeyRevoked", args: [k3.keyHash] });
  });

  it("lets only governance manage verifiers and policies; retired verifiers refuse", async () => {
    const asOther = reg.connect(w.others[2]!) as Contract;
    const r = await revertOf(asOther.getFunction("retireVerifier")(w.circuitId, 1), reg);
    expect(r.name).toBe("OwnableUnauthorizedAccount");
    await (await reg.getFunction("retireVerifier")(w.circuitId, 1)).wait();
    const p = await w.attest({ poolId: 2n, period: 30n });
    expect((await revertOf(w.submit(p), reg)).name).toBe("Registry__VerifierRetired");
    expect((await revertOf(reg.getFunction("registerPolicy")(w.policyHash, POLICY), reg)).name).toBe(
      "Registry__PolicyExists",
    );
  });
});
