/**
 * A pool of forked worker processes serving a queue of tasks, one task per process at a time, first in
 * first out. Each task may carry an AbortSignal (its request's deadline, or the client going away): a task
 * still queued is dropped; a running one has its process killed (SIGKILL, so the CPU it held is free at
 * once; a fresh process is forked for the next task). The caller sees the signal's reason as the rejection.
 *
 * The service runs one pool per kind of work (`compute.ts`: openings apart from commitments;
 * `analytics-runner.ts`), so a long task of one kind does not hold up the short tasks of another.
 *
 * Worker protocol: a message `{ ...request, id }` in, one reply `{ id, ... }` out; `{ op: "stop" }` asks the
 * worker to end after its current task.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

interface Task<Req, Result> {
  req: Req;
  resolve: (r: Result) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

interface Slot<Req, Result> {
  proc: ChildProcess | undefined;
  task: Task<Req, Result> | undefined;
  id: number;
}

/** A task refused because the pool's queue is full. */
export class QueueFullError extends Error {
  override name = "QueueFullError";
}

export interface WorkerPoolOptions<Reply, Result> {
  /** The worker module (a URL relative to the caller's module). */
  script: URL;
  /** Names the worker in errors. */
  label: string;
  /** Processes running tasks at once. */
  size: number;
  /** Tasks allowed to wait; more are refused with QueueFullError (default: unbounded). */
  maxQueue?: number;
  /** Turns a reply into the task's result, or the error to reject it with. */
  settle: (reply: Reply) => Result | Error;
  /** Extra arguments to `fork` (e.g. `execArgv`). */
  execArgv?: string[];
}

export class WorkerPool<Req extends object, Reply extends { id: number }, Result> {
  private readonly slots: Slot<Req, Result>[];
  private readonly queue: Task<Req, Result>[] = [];
  private readonly opts: WorkerPoolOptions<Reply, Result>;
  private nextId = 1;
  private closed = false;
  /** Tasks whose process was killed because their signal aborted (for metrics and tests). */
  cancelled = 0;

  constructor(opts: WorkerPoolOptions<Reply, Result>) {
    this.opts = opts;
    this.slots = Array.from({ length: opts.size }, () => ({ proc: undefined, task: undefined, id: 0 }));
  }

  /** Tasks running now. */
  get busy(): number {
    return this.slots.filter((s) => s.task).length;
  }

  /** Tasks waiting for a process. */
  get queued(): number {
    return this.queue.length;
  }

  /** The pids of the live worker processes. */
  pids(): number[] {
    return this.slots.flatMap((s) =>
      s.proc?.pid !== undefined && s.proc.exitCode === null ? [s.proc.pid] : [],
    );
  }

  /** Runs one task; rejects with the signal's reason when it aborts first. */
  run(req: Req, signal?: AbortSignal): Promise<Result> {
    if (this.closed) return Promise.reject(new Error(`${this.opts.label}: closed`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (
      this.opts.maxQueue !== undefined &&
      this.queue.length >= this.opts.maxQueue &&
      !this.slots.some((s) => !s.task)
    )
      return Promise.reject(
        new QueueFullError(`${this.opts.label}: ${this.queue.length} tasks are waiting already`),
      );
    return new Promise<Result>((resolve, reject) => {
      const task: Task<Req, Result> = { req, resolve, reject, signal, onAbort: () => this.abort(task) };
      signal?.addEventListener("abort", task.onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  private finish(task: Task<Req, Result>): void {
    task.signal?.removeEventListener("abort", task.onAbort);
  }

  private abort(task: Task<Req, Result>): void {
    const q = this.queue.indexOf(task);
    if (q >= 0) {
      this.queue.splice(q, 1);
      this.finish(task);
      task.reject(task.signal!.reason);
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (!slot) return;
    slot.task = undefined;
    this.finish(task);
    this.cancelled++;
    const proc = slot.proc;
    slot.proc = undefined; // a fresh process for the next task
    proc?.kill("SIGKILL");
    task.reject(task.signal!.reason);
    this.dispatch();
  }

  private spawn(slot: Slot<Req, Result>): ChildProcess {
    const proc = fork(fileURLToPath(this.opts.script), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      ...(this.opts.execArgv ? { execArgv: this.opts.execArgv } : {}),
    });
    proc.on("message", (m: Reply) => {
      if (slot.proc !== proc || !slot.task || m.id !== slot.id) return;
      const task = slot.task;
      slot.task = undefined;
      this.finish(task);
      const r = this.opts.settle(m);
      if (r instanceof Error) task.reject(r);
      else task.resolve(r);
      this.dispatch();
    });
    proc.on("exit", (code, signal) => {
      if (slot.proc !== proc) return; // killed on purpose (abort, close): already settled
      slot.proc = undefined;
      const task = slot.task;
      slot.task = undefined;
      if (task) {
        this.finish(task);
        task.reject(new Error(`${this.opts.label} exited (code ${code}, signal ${signal})`));
      }
      this.dispatch();
    });
    return proc;
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.id = this.nextId++;
      slot.proc ??= this.spawn(slot);
      slot.proc.send({ ...task.req, id: slot.id });
    }
  }

  /** Refuses queued tasks and ends the processes (after their current task). */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      this.finish(task);
      task.reject(new Error(`${this.opts.label}: closed`));
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        const proc = slot.proc;
        if (!proc || proc.exitCode !== null) return;
        await new Promise<void>((resolve) => {
          proc.once("exit", () => resolve());
          if (proc.connected) proc.send({ op: "stop" });
          else proc.kill();
        });
      }),
    );
  }
}
