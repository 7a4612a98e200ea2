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
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the originator's key; the queue and the chunk store in fresh schemas (dropped afterwards); and
 * each scenario's outcome: the job handler given a job for another key and its twin, the run whose claim was
 * taken away, the run that waited for a worker, the three worker processes' run with one killed, and the run
 * whose connections were cut. Each scenario starts its own workers and stops them before its tests read the
 * outcome, so no scenario sees another's workers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { PgBoss } from "pg-boss";
import { describe, expect, test } from "vitest";
import {
  attestPool,
  chunkAttestationId,
  verifyAttestation,
  type Attestation,
  type AttestationCheck,
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

type Tape = ReturnType<typeof generateSyntheticTape>;

/** Attests `tape` through the queue `b` into the store `s`, the coordinator polling every 300 ms. */
const attest = async (
  key: OriginatorKey,
  tape: Tape,
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

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** The queue and the chunk store in this file's fresh schemas. */
interface Db {
  boss: PgBoss;
  store: PostgresChunkStore;
}

/** The job handler given a job queued for another key, then the same job naming its own key. */
interface WrongKeyJob {
  refusal: unknown;
  twin: unknown;
  events: string[];
  stored: number;
  otherQueue: string;
  ownQueue: string;
}

/** A run whose worker has its first claim taken away: the attestation's check and the worker's events. */
interface LostClaim {
  valid: boolean;
  kinds: string[];
}

/** A run with no worker for its key until it says it waits; then a worker starts. */
interface Waiting {
  queue: string;
  verificationKey: string;
  /** The first progress that says it waits, and its prove stage's text. */
  notice: AttestProgress;
  stage: string;
  valid: boolean;
  last: AttestProgress;
  lastProve: AttestProgress;
}

/** Three worker processes attesting LOANS loans, w2 SIGKILLed as it starts a chunk. */
interface Killed {
  chunkCount: number;
  killedChunk: number | undefined;
  attestation: Attestation;
  check: AttestationCheck;
  /** The stored chunks: index and the worker that made each. */
  rows: { chunkIndex: number; worker: string }[];
  victimFinishedKilled: boolean;
  job: { state: string; retryCount: number } | null;
}

/** A run whose database connections (coordinator's, and one worker's) go through a proxy that is cut. */
interface CutRun {
  cut: boolean;
  attestation: Attestation;
  valid: boolean;
  stored: number;
}

const KILL_TIMEOUT = Math.max(300_000, LOANS * 2_000);

const it = test.extend<{
  key: OriginatorKey;
  db: Db;
  wrongKeyJob: WrongKeyJob;
  lostClaim: LostClaim;
  waiting: Waiting;
  killed: Killed;
  cutRun: CutRun;
}>({
  key: [async ({}, use) => use(await generateOriginatorKey()), { scope: "file" }],
  db: [
    async ({}, use) => {
      const boss = await openQueue(PG_URL, queueSchema);
      const store = new PostgresChunkStore(PG_URL, schema);
      try {
        await use({ boss, store });
      } finally {
        await boss.stop({ graceful: false });
        await store.close();
        await dropSchemas(schema, queueSchema);
      }
    },
    { scope: "file" },
  ],
  wrongKeyJob: [
    async ({ db: { store } }, use) => {
      const [mine] = await workerKeys([INSTANCE]);
      const pool = new ProverPool(1);
      const events: WorkerEvent[] = [];
      let refusal: unknown;
      let twin: unknown;
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
        refusal = await rejection(handle(job));
        // twin: the same job naming this worker's key is taken (and fails only on its empty input)
        twin = await rejection(handle({ ...job, data: { ...data, verificationKey: mine!.verificationKey } }));
      } finally {
        await pool.close();
      }
      await use({
        refusal,
        twin,
        events: events.map((e) => e.event),
        stored: await store.count("ee".repeat(32)),
        otherQueue: chunkQueueName(INSTANCE, "0x" + "12".repeat(32)),
        ownQueue: chunkQueueName(INSTANCE, mine!.verificationKey),
      });
    },
    { scope: "file" },
  ],
  lostClaim: [
    async ({ key, db: { boss, store } }, use) => {
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
      let valid: boolean;
      try {
        const { attestation } = await attest(key, tape, boss, store);
        valid = (await verifyAttestation(attestation)).valid;
      } finally {
        await w.stop();
        await pool.close();
      }
      await use({ valid, kinds: events.map((e) => e.event).filter((k) => k !== "ready") });
    },
    { scope: "file" },
  ],
  waiting: [
    async ({ key, db: { boss, store } }, use) => {
      const tape = generateSyntheticTape({ seed: 4, loans: 8, poolId: 10n, period: 202611 });
      const [mine] = await workerKeys([INSTANCE]);
      const queue = chunkQueueName(INSTANCE, mine!.verificationKey);
      const seen: AttestProgress[] = [];
      let worker: Awaited<ReturnType<typeof startChunkWorker>> | undefined;
      const pool = new ProverPool(1);
      let noticed!: () => void;
      const notice = new Promise<void>((r) => (noticed = r));
      let valid: boolean;
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
        worker = await startChunkWorker({ boss, store, pool, keys: [mine!], worker: "w-late" });
        valid = (await verifyAttestation((await running).attestation)).valid;
      } finally {
        await worker?.stop();
        await pool.close();
      }
      const first = seen.find((p) => p.waiting)!;
      await use({
        queue,
        verificationKey: mine!.verificationKey,
        notice: first,
        stage: proveStage(first),
        valid,
        last: seen.at(-1)!,
        lastProve: seen.filter((p) => p.stage === "prove").at(-1)!,
      });
    },
    { scope: "file" },
  ],
  killed: [
    async ({ key, db: { boss, store } }, use) => {
      const workers = ["w1", "w2", "w3"].map((n) => startWorkerProcess(n, PG_URL));
      let result: Killed;
      try {
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
        let attestation: Attestation;
        try {
          ({ attestation } = await attest(key, tape, boss, store, BIG_INSTANCE));
        } finally {
          clearInterval(watch);
        }
        const seconds = (performance.now() - t0) / 1000;
        console.log(
          `${LOANS} loans, ${chunkCount} chunks on 3 workers (one killed): ${seconds.toFixed(0)} s`,
        );
        const rows = await store.list(chunkAttestationId(attestation));
        const job =
          killedChunk === undefined
            ? null
            : await boss.getJobById(
                chunkQueueName(attestation.instance, attestation.verificationKey!.hash),
                chunkId(chunkAttestationId(attestation), killedChunk),
              );
        result = {
          chunkCount,
          killedChunk,
          attestation,
          check: await verifyAttestation(attestation),
          rows: rows.map((r) => ({ chunkIndex: r.chunkIndex, worker: r.worker })),
          victimFinishedKilled: victim.events.some((e) => e.event === "done" && e.chunk === killedChunk),
          job: job ? { state: job.state, retryCount: job.retryCount } : null,
        };
      } finally {
        await Promise.all(workers.map(stopWorker));
      }
      await use(result);
    },
    { scope: "file" },
  ],
  cutRun: [
    async ({ key, db: { store } }, use) => {
      const proxy = new PgProxy();
      await proxy.start();
      const b = await openQueue(proxy.url, queueSchema);
      const s = new PostgresChunkStore(proxy.url, schema);
      const direct = startWorkerProcess("w5", PG_URL);
      const behind = startWorkerProcess("w4", proxy.url); // this worker, too, reaches the database through the proxy
      const tape = generateSyntheticTape({ seed: 12, loans: 32, poolId: 22n, period: 202611 });
      let cut = false;
      const watch = setInterval(() => {
        const done = [direct, behind].flatMap((w) => w.events).filter((e) => e.event === "done").length;
        if (!cut && done >= 2 && behind.events.at(-1)?.event === "start") {
          cut = true;
          void proxy.cut().then(() => setTimeout(() => void proxy.start(), 3_000));
        }
      }, 20);
      let result: CutRun;
      try {
        await Promise.all([direct.ready, behind.ready]);
        const { attestation } = await attest(key, tape, b, s);
        result = {
          cut,
          attestation,
          valid: (await verifyAttestation(attestation)).valid,
          stored: (await store.list(chunkAttestationId(attestation))).length,
        };
      } finally {
        clearInterval(watch);
        await b.stop({ graceful: false }).catch(() => {});
        await s.close().catch(() => {});
        await Promise.all([stopWorker(direct), stopWorker(behind)]);
        await proxy.cut();
      }
      await use(result);
    },
    { scope: "file" },
  ],
});

describe.skipIf(!havePg || !built)("chunk jobs on pg-boss", () => {
  describe("a worker whose key differs", () => {
    it("refuses the job (WrongKeyError)", ({ wrongKeyJob }) => {
      expect(wrongKeyJob.refusal).toBeInstanceOf(WrongKeyError);
    });

    it("twin: takes the same job naming its own key (which fails only on its empty input)", ({
      wrongKeyJob,
    }) => {
      expect(wrongKeyJob.twin).toBeInstanceOf(Error);
      expect((wrongKeyJob.twin as Error).message).toMatch(/./);
    });

    it("reports the refusal, and starts only the twin", ({ wrongKeyJob }) => {
      expect(wrongKeyJob.events).toEqual(["refused", "start"]);
    });

    it("proves and stores nothing", ({ wrongKeyJob }) => {
      expect(wrongKeyJob.stored).toBe(0);
    });

    it("never sees jobs for other keys: their queues differ", ({ wrongKeyJob }) => {
      expect(wrongKeyJob.otherQueue).not.toBe(wrongKeyJob.ownQueue);
    });
  });

  describe("a worker that loses its claim on a chunk", () => {
    it("the attestation still completes and verifies", ({ lostClaim }) => {
      expect(lostClaim.valid).toBe(true);
    });

    it("the worker's first event is the start of the chunk", ({ lostClaim }) => {
      expect(lostClaim.kinds[0]).toBe("start");
    });

    it("stops its proof", ({ lostClaim }) => {
      expect(lostClaim.kinds).toContain("aborted");
    });

    it("the aborted attempt stores nothing: the retry makes the one proof", ({ lostClaim }) => {
      expect(lostClaim.kinds.filter((k) => k === "done")).toHaveLength(1);
    });

    it("the proof is stopped before the retry's is done", ({ lostClaim }) => {
      expect(lostClaim.kinds.indexOf("aborted")).toBeLessThan(lostClaim.kinds.indexOf("done"));
    });
  });

  describe("with no worker for its key", () => {
    it("the attestation says it waits, naming the queue, the instance and the key", ({ waiting }) => {
      expect(waiting.notice.waiting).toMatchObject({
        queue: waiting.queue,
        instance: INSTANCE,
        verificationKey: waiting.verificationKey,
      });
    });

    it("says so only after the notice time (600 ms)", ({ waiting }) => {
      expect(waiting.notice.waiting!.sinceMs).toBeGreaterThanOrEqual(600);
    });

    it("its prove stage reads as waiting for a worker holding the instance and key", ({ waiting }) => {
      expect(waiting.stage).toMatch(
        new RegExp(
          `^prove: 0/1 chunks, waiting \\d+ s for a worker holding ${INSTANCE} with key 0x[0-9a-f]{8}…`,
        ),
      );
    });

    it("a worker that starts completes the attestation, which verifies", ({ waiting }) => {
      expect(waiting.valid).toBe(true);
    });

    it("once the worker took the chunk, the last progress no longer says it waits", ({ waiting }) => {
      expect(waiting.last.waiting).toBeUndefined();
    });

    it("once the worker took the chunk, the last prove progress no longer says it waits", ({ waiting }) => {
      expect(waiting.lastProve.waiting).toBeUndefined();
    });
  });

  // whichever of these tests runs first makes the scenario, within the scenario's time
  describe(
    `three worker processes attest ${LOANS} loans, one SIGKILLed mid-chunk`,
    { timeout: KILL_TIMEOUT },
    () => {
      it("a worker was killed as it started a chunk", ({ killed }) => {
        expect(killed.killedChunk).toBeDefined();
      });

      it("the attestation has every chunk once, in order", ({ killed }) => {
        expect(killed.attestation.chunks.map((c) => c.chunkIndex)).toEqual([
          ...Array(killed.chunkCount).keys(),
        ]);
      });

      it("the attestation verifies with no problems", ({ killed }) => {
        expect(killed.check.problems).toEqual([]);
      });

      it("the attestation is valid", ({ killed }) => {
        expect(killed.check.valid).toBe(true);
      });

      it("the store holds every chunk once", ({ killed }) => {
        expect(killed.rows.map((r) => r.chunkIndex)).toEqual([...Array(killed.chunkCount).keys()]);
      });

      it("the killed chunk was redone by another worker", ({ killed }) => {
        expect(killed.rows.find((r) => r.chunkIndex === killed.killedChunk)!.worker).not.toBe("w2");
      });

      it("the killed worker never finished the killed chunk", ({ killed }) => {
        expect(killed.victimFinishedKilled).toBe(false);
      });

      it("the killed chunk's job completed", ({ killed }) => {
        expect(killed.job?.state).toBe("completed");
      });

      it("the killed chunk's job was retried", ({ killed }) => {
        expect(killed.job!.retryCount).toBeGreaterThanOrEqual(1);
      });

      it("every stored proof was made by one of the workers", ({ killed }) => {
        expect(killed.rows.every((r) => ["w1", "w2", "w3"].includes(r.worker))).toBe(true);
      });
    },
  );

  describe("the queue database's connections cut mid-run", { timeout: 300_000 }, () => {
    it("the connections were cut while chunks were proven", ({ cutRun }) => {
      expect(cutRun.cut).toBe(true);
    });

    it("the attestation still has every chunk once, in order", ({ cutRun }) => {
      expect(cutRun.attestation.chunks.map((c) => c.chunkIndex)).toEqual([...Array(4).keys()]);
    });

    it("the attestation verifies", ({ cutRun }) => {
      expect(cutRun.valid).toBe(true);
    });

    it("the store holds every chunk once", ({ cutRun }) => {
      expect(cutRun.stored).toBe(4);
    });
  });
});
