/**
 * A child process proving the score-backing chunks of a committed tape (the `scores` job kind): it rebuilds
 * the commitment from the tape and the published commitment's salt seed, builds each chunk's ScoreBacking
 * input from the provider's signed batch (`buildScoreBackingInput` of `prover/scores/index.ts`) and proves
 * it in its own prover pool, checking each proof's public signals against the ones the library expects.
 * Forked per job by `attest-runner.ts` (niced, killed with its provers if the job is handed back).
 */
import { commitTape, deriveSalts } from "../../prover/index.ts";
import { proveInstance } from "../../prover/index.ts";
import { buildScoreBackingInput, scoreSignalList } from "../../prover/index.ts";
import { parseTapeJson } from "../../prover/index.ts";
import type { ScoreWorkerRequest, ScoreWorkerResult } from "../attest-runner.ts";
import { runJobChild } from "./job-child.ts";
import { batchFromJson, type SignedBatchJson } from "../scores.ts";
import { invalid } from "../web/errors.js";

runJobChild<ScoreWorkerRequest>(
  "verifier-api/workers/score.ts",
  (req) => req.proverConcurrency,
  async (req, pool, progress) => {
    progress(0, "commit");
    const tape = parseTapeJson(req.tapeJson);
    const commitment = await commitTape(tape, await deriveSalts(BigInt(req.seed), tape), {
      chunkSize: req.chunkSize,
    });
    const count = commitment.chunkCount;
    if (req.batches.length !== count)
      throw invalid("batches", `expected ${count} (one per chunk), got ${req.batches.length}`);
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
          progress(0.02 + (0.98 * fractions.reduce((a, b) => a + b, 0)) / count, "prove");
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
    return result;
  },
);
