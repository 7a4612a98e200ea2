/**
 * One forked worker process that answers requests in order, by id. A worker that dies fails every pending
 * request and is replaced on the next one. The service's off-event-loop helpers (tape parsing, commitments
 * and openings) are each one of these with their own request and reply shapes.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export class ForkedWorker<Req extends object, Reply extends { id: number }, Result> {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly script: URL;
  private readonly label: string;
  private readonly settle: (reply: Reply) => Result | Error;

  /**
   * @param script the worker module (a URL relative to the caller's module)
   * @param label names the worker in the error of a request it dies on
   * @param settle turns a reply into the request's result, or the error to reject it with
   */
  constructor(script: URL, label: string, settle: (reply: Reply) => Result | Error) {
    this.script = script;
    this.label = label;
    this.settle = settle;
  }

  private spawn(): ChildProcess {
    const w = fork(fileURLToPath(this.script), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    w.on("message", (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      const r = this.settle(m);
      if (r instanceof Error) p.reject(r);
      else p.resolve(r);
    });
    w.on("exit", (code, signal) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new Error(`${this.label} exited (code ${code}, signal ${signal})`));
      }
    });
    return w;
  }

  /** Sends one request; resolves with its settled reply. */
  request(req: Req): Promise<Result> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.send({ ...req, id });
    });
  }

  /** Ends the worker (after its current request). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w || w.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      w.once("exit", () => resolve());
      if (w.connected) w.send({ op: "stop" });
      else w.kill();
    });
  }
}
