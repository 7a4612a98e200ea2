/**
 * The native Groth16 prover (prover/native/, built by the install when g++, nasm and libgmp are present) as a
 * resident process: `rwa-groth16 serve <zkey>` reads its proving key once and then answers one proof
 * request at a time over stdin/stdout (a line `prove <n>` and n bytes of a .wtns file in; one JSON line
 * out). Which prover the pool uses is decided here (`resolveProver`): an explicit option, else the
 * RWA_ATTEST_PROVER environment variable (native | snarkjs | auto), else native when it was built.
 *
 * Proofs that come back are not trusted: the worker verifies each against the verification key before
 * returning it (worker.ts).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Groth16Proof, PublicSignals } from "snarkjs";
import { NATIVE_BINARY } from "../native/paths.ts";
import { invalid } from "../../verifier-api/web/errors.js";

export { NATIVE_BINARY } from "../native/paths.ts";

/** The proving back ends a pool can use for Groth16 (PLONK keys are always proven by snarkjs). */
export type ProverKind = "native" | "snarkjs";
/** A choice of prover: `auto` is native when it is built, snarkjs otherwise. */
export type ProverChoice = ProverKind | "auto";

/** The environment variable that chooses the prover when no option does. */
export const PROVER_ENV = "RWA_ATTEST_PROVER";

/** True when the native prover binary was built in this checkout. */
export function nativeProverBuilt(): boolean {
  return existsSync(NATIVE_BINARY);
}

/**
 * The prover to use: `choice` if given, else $RWA_ATTEST_PROVER, else `auto`. Asking for `native` where it
 * was not built is an error (silently proving with snarkjs would hide a broken install).
 */
export function resolveProver(
  choice?: ProverChoice,
  env: NodeJS.ProcessEnv = process.env,
  built: boolean = nativeProverBuilt(),
): ProverKind {
  const raw = choice ?? (env[PROVER_ENV] || "auto");
  if (raw !== "native" && raw !== "snarkjs" && raw !== "auto") {
    throw invalid(
      `${choice === undefined ? PROVER_ENV : "prover"}`,
      `expected native, snarkjs or auto, got "${raw}"`,
    );
  }
  if (raw === "auto") return built ? "native" : "snarkjs";
  if (raw === "native" && !built) {
    throw new Error(
      `the native prover is not built (${NATIVE_BINARY} is missing): install g++, nasm and libgmp-dev ` +
        "(apt-get install g++ nasm libgmp-dev) and run node prover/native/build.ts, or choose snarkjs",
    );
  }
  return raw;
}

/** Milliseconds per step of one native proof, as the binary measures them (wall clock). */
export interface NativeStepTimes {
  /** A·w and B·w on the domain, and their product. */
  abc: number;
  /** Inverse FFT, coset shift and FFT of a, b and c; h = a·b − c. */
  fft: number;
  /** Multi-exponentiations of A, B1 and C in G1. */
  msmG1: number;
  /** Multi-exponentiation of B2 in G2. */
  msmG2: number;
  /** Multi-exponentiation of the H points by h. */
  msmH: number;
  total: number;
}

/** Wall-clock step times, and the same steps' CPU time over all the prover's threads. */
export interface NativeTimings extends NativeStepTimes {
  cpu: NativeStepTimes;
}

export interface NativeProof {
  proof: Groth16Proof;
  publicSignals: PublicSignals;
  timings: NativeTimings;
}

/** What the server reports once its key is loaded. */
export interface NativeKeyInfo {
  nVars: number;
  nPublic: number;
  domainSize: number;
  /** Bytes the process holds for the key and its per-proof buffers. */
  residentBytes: number;
  /** OpenMP threads each proof uses. */
  threads: number;
  loadMs: number;
}

interface Waiter {
  resolve: (line: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/** One resident `rwa-groth16 serve` process for one proving key. */
export class NativeProver {
  private readonly waiters: Waiter[] = [];
  private buffered = "";
  private stderrTail = "";
  private exited: Error | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  readonly zkey: string;
  private readonly child: ChildProcessWithoutNullStreams;
  info: NativeKeyInfo = {} as NativeKeyInfo;

  private constructor(zkey: string, child: ChildProcessWithoutNullStreams) {
    this.zkey = zkey;
    this.child = child;
  }

  /** Starts a server for `zkey` and waits until it has read the key. */
  static async start(zkey: string, binary: string = NATIVE_BINARY): Promise<NativeProver> {
    const child = spawn(binary, ["serve", zkey], { stdio: ["pipe", "pipe", "pipe"] });
    const p = new NativeProver(zkey, child);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => p.onData(s));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      p.stderrTail = (p.stderrTail + s).slice(-2000);
    });
    // A write to a server that died mid-request must not crash the worker: the exit handler rejects.
    child.stdin.on("error", () => {});
    const fail = (err: Error): void => {
      p.exited ??= err;
      for (const w of p.waiters.splice(0)) w.reject(p.exited);
    };
    child.on("error", fail);
    // "close", not "exit": the last reply (a load error) may still be in the stdout pipe at exit.
    child.on("close", (code, signal) =>
      fail(
        new Error(
          `native prover for ${zkey} exited (code ${code}, signal ${signal})${p.stderrTail ? `: ${p.stderrTail.trim()}` : ""}`,
        ),
      ),
    );
    const ready = await p.nextLine();
    if (ready.ready !== true) {
      p.child.kill();
      throw new Error(
        `native prover could not load ${zkey}: ${String(ready.error ?? JSON.stringify(ready))}`,
      );
    }
    p.info = ready as unknown as NativeKeyInfo;
    return p;
  }

  /** Operating-system process id of the server (for CPU and memory readings). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Proves for a witness (.wtns bytes). Requests are served in order, one at a time. */
  prove(wtns: Uint8Array): Promise<NativeProof> {
    const run = async (): Promise<NativeProof> => {
      if (this.exited) throw this.exited;
      const reply = this.nextLine();
      this.child.stdin.write(`prove ${wtns.byteLength}\n`);
      this.child.stdin.write(wtns);
      const out = await reply;
      if (typeof out.error === "string") throw new Error(`native prover: ${out.error}`);
      return out as unknown as NativeProof;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => {});
    return result;
  }

  /** Ends the server (closing its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
  }

  private nextLine(): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const w = this.waiters.shift();
      if (!w) continue;
      try {
        w.resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        w.reject(new Error(`native prover: unreadable reply ${JSON.stringify(line.slice(0, 200))}`));
      }
    }
  }
}
