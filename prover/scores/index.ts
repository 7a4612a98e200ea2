/**
 * Provider-backed credit scores (docs/SCORES.md): the batch a score provider signs for one chunk of a
 * committed tape, the provider's side of the protocol, and the witness input of the companion circuit
 * circuits/scores/score_backing.circom (ScoreBacking(chunkSize)).
 *
 * Protocol, per chunk: the originator sends a ScoreRequest (per slot: the borrower commitment, the opaque
 * loan hash hLoan and the claimed score; never the borrower's identity nor the loan's other fields); the
 * provider recomputes hId = Poseidon(borrowerCommitment, hLoan), checks each score against its own records
 * for that borrower (`lookup`) and returns ONE EdDSA-Poseidon signature over
 *   Poseidon(SCORE_BATCH_TAG, digest(entries), modelId, scoreDate).
 */
import { randomBytes } from "node:crypto";
import { MAX_DAY, type LoanTape } from "../tape/schema.ts";
import {
  borrowerCommitmentWith,
  chunkShape,
  idToField,
  type TapeCommitment,
} from "../commitment/encoding.ts";
import {
  domainWord,
  keyHash,
  publicKeyOf,
  type AttestationSignature,
  type PublicKey,
} from "../commitment/keys.ts";
import { getEddsa, getPoseidon, type PoseidonFn } from "../commitment/poseidon.ts";
import { TREE_ARITY, TREE_HEIGHT, chunkPlace } from "../commitment/tree.ts";
import { packPoolWord, scorePoolWord } from "../model/index.ts";
import type { CircuitInput } from "../witness/index.ts";
import { CodedError, invalid, requireField, requireUint } from "../../verifier-api/web/errors.js";

/** idToField("rwa-attest/score-batch/v1"): the domain tag of a provider's batch message. */
export const SCORE_BATCH_TAG = idToField("tag", "rwa-attest/score-batch/v1");
/** Largest score and model id the protocol carries (dates: the tape's MAX_DAY). */
export const MAX_SCORE = 1023;
export const MAX_MODEL_ID = 2 ** 32 - 1;

/** A score provider's key pair (Baby Jubjub, like an originator's). */
export interface ProviderKey {
  privateKey: Uint8Array;
  publicKey: PublicKey;
}

/** One slot of a chunk as the provider sees it; empty slots are null. */
export interface ScoreRequestEntry {
  borrowerCommitment: bigint;
  hLoan: bigint;
  score: number;
}

/** What the originator sends the provider for one chunk (slot order is the tape order). */
export interface ScoreRequest {
  chunkSize: number;
  entries: (ScoreRequestEntry | null)[];
}

/** The header of a signed batch: one model and one as-of date for the whole batch. */
export interface ScoreBatchHeader {
  modelId: number;
  scoreDate: number;
}

/** The provider's answer: the header and one signature over the batch. */
export interface SignedScoreBatch extends ScoreBatchHeader {
  providerKeyHash: bigint;
  signature: AttestationSignature;
}

/** Generates a provider key from 32 random bytes. */
export async function generateProviderKey(): Promise<ProviderKey> {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

function digestOf(values: readonly bigint[], poseidon: PoseidonFn): bigint {
  let level = values.slice();
  while (level.length > TREE_ARITY) {
    if (level.length % TREE_ARITY !== 0) throw new RangeError(`digest: ${level.length} values`);
    const next: bigint[] = [];
    for (let j = 0; j < level.length; j += TREE_ARITY) next.push(poseidon(level.slice(j, j + TREE_ARITY)));
    level = next;
  }
  return poseidon(level);
}

/**
 * The batch digest over a chunk's entries (hId, score) in slot order ((0, 0) for empty slots), as the circuit
 * computes it: groups of G = min(chunkSize, 16) slots; a group gives Poseidon(its hIds) and the packed word
 * sum score_j << 10j; for chunkSize 4 or 8 the digest is Poseidon(hIds, packed), otherwise the digest of the
 * sequence (group hash, packed word, ...) (Poseidon of up to 16 values, Poseidon(16) blocks level by level above).
 */
export function scoreBatchDigest(
  entries: readonly { hId: bigint; score: number }[],
  poseidon: PoseidonFn,
): bigint {
  chunkShape(entries.length);
  const G = Math.min(entries.length, TREE_ARITY);
  const seq: bigint[] = [];
  for (let g = 0; g < entries.length / G; g++) {
    const group = entries.slice(g * G, g * G + G);
    let packed = 0n;
    group.forEach((e, j) => {
      packed |= BigInt(requireUint(`entries[${g * G + j}].score`, e.score, MAX_SCORE)) << BigInt(10 * j);
    });
    const ids = group.map((e, j) => requireField(`entries[${g * G + j}].hId`, e.hId));
    if (G < TREE_ARITY) return poseidon([...ids, packed]);
    seq.push(poseidon(ids), packed);
  }
  return digestOf(seq, poseidon);
}

/** The field element a provider signs for a batch. */
export function scoreBatchMessage(digest: bigint, header: ScoreBatchHeader, poseidon: PoseidonFn): bigint {
  return poseidon([
    SCORE_BATCH_TAG,
    requireField("digest", digest),
    BigInt(requireUint("modelId", header.modelId, MAX_MODEL_ID)),
    BigInt(requireUint("scoreDate", header.scoreDate, MAX_DAY)),
  ]);
}

/**
 * The protocol's prerequisite, once per borrower: what opens a borrower commitment to the provider, so that it
 * knows which customer the commitment stands for. The borrower salt is the borrower's key, never its secret:
 * the provider cannot compute the borrower's nullifiers (docs/SCORES.md).
 */
export interface BorrowerCommitmentOpening {
  borrowerCommitment: bigint;
  borrowerRef: string;
  borrowerSalt: bigint;
}

/** Originator (or borrower) side: the opening of loan `index`'s borrower commitment. */
export function openBorrowerCommitment(commitment: TapeCommitment, index: number): BorrowerCommitmentOpening {
  requireUint("index", index, commitment.records.length - 1);
  return {
    borrowerCommitment: commitment.encoded[index]!.borrowerCommitment,
    borrowerRef: commitment.records[index]!.borrowerRef,
    borrowerSalt: commitment.salts.borrower[index]!,
  };
}

/** Provider side: true when the opening opens its commitment. */
export async function checkBorrowerCommitmentOpening(o: BorrowerCommitmentOpening): Promise<boolean> {
  return (
    borrowerCommitmentWith(await getPoseidon(), o.borrowerRef, o.borrowerSalt) ===
    requireField("borrowerCommitment", o.borrowerCommitment)
  );
}

/** Originator side: the request for chunk `chunkIndex` (chunks of `chunkSize` slots). */
export function buildScoreRequest(
  commitment: TapeCommitment,
  chunkIndex: number,
  chunkSize: number,
): ScoreRequest {
  chunkShape(chunkSize);
  const count = Math.max(1, Math.ceil(commitment.records.length / chunkSize));
  requireUint("chunkIndex", chunkIndex, count - 1);
  const entries: (ScoreRequestEntry | null)[] = [];
  for (let i = 0; i < chunkSize; i++) {
    const at = chunkIndex * chunkSize + i;
    const e = commitment.encoded[at];
    const r = commitment.records[at];
    entries.push(
      e && r ? { borrowerCommitment: e.borrowerCommitment, hLoan: e.hLoan, score: r.creditScore } : null,
    );
  }
  return { chunkSize, entries };
}

/** The provider's own record of a borrower (by commitment): the score it reported, or undefined. */
export type ScoreLookup = (borrowerCommitment: bigint) => number | undefined;

/** Thrown by the provider when a request does not match its records. */
export class ScoreRefused extends CodedError {
  readonly slot: number;
  constructor(slot: number, reason: string) {
    super("refused", `slot ${slot}: ${reason}`, [{ field: `entries[${slot}]`, reason }]);
    this.name = "ScoreRefused";
    this.slot = slot;
  }
}

/**
 * Provider side: checks every non-empty entry against `lookup` (unknown borrower or another score refuses the
 * whole batch, naming the slot) and signs the batch once.
 */
export async function signScoreBatch(
  key: ProviderKey,
  request: ScoreRequest,
  header: ScoreBatchHeader,
  lookup: ScoreLookup,
): Promise<SignedScoreBatch> {
  const poseidon = await getPoseidon();
  chunkShape(request.chunkSize);
  if (!Array.isArray(request.entries) || request.entries.length !== request.chunkSize)
    throw invalid("request.entries", `expected ${request.chunkSize} slots`);
  const entries = request.entries.map((e, i) => {
    if (e === null) return { hId: 0n, score: 0 };
    const known = lookup(requireField(`entries[${i}].borrowerCommitment`, e.borrowerCommitment));
    if (known === undefined) throw new ScoreRefused(i, "unknown borrower commitment");
    if (known !== e.score) throw new ScoreRefused(i, `score ${e.score} is not the reported ${known}`);
    return {
      hId: poseidon([e.borrowerCommitment, requireField(`entries[${i}].hLoan`, e.hLoan)]),
      score: e.score,
    };
  });
  const msg = scoreBatchMessage(scoreBatchDigest(entries, poseidon), header, poseidon);
  const eddsa = await getEddsa();
  const sig = eddsa.signPoseidon(Buffer.from(key.privateKey), eddsa.F.e(msg));
  return {
    modelId: header.modelId,
    scoreDate: header.scoreDate,
    providerKeyHash: await keyHash(key.publicKey),
    signature: {
      R8: [eddsa.F.toObject(sig.R8[0]) as bigint, eddsa.F.toObject(sig.R8[1]) as bigint],
      S: BigInt(sig.S),
    },
  };
}

/**
 * Checks a provider's signed batch against a chunk's request, as the score-backing circuit will: the
 * EdDSA-Poseidon signature of `publicKey` over the tagged message of the batch digest (hId = Poseidon(
 * borrowerCommitment, hLoan) and score per slot) and the header. False for another key, chunk, score,
 * model or date, and for malformed signatures.
 */
export async function verifyScoreBatch(
  request: ScoreRequest,
  batch: SignedScoreBatch,
  publicKey: readonly [bigint, bigint],
): Promise<boolean> {
  const poseidon = await getPoseidon();
  const eddsa = await getEddsa();
  try {
    const entries = request.entries.map((e) =>
      e === null ? { hId: 0n, score: 0 } : { hId: poseidon([e.borrowerCommitment, e.hLoan]), score: e.score },
    );
    const msg = scoreBatchMessage(scoreBatchDigest(entries, poseidon), batch, poseidon);
    const F = eddsa.F;
    return eddsa.verifyPoseidon(
      F.e(msg),
      { R8: [F.e(batch.signature.R8[0]), F.e(batch.signature.R8[1])], S: batch.signature.S },
      [F.e(publicKey[0]), F.e(publicKey[1])],
    ) as boolean;
  } catch {
    return false;
  }
}

/** Public signals of a score-backing proof, in circuit order. */
export interface ScoreBackingSignals {
  root: bigint;
  pool: bigint;
  domain: bigint;
  providerKeyHash: bigint;
  modelId: bigint;
  maxAgeDays: bigint;
}

/** Where the score attestation goes (the ScoreAttestations contract and its chain). */
export interface ScoreContext {
  providerPublicKey: PublicKey;
  chainId: bigint;
  /** Address of the ScoreAttestations contract. */
  contract: string;
  /** The policy's freshness rule: the batch's scoreDate at most this many days before asOfDate. */
  maxAgeDays: number;
}

const dec = (v: bigint): string => v.toString(10);

/**
 * The witness input of ScoreBacking(chunkSize) for chunk `chunkIndex`. The circuit refuses (no witness)
 * when a score, a loan or the date does not match the provider's signed batch.
 */
export async function buildScoreBackingInput(
  tape: LoanTape,
  commitment: TapeCommitment,
  batch: SignedScoreBatch,
  ctx: ScoreContext,
  chunkIndex: number,
  chunkSize: number,
): Promise<{ input: CircuitInput; publicSignals: ScoreBackingSignals }> {
  const { k, m } = chunkShape(chunkSize);
  const chunkCount = Math.max(1, Math.ceil(tape.loans.length / chunkSize));
  requireUint("chunkIndex", chunkIndex, chunkCount - 1);
  if (commitment.records.length !== tape.loans.length)
    throw invalid("commitment", "was not made from this tape");
  const first = chunkIndex * chunkSize;
  const wA: string[] = [];
  const wB: string[] = [];
  const wV: string[] = [];
  const hId: string[] = [];
  const isEmpty: string[] = [];
  for (let i = 0; i < chunkSize; i++) {
    const e = commitment.encoded[first + i];
    wA.push(dec(e?.wA ?? 0n));
    wB.push(dec(e?.wB ?? 0n));
    wV.push(dec(e?.wV ?? 0n));
    hId.push(dec(e?.hId ?? 0n));
    isEmpty.push(e ? "0" : "1");
  }
  const place = chunkPlace(commitment.levels, k, m, chunkIndex, TREE_HEIGHT);
  const signals: ScoreBackingSignals = {
    root: commitment.root,
    pool: scorePoolWord(
      packPoolWord({
        poolId: tape.poolId,
        period: tape.period,
        asOfDate: tape.asOfDate,
        chunkIndex,
        chunkCount,
        loanCount: tape.loans.length,
      }),
    ),
    domain: domainWord(ctx.contract, ctx.chainId),
    providerKeyHash: await keyHash(ctx.providerPublicKey),
    modelId: BigInt(requireUint("batch.modelId", batch.modelId, MAX_MODEL_ID)),
    maxAgeDays: BigInt(requireUint("ctx.maxAgeDays", ctx.maxAgeDays, MAX_DAY)),
  };
  const input: CircuitInput = {
    root: dec(signals.root),
    pool: dec(signals.pool),
    domain: dec(signals.domain),
    providerKeyHash: dec(signals.providerKeyHash),
    modelId: dec(signals.modelId),
    maxAgeDays: dec(signals.maxAgeDays),
    wA,
    wB,
    hId,
    wV,
    isEmpty,
    scoreDate: String(requireUint("batch.scoreDate", batch.scoreDate, MAX_DAY)),
    Ax: dec(requireField("providerPublicKey[0]", ctx.providerPublicKey[0])),
    Ay: dec(requireField("providerPublicKey[1]", ctx.providerPublicKey[1])),
    S: dec(requireField("signature.S", batch.signature.S)),
    R8x: dec(requireField("signature.R8[0]", batch.signature.R8[0])),
    R8y: dec(requireField("signature.R8[1]", batch.signature.R8[1])),
    groupSiblings: place.group,
    siblings: place.path,
    slotRoot: dec(commitment.slotRoot),
  };
  return { input, publicSignals: signals };
}

/** The public signals as the decimal strings snarkjs produces, in circuit order. */
export function scoreSignalList(s: ScoreBackingSignals): string[] {
  return [s.root, s.pool, s.domain, s.providerKeyHash, s.modelId, s.maxAgeDays].map(dec);
}

/** A Groth16 proof of a score-backing (or borrower) instance with its public signals (snarkjs layout). */
export interface InstanceProof {
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[]; protocol: string; curve: string };
  publicSignals: string[];
}

/**
 * Proves a built catalogue instance on a witness input, with the wasm and zkey the build manifest lists and
 * only if their sha256 matches it (`loadVerifiedArtifacts`: a swapped or corrupted key is refused, not used).
 * `buildDir` is the build folder (default: the repository's `build/`).
 */
export async function proveBuiltInstance(
  instance: string,
  input: CircuitInput,
  buildDir?: string,
): Promise<InstanceProof> {
  const { loadVerifiedArtifacts } = await import("../../pipeline/manifest.ts");
  const { paths } = await loadVerifiedArtifacts(instance, ["wasm", "zkey"], buildDir);
  const snarkjs = await import("snarkjs");
  const { computeWitness } = await import("../prove/witness.ts");
  const witness = await computeWitness(input, paths.wasm);
  const { proof, publicSignals } = await snarkjs.groth16.prove(paths.zkey, {
    type: "mem",
    data: witness,
  });
  return { proof: proof as InstanceProof["proof"], publicSignals: publicSignals as string[] };
}
