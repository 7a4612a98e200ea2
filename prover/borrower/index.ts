/**
 * Borrower-level score proofs (docs/SCORES.md): a borrower (or the originator on their behalf) proves "my
 * score from a registered provider is at least T, as of a date no older than D, and my loan is in tape root
 * R" with circuits/borrower/borrower_score.circom, revealing a per-scope nullifier and nothing else.
 */
import { idToField, type TapeCommitment } from "../commitment/encoding.ts";
import { keyHash, type AttestationSignature, type PublicKey } from "../commitment/keys.ts";
import { FIELD_P, getEddsa, getPoseidon } from "../commitment/poseidon.ts";
import { pathSiblings } from "../commitment/tree.ts";
import { MAX_DAY } from "../tape/schema.ts";
import {
  MAX_MODEL_ID,
  MAX_SCORE,
  proveBuiltInstance,
  type InstanceProof,
  type ProviderKey,
} from "../scores/index.ts";
import type { CircuitInput } from "../witness/index.ts";

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

function uint(name: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw new TypeError(`${name}: expected an integer in [0, ${max}], got ${String(v)}`);
  return v;
}

function field(name: string, v: unknown): bigint {
  if (typeof v !== "bigint" || v < 0n || v >= FIELD_P)
    throw new TypeError(`${name}: expected a field element, got ${String(v)}`);
  return v;
}

/** The field element a provider signs for a report. */
export async function scoreReportMessage(r: ScoreReport): Promise<bigint> {
  const poseidon = await getPoseidon();
  return poseidon([
    SCORE_REPORT_TAG,
    field("borrowerCommitment", r.borrowerCommitment),
    BigInt(uint("score", r.score, MAX_SCORE)),
    BigInt(uint("modelId", r.modelId, MAX_MODEL_ID)),
    BigInt(uint("scoreDate", r.scoreDate, MAX_DAY)),
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

/** nullifier = Poseidon(borrowerSalt, scope): one per borrower and scope (e.g. a BorrowerGate's scope()). */
export async function borrowerNullifier(borrowerSalt: bigint, scope: bigint): Promise<bigint> {
  return (await getPoseidon())([field("borrowerSalt", borrowerSalt), field("scope", scope)]);
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

/** The witness input of BorrowerScore() for loan `loanIndex` of a committed tape. */
export async function buildBorrowerInput(
  commitment: TapeCommitment,
  loanIndex: number,
  report: SignedScoreReport,
  claim: BorrowerClaim,
): Promise<{ input: CircuitInput; publicSignals: BorrowerSignals }> {
  uint("loanIndex", loanIndex, commitment.records.length - 1);
  const e = commitment.encoded[loanIndex]!;
  const record = commitment.records[loanIndex]!;
  const borrowerSalt = commitment.salts.borrower[loanIndex]!;
  if (!/^0x[0-9a-fA-F]{40}$/.test(claim.account)) throw new TypeError("claim.account: expected an address");
  const signals: BorrowerSignals = {
    root: commitment.root,
    providerKeyHash: await keyHash(report.providerPublicKey),
    modelId: BigInt(uint("report.modelId", report.modelId, MAX_MODEL_ID)),
    threshold: BigInt(uint("claim.threshold", claim.threshold, MAX_SCORE)),
    minScoreDate: BigInt(uint("claim.minScoreDate", claim.minScoreDate, MAX_DAY)),
    scope: field("claim.scope", claim.scope),
    nullifier: await borrowerNullifier(borrowerSalt, claim.scope),
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
    borrowerRef: d(idToField("borrowerRef", record.borrowerRef)),
    borrowerSalt: d(borrowerSalt),
    hLoan: d(e.hLoan),
    wA: d(e.wA),
    wB: d(e.wB),
    index: String(loanIndex),
    siblings: pathSiblings(commitment.levels, 0, loanIndex).map((l) => l.map(d)),
    scoreDate: String(uint("report.scoreDate", report.scoreDate, MAX_DAY)),
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
  commitment: TapeCommitment,
  loanIndex: number,
  report: SignedScoreReport,
  claim: BorrowerClaim,
): Promise<InstanceProof & { signals: BorrowerSignals }> {
  const { input, publicSignals } = await buildBorrowerInput(commitment, loanIndex, report, claim);
  return { ...(await proveBuiltInstance(BORROWER_INSTANCE, input)), signals: publicSignals };
}
