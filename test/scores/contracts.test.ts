/**
 * Provider-backed scores on-chain: ProviderRegistry (propose, approve, rotate, revoke) and ScoreAttestations
 * with the generated ScoreBacking8Verifier and real proofs of score-backing-8 (skipped, with a warning, when
 * the instance is not built: `node scripts/build.ts --only score-backing-8`).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the score world (the
 * registries, pool 77, a provider onboarded with models 2 and 3; an EVM snapshot the chain is put back to
 * before each test that changes it), the pool attestations and every score proof (about a dozen, each made
 * once: they depend only on the tapes, keys and domains); made for the test, the world at the stage the claim
 * is about (period 1 attested, one or both of its chunks backed; period 2 attested a day later, its chunk 1
 * backed or both).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import type { Attestation } from "../../prover/attest.ts";
import { commitTape, deriveSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { keyHash } from "../../prover/commitment/keys.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import {
  buildScoreBackingInput,
  buildScoreRequest,
  generateProviderKey,
  proveBuiltInstance,
  signScoreBatch,
  type InstanceProof,
  type ProviderKey,
} from "../../prover/scores/index.ts";
import { circuitId, deployBorrowerGate, onboardProvider } from "../../deploy/index.ts";
import { toSolidityGroth16 } from "../../sdk/index.ts";
import { chainSnapshot, revertOf, terminateCurves } from "../contracts/helpers.ts";
import { instancesBuilt, makeScoreWorld, type ScoreWorld, type Signer } from "./world.ts";

const NAME = "score-backing-8";
const BUILT = instancesBuilt();
if (!BUILT)
  console.warn("pool-attestation-8 or score-backing-8 is not built: skipping the on-chain score tests");
const CHUNK = 8;
const POOL_ID = 77n;

/** The score world, its provider and pool 77's tape of period 1; `reset` puts the chain back to it. */
interface Deployed {
  world: ScoreWorld;
  others: Signer[];
  providers: Contract;
  scores: Contract;
  chainId: bigint;
  provider: ProviderKey;
  providerHash: bigint;
  tape: LoanTape;
  commitment: TapeCommitment;
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const world = await makeScoreWorld([POOL_ID]);
  const { scores, providers, chainId, today } = world;
  const others = world.signers.slice(1);
  const provider = await generateProviderKey();
  const providerHash = await onboardProvider(
    providers,
    providers.connect(others[1]!) as Contract,
    { ax: provider.publicKey[0], ay: provider.publicKey[1], validFrom: today - 100 },
    [2, 3],
  );
  const tape = generateSyntheticTape({ seed: 3, loans: CHUNK + 2, poolId: POOL_ID, asOfDate: today });
  const commitment = await commitTape(tape, await deriveSalts(9n, tape), { chunkSize: CHUNK });
  const reset = await chainSnapshot(world.ethers);
  return {
    world,
    others,
    providers,
    scores,
    chainId,
    provider,
    providerHash,
    tape,
    commitment,
    reset,
  };
}

/** A score-backing-8 proof of chunk `chunk` of a tape (by default period 1's), signed by a provider key. */
async function proveChunk(
  d: Deployed,
  chunk: number,
  opts: {
    contract?: string;
    maxAge?: number;
    key?: ProviderKey;
    tapeOverride?: LoanTape;
    commitmentOverride?: TapeCommitment;
    modelId?: number;
    /** Rewrites the witness's `pool` word before proving (a forged chunk count). */
    forgePool?: (pool: bigint) => bigint;
  } = {},
): Promise<InstanceProof> {
  const c = opts.commitmentOverride ?? d.commitment;
  const scoresOf = new Map(c.encoded.map((e, i) => [e.borrowerCommitment, d.tape.loans[i]!.creditScore]));
  const key = opts.key ?? d.provider;
  const batch = await signScoreBatch(
    key,
    buildScoreRequest(c, chunk, CHUNK),
    { modelId: opts.modelId ?? 2, scoreDate: d.tape.asOfDate - 5 },
    (b) => scoresOf.get(b),
  );
  const { input } = await buildScoreBackingInput(
    opts.tapeOverride ?? d.tape,
    c,
    batch,
    {
      providerPublicKey: key.publicKey,
      chainId: d.chainId,
      contract: opts.contract ?? (await d.scores.getAddress()),
      maxAgeDays: opts.maxAge ?? 30,
    },
    chunk,
    CHUNK,
  );
  if (opts.forgePool) input.pool = opts.forgePool(BigInt(String(input.pool))).toString();
  return proveBuiltInstance(NAME, input);
}

function submit(
  d: Deployed,
  p: InstanceProof,
  signals = p.publicSignals,
  from = d.others[5]!,
): Promise<{ gasUsed: bigint }> {
  const s = toSolidityGroth16(p.proof);
  return (d.scores.connect(from) as Contract)
    .getFunction("submitScores")(circuitId(NAME), 1, s.a, s.b, s.c, signals)
    .then((tx: { wait(): Promise<{ gasUsed: bigint }> }) => tx.wait());
}

/** A fixture made once per file from the deployed world (a proof: it depends on nothing a test changes). */
const file = <T>(
  f: (d: Deployed) => Promise<T>,
): [
  ({ deployed }: { deployed: Deployed }, use: (v: T) => Promise<void>) => Promise<void>,
  { scope: "file" },
] => [
  // vitest reads a fixture's dependencies from its first parameter: it must be a destructuring pattern
  async ({ deployed }, use) => use(await f(deployed)),
  { scope: "file" },
];

/** Period 2: the same loans a day later, another commitment, and its pool attestation. */
interface Period2 {
  tape: LoanTape;
  commitment: TapeCommitment;
  attestation: Attestation;
  /** A second provider (not yet onboarded), and the proofs of period 2's chunks. */
  other: ProviderKey;
  chunk1: InstanceProof;
  chunk0: InstanceProof;
  chunk0Other: InstanceProof;
  chunk0Model3: InstanceProof;
}

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  /** Period 1's pool attestation, and its chunks' score proofs. */
  attestation1: Attestation;
  p0: InstanceProof;
  p1: InstanceProof;
  /** Period 1's chunk 0 claiming the next asOfDate; of another commitment; for another contract; a 31-day bound. */
  shifted: InstanceProof;
  foreign: { p: InstanceProof; commitment: TapeCommitment };
  elsewhere: InstanceProof;
  lax: InstanceProof;
  /** `world` with period 1 attested. */
  attested: Deployed;
  /** `attested` with chunk 1 then chunk 0 backed: the two receipts. */
  backed: { d: Deployed; first: { gasUsed: bigint }; second: { gasUsed: bigint } };
  period2Proofs: Period2;
  /** `world` a day on, with period 2 attested and the second provider onboarded (model 2, by others[6]). */
  period2: { d: Deployed; p: Period2 };
  /** `period2` with its chunk 1 backed (by the first provider). */
  period2Chunk1: { d: Deployed; p: Period2 };
  /** `period2Chunk1` with a borrower gate (min score 600, max age 60 days). */
  gated: { d: Deployed; p: Period2; gate: Contract };
  /** Period 3's chunk 0 (period 1's loans), signed by a provider key never proposed, and by the provider. */
  period3: { stranger: ProviderKey; strangerHash: bigint; p: InstanceProof; good: InstanceProof };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  attestation1: file((d) => d.world.prove(d.tape, d.commitment)),
  p0: file((d) => proveChunk(d, 0)),
  p1: file((d) => proveChunk(d, 1)),
  shifted: file((d) => proveChunk(d, 0, { tapeOverride: { ...d.tape, asOfDate: d.tape.asOfDate + 1 } })),
  foreign: file(async (d) => {
    // the same loans, other salts: another root
    const commitment = await commitTape(d.tape, await deriveSalts(10n, d.tape), { chunkSize: CHUNK });
    return { p: await proveChunk(d, 0, { commitmentOverride: commitment }), commitment };
  }),
  elsewhere: file((d) => proveChunk(d, 0, { contract: "0x00000000000000000000000000000000000000aa" })),
  lax: file((d) => proveChunk(d, 0, { maxAge: 31 })),
  attested: async ({ world: d, attestation1 }, use) => {
    await d.world.record(attestation1);
    await use(d);
  },
  backed: async ({ attested: d, p0, p1 }, use) => {
    const first = await submit(d, p1);
    const second = await submit(d, p0);
    await use({ d, first, second });
  },
  period2Proofs: file(async (d) => {
    const tape: LoanTape = { ...d.tape, period: d.tape.period + 1, asOfDate: d.tape.asOfDate + 1 };
    const commitment = await commitTape(tape, await deriveSalts(11n, tape), { chunkSize: CHUNK });
    const other = await generateProviderKey();
    const on = { tapeOverride: tape, commitmentOverride: commitment };
    return {
      tape,
      commitment,
      attestation: await d.world.prove(tape, commitment),
      other,
      chunk1: await proveChunk(d, 1, on),
      chunk0: await proveChunk(d, 0, on),
      chunk0Other: await proveChunk(d, 0, { ...on, key: other }),
      chunk0Model3: await proveChunk(d, 0, { ...on, modelId: 3 }),
    };
  }),
  period2: async ({ world: d, period2Proofs: p }, use) => {
    // a new period, the next day (asOfDate must increase), attested with the same loans
    await d.world.ethers.provider.send("evm_increaseTime", [86_400]);
    await d.world.ethers.provider.send("evm_mine", []);
    await d.world.record(p.attestation);
    await onboardProvider(
      d.providers,
      d.providers.connect(d.others[6]!) as Contract,
      { ax: p.other.publicKey[0], ay: p.other.publicKey[1], validFrom: d.world.today - 100 },
      [2],
    );
    await use({ d, p });
  },
  period2Chunk1: async ({ period2: { d, p } }, use) => {
    await submit(d, p.chunk1);
    await use({ d, p });
  },
  gated: async ({ period2Chunk1: { d, p } }, use) => {
    const gate = await deployBorrowerGate(d.world.gov, {
      providers: await d.providers.getAddress(),
      scores: await d.scores.getAddress(),
      minScore: 600,
      maxAgeDays: 60,
    });
    await use({ d, p, gate });
  },
  period3: file(async (d) => {
    // another period, so the chunk is not already recorded
    const tape = { ...d.tape, period: d.tape.period + 2 };
    const commitment = await commitTape(tape, await deriveSalts(9n, tape), { chunkSize: CHUNK });
    const on = { tapeOverride: tape, commitmentOverride: commitment };
    const stranger = await generateProviderKey();
    return {
      stranger,
      strangerHash: await keyHash(stranger.publicKey),
      p: await proveChunk(d, 0, { ...on, key: stranger }),
      good: await proveChunk(d, 0, on),
    };
  }),
});

afterAll(terminateCurves);

/**
 * A borrower's admission through the gate for period 2 of pool 77, reporting `modelId`. The gate checks the
 * backing before the proof, so zero proof points stand in for a borrower proof that passes every other check.
 */
async function admit(g: { d: Deployed; p: Period2; gate: Contract }, modelId: bigint) {
  const borrower = g.d.others[7]!;
  const signals = [
    g.p.commitment.root,
    g.d.providerHash,
    modelId,
    600n,
    BigInt(g.d.world.today),
    (await g.gate.getFunction("scope")()) as bigint,
    12345n,
    BigInt(borrower.address),
  ];
  return (g.gate.connect(borrower) as Contract).getFunction("admit")(
    POOL_ID,
    g.p.tape.period,
    [0n, 0n],
    [
      [0n, 0n],
      [0n, 0n],
    ],
    [0n, 0n],
    signals,
  );
}

describe.skipIf(!BUILT)("ScoreAttestations with real score-backing-8 proofs", () => {
  it("the provider registry computes the same key hash, Poseidon(Ax, Ay), as the prover", async ({
    deployed: d,
  }) => {
    expect(d.providerHash).toBe(await keyHash(d.provider.publicKey));
  });

  describe("a pool period's scores", () => {
    it("are refused before the pool attestation of the period is recorded", async ({ world: d, p1 }) => {
      expect(await revertOf(submit(d, p1), d.scores)).toEqual({
        name: "Scores__NotAttested",
        args: [POOL_ID, BigInt(d.tape.period), BigInt(d.tape.asOfDate), 0n, 0n],
      });
    });

    it("are refused when they claim another asOfDate (to look fresher) than the attested one", async ({
      attested: d,
      shifted,
    }) => {
      expect((await revertOf(submit(d, shifted), d.scores)).name).toBe("Scores__NotAttested");
    });

    it("are refused when they are of another tape (another root) than the one the pool proof attested", async ({
      attested: d,
      foreign,
    }) => {
      expect(await revertOf(submit(d, foreign.p), d.scores)).toEqual({
        name: "Scores__RootMismatch",
        args: [POOL_ID, BigInt(d.tape.period), foreign.commitment.root, d.commitment.root],
      });
    });

    it("are refused with a public signal tampered (another model id than the provider signed)", async ({
      attested: d,
      p0,
    }) => {
      const tampered = [...p0.publicSignals];
      tampered[4] = "3";
      expect((await revertOf(submit(d, p0, tampered), d.scores)).name).toBe("Scores__InvalidProof");
    });

    it("one chunk of two does not back the period", async ({ attested: d, p1 }) => {
      await submit(d, p1);
      expect(await d.scores.getFunction("isBacked")(POOL_ID, d.tape.period)).toBe(false);
    });

    it("both chunks back the period", async ({ backed: { d } }) => {
      expect(await d.scores.getFunction("isBacked")(POOL_ID, d.tape.period)).toBe(true);
    });

    it("the first chunk of a period is recorded within 420k gas, a later one within 330k", ({
      backed: { first, second },
    }) => {
      // measured: 374,584 gas for the first chunk of a period, 317,075 for a later one (Groth16, 6 signals),
      // before issue 12 added the provider and model to the period record (one more slot) and checkModel
      expect(first.gasUsed).toBeLessThan(420_000n);
      expect(second.gasUsed).toBeLessThan(330_000n);
    });

    it("the backed period keeps the attested tape's root", async ({ backed: { d } }) => {
      expect(await d.scores.getFunction("backedRoot")(POOL_ID, d.tape.period)).toBe(d.commitment.root);
    });

    it("each backed chunk keeps its provider's key", async ({ backed: { d } }) => {
      expect(await d.scores.getFunction("chunkProvider")(POOL_ID, d.tape.period, 0)).toBe(d.providerHash);
    });

    it("refuses a chunk's replay", async ({ backed: { d }, p0 }) => {
      expect((await revertOf(submit(d, p0), d.scores)).name).toBe("Scores__AlreadyRecorded");
    });

    it("refuses a proof made for another contract", async ({ attested: d, elsewhere }) => {
      expect((await revertOf(submit(d, elsewhere), d.scores)).name).toBe("Scores__WrongDomain");
    });

    it("refuses a proof with a laxer freshness bound than the contract's", async ({ attested: d, lax }) => {
      expect(await revertOf(submit(d, lax), d.scores)).toEqual({
        name: "Scores__MaxAgeTooLong",
        args: [31n, 30n],
      });
    });
  });

  describe("coverage is proven", () => {
    it("a last chunk that leaves loans after it cannot be proven: the witness fails the tree check", async ({
      deployed: d,
    }) => {
      // The attack of issue 12: a 10-loan tape "backed" by one score-backing-8 proof claiming chunkCount 1, so
      // loans 8-9 are never shown to the provider. The last chunk must prove the rest of the tree empty.
      const oneChunk = (pool: bigint) => (pool & ~(0xffffn << 128n)) | (1n << 128n);
      await expect(proveChunk(d, 0, { forgePool: oneChunk })).rejects.toThrow(/Arity16(Group|Path)Level/);
    });

    it("a period's chunks share one provider", async ({ period2Chunk1: { d, p } }) => {
      expect(await revertOf(submit(d, p.chunk0Other), d.scores)).toEqual({
        name: "Scores__ProviderMismatch",
        args: [POOL_ID, BigInt(p.tape.period), d.others[6]!.address, d.others[1]!.address],
      });
    });

    it("a period's chunks share one model", async ({ period2Chunk1: { d, p } }) => {
      expect(await revertOf(submit(d, p.chunk0Model3), d.scores)).toEqual({
        name: "Scores__ModelMismatch",
        args: [POOL_ID, BigInt(p.tape.period), 3n, 2n],
      });
    });

    it("a period's model must be registered for its provider", async ({ period2Chunk1: { d, p } }) => {
      const unregistered = [...p.chunk0Model3.publicSignals];
      unregistered[4] = "9";
      expect(await revertOf(submit(d, p.chunk0Model3, unregistered), d.providers)).toEqual({
        name: "Providers__UnknownModel",
        args: [d.others[1]!.address, 9n],
      });
    });

    it("a period with a chunk not backed keeps the attested root", async ({ gated: { d, p } }) => {
      expect(await d.scores.getFunction("backedRoot")(POOL_ID, p.tape.period)).toBe(p.commitment.root);
    });

    it("the gate refuses a borrower proof while a chunk of the tape is not backed", async ({ gated }) => {
      expect(await revertOf(admit(gated, 2n), gated.gate)).toEqual({
        name: "Gate__NotFullyBacked",
        args: [POOL_ID, BigInt(gated.p.tape.period)],
      });
    });

    it("the last chunk backs the period", async ({ gated: { d, p } }) => {
      await submit(d, p.chunk0);
      expect(await d.scores.getFunction("isBacked")(POOL_ID, p.tape.period)).toBe(true);
    });

    it("a backed period names its provider and model", async ({ gated: { d, p } }) => {
      await submit(d, p.chunk0);
      expect([...(await d.scores.getFunction("backedModel")(POOL_ID, p.tape.period))]).toEqual([
        d.others[1]!.address,
        2n,
      ]);
    });

    it("once fully backed, the gate wants the report to use the backing model", async ({ gated }) => {
      await submit(gated.d, gated.p.chunk0);
      expect(await revertOf(admit(gated, 3n), gated.gate)).toEqual({
        name: "Gate__ModelMismatch",
        args: [3n, 2n, gated.d.others[1]!.address, gated.d.others[1]!.address],
      });
    });

    it("once fully backed, the gate goes on to check the proof", async ({ gated }) => {
      await submit(gated.d, gated.p.chunk0);
      expect((await revertOf(admit(gated, 2n), gated.gate)).name).toBe("Gate__InvalidProof");
    });
  });

  describe("provider keys", () => {
    it("refuses an unregistered provider key", async ({ world: d, period3 }) => {
      expect(await revertOf(submit(d, period3.p), d.providers)).toEqual({
        name: "Providers__UnknownKey",
        args: [period3.strangerHash],
      });
    });

    it("refuses a proposed but unapproved provider key", async ({ world: d, period3 }) => {
      const { stranger, strangerHash } = period3;
      await (
        await (d.providers.connect(d.others[2]!) as Contract).getFunction("proposeKey")(
          stranger.publicKey[0],
          stranger.publicKey[1],
          1,
        )
      ).wait();
      expect(await revertOf(submit(d, period3.p), d.providers)).toEqual({
        name: "Providers__KeyNotApproved",
        args: [strangerHash],
      });
    });

    it("a proposal by one account cannot be approved for another", async ({ world: d, period3 }) => {
      const { stranger, strangerHash } = period3;
      await (
        await (d.providers.connect(d.others[2]!) as Contract).getFunction("proposeKey")(
          stranger.publicKey[0],
          stranger.publicKey[1],
          1,
        )
      ).wait();
      expect(
        await revertOf(
          d.providers.getFunction("approveKey")(d.others[5]!.address, strangerHash),
          d.providers,
        ),
      ).toEqual({ name: "Providers__NoProposal", args: [d.others[5]!.address, strangerHash] });
    });

    it("an approved key cannot be proposed again", async ({ world: d }) => {
      expect(
        await revertOf(
          (d.providers.connect(d.others[5]!) as Contract).getFunction("proposeKey")(
            d.provider.publicKey[0],
            d.provider.publicKey[1],
            1,
          ),
          d.providers,
        ),
      ).toEqual({ name: "Providers__KeyExists", args: [d.providerHash] });
    });

    it("only its provider revokes a key", async ({ world: d }) => {
      expect(
        await revertOf(
          (d.providers.connect(d.others[3]!) as Contract).getFunction("revokeKey")(d.providerHash),
          d.providers,
        ),
      ).toEqual({ name: "Providers__NotProvider", args: [d.others[3]!.address, d.others[1]!.address] });
    });

    it("refuses a revoked provider key", async ({ world: d, period3 }) => {
      await (
        await (d.providers.connect(d.others[1]!) as Contract).getFunction("revokeKey")(d.providerHash)
      ).wait();
      expect(await revertOf(submit(d, period3.good), d.providers)).toEqual({
        name: "Providers__KeyRevoked",
        args: [d.providerHash],
      });
    });
  });

  describe("rotation ends the old key the day before the new one", () => {
    const rotate = async (d: Deployed) => {
      const a = await generateProviderKey();
      const b = await generateProviderKey();
      const [ha, hb] = [await keyHash(a.publicKey), await keyHash(b.publicKey)];
      const p = d.providers.connect(d.others[4]!) as Contract;
      await (await p.getFunction("proposeKey")(a.publicKey[0], a.publicKey[1], 100)).wait();
      await (await d.providers.getFunction("approveKey")(d.others[4]!.address, ha)).wait();
      await (await p.getFunction("proposeKey")(b.publicKey[0], b.publicKey[1], 200)).wait();
      await (await d.providers.getFunction("approveKey")(d.others[4]!.address, hb)).wait();
      return { ha, hb };
    };

    it("approving a key valid from day 200 ends the old one on day 199", async ({ world: d }) => {
      const { ha } = await rotate(d);
      expect((await d.providers.getFunction("providerKey")(ha)).validUntil).toBe(199n);
    });

    it("the old key is valid on its last day", async ({ world: d }) => {
      const { ha } = await rotate(d);
      await d.providers.getFunction("checkKey")(ha, 199); // a view that reverts when the key is not valid
    });

    it("the old key is refused from the new key's first day, with its bounds", async ({ world: d }) => {
      const { ha } = await rotate(d);
      expect(await revertOf(d.providers.getFunction("checkKey")(ha, 200), d.providers)).toEqual({
        name: "Providers__KeyNotValidOn",
        args: [ha, 200n, 100n, 199n],
      });
    });

    it("the new key is valid from its first day", async ({ world: d }) => {
      const { hb } = await rotate(d);
      await d.providers.getFunction("checkKey")(hb, 200); // a view that reverts when the key is not valid
    });
  });
});
