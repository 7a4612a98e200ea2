/**
 * SQLite storage on Node's built-in `node:sqlite` (no server, no native add-on). One process owns the
 * file; claims run in `BEGIN IMMEDIATE` transactions so they are atomic even with several connections.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync as DatabaseSyncType, SQLInputValue } from "node:sqlite";
import type {
  ApiKeyRecord,
  AttestationRecord,
  JobRecord,
  JobState,
  NewJob,
  OpeningRecord,
  OriginatorKeyRecord,
  ScoreProofRecord,
  Storage,
  TapeRecord,
} from "./types.ts";

type Row = Record<string, unknown>;

/**
 * Loads `node:sqlite` without its one-time ExperimentalWarning on stderr (the module is stable enough for
 * our use on Node 22.13+; every other warning still goes through).
 */
function loadSqlite(): typeof import("node:sqlite") {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (
      (type === "ExperimentalWarning" || (warning as Error).name === "ExperimentalWarning") &&
      /SQLite/i.test(text)
    )
      return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, owner TEXT NOT NULL,
  label TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
CREATE TABLE IF NOT EXISTS tapes (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, pool_id TEXT NOT NULL, period INTEGER NOT NULL,
  as_of_date INTEGER NOT NULL, loan_count INTEGER NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL,
  ciphertext BLOB NOT NULL, created_at INTEGER NOT NULL, commitment TEXT, committed_at INTEGER);
CREATE INDEX IF NOT EXISTS tapes_owner ON tapes(owner);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL, input TEXT NOT NULL, state TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0,
  stage TEXT, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, lease_owner TEXT,
  lease_expires_at INTEGER, result TEXT, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  started_at INTEGER, finished_at INTEGER, UNIQUE (owner, idempotency_key));
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, created_at);
CREATE TABLE IF NOT EXISTS attestations (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, job_id TEXT NOT NULL UNIQUE, tape_id TEXT, pool_id TEXT NOT NULL,
  period INTEGER NOT NULL, instance TEXT NOT NULL, policy_hash TEXT, data TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attestations_pool ON attestations(pool_id, period);
CREATE TABLE IF NOT EXISTS openings (
  tape_id TEXT NOT NULL, auditor TEXT NOT NULL, seed TEXT NOT NULL, indices TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (tape_id, seed));
CREATE TABLE IF NOT EXISTS originator_keys (
  owner TEXT PRIMARY KEY, public_key TEXT NOT NULL, private_key BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS score_proofs (
  job_id TEXT NOT NULL, chunk_index INTEGER NOT NULL, attestation_id TEXT NOT NULL, instance TEXT NOT NULL,
  owner TEXT NOT NULL, proof TEXT NOT NULL, public_signals TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, chunk_index));
CREATE INDEX IF NOT EXISTS score_proofs_attestation ON score_proofs(attestation_id, created_at);
`;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const unjson = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(v as string));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

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

export class SqliteStorage implements Storage {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSyncType;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;");
  }

  private tx<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  private get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }

  private run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.db.prepare(sql).run(...params).changes);
  }

  async migrate(): Promise<void> {
    this.db.exec(SCHEMA);
  }

  async ping(): Promise<void> {
    this.get("SELECT 1");
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    this.run(
      "INSERT INTO api_keys (id, key_hash, role, owner, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      k.id,
      k.keyHash,
      k.role,
      k.owner,
      k.label,
      k.createdAt,
      k.revokedAt,
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const r = this.get("SELECT * FROM api_keys WHERE key_hash = ?", keyHash);
    return r && rowToApiKey(r);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    return this.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at, id) === 1;
  }

  async insertTape(t: TapeRecord): Promise<void> {
    this.run(
      `INSERT INTO tapes (id, owner, pool_id, period, as_of_date, loan_count, format, sha256, ciphertext, created_at,
        commitment, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.owner,
      t.poolId,
      t.period,
      t.asOfDate,
      t.loanCount,
      t.format,
      t.sha256,
      t.ciphertext,
      t.createdAt,
      json(t.commitment),
      t.committedAt,
    );
  }

  async getTape(id: string): Promise<TapeRecord | undefined> {
    const r = this.get("SELECT * FROM tapes WHERE id = ?", id);
    return r && rowToTape(r);
  }

  async setTapeCommitment(id: string, commitment: unknown, at: number): Promise<boolean> {
    return (
      this.run(
        "UPDATE tapes SET commitment = ?, committed_at = ? WHERE id = ? AND commitment IS NULL",
        json(commitment),
        at,
        id,
      ) === 1
    );
  }

  async createJob(j: NewJob, now: number): Promise<{ job: JobRecord; created: boolean }> {
    return this.tx(() => {
      const existing = this.get(
        "SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?",
        j.owner,
        j.idempotencyKey,
      );
      if (existing) return { job: rowToJob(existing), created: false };
      this.run(
        `INSERT INTO jobs (id, kind, owner, idempotency_key, request_hash, input, state, max_attempts, created_at,
          updated_at) VALUES (?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?)`,
        j.id,
        j.kind,
        j.owner,
        j.idempotencyKey,
        j.requestHash,
        json(j.input) ?? "null",
        j.maxAttempts,
        now,
        now,
      );
      return { job: rowToJob(this.get("SELECT * FROM jobs WHERE id = ?", j.id)!), created: true };
    });
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const r = this.get("SELECT * FROM jobs WHERE id = ?", id);
    return r && rowToJob(r);
  }

  async claimJob(
    workerId: string,
    kinds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<JobRecord | undefined> {
    if (kinds.length === 0) return undefined;
    const marks = kinds.map(() => "?").join(", ");
    return this.tx(() => {
      this.run(
        `UPDATE jobs SET state = 'failed', error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?,
          updated_at = ? WHERE state = 'running' AND lease_expires_at < ? AND attempts >= max_attempts`,
        json({
          message: "the job's worker stopped responding and no attempts are left",
          kind: "lease-expired",
        }),
        now,
        now,
        now,
      );
      const r = this.get(
        `SELECT id FROM jobs WHERE kind IN (${marks}) AND (state = 'accepted' OR (state = 'running' AND
          lease_expires_at < ?)) ORDER BY created_at, id LIMIT 1`,
        ...kinds,
        now,
      );
      if (!r) return undefined;
      this.run(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
          started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
        workerId,
        now + leaseMs,
        now,
        now,
        r.id as string,
      );
      return rowToJob(this.get("SELECT * FROM jobs WHERE id = ?", r.id as string)!);
    });
  }

  async heartbeat(
    id: string,
    workerId: string,
    leaseMs: number,
    progress: number,
    stage: string | null,
    now: number,
  ): Promise<boolean> {
    return (
      this.run(
        `UPDATE jobs SET lease_expires_at = ?, progress = ?, stage = ?, updated_at = ? WHERE id = ? AND
          state = 'running' AND lease_owner = ?`,
        now + leaseMs,
        progress,
        stage,
        now,
        id,
        workerId,
      ) === 1
    );
  }

  async completeJob(id: string, workerId: string, result: unknown, now: number): Promise<boolean> {
    return (
      this.run(
        `UPDATE jobs SET state = 'succeeded', result = ?, progress = 1, stage = 'done', lease_owner = NULL,
          lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND
          lease_owner = ?`,
        json(result),
        now,
        now,
        id,
        workerId,
      ) === 1
    );
  }

  async failJob(
    id: string,
    workerId: string,
    error: { message: string; kind?: string },
    retry: boolean,
    now: number,
  ): Promise<boolean> {
    return (
      this.run(
        `UPDATE jobs SET state = CASE WHEN ? AND attempts < max_attempts THEN 'accepted' ELSE 'failed' END,
          error = ?, lease_owner = NULL, lease_expires_at = NULL,
          finished_at = CASE WHEN ? AND attempts < max_attempts THEN NULL ELSE ? END, updated_at = ?
          WHERE id = ? AND state = 'running' AND lease_owner = ?`,
        retry ? 1 : 0,
        json(error),
        retry ? 1 : 0,
        now,
        now,
        id,
        workerId,
      ) === 1
    );
  }

  async releaseJob(id: string, workerId: string, now: number): Promise<boolean> {
    return (
      this.run(
        `UPDATE jobs SET state = 'accepted', attempts = MAX(attempts - 1, 0), lease_owner = NULL,
          lease_expires_at = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?`,
        now,
        id,
        workerId,
      ) === 1
    );
  }

  async countJobs(): Promise<Record<JobState, number>> {
    const out: Record<JobState, number> = { accepted: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of this.db.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as Row[]) {
      out[r.state as JobState] = Number(r.n);
    }
    return out;
  }

  async insertOriginatorKey(k: OriginatorKeyRecord): Promise<OriginatorKeyRecord> {
    this.run(
      "INSERT INTO originator_keys (owner, public_key, private_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      k.owner,
      JSON.stringify(k.publicKey),
      k.privateKeyCiphertext,
      k.createdAt,
    );
    return (await this.getOriginatorKey(k.owner))!;
  }

  async getOriginatorKey(owner: string): Promise<OriginatorKeyRecord | undefined> {
    const r = this.get("SELECT * FROM originator_keys WHERE owner = ?", owner);
    return r && rowToOriginatorKey(r);
  }

  async recordOpening(o: OpeningRecord): Promise<OpeningRecord> {
    this.run(
      "INSERT INTO openings (tape_id, auditor, seed, indices, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      o.tapeId,
      o.auditor,
      o.seed,
      JSON.stringify(o.indices),
      o.createdAt,
    );
    return rowToOpening(this.get("SELECT * FROM openings WHERE tape_id = ? AND seed = ?", o.tapeId, o.seed)!);
  }

  async listOpenings(tapeId: string): Promise<OpeningRecord[]> {
    const rows = this.db
      .prepare("SELECT * FROM openings WHERE tape_id = ? ORDER BY created_at, seed")
      .all(tapeId);
    return (rows as Row[]).map((r) => rowToOpening(r));
  }

  async insertAttestation(a: AttestationRecord): Promise<AttestationRecord> {
    return this.tx(() => {
      const existing = this.get("SELECT * FROM attestations WHERE job_id = ?", a.jobId);
      if (existing) return rowToAttestation(existing);
      this.run(
        `INSERT INTO attestations (id, owner, job_id, tape_id, pool_id, period, instance, policy_hash, data,
          created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        a.id,
        a.owner,
        a.jobId,
        a.tapeId,
        a.poolId,
        a.period,
        a.instance,
        a.policyHash,
        json(a.data) ?? "null",
        a.createdAt,
      );
      return a;
    });
  }

  async getAttestation(id: string): Promise<AttestationRecord | undefined> {
    const r = this.get("SELECT * FROM attestations WHERE id = ?", id);
    return r && rowToAttestation(r);
  }

  async findAttestations(poolId: string, period?: number): Promise<AttestationRecord[]> {
    const rows = (
      period === undefined
        ? this.db
            .prepare("SELECT * FROM attestations WHERE pool_id = ? ORDER BY period, created_at")
            .all(poolId)
        : this.db
            .prepare("SELECT * FROM attestations WHERE pool_id = ? AND period = ? ORDER BY created_at")
            .all(poolId, period)
    ) as Row[];
    return rows.map((r) => rowToAttestation(r));
  }

  async insertScoreProofs(recs: ScoreProofRecord[]): Promise<ScoreProofRecord[]> {
    const jobs = [...new Set(recs.map((r) => r.jobId))];
    if (jobs.length !== 1) throw new TypeError("insertScoreProofs: expected the proofs of one job");
    const byJob = (): ScoreProofRecord[] =>
      (
        this.db
          .prepare("SELECT * FROM score_proofs WHERE job_id = ? ORDER BY chunk_index")
          .all(jobs[0]!) as Row[]
      ).map((r) => rowToScoreProof(r));
    return this.tx(() => {
      const existing = byJob();
      if (existing.length > 0) return existing;
      for (const p of recs) {
        this.run(
          `INSERT INTO score_proofs (job_id, chunk_index, attestation_id, instance, owner, proof, public_signals,
            created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          p.jobId,
          p.chunkIndex,
          p.attestationId,
          p.instance,
          p.owner,
          json(p.proof) ?? "null",
          JSON.stringify(p.publicSignals),
          p.createdAt,
        );
      }
      return byJob();
    });
  }

  async listScoreProofs(attestationId: string): Promise<ScoreProofRecord[]> {
    const rows = this.db
      .prepare("SELECT * FROM score_proofs WHERE attestation_id = ? ORDER BY created_at, job_id, chunk_index")
      .all(attestationId) as Row[];
    return rows.map((r) => rowToScoreProof(r));
  }
}
