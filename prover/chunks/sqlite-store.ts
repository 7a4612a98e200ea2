/**
 * Chunk proofs in a SQLite file (the embedded default: `rwa-attest prove` keeps one next to its output
 * until the attestation is written; the embedded service keeps one in its data folder), so a killed run
 * started again proves only the chunks it had not stored.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { loadSqlite } from "../store.ts";
import type { ChunkStore, StoredChunk } from "./index.ts";
import { CHUNK_COLUMNS, CHUNK_TABLE, chunkFromRow, chunkRow } from "./rows.ts";

export class SqliteChunkStore implements ChunkStore {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;

  readonly path: string;

  constructor(path: string) {
    this.path = path;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new (loadSqlite().DatabaseSync)(path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS ${CHUNK_TABLE} (
        id TEXT PRIMARY KEY, attestation TEXT NOT NULL, chunk_index INTEGER NOT NULL, proof TEXT NOT NULL,
        public_signals TEXT NOT NULL, witness_ms INTEGER NOT NULL, prove_ms INTEGER NOT NULL,
        worker TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS ${CHUNK_TABLE}_attestation ON ${CHUNK_TABLE} (attestation, chunk_index);`);
  }

  async put(chunk: StoredChunk): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO ${CHUNK_TABLE} (${CHUNK_COLUMNS.join(", ")}) VALUES (${CHUNK_COLUMNS.map(() => "?").join(", ")})`,
      )
      .run(...chunkRow(chunk));
    return Number(r.changes) === 1;
  }

  async list(attestation: string): Promise<StoredChunk[]> {
    return this.db
      .prepare(`SELECT * FROM ${CHUNK_TABLE} WHERE attestation = ? ORDER BY chunk_index`)
      .all(attestation)
      .map((r) => chunkFromRow(r as Record<string, unknown>));
  }

  async count(attestation: string): Promise<number> {
    const r = this.db
      .prepare(`SELECT count(*) AS n FROM ${CHUNK_TABLE} WHERE attestation = ?`)
      .get(attestation);
    return Number((r as { n: number }).n);
  }

  async remove(ids: readonly string[]): Promise<void> {
    const del = this.db.prepare(`DELETE FROM ${CHUNK_TABLE} WHERE id = ?`);
    for (const id of ids) del.run(id);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
