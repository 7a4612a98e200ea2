/** Worker-thread entry of {@link SimulationWorkers}: simulates its blocks of each job into the shared arrays. */
import { parentPort } from "node:worker_threads";
import type { WorkerJob } from "./parallel.ts";
import { blockCount, simulateBlock } from "./simulate.ts";

parentPort?.on("message", (job: WorkerJob) => {
  const loss = new Float64Array(job.loss);
  const weight = new Float64Array(job.weight);
  const blocks = blockCount(job.params.scenarios);
  for (let b = job.firstBlock; b < blocks; b += job.blockStep)
    simulateBlock(job.pool, job.params, b, loss, weight);
  parentPort?.postMessage("done");
});
