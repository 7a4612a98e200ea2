/**
 * Chunk proofs as pg-boss jobs on the real PostgreSQL server (test/support/pg.ts; skipped with a message
 * when it does not answer or pool-attestation-8 is not built):
 * - a worker whose key differs refuses the job without proving it;
 * - a worker that loses its claim on a job stops its proof;
 * - three `rwa-attest worker` processes attest a synthetic tape chunk by chunk; one is SIGKILLed mid-chunk;
 *   every chunk is in the result exactly once, the killed chunk was redone by another worker, the
 *   attestation verifies;
 * - the queue's database connections are cut mid-run (a proxy; the shared server is never restarted) and
 *   the attestation still completes with every chunk once.
 * Loans: RWA_DISTRIBUTED_TEST_LOANS (default 1,024: 16 chunks of 64; see LOANS).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attestPool,
  chunkAttestationId,
  verifyAttestation,
  type AttestProgress,
} from "../../prover/attest.ts";
import { chunkId } from "../../prover/chunks/index.ts";
import {
  chunkJobHandler,
  chunkQueueName,
  ensureChunkQueue,
  openQueue,
  PgBossTransport,
  startChunkWorker,
  workerKeys,
  WrongKeyError,
  type ChunkJobData,
  type WorkerEvent,
} from "../../prover/chunks/pgboss.ts";
import { PostgresChunkStore } from "../../prover/chunks/postgres-store.ts";
import { deriveSalts } from "../../prover/commitment/encoding.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/commitment/keys.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { proveStage } from "../../verifier-api/attest-chunks.ts";
import { dropSchemas, freshSchema, PG_URL, PgProxy, postgresAnswers } from "../support/pg.ts";

const INSTANCE = "pool-attestation-8";
// A pool of several chunks is proven as committed chunks (issue 14): the workers prove PoolChunkCommitment
// jobs, and the coordinator the one aggregation. The kill test attests the 1,024 loans in chunks of
// 64 (16 chunks: pool-chunk-commitment-64 and pool-aggregation-16, built for tests); the connection-cut test
// 32 loans in chunks of 8 (pool-aggregation-4). RWA_DISTRIBUTED_TEST_LOANS changes the kill test's size (its
// aggregation class must be built: 128 chunks of 64 for 8,192 loans need pool-aggregation-256).
const WORKER_INSTANCE = "pool-chunk-commitment-8";
const BIG_INSTANCE = "pool-attestation-64";
const BIG_WORKER_INSTANCE = "pool-chunk-commitment-64";
const BIG_CHUNK = 64;
const LOANS = Number(process.env.RWA_DISTRIBUTED_TEST_LOANS) || 1_024;
const havePg = await postgresAnswers("the distributed chunk tests");
const built = [
  INSTANCE,
  WORKER_INSTANCE,
  BIG_WORKER_INSTANCE,
  "pool-aggregation-4",
  "pool-aggregation-16",
].every((n) => readManifest().instances[n] !== undefined);
if (!built) console.warn(`the distributed chunk tests' instances are not built: skipping them`);

const schema = freshSchema("rwa_dist");
const queueSchema = `${schema}_queue`;

/** A `rwa-attest worker` process and the events it printed. */
interface WorkerProc {
  name: string;
  child: ChildProcess;
  events: WorkerEvent[];
  ready: Promise<void>;
}

function startWorkerProcess(name: string, url: string): WorkerProc {
  const child = spawn(
    process.execPath,
    [
      "cli/main.ts",
      "worker",
      "--queue",
      url,
      "--schema",
      schema,
      "--name",
      name,
      "--instance",
      WORKER_INSTANCE,
      BIG_WORKER_INSTANCE,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const events: WorkerEvent[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const e = JSON.parse(l) as WorkerEvent;
      events.push(e);
      if (e.event === "ready") resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready`)));
  });
  return { name, child, events, ready };
}

async function stopWorker(w: WorkerProc): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once("exit", r));
  w.child.kill("SIGTERM");
  const t = setTimeout(() => w.child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(t);
}

describe.skipIf(!havePg || !built)("chunk jobs on pg-boss", () => {
  let key: OriginatorKey;
  let boss: PgBoss;
  let store: PostgresChunkStore;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    key = await generateOriginatorKey();
    boss = await openQueue(PG_URL, queueSchema);
    store = new PostgresChunkStore(PG_URL, schema);
  });
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    await boss?.stop({ graceful: false });
    await store?.close();
    if (havePg) await dropSchemas(schema, queueSchema);
  });

  const attest = async (
    tape: ReturnType<typeof generateSyntheticTape>,
    b: PgBoss,
    s: PostgresChunkStore,
    instance = INSTANCE,
  ) =>
    attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: 31337n,
      registry: "0x" + "33".repeat(20),
      instance,
      salts: await deriveSalts(5n, tape),
      store: s,
      transport: new PgBossTransport(b, { pollMs: 300 }),
    });

  it("a worker whose key differs refuses the job and proves nothing", async () => {
    const [mine] = await workerKeys([INSTANCE]);
    const pool = new ProverPool(1);
    const events: WorkerEvent[] = [];
    try {
      const handle = chunkJobHandler(mine!, pool, store, "w-other-key", (e) => events.push(e));
      const data: ChunkJobData = {
        attestation: "ee".repeat(32),
        chunkIndex: 0,
        instance: INSTANCE,
        verificationKey: "0x" + "12".repeat(32), // the job was queued by a build with other keys
        input: {},
      };
      const job = { data, signal: new AbortController().signal, retryCount: 0 };
      await expect(handle(job)).rejects.toThrow(WrongKeyError);
      // twin: the same job naming this worker's key is taken (and fails only on its empty input)
      await expect(
        handle({ ...job, data: { ...data, verificationKey: mine!.verificationKey } }),
      ).rejects.toThrow(/./);
    } finally {
      await pool.close();
    }
    expect(events.map((e) => e.event)).toEqual(["refused", "start"]);
    expect(await store.count("ee".repeat(32))).toBe(0);
    // and the queues differ: jobs for other keys never reach this worker
    expect(chunkQueueName(INSTANCE, "0x" + "12".repeat(32))).not.toBe(
      chunkQueueName(INSTANCE, mine!.verificationKey),
    );
  });

  it("a worker that loses its claim on a chunk stops its proof", async () => {
    const tape = generateSyntheticTape({ seed: 3, loans: 8, poolId: 9n, period: 202611 });
    const pool = new ProverPool(1);
    const events: WorkerEvent[] = [];
    let cancelled: string | undefined;
    const [mine] = await workerKeys([INSTANCE]);
    const name = chunkQueueName(INSTANCE, mine!.verificationKey);
    await ensureChunkQueue(boss, name);
    const w = await startChunkWorker({
      boss,
      store,
      pool,
      keys: [mine!],
      worker: "w-lease",
      heartbeatRefreshSeconds: 0.25,
      emit: (e) => {
        events.push(e);
        // the first attempt's claim is taken away (as the supervisor does with a silent worker)
        if (e.event === "start" && !cancelled) {
          cancelled = chunkId(e.attestation, e.chunk);
          void boss.fail(name, cancelled, { message: "claim taken away by the test" });
        }
      },
    });
    try {
      const { attestation } = await attest(tape, boss, store);
      expect((await verifyAttestation(attestation)).valid).toBe(true);
    } finally {
      await w.stop();
      await pool.close();
    }
    const kinds = events.map((e) => e.event).filter((k) => k !== "ready");
    expect(kinds[0]).toBe("start");
    expect(kinds).toContain("aborted");
    // the aborted attempt stored nothing; the retry made the one proof
    expect(kinds.filter((k) => k === "done")).toHaveLength(1);
    expect(kinds.indexOf("aborted")).toBeLessThan(kinds.indexOf("done"));
  });

  it("with no worker for its key, the attestation says what it waits for; a worker that starts clears it", async () => {
    const tape = generateSyntheticTape({ seed: 4, loans: 8, poolId: 10n, period: 202611 });
    const [mine] = await workerKeys([INSTANCE]);
    const queue = chunkQueueName(INSTANCE, mine!.verificationKey);
    const seen: AttestProgress[] = [];
    let worker: Awaited<ReturnType<typeof startChunkWorker>> | undefined;
    const pool = new ProverPool(1);
    let noticed!: () => void;
    const notice = new Promise<void>((r) => (noticed = r));
    try {
      const running = attestPool({
        tape,
        policy: TEST_POLICY,
        key,
        chainId: 31337n,
        registry: "0x" + "34".repeat(20),
        instance: INSTANCE,
        salts: await deriveSalts(6n, tape),
        store,
        transport: new PgBossTransport(boss, { pollMs: 100, failedCheckMs: 200, waitNoticeMs: 600 }),
        onProgress: (p) => {
          seen.push(p);
          if (p.waiting) noticed();
        },
      });
      await notice; // no worker holds this key yet: the run names the queue, the instance and the key
      const w = seen.find((p) => p.waiting)!.waiting!;
      expect(w).toMatchObject({ queue, instance: INSTANCE, verificationKey: mine!.verificationKey });
      expect(w.sinceMs).toBeGreaterThanOrEqual(600);
      expect(proveStage(seen.find((p) => p.waiting)!)).toMatch(
        new RegExp(
          `^prove: 0/1 chunks, waiting \\d+ s for a worker holding ${INSTANCE} with key 0x[0-9a-f]{8}…`,
        ),
      );
      worker = await startChunkWorker({ boss, store, pool, keys: [mine!], worker: "w-late" });
      const { attestation } = await running;
      expect((await verifyAttestation(attestation)).valid).toBe(true);
      // once the worker took the chunk, progress no longer says it waits
      expect(seen.at(-1)!.waiting).toBeUndefined();
      expect(seen.filter((p) => p.stage === "prove").at(-1)!.waiting).toBeUndefined();
    } finally {
      await worker?.stop();
      await pool.close();
    }
  });

  it(
    `three worker processes attest ${LOANS} loans; one SIGKILLed mid-chunk; every chunk once`,
    async () => {
      for (const n of ["w1", "w2", "w3"]) workers.push(startWorkerProcess(n, PG_URL));
      await Promise.all(workers.map((w) => w.ready));
      const tape = generateSyntheticTape({ seed: 11, loans: LOANS, poolId: 21n, period: 202611 });
      const chunkCount = Math.ceil(LOANS / BIG_CHUNK);
      const victim = workers[1]!;
      let killedChunk: number | undefined;
      // kill w2 the moment it starts a chunk once a tenth of the chunks are done
      const watch = setInterval(() => {
        const done = workers.flatMap((w) => w.events).filter((e) => e.event === "done").length;
        const last = victim.events.at(-1);
        if (killedChunk === undefined && done >= chunkCount / 10 && last?.event === "start") {
          killedChunk = last.chunk;
          victim.child.kill("SIGKILL");
        }
      }, 20);
      const t0 = performance.now();
      let attestation;
      try {
        ({ attestation } = await attest(tape, boss, store, BIG_INSTANCE));
      } finally {
        clearInterval(watch);
      }
      const seconds = (performance.now() - t0) / 1000;
      console.log(`${LOANS} loans, ${chunkCount} chunks on 3 workers (one killed): ${seconds.toFixed(0)} s`);

      expect(killedChunk).toBeDefined();
      expect(attestation.chunks.map((c) => c.chunkIndex)).toEqual([...Array(chunkCount).keys()]);
      const check = await verifyAttestation(attestation);
      expect(check.problems).toEqual([]);
      expect(check.valid).toBe(true);

      const rows = await store.list(chunkAttestationId(attestation));
      expect(rows.map((r) => r.chunkIndex)).toEqual([...Array(chunkCount).keys()]);
      const redo = rows.find((r) => r.chunkIndex === killedChunk)!;
      expect(redo.worker).not.toBe("w2");
      expect(victim.events.some((e) => e.event === "done" && e.chunk === killedChunk)).toBe(false);
      const job = await boss.getJobById(
        chunkQueueName(attestation.instance, attestation.verificationKey!.hash),
        chunkId(chunkAttestationId(attestation), killedChunk!),
      );
      expect(job?.state).toBe("completed");
      expect(job!.retryCount).toBeGreaterThanOrEqual(1);
      // every chunk's stored proof was made by one of the workers; the survivors did the rest
      const by = new Map<string, number>();
      for (const r of rows) by.set(r.worker, (by.get(r.worker) ?? 0) + 1);
      expect([...by.keys()].every((w) => ["w1", "w2", "w3"].includes(w))).toBe(true);
    },
    Math.max(300_000, LOANS * 2_000),
  );

  it("completes with every chunk once when the queue database's connections are cut mid-run", async () => {
    const proxy = new PgProxy();
    await proxy.start();
    const b = await openQueue(proxy.url, queueSchema);
    const s = new PostgresChunkStore(proxy.url, schema);
    const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const behind = startWorkerProcess("w4", proxy.url); // this worker, too, reaches the database through the proxy
    workers.push(behind);
    await behind.ready;
    const tape = generateSyntheticTape({ seed: 12, loans: 32, poolId: 22n, period: 202611 });
    let cut = false;
    const from = new Map([...live, behind].map((w) => [w, w.events.length]));
    const watch = setInterval(() => {
      const done = [...live, behind]
        .flatMap((w) => w.events.slice(from.get(w)))
        .filter((e) => e.event === "done").length;
      if (!cut && done >= 2 && behind.events.at(-1)?.event === "start") {
        cut = true;
        void proxy.cut().then(() => setTimeout(() => void proxy.start(), 3_000));
      }
    }, 20);
    try {
      const { attestation } = await attest(tape, b, s);
      expect(cut).toBe(true);
      expect(attestation.chunks.map((c) => c.chunkIndex)).toEqual([...Array(4).keys()]);
      expect((await verifyAttestation(attestation)).valid).toBe(true);
      const rows = await store.list(chunkAttestationId(attestation));
      expect(rows).toHaveLength(4);
    } finally {
      clearInterval(watch);
      await b.stop({ graceful: false }).catch(() => {});
      await s.close().catch(() => {});
      await stopWorker(behind);
      await proxy.cut();
    }
  }, 300_000);
});
