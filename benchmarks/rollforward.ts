/**
 * The cost of the roll-forward (issue 15 item 5) against the plain statement, in one run:
 * - constraints per loan of RollForwardChunk(256) and PoolAttestation(256) (circom2 --O2, compiled into
 *   build/test-circuits/ and cached by source hash, as test/circuits/budget.test.ts does);
 * - Groth16 proving time per slot of rollforward-chunk-N and pool-attestation-N (N = --slots, 8 or 256:
 *   development keys, one warm-up proof, median of --runs, each proof verified), both with one back end:
 *   snarkjs in this process (zkey in memory) or the native prover (--prover native: one worker of a
 *   ProverPool, as the product proves; the time of a proof includes its witness).
 *
 *   node_modules/.bin/node benchmarks/rollforward.ts [--slots 8] [--prover snarkjs|native] [--runs 3] [--no-compile]
 *
 * Needs `node scripts/build.ts --only pool-attestation-N,rollforward-chunk-N` (both 2^15 at 8, 2^18 at 256).
 * At 8 slots each chunk's fixed part (tree paths, pool word, the plain statement's signature) weighs on the
 * per-slot time; at 256 it is a few percent. Load averages are printed. Not part of `npm test`.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as snarkjs from "snarkjs";
import { loadVerifiedArtifacts } from "../pipeline/manifest.ts";
import { ProverPool, proveInstance } from "../prover/prove/index.ts";
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
  options: {
    runs: { type: "string", default: "3" },
    slots: { type: "string", default: "8" },
    prover: { type: "string", default: "snarkjs" },
    "no-compile": { type: "boolean", default: false },
  },
});
const RUNS = Number(opts.runs);
const SLOTS = Number(opts.slots);
if (SLOTS !== 8 && SLOTS !== 256) throw new Error("--slots: 8 or 256 (the catalogue's instances)");
if (opts.prover !== "snarkjs" && opts.prover !== "native") throw new Error("--prover: snarkjs or native");
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
  // A tape that fills the chunk after the period's exits and originations.
  const a = firstTape(r, SLOTS - Math.max(1, SLOTS >> 3));
  const b = nextTape(r, a, 50_000n, 0);
  const seed = 0x5eedn;
  const period = async (tape: typeof a) => ({
    tape,
    commitment: await commitTape(tape, await deriveSalts(seed, tape), { chunkSize: SLOTS }),
  });
  if (Math.max(a.loans.length, b.loans.length) > SLOTS) throw new Error("the tapes do not fit one chunk");
  const input = await buildRollForwardInput(await period(a), await period(b), {
    chunkIndex: 0,
    chunkSize: SLOTS,
    maxAdjustment: 50_000n,
    flowSalt: 99n,
  });
  return input.input;
}

async function proveTimes(instance: string, input: Record<string, unknown>): Promise<number[]> {
  if (opts.prover === "native") {
    const pool = new ProverPool(1, { prover: "native" });
    try {
      const times: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const t = performance.now();
        await proveInstance(pool, instance, input); // the pool verifies every proof it returns
        const ms = performance.now() - t;
        if (i > 0) times.push(ms);
      }
      return times;
    } finally {
      await pool.close();
    }
  }
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

console.log(`load average before proving: ${load()} (${opts.prover}, ${SLOTS} slots)`);
const plainInstance = `pool-attestation-${SLOTS}`;
const rollInstance = `rollforward-chunk-${SLOTS}`;
const plain = await proveTimes(plainInstance, await poolChunkInput(plainInstance, "rollforward-bench"));
const roll = await proveTimes(rollInstance, await rollInput());
for (const [name, t] of [
  [plainInstance, plain],
  [rollInstance, roll],
] as const)
  console.log(
    `${name}: prove ${median(t).toFixed(0)} ms median of ${t.length} (${(median(t) / SLOTS).toFixed(1)} ms per slot)`,
  );
console.log(
  `roll-forward / plain proving time at ${SLOTS} slots: ${(median(roll) / median(plain)).toFixed(2)}`,
);
console.log(`load average after: ${load()}`);
process.exit(0);
