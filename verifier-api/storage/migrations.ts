/**
 * The schema of the service's store as numbered migrations, written once for SQLite and PostgreSQL.
 *
 * Each migration is SQL with dialect-neutral column types (`{bigint}`, `{json}`, `{bytes}`, `{real}`) that
 * `sqlFor` turns into the dialect's (SQLite: INTEGER, TEXT, BLOB, REAL; PostgreSQL: BIGINT, JSONB, BYTEA,
 * DOUBLE PRECISION). A store records the versions it applied in `schema_migrations` and applies the missing
 * ones, in order, in one transaction under a lock, so two instances started together on a fresh store
 * neither race nor crash: on PostgreSQL a transaction-scoped advisory lock keyed by the schema name, taken
 * before anything else (even `CREATE SCHEMA`); on SQLite the database's write lock (`BEGIN IMMEDIATE`).
 * The second instance waits, then finds every version applied and does nothing.
 *
 * Add a migration by appending a new version; never edit one that has shipped.
 */

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  version: number;
  name: string;
  /** Statements separated by `;` at line ends, with `{type}` placeholders. */
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "baseline: keys, tapes, jobs, attestations, openings, originator keys, score proofs",
    // IF NOT EXISTS: stores created before migrations were numbered already hold these tables.
    sql: `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, owner TEXT NOT NULL,
  label TEXT NOT NULL, created_at {bigint} NOT NULL, revoked_at {bigint});
CREATE TABLE IF NOT EXISTS tapes (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, pool_id TEXT NOT NULL, period {bigint} NOT NULL,
  as_of_date INTEGER NOT NULL, loan_count INTEGER NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL,
  ciphertext {bytes} NOT NULL, created_at {bigint} NOT NULL, commitment {json}, committed_at {bigint});
CREATE INDEX IF NOT EXISTS tapes_owner ON tapes(owner);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL, input {json} NOT NULL, state TEXT NOT NULL, progress {real} NOT NULL DEFAULT 0,
  stage TEXT, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, lease_owner TEXT,
  lease_expires_at {bigint}, result {json}, error {json}, created_at {bigint} NOT NULL,
  updated_at {bigint} NOT NULL, started_at {bigint}, finished_at {bigint}, UNIQUE (owner, idempotency_key));
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, created_at);
CREATE TABLE IF NOT EXISTS attestations (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, job_id TEXT NOT NULL UNIQUE, tape_id TEXT, pool_id TEXT NOT NULL,
  period {bigint} NOT NULL, instance TEXT NOT NULL, policy_hash TEXT, data {json} NOT NULL,
  created_at {bigint} NOT NULL);
CREATE INDEX IF NOT EXISTS attestations_pool ON attestations(pool_id, period);
CREATE TABLE IF NOT EXISTS openings (
  tape_id TEXT NOT NULL, auditor TEXT NOT NULL, seed TEXT NOT NULL, indices {json} NOT NULL,
  created_at {bigint} NOT NULL, PRIMARY KEY (tape_id, seed));
CREATE TABLE IF NOT EXISTS originator_keys (
  owner TEXT PRIMARY KEY, public_key {json} NOT NULL, private_key {bytes} NOT NULL, created_at {bigint} NOT NULL);
CREATE TABLE IF NOT EXISTS score_proofs (
  job_id TEXT NOT NULL, chunk_index INTEGER NOT NULL, attestation_id TEXT NOT NULL, instance TEXT NOT NULL,
  owner TEXT NOT NULL, proof {json} NOT NULL, public_signals {json} NOT NULL, created_at {bigint} NOT NULL,
  PRIMARY KEY (job_id, chunk_index));
CREATE INDEX IF NOT EXISTS score_proofs_attestation ON score_proofs(attestation_id, created_at);
`,
  },
  {
    version: 2,
    name: "pools: a pool id belongs to the first originator that used it; the attestation listing's page index",
    // Existing stores: each pool goes to the originator of its earliest attestation, else of its earliest
    // committed tape (the uses that claim a pool from now on).
    sql: `
CREATE TABLE IF NOT EXISTS pools (
  pool_id TEXT PRIMARY KEY, owner TEXT NOT NULL, claimed_at {bigint} NOT NULL);
INSERT INTO pools (pool_id, owner, claimed_at)
  SELECT a.pool_id, a.owner, a.created_at FROM attestations a WHERE NOT EXISTS (
    SELECT 1 FROM attestations b WHERE b.pool_id = a.pool_id AND (b.created_at, b.id) < (a.created_at, a.id))
  ON CONFLICT (pool_id) DO NOTHING;
INSERT INTO pools (pool_id, owner, claimed_at)
  SELECT t.pool_id, t.owner, t.committed_at FROM tapes t WHERE t.commitment IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM tapes u WHERE u.pool_id = t.pool_id AND u.commitment IS NOT NULL
      AND (u.committed_at, u.id) < (t.committed_at, t.id))
  ON CONFLICT (pool_id) DO NOTHING;
CREATE INDEX IF NOT EXISTS attestations_page ON attestations(pool_id, period, created_at, id);
`,
  },
];

const TYPES: Record<Dialect, Record<string, string>> = {
  sqlite: { bigint: "INTEGER", json: "TEXT", bytes: "BLOB", real: "REAL" },
  postgres: { bigint: "BIGINT", json: "JSONB", bytes: "BYTEA", real: "DOUBLE PRECISION" },
};

/** A migration's statements in a dialect. */
export function sqlFor(dialect: Dialect, sql: string): string[] {
  const text = sql.replace(/\{(\w+)\}/g, (_m, t: string) => {
    const out = TYPES[dialect][t];
    if (!out) throw new TypeError(`migration: unknown type {${t}}`);
    return out;
  });
  return text
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ""))
    .filter(Boolean);
}

/** The table recording applied versions (created first, inside the same locked transaction). */
export const MIGRATIONS_TABLE = (dialect: Dialect): string =>
  `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${TYPES[dialect].bigint} NOT NULL)`;

/** A statement and its parameters (`$n` on PostgreSQL, `?` on SQLite). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * The statements that bring a store from the `applied` versions to the newest: each missing migration's
 * statements, then the row recording it. Each store runs them inside its locked transaction (SQLite's
 * synchronously, so nothing else in the process interleaves with the held write lock).
 */
export function pendingStatements(dialect: Dialect, applied: ReadonlySet<number>, now: number): Statement[] {
  const mark = dialect === "postgres" ? "($1, $2, $3)" : "(?, ?, ?)";
  return MIGRATIONS.filter((m) => !applied.has(m.version)).flatMap((m) => [
    ...sqlFor(dialect, m.sql).map((sql) => ({ sql, params: [] })),
    {
      sql: `INSERT INTO schema_migrations (version, name, applied_at) VALUES ${mark}`,
      params: [m.version, m.name, now],
    },
  ]);
}
