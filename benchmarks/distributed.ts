/**
 * Distributed chunk proving (issue 17): a synthetic tape attested through pg-boss chunk jobs on the local
 * PostgreSQL by 1, 2 and 4 `rwa-attest worker` processes on this machine, and a projection to 100,000 loans
 * on 10 and 50 machines of 2 cores from the measured per-chunk CPU.
 *
 *   node_modules/.bin/node benchmarks/distributed.ts [--loans 10240] [--workers 1,2,4] [--instance pool-attestation-8]
 *
 * Needs PostgreSQL (RWA_API_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test) and the
 * instance built (`node scripts/build.ts --use test` builds pool-attestation-8); a pool of several chunks
 * also needs its chunk-commitment instance and the aggregation size class that holds its chunks (10,240 loans in
 * chunks of 64: `node scripts/build.ts --only pool-chunk-commitment-64,pool-aggregation-256`, with
 * `--instance pool-attestation-64`). Each run uses fresh schemas,
 * dropped afterwards. Not part of `npm test`.
 *
 * What is measured, per run:
 * - wall: attestPool from its call to the assembled attestation (commit, witness inputs, jobs, proofs);
 * - coordinator CPU: this process over the same span (commitment, witness inputs, inserting jobs, polling
 *   the store, verifying every chunk proof it receives);
 * - proving CPU: user + system time of every worker's prover processes (the pool's worker: witness and
 *   verification; its resident native prover or snarkjs threads) from /proc/<pid>/stat, read before the
 *   workers stop;
 * - queue overhead: user + system time of each worker's own process (pg-boss fetching, heartbeats, job data,
 *   writing the proof to the store, events) from its "ready" event to the end; start-up (module loading,
 *   checking the artifacts' hashes) is reported apart. Target: overhead <= 3% of proving CPU.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pg from "pg";
import { attestPool, chunkCommitmentInstance, verifyAttestation } from "../prover/attest.ts";
import { openQueue, PgBossTransport, type WorkerEvent } from "../prover/chunks/pgboss.ts";
import { PostgresChunkStore } from "../prover/chunks/postgres-store.ts";
import { randomSalts } from "../prover/commitment/encoding.ts";
import { generateOriginatorKey } from "../prover/commitment/keys.ts";
import { TEST_POLICY } from "../test/support/policy.ts";
import { generateSyntheticTape } from "../prover/tape/synthetic.ts";
import { processTable, treeCpu } from "./support/proc.ts";
import { terminateCurves } from "../pipeline/build.ts";
import { findInstance, REPO_ROOT } from "../pipeline/catalogue.ts";

const { values: opts } = parseArgs({
  options: {
    loans: { type: "string", default: "10240" },
    workers: { type: "string", default: "1,2,4" },
    instance: { type: "string", default: "pool-attestation-8" },
    json: { type: "boolean", default: false },
  },
});
const PG_URL = process.env.RWA_API_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const LOANS = Number(opts.loans);
const INSTANCE = opts.instance;
const CHUNK = findInstance(INSTANCE).params[0]!;
/**
 * What the workers prove: a pool of one chunk is a PoolAttestation proof, a larger one PoolChunkCommitment
 * chunks (issue 14; the coordinator proves the one aggregation itself).
 */
const WORKER_INSTANCE = LOANS > CHUNK ? chunkCommitmentInstance(CHUNK) : INSTANCE;
interface Worker {
  child: ChildProcess;
  events: WorkerEvent[];
  readyCpu: number;
}

async function startWorker(name: string, schema: string): Promise<Worker> {
  const child = spawn(
    process.execPath,
    [
      "cli/main.ts",
      "worker",
      "--queue",
      PG_URL,
      "--schema",
      schema,
      "--name",
      name,
      "--instance",
      WORKER_INSTANCE,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const w: Worker = { child, events: [], readyCpu: 0 };
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const e = JSON.parse(l) as WorkerEvent;
      w.events.push(e);
      if (e.event === "ready") {
        w.readyCpu = treeCpu(child.pid!).own;
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`worker ${name} exited (${code})`)));
  });
  return w;
}

async function drop(...schemas: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
}

interface Run {
  workers: number;
  chunks: number;
  wallS: number;
  coordinatorCpuS: number;
  provingCpuS: number;
  queueCpuS: number;
  startupCpuS: number;
  provingCpuPerChunkS: number;
  queueCpuPerChunkMs: number;
  overheadPercent: number;
  load: [number, number];
  valid: boolean;
}

async function run(n: number): Promise<Run> {
  const schema = `rwa_bench_${process.pid}_${n}`;
  const queueSchema = `${schema}_queue`;
  await drop(schema, queueSchema);
  const workers: Worker[] = [];
  const boss = await openQueue(PG_URL, queueSchema);
  const store = new PostgresChunkStore(PG_URL, schema);
  try {
    for (let i = 0; i < n; i++) workers.push(await startWorker(`bench-w${i + 1}`, schema));
    const tape = generateSyntheticTape({
      seed: 42 + n,
      loans: LOANS,
      poolId: 300n + BigInt(n),
      period: 202611,
    });
    const key = await generateOriginatorKey();
    const load0 = loadavg()[0]!;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { attestation } = await attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: 31337n,
      registry: "0x" + "44".repeat(20),
      instance: INSTANCE,
      salts: randomSalts(tape),
      store,
      transport: new PgBossTransport(boss, { pollMs: 250 }),
    });
    const wallS = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    const table = processTable();
    let provingCpuS = 0;
    let queueCpuS = 0;
    let startupCpuS = 0;
    for (const w of workers) {
      const t = treeCpu(w.child.pid!, table);
      provingCpuS += t.descendants;
      queueCpuS += t.own - w.readyCpu;
      startupCpuS += w.readyCpu;
    }
    const load1 = loadavg()[0]!;
    const valid = (await verifyAttestation(attestation)).valid;
    const chunks = attestation.chunkCount;
    return {
      workers: n,
      chunks,
      wallS,
      coordinatorCpuS: (c.user + c.system) / 1e6,
      provingCpuS,
      queueCpuS,
      startupCpuS,
      provingCpuPerChunkS: provingCpuS / chunks,
      queueCpuPerChunkMs: (1000 * queueCpuS) / chunks,
      overheadPercent: (100 * queueCpuS) / provingCpuS,
      load: [load0, load1],
      valid,
    };
  } finally {
    for (const w of workers) {
      const exited = new Promise((r) => w.child.once("exit", r));
      w.child.kill("SIGTERM");
      await exited;
    }
    await boss.stop({ graceful: false });
    await store.close();
    await drop(schema, queueSchema);
  }
}

const runs: Run[] = [];
for (const n of opts.workers.split(",").map(Number)) {
  const r = await run(n);
  runs.push(r);
  if (!opts.json)
    console.error(
      `${n} worker(s): ${r.wallS.toFixed(1)} s wall, ${r.overheadPercent.toFixed(2)}% queue overhead`,
    );
}

// Projection: 100,000 loans on M machines of 2 cores, one worker per core, from the measured CPU per chunk
// (proving + queue) of the run with the most workers; the coordinator's CPU per chunk (witness inputs,
// verification of every proof it receives) is serial on one machine.
const best = runs.at(-1)!;
const perChunk = (best.provingCpuS + best.queueCpuS) / best.chunks;
const coordPerChunk = best.coordinatorCpuS / best.chunks;
const projLoans = 100_000;
const projChunks = Math.ceil(projLoans / CHUNK);
const projection = [10, 50].map((machines) => {
  const cores = machines * 2;
  const provingS = (projChunks * perChunk) / cores;
  const coordinatorS = projChunks * coordPerChunk;
  return {
    machines,
    cores,
    chunks: projChunks,
    provingWallS: provingS,
    coordinatorS,
    totalS: provingS + coordinatorS,
  };
});

const fmt = (x: number, d = 1): string =>
  x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
if (opts.json) {
  console.log(JSON.stringify({ loans: LOANS, instance: INSTANCE, runs, projection }, null, 2));
} else {
  const cpu = cpus()[0]?.model ?? "?";
  console.log(
    `Measured with \`node_modules/.bin/node benchmarks/distributed.ts --loans ${LOANS} --workers ${opts.workers}\` ` +
      `(${new Date().toISOString().slice(0, 10)}): ${fmt(LOANS, 0)} loans, ${best.chunks} chunks of ${CHUNK} (\`${INSTANCE}\`), ` +
      `PostgreSQL on this machine. Machine: ${cpu}, ${availableParallelism()} cores, Node ${process.version}.\n`,
  );
  console.log(
    "| workers | wall (s) | proving CPU (s) | proving CPU per chunk (s) | queue CPU per chunk (ms) | queue overhead | worker start-up CPU (s) | coordinator CPU (s) | verifies | load avg (start → end) |",
  );
  console.log(
    "| ------: | -------: | --------------: | ------------------------: | -----------------------: | -------------: | ----------------------: | ------------------: | :------: | ---------------------- |",
  );
  for (const r of runs)
    console.log(
      `| ${r.workers} | ${fmt(r.wallS)} | ${fmt(r.provingCpuS)} | ${fmt(r.provingCpuPerChunkS, 2)} | ${fmt(r.queueCpuPerChunkMs, 1)} | ${fmt(r.overheadPercent, 2)}% | ${fmt(r.startupCpuS)} | ${fmt(r.coordinatorCpuS)} | ${r.valid ? "yes" : "NO"} | ${fmt(r.load[0], 1)} → ${fmt(r.load[1], 1)} |`,
    );
  console.log(
    `\nProjection, ${fmt(projLoans, 0)} loans = ${fmt(projChunks, 0)} chunks of ${CHUNK}, ${fmt(perChunk, 2)} s of worker CPU per chunk ` +
      `(proving + queue, the ${best.workers}-worker run) and ${fmt(coordPerChunk * 1000, 1)} ms of coordinator CPU per chunk:\n`,
  );
  console.log("| machines (2 cores) | workers | proving wall (s) | coordinator (s, serial) | total (s) |");
  console.log("| -----------------: | ------: | ---------------: | ----------------------: | --------: |");
  for (const p of projection)
    console.log(
      `| ${p.machines} | ${p.cores} | ${fmt(p.provingWallS)} | ${fmt(p.coordinatorS)} | ${fmt(p.totalS)} |`,
    );
}

// snarkjs's curve threads (the coordinator's verification) would keep the process alive
await terminateCurves();
