/**
 * A child process running one tranche analysis at a time (`analyzePoolAsync` of analytics/, on its own
 * simulation threads). Forked by `analytics-runner.ts`, which kills it when the request's deadline passes
 * or its client goes away, so an abandoned analysis stops using the CPU at once.
 */
import { analyzePoolAsync, type AnalysisInput } from "../../analytics/index.ts";
import { toWire, type WireError } from "../../prover/index.ts";

if (!process.send) throw new Error("verifier-api/workers/analytics.ts must run as a forked child process");

export interface AnalyticsRequest {
  id: number;
  input: AnalysisInput;
  threads: number;
}

export type AnalyticsReply =
  { id: number; ok: true; report: unknown } | { id: number; ok: false; error: WireError };

process.on("message", async (req: AnalyticsRequest | { op: "stop" }) => {
  if ("op" in req) {
    process.disconnect();
    return;
  }
  let reply: AnalyticsReply;
  try {
    reply = { id: req.id, ok: true, report: await analyzePoolAsync(req.input, { workers: req.threads }) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: toWire(err) };
  }
  process.send!(reply);
});
