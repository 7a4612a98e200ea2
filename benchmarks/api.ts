/**
 * Service load benchmark (loopback only, bounded in time): starts `verifier-api/server.ts` as its own
 * process on a random port with SQLite on disk, then drives it with autocannon:
 *   1. POST /v1/verify with a real proof, idle service;
 *   2. the same while the service proves in the background (proof jobs submitted back to back for the
 *      largest built Groth16 instance of the manifest);
 *   3. POST /v1/tapes with a synthetic JSON tape.
 * Prints a Markdown table; `--write` replaces the "## Service" section of docs/BENCHMARKS.md.
 *
 *   node benchmarks/api.ts [--write] [--seconds 10]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { REPO_ROOT } from "../pipeline/catalogue.ts";
import { readManifest } from "../pipeline/manifest.ts";
import { formatTapeJson, generateSyntheticTape } from "../prover/tape/index.ts";

/** The part of autocannon's API used here (the package ships no type declarations). */
interface CannonOptions {
  url: string;
  method?: "GET" | "POST";
  connections?: number;
  duration?: number;
  headers?: Record<string, string>;
  body?: string;
}
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  o: CannonOptions,
) => Promise<CannonResult>;

const args = process.argv.slice(2);
const WRITE = args.includes("--write");
const si = args.indexOf("--seconds");
const SECONDS = si >= 0 ? Number(args[si + 1]) : 10;
const ADMIN = `bench-admin-${"x".repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), "rwa-api-bench-"));

function startServer(): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(
    join(REPO_ROOT, "node_modules", ".bin", "node"),
    [join(REPO_ROOT, "verifier-api", "server.ts")],
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
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^RWA_API_LISTENING (\S+)/.exec(line);
      if (m) resolve({ proc, base: m[1]! });
    });
    proc.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
}

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function waitJob(base: string, key: string, id: string) {
  for (;;) {
    const j = await call(base, key, "GET", `/v1/jobs/${id}`);
    if (j.state === "succeeded" || j.state === "failed") return j;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  total: number;
}

async function load(scenario: string, opts: CannonOptions): Promise<Row> {
  const r = await autocannon({ duration: SECONDS, ...opts });
  return {
    scenario,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx + r.errors + r.timeouts,
    total: r.requests.total,
  };
}

const { proc, base } = await startServer();
try {
  const orig = (await call(base, ADMIN, "POST", "/v1/admin/api-keys", { role: "originator", owner: "bench" }))
    .key as string;
  const aud = (await call(base, ADMIN, "POST", "/v1/admin/api-keys", { role: "auditor", owner: "bench-aud" }))
    .key as string;

  // Background instance: the largest built Groth16 instance (the pool circuit once built).
  const built = Object.entries(readManifest().instances).filter(([, r]) => r.protocol === "groth16");
  built.sort((a, b) => b[1].constraints - a[1].constraints);
  const [bgName, bgRecord] = built[0]!;
  const exampleJob = await call(base, orig, "POST", "/v1/proofs", {
    instance: "example-multiplier",
    input: { a: 3, b: 11, c: 33 },
  });
  const ex = (await waitJob(base, orig, exampleJob.id)).result as { proof: object; publicSignals: string[] };
  const verifyBody = JSON.stringify({
    instance: "example-multiplier",
    proof: ex.proof,
    publicSignals: ex.publicSignals,
  });
  const verifyOpts = {
    url: `${base}/v1/verify`,
    method: "POST" as const,
    connections: 8,
    headers: { authorization: `Bearer ${aud}`, "content-type": "application/json" },
    body: verifyBody,
  };

  const rows: Row[] = [];
  rows.push(await load("POST /v1/verify, idle", verifyOpts));

  // Background proving: submit proof jobs back to back while the verify load runs.
  let stop = false;
  let proofs = 0;
  const bgInput =
    bgName === "example-multiplier" ? (i: number) => ({ a: 3 + i, b: 11, c: (3 + i) * 11 }) : null;
  if (!bgInput) throw new Error(`no input generator for ${bgName}: extend benchmarks/api.ts`);
  const background = (async () => {
    for (let i = 1; !stop; i++) {
      const j = await call(base, orig, "POST", "/v1/proofs", { instance: bgName, input: bgInput(i) });
      if ((await waitJob(base, orig, j.id)).state === "succeeded") proofs++;
    }
  })();
  await new Promise((r) => setTimeout(r, 1500)); // let the first proof start
  rows.push(await load(`POST /v1/verify, proving ${bgName} in the background`, verifyOpts));
  stop = true;
  await background;

  const tape = generateSyntheticTape({ seed: "bench", loans: 256 });
  const tapeJson = formatTapeJson(tape);
  rows.push(
    await load(`POST /v1/tapes, 256-loan JSON tape (${Math.round(tapeJson.length / 1024)} KiB)`, {
      url: `${base}/v1/tapes`,
      method: "POST",
      connections: 4,
      headers: { authorization: `Bearer ${orig}`, "content-type": "application/json" },
      body: tapeJson,
    }),
  );

  const date = new Date().toISOString().slice(0, 10);
  const md = [
    "## Service",
    "",
    `Measured with \`node_modules/.bin/node benchmarks/api.ts --write\` (${date}): the server process ` +
      `(\`verifier-api/server.ts\`, SQLite on disk, one prover worker) and autocannon in the benchmark process on ` +
      `loopback, ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ${SECONDS} s per scenario. ` +
      `Verification runs on the service's event loop with the resident curve and prepared keys ` +
      `(verifier-api/verifier.ts); the proof has ${ex.publicSignals.length} public signal(s). ` +
      `Background load: ${proofs} proof job(s) of \`${bgName}\` (${bgRecord.constraints} constraints) completed ` +
      `back to back during the second scenario.`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | max ms | non-2xx | requests |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.total.toLocaleString("en-US")} |`,
    ),
    "",
    `Target (issue 5): verify at 100+ req/s with p99 under 100 ms while a proof runs: ` +
      `${rows[1]!.rps >= 100 && rows[1]!.p99 < 100 ? "met" : "NOT met"} in this run.`,
    "",
  ].join("\n");
  console.log(md);
  if (WRITE) {
    const path = join(REPO_ROOT, "docs", "BENCHMARKS.md");
    const doc = readFileSync(path, "utf8");
    const start = doc.indexOf("## Service\n");
    let next = start < 0 ? -1 : doc.indexOf("\n## ", start + 1);
    if (next >= 0) next += 1;
    const updated =
      start < 0
        ? `${doc.trimEnd()}\n\n${md}`
        : `${doc.slice(0, start)}${md}${next >= 0 ? `\n${doc.slice(next)}` : ""}`;
    writeFileSync(path, updated.endsWith("\n") ? updated : `${updated}\n`);
    console.log(`wrote the Service section of ${path}`);
  }
} finally {
  proc.kill("SIGTERM");
  await new Promise((r) => proc.on("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
