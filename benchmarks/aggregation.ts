/**
 * Pool aggregation benchmark (issue 14): constraints, witness and Groth16 proving time of PoolAggregation(N)
 * for pools of N chunks (every slot used: the worst case of the size class), and the constraints a chunk
 * pays for publishing a commitment instead of its figures (PoolChunkCommitment against PoolAttestation).
 *
 *   node_modules/.bin/node benchmarks/aggregation.ts                 # sizes 4,16,64,256, chunks of 64 loans
 *   options: --sizes 4,16  --chunk 64 (loans per chunk of the synthetic pool; the aggregation does not
 *            depend on it, only the figures do)  --runs 1 (proofs per size; the median is printed)
 *
 * Needs the instances built, e.g. `node scripts/build.ts --only pool-aggregation-4,pool-aggregation-16`
 * (`pool-aggregation-256` needs a 2^19 powers of tau: minutes to make the development one). A size whose
 * instance is not built is listed with its reason and skipped. Not part of `npm test`.
 *
 * The openings are real: a synthetic tape split into chunks, each chunk's figures from the model, a fresh
 * salt per chunk, the commitments chained as the registry chains them; the proof is verified with the
 * instance's verification key. Witness and prove times are wall clock on whatever the machine is doing (load
 * averages printed); prove CPU is the process's user + system time during the proof (snarkjs's worker
 * threads included), the fairer figure on a shared machine.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as snarkjs from "snarkjs";
import { findInstance } from "../pipeline/catalogue.ts";
import { fromRecordPath, loadVerifiedArtifacts, readManifest } from "../pipeline/manifest.ts";
import { readR1csHeader } from "../pipeline/r1cs.ts";
import { randomFieldElement } from "../prover/commitment/encoding.ts";
import type { ChunkOpening } from "../prover/commitment/figure-commitment.ts";
import { chunkFigures, packFigures, packPoolWord, splitChunks } from "../prover/model/index.ts";
import { policyHash } from "../prover/policy/index.ts";
import { TEST_POLICY } from "../test/support/policy.ts";
import { generateSyntheticTape } from "../prover/tape/index.ts";
import { buildAggregationInput } from "../prover/witness/aggregation.ts";

const { values: opts } = parseArgs({
  options: {
    sizes: { type: "string", default: "4,16,64,256" },
    chunk: { type: "string", default: "64" },
    runs: { type: "string", default: "1" },
  },
});
const SIZES = opts.sizes.split(",").map(Number);
const CHUNK = Number(opts.chunk);
const RUNS = Math.max(1, Number(opts.runs));

function constraintsOf(name: string): number | undefined {
  const r1cs = readManifest().instances[name]?.artifacts.r1cs;
  return r1cs ? readR1csHeader(fromRecordPath(r1cs.path)).nConstraints : undefined;
}

const scratch = mkdtempSync(join(tmpdir(), "rwa-aggregation-"));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number): string => (ms / 1000).toFixed(2);

/** Openings of a synthetic pool of `chunks` chunks of CHUNK loans (every chunk full). */
async function pool(chunks: number): Promise<Parameters<typeof buildAggregationInput>[0]> {
  const tape = generateSyntheticTape({ seed: `aggregation-${chunks}`, loans: chunks * CHUNK, poolId: 7n });
  const word = {
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkIndex: 0,
    chunkCount: chunks,
    loanCount: tape.loans.length,
  };
  const openings: ChunkOpening[] = splitChunks(tape.loans, CHUNK).map((loans, i) => ({
    ...packFigures(chunkFigures(loans, TEST_POLICY)),
    salt: randomFieldElement(),
    pool: packPoolWord({ ...word, chunkIndex: i }),
  }));
  return {
    root: randomFieldElement(),
    policyHash: await policyHash(TEST_POLICY),
    keyHash: randomFieldElement(),
    policy: TEST_POLICY,
    openings,
  };
}

console.log(
  `pool aggregation benchmark: ${cpus().length} cores (${availableParallelism()} available), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, chunks of ${CHUNK} loans, ${RUNS} run(s) per size`,
);
console.log("");
console.log(
  "| instance | chunks | loans | constraints | per chunk slot | witness s | prove wall s | prove CPU s | verified |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const n of SIZES) {
  const name = `pool-aggregation-${n}`;
  findInstance(name); // throws for a size the catalogue does not have
  const constraints = constraintsOf(name);
  const rec = readManifest().instances[name];
  if (constraints === undefined || !rec?.artifacts.zkey) {
    console.log(
      `| ${name} | ${n} | ${n * CHUNK} | not built | | | | | (node scripts/build.ts --only ${name}) |`,
    );
    continue;
  }
  const { paths } = await loadVerifiedArtifacts(name, ["wasm", "zkey", "vkey"]);
  const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as object;
  const { input, publicSignals } = await buildAggregationInput(await pool(n), n);
  const witnessMs: number[] = [];
  const proveMs: number[] = [];
  const proveCpuMs: number[] = [];
  let verified = true;
  for (let run = 0; run < RUNS; run++) {
    const wtns = join(scratch, `${name}-${run}.wtns`);
    let t = performance.now();
    await snarkjs.wtns.calculate(input, paths.wasm, wtns);
    witnessMs.push(performance.now() - t);
    t = performance.now();
    const cpu = process.cpuUsage();
    const { proof, publicSignals: signals } = await snarkjs.groth16.prove(paths.zkey, wtns);
    proveMs.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    proveCpuMs.push((used.user + used.system) / 1000);
    verified &&=
      signals[0] === publicSignals.acc.toString() && (await snarkjs.groth16.verify(vkey, signals, proof));
  }
  console.log(
    `| ${name} | ${n} | ${n * CHUNK} | ${constraints.toLocaleString("en-US")} | ${(constraints / n).toFixed(0)} | ${secs(
      median(witnessMs),
    )} | ${secs(median(proveMs))} | ${secs(median(proveCpuMs))} | ${verified ? "yes" : "NO"} |`,
  );
}

console.log("");
console.log(
  "What a chunk pays for the commitment (PoolChunkCommitment against PoolAttestation, same chunk size):",
);
for (const size of [8, 64, 256]) {
  const plain = constraintsOf(`pool-attestation-${size}`);
  const committed = constraintsOf(`pool-chunk-commitment-${size}`);
  console.log(
    `  ${size} loans: ${plain?.toLocaleString("en-US") ?? "not built"} -> ${committed?.toLocaleString("en-US") ?? "not built"}` +
      (plain !== undefined && committed !== undefined ? ` (+${committed - plain})` : ""),
  );
}
rmSync(scratch, { recursive: true, force: true });
const g = globalThis as unknown as { curve_bn128?: { terminate: () => Promise<void> } };
await g.curve_bn128?.terminate();
