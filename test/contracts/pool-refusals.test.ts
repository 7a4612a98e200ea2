/**
 * Every refusal of the attestation registry and the tranche vault, exercised with real proofs: each proof
 * here is made by the prover (`attestPool`, instance pool-attestation-8) from a synthetic tape and checked by
 * the build's generated verifier (PoolAttestation8Verifier) on Hardhat's in-process network (issue #4).
 * registry.test.ts and vault*.test.ts cover the same paths more finely with the stand-in circuit, whose
 * public signals are free; here the public signals are whatever the real circuit proves from a tape, so these
 * tests show that the refusals hold for the proofs originators will actually submit: a proof that would pass
 * the verifier (checked by calling it directly) is still refused for the binding it breaks.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the world (registry,
 * vault, a second registry on the same chain, an originator key; an EVM snapshot the chain is put back to
 * before each test that changes it) and every proof, about 15 in all (they depend only on the tapes, keys,
 * policies and domains); made for the test, the world at the stage the claim is about (pool 1's first period
 * recorded, pool 2's first chunk accepted or its attestation recorded, pool 4 funded and marked down).
 * Skipped with a warning when pool-attestation-8 is not built (`npm run build -- --use test`).
 */
import { afterAll, describe, expect, test } from "vitest";
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
import { chainSnapshot, DAY, keyHashIn, revertOf, terminateCurves } from "./helpers.ts";

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
  if (a.chunks.length !== 1) throw new Error(`expected one chunk, got ${a.chunks.length}`);
  return a.chunks[0]!;
};
type Refusal = { name: string; args: unknown[] };

/** The pool world, the day it was deployed, a second registry on this chain and the key's hash there. */
interface Deployed {
  w: PoolWorld;
  today: number;
  second: Contract;
  secondAddress: string;
  hSecond: bigint;
  /** Puts the chain back to the world as deployed. */
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const w = await makePoolWorld();
  const today = await w.today();
  // a second registry on this chain, where the same key and pool are registered
  const pub = { ax: w.key.publicKey[0], ay: w.key.publicKey[1] };
  const second = await deployRegistry(w.gov, { maxAgeSeconds: w.config.maxAge });
  await deployVerifier(w.gov, second, POOL_VERIFIER, POOL_INSTANCE);
  await registerPolicy(second, w.policyHash, policyParamsInput(w.policy));
  const hSecond = await onboardOriginator(
    second,
    second.connect(w.originator) as Contract,
    { ...pub, validFrom: 1 },
    [1n],
  );
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    today,
    second,
    secondAddress: await second.getAddress(),
    hSecond,
    reset,
  };
}

/** Pool 1's tapes: period p (1 to 4) dated today - 3 + (p - 1); seeds as the proofs' names say. */
const pool1 = (d: Deployed, seed: number, period: number, asOfDate: number): LoanTape =>
  poolTape({ seed, loans: 8, poolId: 1n, period, asOfDate: d.today + asOfDate });

/** A fixture made once per file from the deployed world (a proof: it depends on nothing a test changes). */
const file = <T>(
  f: (ctx: { d: Deployed }) => Promise<T>,
): [
  ({ deployed }: { deployed: Deployed }, use: (v: T) => Promise<void>) => Promise<void>,
  { scope: "file" },
] => [
  // vitest reads a fixture's dependencies from its first parameter: it must be a destructuring pattern
  async ({ deployed }, use) => use(await f({ d: deployed })),
  { scope: "file" },
];

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: PoolWorld;
  /** Pool 1, period 1, as of today - 3, and its one chunk. */
  p1: { att: Attestation; c: ChunkProof };
  /** Pool 1, period 2, as of today - 2 (the tape of the cases refused for their binding), under the world's key. */
  p2: ChunkProof;
  /** The same tape signed by a key never proposed, and that key. */
  strangers: { c: ChunkProof; key: Awaited<ReturnType<typeof generateOriginatorKey>> };
  /** The same tape under a policy never registered, and its hash. */
  otherPolicy: { c: ChunkProof; hash: bigint };
  /** The same tape made for chain id + 1, and for the second registry. */
  otherChain: Attestation;
  otherRegistry: Attestation;
  /** Pool 1, period 3, as of today - 1. */
  p3: ChunkProof;
  /** Pool 1, period 4, as of a day older than maxAge; and as of tomorrow. */
  stale: { c: ChunkProof; day: number };
  future: ChunkProof;
  /** Pool 1, period 4, as of today. */
  p4: ChunkProof;
  /** Pool 2's 12 loans, period 1, as of today: two committed chunks and the aggregation. */
  chunked: Attestation;
  /** Pool 3's tape breaching the policy (a score below the minimum, a loan past the maximum days past due). */
  breaching: Attestation;
  /** Pool 4's tape with a loan 30-59 and one (half a balance) 60-89 days past due: fundable, marked down. */
  delinquent: Attestation;
  /** `world` with pool 1's period 1 recorded. */
  recorded1: PoolWorld;
  /** `world` with pool 2's first chunk accepted. */
  firstChunk: PoolWorld;
  /** `world` with pool 2's attestation recorded: both chunks, then the aggregation. */
  aggregated: PoolWorld;
  /** `world` with pool 3's breaching attestation recorded. */
  breached: PoolWorld;
  /**
   * `world` funded (750k senior, 100k mezzanine, 150k junior), pool 4 attested and included for 500k, the
   * epoch closed: the claims before and after, pool 4's value and the junior redemption and senior deposit
   * probed (accepted, then cancelled) before the close.
   */
  marked: {
    funded: Triple;
    before: Triple;
    after: Triple;
    principal: bigint;
    value: bigint;
    redeem: bigint;
    deposit: bigint;
  };
}>({
  deployed: [
    async ({}, use) => {
      const d = await deploy();
      await use(d);
      await d.w.close();
    },
    { scope: "file" },
  ],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed.w);
  },
  p1: file(async ({ d }) => {
    const att = await d.w.prove(pool1(d, 1, 1, -3));
    return { att, c: only(att) };
  }),
  p2: file(async ({ d }) => only(await d.w.prove(pool1(d, 2, 2, -2)))),
  strangers: file(async ({ d }) => {
    const key = await generateOriginatorKey();
    return { c: only(await d.w.prove(pool1(d, 2, 2, -2), { key })), key };
  }),
  otherPolicy: file(async ({ d }) => {
    const other: Policy = { ...d.w.policy, minCreditScore: 500 };
    return { c: only(await d.w.prove(pool1(d, 2, 2, -2), { policy: other })), hash: await policyHash(other) };
  }),
  otherChain: file(async ({ d }) => d.w.prove(pool1(d, 2, 2, -2), { chainId: d.w.chainId + 1n })),
  otherRegistry: file(async ({ d }) => d.w.prove(pool1(d, 2, 2, -2), { registry: d.secondAddress })),
  p3: file(async ({ d }) => only(await d.w.prove(pool1(d, 3, 3, -1)))),
  stale: file(async ({ d }) => {
    const day = d.today - Number(d.w.config.maxAge / DAY) - 1;
    return { c: only(await d.w.prove(pool1(d, 4, 4, day - d.today))), day };
  }),
  future: file(async ({ d }) => only(await d.w.prove(pool1(d, 5, 4, 1)))),
  p4: file(async ({ d }) => only(await d.w.prove(pool1(d, 9, 4, 0)))),
  chunked: file(async ({ d }) =>
    d.w.prove(poolTape({ seed: 6, loans: 12, poolId: 2n, period: 1, asOfDate: d.today })),
  ),
  breaching: file(async ({ d }) =>
    // loan 0: score 550 below the minimum 600 (bit 0); loan 1: 95 days past due, above the maximum 90
    // (bit 1), with a balance too small (about 1%) to breach the 90+ bucket limit
    d.w.prove(
      poolTape({
        seed: 7,
        loans: 8,
        poolId: 3n,
        period: 1,
        asOfDate: d.today,
        edits: {
          0: { creditScore: 550 },
          1: { status: LoanStatus.Delinquent, daysPastDue: 95, outstandingBalance: 100_000n },
        },
      }),
    ),
  ),
  delinquent: file(async ({ d }) =>
    d.w.prove(
      poolTape({
        seed: 8,
        loans: 8,
        poolId: 4n,
        period: 1,
        asOfDate: d.today,
        edits: {
          0: { status: LoanStatus.Delinquent, daysPastDue: 45 },
          1: { status: LoanStatus.Delinquent, daysPastDue: 70, outstandingBalance: 500_000n },
        },
      }),
    ),
  ),
  recorded1: async ({ world, p1 }, use) => {
    await world.submit(p1.c);
    await use(world);
  },
  firstChunk: async ({ world, chunked }, use) => {
    await world.submit(chunked.chunks[0]!);
    await use(world);
  },
  aggregated: async ({ world, chunked }, use) => {
    for (const c of chunked.chunks) await world.submit(c);
    await world.aggregate(chunked);
    await use(world);
  },
  breached: async ({ world, breaching }, use) => {
    await world.submit(only(breaching));
    await use(world);
  },
  marked: async ({ world: w, delinquent }, use) => {
    const vault = w.vault;
    const [a, b, c] = w.users as [PoolWorld["users"][0], PoolWorld["users"][0], PoolWorld["users"][0]];
    const claims = async (): Promise<Triple> => [...(await vault.getFunction("getClaims")())] as Triple;
    await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
    await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
    await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
    await tx(vault.getFunction("closeEpoch")());
    await tx(w.as(c).getFunction("claimDeposit")(2));
    const funded = await claims();
    await w.submit(only(delinquent));
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
    // the epoch close marks the pool from the attested figures
    const before = await claims();
    await tx(vault.getFunction("closeEpoch")());
    const rec = await readAttestation(w.registry, 4n);
    const value = poolValue(principal, rec!, modelParamsFromConfig(w.config), await w.now());
    await use({ funded, before, after: await claims(), principal, value, redeem, deposit });
  },
});

afterAll(terminateCurves);

const invalid = { name: "Registry__InvalidProof", args: [1n, 1n, 0n] };
const registry = (w: PoolWorld) => w.registry;
const vaultOf = (w: PoolWorld) => w.vault;
const refusal = (w: PoolWorld, c: ChunkProof, reg = registry(w)): Promise<Refusal> =>
  revertOf(w.submit(c), reg);

describe.skipIf(!BUILT)(`registry and vault refusals with real ${POOL_INSTANCE} proofs`, () => {
  describe("invalid proof", () => {
    // root, figA, figC: each still passes every binding check, only the verifier can tell
    it.for([0, 4, 6])(
      "a proof with public signal %i changed does not verify",
      async (index, { deployed, p1 }) => {
        const signals = [...p1.c.publicSignals];
        signals[index] = String(BigInt(signals[index]!) + 1n);
        expect(await deployed.w.verifies({ ...p1.c, publicSignals: signals })).toBe(false);
      },
    );

    it.for([0, 4, 6])(
      "is refused as Registry__InvalidProof with public signal %i changed",
      async (index, { world, p1 }) => {
        const signals = [...p1.c.publicSignals];
        signals[index] = String(BigInt(signals[index]!) + 1n);
        expect(await refusal(world, { ...p1.c, publicSignals: signals })).toEqual(invalid);
      },
    );

    it("is refused as Registry__InvalidProof with A off the curve (the pairing precompile fails)", async ({
      world,
      p1: { c },
    }) => {
      const [ax, ay] = c.proof.pi_a as [string, string, string];
      const offCurve = { ...c, proof: { ...c.proof, pi_a: [ax, String(BigInt(ay) + 1n), "1"] } };
      expect(await refusal(world, offCurve)).toEqual(invalid);
    });

    it("is refused as Registry__InvalidProof with -C (on the curve, but not this proof's C)", async ({
      world,
      p1: { c },
    }) => {
      const [cx, cy] = c.proof.pi_c as [string, string, string];
      const negated = { ...c, proof: { ...c.proof, pi_c: [cx, String(Q - BigInt(cy)), "1"] } };
      expect(await refusal(world, negated)).toEqual(invalid);
    });
  });

  describe("the untouched proof", () => {
    it("verifies", async ({ deployed, p1 }) => {
      expect(await deployed.w.verifies(p1.c)).toBe(true);
    });

    it("is recorded with its period, date, policy and figures", async ({ recorded1: w, p1, deployed }) => {
      const rec = await readAttestation(w.registry, 1n);
      expect(rec?.period).toBe(1n);
      expect(rec?.asOfDate).toBe(BigInt(deployed.today - 3));
      expect(rec?.policyHash).toBe(w.policyHash);
      expect(rec?.figures).toEqual(asPoolFigures(p1.att.figures));
    });

    it("makes the pool eligible: its tape breaches nothing", async ({ recorded1: w, p1 }) => {
      expect(p1.att.figures.breaches).toBe(0);
      expect(await w.registry.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    });

    it("again is refused as Registry__PeriodNotAfterLast: its period is not after the recorded one", async ({
      recorded1: w,
      p1,
    }) => {
      expect(await refusal(w, p1.c)).toEqual({ name: "Registry__PeriodNotAfterLast", args: [1n, 1n, 1n] });
    });
  });

  describe("unknown key", () => {
    it("the registry's on-chain hash of a key never proposed is the proof's keyHash signal, of no originator", async ({
      deployed: { w },
      strangers: { c, key },
    }) => {
      const h = (await w.registry.getFunction("keyHashOf")(...key.publicKey)) as bigint;
      expect(BigInt(c.publicSignals[3]!)).toBe(h);
      expect((await w.registry.getFunction("keyRecord")(h)).originator).toBe(ZeroAddress);
    });

    it("a valid proof signed by a key never proposed verifies", async ({
      deployed: { w },
      strangers: { c },
    }) => {
      expect(await w.verifies(c)).toBe(true);
    });

    it("is refused as Registry__UnknownKey with its hash", async ({
      recorded1: w,
      strangers: { c, key },
    }) => {
      const h = (await w.registry.getFunction("keyHashOf")(...key.publicKey)) as bigint;
      expect(await refusal(w, c)).toEqual({ name: "Registry__UnknownKey", args: [h] });
    });
  });

  describe("unregistered policy", () => {
    it("a policy never registered has another hash, the proof's policy signal", ({
      deployed: { w },
      otherPolicy: { c, hash },
    }) => {
      expect(hash).not.toBe(w.policyHash);
      expect(BigInt(c.publicSignals[2]!)).toBe(hash);
    });

    it("a valid proof under it verifies", async ({ deployed: { w }, otherPolicy: { c } }) => {
      expect(await w.verifies(c)).toBe(true);
    });

    it("is refused as Registry__UnknownPolicy", async ({ recorded1: w, otherPolicy: { c, hash } }) => {
      expect(await refusal(w, c)).toEqual({ name: "Registry__UnknownPolicy", args: [hash] });
    });

    it("the refused proof records nothing: pool 1 stays at period 1", async ({
      recorded1: w,
      otherPolicy: { c },
    }) => {
      await refusal(w, c);
      expect((await readAttestation(w.registry, 1n))?.period).toBe(1n);
    });
  });

  describe("other chain or other registry: the proof's key hash binds its domain", () => {
    const pubOf = (w: PoolWorld) => ({ ax: w.key.publicKey[0], ay: w.key.publicKey[1] });

    it("a proof made for chain id + 1 carries that domain's key hash, not this one's", async ({
      deployed: { w },
      otherChain,
    }) => {
      const hChain = await keyHashIn(pubOf(w), w.registryAddress, w.chainId + 1n);
      expect(otherChain.keyHash).toBe(hChain);
      expect(hChain).not.toBe(w.keyHash);
    });

    it("a proof made for chain id + 1 verifies", async ({ deployed: { w }, otherChain }) => {
      expect(await w.verifies(only(otherChain))).toBe(true);
    });

    it("a proof made for chain id + 1 is refused as Registry__UnknownKey with that domain's hash", async ({
      world: w,
      otherChain,
    }) => {
      expect(await refusal(w, only(otherChain))).toEqual({
        name: "Registry__UnknownKey",
        args: [otherChain.keyHash],
      });
    });

    it("the second registry's hash of the key is the key's hash in its domain, the proof's", async ({
      deployed: { w, secondAddress, hSecond },
      otherRegistry,
    }) => {
      expect(hSecond).toBe(await keyHashIn(pubOf(w), secondAddress, w.chainId));
      expect(otherRegistry.keyHash).toBe(hSecond);
    });

    it("a proof made for the second registry is refused here as Registry__UnknownKey with its hash", async ({
      world: w,
      deployed: { hSecond },
      otherRegistry,
    }) => {
      expect(await refusal(w, only(otherRegistry))).toEqual({
        name: "Registry__UnknownKey",
        args: [hSecond],
      });
    });

    it("a proof made for the second registry is recorded there, and not here", async ({
      recorded1: w,
      deployed: { second },
      otherRegistry,
    }) => {
      await w.submit(only(otherRegistry), second);
      expect((await readAttestation(second, 1n))?.period).toBe(2n);
      expect((await readAttestation(w.registry, 1n))?.period).toBe(1n);
    });
  });

  describe("replayed period", () => {
    it("a later period is recorded", async ({ world: w, p3 }) => {
      await w.submit(p3);
      expect((await readAttestation(w.registry, 1n))?.period).toBe(3n);
    });

    it("an earlier period after a later one is refused as Registry__PeriodNotAfterLast", async ({
      world: w,
      p2,
      p3,
    }) => {
      expect(await w.verifies(p2)).toBe(true);
      await w.submit(p3);
      expect(await refusal(w, p2)).toEqual({ name: "Registry__PeriodNotAfterLast", args: [1n, 2n, 3n] });
    });
  });

  describe("stale or future period", () => {
    it("an asOfDate older than maxAge is refused as Registry__StalePeriod", async ({ world: w, stale }) => {
      expect(await w.verifies(stale.c)).toBe(true);
      const minAllowed = ((await w.now()) - w.config.maxAge + DAY - 1n) / DAY;
      expect(await refusal(w, stale.c)).toEqual({
        name: "Registry__StalePeriod",
        args: [BigInt(stale.day), minAllowed],
      });
    });

    it("a future asOfDate is refused as Registry__FutureAsOf", async ({
      world: w,
      deployed: { today },
      future,
    }) => {
      expect(await w.verifies(future)).toBe(true);
      expect(await refusal(w, future)).toEqual({
        name: "Registry__FutureAsOf",
        args: [BigInt(today + 1), BigInt(today)],
      });
    });

    it("the refused periods record nothing: pool 1 stays at period 1", async ({
      recorded1: w,
      stale,
      future,
    }) => {
      await refusal(w, stale.c);
      await refusal(w, future);
      expect((await readAttestation(w.registry, 1n))?.period).toBe(1n);
    });
  });

  describe("incomplete chunked pool", () => {
    it("pool 2's 12 loans are two chunks", ({ chunked }) => {
      expect(chunked.chunks).toHaveLength(2);
    });

    it("after the first chunk of two the registry records nothing", async ({ firstChunk: w }) => {
      expect((await w.registry.getFunction("attestation")(2n)).period).toBe(0n);
      expect(await readAttestation(w.registry, 2n)).toBeUndefined();
    });

    it("after the first chunk of two the pool is not eligible", async ({ firstChunk: w }) => {
      expect(await w.registry.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
    });

    it("after the first chunk the batch of period 1 is open, chunk 0 of 2 accepted", async ({
      firstChunk: w,
    }) => {
      const [open, period, received, seen, count] = [...(await w.registry.getFunction("committedBatch")(2n))];
      expect([open, period, [...(received as bigint[])], seen, count]).toEqual([
        true,
        1n,
        [1n, 0n, 0n, 0n],
        1n,
        2n,
      ]);
    });

    it("after the first chunk the vault finds the pool ineligible", async ({ firstChunk: w }) => {
      expect(await w.vault.getFunction("eligible")(2n, USD)).toBe(false);
    });

    it("after the first chunk the vault refuses include with Vault__NoValidAttestation", async ({
      firstChunk: w,
    }) => {
      expect(await revertOf(w.vault.getFunction("include")(2n, USD), w.vault)).toEqual({
        name: "Vault__NoValidAttestation",
        args: [2n],
      });
    });

    it("the first chunk again is refused as Registry__ChunkAlreadySubmitted", async ({
      firstChunk: w,
      chunked,
    }) => {
      expect(await refusal(w, chunked.chunks[0]!)).toEqual({
        name: "Registry__ChunkAlreadySubmitted",
        args: [2n, 1n, 0n],
      });
    });

    it("with all chunks in, nothing is recorded until the aggregation proof", async ({
      firstChunk: w,
      chunked,
    }) => {
      await w.submit(chunked.chunks[1]!);
      expect(await readAttestation(w.registry, 2n)).toBeUndefined();
    });

    it("after the aggregation the pool's period and chunk count are recorded", async ({ aggregated: w }) => {
      const rec = await readAttestation(w.registry, 2n);
      expect(rec?.period).toBe(1n);
      expect(rec?.chunkCount).toBe(2n);
    });

    // the registry's aggregate equals the prover's: sums, max, min, and the pool-level covenants evaluated on
    // the whole pool (the last chunk alone, 4 loans of about a quarter each, breaches concentration)
    it("the registry's aggregate equals the prover's, covenants evaluated on the whole pool", async ({
      aggregated: w,
      chunked,
    }) => {
      expect((await readAttestation(w.registry, 2n))?.figures).toEqual(asPoolFigures(chunked.figures));
      expect(chunked.figures.activeCount).toBe(12);
      expect(chunked.figures.breaches).toBe(0);
    });

    it("after the aggregation the pool is eligible in the registry and the vault", async ({
      aggregated: w,
    }) => {
      expect(await w.registry.getFunction("isEligible")(2n, w.policyHash)).toBe(true);
      expect(await w.vault.getFunction("eligible")(2n, USD)).toBe(true);
    });

    it("after the aggregation the batch is closed", async ({ aggregated: w }) => {
      expect((await w.registry.getFunction("committedBatch")(2n))[0]).toBe(false);
    });
  });

  describe("ineligible pool", () => {
    it("a tape breaching the policy proves both breaches", ({ breaching }) => {
      expect(breaching.figures.breaches).toBe(0b11);
    });

    it("its attestation is recorded, fresh", async ({ breached: w, breaching }) => {
      const rec = await readAttestation(w.registry, 3n);
      expect(rec?.period).toBe(1n);
      expect(rec?.figures).toEqual(asPoolFigures(breaching.figures));
      expect(await w.registry.getFunction("isFresh")(3n)).toBe(true);
    });

    it("isEligible is false", async ({ breached: w }) => {
      expect(await w.registry.getFunction("isEligible")(3n, w.policyHash)).toBe(false);
    });

    it("the vault finds it ineligible and refuses include with Vault__PoolBreached", async ({
      breached: w,
    }) => {
      expect(await w.vault.getFunction("eligible")(3n, USD)).toBe(false);
      expect(await revertOf(w.vault.getFunction("include")(3n, USD), w.vault)).toEqual({
        name: "Vault__PoolBreached",
        args: [3n, 3n],
      });
    });
  });

  describe("breached subordination", () => {
    it("the tranches are funded 750k, 100k and 150k", ({ marked }) => {
      expect(marked.funded).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
    });

    it("pool 4's attestation is within the policy, with its 30- and 60-day delinquencies", ({
      delinquent,
    }) => {
      expect(delinquent.figures.breaches).toBe(0);
      expect(delinquent.figures.bucket30).toBe(1_000_000n);
      expect(delinquent.figures.bucket60).toBe(500_000n);
    });

    it("the epoch close marks the pool below its principal from the attested figures", async ({
      world: w,
      marked,
      delinquent,
    }) => {
      expect((await readAttestation(w.registry, 4n))?.figures).toEqual(asPoolFigures(delinquent.figures));
      expect(marked.value).toBeLessThan(marked.principal);
    });

    it("no income, nothing realised: the haircuts are a provisional markdown taken by junior's claim", ({
      marked: { before, after, principal, value },
    }) => {
      expect(after).toEqual([before[0], before[1], before[2] - (principal - value)]);
    });

    it("a junior redemption accepted before is refused with Vault__SubordinationBreached", async ({
      world: w,
      marked: { after, redeem },
    }) => {
      const c = w.users[2]!;
      const minBps = BigInt(w.config.minSubordinationBps);
      const supply = (await w.tranches[2]!.getFunction("totalSupply")()) as bigint;
      const v1: Triple = [after[0], after[1], after[2] - redeemValue(after[2], supply, redeem)];
      expect(subordinationOk(v1, minBps)).toBe(false);
      expect(await revertOf(w.as(c).getFunction("requestRedeem")(2, redeem), vaultOf(w))).toEqual({
        name: "Vault__SubordinationBreached",
        args: [((v1[1] + v1[2]) * 10_000n) / (v1[0] + v1[1] + v1[2]), minBps],
      });
    });

    it("a senior deposit accepted before is refused with Vault__SubordinationBreached", async ({
      world: w,
      marked: { after, deposit },
    }) => {
      const a = w.users[0]!;
      const minBps = BigInt(w.config.minSubordinationBps);
      const v2: Triple = [after[0] + deposit, after[1], after[2]];
      expect(subordinationOk(v2, minBps)).toBe(false);
      expect(await revertOf(w.as(a).getFunction("requestDeposit")(0, deposit), vaultOf(w))).toEqual({
        name: "Vault__SubordinationBreached",
        args: [((v2[1] + v2[2]) * 10_000n) / (v2[0] + v2[1] + v2[2]), minBps],
      });
    });
  });

  describe("revoked key", () => {
    it("the originator revokes its key", async ({ recorded1: w }) => {
      await tx((w.registry.connect(w.originator) as Contract).getFunction("revokeKey")(w.keyHash));
      expect((await w.registry.getFunction("keyRecord")(w.keyHash)).revoked).toBe(true);
    });

    it("after its revocation, a valid proof of a later period is refused as Registry__KeyRevoked", async ({
      recorded1: w,
      p4,
    }) => {
      expect(await w.verifies(p4)).toBe(true);
      await tx((w.registry.connect(w.originator) as Contract).getFunction("revokeKey")(w.keyHash));
      expect(await refusal(w, p4)).toEqual({ name: "Registry__KeyRevoked", args: [w.keyHash] });
      expect((await readAttestation(w.registry, 1n))?.period).toBe(1n);
    });
  });

  describe("stale attestation", () => {
    it("once maxAge has passed, the attestation is neither fresh nor eligible", async ({ aggregated: w }) => {
      await w.increaseTime(w.config.maxAge + DAY);
      expect(await w.registry.getFunction("isFresh")(2n)).toBe(false);
      expect(await w.registry.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
    });

    it("once maxAge has passed, the vault refuses include with Vault__StaleAttestation", async ({
      aggregated: w,
      chunked,
    }) => {
      expect(await w.vault.getFunction("eligible")(2n, USD)).toBe(true);
      await w.increaseTime(w.config.maxAge + DAY);
      const now = await w.now();
      expect(await w.vault.getFunction("eligible")(2n, USD)).toBe(false);
      expect(await revertOf(w.vault.getFunction("include")(2n, USD), w.vault)).toEqual({
        name: "Vault__StaleAttestation",
        args: [2n, BigInt(chunked.asOfDate), (now - w.config.maxAge + DAY - 1n) / DAY],
      });
    });
  });
});
