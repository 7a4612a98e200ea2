/** `analyzePoolAsync`: {@link analyzePool} with its simulations on Node worker threads. */
import { availableParallelism } from "node:os";
import { analysisSteps, analyzePool } from "./analyze.ts";
import { SimulationWorkers } from "./parallel.ts";
import type { AnalysisInput, AnalysisReport } from "./schema.ts";

/**
 * {@link analyzePool} with the simulations on `workers` worker threads (default: available parallelism),
 * started once for the whole analysis and terminated at the end. Same report, bit for bit.
 */
export async function analyzePoolAsync(
  input: AnalysisInput,
  options: { workers?: number } = {},
): Promise<AnalysisReport> {
  const steps = analysisSteps(input);
  let next = steps.next();
  if (next.done) return next.value;
  const workers = options.workers ?? availableParallelism();
  if (workers === 1) return analyzePool(input);
  const set = new SimulationWorkers(workers);
  try {
    while (!next.done) next = steps.next(await set.run(next.value.pool, next.value.params));
    return next.value;
  } finally {
    await set.close();
  }
}
