/**
 * A child process running one pool attestation (`attestPool` of `prover/attest.ts`): committing, signing
 * and building witnesses are JavaScript-heavy, so none of it runs on the service's event loop; the chunk
 * proofs run in this process's own prover pool. Forked per attestation job by `attest-runner.ts`, which
 * kills it if the job is handed back at shutdown.
 */
import { terminateCurves } from "../../pipeline/index.ts";
import {
  attestPool,
  attestationToJson,
  deriveSalts,
  parseTapeJson,
  validatePolicy,
} from "../../prover/index.ts";
import { openChunks, proveStage } from "../attest-chunks.ts";
import type { AttestWorkerRequest } from "../attest-runner.ts";
import { runJobChild } from "./job-child.ts";

runJobChild<AttestWorkerRequest>(
  "verifier-api/workers/attest.ts",
  (req) => req.proverConcurrency,
  async (req, pool, progress) => {
    const tape = parseTapeJson(req.tapeJson);
    const chunks = await openChunks(req.chunks);
    try {
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
        // Chunk salts from the same secret seed (another tag): a retried job finds its stored chunk proofs
        // with the same commitments and reuses them, and the aggregation can be re-proven in any order.
        chunkSaltSeed: BigInt(req.seed),
        pool,
        store: chunks.store,
        transport: chunks.transport,
        onProgress: (p) => progress(p.fraction, proveStage(p)),
      });
      return attestationToJson(attestation);
    } finally {
      await chunks.close();
      // proofs made elsewhere were verified here: the curve's threads would keep this process alive
      await terminateCurves();
    }
  },
);
