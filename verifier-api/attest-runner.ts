/**
 * Runs one job's heavy work in a forked worker process, with progress and cancellation: a pool attestation
 * (`workers/attest.ts`), one proof (`workers/prove.ts`) or the score-backing proofs of an attestation's chunks
 * (`workers/score.ts`). The process (and the provers it forks, which
 * inherit its niceness) runs niced so request handling keeps the CPU, and is killed when the job is
 * aborted (handed back at shutdown).
 */
import { fork } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { CodedError, fromWire, type WireError } from "../prover/index.ts";

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
  /** Where chunk proofs are kept and how they are made (prover/chunks/; default: memory, in-process). */
  chunks?: ChunkSetup;
}

/** The chunk store and transport of an attestation job (`chunkSetup` in attest-chunks.ts builds them). */
export type ChunkSetup =
  | { store: "memory" }
  | { store: "sqlite"; path: string }
  | { store: "postgres"; url: string; schema: string; queue: "in-process" | "pg-boss" };

export type AttestWorkerMessage =
  | { type: "progress"; fraction: number; stage: string }
  | { type: "done"; result: unknown }
  | { type: "error"; error: WireError };

/**
 * An uncoded failure reported by a job worker (a bug, a crash of a dependency), with the original error's
 * name and stack; a coded error comes back as the CodedError it was (`fromWire`).
 */
export class AttestWorkerError extends Error {
  readonly originalName: string;
  constructor(originalName: string, message: string, stack?: string) {
    super(message);
    this.name = "AttestWorkerError";
    this.originalName = originalName;
    if (stack !== undefined) this.stack = stack;
  }
}

export type AttestRunner = (
  req: AttestWorkerRequest,
  onProgress: (fraction: number, stage: string) => void,
  signal: AbortSignal,
) => Promise<string>;

/** One proof of a catalogue instance, in `workers/prove.ts`. */
export interface ProveWorkerRequest {
  instance: string;
  input: Record<string, unknown>;
  nice?: number;
}

export interface ProveWorkerResult {
  proof: unknown;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

/** The score-backing proofs of every chunk of a committed tape (`workers/score.ts`). */
export interface ScoreWorkerRequest {
  tapeJson: string;
  /** Salt seed of the tape's published commitment, decimal. */
  seed: string;
  /** A ScoreBacking catalogue instance and its chunk size. */
  instance: string;
  chunkSize: number;
  providerPublicKey: [string, string];
  maxAgeDays: number;
  /** The ScoreAttestations contract and its chain (the proofs' `domain`). */
  contract: string;
  chainId: string;
  /** The provider's signed batch of each chunk, in chunk order (`SignedBatchJson`). */
  batches: unknown[];
  proverConcurrency: number;
  nice?: number;
}

export interface ScoreWorkerResult {
  /** The root the worker recomputed from the tape and seed (decimal). */
  root: string;
  chunks: {
    chunkIndex: number;
    proof: unknown;
    publicSignals: string[];
    witnessMs: number;
    proveMs: number;
  }[];
}

/** Proves the score-backing chunks of a tape in a `workers/score.ts` process. */
export const forkScores = async (
  req: ScoreWorkerRequest,
  onProgress: (fraction: number, stage: string) => void,
  signal: AbortSignal,
): Promise<ScoreWorkerResult> =>
  (await forkJob("./workers/score.ts", req, req.nice, onProgress, signal)) as ScoreWorkerResult;

/** The default attestation runner: one worker process per attestation. Resolves with the JSON. */
export const forkAttestation: AttestRunner = async (req, onProgress, signal) =>
  (await forkJob("./workers/attest.ts", req, req.nice, onProgress, signal)) as string;

/** Proves one input in a `workers/prove.ts` process. */
export const forkProof = async (
  req: ProveWorkerRequest,
  onProgress: (fraction: number, stage: string) => void,
  signal: AbortSignal,
): Promise<ProveWorkerResult> =>
  (await forkJob("./workers/prove.ts", req, req.nice, onProgress, signal)) as ProveWorkerResult;

function forkJob(
  script: string,
  req: unknown,
  nice: number | undefined,
  onProgress: (fraction: number, stage: string) => void,
  signal: AbortSignal,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("job aborted"));
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // Its own process group: aborting the job ends the worker and the provers it forked, together.
      detached: true,
    });
    // Proving yields the CPU to the service's event loop (verification requests) when both want it.
    if (nice && child.pid !== undefined) {
      try {
        setPriority(child.pid, nice);
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
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      settle(() => reject(new Error("job aborted")));
    };
    signal.addEventListener("abort", onAbort);
    child.on("message", (m: AttestWorkerMessage) => {
      if (m.type === "progress") onProgress(m.fraction, m.stage);
      else if (m.type === "done") settle(() => resolve(m.result));
      else
        settle(() => {
          const e = fromWire(m.error);
          reject(
            e instanceof CodedError ? e : new AttestWorkerError(m.error.name, m.error.message, m.error.stack),
          );
        });
    });
    child.on("error", (err) => settle(() => reject(err)));
    child.on("exit", (code, sig) =>
      settle(() => reject(new Error(`${script} exited (code ${code}, signal ${sig})`))),
    );
    child.send(req as object);
  });
}
