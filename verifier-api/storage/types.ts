/**
 * The storage interface of the service: API keys, encrypted tapes, durable jobs, attestations and their
 * score-backing proofs. SQLite
 * (`sqlite.ts`, embedded, the default) and PostgreSQL (`postgres.ts`, for several instances sharing the
 * work) implement it; `test/api/storage.test.ts` runs one suite against both. What both share is written
 * once: the schema (`migrations.ts`), the row mappers (`rows.ts`), the job life-cycle (`job-sql.ts`), pool
 * ownership and the attestation listing (`pool-sql.ts`).
 */

import type { OpeningDecision } from "../sampling.ts";

export const ROLES = ["originator", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  keyHash: string;
  role: Role;
  /** The principal the key acts for: an originator id for originators, a free name otherwise. */
  owner: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface TapeRecord {
  id: string;
  owner: string;
  poolId: string;
  period: number;
  asOfDate: number;
  loanCount: number;
  /** Upload format: `json` or `csv`. */
  format: string;
  /** sha256 of the uploaded bytes. */
  sha256: string;
  /** AES-256-GCM ciphertext of the canonical JSON tape (see crypto.ts). */
  ciphertext: Buffer;
  createdAt: number;
  /** The commitment once computed (root, signature…), as JSON. */
  commitment: unknown | null;
  committedAt: number | null;
}

export const JOB_STATES = ["accepted", "running", "succeeded", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobRecord {
  id: string;
  kind: string;
  owner: string;
  idempotencyKey: string;
  /** sha256 of the canonical request: the same key with another request is a conflict. */
  requestHash: string;
  input: unknown;
  state: JobState;
  progress: number;
  stage: string | null;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  result: unknown | null;
  error: { message: string; kind?: string } | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface NewJob {
  id: string;
  kind: string;
  owner: string;
  idempotencyKey: string;
  requestHash: string;
  input: unknown;
  maxAttempts: number;
}

export interface AttestationRecord {
  id: string;
  owner: string;
  jobId: string;
  tapeId: string | null;
  poolId: string;
  period: number;
  instance: string;
  policyHash: string | null;
  /** Proofs, public signals, figures, calldata. */
  data: unknown;
  createdAt: number;
}

/**
 * A pool id's owner: the first originator that committed a tape of the pool or requested its attestation
 * (`claimPool`). Another originator's commitments and attestations for the pool are refused, as the
 * registry refuses another originator's submissions for it.
 */
export interface PoolRecord {
  poolId: string;
  owner: string;
  claimedAt: number;
}

/** Where a page of the attestation listing starts: after this attestation in (period, createdAt, id) order. */
export interface AttestationCursor {
  period: number;
  createdAt: number;
  id: string;
}

export interface AttestationListQuery {
  poolId: string;
  period?: number;
  /** Only this originator's attestations. */
  owner?: string;
  after?: AttestationCursor;
  limit: number;
  /** With each attestation's `data` (proofs, figures…); otherwise `data` is null. */
  withData: boolean;
}

/** An originator's Baby Jubjub signing key, held by the service to sign attestations (private key encrypted). */
export interface OriginatorKeyRecord {
  owner: string;
  /** [Ax, Ay] as decimal strings. */
  publicKey: [string, string];
  /** AES-256-GCM ciphertext of the 32-byte private key. */
  privateKeyCiphertext: Buffer;
  createdAt: number;
}

/** One auditor's opening request on a tape (the audit trail; its loans count against the tape's budget). */
export interface OpeningRecord {
  tapeId: string;
  /** The auditor's principal (owner of its key). */
  auditor: string;
  seed: string;
  indices: number[];
  createdAt: number;
}

/**
 * One chunk's score-backing proof, linked to a pool attestation: the proofs of one `scores` job cover every
 * chunk of the attestation (one job per provider submission; an attestation may have several).
 */
export interface ScoreProofRecord {
  attestationId: string;
  /** The `scores` job that proved it. */
  jobId: string;
  chunkIndex: number;
  /** The ScoreBacking catalogue instance. */
  instance: string;
  /** Owner of the attestation (the originator). */
  owner: string;
  /** snarkjs Groth16 proof. */
  proof: unknown;
  /** Decimal strings: root, pool, domain, providerKeyHash, modelId, maxAgeDays. */
  publicSignals: string[];
  createdAt: number;
}

export interface Storage {
  readonly kind: "sqlite" | "postgres";
  /**
   * Applies the numbered migrations that are missing (`migrations.ts`), under a lock, so instances started
   * together on a fresh store both come up. Idempotent.
   */
  migrate(): Promise<void>;
  /** Cheap round trip, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;

  insertApiKey(rec: ApiKeyRecord): Promise<void>;
  /** Inserts the key unless one with its hash exists (the bootstrap admin key); true when inserted. */
  ensureApiKey(rec: ApiKeyRecord): Promise<boolean>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  revokeApiKey(id: string, at: number): Promise<boolean>;

  insertTape(rec: TapeRecord): Promise<void>;
  getTape(id: string): Promise<TapeRecord | undefined>;
  /** Sets the commitment once; returns false when the tape already has one or does not exist. */
  setTapeCommitment(id: string, commitment: unknown, at: number): Promise<boolean>;

  /**
   * Inserts a job unless (owner, idempotencyKey) exists; returns the stored job and whether it is new.
   * Atomic: two concurrent submissions with one key create one job.
   */
  createJob(job: NewJob, now: number): Promise<{ job: JobRecord; created: boolean }>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /**
   * Claims the oldest runnable job of the given kinds: accepted, or running with an expired lease (its
   * process died) and attempts left. Marks it running under `workerId` until `now + leaseMs` and counts an
   * attempt. Running jobs with an expired lease and no attempts left are marked failed on the way.
   */
  claimJob(
    workerId: string,
    kinds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<JobRecord | undefined>;
  /** Extends the lease and records progress; false when the job is no longer this worker's. */
  heartbeat(
    id: string,
    workerId: string,
    leaseMs: number,
    progress: number,
    stage: string | null,
    now: number,
  ): Promise<boolean>;
  /** Marks the job succeeded with its result; false when the job is no longer this worker's. */
  completeJob(id: string, workerId: string, result: unknown, now: number): Promise<boolean>;
  /** Fails the job, or puts it back to accepted when `retry` and attempts are left. */
  failJob(
    id: string,
    workerId: string,
    error: { message: string; kind?: string },
    retry: boolean,
    now: number,
  ): Promise<boolean>;
  /** Hands a running job back (shutdown): accepted again, the attempt not counted. */
  releaseJob(id: string, workerId: string, now: number): Promise<boolean>;
  countJobs(): Promise<Record<JobState, number>>;

  /** Inserts the originator's key unless it has one; returns the stored key (never two per originator). */
  insertOriginatorKey(rec: OriginatorKeyRecord): Promise<OriginatorKeyRecord>;
  getOriginatorKey(owner: string): Promise<OriginatorKeyRecord | undefined>;

  /**
   * Decides an opening request against the tape's earlier openings and its budget of revealed loans
   * (`decideOpening` of sampling.ts) and records it when it is new and within the budget: one atomic step
   * under a per-tape lock, so concurrent requests on several instances cannot reveal more than `budget`.
   */
  recordOpening(rec: OpeningRecord, budget: number): Promise<OpeningDecision>;
  listOpenings(tapeId: string): Promise<OpeningRecord[]>;

  /** Inserts the attestation of a job, or returns the one that job already stored (never two per job). */
  insertAttestation(rec: AttestationRecord): Promise<AttestationRecord>;
  getAttestation(id: string): Promise<AttestationRecord | undefined>;
  /**
   * A page of a pool's attestations (and period, and owner), in (period, createdAt, id) order after
   * `after`, at most `limit`; `data` is null unless `withData`.
   */
  listAttestations(q: AttestationListQuery): Promise<AttestationRecord[]>;

  /**
   * Claims a pool id for `owner` unless it has an owner: returns the pool's owner after the claim (the
   * caller's when the pool was free or already its own). Atomic: of concurrent claims, on any number of
   * instances, exactly one owner wins and every caller sees it.
   */
  claimPool(poolId: string, owner: string, now: number): Promise<PoolRecord>;
  getPool(poolId: string): Promise<PoolRecord | undefined>;

  /**
   * Stores the score proofs of one job, all or none (atomic). A job's proofs are stored once: when that job
   * already stored some (a retried job), nothing is written and the stored ones are returned.
   */
  insertScoreProofs(recs: ScoreProofRecord[]): Promise<ScoreProofRecord[]>;
  /** The score proofs of an attestation, by creation time, then job, then chunk. */
  listScoreProofs(attestationId: string): Promise<ScoreProofRecord[]>;
}
