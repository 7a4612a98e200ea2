/** Runs one pool attestation in a forked `attest-worker.ts` process, with progress and cancellation. */
import { fork } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";

export interface AttestWorkerRequest {
  tapeJson: string;
  policy: unknown;
  privateKey: Uint8Array;
  publicKey: [string, string];
  chainId: string;
  registry: string;
  instance: string;
  /** Salt seed of the tape's published commitment, decimal. */
  seed: string;
  proverConcurrency: number;
  /** Niceness of the worker (and of the prover processes it forks, which inherit it): 0..19. */
  nice?: number;
}

export type AttestWorkerMessage =
  | { type: "progress"; fraction: number; stage: string }
  | { type: "done"; attestationJson: string }
  | { type: "error"; name: string; message: string };

/** An attestation failure reported by the worker, with the original error's name. */
export class AttestWorkerError extends Error {
  readonly originalName: string;
  constructor(originalName: string, message: string) {
    super(message);
    this.name = "AttestWorkerError";
    this.originalName = originalName;
  }
}

export type AttestRunner = (
  req: AttestWorkerRequest,
  onProgress: (fraction: number, stage: string) => void,
  signal: AbortSignal,
) => Promise<string>;

/** The default runner: one worker process per attestation; aborting kills it. Resolves with the JSON. */
export const forkAttestation: AttestRunner = (req, onProgress, signal) =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./attest-worker.ts", import.meta.url)), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // Proving yields the CPU to the service's event loop (verification requests) when both want it.
    if (req.nice && child.pid !== undefined) {
      try {
        setPriority(child.pid, req.nice);
      } catch {
        // not permitted here: run at normal priority
      }
    }
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = (): void => {
      child.kill("SIGKILL");
      settle(() => reject(new Error("attestation aborted")));
    };
    signal.addEventListener("abort", onAbort);
    child.on("message", (m: AttestWorkerMessage) => {
      if (m.type === "progress") onProgress(m.fraction, m.stage);
      else if (m.type === "done") settle(() => resolve(m.attestationJson));
      else settle(() => reject(new AttestWorkerError(m.name, m.message)));
    });
    child.on("error", (err) => settle(() => reject(err)));
    child.on("exit", (code, sig) =>
      settle(() => reject(new Error(`attestation worker exited (code ${code}, signal ${sig})`))),
    );
    child.send(req);
  });
