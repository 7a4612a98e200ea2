/**
 * Every refusal of the attestation registry and the tranche vault, exercised with real proofs: each proof
 * here is made by the prover (`attestPool`, instance pool-attestation-8) from a synthetic tape and checked by
 * the build's generated verifier (PoolAttestation8Verifier) on Hardhat's in-process network (issue #4).
 * registry.test.ts and vault*.test.ts cover the same paths more finely with the stand-in circuit, whose
 * public signals are free; here the public signals are whatever the real circuit proves from a tape, so these
 * tests show that the refusals hold for the proofs originators will actually submit: a proof that would pass
 * the verifier (checked by calling it directly) is still refused for the binding it breaks.
 *
 * The tests share one world and one originator key and run in order (pool 1's periods advance from test to
 * test; the key is revoked and the clock advanced past maxAge only at the end), about 14 proofs in all.
 * Skipped with a warning when pool-attestation-8 is not built (`npm run build -- --use test`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZeroAddress, type Contract } from "ethers";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash, type Policy } from "../../prover/policy/index.ts";
import { LoanStatus, type LoanTape } from "../../prover/tape/schema.ts";
import type { Attestation, ChunkProof } from "../../prover/attest.ts";
import {
  deployRegistry,
  deployVerifier,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
import { readAttestation } from "../../sdk/index.ts";
import {
  modelParamsFromConfig,
  poolValue,
  redeemValue,
  subordinationOk,
  type Triple,
} from "../../sdk/index.ts";
import { DAY, keyHashIn, revertOf, terminateCurves } from "./helpers.ts";

import {
  POOL_INSTANCE,
  POOL_VERIFIER,
  USD,
  asPoolFigures,
  makePoolWorld,
  poolInstanceBuilt,
  poolTape,
  type PoolWorld,
} from "./pool-world.ts";

const BUILT = poolInstanceBuilt();
if (!BUILT) console.warn(`${POOL_INSTANCE} is not built: skipping the real-proof refusal tests`);

/** The BN254 base field modulus (coordinates of the proof's points). */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
const only = (a: Attestation): ChunkProof => {
  expect(a.chunks).toHaveLength(1);
  return a.chunks[0]!;
};

describe.skipIf(!BUILT)(`registry and vault refusals with real ${POOL_INSTANCE} proofs`, () => {
  let w: PoolWorld;
  let reg: Contract;
  let vault: Contract;
  let today: number;
  /** Pool 1, period 2, as of two days ago: the tape of the cases refused for their binding (key, policy,
   * domain). Pool 1's periods are dated today - 3, - 2, - 1 and today: asOfDate increases with every period. */
  let tapeP2: LoanTape;
  /** Pool 2's two-chunk attestation (recorded in the chunked test, goes stale in the last one). */
  let chunked: Attestation;

  beforeAll(async () => {
    w = await makePoolWorld();
    reg = w.registry;
    vault = w.vault;
    today = await w.today();
    tapeP2 = poolTape({ seed: 2, loans: 8, poolId: 1n, period: 2, asOfDate: today - 2 });
  });
  afterAll(async () => {
    await w?.close();
    await terminateCurves();
  });

  it("invalid proof: a changed public signal or a corrupted point is refused as Registry__InvalidProof; the untouched proof is recorded once, then refused as a replay", async () => {
    const tape = poolTape({ seed: 1, loans: 8, poolId: 1n, period: 1, asOfDate: today - 3 });
    const att = await w.prove(tape);
    const c = only(att);
    const invalid = { name: "Registry__InvalidProof", args: [1n, 1n, 0n] };
    for (const index of [0, 4, 6]) {
      // root, figA, figC: each still passes every binding check, only the verifier can tell
      const signals = [...c.publicSignals];
      signals[index] = String(BigInt(signals[index]!) + 1n);
      const changed = { ...c, publicSignals: signals };
      expect(await w.verifies(changed)).toBe(false);
      expect(await revertOf(w.submit(changed), reg)).toEqual(invalid);
    }
    const [ax, ay] = c.proof.pi_a as [string, string, string];
    const [cx, cy] = c.proof.pi_c as [string, string, string];
    // A off the curve (the pairing precompile fails), and -C (on the curve, but not this proof's C)
    const offCurve = { ...c, proof: { ...c.proof, pi_a: [ax, String(BigInt(ay) + 1n), "1"] } };
    const negated = { ...c, proof: { ...c.proof, pi_c: [cx, String(Q - BigInt(cy)), "1"] } };
    for (const bad of [offCurve, negated]) expect(await revertOf(w.submit(bad), reg)).toEqual(invalid);

    expect(await w.verifies(c)).toBe(true);
    await w.submit(c);
    const rec = await readAttestation(reg, 1n);
    expect(rec?.period).toBe(1n);
    expect(rec?.asOfDate).toBe(BigInt(today - 3));
    expect(rec?.policyHash).toBe(w.policyHash);
    expect(rec?.figures).toEqual(asPoolFigures(att.figures));
    expect(att.figures.breaches).toBe(0);
    expect(await reg.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    // the same proof again: its period is not after the recorded one
    expect(await revertOf(w.submit(c), reg)).toEqual({
      name: "Registry__PeriodNotAfterLast",
      args: [1n, 1n, 1n],
    });
  });

  it("unknown key: a valid proof signed by a key never proposed is refused as Registry__UnknownKey with its hash", async () => {
    const stranger = await generateOriginatorKey();
    const c = only(await w.prove(tapeP2, { key: stranger }));
    // the hash this registry would give the key, computed on-chain, is the proof's keyHash signal
    const h = (await reg.getFunction("keyHashOf")(...stranger.publicKey)) as bigint;
    expect(BigInt(c.publicSignals[3]!)).toBe(h);
    expect((await reg.getFunction("keyRecord")(h)).originator).toBe(ZeroAddress);
    expect(await w.verifies(c)).toBe(true);
    expect(await revertOf(w.submit(c), reg)).toEqual({ name: "Registry__UnknownKey", args: [h] });
  });

  it("unregistered policy: a valid proof under a policy never registered is refused as Registry__UnknownPolicy", async () => {
    const other: Policy = { ...w.policy, minCreditScore: 500 };
    const h = await policyHash(other);
    expect(h).not.toBe(w.policyHash);
    const c = only(await w.prove(tapeP2, { policy: other }));
    expect(BigInt(c.publicSignals[2]!)).toBe(h);
    expect(await w.verifies(c)).toBe(true);
    expect(await revertOf(w.submit(c), reg)).toEqual({ name: "Registry__UnknownPolicy", args: [h] });
    expect((await readAttestation(reg, 1n))?.period).toBe(1n);
  });

  it("other chain or other registry: the proof's key hash binds its domain, so it is refused as Registry__UnknownKey with that domain's hash", async () => {
    const pub = { ax: w.key.publicKey[0], ay: w.key.publicKey[1] };
    // made for chain id + 1 (same registry address)
    const otherChain = await w.prove(tapeP2, { chainId: w.chainId + 1n });
    const hChain = await keyHashIn(pub, w.registryAddress, w.chainId + 1n);
    expect(otherChain.keyHash).toBe(hChain);
    expect(hChain).not.toBe(w.keyHash);
    expect(await w.verifies(only(otherChain))).toBe(true);
    expect(await revertOf(w.submit(only(otherChain)), reg)).toEqual({
      name: "Registry__UnknownKey",
      args: [hChain],
    });

    // made for a second registry on this chain, where the same key and pool are registered: accepted there
    const second = await deployRegistry(w.gov, { maxAgeSeconds: w.config.maxAge });
    await deployVerifier(w.gov, second, POOL_VERIFIER, POOL_INSTANCE);
    await registerPolicy(second, w.policyHash, policyParamsInput(w.policy));
    const hSecond = await onboardOriginator(
      second,
      second.connect(w.originator) as Contract,
      { ...pub, validFrom: 1 },
      [1n],
    );
    const secondAddress = await second.getAddress();
    expect(hSecond).toBe(await keyHashIn(pub, secondAddress, w.chainId));
    const otherRegistry = await w.prove(tapeP2, { registry: secondAddress });
    expect(otherRegistry.keyHash).toBe(hSecond);
    expect(await revertOf(w.submit(only(otherRegistry)), reg)).toEqual({
      name: "Registry__UnknownKey",
      args: [hSecond],
    });
    await w.submit(only(otherRegistry), second);
    expect((await readAttestation(second, 1n))?.period).toBe(2n);
    expect((await readAttestation(reg, 1n))?.period).toBe(1n);
  });

  it("replayed period: an earlier period after a later one is refused as Registry__PeriodNotAfterLast", async () => {
    const p2 = only(await w.prove(tapeP2));
    const p3 = only(
      await w.prove(poolTape({ seed: 3, loans: 8, poolId: 1n, period: 3, asOfDate: today - 1 })),
    );
    await w.submit(p3);
    expect((await readAttestation(reg, 1n))?.period).toBe(3n);
    expect(await w.verifies(p2)).toBe(true);
    expect(await revertOf(w.submit(p2), reg)).toEqual({
      name: "Registry__PeriodNotAfterLast",
      args: [1n, 2n, 3n],
    });
  });

  it("stale or future period: an asOfDate older than maxAge is refused as Registry__StalePeriod, a future one as Registry__FutureAsOf", async () => {
    const maxAgeDays = Number(w.config.maxAge / DAY);
    const staleDay = today - maxAgeDays - 1;
    const stale = only(
      await w.prove(poolTape({ seed: 4, loans: 8, poolId: 1n, period: 4, asOfDate: staleDay })),
    );
    const now = await w.now();
    const minAllowed = (now - w.config.maxAge + DAY - 1n) / DAY;
    expect(await w.verifies(stale)).toBe(true);
    expect(await revertOf(w.submit(stale), reg)).toEqual({
      name: "Registry__StalePeriod",
      args: [BigInt(staleDay), minAllowed],
    });
    const future = only(
      await w.prove(poolTape({ seed: 5, loans: 8, poolId: 1n, period: 4, asOfDate: today + 1 })),
    );
    expect(await w.verifies(future)).toBe(true);
    expect(await revertOf(w.submit(future), reg)).toEqual({
      name: "Registry__FutureAsOf",
      args: [BigInt(today + 1), BigInt(today)],
    });
    expect((await readAttestation(reg, 1n))?.period).toBe(3n);
  });

  it("incomplete chunked pool: after the first chunk of two the registry records nothing and the vault refuses include; after the last it is recorded", async () => {
    const tape = poolTape({ seed: 6, loans: 12, poolId: 2n, period: 1, asOfDate: today });
    chunked = await w.prove(tape);
    expect(chunked.chunks).toHaveLength(2);
    const [c0, c1] = chunked.chunks as [ChunkProof, ChunkProof];
    await w.submit(c0);
    expect((await reg.getFunction("attestation")(2n)).period).toBe(0n);
    expect(await readAttestation(reg, 2n)).toBeUndefined();
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
    // a committed chunk: open batch of period 1, chunk 0 of 2 accepted
    expect([...(await reg.getFunction("committedBatch")(2n))].slice(0, 5)).toEqual([true, 1n, 1n, 1n, 2n]);
    expect(await vault.getFunction("eligible")(2n, USD)).toBe(false);
    expect(await revertOf(vault.getFunction("include")(2n, USD), vault)).toEqual({
      name: "Vault__NoValidAttestation",
      args: [2n],
    });
    expect(await revertOf(w.submit(c0), reg)).toEqual({
      name: "Registry__ChunkAlreadySubmitted",
      args: [2n, 1n, 0n],
    });

    await w.submit(c1);
    // all chunks in: still nothing recorded until the aggregation proof
    expect(await readAttestation(reg, 2n)).toBeUndefined();
    await w.aggregate(chunked);
    const rec = await readAttestation(reg, 2n);
    expect(rec?.period).toBe(1n);
    expect(rec?.chunkCount).toBe(2n);
    // the registry's aggregate equals the prover's: sums, max, min, and the pool-level covenants evaluated
    // on the whole pool (the last chunk alone, 4 loans of about a quarter each, breaches concentration)
    expect(rec?.figures).toEqual(asPoolFigures(chunked.figures));
    expect(chunked.figures.activeCount).toBe(12);
    expect(chunked.figures.breaches).toBe(0);
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(true);
    expect(await vault.getFunction("eligible")(2n, USD)).toBe(true);
    expect((await reg.getFunction("committedBatch")(2n))[0]).toBe(false);
  });

  it("ineligible pool: an attestation of a tape breaching the policy is recorded, but isEligible is false and the vault refuses include with Vault__PoolBreached", async () => {
    // loan 0: score 550 below the minimum 600 (bit 0); loan 1: 95 days past due, above the maximum 90
    // (bit 1), with a balance too small (about 1%) to breach the 90+ bucket limit
    const tape = poolTape({
      seed: 7,
      loans: 8,
      poolId: 3n,
      period: 1,
      asOfDate: today,
      edits: {
        0: { creditScore: 550 },
        1: { status: LoanStatus.Delinquent, daysPastDue: 95, outstandingBalance: 100_000n },
      },
    });
    const att = await w.prove(tape);
    expect(att.figures.breaches).toBe(0b11);
    await w.submit(only(att));
    const rec = await readAttestation(reg, 3n);
    expect(rec?.period).toBe(1n);
    expect(rec?.figures).toEqual(asPoolFigures(att.figures));
    expect(await reg.getFunction("isFresh")(3n)).toBe(true);
    expect(await reg.getFunction("isEligible")(3n, w.policyHash)).toBe(false);
    expect(await vault.getFunction("eligible")(3n, USD)).toBe(false);
    expect(await revertOf(vault.getFunction("include")(3n, USD), vault)).toEqual({
      name: "Vault__PoolBreached",
      args: [3n, 3n],
    });
  });

  it("breached subordination: after a real attestation's delinquencies mark a funded pool down, requests accepted before are refused with Vault__SubordinationBreached", async () => {
    const [a, b, c] = w.users as [PoolWorld["users"][0], PoolWorld["users"][0], PoolWorld["users"][0]];
    await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
    await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
    await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
    await tx(vault.getFunction("closeEpoch")());
    await tx(w.as(c).getFunction("claimDeposit")(2));
    const claims = async (): Promise<Triple> => [...(await vault.getFunction("getClaims")())] as Triple;
    expect(await claims()).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);

    // pool 4: loan 0 in the 30-59 bucket, loan 1 (half a balance) in the 60-89 bucket: within the policy and
    // the vault's limits, so fundable, but its value carries the 30- and 60-day haircuts
    const tape = poolTape({
      seed: 8,
      loans: 8,
      poolId: 4n,
      period: 1,
      asOfDate: today,
      edits: {
        0: { status: LoanStatus.Delinquent, daysPastDue: 45 },
        1: { status: LoanStatus.Delinquent, daysPastDue: 70, outstandingBalance: 500_000n },
      },
    });
    const att = await w.prove(tape);
    expect(att.figures.breaches).toBe(0);
    expect(att.figures.bucket30).toBe(1_000_000n);
    expect(att.figures.bucket60).toBe(500_000n);
    await w.submit(only(att));
    const principal = 500_000n * USD;
    await tx(vault.getFunction("include")(4n, principal));

    // before the pool is marked: a third of the junior shares may be redeemed, 200k may go to the senior
    const shares = (await w.tranches[2]!.getFunction("balanceOf")(await c.getAddress())) as bigint;
    const redeem = shares / 3n;
    const deposit = 200_000n * USD;
    await tx(w.as(c).getFunction("requestRedeem")(2, redeem));
    await tx(w.as(c).getFunction("cancelRedeem")(2));
    await tx(w.as(a).getFunction("requestDeposit")(0, deposit));
    await tx(w.as(a).getFunction("cancelDeposit")(0));

    // the epoch close marks the pool from the attested figures; the loss falls on the junior tranche
    const before = await claims();
    await tx(vault.getFunction("closeEpoch")());
    const rec = await readAttestation(reg, 4n);
    expect(rec?.figures).toEqual(asPoolFigures(att.figures));
    const params = modelParamsFromConfig(w.config);
    const value = poolValue(principal, rec!, params, await w.now());
    expect(value).toBeLessThan(principal);
    // no income, nothing realised: the haircuts are a provisional markdown taken by junior's claim
    const after: Triple = [before[0], before[1], before[2] - (principal - value)];
    expect(await claims()).toEqual(after);
    expect(after[2]).toBe(before[2] - (principal - value));

    const minBps = BigInt(w.config.minSubordinationBps);
    const supply = (await w.tranches[2]!.getFunction("totalSupply")()) as bigint;
    const v1: Triple = [after[0], after[1], after[2] - redeemValue(after[2], supply, redeem)];
    expect(subordinationOk(v1, minBps)).toBe(false);
    expect(await revertOf(w.as(c).getFunction("requestRedeem")(2, redeem), vault)).toEqual({
      name: "Vault__SubordinationBreached",
      args: [((v1[1] + v1[2]) * 10_000n) / (v1[0] + v1[1] + v1[2]), minBps],
    });
    const v2: Triple = [after[0] + deposit, after[1], after[2]];
    expect(subordinationOk(v2, minBps)).toBe(false);
    expect(await revertOf(w.as(a).getFunction("requestDeposit")(0, deposit), vault)).toEqual({
      name: "Vault__SubordinationBreached",
      args: [((v2[1] + v2[2]) * 10_000n) / (v2[0] + v2[1] + v2[2]), minBps],
    });
  });

  it("revoked key: after its revocation, a valid proof of a later period is refused as Registry__KeyRevoked", async () => {
    const c = only(await w.prove(poolTape({ seed: 9, loans: 8, poolId: 1n, period: 4, asOfDate: today })));
    expect(await w.verifies(c)).toBe(true);
    await tx((reg.connect(w.originator) as Contract).getFunction("revokeKey")(w.keyHash));
    expect((await reg.getFunction("keyRecord")(w.keyHash)).revoked).toBe(true);
    expect(await revertOf(w.submit(c), reg)).toEqual({ name: "Registry__KeyRevoked", args: [w.keyHash] });
    expect((await readAttestation(reg, 1n))?.period).toBe(3n);
  });

  it("stale attestation: once maxAge has passed, the vault refuses include with Vault__StaleAttestation", async () => {
    expect(await vault.getFunction("eligible")(2n, USD)).toBe(true);
    await w.increaseTime(w.config.maxAge + DAY);
    const now = await w.now();
    expect(await reg.getFunction("isFresh")(2n)).toBe(false);
    expect(await reg.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
    expect(await vault.getFunction("eligible")(2n, USD)).toBe(false);
    expect(await revertOf(vault.getFunction("include")(2n, USD), vault)).toEqual({
      name: "Vault__StaleAttestation",
      args: [2n, BigInt(chunked.asOfDate), (now - w.config.maxAge + DAY - 1n) / DAY],
    });
  });
});
