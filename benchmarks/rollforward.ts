/**
 * The cost of the roll-forward (issue 15 item 5) against the plain statement, in one run:
 * - constraints per loan of RollForwardChunk(256) and PoolAttestation(256) (circom2 --O2, compiled into
 *   build/test-circuits/ and cached by source hash, as test/circuits/budget.test.ts does);
 * - Groth16 proving time per slot of rollforward-chunk-8 and pool-attestation-8 (snarkjs, development keys of
 *   the `test` build, zkey in memory, one warm-up proof, median of --runs), each proof verified.
 *
 *   node_modules/.bin/node benchmarks/rollforward.ts [--runs 3] [--no-compile]
 *
 * Needs `npm run build -- --only pool-attestation-8,rollforward-chunk-8`. Proving at 8 slots: the 2 shared
 * cores make the 2^20 setup of the 256-slot key impractical here; per-slot times at 8 carry each chunk's fixed
 * part (tree paths, pool word, signature for the plain statement), so the ratio is indicative. Load averages
 * are printed. Not part of `npm test`.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as snarkjs from "snarkjs";
import { loadVerifiedArtifacts } from "../pipeline/manifest.ts";
import {
  ROLLFORWARD_PUBLIC_SIGNALS,
  buildRollForwardInput,
  commitTape,
  computeWitness,
  deriveSalts,
} from "../prover/index.ts";
import { compileCircuit } from "../test/circuits/helpers.ts";
import { poolChunkInput } from "../test/support/circuit-inputs.ts";
import { firstTape, nextTape, rng } from "../test/rollforward/gen.ts";

const { values: opts } = parseArgs({
  options: { runs: { type: "string", default: "3" }, "no-compile": { type: "boolean", default: false } },
});
const RUNS = Number(opts.runs);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!opts["no-compile"]) {
  const pool = await compileCircuit(
    "circuits/pool/pool_attestation.circom",
    "PoolAttestation",
    [256],
    ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"],
  );
  const roll = await compileCircuit(
    "circuits/rollforward/rollforward_chunk.circom",
    "RollForwardChunk",
    [256],
    [...ROLLFORWARD_PUBLIC_SIGNALS],
  );
  for (const [name, c] of [
    ["PoolAttestation(256)", pool],
    ["RollForwardChunk(256)", roll],
  ] as const)
    console.log(
      `${name}: ${c.header.nConstraints} constraints, ${(c.header.nConstraints / 256).toFixed(1)} per loan` +
        (c.compileSeconds > 0 ? ` (compiled in ${c.compileSeconds.toFixed(0)} s)` : " (cached compile)"),
    );
}

async function rollInput(): Promise<Record<string, unknown>> {
  const r = rng(7);
  const a = firstTape(r, 8);
  const b = nextTape(r, a, 50_000n, 0);
  const seed = 0x5eedn;
  const period = async (tape: typeof a) => ({
    tape,
    commitment: await commitTape(tape, await deriveSalts(seed, tape), { chunkSize: 8 }),
  });
  const input = await buildRollForwardInput(await period(a), await period(b), {
    chunkIndex: 0,
    chunkSize: 8,
    maxAdjustment: 50_000n,
    flowSalt: 99n,
  });
  return input.input;
}

async function proveTimes(instance: string, input: Record<string, unknown>): Promise<number[]> {
  const { paths } = await loadVerifiedArtifacts(instance, ["wasm", "zkey", "vkey"]);
  const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as snarkjs.VerificationKey;
  const zkey = readFileSync(paths.zkey);
  const wtns = await computeWitness(input, paths.wasm);
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, wtns);
    const ms = performance.now() - t;
    if (!(await snarkjs.groth16.verify(vkey, publicSignals, proof)))
      throw new Error(`${instance}: proof does not verify`);
    if (i > 0) times.push(ms); // the first proof warms up the curve's threads
  }
  return times;
}

console.log(`load average before proving: ${load()}`);
const plain = await proveTimes(
  "pool-attestation-8",
  await poolChunkInput("pool-attestation-8", "rollforward-bench"),
);
const roll = await proveTimes("rollforward-chunk-8", await rollInput());
for (const [name, t] of [
  ["pool-attestation-8", plain],
  ["rollforward-chunk-8", roll],
] as const)
  console.log(
    `${name}: prove ${median(t).toFixed(0)} ms median of ${t.length} (${(median(t) / 8).toFixed(1)} ms per slot)`,
  );
console.log(`roll-forward / plain proving time at 8 slots: ${(median(roll) / median(plain)).toFixed(2)}`);
console.log(`load average after: ${load()}`);
process.exit(0);
