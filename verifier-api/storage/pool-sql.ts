/**
 * Pools and the attestation listing in SQL, written once for both stores (PostgreSQL's `$n` spelling;
 * `poolSql` gives SQLite's `?n`). A pool id belongs to the first originator that uses it: `claim` inserts
 * the owner unless the pool has one, in one statement, so of concurrent claims on any number of instances
 * exactly one wins (PostgreSQL's unique index makes a second insert wait for the first and then do nothing;
 * SQLite's write lock serialises them); `get` then reads the owner that won.
 */
import type { Dialect, Statement } from "./migrations.ts";
import type { AttestationListQuery } from "./types.ts";

export const POOL_SQL = {
  /** $1 pool id, $2 owner, $3 now. */
  claim: `INSERT INTO pools (pool_id, owner, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (pool_id) DO NOTHING`,
  /** $1 pool id. */
  get: `SELECT * FROM pools WHERE pool_id = $1`,
} as const;

const sqlite = (sql: string): string => sql.replace(/\$(\d+)/g, "?$1");

/** A pool statement in a dialect. */
export function poolSql(dialect: Dialect, statement: keyof typeof POOL_SQL): string {
  return dialect === "postgres" ? POOL_SQL[statement] : sqlite(POOL_SQL[statement]);
}

/** The columns of an attestation's summary: everything but its data (the proofs, tens of kB each). */
const SUMMARY_COLUMNS = "id, owner, job_id, tape_id, pool_id, period, instance, policy_hash, created_at";

/**
 * One page of a pool's attestations: in (period, created_at, id) order, after the cursor (keyset
 * pagination: stable while attestations are added), at most `limit`, without `data` unless `withData`.
 */
export function attestationPageSql(dialect: Dialect, q: AttestationListQuery): Statement {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`pool_id = ${p(q.poolId)}`];
  if (q.period !== undefined) where.push(`period = ${p(q.period)}`);
  if (q.owner !== undefined) where.push(`owner = ${p(q.owner)}`);
  if (q.after) {
    where.push(
      `(period, created_at, id) > (${p(q.after.period)}, ${p(q.after.createdAt)}, ${p(q.after.id)})`,
    );
  }
  const sql =
    `SELECT ${q.withData ? "*" : SUMMARY_COLUMNS} FROM attestations WHERE ${where.join(" AND ")} ` +
    `ORDER BY period, created_at, id LIMIT ${p(q.limit)}`;
  return { sql: dialect === "postgres" ? sql : sqlite(sql), params };
}
