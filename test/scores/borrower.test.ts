/**
 * Borrower-level score proofs (circuits/borrower/borrower_score.circom, prover/borrower, BorrowerGate):
 * valid, below threshold, stale report, a report on another score, wrong root, replayed nullifier, off-chain
 * and on-chain; and the nullifier of issue 14: a borrower secret only the borrower holds (its key is the
 * leaf's borrower salt). A test plays the provider with everything it is given and cannot produce the
 * nullifier on-chain; a second loan of the borrower replays it; another gate (scope) gets another one. Needs
 * the built `borrower-score` and `score-backing-8` instances (skipped with a warning).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the world (pool 5's
 * one-chunk tape attested and its scores backed by the provider, two borrower gates of different scopes; an
 * EVM snapshot the chain is put back to before each test that changes it) and every borrower proof (each made
 * once: they depend only on the tape, the secrets, the reports and the gates' scopes); made for the test, the
 * gates at the stage the claim is about (the borrower admitted by the first gate, and by the second).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract, EventLog } from "ethers";
import * as snarkjs from "snarkjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  borrowerKey,
  commitTape,
  deriveBorrowerSecret,
  deriveSalts,
  idToField,
  openLoan,
  type TapeCommitment,
} from "../../prover/commitment/encoding.ts";
import { keyHash } from "../../prover/commitment/keys.ts";
import { getPoseidon } from "../../prover/commitment/poseidon.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import {
  buildScoreBackingInput,
  buildScoreRequest,
  checkBorrowerCommitmentOpening,
  generateProviderKey,
  openBorrowerCommitment,
  proveBuiltInstance,
  signScoreBatch,
  type InstanceProof,
  type ProviderKey,
  type ScoreRequest,
  type SignedScoreBatch,
} from "../../prover/scores/index.ts";
import {
  BORROWER_INSTANCE,
  borrowerNullifier,
  generateBorrowerSecret,
  openBorrowerLoan,
  proveBorrowerScore,
  signScoreReport,
  type BorrowerClaim,
  type SignedScoreReport,
} from "../../prover/borrower/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { circuitId, deployBorrowerGate, onboardProvider } from "../../deploy/index.ts";
import { toSolidityGroth16 } from "../../sdk/index.ts";
import { chainSnapshot, revertOf, terminateCurves } from "../contracts/helpers.ts";
import { instancesBuilt, makeScoreWorld, type ScoreWorld, type Signer } from "./world.ts";

const manifest = readManifest();
const BUILT = instancesBuilt(BORROWER_INSTANCE);
if (!BUILT)
  console.warn(
    "borrower-score, score-backing-8 or pool-attestation-8 is not built: skipping the borrower tests",
  );
const POOL_ID = 5n;
const SEED = 4n;

/** The world, the borrower and what the provider was given; `reset` puts the chain back to it. */
interface Deployed {
  world: ScoreWorld;
  signers: Signer[];
  /** The first gate, and a second one (another scope), both min score 600 and max age 60 days. */
  gate: Contract;
  second: Contract;
  scope1: bigint;
  scope2: bigint;
  provider: ProviderKey;
  providerHash: bigint;
  tape: LoanTape;
  commitment: TapeCommitment;
  today: number;
  vkey: unknown;
  borrowerIndex: number;
  /** Another loan of the same borrower. */
  secondLoan: number;
  /** A loan of another borrower, whose secret the originator derived (custodial). */
  j: number;
  /** The borrower's secret: the originator got only its key. */
  secret: bigint;
  /** What the provider was given: the request and its signed batch (the prerequisite openings are rebuilt). */
  request: ScoreRequest;
  batch: SignedScoreBatch;
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const world = await makeScoreWorld([POOL_ID]);
  const { gov, providers, scores, chainId, signers, today } = world;
  const vkey: unknown = JSON.parse(
    readFileSync(join(REPO_ROOT, manifest.instances[BORROWER_INSTANCE]!.artifacts.vkey!.path), "utf8"),
  );
  const provider = await generateProviderKey();
  const providerHash = await onboardProvider(
    providers,
    providers.connect(signers[2]!) as Contract,
    { ax: provider.publicKey[0], ay: provider.publicKey[1], validFrom: today - 400 },
    [2],
  );
  const gateOpts = {
    providers: await providers.getAddress(),
    scores: await scores.getAddress(),
    minScore: 600,
    maxAgeDays: 60,
  };
  const gate = await deployBorrowerGate(gov, gateOpts);
  const second = await deployBorrowerGate(gov, gateOpts);
  // a one-chunk tape whose scores the provider backs; one borrower has two loans (one score: the provider
  // scores the borrower) and gave the originator the key of its own secret
  const tape = generateSyntheticTape({ seed: 21, loans: 8, poolId: POOL_ID, asOfDate: today });
  const borrowerIndex = tape.loans.findIndex((l) => l.creditScore >= 650);
  if (borrowerIndex < 0) throw new Error("the synthetic tape has no borrower scored 650 or more");
  const secondLoan = (borrowerIndex + 1) % tape.loans.length;
  const { borrowerRef, creditScore } = tape.loans[borrowerIndex]!;
  tape.loans[secondLoan] = { ...tape.loans[secondLoan]!, borrowerRef, creditScore };
  const secret = generateBorrowerSecret();
  const borrowerKeys = new Map([[borrowerRef, await borrowerKey(secret)]]);
  const commitment = await commitTape(tape, await deriveSalts(SEED, tape, { borrowerKeys }), {
    chunkSize: 8,
  });
  await world.attest(tape, commitment);
  const scoresOf = new Map(
    commitment.encoded.map((e, i) => [e.borrowerCommitment, tape.loans[i]!.creditScore]),
  );
  const request = buildScoreRequest(commitment, 0, 8);
  const batch = await signScoreBatch(provider, request, { modelId: 2, scoreDate: today - 3 }, (b) =>
    scoresOf.get(b),
  );
  const { input } = await buildScoreBackingInput(
    tape,
    commitment,
    batch,
    { providerPublicKey: provider.publicKey, chainId, contract: await scores.getAddress(), maxAgeDays: 30 },
    0,
    8,
  );
  const sp = await proveBuiltInstance("score-backing-8", input);
  const s = toSolidityGroth16(sp.proof);
  await (
    await scores.getFunction("submitScores")(circuitId("score-backing-8"), 1, s.a, s.b, s.c, sp.publicSignals)
  ).wait();
  const reset = await chainSnapshot(world.ethers);
  return {
    world,
    signers,
    gate,
    second,
    scope1: (await gate.getFunction("scope")()) as bigint,
    scope2: (await second.getFunction("scope")()) as bigint,
    provider,
    providerHash,
    tape,
    commitment,
    today,
    vkey,
    borrowerIndex,
    secondLoan,
    j: borrowerIndex === 0 || secondLoan === 0 ? (borrowerIndex === 1 || secondLoan === 1 ? 2 : 1) : 0,
    secret,
    request,
    batch,
    reset,
  };
}

const claimFor = (d: Deployed, account: Signer, over: Partial<BorrowerClaim> = {}): BorrowerClaim => ({
  threshold: 600,
  minScoreDate: d.today - 30,
  scope: d.scope1,
  account: account.address,
  ...over,
});

/** The provider's report on loan `i`'s borrower (by default its score, 3 days old). */
const reportFor = (d: Deployed, i: number, over: { score?: number; scoreDate?: number } = {}) =>
  signScoreReport(d.provider, {
    borrowerCommitment: d.commitment.encoded[i]!.borrowerCommitment,
    score: over.score ?? d.tape.loans[i]!.creditScore,
    modelId: 2,
    scoreDate: over.scoreDate ?? d.today - 3,
  });

/** The borrower's proof about loan `i` (default: its first loan) with its secret. */
const prove = async (d: Deployed, claim: BorrowerClaim, i = d.borrowerIndex, report?: SignedScoreReport) =>
  proveBorrowerScore(openBorrowerLoan(d.commitment, i), d.secret, report ?? (await reportFor(d, i)), claim);

const verifies = (d: Deployed, p: { publicSignals: string[]; proof: unknown }, signals = p.publicSignals) =>
  snarkjs.groth16.verify(d.vkey as never, signals, p.proof as never);

function admit(
  d: Deployed,
  p: InstanceProof,
  from: Signer,
  signals = p.publicSignals,
  at: Contract = d.gate,
): Promise<{ gasUsed: bigint }> {
  const s = toSolidityGroth16(p.proof);
  return (at.connect(from) as Contract)
    .getFunction("admit")(POOL_ID, d.tape.period, s.a, s.b, s.c, signals)
    .then((tx: { wait(): Promise<{ gasUsed: bigint }> }) => tx.wait());
}

/** The nullifiers a gate recorded, from its BorrowerAdmitted events (what anyone reads on-chain). */
async function onChainNullifiers(at: Contract): Promise<bigint[]> {
  const events = await at.queryFilter(at.getEvent("BorrowerAdmitted"));
  return events.map((e) => (e as EventLog).args.getValue("nullifier") as bigint);
}

type BorrowerProof = Awaited<ReturnType<typeof prove>>;

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

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  /** The borrower's proof for account 7 at the first gate (threshold 600), and again with threshold 610. */
  p7: BorrowerProof;
  again: BorrowerProof;
  /** The borrower's proof about its other loan, for account 11. */
  viaSecond: BorrowerProof;
  /** The borrower's proof for account 12 at the second gate. */
  p12: BorrowerProof;
  /** Loan j's custodial secret (derived by the originator), and its proof for account 9 (threshold 0). */
  custodial: { secret: bigint; proof: BorrowerProof };
  /** For account 10: the borrower's proof, one about a tape nobody backed, and one with threshold 500. */
  p10: BorrowerProof;
  unbacked: BorrowerProof;
  low: BorrowerProof;
  /** `world` with p7 admitted by account 7: the receipt. */
  admitted: { d: Deployed; receipt: { gasUsed: bigint } };
  /** `admitted` with p12 admitted by account 12 at the second gate: both gates' nullifiers read on-chain. */
  bothGates: { d: Deployed; n1: bigint; n2: bigint };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  p7: file((d) => prove(d, claimFor(d, d.signers[7]!))),
  again: file((d) => prove(d, claimFor(d, d.signers[7]!, { threshold: 610 }))),
  viaSecond: file((d) => prove(d, claimFor(d, d.signers[11]!), d.secondLoan)),
  p12: file((d) => prove(d, claimFor(d, d.signers[12]!, { scope: d.scope2 }))),
  custodial: file(async (d) => {
    const secret = await deriveBorrowerSecret(SEED, d.tape.loans[d.j]!.borrowerRef);
    const proof = await proveBorrowerScore(
      openBorrowerLoan(d.commitment, d.j),
      secret,
      await reportFor(d, d.j),
      claimFor(d, d.signers[9]!, { threshold: 0 }),
    );
    return { secret, proof };
  }),
  p10: file((d) => prove(d, claimFor(d, d.signers[10]!))),
  unbacked: file(async (d) => {
    const otherTape = generateSyntheticTape({ seed: 22, loans: 8, poolId: POOL_ID, asOfDate: d.today });
    const otherCommitment = await commitTape(otherTape, await deriveSalts(SEED, otherTape), { chunkSize: 8 });
    const j = otherTape.loans.findIndex((l) => l.creditScore >= 600);
    const otherReport = await signScoreReport(d.provider, {
      borrowerCommitment: otherCommitment.encoded[j]!.borrowerCommitment,
      score: otherTape.loans[j]!.creditScore,
      modelId: 2,
      scoreDate: d.today,
    });
    return proveBorrowerScore(
      openBorrowerLoan(otherCommitment, j),
      await deriveBorrowerSecret(SEED, otherTape.loans[j]!.borrowerRef),
      otherReport,
      claimFor(d, d.signers[10]!),
    );
  }),
  low: file((d) => prove(d, claimFor(d, d.signers[10]!, { threshold: 500 }))),
  admitted: async ({ world: d, p7 }, use) => use({ d, receipt: await admit(d, p7, d.signers[7]!) }),
  bothGates: async ({ admitted: { d }, p12 }, use) => {
    await admit(d, p12, d.signers[12]!, p12.publicSignals, d.second);
    const [n1] = await onChainNullifiers(d.gate);
    const [n2] = await onChainNullifiers(d.second);
    await use({ d, n1: n1!, n2: n2! });
  },
});

afterAll(terminateCurves);

/**
 * Everything the provider is given: the prerequisite opening of every borrower commitment (borrowerRef and
 * borrower salt), the chunk's request (commitments, loan hashes, scores), its own batch and the reports it
 * signed for the borrower's two loans and loan j, every loan's audit opening (record, commitment, leaf salt,
 * path and the slot tree's root: as if it were also the auditor), and what is public on-chain (root, scopes, pool, period, chain,
 * accounts, both nullifiers). The originator's seed and the secret it would have derived for the borrower
 * (had the borrower not supplied a key) too.
 */
async function providerGiven(d: Deployed, n1: bigint, n2: bigint): Promise<Set<bigint>> {
  const { commitment, tape } = d;
  const given = new Set<bigint>();
  const add = (...xs: (bigint | number | string)[]) => xs.forEach((x) => given.add(BigInt(x)));
  for (let i = 0; i < tape.loans.length; i++) {
    const o = openBorrowerCommitment(commitment, i);
    expect(await checkBorrowerCommitmentOpening(o)).toBe(true);
    add(o.borrowerCommitment, idToField("borrowerRef", o.borrowerRef), o.borrowerSalt);
    const a = openLoan(commitment, i);
    const e = commitment.encoded[i]!;
    add(a.leafSalt, a.borrowerCommitment, e.wA, e.wB, e.wC, e.wV, e.state, e.loanIdField, e.hLoan, e.hId);
    add(e.leaf, ...a.siblings.flat(), a.slotRoot, a.record.creditScore, a.record.scoreDate);
  }
  for (const e of d.request.entries) if (e) add(e.borrowerCommitment, e.hLoan, e.score);
  const b = d.batch;
  add(b.providerKeyHash, b.modelId, b.scoreDate, b.signature.S, ...b.signature.R8);
  for (const i of [d.borrowerIndex, d.secondLoan, d.j]) {
    const r = await reportFor(d, i);
    add(r.borrowerCommitment, r.score, r.signature.S, ...r.signature.R8);
  }
  add(...d.provider.publicKey, commitment.root, POOL_ID, tape.period, d.world.chainId, d.scope1, d.scope2);
  add(d.signers[12]!.address, d.signers[7]!.address, n1, n2, SEED);
  add(await deriveBorrowerSecret(SEED, tape.loans[d.borrowerIndex]!.borrowerRef));
  return given;
}

/**
 * What the provider can form from `values` with one Poseidon of a value and a scope (either order, or with a
 * 0), plus Poseidon of any two of the borrower's own values.
 */
async function formed(d: Deployed, values: Set<bigint>): Promise<Set<bigint>> {
  const poseidon = await getPoseidon();
  const i = d.borrowerIndex;
  const scopes = [d.scope1, d.scope2];
  const own = [
    d.commitment.encoded[i]!.borrowerCommitment,
    d.commitment.salts.borrower[i]!,
    idToField("borrowerRef", d.tape.loans[i]!.borrowerRef),
    d.commitment.encoded[i]!.hLoan,
    d.commitment.encoded[i]!.hId,
    d.commitment.salts.leaf[i]!,
    ...scopes,
  ];
  const out = new Set(values);
  for (const x of values)
    for (const sc of scopes)
      [
        [x, sc],
        [sc, x],
        [x, sc, 0n],
      ].forEach((xs) => out.add(poseidon(xs)));
  for (const x of own) for (const y of own) out.add(poseidon([x, y]));
  return out;
}
/** `given` without `n` (a nullifier is searched without itself: the set may hold the other). */
const without = (given: Set<bigint>, n: bigint) => new Set([...given].filter((v) => v !== n));

describe.skipIf(!BUILT)("borrower score proofs", () => {
  it("the provider registry computes the provider's key hash as the prover does", async ({ deployed: d }) => {
    expect(d.providerHash).toBe(await keyHash(d.provider.publicKey));
  });

  describe("a valid proof", () => {
    it("verifies off-chain", async ({ deployed: d, p7 }) => {
      expect(await verifies(d, p7)).toBe(true);
    });

    it("carries the borrower's nullifier for the gate's scope", async ({ deployed: d, p7 }) => {
      expect(p7.signals.nullifier).toBe(await borrowerNullifier(d.secret, d.scope1));
    });

    it("cannot be used by another account", async ({ world: d, p7 }) => {
      expect((await revertOf(admit(d, p7, d.signers[8]!), d.gate)).name).toBe("Gate__WrongAccount");
    });

    it("admits its account within 345k gas", ({ admitted: { receipt } }) => {
      expect(receipt.gasUsed).toBeLessThan(345_000n); // measured 326,577 (Groth16, 8 signals)
    });

    it("admits its account", async ({ admitted: { d } }) => {
      expect(await d.gate.getFunction("admitted")(d.signers[7]!.address)).toBe(true);
    });

    it("replayed, is refused: its nullifier is used", async ({ admitted: { d }, p7 }) => {
      expect(await revertOf(admit(d, p7, d.signers[7]!), d.gate)).toEqual({
        name: "Gate__NullifierUsed",
        args: [p7.signals.nullifier],
      });
    });

    it("a fresh proof of the same borrower for the same scope has the same nullifier", ({ p7, again }) => {
      expect(again.signals.nullifier).toBe(p7.signals.nullifier);
    });

    it("a fresh proof of an admitted borrower is refused: its nullifier is used", async ({
      admitted: { d },
      again,
    }) => {
      expect((await revertOf(admit(d, again, d.signers[7]!), d.gate)).name).toBe("Gate__NullifierUsed");
    });

    it("a proof about the borrower's other loan verifies off-chain", async ({ deployed: d, viaSecond }) => {
      expect(await verifies(d, viaSecond)).toBe(true);
    });

    it("a proof about the borrower's other loan, from another account, is refused: one admission per borrower", async ({
      admitted: { d },
      p7,
      viaSecond,
    }) => {
      expect(await revertOf(admit(d, viaSecond, d.signers[11]!), d.gate)).toEqual({
        name: "Gate__NullifierUsed",
        args: [p7.signals.nullifier],
      });
    });

    it("the refused proofs leave the one admission's nullifier on-chain", async ({
      admitted: { d },
      p7,
      again,
      viaSecond,
    }) => {
      await revertOf(admit(d, p7, d.signers[7]!), d.gate);
      await revertOf(admit(d, again, d.signers[7]!), d.gate);
      await revertOf(admit(d, viaSecond, d.signers[11]!), d.gate);
      expect(await onChainNullifiers(d.gate)).toEqual([p7.signals.nullifier]);
    });
  });

  describe("the borrower's secret", () => {
    it("the originator holds the secret of loan j's borrower (custodial): its key is that loan's borrower salt", async ({
      deployed: d,
      custodial,
    }) => {
      expect(d.commitment.salts.borrower[d.j]).toBe(await borrowerKey(custodial.secret));
    });

    it.for(["the secret + 1", "another loan's borrower's secret", "the borrower salt of the opening"])(
      "a proof with %s is refused before proving",
      async (wrong, { deployed: d, custodial }) => {
        const secret = {
          "the secret + 1": d.secret + 1n,
          "another loan's borrower's secret": custodial.secret,
          "the borrower salt of the opening": d.commitment.salts.borrower[d.borrowerIndex]!,
        }[wrong]!;
        const opening = openBorrowerLoan(d.commitment, d.borrowerIndex);
        const claim = claimFor(d, d.signers[9]!);
        await expect(
          proveBorrowerScore(opening, secret, await reportFor(d, d.borrowerIndex), claim),
        ).rejects.toThrow(/borrowerSecret/);
      },
    );

    it("the custodial secret proves for its own loan (the originator holds it: docs/SCORES.md, trust model)", async ({
      deployed: d,
      custodial,
    }) => {
      expect(await verifies(d, custodial.proof)).toBe(true);
    });
  });

  describe("the nullifier (issue 14)", () => {
    it("another gate has another scope", ({ deployed: d }) => {
      expect(d.scope2).not.toBe(d.scope1);
    });

    it("a second gate admits the borrower whose first gate's nullifier is used, with the proof's nullifier", ({
      bothGates: { n2 },
      p12,
    }) => {
      expect(n2).toBe(p12.signals.nullifier);
    });

    it("the first gate's admission is on-chain", ({ bothGates: { n1 }, p7 }) => {
      expect(n1).toBe(p7.signals.nullifier);
    });

    it("another scope's nullifier is another", ({ bothGates: { n1, n2 } }) => {
      expect(n2).not.toBe(n1);
    });

    it("the provider, with everything it is given, cannot produce the first gate's nullifier", async ({
      bothGates: { d, n1, n2 },
    }) => {
      const given = await providerGiven(d, n1, n2);
      expect((await formed(d, without(given, n1))).has(n1)).toBe(false);
    });

    it("the provider, with everything it is given, cannot produce the second gate's nullifier", async ({
      bothGates: { d, n1, n2 },
    }) => {
      const given = await providerGiven(d, n1, n2);
      expect((await formed(d, without(given, n2))).has(n2)).toBe(false);
    });

    it("the attack of before issue 14, Poseidon(borrowerSalt, scope) with the salt of the opening, misses", async ({
      bothGates: { d, n1 },
    }) => {
      const poseidon = await getPoseidon();
      const salt = openBorrowerCommitment(d.commitment, d.borrowerIndex).borrowerSalt;
      expect(poseidon([salt, d.scope1])).not.toBe(n1);
    });

    it("the same search with the secret added finds both: the search is able, the secret is what it lacks", async ({
      bothGates: { d, n1, n2 },
    }) => {
      const given = await providerGiven(d, n1, n2);
      expect((await formed(d, new Set([...without(given, n1), d.secret]))).has(n1)).toBe(true);
      expect((await formed(d, new Set([...without(given, n2), d.secret]))).has(n2)).toBe(true);
    });
  });

  describe("the claim", () => {
    it("a claim above the score cannot be proven", async ({ deployed: d }) => {
      const score = d.tape.loans[d.borrowerIndex]!.creditScore;
      await expect(prove(d, claimFor(d, d.signers[9]!, { threshold: score + 1 }))).rejects.toThrow(
        /BorrowerScore/,
      );
    });

    it("a claim exactly at the score verifies off-chain", async ({ deployed: d }) => {
      const score = d.tape.loans[d.borrowerIndex]!.creditScore;
      const at = await prove(d, claimFor(d, d.signers[9]!, { threshold: score }));
      expect(await verifies(d, at)).toBe(true);
    });

    it("a report older than claimed cannot be proven", async ({ deployed: d }) => {
      const old = await reportFor(d, d.borrowerIndex, { scoreDate: d.today - 31 });
      await expect(prove(d, claimFor(d, d.signers[9]!), d.borrowerIndex, old)).rejects.toThrow(
        /BorrowerScore/,
      );
    });

    it("a report on another score cannot be proven", async ({ deployed: d }) => {
      const score = d.tape.loans[d.borrowerIndex]!.creditScore;
      const inflated = await reportFor(d, d.borrowerIndex, { score: Math.min(1023, score + 50) });
      await expect(prove(d, claimFor(d, d.signers[9]!), d.borrowerIndex, inflated)).rejects.toThrow(
        /EdDSAPoseidonVerifier|ForceEqual|BorrowerScore/,
      );
    });
  });

  describe("the root and the gate's threshold", () => {
    const wrongRoot = (p: BorrowerProof) => {
      const wrong = [...p.publicSignals];
      wrong[0] = String(BigInt(wrong[0]!) + 1n);
      return wrong;
    };

    it("a proof with another root does not verify off-chain", async ({ deployed: d, p10 }) => {
      expect(await verifies(d, p10, wrongRoot(p10))).toBe(false);
    });

    it("a proof with another root is refused on-chain: the root is not backed", async ({ world: d, p10 }) => {
      expect((await revertOf(admit(d, p10, d.signers[10]!, wrongRoot(p10)), d.gate)).name).toBe(
        "Gate__RootNotBacked",
      );
    });

    it("a proof about a tape nobody backed is refused: the root is not backed", async ({
      world: d,
      unbacked,
    }) => {
      expect((await revertOf(admit(d, unbacked, d.signers[10]!), d.gate)).name).toBe("Gate__RootNotBacked");
    });

    it("a threshold below the gate's is refused, naming both", async ({ world: d, low }) => {
      expect(await revertOf(admit(d, low, d.signers[10]!), d.gate)).toEqual({
        name: "Gate__ThresholdTooLow",
        args: [500n, 600n],
      });
    });
  });
});
