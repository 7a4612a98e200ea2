/**
 * Chunk proofs in PostgreSQL, in the schema of the service's shared store: every worker writes the proof
 * it made here before it completes its chunk job, so the coordinator (or a retried attestation on another
 * machine) finds it even if the worker dies the next instant.
 */
import pg from "pg";
import type { ChunkStore, StoredChunk } from "./index.ts";
import { CHUNK_COLUMNS, CHUNK_TABLE, chunkFromRow, chunkRow } from "./rows.ts";
import { invalid } from "../../verifier-api/web/errors.js";

export class PostgresChunkStore implements ChunkStore {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly table: string;
  readonly schema: string;

  constructor(url: string, schema = "rwa_attest", max = 2) {
    this.schema = schema;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw invalid("schema", `not a plain name: ${schema}`);
    this.pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
    // an idle client's error (the server restarted) is the next query's error, not the process's end
    this.pool.on("error", () => {});
    this.table = `${schema}.${CHUNK_TABLE}`;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        // one creator at a time: workers starting together on a fresh database
        await c.query("SELECT pg_advisory_lock(hashtext('rwa_chunk_proofs'))");
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await c.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          id uuid PRIMARY KEY, attestation text NOT NULL, chunk_index integer NOT NULL, proof jsonb NOT NULL,
          public_signals jsonb NOT NULL, witness_ms integer NOT NULL, prove_ms integer NOT NULL,
          worker text NOT NULL, created_at bigint NOT NULL)`);
        await c.query(
          `CREATE INDEX IF NOT EXISTS ${CHUNK_TABLE}_attestation ON ${this.table} (attestation, chunk_index)`,
        );
      } finally {
        await c.query("SELECT pg_advisory_unlock(hashtext('rwa_chunk_proofs'))").catch(() => {});
        c.release();
      }
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async put(chunk: StoredChunk): Promise<boolean> {
    await this.init();
    const r = await this.pool.query(
      `INSERT INTO ${this.table} (${CHUNK_COLUMNS.join(", ")})
       VALUES (${CHUNK_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (id) DO NOTHING`,
      chunkRow(chunk),
    );
    return r.rowCount === 1;
  }

  async list(attestation: string): Promise<StoredChunk[]> {
    await this.init();
    const r = await this.pool.query(
      `SELECT * FROM ${this.table} WHERE attestation = $1 ORDER BY chunk_index`,
      [attestation],
    );
    return r.rows.map((row: Record<string, unknown>) => chunkFromRow(row));
  }

  async count(attestation: string): Promise<number> {
    await this.init();
    const r = await this.pool.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE attestation = $1`, [
      attestation,
    ]);
    return Number((r.rows[0] as { n: number }).n);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.init();
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
