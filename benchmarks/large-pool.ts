/**
 * A large pool end to end (issue 17): a synthetic tape of --loans loans (default 100,000) attested in chunks of
 * --instance (default pool-attestation-256: its PoolChunkCommitment chunks and the smallest aggregation class
 * that holds them, pool-aggregation-512 for 391 chunks), proven by this process's ProverPool (the embedded
 * default: the native prover where it is built), then every chunk and the aggregation submitted to a registry
 * on Hardhat's in-process network, whose recorded figures are checked against the independent model.
 *
 *   node_modules/.bin/node benchmarks/large-pool.ts [--loans 100000] [--instance pool-attestation-256]
 *
 * Needs the chunk and aggregation instances built: for the defaults
 * `node scripts/build.ts --only pool-chunk-commitment-256,pool-aggregation-512` (a 2^20 development setup).
 * Prints the phases' wall times, this process's CPU and its children's (the native prover servers), the chunk
 * gas (first, later min and max), the aggregation's gas and the whole attestation's. Not part of `npm test`.
 */
import { parseArgs } from "node:util";
import { findInstance } from "../pipeline/catalogue.ts";
import { terminateCurves } from "../pipeline/build.ts";
import { aggregationInstance, attestPool, chunkCommitmentInstance } from "../prover/attest.ts";
import { modelPool } from "../prover/model/index.ts";
import { ProverPool } from "../prover/prove/index.ts";
import { generateSyntheticTape } from "../prover/tape/synthetic.ts";
import { readAttestation, submitAggregation, submitChunkCommitment } from "../sdk/index.ts";
import { TEST_POLICY, deployCommittedRegistry } from "../test/contracts/pool-world.ts";
import { treeCpu } from "./support/proc.ts";

const { values } = parseArgs({
  options: {
    loans: { type: "string", default: "100000" },
    instance: { type: "string", default: "pool-attestation-256" },
  },
});
const LOANS = Number(values.loans);
const INSTANCE = values.instance;
const CHUNK = findInstance(INSTANCE).params[0]!;
if (!Number.isInteger(LOANS) || LOANS <= CHUNK) throw new TypeError(`--loans: expected more than ${CHUNK}`);
const CHUNK_INSTANCE = chunkCommitmentInstance(CHUNK);
const POOL_ID = 5n;
const PERIOD = 202612;

const t0 = performance.now();
const s = (ms: number): string => (ms / 1000).toFixed(1);
const fmt = (g: bigint): string => g.toLocaleString("en-US");
/**
 * CPU seconds used so far by this process (all its threads) and by its descendants (the pool's worker
 * processes and their native prover servers, live or exited): sampled between phases.
 */
function cpu(): { self: number; children: number } {
  const r = process.resourceUsage();
  return { self: (r.userCPUTime + r.systemCPUTime) / 1e6, children: treeCpu(process.pid).descendants };
}
const AGGREGATION_INSTANCE = aggregationInstance(Math.ceil(LOANS / CHUNK));
// the registry, the two instances' verifiers, the test policy and an originator for the pool
const { registry, relay, key, today, chainId, registryAddress } = await deployCommittedRegistry({
  pools: [POOL_ID],
  instances: { chunk: CHUNK_INSTANCE, aggregation: AGGREGATION_INSTANCE },
});
const tape = generateSyntheticTape({
  seed: "large-pool",
  loans: LOANS,
  poolId: POOL_ID,
  period: PERIOD,
  asOfDate: today,
});

const pool = new ProverPool();
let lastReport = -1;
const tProve = performance.now();
const cpuStart = cpu();
/** Sampled at the first chunk-proving report (commitment and every chunk's input built) and at the last. */
let proveStart: { at: number; cpu: ReturnType<typeof cpu> } | undefined;
let chunksEnd: { at: number; cpu: ReturnType<typeof cpu> } | undefined;
const { attestation } = await attestPool({
  tape,
  policy: TEST_POLICY,
  key,
  chainId,
  registry: registryAddress,
  instance: INSTANCE,
  pool,
  onProgress: (p) => {
    if (p.stage === "prove" && !proveStart) proveStart = { at: performance.now(), cpu: cpu() };
    if (p.stage === "prove" && p.chunksDone === p.chunkCount && !chunksEnd)
      chunksEnd = { at: performance.now(), cpu: cpu() };
    const pct = Math.floor(p.fraction * 20);
    if (pct === lastReport) return;
    lastReport = pct;
    const eta = p.etaMs == null ? "" : `, about ${s(p.etaMs)} s left`;
    console.error(
      `[large-pool] ${p.stage}: ${p.chunksDone}/${p.chunkCount} chunks (${s(performance.now() - t0)} s${eta})`,
    );
  },
});
const proveMs = performance.now() - tProve;
const cpuProved = cpu();
await pool.close();
const aggregation = attestation.aggregation!;

const tSubmit = performance.now();
const chunkGas: bigint[] = [];
for (const c of attestation.chunks) {
  chunkGas.push((await submitChunkCommitment(relay, CHUNK_INSTANCE, 1, c.proof, c.publicSignals)).gasUsed);
}
const aggGas = (
  await submitAggregation(
    relay,
    aggregation.instance,
    1,
    aggregation.proof,
    attestation.chunks[0]!.publicSignals.slice(0, 4),
    aggregation.publicSignals.slice(1),
  )
).gasUsed;
const submitMs = performance.now() - tSubmit;

const recorded = await readAttestation(registry, POOL_ID);
const model = modelPool(tape.loans, TEST_POLICY, CHUNK).pool;
const later = chunkGas.slice(1);
const max = (xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));
const min = (xs: bigint[]): bigint => xs.reduce((a, b) => (a < b ? a : b));
const total = chunkGas.reduce((a, b) => a + b, 0n) + aggGas;
const used = cpu();

console.log(
  `${LOANS} loans, ${attestation.chunks.length} chunks of ${CHUNK} (${CHUNK_INSTANCE}), aggregated by ${aggregation.instance}`,
);
console.log(`| what | value |`);
console.log(`| --- | ---: |`);
console.log(`| wall, whole run (s) | ${s(performance.now() - t0)} |`);
console.log(
  `| wall, attestPool: commit, witnesses, ${attestation.chunks.length} chunk proofs, aggregation (s) | ${s(proveMs)} |`,
);
console.log(`| wall, submit every chunk and the aggregation (s) | ${s(submitMs)} |`);
console.log(`| CPU, this process (s) | ${used.self.toFixed(1)} |`);
console.log(
  `| CPU, its child processes: pool workers, native prover servers (s) | ${used.children.toFixed(1)} |`,
);
// the phases of attestPool, from the CPU samples taken between them
if (!proveStart || !chunksEnd) throw new Error("no progress report marked the chunk phase");
const phase = (
  name: string,
  from: { at: number; cpu: ReturnType<typeof cpu> },
  to: { at: number; cpu: ReturnType<typeof cpu> },
): { wall: number; self: number; children: number } => {
  const r = {
    wall: (to.at - from.at) / 1000,
    self: to.cpu.self - from.cpu.self,
    children: to.cpu.children - from.cpu.children,
  };
  console.log(
    `| ${name}: wall / CPU here / CPU in children (s) | ${r.wall.toFixed(1)} / ${r.self.toFixed(1)} / ${r.children.toFixed(1)} |`,
  );
  return r;
};
const setup = phase("commit and every chunk's input", { at: tProve, cpu: cpuStart }, proveStart);
const chunkPhase = phase(`${attestation.chunks.length} chunk proofs`, proveStart, chunksEnd);
const aggPhase = phase(`the aggregation (${aggregation.instance})`, chunksEnd, {
  at: tProve + proveMs,
  cpu: cpuProved,
});
const n = attestation.chunks.length;
const proverPerChunk = chunkPhase.children / n;
const coordinatorPerChunk = chunkPhase.self / n;
console.log(
  `| CPU per chunk: proving (witness and proof, children) / this process (receiving and checking each proof: its pool worker verified it) (s) | ` +
    `${proverPerChunk.toFixed(2)} / ${coordinatorPerChunk.toFixed(3)} |`,
);
console.log(`| gas, the chunk that opens the batch | ${fmt(chunkGas[0]!)} |`);
console.log(`| gas, later chunks (min - max) | ${fmt(min(later))} - ${fmt(max(later))} |`);
console.log(`| gas, the aggregation | ${fmt(aggGas)} |`);
console.log(`| gas, the whole attestation | ${fmt(total)} |`);
const agrees =
  recorded !== undefined &&
  recorded.figures.outstanding === model.outstanding &&
  recorded.figures.activeCount === BigInt(model.activeCount);
console.log(
  `recorded: period ${recorded?.period}, chunkCount ${recorded?.chunkCount}, outstanding ${recorded?.figures.outstanding}, ` +
    `active loans ${recorded?.figures.activeCount}; the model: outstanding ${model.outstanding}, active ${model.activeCount}: ` +
    (agrees ? "agree" : "DISAGREE"),
);
console.log(`later chunks at or under 300,000 gas: ${max(later) <= 300_000n ? "yes" : "NO"}`);
// Projection to M machines of 2 cores, one worker each (README "Workers on other machines"; a proof already
// uses both cores): the chunk proofs spread over the machines at this machine's measured wall time per chunk
// (its real parallel efficiency; the CPU per chunk over two busy cores is the lower bound beside it); the
// commitment, the inputs, receiving every proof, and the aggregation stay serial on the coordinator (added,
// not overlapped: an upper bound). Apart: the queue's own cost per chunk and a distributed coordinator's
// verification of every proof it receives (benchmarks/distributed.ts measures both).
const serial = setup.wall + n * coordinatorPerChunk + aggPhase.wall;
const wallPerChunk = chunkPhase.wall / n;
console.log(
  `\nProjection of this pool (${n} chunks) from the measured phases: serial ${serial.toFixed(1)} s ` +
    `(commit and inputs ${setup.wall.toFixed(1)}, receiving ${(n * coordinatorPerChunk).toFixed(1)}, aggregation ${aggPhase.wall.toFixed(1)}) ` +
    `plus the chunk proofs: ${wallPerChunk.toFixed(2)} s of wall per chunk on this machine, ${proverPerChunk.toFixed(2)} s of CPU`,
);
console.log(
  `| machines (2 cores) | chunk proving wall (s) | if both cores stayed busy (s) | serial (s) | total (s) |`,
);
console.log(`| ---: | ---: | ---: | ---: | ---: |`);
for (const machines of [1, 10, 50]) {
  const proving = (n * wallPerChunk) / machines;
  const ideal = (n * proverPerChunk) / (2 * machines);
  console.log(
    `| ${machines} | ${proving.toFixed(1)} | ${ideal.toFixed(1)} | ${serial.toFixed(1)} | ${(proving + serial).toFixed(1)} |`,
  );
}
await terminateCurves();
process.exit(agrees ? 0 : 1);
