/**
 * A pool of proving workers (child processes, see worker.ts for why not threads) with bounded concurrency.
 * Proving never runs on the caller's event loop; jobs beyond the concurrency wait in a FIFO queue; each
 * job reports progress. A worker that dies fails its job and is replaced for the next one.
 *
 * Groth16 proofs are made by the native prover when it is built, by snarkjs otherwise; the `prover` option
 * or RWA_ATTEST_PROVER (native | snarkjs | auto) chooses (native.ts). Every Groth16 proof is verified
 * against the verification key in the worker before it is returned.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Groth16Proof, PublicSignals } from "snarkjs";
import type { PlonkProof, ProveRequest, ProveStage, WorkerMessage } from "./messages.ts";
import { type ProverChoice, type ProverKind, resolveProver } from "./native.ts";
import { CodedError, fromWire, invalid } from "../../verifier-api/web/errors.js";

/** Progress of one proof. */
export interface ProveProgress {
  stage: ProveStage;
  /** Rough fraction of the job done, 0..1. */
  fraction: number;
}

export interface ProveJob {
  /** Proving system of the key (default groth16). */
  protocol?: "groth16" | "plonk";
  wasm: string;
  zkey: string;
  /** Verification key (JSON file) the proof must verify against (default: the one inside the zkey). */
  vkey?: string;
  input: Record<string, unknown>;
  onProgress?: (p: ProveProgress) => void;
  /**
   * Stops the proof: a queued job leaves the queue, a running one has its worker killed (the pool starts
   * another for the next job). Either way the promise rejects with a ProofAbortedError.
   */
  signal?: AbortSignal;
}

/** The proof was stopped through its job's `signal` (a chunk job whose lease was lost, a cancelled run). */
export class ProofAbortedError extends Error {
  override name = "ProofAbortedError";
}

export interface ProveResult<P = Groth16Proof> {
  proof: P;
  publicSignals: PublicSignals;
  /** The back end that made the proof. */
  prover: ProverKind;
  witnessMs: number;
  proveMs: number;
}

/** The input does not satisfy the circuit (a constraint or assertion failed while computing the witness). */
export class UnsatisfiedInputError extends CodedError {
  constructor(message: string) {
    super("unsatisfied-input", message, [{ field: "input", reason: message }]);
    this.name = "UnsatisfiedInputError";
  }
}

interface Pending extends ProveJob {
  id: number;
  resolve: (r: ProveResult<Groth16Proof | PlonkProof>) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: ChildProcess;
  job?: Pending;
}

/** Default concurrency: one proof per two cores (snarkjs itself uses threads inside each proof), at least 1. */
export function defaultConcurrency(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

export interface ProverPoolOptions {
  /** Groth16 back end (default: $RWA_ATTEST_PROVER, else native when built, else snarkjs). */
  prover?: ProverChoice;
}

export class ProverPool {
  readonly concurrency: number;
  /** The Groth16 back end of this pool's workers. */
  readonly prover: ProverKind;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(concurrency: number = defaultConcurrency(), options: ProverPoolOptions = {}) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw invalid("concurrency", `expected a positive integer, got ${concurrency}`, concurrency);
    }
    this.concurrency = concurrency;
    this.prover = resolveProver(options.prover);
  }

  /** Number of jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Number of jobs being proven now. */
  get running(): number {
    return this.slots.filter((s) => s.job).length;
  }

  /** Queues a proof; resolves with it, or rejects (UnsatisfiedInputError for an input the circuit refuses). */
  prove(job: ProveJob & { protocol?: "groth16" }): Promise<ProveResult>;
  prove(job: ProveJob & { protocol: "plonk" }): Promise<ProveResult<PlonkProof>>;
  prove(job: ProveJob): Promise<ProveResult<Groth16Proof | PlonkProof>> {
    if (this.closed) return Promise.reject(new Error("the prover pool is closed"));
    if (job.signal?.aborted) return Promise.reject(new ProofAbortedError("the proof was aborted"));
    return new Promise((resolve, reject) => {
      const pending: Pending = { ...job, id: this.nextId++, resolve, reject };
      const signal = job.signal;
      if (signal) {
        const onAbort = (): void => this.abort(pending);
        signal.addEventListener("abort", onAbort, { once: true });
        const off = (): void => signal.removeEventListener("abort", onAbort);
        pending.resolve = (r) => (off(), resolve(r));
        pending.reject = (e) => (off(), reject(e));
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Takes an aborted job out of the queue, or kills the worker proving it. */
  private abort(job: Pending): void {
    const err = new ProofAbortedError("the proof was aborted");
    const q = this.queue.indexOf(job);
    if (q >= 0) {
      this.queue.splice(q, 1);
      return job.reject(err);
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    this.slots.splice(this.slots.indexOf(slot), 1);
    slot.job = undefined;
    slot.worker.kill("SIGKILL");
    job.reject(err);
    if (!this.closed) this.pump();
  }

  private spawn(): Slot {
    const worker = fork(fileURLToPath(new URL("./worker.ts", import.meta.url)), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const slot: Slot = { worker };
    worker.on("message", (m: WorkerMessage) => {
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      if (m.type === "progress") {
        job.onProgress?.({ stage: m.stage, fraction: m.fraction });
        return;
      }
      slot.job = undefined;
      if (m.type === "done") {
        job.onProgress?.({ stage: "done", fraction: 1 });
        job.resolve({
          proof: m.proof,
          publicSignals: m.publicSignals,
          prover: m.prover,
          witnessMs: m.witnessMs,
          proveMs: m.proveMs,
        });
      } else {
        const e = fromWire(m.error);
        job.reject(
          e instanceof CodedError && e.code === "unsatisfied-input"
            ? new UnsatisfiedInputError(e.message)
            : e,
        );
      }
      this.pump();
    });
    const fail = (err: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const job = slot.job;
      slot.job = undefined;
      job?.reject(err);
      if (!this.closed) this.pump();
    };
    worker.on("error", fail);
    worker.on("exit", (code, signal) => {
      if (!this.closed || slot.job) fail(new Error(`prover worker exited (code ${code}, signal ${signal})`));
    });
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.concurrency) return;
        slot = this.spawn();
      }
      const job = this.queue.shift() as Pending;
      slot.job = job;
      const req: ProveRequest = {
        id: job.id,
        protocol: job.protocol,
        wasm: job.wasm,
        zkey: job.zkey,
        vkey: job.vkey,
        prover: this.prover,
        input: job.input,
      };
      slot.worker.send(req);
    }
  }

  /** Rejects queued jobs, lets running ones finish, then ends the workers (and their snarkjs threads). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the prover pool was closed"));
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const stop = (): void => {
              if (slot.worker.exitCode !== null || !slot.worker.connected) return resolve();
              slot.worker.once("exit", () => resolve());
              slot.worker.send({ type: "stop" });
            };
            if (!slot.job) return stop();
            const wait = setInterval(() => {
              if (!slot.job) {
                clearInterval(wait);
                stop();
              }
            }, 50);
          }),
      ),
    );
    this.slots.length = 0;
  }
}
