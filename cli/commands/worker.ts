/**
 * `rwa-attest worker`: a prover process for chunk jobs on a PostgreSQL queue (prover/chunks/pgboss.ts).
 * Start it on any machine that reaches the database and holds the build artifacts (`build/`, the same
 * manifest as the machine that queues the attestation: its keys are checked against the manifest's hashes
 * at start, and jobs for other keys never reach it). One JSON line per event on stdout (ready, start, done,
 * aborted, refused); SIGTERM or SIGINT lets the chunks in flight finish, then stops.
 */
import type { Command } from "commander";
import {
  openQueue,
  PostgresChunkStore,
  ProverPool,
  startChunkWorker,
  workerKeys,
  type WorkerEvent,
} from "../../prover/index.ts";
import { CliError } from "../io.ts";

/** The environment variable naming the queue's database when `--queue` is not given. */
export const QUEUE_ENV = "RWA_ATTEST_QUEUE_URL";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "prove chunk jobs from a PostgreSQL queue until stopped (SIGTERM/SIGINT: finish the chunks in flight, then exit)",
    )
    .option("--queue <url>", `PostgreSQL URL of the queue and chunk store (default: $${QUEUE_ENV})`)
    .option("--schema <name>", "schema of the chunk store (the queue uses <schema>_queue)", "rwa_attest")
    .option("--concurrency <n>", "chunks proven at once", "1")
    .option(
      "--instance <name...>",
      "chunk circuit instances to serve (default: every PoolAttestation and PoolChunkCommitment built here)",
    )
    .option("--name <id>", "this worker's name in events and stored chunks (default: host:pid)")
    .action(
      async (o: {
        queue?: string;
        schema: string;
        concurrency: string;
        instance?: string[];
        name?: string;
      }) => {
        const url = o.queue ?? process.env[QUEUE_ENV];
        if (!url) throw new CliError(`--queue: give the queue's PostgreSQL URL (or set ${QUEUE_ENV})`);
        if (!/^[a-z_][a-z0-9_]{0,50}$/.test(o.schema)) throw new CliError(`--schema: not a plain name`);
        const concurrency = Number(o.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new CliError("--concurrency: expected a positive integer");
        const keys = await workerKeys(o.instance);
        if (keys.length === 0)
          throw new CliError(
            "no chunk instance (PoolAttestation or PoolChunkCommitment) is built here: run the build",
          );
        const emit = (e: WorkerEvent): void => void process.stdout.write(JSON.stringify(e) + "\n");
        const pool = new ProverPool(concurrency);
        const store = new PostgresChunkStore(url, o.schema);
        const boss = await openQueue(url, `${o.schema}_queue`, 4, "worker");
        const w = await startChunkWorker({ boss, store, pool, keys, concurrency, worker: o.name, emit });
        await new Promise<void>((resolve) => {
          process.once("SIGTERM", resolve);
          process.once("SIGINT", resolve);
        });
        await w.stop();
        await boss.stop({ graceful: true, timeout: 30_000 });
        await pool.close();
        await store.close();
      },
    );
}
