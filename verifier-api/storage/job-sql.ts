/**
 * The job life-cycle in SQL, written once for both stores: statements in PostgreSQL's spelling with `$n`
 * parameters, and `jobSql` turning them into SQLite's (`?n` numbered parameters, `MAX` for `GREATEST`).
 * Both stores pass the same parameters (JSON as text, booleans as 1/0), so a change to a job's life-cycle is
 * made here once. The claim's selection differs (PostgreSQL skips rows locked by other instances with
 * `FOR UPDATE SKIP LOCKED`; SQLite holds the database's write lock) and stays in each store.
 */
import type { Dialect } from "./migrations.ts";

export const JOB_SQL = {
  /** $1 error (JSON), $2 now: running jobs whose lease lapsed with no attempts left fail. */
  expireLeases: `UPDATE jobs SET state = 'failed', error = $1, lease_owner = NULL, lease_expires_at = NULL,
    finished_at = $2, updated_at = $2 WHERE state = 'running' AND lease_expires_at < $2 AND attempts >= max_attempts`,
  /**
   * $1 worker, $2 lease end, $3 now, $4 job id: the job runs under the worker's lease. The same worker
   * taking back its own job (its lease lapsed while it ran) is not a new attempt and keeps its progress.
   */
  take: `UPDATE jobs SET state = 'running',
    attempts = attempts + CASE WHEN state = 'running' AND lease_owner = $1 THEN 0 ELSE 1 END,
    progress = CASE WHEN state = 'running' AND lease_owner = $1 THEN progress ELSE 0 END,
    stage = CASE WHEN state = 'running' AND lease_owner = $1 THEN stage ELSE NULL END,
    lease_owner = $1, lease_expires_at = $2, started_at = COALESCE(started_at, $3), updated_at = $3
    WHERE id = $4`,
  /** $1 lease end, $2 progress, $3 stage, $4 now, $5 job id, $6 worker. */
  heartbeat: `UPDATE jobs SET lease_expires_at = $1, progress = $2, stage = $3, updated_at = $4
    WHERE id = $5 AND state = 'running' AND lease_owner = $6`,
  /** $1 result (JSON), $2 now, $3 job id, $4 worker: succeeded, nothing kept of a failed earlier attempt. */
  complete: `UPDATE jobs SET state = 'succeeded', error = NULL, result = $1, progress = 1, stage = 'done',
    lease_owner = NULL, lease_expires_at = NULL, finished_at = $2, updated_at = $2
    WHERE id = $3 AND state = 'running' AND lease_owner = $4`,
  /** $1 retry (1/0), $2 error (JSON), $3 now, $4 job id, $5 worker: accepted again while attempts are left. */
  fail: `UPDATE jobs SET state = CASE WHEN $1 = 1 AND attempts < max_attempts THEN 'accepted' ELSE 'failed' END,
    error = $2, lease_owner = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN $1 = 1 AND attempts < max_attempts THEN NULL ELSE CAST($3 AS BIGINT) END,
    updated_at = $3 WHERE id = $4 AND state = 'running' AND lease_owner = $5`,
  /** $1 now, $2 job id, $3 worker: handed back at shutdown, the attempt not counted. */
  release: `UPDATE jobs SET state = 'accepted', attempts = GREATEST(attempts - 1, 0), lease_owner = NULL,
    lease_expires_at = NULL, updated_at = $1 WHERE id = $2 AND state = 'running' AND lease_owner = $3`,
} as const;

export type JobStatement = keyof typeof JOB_SQL;

const sqlite = Object.fromEntries(
  Object.entries(JOB_SQL).map(([k, sql]) => [
    k,
    sql.replace(/\$(\d+)/g, "?$1").replace(/GREATEST\(/g, "MAX("),
  ]),
) as Record<JobStatement, string>;

/** A job statement in a dialect. */
export function jobSql(dialect: Dialect, statement: JobStatement): string {
  return dialect === "postgres" ? JOB_SQL[statement] : sqlite[statement];
}
