/**
 * rwa-attest tranche analytics (Node entry point): everything in `core.ts` (browser-safe) plus the
 * worker-thread runners. Start with {@link analyzePool}; see docs/ANALYTICS.md.
 */
export * from "./core.ts";
export { analyzePoolAsync } from "./async.ts";
export { simulateLossesParallel, SimulationWorkers } from "./parallel.ts";
export type { WorkerJob } from "./parallel.ts";
