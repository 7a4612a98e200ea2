/**
 * The chunk store and transport of the service's attestation jobs (prover/chunks/): where each chunk proof
 * is kept as soon as it is made, so a retried job (a crash, a restart, an outage) proves only the missing
 * chunks, and whether the chunks are proven in the job's own worker process or as pg-boss jobs for
 * `rwa-attest worker` processes on other machines.
 *
 * - storage=sqlite: chunk proofs in `<dataDir>/chunks.sqlite` (memory when the store itself is `:memory:`);
 * - storage=postgres: chunk proofs in the service's schema; with RWA_API_CHUNK_QUEUE=pg-boss the chunks
 *   are jobs in the `<schema>_queue` schema of the same database.
 */
import { join } from "node:path";
import {
  MemoryChunkStore,
  openQueue,
  PgBossTransport,
  PostgresChunkStore,
  SqliteChunkStore,
  type AttestProgress,
  type ChunkStore,
  type ChunkTransport,
} from "../prover/index.ts";
import type { ChunkSetup } from "./attest-runner.ts";
import type { Config } from "./config.ts";

/** The chunk setup the service's configuration asks for. */
export function chunkSetup(config: Config): ChunkSetup {
  if (config.storage === "postgres")
    return {
      store: "postgres",
      url: config.postgresUrl!,
      schema: config.postgresSchema,
      queue: config.chunkQueue,
    };
  if (config.sqlitePath === ":memory:") return { store: "memory" };
  return { store: "sqlite", path: join(config.dataDir, "chunks.sqlite") };
}

/** Opens the setup's store and, for pg-boss, its transport; `close` ends both. */
export async function openChunks(
  setup: ChunkSetup = { store: "memory" },
): Promise<{ store: ChunkStore; transport?: ChunkTransport; close: () => Promise<void> }> {
  if (setup.store === "memory") {
    const store = new MemoryChunkStore();
    return { store, close: () => store.close() };
  }
  if (setup.store === "sqlite") {
    const store = new SqliteChunkStore(setup.path);
    return { store, close: () => store.close() };
  }
  const store = new PostgresChunkStore(setup.url, setup.schema);
  if (setup.queue !== "pg-boss") return { store, close: () => store.close() };
  const boss = await openQueue(setup.url, `${setup.schema}_queue`, 2);
  return {
    store,
    transport: new PgBossTransport(boss),
    close: async () => {
      await boss.stop({ graceful: false });
      await store.close();
    },
  };
}

/**
 * A job's stage while proving: `prove: 12/128 chunks, about 180 s left` (the pool progress); while no worker
 * has taken a chunk, what it waits for: `prove: 0/3 chunks, waiting 35 s for a worker holding
 * pool-chunk-commitment-8 with key 0x1a2b3c4d… (queue rwa-chunk.…)`.
 */
export function proveStage(p: AttestProgress): string {
  if (p.stage !== "prove") return p.stage;
  const left = p.etaMs == null ? "" : `, about ${Math.ceil(p.etaMs / 1000)} s left`;
  const w = p.waiting;
  const wait = w
    ? `, waiting ${Math.round(w.sinceMs / 1000)} s for a worker holding ${w.instance} with key ` +
      `${w.verificationKey.slice(0, 10)}… (queue ${w.queue})`
    : "";
  return `prove: ${p.chunksDone}/${p.chunkCount} chunks${left}${wait}`;
}
