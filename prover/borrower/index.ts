/**
 * Borrower-level score proofs (docs/SCORES.md): a borrower proves "my score from a registered provider is at
 * least T, as of a date no older than D, and my loan is in tape root R" with
 * circuits/borrower/borrower_score.circom, revealing a per-scope nullifier and nothing else. The proof needs
 * the borrower's secret (whose key is the leaf's borrower salt) and the originator's opening of the loan
 * (`openBorrowerLoan`); the nullifier Poseidon(secret, scope) is out of reach of anyone given only the key,
 * such as the score provider.
 */
import {
  borrowerCommitmentWith,
  borrowerKeyWith,
  encodeWithCommitment,
  idToField,
  openLoan,
  randomFieldElement,
  verifyOpening,
  type LoanOpening,
  type TapeCommitment,
} from "../commitment/encoding.ts";
import { keyHash, type AttestationSignature, type PublicKey } from "../commitment/keys.ts";
import { getEddsa, getPoseidon } from "../commitment/poseidon.ts";
import { MAX_DAY } from "../tape/schema.ts";
import {
  MAX_MODEL_ID,
  MAX_SCORE,
  proveBuiltInstance,
  type InstanceProof,
  type ProviderKey,
} from "../scores/index.ts";
import type { CircuitInput } from "../witness/index.ts";
import { invalid, requireField, requireUint } from "../../verifier-api/web/errors.js";

/** idToField("rwa-attest/score-report/v1"): the domain tag of a provider's single-borrower report. */
export const SCORE_REPORT_TAG = idToField("tag", "rwa-attest/score-report/v1");
/** The catalogue instance of the borrower circuit. */
export const BORROWER_INSTANCE = "borrower-score";

/** A provider's report on one borrower (by commitment, never by identity). */
export interface ScoreReport {
  borrowerCommitment: bigint;
  score: number;
  modelId: number;
  scoreDate: number;
}

export interface SignedScoreReport extends ScoreReport {
  providerPublicKey: PublicKey;
  signature: AttestationSignature;
}

/** The field element a provider signs for a report. */
export async function scoreReportMessage(r: ScoreReport): Promise<bigint> {
  const poseidon = await getPoseidon();
  return poseidon([
    SCORE_REPORT_TAG,
    requireField("borrowerCommitment", r.borrowerCommitment),
    BigInt(requireUint("score", r.score, MAX_SCORE)),
    BigInt(requireUint("modelId", r.modelId, MAX_MODEL_ID)),
    BigInt(requireUint("scoreDate", r.scoreDate, MAX_DAY)),
  ]);
}

/** Provider side: signs a report on a borrower commitment. */
export async function signScoreReport(key: ProviderKey, report: ScoreReport): Promise<SignedScoreReport> {
  const msg = await scoreReportMessage(report);
  const eddsa = await getEddsa();
  const sig = eddsa.signPoseidon(Buffer.from(key.privateKey), eddsa.F.e(msg));
  return {
    ...report,
    providerPublicKey: key.publicKey,
    signature: {
      R8: [eddsa.F.toObject(sig.R8[0]) as bigint, eddsa.F.toObject(sig.R8[1]) as bigint],
      S: BigInt(sig.S),
    },
  };
}

/**
 * A fresh borrower secret (the borrower's side, kept like a private key). The borrower gives its originator
 * only `borrowerKey(secret)` (prover/commitment/encoding.ts), which becomes the borrower salt of its loans.
 */
export function generateBorrowerSecret(): bigint {
  return randomFieldElement();
}

/**
 * nullifier = Poseidon(borrowerSecret, scope): one per borrower and scope (e.g. a BorrowerGate's scope()),
 * the same for every loan and tape whose borrower salt is the secret's key.
 */
export async function borrowerNullifier(borrowerSecret: bigint, scope: bigint): Promise<bigint> {
  return (await getPoseidon())([
    requireField("borrowerSecret", borrowerSecret),
    requireField("scope", scope),
  ]);
}

/**
 * What the originator hands a borrower so that it can prove about one of its loans: the tape root, the loan's
 * opening (record, borrower commitment, leaf salt, path) and the borrower reference the commitment hides. It
 * holds no secret: the borrower adds its own.
 */
export interface BorrowerOpening {
  root: bigint;
  loan: LoanOpening;
  borrowerRef: string;
}

/** Originator side: the opening of loan `index` for its borrower. */
export function openBorrowerLoan(commitment: TapeCommitment, index: number): BorrowerOpening {
  return {
    root: commitment.root,
    loan: openLoan(commitment, index),
    borrowerRef: commitment.records[index]!.borrowerRef,
  };
}

/** What the proof claims, and for whom. */
export interface BorrowerClaim {
  threshold: number;
  minScoreDate: number;
  scope: bigint;
  /** The address that may use the proof (bound to it). */
  account: string;
}

/** Public signals of a borrower proof, in circuit order. */
export interface BorrowerSignals {
  root: bigint;
  providerKeyHash: bigint;
  modelId: bigint;
  threshold: bigint;
  minScoreDate: bigint;
  scope: bigint;
  nullifier: bigint;
  account: bigint;
}

/**
 * The witness input of BorrowerScore() for the opened loan and the borrower's secret. Refuses (TypeError) an
 * opening that does not lead to its root and a secret whose key is not the loan's borrower salt.
 */
export async function buildBorrowerInput(
  opening: BorrowerOpening,
  borrowerSecret: bigint,
  report: SignedScoreReport,
  claim: BorrowerClaim,
): Promise<{ input: CircuitInput; publicSignals: BorrowerSignals }> {
  const root = requireField("opening.root", opening.root);
  const { loan } = opening;
  if (!(await verifyOpening(root, loan)))
    throw invalid("opening", "the loan does not open to the root (record, salt or path)");
  const poseidon = await getPoseidon();
  const secret = requireField("borrowerSecret", borrowerSecret);
  if (
    borrowerCommitmentWith(poseidon, opening.borrowerRef, borrowerKeyWith(poseidon, secret)) !==
    loan.borrowerCommitment
  )
    throw invalid("borrowerSecret", "its key and the borrowerRef do not give the loan's borrower commitment");
  const e = encodeWithCommitment(
    poseidon,
    loan.record,
    loan.borrowerCommitment,
    loan.leafSalt,
    loan.asOfDate,
  );
  if (!/^0x[0-9a-fA-F]{40}$/.test(claim.account)) throw invalid("claim.account", "expected an address");
  const signals: BorrowerSignals = {
    root,
    providerKeyHash: await keyHash(report.providerPublicKey),
    modelId: BigInt(requireUint("report.modelId", report.modelId, MAX_MODEL_ID)),
    threshold: BigInt(requireUint("claim.threshold", claim.threshold, MAX_SCORE)),
    minScoreDate: BigInt(requireUint("claim.minScoreDate", claim.minScoreDate, MAX_DAY)),
    scope: requireField("claim.scope", claim.scope),
    nullifier: await borrowerNullifier(secret, claim.scope),
    account: BigInt(claim.account),
  };
  const d = (v: bigint): string => v.toString(10);
  const input: CircuitInput = {
    root: d(signals.root),
    providerKeyHash: d(signals.providerKeyHash),
    modelId: d(signals.modelId),
    threshold: d(signals.threshold),
    minScoreDate: d(signals.minScoreDate),
    scope: d(signals.scope),
    nullifier: d(signals.nullifier),
    account: d(signals.account),
    borrowerRef: d(idToField("borrowerRef", opening.borrowerRef)),
    borrowerSecret: d(secret),
    hLoan: d(e.hLoan),
    wA: d(e.wA),
    wB: d(e.wB),
    wV: d(e.wV),
    index: String(loan.index),
    siblings: loan.siblings.map((l) => l.map(d)),
    slotRoot: d(loan.slotRoot),
    scoreDate: String(requireUint("report.scoreDate", report.scoreDate, MAX_DAY)),
    Ax: d(report.providerPublicKey[0]),
    Ay: d(report.providerPublicKey[1]),
    S: d(report.signature.S),
    R8x: d(report.signature.R8[0]),
    R8y: d(report.signature.R8[1]),
  };
  return { input, publicSignals: signals };
}

/** The SDK call: a Groth16 proof of the borrower claim (the built `borrower-score` instance). */
export async function proveBorrowerScore(
  opening: BorrowerOpening,
  borrowerSecret: bigint,
  report: SignedScoreReport,
  claim: BorrowerClaim,
): Promise<InstanceProof & { signals: BorrowerSignals }> {
  const { input, publicSignals } = await buildBorrowerInput(opening, borrowerSecret, report, claim);
  return { ...(await proveBuiltInstance(BORROWER_INSTANCE, input)), signals: publicSignals };
}
