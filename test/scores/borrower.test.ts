/**
 * Borrower-level score proofs (circuits/borrower/borrower_score.circom, prover/borrower, BorrowerGate):
 * valid, below threshold, stale report, a report on another score, wrong root, replayed nullifier, off-chain
 * and on-chain. Needs the built `borrower-score` and `score-backing-8` instances (skipped with a warning).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import * as snarkjs from "snarkjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
import {
  BORROWER_INSTANCE,
  borrowerNullifier,
  proveBorrowerScore,
  signScoreReport,
  type BorrowerClaim,
} from "../../prover/borrower/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { circuitId, deployBorrowerGate, onboardProvider } from "../../deploy/index.ts";
import { toSolidityGroth16 } from "../../sdk/vault/registry.ts";
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
  return signScoreReport(provider, {
    borrowerCommitment: commitment.encoded[i]!.borrowerCommitment,
    score: over.score ?? tape.loans[i]!.creditScore,
    modelId: 2,
    scoreDate: over.scoreDate ?? today - 3,
  });
}

function admit(p: InstanceProof, from: Signer, signals = p.publicSignals): Promise<{ gasUsed: bigint }> {
  const s = toSolidityGroth16(p.proof);
  return (gate.connect(from) as Contract)
    .getFunction("admit")(POOL_ID, tape.period, s.a, s.b, s.c, signals)
    .then((tx: { wait(): Promise<{ gasUsed: bigint }> }) => tx.wait());
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
  // a one-chunk tape whose scores the provider backs
  tape = generateSyntheticTape({ seed: 21, loans: 8, poolId: POOL_ID, asOfDate: today });
  commitment = await commitTape(tape, await deriveSalts(4n, tape), { chunkSize: 8 });
  await world.attest(tape, commitment);
  const scoresOf = new Map(
    commitment.encoded.map((e, i) => [e.borrowerCommitment, tape.loans[i]!.creditScore]),
  );
  const batch = await signScoreBatch(
    provider,
    buildScoreRequest(commitment, 0, 8),
    { modelId: 2, scoreDate: today - 3 },
    (b) => scoresOf.get(b),
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
  borrowerIndex = tape.loans.findIndex((l) => l.creditScore >= 650);
  if (borrowerIndex < 0) throw new Error("the synthetic tape has no borrower scored 650 or more");
}, 180_000);

afterAll(terminateCurves);

describe.skipIf(!BUILT)("borrower score proofs", () => {
  it("a valid proof verifies off-chain and admits its account once; the replayed nullifier is refused", async () => {
    const account = signers[7]!;
    const p = await proveBorrowerScore(
      commitment,
      borrowerIndex,
      await reportFor(borrowerIndex),
      await claimFor(account),
    );
    expect(await snarkjs.groth16.verify(vkey as never, p.publicSignals, p.proof as never)).toBe(true);
    expect(p.signals.nullifier).toBe(
      await borrowerNullifier(commitment.salts.borrower[borrowerIndex]!, await gate.getFunction("scope")()),
    );
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
    const again = await proveBorrowerScore(
      commitment,
      borrowerIndex,
      await reportFor(borrowerIndex),
      await claimFor(account, { threshold: 610 }),
    );
    expect(again.signals.nullifier).toBe(p.signals.nullifier);
    expect((await revertOf(admit(again, account), gate)).name).toBe("Gate__NullifierUsed");
  }, 120_000);

  it("refuses a claim above the score, a report older than claimed, and a report on another score", async () => {
    const account = signers[9]!;
    const score = tape.loans[borrowerIndex]!.creditScore;
    const report = await reportFor(borrowerIndex);
    await expect(
      proveBorrowerScore(
        commitment,
        borrowerIndex,
        report,
        await claimFor(account, { threshold: score + 1 }),
      ),
    ).rejects.toThrow(/BorrowerScore/);
    // exactly at the score is fine (off-chain)
    const at = await proveBorrowerScore(
      commitment,
      borrowerIndex,
      report,
      await claimFor(account, { threshold: score }),
    );
    expect(await snarkjs.groth16.verify(vkey as never, at.publicSignals, at.proof as never)).toBe(true);
    const old = await reportFor(borrowerIndex, { scoreDate: today - 31 });
    await expect(proveBorrowerScore(commitment, borrowerIndex, old, await claimFor(account))).rejects.toThrow(
      /BorrowerScore/,
    );
    const inflated = await reportFor(borrowerIndex, { score: Math.min(1023, score + 50) });
    await expect(
      proveBorrowerScore(commitment, borrowerIndex, inflated, await claimFor(account)),
    ).rejects.toThrow(/EdDSAPoseidonVerifier|ForceEqual|BorrowerScore/);
  }, 120_000);

  it("refuses a wrong root (off-chain and on-chain) and a threshold below the gate's", async () => {
    const account = signers[10]!;
    const p = await proveBorrowerScore(
      commitment,
      borrowerIndex,
      await reportFor(borrowerIndex),
      await claimFor(account),
    );
    const wrong = [...p.publicSignals];
    wrong[0] = String(BigInt(wrong[0]!) + 1n);
    expect(await snarkjs.groth16.verify(vkey as never, wrong, p.proof as never)).toBe(false);
    expect((await revertOf(admit(p, account, wrong), gate)).name).toBe("Gate__RootNotBacked");
    // a proof about a tape nobody backed
    const otherTape = generateSyntheticTape({ seed: 22, loans: 8, poolId: POOL_ID, asOfDate: today });
    const otherCommitment = await commitTape(otherTape, await deriveSalts(4n, otherTape), { chunkSize: 8 });
    const j = otherTape.loans.findIndex((l) => l.creditScore >= 600);
    const otherReport = await signScoreReport(provider, {
      borrowerCommitment: otherCommitment.encoded[j]!.borrowerCommitment,
      score: otherTape.loans[j]!.creditScore,
      modelId: 2,
      scoreDate: today,
    });
    const unbacked = await proveBorrowerScore(
      otherCommitment,
      0,
      otherReport,
      await claimFor(account, { threshold: Math.min(600, otherTape.loans[0]!.creditScore) }),
    );
    expect((await revertOf(admit(unbacked, account), gate)).name).toMatch(
      /Gate__RootNotBacked|Gate__ThresholdTooLow/,
    );
    const low = await proveBorrowerScore(
      commitment,
      borrowerIndex,
      await reportFor(borrowerIndex),
      await claimFor(account, { threshold: 500 }),
    );
    expect(await revertOf(admit(low, account), gate)).toEqual({
      name: "Gate__ThresholdTooLow",
      args: [500n, 600n],
    });
  }, 120_000);
});
