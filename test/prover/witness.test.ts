/**
 * The witness helper (prover/prove/witness.ts): a witness the circuit refuses rejects with circom's message
 * and nothing else: no `ERROR:` line from circom_runtime, no leaked file descriptor and so no DEP0137
 * warning when it is collected. Its twin runs snarkjs's file-writing call the helper replaces and sees both.
 * Uses the example circuit (a * b = c with a, b >= 2): a = 1 fails its assertion.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { computeWitness } from "../../prover/prove/index.ts";

const REFUSED = { a: 1, b: 6, c: 6 };
const SATISFIED = { a: 2, b: 3, c: 6 };
const CIRCOM_MESSAGE = /Assert Failed\. Error in template Multiplier_\d+ line: \d+/;

let wasm = "";
let r1cs = "";
let tmp = "";
beforeAll(async () => {
  ({ wasm, r1cs } = (await loadVerifiedArtifacts("example-multiplier", ["wasm", "r1cs"])).paths as {
    wasm: string;
    r1cs: string;
  });
  tmp = mkdtempSync(join(tmpdir(), "rwa-witness-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Computes the refused witness in a fresh Node process (its stderr is all the process prints) with the
 * helper or with snarkjs's `wtns.calculate` into a file; counts the process's open descriptors before and
 * after, then collects garbage, which is when Node warns about a leaked file handle.
 */
function refusedInChild(mode: "helper" | "snarkjs-file"): {
  message: string;
  leaked: number;
  stderr: string;
} {
  const script = `
    import { readdirSync } from "node:fs";
    const { computeWitness } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, "prover", "prove", "witness.ts")).href)});
    const snarkjs = await import("snarkjs");
    const wasm = ${JSON.stringify(wasm)};
    const input = ${JSON.stringify(REFUSED)};
    const run = () => ${mode === "helper" ? "computeWitness(input, wasm)" : `snarkjs.wtns.calculate(input, wasm, ${JSON.stringify(join(tmp, "w.wtns"))})`};
    await computeWitness(${JSON.stringify(SATISFIED)}, wasm); // modules loaded, wasm compiled once
    const fds = () => readdirSync("/proc/self/fd").length;
    const before = fds();
    let message = "";
    try { await run(); } catch (err) { message = err.message; }
    const leaked = fds() - before;
    for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    process.stdout.write(JSON.stringify({ message, leaked }));
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { ...(JSON.parse(r.stdout) as { message: string; leaked: number }), stderr: r.stderr };
}

describe("computing a witness", () => {
  it("a refused witness rejects with circom's message, prints nothing to stderr and leaves no descriptor open", () => {
    const r = refusedInChild("helper");
    expect(r.message).toMatch(CIRCOM_MESSAGE);
    expect(r.stderr).toBe("");
    expect(r.leaked).toBe(0);
  });

  it("twin: snarkjs's wtns.calculate into a file prints the runtime's ERROR line and leaks its descriptor (DEP0137)", () => {
    const r = refusedInChild("snarkjs-file");
    expect(r.message).toMatch(CIRCOM_MESSAGE);
    expect(r.stderr).toMatch(/ERROR: +4 Error in template Multiplier/);
    expect(r.stderr).toContain("DEP0137");
    expect(r.leaked).toBeGreaterThan(0);
  });

  it("a satisfied witness is the bytes snarkjs writes to a file, and satisfies the r1cs", async () => {
    const mem = await computeWitness(SATISFIED, wasm);
    const file = join(tmp, "ok.wtns");
    await snarkjs.wtns.calculate(SATISFIED, wasm, file);
    expect(Buffer.from(mem).equals(readFileSync(file))).toBe(true);
    const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    expect(await snarkjs.wtns.check(r1cs, { type: "mem", data: mem }, silent)).toBe(true);
  });

  it("only the runtime's report is held back, and console.error is restored after concurrent calls", async () => {
    const spy = vi.fn();
    const saved = console.error;
    console.error = spy;
    try {
      const refused = computeWitness(REFUSED, wasm);
      const satisfied = computeWitness(SATISFIED, wasm);
      console.error("ERROR: ", 4, "Error in template X line: 1\n"); // the runtime's shape: held back
      console.error("another module's error"); // anything else passes through
      const [r, s] = await Promise.allSettled([refused, satisfied]);
      expect(r.status === "rejected" && String(r.reason.message)).toMatch(CIRCOM_MESSAGE);
      expect(s.status).toBe("fulfilled");
      expect(spy.mock.calls).toEqual([["another module's error"]]);
      expect(console.error).toBe(spy);
    } finally {
      console.error = saved;
    }
  });
});
