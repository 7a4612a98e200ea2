/**
 * PostgreSQL storage, for several service instances sharing one queue: claims use
 * `FOR UPDATE SKIP LOCKED`, so two instances never take the same job. Tables live in one schema
 * (`RWA_API_POSTGRES_SCHEMA`).
 */
import pg from "pg";
import { decideOpening, type OpeningDecision } from "../sampling.ts";
import { jobSql } from "./job-sql.ts";
import { MIGRATIONS_TABLE, pendingStatements } from "./migrations.ts";
import { attestationPageSql, poolSql } from "./pool-sql.ts";
import {
  rowToApiKey,
  rowToAttestation,
  rowToJob,
  rowToOpening,
  rowToOriginatorKey,
  rowToPool,
  rowToScoreProof,
  rowToTape,
  same,
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
import { storeUnavailable } from "../../prover/index.ts";
import { invalid } from "../web/errors.js";

const jsonb = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export class PostgresStorage implements Storage {
  readonly kind = "postgres" as const;
  readonly schema: string;
  private readonly pool: pg.Pool;

  constructor(url: string, schema: string, poolSize = 10) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw invalid("schema", `not a plain identifier: ${schema}`);
    this.schema = schema;
    // A connection attempt gives up after 3 s, so calls fail (and callers back off) rather than hang while
    // the server is unreachable.
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 3_000,
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on("error", () => {});
  }

  private async q(
    sql: string,
    params: unknown[] = [],
    client: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<Row[]> {
    return (await client.query(sql, params)).rows as Row[];
  }

  private async count(sql: string, params: unknown[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    // A connection lost between two statements makes the checked-out client emit "error"; without a
    // listener that would crash the process. The statement in flight fails instead, and the pool drops it.
    let broken: Error | undefined;
    const lost = (err: Error): void => {
      broken = err;
    };
    c.on("error", lost);
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      if (storeUnavailable(err)) broken ??= err as Error;
      else await c.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      c.off("error", lost);
      c.release(broken); // a broken connection is destroyed, not handed to the next caller
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      // Serialises instances migrating this schema (even CREATE SCHEMA IF NOT EXISTS races itself); the
      // lock ends with the transaction.
      await this.q("SELECT pg_advisory_xact_lock(hashtext($1))", [`rwa-attest:migrate:${this.schema}`], c);
      await this.q(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`, [], c);
      await this.q(`SET LOCAL search_path TO ${this.schema}`, [], c);
      await this.q(MIGRATIONS_TABLE("postgres"), [], c);
      const rows = await this.q("SELECT version FROM schema_migrations", [], c);
      const applied = new Set(rows.map((r) => Number(r.version)));
      for (const st of pendingStatements("postgres", applied, Date.now())) await this.q(st.sql, st.params, c);
    });
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Drops the whole schema (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.q(
      "INSERT INTO api_keys (id, key_hash, role, owner, label, created_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
      [k.id, k.keyHash, k.role, k.owner, k.label, k.createdAt, k.revokedAt],
    );
  }

  async ensureApiKey(k: ApiKeyRecord): Promise<boolean> {
    return (
      (await this.count(
        `INSERT INTO api_keys (id, key_hash, role, owner, label, created_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7)
          ON CONFLICT DO NOTHING`,
        [k.id, k.keyHash, k.role, k.owner, k.label, k.createdAt, k.revokedAt],
      )) === 1
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const [r] = await this.q("SELECT * FROM api_keys WHERE key_hash = $1", [keyHash]);
    return r && rowToApiKey(r);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    return (
      (await this.count("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [
        at,
        id,
      ])) === 1
    );
  }

  async insertTape(t: TapeRecord): Promise<void> {
    await this.q(
      `INSERT INTO tapes (id, owner, pool_id, period, as_of_date, loan_count, format, sha256, ciphertext, created_at,
        commitment, committed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
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
        jsonb(t.commitment),
        t.committedAt,
      ],
    );
  }

  async getTape(id: string): Promise<TapeRecord | undefined> {
    const [r] = await this.q("SELECT * FROM tapes WHERE id = $1", [id]);
    return r && rowToTape(r, same);
  }

  async setTapeCommitment(id: string, commitment: unknown, at: number): Promise<boolean> {
    return (
      (await this.count(
        "UPDATE tapes SET commitment = $1, committed_at = $2 WHERE id = $3 AND commitment IS NULL",
        [jsonb(commitment), at, id],
      )) === 1
    );
  }

  async createJob(j: NewJob, now: number): Promise<{ job: JobRecord; created: boolean }> {
    const inserted = await this.q(
      `INSERT INTO jobs (id, kind, owner, idempotency_key, request_hash, input, state, max_attempts, created_at,
        updated_at) VALUES ($1,$2,$3,$4,$5,$6,'accepted',$7,$8,$8) ON CONFLICT (owner, idempotency_key) DO NOTHING
        RETURNING *`,
      [j.id, j.kind, j.owner, j.idempotencyKey, j.requestHash, jsonb(j.input) ?? "null", j.maxAttempts, now],
    );
    if (inserted[0]) return { job: rowToJob(inserted[0], same), created: true };
    const [r] = await this.q("SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2", [
      j.owner,
      j.idempotencyKey,
    ]);
    return { job: rowToJob(r!, same), created: false };
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [r] = await this.q("SELECT * FROM jobs WHERE id = $1", [id]);
    return r && rowToJob(r, same);
  }

  async claimJob(
    workerId: string,
    kinds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<JobRecord | undefined> {
    if (kinds.length === 0) return undefined;
    return this.tx(async (c) => {
      await this.q(
        jobSql("postgres", "expireLeases"),
        [
          jsonb({
            message: "the job's worker stopped responding and no attempts are left",
            kind: "lease-expired",
          }),
          now,
        ],
        c,
      );
      const [r] = await this.q(
        `SELECT id FROM jobs WHERE kind = ANY($1) AND (state = 'accepted' OR (state = 'running' AND
          lease_expires_at < $2)) ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [[...kinds], now],
        c,
      );
      if (!r) return undefined;
      const [job] = await this.q(
        `${jobSql("postgres", "take")} RETURNING *`,
        [workerId, now + leaseMs, now, r.id],
        c,
      );
      return rowToJob(job!, same);
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
    const params = [now + leaseMs, progress, stage, now, id, workerId];
    return (await this.count(jobSql("postgres", "heartbeat"), params)) === 1;
  }

  async completeJob(id: string, workerId: string, result: unknown, now: number): Promise<boolean> {
    return (await this.count(jobSql("postgres", "complete"), [jsonb(result), now, id, workerId])) === 1;
  }

  async failJob(
    id: string,
    workerId: string,
    error: { message: string; kind?: string },
    retry: boolean,
    now: number,
  ): Promise<boolean> {
    const params = [retry ? 1 : 0, jsonb(error), now, id, workerId];
    return (await this.count(jobSql("postgres", "fail"), params)) === 1;
  }

  async releaseJob(id: string, workerId: string, now: number): Promise<boolean> {
    return (await this.count(jobSql("postgres", "release"), [now, id, workerId])) === 1;
  }

  async countJobs(): Promise<Record<JobState, number>> {
    const out: Record<JobState, number> = { accepted: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of await this.q("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")) {
      out[r.state as JobState] = Number(r.n);
    }
    return out;
  }

  async insertOriginatorKey(k: OriginatorKeyRecord): Promise<OriginatorKeyRecord> {
    await this.q(
      `INSERT INTO originator_keys (owner, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (owner) DO NOTHING`,
      [k.owner, JSON.stringify(k.publicKey), k.privateKeyCiphertext, k.createdAt],
    );
    return (await this.getOriginatorKey(k.owner))!;
  }

  async getOriginatorKey(owner: string): Promise<OriginatorKeyRecord | undefined> {
    const [r] = await this.q("SELECT * FROM originator_keys WHERE owner = $1", [owner]);
    return r && rowToOriginatorKey(r, same);
  }

  async recordOpening(o: OpeningRecord, budget: number): Promise<OpeningDecision> {
    return this.tx(async (c) => {
      // One tape's openings at a time, across instances: the lock is held from the read of the earlier
      // openings to the insert, and released at commit.
      await this.q("SELECT pg_advisory_xact_lock(hashtext($1))", [`openings:${o.tapeId}`], c);
      const previous = (await this.q("SELECT * FROM openings WHERE tape_id = $1", [o.tapeId], c)).map((r) =>
        rowToOpening(r, same),
      );
      const d = decideOpening(previous, o, budget);
      if (d.status === "recorded") {
        await this.q(
          "INSERT INTO openings (tape_id, auditor, seed, indices, created_at) VALUES ($1, $2, $3, $4, $5)",
          [o.tapeId, o.auditor, o.seed, JSON.stringify(o.indices), o.createdAt],
          c,
        );
      }
      return d;
    });
  }

  async listOpenings(tapeId: string): Promise<OpeningRecord[]> {
    const rows = await this.q("SELECT * FROM openings WHERE tape_id = $1 ORDER BY created_at, seed", [
      tapeId,
    ]);
    return rows.map((r) => rowToOpening(r, same));
  }

  async insertAttestation(a: AttestationRecord): Promise<AttestationRecord> {
    const inserted = await this.q(
      `INSERT INTO attestations (id, owner, job_id, tape_id, pool_id, period, instance, policy_hash, data, created_at)
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (job_id) DO NOTHING RETURNING *`,
      [
        a.id,
        a.owner,
        a.jobId,
        a.tapeId,
        a.poolId,
        a.period,
        a.instance,
        a.policyHash,
        jsonb(a.data) ?? "null",
        a.createdAt,
      ],
    );
    if (inserted[0]) return rowToAttestation(inserted[0], same);
    const [r] = await this.q("SELECT * FROM attestations WHERE job_id = $1", [a.jobId]);
    return rowToAttestation(r!, same);
  }

  async getAttestation(id: string): Promise<AttestationRecord | undefined> {
    const [r] = await this.q("SELECT * FROM attestations WHERE id = $1", [id]);
    return r && rowToAttestation(r, same);
  }

  async listAttestations(q: AttestationListQuery): Promise<AttestationRecord[]> {
    const st = attestationPageSql("postgres", q);
    return (await this.q(st.sql, st.params)).map((r) => rowToAttestation(r, same));
  }

  async claimPool(poolId: string, owner: string, now: number): Promise<PoolRecord> {
    // A concurrent claim's insert waits on the unique index for the first one's commit, then does nothing;
    // the read after it (a new snapshot) sees the owner that won.
    await this.q(poolSql("postgres", "claim"), [poolId, owner, now]);
    return (await this.getPool(poolId))!;
  }

  async getPool(poolId: string): Promise<PoolRecord | undefined> {
    const [r] = await this.q(poolSql("postgres", "get"), [poolId]);
    return r && rowToPool(r);
  }

  async insertScoreProofs(recs: ScoreProofRecord[]): Promise<ScoreProofRecord[]> {
    const jobs = [...new Set(recs.map((r) => r.jobId))];
    if (jobs.length !== 1) throw new TypeError("insertScoreProofs: expected the proofs of one job");
    return this.tx(async (c) => {
      // One job's proofs at a time: a concurrent insert of the same job waits here, then finds them.
      await this.q("SELECT pg_advisory_xact_lock(hashtext($1))", [`score_proofs:${jobs[0]}`], c);
      const byJob = async (): Promise<ScoreProofRecord[]> =>
        (await this.q("SELECT * FROM score_proofs WHERE job_id = $1 ORDER BY chunk_index", [jobs[0]], c)).map(
          (r) => rowToScoreProof(r, same),
        );
      const existing = await byJob();
      if (existing.length > 0) return existing;
      for (const p of recs) {
        await this.q(
          `INSERT INTO score_proofs (job_id, chunk_index, attestation_id, instance, owner, proof, public_signals,
            created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
          [
            p.jobId,
            p.chunkIndex,
            p.attestationId,
            p.instance,
            p.owner,
            jsonb(p.proof) ?? "null",
            JSON.stringify(p.publicSignals),
            p.createdAt,
          ],
          c,
        );
      }
      return byJob();
    });
  }

  async listScoreProofs(attestationId: string): Promise<ScoreProofRecord[]> {
    const rows = await this.q(
      "SELECT * FROM score_proofs WHERE attestation_id = $1 ORDER BY created_at, job_id, chunk_index",
      [attestationId],
    );
    return rows.map((r) => rowToScoreProof(r, same));
  }
}
