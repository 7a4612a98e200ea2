/**
 * A child process running one pool attestation (`attestPool` of `prover/attest.ts`): committing, signing
 * and building witnesses are JavaScript-heavy, so none of it runs on the service's event loop; the chunk
 * proofs run in this process's own prover pool. Forked per attestation job by `attest-runner.ts`, which
 * kills it if the job is handed back at shutdown.
 */
import { attestPool, attestationToJson } from "../prover/attest.ts";
import { deriveSalts } from "../prover/commitment/encoding.ts";
import { ProverPool } from "../prover/prove/index.ts";
import { validatePolicy } from "../prover/policy/index.ts";
import { parseTapeJson } from "../prover/tape/index.ts";
import type { AttestWorkerMessage, AttestWorkerRequest } from "./attest-runner.ts";

if (!process.send) throw new Error("verifier-api/attest-worker.ts must run as a forked child process");
const send = (m: AttestWorkerMessage): void => {
  if (process.connected) process.send!(m);
};
let finished = false;
// The service died: nobody waits for the result any more. This process leads its own process group
// (forked detached), so this also ends the prover processes it forked, which would otherwise linger.
process.on("disconnect", () => {
  if (!finished) process.kill(-process.pid, "SIGKILL");
});

process.once("message", async (req: AttestWorkerRequest) => {
  const pool = new ProverPool(req.proverConcurrency);
  try {
    const tape = parseTapeJson(req.tapeJson);
    const { attestation } = await attestPool({
      tape,
      policy: validatePolicy(req.policy),
      key: {
        privateKey: new Uint8Array(req.privateKey),
        publicKey: [BigInt(req.publicKey[0]), BigInt(req.publicKey[1])],
      },
      chainId: BigInt(req.chainId),
      registry: req.registry,
      instance: req.instance,
      salts: await deriveSalts(BigInt(req.seed), tape),
      pool,
      onProgress: (p) => send({ type: "progress", fraction: p.fraction, stage: p.stage }),
    });
    send({ type: "done", result: attestationToJson(attestation) });
  } catch (err) {
    const e = err as Error;
    send({ type: "error", name: e.name, message: e.message });
  } finally {
    await pool.close();
    finished = true;
    if (process.connected) process.disconnect();
  }
});
