/**
 * A child process proving one input of a catalogue instance (the `proof` job kind) in its own prover pool,
 * forked per job by `attest-runner.ts` (niced, killed if the job is handed back at shutdown).
 */
import { proveInstance } from "../../prover/index.ts";
import type { ProveWorkerRequest } from "../attest-runner.ts";
import { runJobChild } from "./job-child.ts";

runJobChild<ProveWorkerRequest>(
  "verifier-api/workers/prove.ts",
  () => 1,
  async (req, pool, progress) => {
    const r = await proveInstance(pool, req.instance, req.input, (p) => progress(p.fraction, p.stage));
    return { proof: r.proof, publicSignals: r.publicSignals, witnessMs: r.witnessMs, proveMs: r.proveMs };
  },
);
