/**
 * The durable job runner. Jobs live in storage (accepted → running → succeeded | failed); a runner claims
 * runnable jobs under a lease it renews by heartbeat while the job's handler runs, so the job of a process
 * that crashed is claimed again by the next runner once its lease expires. Job kinds come from the typed
 * registry (`registry.ts`: kind, input schema, handler); `submit` creates a job after checking its input
 * against its kind's schema, and the handler receives that input typed. A handler throws PermanentJobError,
 * or a library's CodedError whose code `JOB_FAILURE` calls permanent, for input that can never succeed (no
 * retry); any other error is retried until the job's attempts are used up.
 *
 * While the store does not answer, the runner backs off (`backoff.ts`: no claims, few log lines) and keeps
 * each finished job's outcome in memory, writing it once the store is back (or handing it up at shutdown).
 */
import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { Backoff } from "../backoff.ts";
import { CodedError, storeUnavailable, type ErrorCode } from "../../prover/index.ts";
import type { JobRecord, NewJob, Storage } from "../storage/types.ts";
import type { JobKind, JobRegistry } from "./registry.ts";
import type { TSchema } from "@sinclair/typebox";

export interface JobContext {
  /** Reports progress (0..1) and a stage name; stored with the next heartbeat. */
  progress(fraction: number, stage?: string): void;
  /** Aborted when the runner is stopping and the grace period is over. */
  signal: AbortSignal;
  /**
   * Runs a store call of the job (reading its input, saving its work), retrying each second while the store
   * is unreachable, so a job caught by an outage waits for the store instead of failing, and work finished
   * meanwhile is written once the store is back instead of being redone.
   */
  save<T>(write: () => Promise<T>): Promise<T>;
  log: FastifyBaseLogger;
}

/**
 * Retry or permanent, for each error code a library throws (docs/ARCHITECTURE.md, "Errors"): every code is
 * a fact about the job's input or the build, which a retry does not change. An uncoded error (a bug, a lost
 * connection, a crashed worker) is retried.
 */
export const JOB_FAILURE: Readonly<Record<ErrorCode, "retry" | "permanent">> = Object.freeze({
  "invalid-input": "permanent",
  "tape-invalid": "permanent",
  "policy-invalid": "permanent",
  "attestation-invalid": "permanent",
  "unsatisfied-input": "permanent",
  "artifact-integrity": "permanent",
  "not-found": "permanent",
  refused: "permanent",
  "config-invalid": "permanent",
});

/** The job error kind of a failure retrying cannot fix; undefined for one that should be retried. */
export function permanentKind(err: unknown): string | undefined {
  if (err instanceof PermanentJobError) return err.kind;
  if (err instanceof CodedError && JOB_FAILURE[err.code] === "permanent") return err.code;
  return undefined;
}

/** A failure that retrying cannot fix (invalid input, unsatisfiable circuit input). */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface RunnerOptions {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  log: FastifyBaseLogger;
  /** Observes finished jobs (metrics). */
  onFinished?: (job: JobRecord, outcome: "succeeded" | "failed" | "retry", ms: number) => void;
}

interface Running {
  job: JobRecord;
  progress: number;
  stage: string | null;
  done: Promise<void>;
  abort: AbortController;
}

export class JobRunner {
  /** This runner's identity in job leases. */
  readonly workerId = `runner_${process.pid}_${randomBytes(4).toString("hex")}`;
  private readonly registry: JobRegistry;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling = false;
  private readonly storage: Storage;
  private readonly opts: RunnerOptions;
  private readonly store: Backoff;

  constructor(storage: Storage, registry: JobRegistry, opts: RunnerOptions) {
    this.storage = storage;
    this.registry = registry;
    this.opts = opts;
    this.store = new Backoff(opts.log, "the job store");
  }

  /** Set when a store call failed: leases may need renewing before the next claim. */
  private leasesStale = false;

  private storeFailed(err: unknown): void {
    this.store.failed(err);
    this.leasesStale = true;
  }

  /** Outcomes of finished jobs waiting for the store to answer again. */
  unsaved = 0;

  /** Adds a job kind (its declaration: name, input schema, handler) to the registry this runner runs. */
  register<S extends TSchema>(def: JobKind<S>): this {
    this.registry.add(def);
    return this;
  }

  get kinds(): string[] {
    return this.registry.kinds;
  }

  /**
   * Creates a job (idempotently, by `job.idempotencyKey`) after checking its input against its kind's
   * schema: an unknown kind is refused with UnknownJobKindError and an input that does not match with
   * JobInputError, before anything is stored. A new job is claimed at once if there is room.
   */
  async submit(job: NewJob, now = Date.now()): Promise<{ job: JobRecord; created: boolean }> {
    this.registry.check(job.kind, job.input);
    const r = await this.storage.createJob(job, now);
    if (r.created) void this.poll();
    return r;
  }

  get active(): number {
    return this.running.size;
  }

  /** Starts polling for jobs. */
  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.heartbeatTimer = setInterval(
      () => void this.beat(),
      Math.max(100, Math.floor(this.opts.leaseMs / 3)),
    );
    void this.poll();
  }

  /** Claims jobs until the concurrency is used or none is runnable. Also called after a submission. */
  async poll(): Promise<void> {
    if (this.stopping || this.polling || this.store.waiting) return;
    this.polling = true;
    try {
      // After an outage our running jobs' leases may have lapsed: renew them before claiming, or the claim
      // would take our own jobs again (and count another attempt).
      if (this.leasesStale && this.running.size > 0) {
        await this.beat();
        if (this.store.waiting) return;
      }
      this.leasesStale = false;
      while (!this.stopping && this.running.size < this.opts.concurrency) {
        const job = await this.storage.claimJob(this.workerId, this.kinds, this.opts.leaseMs, Date.now());
        this.store.ok();
        if (!job) break;
        // Our own job whose lease lapsed (a heartbeat delayed past the lease): it is still running here.
        if (this.running.has(job.id)) continue;
        this.launch(job);
      }
    } catch (err) {
      this.storeFailed(err);
    } finally {
      this.polling = false;
    }
  }

  /**
   * Writes a finished job's outcome, retrying each second while the store does not answer; the outcome
   * waits in memory meanwhile. Gives up (undefined) only when the job is handed back at shutdown.
   */
  private async persist<T>(write: () => Promise<T>, abort: AbortSignal): Promise<T | undefined> {
    let counted = false;
    try {
      for (;;) {
        try {
          const ok = await write();
          this.store.ok();
          return ok;
        } catch (err) {
          if (!storeUnavailable(err)) throw err;
          this.storeFailed(err);
          if (!counted) this.unsaved++;
          counted = true;
          if (abort.aborted) return undefined;
          await new Promise((r) => setTimeout(r, 1_000));
          if (abort.aborted) return undefined;
        }
      }
    } finally {
      if (counted) this.unsaved--;
    }
  }

  private launch(job: JobRecord): void {
    const abort = new AbortController();
    const entry: Running = { job, progress: job.progress, stage: job.stage, abort, done: Promise.resolve() };
    const log = this.opts.log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const ctx: JobContext = {
      progress: (fraction, stage) => {
        entry.progress = Math.max(0, Math.min(1, fraction));
        if (stage !== undefined) entry.stage = stage;
      },
      signal: abort.signal,
      log,
      save: async (write) => {
        const out = await this.persist(write, abort.signal);
        if (out === undefined && abort.signal.aborted)
          throw new Error("handed back before the store answered");
        return out as Awaited<ReturnType<typeof write>>;
      },
    };
    const t0 = performance.now();
    log.info("job started");
    entry.done = (async () => {
      try {
        const result = await this.registry.run(job, ctx);
        if (abort.signal.aborted) return; // handed back by stop(): the next start runs it again
        const ok = await this.persist(
          () => this.storage.completeJob(job.id, this.workerId, result ?? null, Date.now()),
          abort.signal,
        );
        if (ok === undefined) log.error("job finished but the store did not come back before shutdown");
        if (ok === false) log.warn("job finished after its lease was lost; result dropped");
        log.info({ ms: Math.round(performance.now() - t0) }, "job succeeded");
        this.opts.onFinished?.(job, "succeeded", performance.now() - t0);
      } catch (err) {
        if (abort.signal.aborted) return;
        const kind = permanentKind(err);
        const permanent = kind !== undefined;
        const e = err as Error;
        log[permanent ? "warn" : "error"]({ err: e }, "job failed");
        const retry = !permanent && job.attempts < job.maxAttempts;
        await this.persist(
          () =>
            this.storage.failJob(
              job.id,
              this.workerId,
              {
                message: permanent ? e.message : "the job failed; see the service log",
                kind: kind ?? "internal",
              },
              !permanent,
              Date.now(),
            ),
          abort.signal,
        ).catch((err2: unknown) => log.error({ err: err2 }, "recording the failure failed"));
        this.opts.onFinished?.(job, retry ? "retry" : "failed", performance.now() - t0);
      } finally {
        this.running.delete(job.id);
        if (!this.stopping) setImmediate(() => void this.poll());
      }
    })();
    this.running.set(job.id, entry);
  }

  private async beat(): Promise<void> {
    if (this.store.waiting) return;
    for (const r of this.running.values()) {
      if (r.abort.signal.aborted) continue;
      let ok: boolean;
      try {
        ok = await this.storage.heartbeat(
          r.job.id,
          this.workerId,
          this.opts.leaseMs,
          r.progress,
          r.stage,
          Date.now(),
        );
        this.store.ok();
      } catch (err) {
        this.storeFailed(err);
        return;
      }
      if (!ok) this.opts.log.warn({ jobId: r.job.id }, "heartbeat refused: the job's lease was lost");
    }
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then hands the unfinished ones back as
   * accepted (their attempt not counted) so the next start resumes them.
   */
  async stop(graceMs: number): Promise<{ finished: number; handedBack: number }> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const all = [...this.running.values()];
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(all.map((r) => r.done)),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timeout);
    clearInterval(this.heartbeatTimer);
    let handedBack = 0;
    for (const r of this.running.values()) {
      r.abort.abort();
      if (await this.storage.releaseJob(r.job.id, this.workerId, Date.now()).catch(() => false)) handedBack++;
    }
    return { finished: all.length - handedBack, handedBack };
  }
}
