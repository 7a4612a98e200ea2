/**
 * Provider-backed scores in the service (docs/SCORES.md, docs/API.md): the JSON forms of a chunk's score
 * request and of a provider's signed batch, the score-backing instances of the catalogue, and the check of a
 * signed batch against the committed tape's request (run in the compute worker, off the event loop).
 */
import { loadCatalogue } from "../pipeline/index.ts";
import { FIELD_P } from "../prover/index.ts";
import { verifyScoreBatch, type ScoreRequest, type SignedScoreBatch } from "../prover/index.ts";

/** One chunk's score request as JSON: what the originator sends its credit-score provider. */
export interface ScoreRequestJson {
  chunkIndex: number;
  chunkSize: number;
  /** Per slot, in tape order: borrower commitment, opaque loan hash and claimed score; null for padding. */
  entries: ({ borrowerCommitment: string; hLoan: string; score: number } | null)[];
}

/** A provider's signed batch for one chunk as JSON (decimal strings for field elements). */
export interface SignedBatchJson {
  modelId: number;
  scoreDate: number;
  providerKeyHash: string;
  signature: { R8: [string, string]; S: string };
}

/** Where a request's batch does not hold (body path of the field, and why). */
export interface BatchProblem {
  field: string;
  reason: string;
}

export function scoreRequestToJson(r: ScoreRequest, chunkIndex: number): ScoreRequestJson {
  return {
    chunkIndex,
    chunkSize: r.chunkSize,
    entries: r.entries.map((e) =>
      e === null
        ? null
        : { borrowerCommitment: e.borrowerCommitment.toString(), hLoan: e.hLoan.toString(), score: e.score },
    ),
  };
}

export function scoreRequestFromJson(j: ScoreRequestJson): ScoreRequest {
  return {
    chunkSize: j.chunkSize,
    entries: j.entries.map((e) =>
      e === null
        ? null
        : { borrowerCommitment: BigInt(e.borrowerCommitment), hLoan: BigInt(e.hLoan), score: e.score },
    ),
  };
}

export function batchToJson(b: SignedScoreBatch): SignedBatchJson {
  return {
    modelId: b.modelId,
    scoreDate: b.scoreDate,
    providerKeyHash: b.providerKeyHash.toString(),
    signature: {
      R8: [b.signature.R8[0].toString(), b.signature.R8[1].toString()],
      S: b.signature.S.toString(),
    },
  };
}

export function batchFromJson(j: SignedBatchJson): SignedScoreBatch {
  return {
    modelId: j.modelId,
    scoreDate: j.scoreDate,
    providerKeyHash: BigInt(j.providerKeyHash),
    signature: { R8: [BigInt(j.signature.R8[0]), BigInt(j.signature.R8[1])], S: BigInt(j.signature.S) },
  };
}

/** True when a decimal string is a field element (below the BN254 scalar field order). */
export const isFieldElement = (v: string): boolean => /^[0-9]{1,78}$/.test(v) && BigInt(v) < FIELD_P;

/** The chunk size of a ScoreBacking catalogue instance, or undefined when `instance` is not one. */
export function scoreChunkSize(instance: string): number | undefined {
  const e = loadCatalogue().find((c) => c.name === instance);
  return e && e.template === "ScoreBacking" ? e.params[0] : undefined;
}

/**
 * The chunk size of the instance an attestation's chunks are proven with: a PoolAttestation instance, or a
 * PoolChunkCommitment one (a committed multi-chunk attestation, issue 14: the same chunks of the same
 * leaves); undefined for any other.
 */
export function poolChunkSize(instance: string): number | undefined {
  const e = loadCatalogue().find((c) => c.name === instance);
  return e && (e.template === "PoolAttestation" || e.template === "PoolChunkCommitment")
    ? e.params[0]
    : undefined;
}

/**
 * Checks a provider's signed batch against the request of chunk `chunkIndex` of the committed tape, as the
 * circuit will check it (`verifyScoreBatch` of prover/scores). Returns the problem, or null when it holds.
 */
export async function checkSignedBatch(
  request: ScoreRequest,
  batch: SignedScoreBatch,
  publicKey: readonly [bigint, bigint],
  field: string,
): Promise<BatchProblem | null> {
  return (await verifyScoreBatch(request, batch, publicKey))
    ? null
    : {
        field: `${field}/signature`,
        reason:
          "does not verify with providerPublicKey over this chunk's request (its borrower commitments, loan " +
          "hashes and scores, modelId and scoreDate): signed by another key, for another chunk or for other scores",
      };
}
