/**
 * Row mappers shared by both stores: a database row (snake_case columns) to the record types of `types.ts`.
 * JSON columns come back as text from SQLite and parsed from PostgreSQL's JSONB, so each mapper takes the
 * column decoder (`unjson` for SQLite, `same` for PostgreSQL).
 */
import type {
  ApiKeyRecord,
  AttestationRecord,
  JobRecord,
  JobState,
  OpeningRecord,
  OriginatorKeyRecord,
  PoolRecord,
  ScoreProofRecord,
  TapeRecord,
} from "./types.ts";

export type Row = Record<string, unknown>;

export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
export const unjson = (v: unknown): unknown =>
  v === null || v === undefined ? null : JSON.parse(v as string);
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** PostgreSQL decodes JSONB itself: the value as it came (undefined as null). */
export const same = (v: unknown): unknown => (v === undefined ? null : v);

export function rowToApiKey(r: Row): ApiKeyRecord {
  return {
    id: r.id as string,
    keyHash: r.key_hash as string,
    role: r.role as ApiKeyRecord["role"],
    owner: r.owner as string,
    label: r.label as string,
    createdAt: Number(r.created_at),
    revokedAt: num(r.revoked_at),
  };
}

export function rowToTape(r: Row, parse: (v: unknown) => unknown = unjson): TapeRecord {
  return {
    id: r.id as string,
    owner: r.owner as string,
    poolId: r.pool_id as string,
    period: Number(r.period),
    asOfDate: Number(r.as_of_date),
    loanCount: Number(r.loan_count),
    format: r.format as string,
    sha256: r.sha256 as string,
    ciphertext: Buffer.from(r.ciphertext as Uint8Array),
    createdAt: Number(r.created_at),
    commitment: parse(r.commitment),
    committedAt: num(r.committed_at),
  };
}

export function rowToJob(r: Row, parse: (v: unknown) => unknown = unjson): JobRecord {
  return {
    id: r.id as string,
    kind: r.kind as string,
    owner: r.owner as string,
    idempotencyKey: r.idempotency_key as string,
    requestHash: r.request_hash as string,
    input: parse(r.input),
    state: r.state as JobState,
    progress: Number(r.progress),
    stage: (r.stage as string | null) ?? null,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseExpiresAt: num(r.lease_expires_at),
    result: parse(r.result),
    error: parse(r.error) as JobRecord["error"],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

export function rowToAttestation(r: Row, parse: (v: unknown) => unknown = unjson): AttestationRecord {
  return {
    id: r.id as string,
    owner: r.owner as string,
    jobId: r.job_id as string,
    tapeId: (r.tape_id as string | null) ?? null,
    poolId: r.pool_id as string,
    period: Number(r.period),
    instance: r.instance as string,
    policyHash: (r.policy_hash as string | null) ?? null,
    data: parse(r.data),
    createdAt: Number(r.created_at),
  };
}

export function rowToOriginatorKey(r: Row, parse: (v: unknown) => unknown = unjson): OriginatorKeyRecord {
  return {
    owner: r.owner as string,
    publicKey: parse(r.public_key) as [string, string],
    privateKeyCiphertext: Buffer.from(r.private_key as Uint8Array),
    createdAt: Number(r.created_at),
  };
}

export function rowToOpening(r: Row, parse: (v: unknown) => unknown = unjson): OpeningRecord {
  return {
    tapeId: r.tape_id as string,
    auditor: r.auditor as string,
    seed: r.seed as string,
    indices: parse(r.indices) as number[],
    createdAt: Number(r.created_at),
  };
}

export function rowToScoreProof(r: Row, parse: (v: unknown) => unknown = unjson): ScoreProofRecord {
  return {
    attestationId: r.attestation_id as string,
    jobId: r.job_id as string,
    chunkIndex: Number(r.chunk_index),
    instance: r.instance as string,
    owner: r.owner as string,
    proof: parse(r.proof),
    publicSignals: parse(r.public_signals) as string[],
    createdAt: Number(r.created_at),
  };
}

export function rowToPool(r: Row): PoolRecord {
  return { poolId: r.pool_id as string, owner: r.owner as string, claimedAt: Number(r.claimed_at) };
}
