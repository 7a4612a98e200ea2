/**
 * Computing a witness with a circuit's wasm witness calculator, in memory: the one place the project calls
 * snarkjs's `wtns.calculate` (proving workers, circuit tests, benchmarks).
 *
 * Two habits of the libraries underneath are kept out of the project's output:
 * - snarkjs opens a `.wtns` output file before it calculates, so a calculation that throws (an input the
 *   circuit refuses) leaks the file handle and Node prints a DEP0137 warning when it is collected. The
 *   witness is written to memory instead (`{ type: "mem" }`): no file, nothing to leak.
 * - circom_runtime prints `ERROR:  <code> <message>` with console.error before it throws an Error carrying
 *   the same message. That line is suppressed while a witness is computed (only that line: other output
 *   passes through, and console.error is restored afterwards); the rejection keeps the message.
 */
import * as snarkjs from "snarkjs";

/** circom_runtime's report before it throws: `console.error("ERROR: ", code, message)`. */
function isRuntimeReport(args: unknown[]): boolean {
  return args.length === 3 && args[0] === "ERROR: " && typeof args[1] === "number";
}

// Witnesses may be computed concurrently (several awaits in flight): the filter is installed by the first
// and removed by the last, so that no call restores another call's filter.
let active = 0;
let original: typeof console.error | undefined;

function mute(): void {
  if (active++ > 0) return;
  const error = console.error;
  original = error;
  console.error = (...args: unknown[]): void => {
    if (!isRuntimeReport(args)) error.apply(console, args);
  };
}

function unmute(): void {
  if (--active > 0) return;
  if (original) console.error = original;
  original = undefined;
}

/**
 * The witness of `input` for the circuit compiled to `wasm`, in snarkjs's `.wtns` format (what
 * `groth16.prove` and the native prover read). Rejects with circom's message ("Assert Failed. Error in
 * template ...") when the input does not satisfy the circuit's assertions.
 */
export async function computeWitness(input: Record<string, unknown>, wasm: string): Promise<Uint8Array> {
  const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  mute();
  try {
    await snarkjs.wtns.calculate(input, wasm, out);
  } finally {
    unmute();
  }
  if (!out.data) throw new Error(`${wasm}: the witness calculator returned no witness`);
  return out.data;
}
