/**
 * Borrower-level score proofs (circuits/borrower/borrower_score.circom, prover/borrower, BorrowerGate):
 * valid, below threshold, stale report, a report on another score, wrong root, replayed nullifier, off-chain
 * and on-chain; and the nullifier of issue 14: a borrower secret only the borrower holds (its key is the
 * leaf's borrower salt). A test plays the provider with everything it is given and cannot produce the
 * nullifier on-chain; a second loan of the borrower replays it; another gate (scope) gets another one. Needs
 * the built `borrower-score` and `score-backing-8` instances (skipped with a warning).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  packOther,
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
import { revertOf, terminateCurves } from "../contracts/helpers.ts";
import { instancesBuilt, makeScoreWorld, type ScoreWorld, type Signer } from "./world.ts";

const manifest = readManifest();
const BUILT = instancesBuilt(BORROWER_INSTANCE);
if (!BUILT)
  console.warn(
    "borrower-score, score-backing-8 or pool-attestation-8 is not built: skipping the borrower tests",
  );
const POOL_ID = 5n;

let world: ScoreWorld;
let signers: Signer[];
let gate: Contract;
let provider: ProviderKey;
let tape: LoanTape;
let commitment: TapeCommitment;
let today: number;
let vkey: unknown;
let borrowerIndex: number;
/** Another loan of the same borrower. */
let secondLoan: number;
/** The borrower's secret: the originator got only its key. */
let secret: bigint;
const SEED = 4n;
/** What the provider was given: the request and its signed batch (the prerequisite openings are rebuilt). */
let request: ScoreRequest;
let batch: SignedScoreBatch;
const reports: SignedScoreReport[] = [];

function claimFor(account: Signer, over: Partial<BorrowerClaim> = {}): Promise<BorrowerClaim> {
  return gate
    .getFunction("scope")()
    .then((scope: bigint) => ({
      threshold: 600,
      minScoreDate: today - 30,
      scope,
      account: account.address,
      ...over,
    }));
}

async function reportFor(i: number, over: { score?: number; scoreDate?: number } = {}) {
  const r = await signScoreReport(provider, {
    borrowerCommitment: commitment.encoded[i]!.borrowerCommitment,
    score: over.score ?? tape.loans[i]!.creditScore,
    modelId: 2,
    scoreDate: over.scoreDate ?? today - 3,
  });
  reports.push(r);
  return r;
}

/** The borrower's proof about loan `i` (default: its first loan) with its secret. */
async function prove(claim: BorrowerClaim, i = borrowerIndex, report?: SignedScoreReport) {
  return proveBorrowerScore(openBorrowerLoan(commitment, i), secret, report ?? (await reportFor(i)), claim);
}

function admit(
  p: InstanceProof,
  from: Signer,
  signals = p.publicSignals,
  at: Contract = gate,
): Promise<{ gasUsed: bigint }> {
  const s = toSolidityGroth16(p.proof);
  return (at.connect(from) as Contract)
    .getFunction("admit")(POOL_ID, tape.period, s.a, s.b, s.c, signals)
    .then((tx: { wait(): Promise<{ gasUsed: bigint }> }) => tx.wait());
}

/** The nullifiers a gate recorded, from its BorrowerAdmitted events (what anyone reads on-chain). */
async function onChainNullifiers(at: Contract): Promise<bigint[]> {
  const events = await at.queryFilter(at.getEvent("BorrowerAdmitted"));
  return events.map((e) => (e as EventLog).args.getValue("nullifier") as bigint);
}

beforeAll(async () => {
  if (!BUILT) return;
  world = await makeScoreWorld([POOL_ID]);
  const { gov, providers, scores, chainId } = world;
  signers = world.signers;
  today = world.today;
  vkey = JSON.parse(
    readFileSync(join(REPO_ROOT, manifest.instances[BORROWER_INSTANCE]!.artifacts.vkey!.path), "utf8"),
  );
  provider = await generateProviderKey();
  const ph = await onboardProvider(
    providers,
    providers.connect(signers[2]!) as Contract,
    {
      ax: provider.publicKey[0],
      ay: provider.publicKey[1],
      validFrom: today - 400,
    },
    [2],
  );
  expect(ph).toBe(await keyHash(provider.publicKey));
  gate = await deployBorrowerGate(gov, {
    providers: await providers.getAddress(),
    scores: await scores.getAddress(),
    minScore: 600,
    maxAgeDays: 60,
  });
  // a one-chunk tape whose scores the provider backs; one borrower has two loans (one score: the provider
  // scores the borrower) and gave the originator the key of its own secret
  tape = generateSyntheticTape({ seed: 21, loans: 8, poolId: POOL_ID, asOfDate: today });
  borrowerIndex = tape.loans.findIndex((l) => l.creditScore >= 650);
  if (borrowerIndex < 0) throw new Error("the synthetic tape has no borrower scored 650 or more");
  secondLoan = (borrowerIndex + 1) % tape.loans.length;
  const { borrowerRef, creditScore } = tape.loans[borrowerIndex]!;
  tape.loans[secondLoan] = { ...tape.loans[secondLoan]!, borrowerRef, creditScore };
  secret = generateBorrowerSecret();
  const borrowerKeys = new Map([[borrowerRef, await borrowerKey(secret)]]);
  commitment = await commitTape(tape, await deriveSalts(SEED, tape, { borrowerKeys }), { chunkSize: 8 });
  await world.attest(tape, commitment);
  const scoresOf = new Map(
    commitment.encoded.map((e, i) => [e.borrowerCommitment, tape.loans[i]!.creditScore]),
  );
  request = buildScoreRequest(commitment, 0, 8);
  batch = await signScoreBatch(provider, request, { modelId: 2, scoreDate: today - 3 }, (b) =>
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
}, 180_000);

afterAll(terminateCurves);

describe.skipIf(!BUILT)("borrower score proofs", () => {
  it("a valid proof verifies off-chain and admits its account once; the replayed nullifier is refused", async () => {
    const account = signers[7]!;
    const p = await prove(await claimFor(account));
    expect(await snarkjs.groth16.verify(vkey as never, p.publicSignals, p.proof as never)).toBe(true);
    expect(p.signals.nullifier).toBe(await borrowerNullifier(secret, await gate.getFunction("scope")()));
    // another account cannot use it
    expect((await revertOf(admit(p, signers[8]!), gate)).name).toBe("Gate__WrongAccount");
    const receipt = await admit(p, account);
    expect(receipt.gasUsed).toBeLessThan(345_000n); // measured 326,577 (Groth16, 8 signals)
    expect(await gate.getFunction("admitted")(account.address)).toBe(true);
    expect(await revertOf(admit(p, account), gate)).toEqual({
      name: "Gate__NullifierUsed",
      args: [p.signals.nullifier],
    });
    // a fresh proof of the same borrower for the same scope has the same nullifier
    const again = await prove(await claimFor(account, { threshold: 610 }));
    expect(again.signals.nullifier).toBe(p.signals.nullifier);
    expect((await revertOf(admit(again, account), gate)).name).toBe("Gate__NullifierUsed");
    // and so has a proof about the borrower's other loan, from another account: one admission per borrower
    const other = signers[11]!;
    const viaSecond = await prove(await claimFor(other), secondLoan);
    expect(
      await snarkjs.groth16.verify(vkey as never, viaSecond.publicSignals, viaSecond.proof as never),
    ).toBe(true);
    expect(await revertOf(admit(viaSecond, other), gate)).toEqual({
      name: "Gate__NullifierUsed",
      args: [p.signals.nullifier],
    });
    expect(await onChainNullifiers(gate)).toEqual([p.signals.nullifier]);
  }, 120_000);

  it("refuses a wrong secret and another loan's borrower's secret before proving", async () => {
    const claim = await claimFor(signers[9]!);
    const report = await reportFor(borrowerIndex);
    const opening = openBorrowerLoan(commitment, borrowerIndex);
    const j = borrowerIndex === 0 || secondLoan === 0 ? (borrowerIndex === 1 || secondLoan === 1 ? 2 : 1) : 0;
    const custodial = await deriveBorrowerSecret(SEED, tape.loans[j]!.borrowerRef);
    expect(commitment.salts.borrower[j]).toBe(await borrowerKey(custodial)); // loan j's borrower's secret
    for (const wrong of [secret + 1n, custodial, commitment.salts.borrower[borrowerIndex]!])
      await expect(proveBorrowerScore(opening, wrong, report, claim)).rejects.toThrow(/borrowerSecret/);
    // the custodial secret proves for its own loan (the originator holds it: docs/SCORES.md, trust model)
    const theirs = await proveBorrowerScore(
      openBorrowerLoan(commitment, j),
      custodial,
      await reportFor(j),
      await claimFor(signers[9]!, { threshold: 0 }),
    );
    expect(await snarkjs.groth16.verify(vkey as never, theirs.publicSignals, theirs.proof as never)).toBe(
      true,
    );
  }, 120_000);

  it("the provider, with everything it is given, cannot produce the nullifier that appears on-chain; another scope's is another", async () => {
    // a second gate (another scope) admits the same borrower, whose first gate's nullifier is used
    const second = await deployBorrowerGate(world.gov, {
      providers: await world.providers.getAddress(),
      scores: await world.scores.getAddress(),
      minScore: 600,
      maxAgeDays: 60,
    });
    const scope1 = (await gate.getFunction("scope")()) as bigint;
    const scope2 = (await second.getFunction("scope")()) as bigint;
    expect(scope2).not.toBe(scope1);
    const account = signers[12]!;
    const p2 = await prove(await claimFor(account, { scope: scope2 }));
    await admit(p2, account, p2.publicSignals, second);
    const [n1] = await onChainNullifiers(gate); // admitted by the first test
    const [n2] = await onChainNullifiers(second);
    expect(n1).toBeDefined();
    expect(n2).toBe(p2.signals.nullifier);
    expect(n2).not.toBe(n1);

    // Everything the provider is given: the prerequisite opening of every borrower commitment (borrowerRef and
    // borrower salt), the chunk's request (commitments, loan hashes, scores), its own batch and reports, every
    // loan's audit opening (record, commitment, leaf salt, path: as if it were also the auditor), and what is
    // public on-chain (root, scopes, pool, period, chain, accounts, both nullifiers). The originator's seed
    // and the secret it would have derived for the borrower (had the borrower not supplied a key) too.
    const poseidon = await getPoseidon();
    const given = new Set<bigint>();
    const add = (...xs: (bigint | number | string)[]) => xs.forEach((x) => given.add(BigInt(x)));
    for (let i = 0; i < tape.loans.length; i++) {
      const o = openBorrowerCommitment(commitment, i);
      expect(await checkBorrowerCommitmentOpening(o)).toBe(true);
      add(o.borrowerCommitment, idToField("borrowerRef", o.borrowerRef), o.borrowerSalt);
      const a = openLoan(commitment, i);
      const e = commitment.encoded[i]!;
      add(a.leafSalt, a.borrowerCommitment, e.wA, e.wB, packOther(a.record), e.loanIdField, e.hLoan, e.hId);
      add(e.leaf, ...a.siblings.flat(), a.record.creditScore, a.record.scoreDate);
    }
    for (const e of request.entries) if (e) add(e.borrowerCommitment, e.hLoan, e.score);
    add(batch.providerKeyHash, batch.modelId, batch.scoreDate, batch.signature.S, ...batch.signature.R8);
    for (const r of reports) add(r.borrowerCommitment, r.score, r.signature.S, ...r.signature.R8);
    add(...provider.publicKey, commitment.root, POOL_ID, tape.period, world.chainId, scope1, scope2);
    add(account.address, signers[7]!.address, n1!, n2!, SEED);
    add(await deriveBorrowerSecret(SEED, tape.loans[borrowerIndex]!.borrowerRef));

    // What it can form with one Poseidon of a value and a scope (either order, or with a 0), plus Poseidon
    // of any two of the borrower's own values; a nullifier is searched without itself (it may hold the other).
    const scopes = [scope1, scope2];
    const own = [
      commitment.encoded[borrowerIndex]!.borrowerCommitment,
      commitment.salts.borrower[borrowerIndex]!,
      idToField("borrowerRef", tape.loans[borrowerIndex]!.borrowerRef),
      commitment.encoded[borrowerIndex]!.hLoan,
      commitment.encoded[borrowerIndex]!.hId,
      commitment.salts.leaf[borrowerIndex]!,
      ...scopes,
    ];
    const formed = (values: Set<bigint>): Set<bigint> => {
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
    };
    const without = (n: bigint) => new Set([...given].filter((v) => v !== n));
    expect(formed(without(n1!)).has(n1!)).toBe(false);
    expect(formed(without(n2!)).has(n2!)).toBe(false);
    // the attack of before issue 14, Poseidon(borrowerSalt, scope) with the salt of the opening, misses
    expect(poseidon([openBorrowerCommitment(commitment, borrowerIndex).borrowerSalt, scope1])).not.toBe(n1);
    // the same search with the secret added finds both: the search is able, the secret is what it lacks
    expect(formed(new Set([...without(n1!), secret])).has(n1!)).toBe(true);
    expect(formed(new Set([...without(n2!), secret])).has(n2!)).toBe(true);
  }, 180_000);

  it("refuses a claim above the score, a report older than claimed, and a report on another score", async () => {
    const account = signers[9]!;
    const score = tape.loans[borrowerIndex]!.creditScore;
    const report = await reportFor(borrowerIndex);
    await expect(
      prove(await claimFor(account, { threshold: score + 1 }), borrowerIndex, report),
    ).rejects.toThrow(/BorrowerScore/);
    // exactly at the score is fine (off-chain)
    const at = await prove(await claimFor(account, { threshold: score }), borrowerIndex, report);
    expect(await snarkjs.groth16.verify(vkey as never, at.publicSignals, at.proof as never)).toBe(true);
    const old = await reportFor(borrowerIndex, { scoreDate: today - 31 });
    await expect(prove(await claimFor(account), borrowerIndex, old)).rejects.toThrow(/BorrowerScore/);
    const inflated = await reportFor(borrowerIndex, { score: Math.min(1023, score + 50) });
    await expect(prove(await claimFor(account), borrowerIndex, inflated)).rejects.toThrow(
      /EdDSAPoseidonVerifier|ForceEqual|BorrowerScore/,
    );
  }, 120_000);

  it("refuses a wrong root (off-chain and on-chain) and a threshold below the gate's", async () => {
    const account = signers[10]!;
    const p = await prove(await claimFor(account));
    const wrong = [...p.publicSignals];
    wrong[0] = String(BigInt(wrong[0]!) + 1n);
    expect(await snarkjs.groth16.verify(vkey as never, wrong, p.proof as never)).toBe(false);
    expect((await revertOf(admit(p, account, wrong), gate)).name).toBe("Gate__RootNotBacked");
    // a proof about a tape nobody backed
    const otherTape = generateSyntheticTape({ seed: 22, loans: 8, poolId: POOL_ID, asOfDate: today });
    const otherCommitment = await commitTape(otherTape, await deriveSalts(SEED, otherTape), { chunkSize: 8 });
    const j = otherTape.loans.findIndex((l) => l.creditScore >= 600);
    const otherReport = await signScoreReport(provider, {
      borrowerCommitment: otherCommitment.encoded[j]!.borrowerCommitment,
      score: otherTape.loans[j]!.creditScore,
      modelId: 2,
      scoreDate: today,
    });
    const unbacked = await proveBorrowerScore(
      openBorrowerLoan(otherCommitment, j),
      await deriveBorrowerSecret(SEED, otherTape.loans[j]!.borrowerRef),
      otherReport,
      await claimFor(account),
    );
    expect((await revertOf(admit(unbacked, account), gate)).name).toBe("Gate__RootNotBacked");
    const low = await prove(await claimFor(account, { threshold: 500 }));
    expect(await revertOf(admit(low, account), gate)).toEqual({
      name: "Gate__ThresholdTooLow",
      args: [500n, 600n],
    });
  }, 120_000);
});
