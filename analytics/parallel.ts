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

/** Message a simulation worker receives. */
export interface WorkerJob {
  pool: CompiledPool;
  params: SimulationParams;
  firstBlock: number;
  blockStep: number;
  loss: SharedArrayBuffer;
  weight: SharedArrayBuffer;
}

/**
 * Runs the simulation on `workers` threads (default: available parallelism, at most the number of blocks).
 * With `workers` = 1 it runs in the calling thread.
 */
export async function simulateLossesParallel(
  pool: CompiledPool,
  params: SimulationParams,
  workers?: number,
): Promise<SimulationResult> {
  checkSimulationParams(params);
  const blocks = blockCount(params.scenarios);
  const wanted = workers ?? availableParallelism();
  if (!Number.isSafeInteger(wanted) || wanted < 1 || wanted > 256) {
    throw new TypeError("workers must be an integer in [1, 256]");
  }
  const count = Math.min(wanted, blocks);
  if (count === 1) return simulateLosses(pool, params);
  const lossBuf = new SharedArrayBuffer(params.scenarios * 8);
  const weightBuf = new SharedArrayBuffer(params.scenarios * 8);
  const url = new URL("./worker.ts", import.meta.url);
  await Promise.all(
    Array.from({ length: count }, (_, w) => {
      const job: WorkerJob = {
        pool,
        params,
        firstBlock: w,
        blockStep: count,
        loss: lossBuf,
        weight: weightBuf,
      };
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(url, { workerData: job });
        let done = false;
        worker.once("message", () => {
          done = true;
          resolve();
        });
        worker.once("error", reject);
        worker.once("exit", (code) => {
          if (!done) reject(new Error(`simulation worker exited with code ${code}`));
        });
      });
    }),
  );
  return { ...params, loss: new Float64Array(lossBuf), weight: new Float64Array(weightBuf) };
}
