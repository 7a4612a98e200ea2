/** Worker-thread entry of {@link simulateLossesParallel}: simulates its blocks into the shared arrays. */
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerJob } from "./parallel.ts";
import { blockCount, simulateBlock } from "./simulate.ts";

const job = workerData as WorkerJob;
const loss = new Float64Array(job.loss);
const weight = new Float64Array(job.weight);
const blocks = blockCount(job.params.scenarios);
for (let b = job.firstBlock; b < blocks; b += job.blockStep)
  simulateBlock(job.pool, job.params, b, loss, weight);
parentPort?.postMessage("done");
