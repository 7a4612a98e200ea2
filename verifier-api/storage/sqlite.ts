/**
 * SQLite storage on Node's built-in `node:sqlite` (no server, no native add-on). One process owns the
 * file; claims run in `BEGIN IMMEDIATE` transactions so they are atomic even with several connections.
 */
import { loadSqlite } from "../../prover/index.ts";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync as DatabaseSyncType, SQLInputValue } from "node:sqlite";
import { decideOpening, type OpeningDecision } from "../sampling.ts";
import { jobSql } from "./job-sql.ts";
import { MIGRATIONS_TABLE, pendingStatements } from "./migrations.ts";
import { attestationPageSql, poolSql } from "./pool-sql.ts";
import {
  json,
  rowToApiKey,
  rowToAttestation,
  rowToJob,
  rowToOpening,
  rowToOriginatorKey,
  rowToPool,
  rowToScoreProof,
  rowToTape,
  type Row,
} from "./rows.ts";
import type {
  ApiKeyRecord,
  AttestationListQuery,
  AttestationRecord,
  JobRecord,
  JobState,
  NewJob,
  OpeningRecord,
  OriginatorKeyRecord,
  PoolRecord,
  ScoreProofRecord,
  Storage,
  TapeRecord,
} from "./types.ts";

export class SqliteStorage implements Storage {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSyncType;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    this.db = new DatabaseSync(path);
    // busy_timeout first: switching to WAL needs the lock another process may hold.
    this.db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
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
    // BEGIN IMMEDIATE takes the database's write lock: a second process migrating the same file waits
    // (busy_timeout), then finds every version applied.
    this.tx(() => {
      this.db.exec(MIGRATIONS_TABLE("sqlite"));
      const rows = this.db.prepare("SELECT version FROM schema_migrations").all() as Row[];
      const applied = new Set(rows.map((r) => Number(r.version)));
      for (const st of pendingStatements("sqlite", applied, Date.now()))
        this.db.prepare(st.sql).run(...(st.params as SQLInputValue[]));
    });
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

  async ensureApiKey(k: ApiKeyRecord): Promise<boolean> {
    return (
      this.run(
        `INSERT INTO api_keys (id, key_hash, role, owner, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT DO NOTHING`,
        k.id,
        k.keyHash,
        k.role,
        k.owner,
        k.label,
        k.createdAt,
        k.revokedAt,
      ) === 1
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
        jobSql("sqlite", "expireLeases"),
        json({
          message: "the job's worker stopped responding and no attempts are left",
          kind: "lease-expired",
        }),
        now,
      );
      const r = this.get(
        `SELECT id FROM jobs WHERE kind IN (${marks}) AND (state = 'accepted' OR (state = 'running' AND
          lease_expires_at < ?)) ORDER BY created_at, id LIMIT 1`,
        ...kinds,
        now,
      );
      if (!r) return undefined;
      this.run(jobSql("sqlite", "take"), workerId, now + leaseMs, now, r.id as string);
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
    return this.run(jobSql("sqlite", "heartbeat"), now + leaseMs, progress, stage, now, id, workerId) === 1;
  }

  async completeJob(id: string, workerId: string, result: unknown, now: number): Promise<boolean> {
    return this.run(jobSql("sqlite", "complete"), json(result), now, id, workerId) === 1;
  }

  async failJob(
    id: string,
    workerId: string,
    error: { message: string; kind?: string },
    retry: boolean,
    now: number,
  ): Promise<boolean> {
    return this.run(jobSql("sqlite", "fail"), retry ? 1 : 0, json(error), now, id, workerId) === 1;
  }

  async releaseJob(id: string, workerId: string, now: number): Promise<boolean> {
    return this.run(jobSql("sqlite", "release"), now, id, workerId) === 1;
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

  async recordOpening(o: OpeningRecord, budget: number): Promise<OpeningDecision> {
    // BEGIN IMMEDIATE: the write lock is held from the read of the earlier openings to the insert.
    return this.tx(() => {
      const previous = (
        this.db.prepare("SELECT * FROM openings WHERE tape_id = ?").all(o.tapeId) as Row[]
      ).map((r) => rowToOpening(r));
      const d = decideOpening(previous, o, budget);
      if (d.status === "recorded") {
        this.run(
          "INSERT INTO openings (tape_id, auditor, seed, indices, created_at) VALUES (?, ?, ?, ?, ?)",
          o.tapeId,
          o.auditor,
          o.seed,
          JSON.stringify(o.indices),
          o.createdAt,
        );
      }
      return d;
    });
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

  async listAttestations(q: AttestationListQuery): Promise<AttestationRecord[]> {
    const st = attestationPageSql("sqlite", q);
    const rows = this.db.prepare(st.sql).all(...(st.params as SQLInputValue[])) as Row[];
    return rows.map((r) => rowToAttestation(r));
  }

  async claimPool(poolId: string, owner: string, now: number): Promise<PoolRecord> {
    // One statement: SQLite's write lock serialises claims, even from several processes on one file.
    this.run(poolSql("sqlite", "claim"), poolId, owner, now);
    return (await this.getPool(poolId))!;
  }

  async getPool(poolId: string): Promise<PoolRecord | undefined> {
    const r = this.get(poolSql("sqlite", "get"), poolId);
    return r && rowToPool(r);
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
