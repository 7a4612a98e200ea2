/**
 * The witness helper (prover/prove/witness.ts): a witness the circuit refuses rejects with circom's message
 * and nothing else: no `ERROR:` line from circom_runtime, no leaked file descriptor and so no DEP0137
 * warning when it is collected. Its twin runs snarkjs's file-writing call the helper replaces and sees both.
 * Uses the example circuit (a * b = c with a, b >= 2): a = 1 fails its assertion.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the example circuit's verified wasm and r1cs, a temporary directory (removed afterwards), what
 * a fresh Node process saw computing the refused witness with the helper and with snarkjs into a file, the
 * satisfied witness computed both ways, and what two concurrent calls did to console.error.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";
import { describe, expect, test, vi } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { computeWitness } from "../../prover/prove/index.ts";

const REFUSED = { a: 1, b: 6, c: 6 };
const SATISFIED = { a: 2, b: 3, c: 6 };
const CIRCOM_MESSAGE = /Assert Failed\. Error in template Multiplier_\d+ line: \d+/;

/** The example circuit's verified artifacts, and a temporary directory. */
interface Circuit {
  wasm: string;
  r1cs: string;
  tmp: string;
}

/** What the child process saw: the rejection's message, descriptors left open, its stderr. */
interface Refusal {
  message: string;
  leaked: number;
  stderr: string;
}

/** The satisfied witness computed in memory by the helper and by snarkjs into a file. */
interface Satisfied {
  mem: Uint8Array;
  file: Buffer;
}

/** Two concurrent calls (one refused, one satisfied) while console.error is a spy. */
interface Concurrent {
  refused: PromiseSettledResult<Uint8Array>;
  satisfied: PromiseSettledResult<Uint8Array>;
  /** What reached the spy. */
  calls: unknown[][];
  /** Whether console.error was the spy again after both calls. */
  restored: boolean;
}

/**
 * Computes the refused witness in a fresh Node process (its stderr is all the process prints) with the
 * helper or with snarkjs's `wtns.calculate` into a file; counts the process's open descriptors before and
 * after, then collects garbage, which is when Node warns about a leaked file handle.
 */
function refusedInChild({ wasm, tmp }: Circuit, mode: "helper" | "snarkjs-file"): Refusal {
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

const it = test.extend<{
  circuit: Circuit;
  viaHelper: Refusal;
  viaSnarkjsFile: Refusal;
  satisfied: Satisfied;
  concurrent: Concurrent;
}>({
  circuit: [
    async ({}, use) => {
      const { wasm, r1cs } = (await loadVerifiedArtifacts("example-multiplier", ["wasm", "r1cs"])).paths;
      const tmp = mkdtempSync(join(tmpdir(), "rwa-witness-"));
      await use({ wasm, r1cs, tmp });
      rmSync(tmp, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  viaHelper: [async ({ circuit }, use) => use(refusedInChild(circuit, "helper")), { scope: "file" }],
  viaSnarkjsFile: [
    async ({ circuit }, use) => use(refusedInChild(circuit, "snarkjs-file")),
    { scope: "file" },
  ],
  satisfied: [
    async ({ circuit }, use) => {
      const mem = await computeWitness(SATISFIED, circuit.wasm);
      const file = join(circuit.tmp, "ok.wtns");
      await snarkjs.wtns.calculate(SATISFIED, circuit.wasm, file);
      await use({ mem, file: readFileSync(file) });
    },
    { scope: "file" },
  ],
  concurrent: [
    async ({ circuit }, use) => {
      const spy = vi.fn();
      const saved = console.error;
      console.error = spy;
      let result: Concurrent;
      try {
        const refused = computeWitness(REFUSED, circuit.wasm);
        const satisfied = computeWitness(SATISFIED, circuit.wasm);
        console.error("ERROR: ", 4, "Error in template X line: 1\n"); // the runtime's shape: held back
        console.error("another module's error"); // anything else passes through
        const [r, s] = await Promise.allSettled([refused, satisfied]);
        result = { refused: r, satisfied: s, calls: spy.mock.calls, restored: console.error === spy };
      } finally {
        console.error = saved;
      }
      await use(result);
    },
    { scope: "file" },
  ],
});

describe("computing a witness", () => {
  it("a refused witness rejects with circom's message", ({ viaHelper }) => {
    expect(viaHelper.message).toMatch(CIRCOM_MESSAGE);
  });

  it("a refused witness prints nothing to stderr", ({ viaHelper }) => {
    expect(viaHelper.stderr).toBe("");
  });

  it("a refused witness leaves no descriptor open", ({ viaHelper }) => {
    expect(viaHelper.leaked).toBe(0);
  });

  it("twin: snarkjs's wtns.calculate into a file rejects with circom's message too", ({ viaSnarkjsFile }) => {
    expect(viaSnarkjsFile.message).toMatch(CIRCOM_MESSAGE);
  });

  it("twin: snarkjs's wtns.calculate into a file prints the runtime's ERROR line", ({ viaSnarkjsFile }) => {
    expect(viaSnarkjsFile.stderr).toMatch(/ERROR: +4 Error in template Multiplier/);
  });

  it("twin: snarkjs's wtns.calculate into a file warns DEP0137", ({ viaSnarkjsFile }) => {
    expect(viaSnarkjsFile.stderr).toContain("DEP0137");
  });

  it("twin: snarkjs's wtns.calculate into a file leaks its descriptor", ({ viaSnarkjsFile }) => {
    expect(viaSnarkjsFile.leaked).toBeGreaterThan(0);
  });

  it("a satisfied witness is the bytes snarkjs writes to a file", ({ satisfied }) => {
    expect(Buffer.from(satisfied.mem).equals(satisfied.file)).toBe(true);
  });

  it("a satisfied witness satisfies the r1cs", async ({ circuit, satisfied }) => {
    const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    expect(await snarkjs.wtns.check(circuit.r1cs, { type: "mem", data: satisfied.mem }, silent)).toBe(true);
  });

  it("of two concurrent calls, the refused one rejects with circom's message", ({ concurrent }) => {
    const r = concurrent.refused;
    expect(r.status === "rejected" && String(r.reason.message)).toMatch(CIRCOM_MESSAGE);
  });

  it("of two concurrent calls, the satisfied one is fulfilled", ({ concurrent }) => {
    expect(concurrent.satisfied.status).toBe("fulfilled");
  });

  it("during concurrent calls only the runtime's report is held back from console.error", ({
    concurrent,
  }) => {
    expect(concurrent.calls).toEqual([["another module's error"]]);
  });

  it("after concurrent calls console.error is restored (to what it was when they started)", ({
    concurrent,
  }) => {
    expect(concurrent.restored).toBe(true);
  });
});
