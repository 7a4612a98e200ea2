/**
 * Native Groth16 prover against snarkjs (issue 19): both prove the same witness with the same development
 * key of each instance, in one run, keys already loaded, and every proof is verified with snarkjs.
 *
 *   node_modules/.bin/node benchmarks/prover.ts                     # table
 *   node_modules/.bin/node benchmarks/prover.ts --json              # one JSON object per instance
 *   options: --instances pool-attestation-64,pool-attestation-256   --runs 2 (measured proofs per prover)
 *
 * Needs the native prover built (`node prover/native/build.ts`) and the instances built:
 * `npm run build -- --only pool-attestation-64,pool-attestation-256` (the 2^18 development setup takes many
 * minutes of CPU once). Not part of `npm test`.
 *
 * What is measured, per instance, on one witness (chunk 0 of a full synthetic chunk):
 * - snarkjs: `groth16.prove` with the .zkey already in memory, after one warm-up proof (curve threads and
 *   WebAssembly set up); wall clock, and CPU of this process (all threads: snarkjs proves in worker threads)
 *   from process.cpuUsage;
 * - native: one resident `rwa-groth16 serve` process (the pool's worker keeps the same), key read once,
 *   after one warm-up proof; wall clock of the round trip from here (witness bytes in, proof JSON out), and
 *   the server's own CPU for the proof (all OpenMP threads, CLOCK_PROCESS_CPUTIME_ID);
 * - the server's resident memory (VmRSS, and VmHWM peak) after the proofs: the memory one pool worker adds;
 * - the WebAssembly witness (not part of either prover's time), for scale.
 * Times are medians over --runs. The 2 cores are shared with other jobs: load averages are printed, and the
 * CPU ratio is the steadier comparison.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as snarkjs from "snarkjs";
import { loadVerifiedArtifacts } from "../pipeline/manifest.ts";
import { NativeProver, computeWitness, nativeProverBuilt, NATIVE_BINARY } from "../prover/prove/index.ts";
import { poolChunkInput } from "../test/support/circuit-inputs.ts";

const { values: opts } = parseArgs({
  options: {
    instances: { type: "string", default: "pool-attestation-64,pool-attestation-256" },
    runs: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const RUNS = Number(opts.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new TypeError("--runs: a positive integer");
if (!nativeProverBuilt()) {
  console.error(`the native prover is not built (${NATIVE_BINARY}): run node prover/native/build.ts`);
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ");

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Row {
  instance: string;
  domain: number;
  witnessS: number;
  snarkjsS: number;
  snarkjsCpuS: number;
  nativeS: number;
  nativeCpuS: number;
  keyLoadS: number;
  rssMiB: number;
  peakMiB: number;
  load: string;
}

async function measure(instance: string): Promise<Row> {
  const loadStart = load();
  const { paths } = await loadVerifiedArtifacts(instance, ["wasm", "zkey", "vkey"]);
  const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as snarkjs.VerificationKey;
  const input = await poolChunkInput(instance, `prover-bench-${instance}`);
  let t = performance.now();
  const witness = await computeWitness(input, paths.wasm);
  const witnessS = (performance.now() - t) / 1000;
  const check = async (proof: unknown, pub: string[], who: string): Promise<void> => {
    if (!(await snarkjs.groth16.verify(vkey, pub, proof as snarkjs.Groth16Proof)))
      throw new Error(`${instance}: the ${who} proof does not verify`);
  };

  const zkey = { type: "mem", data: new Uint8Array(readFileSync(paths.zkey)) };
  const sjsWall: number[] = [];
  const sjsCpu: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const c = process.cpuUsage();
    t = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove(
      zkey as never,
      { type: "mem", data: witness } as never,
    );
    const wall = (performance.now() - t) / 1000;
    const cpu = cpuSeconds(process.cpuUsage(c));
    await check(proof, publicSignals, "snarkjs");
    if (i > 0) {
      sjsWall.push(wall);
      sjsCpu.push(cpu);
    }
  }

  t = performance.now();
  const server = await NativeProver.start(paths.zkey);
  const keyLoadS = (performance.now() - t) / 1000;
  const natWall: number[] = [];
  const natCpu: number[] = [];
  try {
    for (let i = 0; i <= RUNS; i++) {
      t = performance.now();
      const out = await server.prove(witness);
      const wall = (performance.now() - t) / 1000;
      await check(out.proof, out.publicSignals, "native");
      const cpu = out.timings.cpu.total / 1000;
      if (i > 0) {
        natWall.push(wall);
        natCpu.push(cpu);
      }
    }
    return {
      instance,
      domain: server.info.domainSize,
      witnessS,
      snarkjsS: median(sjsWall),
      snarkjsCpuS: median(sjsCpu),
      nativeS: median(natWall),
      nativeCpuS: median(natCpu),
      keyLoadS,
      rssMiB: procStatus(server.pid!, "VmRSS"),
      peakMiB: procStatus(server.pid!, "VmHWM"),
      load: `${loadStart} → ${load()}`,
    };
  } finally {
    await server.close();
  }
}

const rows: Row[] = [];
for (const instance of opts.instances.split(",")) {
  const row = await measure(instance);
  rows.push(row);
  if (opts.json) {
    console.log(
      JSON.stringify({
        instance: row.instance,
        snarkjs_s: +row.snarkjsS.toFixed(3),
        native_s: +row.nativeS.toFixed(3),
        ratio: +(row.snarkjsS / row.nativeS).toFixed(2),
      }),
    );
  }
}
if (!opts.json) {
  const f = (x: number, d = 2): string => x.toFixed(d);
  console.log(
    `Machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, Node ${process.version}; medians of ${RUNS} proofs after a warm-up; load avg 1/5/15 min.\n`,
  );
  console.log(
    "| instance | domain | witness (wasm) s | snarkjs wall s | native wall s | wall ratio | snarkjs CPU s | native CPU s | CPU ratio | native key load s | native worker RSS / peak MiB | load avg (start → end) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    console.log(
      `| \`${r.instance}\` | 2^${Math.log2(r.domain)} | ${f(r.witnessS)} | ${f(r.snarkjsS)} | ${f(r.nativeS)} | ${f(r.snarkjsS / r.nativeS, 1)}× | ${f(r.snarkjsCpuS)} | ${f(r.nativeCpuS)} | ${f(r.snarkjsCpuS / r.nativeCpuS, 1)}× | ${f(r.keyLoadS)} | ${r.rssMiB.toFixed(0)} / ${r.peakMiB.toFixed(0)} | ${r.load} |`,
    );
  }
}
await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
process.exit(0);
