/**
 * Chunk jobs on pg-boss (PostgreSQL): the distributed transport of the chunk life-cycle (index.ts) and the
 * `rwa-attest worker` that serves it.
 *
 * - One queue per circuit instance and verification key (`chunkQueueName`): a worker subscribes only to the
 *   queues of the keys it holds, hash-checked against its build manifest, so jobs for other keys never
 *   reach it; a job that names another key anyway is refused (failed, retried on another worker).
 * - A chunk job's id is the chunk's deterministic id, so a resubmitted chunk is the same job (pg-boss
 *   inserts with ON CONFLICT DO NOTHING); a resubmitted attestation puts its failed chunks back (retry).
 * - The worker writes the proof to the shared `PostgresChunkStore` before completing the job: once stored,
 *   nothing is lost if the worker dies. Jobs carry a heartbeat (`HEARTBEAT_SECONDS`); a worker that dies is
 *   noticed by the supervisor and its chunk goes to another worker; a worker whose claim is gone (missed
 *   heartbeats, the job cancelled) has its job's signal aborted and kills its proof.
 * - The coordinator (`PgBossTransport`, inside `attestPool`) inserts the missing chunks, then follows the
 *   store: each stored chunk is checked (the proof verifies, its signals are the model's) as it arrives.
 *
 * The job data is the chunk's witness input: its loans, salts and openings, and the signature. It is as
 * private as the tape, so the queue's database must be treated like the tape store; completed jobs are
 * deleted after `DELETE_AFTER_SECONDS`.
 */
import { hostname } from "node:os";
import { PgBoss, type Job } from "pg-boss";
import { findInstance } from "../../pipeline/catalogue.ts";
import { loadVerifiedArtifacts, readManifest } from "../../pipeline/manifest.ts";
import { storeUnavailable } from "../store.ts";
import { instanceKey, ProofAbortedError, type ProverPool } from "../prove/index.ts";
import { chunkId, type ChunkRun, type ChunkStore, type ChunkTransport, type StoredChunk } from "./index.ts";
import { CodedError, invalid } from "../../verifier-api/web/errors.js";

/** Seconds between a worker's heartbeats is half of this; a job silent this long is taken from its worker. */
export const HEARTBEAT_SECONDS = 10;
/** How often a worker renews the claims of its jobs (and so notices one it lost). */
export const HEARTBEAT_REFRESH_SECONDS = 4;
/** How often every instance's supervisor looks for jobs whose heartbeat stopped. */
export const SUPERVISE_SECONDS = 2;
/** How often a worker's own supervisor runs (the coordinator's runs every SUPERVISE_SECONDS). */
export const WORKER_SUPERVISE_SECONDS = 15;
/** A completed chunk job (its data is private witness input) is deleted after this. */
export const DELETE_AFTER_SECONDS = 3600;
/** How long the coordinator waits for an unreachable queue database before the attestation fails. */
export const OUTAGE_MS = 600_000;
/** Attempts of a chunk job after the first (a killed worker, a lost connection). */
export const RETRY_LIMIT = 5;

/** The queue of an instance's chunks under one verification key. */
export function chunkQueueName(instance: string, verificationKey: string): string {
  if (!/^0x[0-9a-f]{64}$/.test(verificationKey))
    throw invalid("verificationKey", "expected 0x + 64 hex digits");
  return `rwa-chunk.${instance}.${verificationKey.slice(2, 18)}`;
}

/** What a chunk job carries. */
export interface ChunkJobData {
  attestation: string;
  chunkIndex: number;
  instance: string;
  verificationKey: string;
  input: Record<string, unknown>;
}

/** What a worker reports when it completes a chunk job. */
export interface ChunkJobOutput {
  worker: string;
  witnessMs: number;
  proveMs: number;
}

/**
 * The pg-boss of a queue database, in its own schema. The coordinator (the process that queued an
 * attestation and waits for it) supervises every SUPERVISE_SECONDS, so a dead worker's chunk goes to another
 * one soon; workers supervise too (a set of workers whose coordinator is gone still recovers its chunks),
 * but only every WORKER_SUPERVISE_SECONDS: their CPU is for proving.
 */
export async function openQueue(
  url: string,
  schema = "rwa_attest_queue",
  max = 4,
  role: "coordinator" | "worker" = "coordinator",
): Promise<PgBoss> {
  const every = role === "coordinator" ? SUPERVISE_SECONDS : WORKER_SUPERVISE_SECONDS;
  const boss = new PgBoss({
    connectionString: url,
    schema,
    max,
    superviseIntervalSeconds: every,
    monitorIntervalSeconds: every,
    schedule: false,
    connectionTimeoutMillis: 5_000,
  });
  // pg-boss reports a lost connection here and reconnects by itself; without a listener it would throw
  boss.on("error", () => {});
  await boss.start();
  return boss;
}

/** Creates the queue of an instance and key unless it exists. */
export async function ensureChunkQueue(boss: PgBoss, name: string): Promise<void> {
  if (await boss.getQueue(name)) return;
  await boss
    .createQueue(name, {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 3600,
      retryLimit: RETRY_LIMIT,
      retryDelay: 1,
      deleteAfterSeconds: DELETE_AFTER_SECONDS,
    })
    .catch(async (err: unknown) => {
      if (!(await boss.getQueue(name))) throw err; // another process created it meanwhile: fine
    });
}

export interface PgBossTransportOptions {
  /** How often the coordinator looks at the store for new chunks (default 500 ms). */
  pollMs?: number;
  /** How often it looks for chunk jobs that failed for good, or that no worker has taken (default 5 s). */
  failedCheckMs?: number;
  /**
   * After this long with no chunk of the run taken by any worker, the run says what it waits for (the
   * queue, the instance and key a worker must hold) through its progress; default 30 s. It keeps waiting:
   * workers may be busy with other pools, or not started yet.
   */
  waitNoticeMs?: number;
}

/** The coordinator's side: chunk jobs for `rwa-attest worker` processes, results through the store. */
export class PgBossTransport implements ChunkTransport {
  readonly name = "pg-boss";
  private readonly boss: PgBoss;
  private readonly opts: PgBossTransportOptions;

  constructor(boss: PgBoss, opts: PgBossTransportOptions = {}) {
    this.boss = boss;
    this.opts = opts;
  }

  async run(run: ChunkRun): Promise<void> {
    const { plan } = run;
    const name = chunkQueueName(plan.instance, plan.verificationKey);
    await ensureChunkQueue(this.boss, name);
    const pending = new Map(run.tasks.map((t) => [t.index, t]));
    const ids = run.tasks.map((t) => t.id);
    for (let i = 0; i < run.tasks.length; i += 500) {
      await this.boss.insert(
        name,
        run.tasks.slice(i, i + 500).map((t) => ({
          id: t.id,
          data: {
            attestation: plan.attestation,
            chunkIndex: t.index,
            instance: plan.instance,
            verificationKey: plan.verificationKey,
            input: t.input,
          } satisfies ChunkJobData,
        })),
      );
    }
    // chunks of an earlier attempt that failed for good are put back (a resubmission is a retry)
    await this.boss.retry(name, ids);

    const pollMs = this.opts.pollMs ?? 500;
    const failedCheckMs = this.opts.failedCheckMs ?? 5_000;
    const waitNoticeMs = this.opts.waitNoticeMs ?? 30_000;
    const queuedAt = performance.now();
    let taken = false; // some worker has taken (or finished) a chunk of this run
    const markTaken = (): void => {
      if (taken) return;
      taken = true;
      run.onWaiting?.(undefined);
    };
    let lastCount = -1;
    let lastFailedCheck = performance.now();
    while (pending.size > 0) {
      if (run.signal.aborted) throw new ProofAbortedError("the attestation was aborted");
      // an outage of the queue's database pauses the coordinator, it does not fail the attestation
      const count = await untilStoreAnswers(() => run.store.count(plan.attestation), OUTAGE_MS, run.signal);
      if (count !== lastCount) {
        lastCount = count;
        const stored = await untilStoreAnswers(() => run.store.list(plan.attestation), OUTAGE_MS, run.signal);
        for (const c of stored) {
          if (!pending.has(c.chunkIndex) || pending.get(c.chunkIndex)!.id !== c.id) continue;
          // made on another machine: the life-cycle verifies the proof itself
          markTaken();
          if (await run.onChunk(c, false)) pending.delete(c.chunkIndex);
          else throw new Error(`chunk ${c.chunkIndex}: worker ${c.worker} stored a proof that is refused`);
        }
      }
      if (pending.size > 0 && performance.now() - lastFailedCheck > failedCheckMs) {
        lastFailedCheck = performance.now();
        const ids = [...pending.values()].map((t) => t.id);
        const states = await untilStoreAnswers(() => this.failedForGood(name, ids), OUTAGE_MS, run.signal);
        if (states.some((s) => s !== "created")) markTaken();
        else if (!taken && performance.now() - queuedAt >= waitNoticeMs) {
          run.onWaiting?.({
            queue: name,
            instance: plan.instance,
            verificationKey: plan.verificationKey,
            sinceMs: Math.round(performance.now() - queuedAt),
          });
        }
      }
      if (pending.size > 0) await sleep(pollMs, run.signal);
    }
  }

  /**
   * Throws when a pending chunk's job failed with no attempts left (retried jobs are left to run); returns
   * the states of the jobs it looked at (up to 64).
   */
  private async failedForGood(name: string, ids: string[]): Promise<string[]> {
    const states: string[] = [];
    for (const id of ids.slice(0, 64)) {
      const job = await this.boss.getJobById<ChunkJobData>(name, id);
      if (job) states.push(job.state);
      if (job?.state === "failed" || job?.state === "cancelled") {
        const out = job.output as { message?: string } | undefined;
        throw new Error(
          `chunk ${job.data.chunkIndex}: its job ${job.state} after ${job.retryCount + 1} attempts` +
            (out?.message ? ` (${out.message})` : ""),
        );
      }
    }
    return states;
  }
}

/** Runs a store call, again each second while the store is unreachable, for at most `maxMs`. */
export async function untilStoreAnswers<T>(
  call: () => Promise<T>,
  maxMs: number,
  signal?: AbortSignal,
): Promise<T> {
  const end = performance.now() + maxMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!storeUnavailable(err) || performance.now() > end || signal?.aborted) throw err;
      await sleep(1_000, signal ?? new AbortController().signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What a worker announces (JSON lines on stdout, one per event: its progress per chunk). */
export type WorkerEvent =
  | { event: "ready"; worker: string; queues: string[] }
  | { event: "start"; worker: string; chunk: number; attestation: string; attempt: number }
  | { event: "done"; worker: string; chunk: number; attestation: string; witnessMs: number; proveMs: number }
  | { event: "aborted"; worker: string; chunk: number; attestation: string; reason: string }
  | { event: "refused"; worker: string; chunk: number; attestation: string; reason: string };

/** One instance's artifacts as this worker holds them: checked against the manifest once, at start. */
export interface WorkerKey {
  instance: string;
  verificationKey: string;
  wasm: string;
  zkey: string;
  vkey: string;
}

/** The templates whose chunks go through the queue: a one-chunk pool's attestation and a committed pool's chunks. */
const CHUNK_TEMPLATES: readonly string[] = ["PoolAttestation", "PoolChunkCommitment"];

/**
 * The chunk instances of this machine's build (a one-chunk pool's PoolAttestation and a committed pool's
 * PoolChunkCommitment, issue 14), their files checked against the manifest.
 */
export async function workerKeys(instances?: readonly string[]): Promise<WorkerKey[]> {
  const names =
    instances ??
    Object.keys(readManifest().instances).filter((n) => {
      try {
        return CHUNK_TEMPLATES.includes(findInstance(n).template);
      } catch {
        return false;
      }
    });
  const keys: WorkerKey[] = [];
  for (const instance of names) {
    const { paths } = await loadVerifiedArtifacts(instance, ["wasm", "zkey", "vkey"]);
    const { hash } = await instanceKey(instance);
    keys.push({ instance, verificationKey: hash, wasm: paths.wasm, zkey: paths.zkey, vkey: paths.vkey });
  }
  return keys;
}

/** A chunk job refused because this worker's key is not the job's (never proven here). */
export class WrongKeyError extends CodedError {
  constructor(message: string) {
    super("refused", message);
    this.name = "WrongKeyError";
  }
}

/**
 * The handler of one chunk job: refuses a job for another key, proves in the pool (stopped when the job's
 * signal aborts: the claim was lost), stores the proof, and reports.
 */
export function chunkJobHandler(
  key: WorkerKey,
  pool: ProverPool,
  store: ChunkStore,
  worker: string,
  emit: (e: WorkerEvent) => void,
): (job: Pick<Job<ChunkJobData>, "data" | "signal" | "retryCount">) => Promise<ChunkJobOutput> {
  return async (job) => {
    const d = job.data;
    const where = { worker, chunk: d.chunkIndex, attestation: d.attestation };
    if (d.instance !== key.instance || d.verificationKey !== key.verificationKey) {
      const reason =
        `this worker's key of ${key.instance} is ${key.verificationKey}; the job needs ` +
        `${d.instance} with key ${d.verificationKey}`;
      emit({ event: "refused", ...where, reason });
      throw new WrongKeyError(reason);
    }
    emit({ event: "start", ...where, attempt: job.retryCount + 1 });
    let r;
    try {
      r = await pool.prove({
        wasm: key.wasm,
        zkey: key.zkey,
        vkey: key.vkey,
        input: d.input,
        signal: job.signal,
      });
    } catch (err) {
      if (err instanceof ProofAbortedError || job.signal.aborted) {
        const reason = String((job.signal.reason as Error | undefined)?.message ?? "aborted");
        emit({ event: "aborted", ...where, reason });
      }
      throw err;
    }
    const chunk: StoredChunk = {
      id: chunkId(d.attestation, d.chunkIndex),
      attestation: d.attestation,
      chunkIndex: d.chunkIndex,
      proof: r.proof,
      publicSignals: r.publicSignals,
      witnessMs: r.witnessMs,
      proveMs: r.proveMs,
      worker,
      createdAt: Date.now(),
    };
    // a finished proof waits for the store rather than being thrown away by an outage
    await untilStoreAnswers(() => store.put(chunk), 300_000);
    emit({ event: "done", ...where, witnessMs: r.witnessMs, proveMs: r.proveMs });
    return { worker, witnessMs: r.witnessMs, proveMs: r.proveMs };
  };
}

export interface ChunkWorkerOptions {
  boss: PgBoss;
  store: ChunkStore;
  pool: ProverPool;
  keys: WorkerKey[];
  /** Chunk jobs at once (default: the pool's concurrency). */
  concurrency?: number;
  worker?: string;
  emit?: (e: WorkerEvent) => void;
  /** How often claims are renewed, in seconds (default HEARTBEAT_REFRESH_SECONDS). */
  heartbeatRefreshSeconds?: number;
}

/** Subscribes to the chunk queues of the worker's keys; returns the worker id and a stop function. */
export async function startChunkWorker(
  opts: ChunkWorkerOptions,
): Promise<{ worker: string; queues: string[]; stop: () => Promise<void> }> {
  const worker = opts.worker ?? `${hostname()}:${process.pid}`;
  const emit = opts.emit ?? (() => {});
  const queues: string[] = [];
  for (const key of opts.keys) {
    const name = chunkQueueName(key.instance, key.verificationKey);
    await ensureChunkQueue(opts.boss, name);
    const handle = chunkJobHandler(key, opts.pool, opts.store, worker, emit);
    await opts.boss.work<ChunkJobData, ChunkJobOutput>(
      name,
      {
        localConcurrency: opts.concurrency ?? opts.pool.concurrency,
        batchSize: 1,
        pollingIntervalSeconds: 0.5,
        // a lost claim is noticed within this, and the proof stopped
        heartbeatRefreshSeconds: opts.heartbeatRefreshSeconds ?? HEARTBEAT_REFRESH_SECONDS,
      },
      async ([job]) => handle(job!),
    );
    queues.push(name);
  }
  emit({ event: "ready", worker, queues });
  return {
    worker,
    queues,
    stop: async () => {
      for (const q of queues) await opts.boss.offWork(q, { wait: true }).catch(() => {});
    },
  };
}
