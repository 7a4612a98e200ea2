/**
 * The Monte Carlo on worker threads. Blocks of scenarios are dealt round-robin to the workers, each block
 * with its own random stream, and written into shared arrays at their scenario indices: the result is
 * identical (bit for bit) to {@link simulateLosses} whatever the number of workers.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { CompiledPool } from "./pool.ts";
import { blockCount, checkSimulationParams, simulateLosses } from "./simulate.ts";
import type { SimulationParams, SimulationResult } from "./simulate.ts";
import { invalid } from "../verifier-api/web/errors.js";

/** Message a simulation worker receives. */
export interface WorkerJob {
  pool: CompiledPool;
  params: SimulationParams;
  firstBlock: number;
  blockStep: number;
  loss: SharedArrayBuffer;
  weight: SharedArrayBuffer;
}

function checkWorkers(workers: number): void {
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256) {
    throw invalid("workers", "must be an integer in [1, 256]");
  }
}

/**
 * A set of simulation worker threads kept alive across runs (worker start-up, about 0.1 s each, is paid
 * once). Always {@link SimulationWorkers.close} it (e.g. in `finally`).
 */
export class SimulationWorkers {
  readonly size: number;
  private readonly workers: Worker[];
  private closed = false;

  /** Starts `size` workers (default: available parallelism). */
  constructor(size: number = availableParallelism()) {
    checkWorkers(size);
    this.size = size;
    const url = new URL("./worker.ts", import.meta.url);
    this.workers = Array.from({ length: size }, () => new Worker(url));
  }

  /** Runs one simulation on the workers (blocks round-robin); same result as {@link simulateLosses}. */
  async run(pool: CompiledPool, params: SimulationParams): Promise<SimulationResult> {
    if (this.closed) throw new Error("SimulationWorkers is closed");
    checkSimulationParams(params);
    const count = Math.min(this.size, blockCount(params.scenarios));
    const loss = new SharedArrayBuffer(params.scenarios * 8);
    const weight = new SharedArrayBuffer(params.scenarios * 8);
    await Promise.all(
      this.workers.slice(0, count).map(
        (worker, w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (): void => {
              worker.off("error", onError);
              worker.off("exit", onExit);
              resolve();
            };
            const onError = (e: Error): void => {
              worker.off("message", onMessage);
              worker.off("exit", onExit);
              reject(e);
            };
            const onExit = (code: number): void => {
              worker.off("message", onMessage);
              worker.off("error", onError);
              reject(new Error(`simulation worker exited with code ${code}`));
            };
            worker.once("message", onMessage);
            worker.once("error", onError);
            worker.once("exit", onExit);
            const job: WorkerJob = { pool, params, firstBlock: w, blockStep: count, loss, weight };
            worker.postMessage(job);
          }),
      ),
    );
    return { ...params, loss: new Float64Array(loss), weight: new Float64Array(weight) };
  }

  /** Terminates the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Runs one simulation on `workers` threads (default: available parallelism, at most the number of blocks),
 * started and terminated for this call. With `workers` = 1 it runs in the calling thread.
 */
export async function simulateLossesParallel(
  pool: CompiledPool,
  params: SimulationParams,
  workers?: number,
): Promise<SimulationResult> {
  checkSimulationParams(params);
  const wanted = workers ?? availableParallelism();
  checkWorkers(wanted);
  const count = Math.min(wanted, blockCount(params.scenarios));
  if (count === 1) return simulateLosses(pool, params);
  const set = new SimulationWorkers(count);
  try {
    return await set.run(pool, params);
  } finally {
    await set.close();
  }
}
