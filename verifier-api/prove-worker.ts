/**
 * A child process proving one input of a catalogue instance (the `proof` job kind) in its own prover pool,
 * forked per job by `attest-runner.ts` (niced, killed if the job is handed back at shutdown).
 */
import { ProverPool, proveInstance } from "../prover/prove/index.ts";
import type { AttestWorkerMessage, ProveWorkerRequest } from "./attest-runner.ts";

if (!process.send) throw new Error("verifier-api/prove-worker.ts must run as a forked child process");
const send = (m: AttestWorkerMessage): void => {
  if (process.connected) process.send!(m);
};
let finished = false;
// The service died: nobody waits for the result any more. This process leads its own process group
// (forked detached), so this also ends the prover processes it forked, which would otherwise linger.
process.on("disconnect", () => {
  if (!finished) process.kill(-process.pid, "SIGKILL");
});

process.once("message", async (req: ProveWorkerRequest) => {
  const pool = new ProverPool(1);
  try {
    const r = await proveInstance(pool, req.instance, req.input, (p) =>
      send({ type: "progress", fraction: p.fraction, stage: p.stage }),
    );
    send({
      type: "done",
      result: { proof: r.proof, publicSignals: r.publicSignals, witnessMs: r.witnessMs, proveMs: r.proveMs },
    });
  } catch (err) {
    const e = err as Error;
    send({ type: "error", name: e.name, message: e.message });
  } finally {
    await pool.close();
    finished = true;
    if (process.connected) process.disconnect();
  }
});
