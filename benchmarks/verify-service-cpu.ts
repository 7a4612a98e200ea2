/**
 * CPU time per `POST /v1/verify` in the service, split between the event-loop process and the verification
 * process (`verifier-api/workers/verify.ts`): a smaller driver than benchmarks/api.ts (no background proving,
 * one scenario, about a minute), for finding where a request's CPU goes. Starts `verifier-api/server.ts` on a
 * random port (SQLite in a temporary directory), proves one real `pool-attestation-8` chunk in this process,
 * then sends the verification with autocannon (closed loop) and reads both processes' CPU time from /proc.
 *
 *   node_modules/.bin/node benchmarks/verify-service-cpu.ts [--requests 4000] [--connections 16]
 *                                                          [--cpu-prof <dir>]
 *
 * `--cpu-prof <dir>` starts the server with Node's `--cpu-prof` (the verification process inherits it): both
 * V8 profiles are written to <dir> when they exit. They are wall-clock samples: on a loaded machine a thread
 * descheduled in a system call (the IPC write, for example) is counted where it waits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../pipeline/catalogue.ts";
import { ProverPool, attestPool, generateOriginatorKey, generateSyntheticTape } from "../prover/index.ts";
import { TEST_POLICY } from "../test/support/policy.ts";

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (o: object) => Promise<CannonResult>;

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const REQUESTS = Number(opt("requests") ?? 4000);
const CONNECTIONS = Number(opt("connections") ?? 16);
const PROFILE_DIR = opt("cpu-prof");
const INSTANCE = "pool-attestation-8";
const ADMIN = `bench-admin-${"x".repeat(32)}`;

/** CPU time (user + system, ms) of a process from /proc (Linux, USER_HZ 100). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The server's verification process(es). */
function checkerPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean))
    .map(Number)
    .filter((c) => {
      try {
        return readFileSync(`/proc/${c}/cmdline`, "utf8").includes("workers/verify.ts");
      } catch {
        return false;
      }
    });
}

const pool = new ProverPool();
let chunk: { proof: unknown; publicSignals: string[] };
try {
  const { attestation } = await attestPool({
    tape: generateSyntheticTape({ seed: "verify-service-cpu", loans: 8 }),
    policy: TEST_POLICY,
    key: await generateOriginatorKey(),
    chainId: 31337n,
    registry: "0x" + "cd".repeat(20),
    instance: INSTANCE,
    pool,
  });
  chunk = attestation.chunks[0]!;
} finally {
  await pool.close();
}

const dir = mkdtempSync(join(tmpdir(), "rwa-verify-cpu-"));
const proc: ChildProcess = spawn(
  join(REPO_ROOT, "node_modules", ".bin", "node"),
  [
    ...(PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : []),
    join(REPO_ROOT, "verifier-api", "server.ts"),
  ],
  {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      RWA_API_PORT: "0",
      RWA_API_DATA_DIR: dir,
      RWA_API_TAPE_KEY: "42".repeat(32),
      RWA_API_ADMIN_KEY: ADMIN,
      RWA_API_LOG_LEVEL: "warn",
      RWA_API_RATE_LIMIT_PER_MINUTE: "10000000",
      RWA_API_ANNOUNCE: "1",
      RWA_API_MAX_EVENT_LOOP_DELAY_MS: "0",
    },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
try {
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^RWA_API_LISTENING (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    proc.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  const res = await fetch(`${base}/v1/admin/api-keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ role: "auditor", owner: "bench" }),
  });
  const auditor = ((await res.json()) as { key: string }).key;
  const opts = {
    url: `${base}/v1/verify`,
    method: "POST",
    connections: CONNECTIONS,
    headers: { authorization: `Bearer ${auditor}`, "content-type": "application/json" },
    body: JSON.stringify({ instance: INSTANCE, proof: chunk.proof, publicSignals: chunk.publicSignals }),
  };
  await autocannon({ ...opts, amount: 500 }); // warm-up: JIT, the key prepared in the verification process
  const checkers = checkerPids(proc.pid!);
  const server0 = cpuMs(proc.pid!);
  const check0 = checkers.reduce((s, c) => s + cpuMs(c), 0);
  const r = await autocannon({ ...opts, amount: REQUESTS });
  const server = (cpuMs(proc.pid!) - server0) / r.requests.total;
  const check = (checkers.reduce((s, c) => s + cpuMs(c), 0) - check0) / r.requests.total;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const metric = (what: string) =>
    Number(new RegExp(`proof_verification_batches\\{what="${what}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  console.log(
    `${r.requests.total} requests (${r.non2xx + r.errors} failed), ${CONNECTIONS} connections, ` +
      `${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms ` +
      `(latency means little on a shared machine)\n` +
      `CPU ms per request: event loop ${server.toFixed(3)}, verification process ${check.toFixed(3)}, ` +
      `total ${(server + check).toFixed(3)}\n` +
      `${metric("proofs")} proofs in ${metric("batches")} batches since start (${(metric("proofs") / Math.max(1, metric("batches"))).toFixed(1)} a batch), ` +
      `${metric("fallbacks")} re-checked one by one; 1-minute load average ${loadavg()[0]!.toFixed(1)}`,
  );
} finally {
  proc.kill("SIGTERM");
  await new Promise((r) => proc.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
