/**
 * A child process proving the score-backing chunks of a committed tape (the `scores` job kind): it rebuilds
 * the commitment from the tape and the published commitment's salt seed, builds each chunk's ScoreBacking
 * input from the provider's signed batch (`buildScoreBackingInput` of `prover/scores/index.ts`) and proves
 * it in its own prover pool, checking each proof's public signals against the ones the library expects.
 * Forked per job by `attest-runner.ts` (niced, killed with its provers if the job is handed back).
 */
import { commitTape, deriveSalts } from "../prover/commitment/encoding.ts";
import { ProverPool, proveInstance } from "../prover/prove/index.ts";
import { buildScoreBackingInput, scoreSignalList } from "../prover/scores/index.ts";
import { parseTapeJson } from "../prover/tape/index.ts";
import type { AttestWorkerMessage, ScoreWorkerRequest, ScoreWorkerResult } from "./attest-runner.ts";
import { batchFromJson, type SignedBatchJson } from "./scores.ts";

if (!process.send) throw new Error("verifier-api/score-worker.ts must run as a forked child process");
const send = (m: AttestWorkerMessage): void => {
  if (process.connected) process.send!(m);
};
let finished = false;
// The service died: nobody waits for the result any more. This process leads its own process group
// (forked detached), so this also ends the prover processes it forked, which would otherwise linger.
process.on("disconnect", () => {
  if (!finished) process.kill(-process.pid, "SIGKILL");
});

process.once("message", async (req: ScoreWorkerRequest) => {
  const pool = new ProverPool(req.proverConcurrency);
  try {
    send({ type: "progress", fraction: 0, stage: "commit" });
    const tape = parseTapeJson(req.tapeJson);
    const commitment = await commitTape(tape, await deriveSalts(BigInt(req.seed), tape), {
      chunkSize: req.chunkSize,
    });
    const count = commitment.chunkCount;
    if (req.batches.length !== count)
      throw new TypeError(`batches: expected ${count} (one per chunk), got ${req.batches.length}`);
    const ctx = {
      providerPublicKey: [BigInt(req.providerPublicKey[0]), BigInt(req.providerPublicKey[1])] as const,
      chainId: BigInt(req.chainId),
      contract: req.contract,
      maxAgeDays: req.maxAgeDays,
    };
    const fractions = new Array<number>(count).fill(0);
    const chunks: ScoreWorkerResult["chunks"] = await Promise.all(
      Array.from({ length: count }, async (_, chunkIndex) => {
        const { input, publicSignals } = await buildScoreBackingInput(
          tape,
          commitment,
          batchFromJson(req.batches[chunkIndex] as SignedBatchJson),
          ctx,
          chunkIndex,
          req.chunkSize,
        );
        const r = await proveInstance(pool, req.instance, input, (p) => {
          fractions[chunkIndex] = p.fraction;
          send({
            type: "progress",
            fraction: 0.02 + (0.98 * fractions.reduce((a, b) => a + b, 0)) / count,
            stage: "prove",
          });
        });
        const expected = scoreSignalList(publicSignals);
        if (r.publicSignals.join() !== expected.join())
          throw new Error(
            `chunk ${chunkIndex}: public signals ${r.publicSignals.join()}, expected ${expected.join()}`,
          );
        return {
          chunkIndex,
          proof: r.proof,
          publicSignals: r.publicSignals,
          witnessMs: r.witnessMs,
          proveMs: r.proveMs,
        };
      }),
    );
    const result: ScoreWorkerResult = { root: commitment.root.toString(), chunks };
    send({ type: "done", result });
  } catch (err) {
    const e = err as Error;
    send({ type: "error", name: e.name, message: e.message });
  } finally {
    await pool.close();
    finished = true;
    if (process.connected) process.disconnect();
  }
});
