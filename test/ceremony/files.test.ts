/**
 * Ceremony files reach snarkjs in memory (ceremony/files.ts): a file snarkjs refuses leaves no descriptor open,
 * so nothing is closed at garbage collection (Node's DEP0137). The twin hands snarkjs the same file by path and
 * sees the leak, so the test can fail.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the refused file in a temporary directory (removed afterwards), and what a fresh Node process
 * saw when it verified that file through ceremony/ and through snarkjs by path.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";

/** What the child process saw: whether the file was refused, descriptors left open, its stderr. */
interface Refusal {
  refused: boolean;
  leaked: number;
  stderr: string;
}

/** Verifies `bad` in a fresh process, counting its open descriptors around the call, then collects garbage. */
function refusedInChild(bad: string, mode: "ceremony" | "snarkjs-path"): Refusal {
  const ceremony = pathToFileURL(join(REPO_ROOT, "ceremony", "index.ts")).href;
  const script = `
    import { readdirSync } from "node:fs";
    const ceremony = await import(${JSON.stringify(ceremony)});
    const snarkjs = await import("snarkjs");
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const path = ${JSON.stringify(bad)};
    const run = ${mode === "ceremony" ? "() => ceremony.ptauVerify(path)" : "() => snarkjs.powersOfTau.verify(path, quiet)"};
    const fds = () => readdirSync("/proc/self/fd").length;
    const before = fds();
    let refused = false;
    try { refused = (await run()) !== true; } catch { refused = true; }
    const leaked = fds() - before;
    for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    await ceremony.terminateCurve();
    process.stdout.write(JSON.stringify({ refused, leaked }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { ...(JSON.parse(r.stdout) as { refused: boolean; leaked: number }), stderr: r.stderr };
}

const it = test.extend<{
  /** A file with the "ptau" magic and version whose section table points past its end. */
  bad: string;
  /** The file verified through ceremony/ (in memory). */
  viaCeremony: Refusal;
  /** The file given to snarkjs by path. */
  viaPath: Refusal;
}>({
  bad: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "ceremony-files-"));
      const bad = join(dir, "not-a.ptau");
      // The "ptau" magic and version, then a section table that points past the end of the file.
      const bytes = Buffer.alloc(64, 0xab);
      bytes.write("ptau", 0, "ascii");
      bytes.writeUInt32LE(1, 4);
      bytes.writeUInt32LE(3, 8);
      writeFileSync(bad, bytes);
      await use(bad);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  viaCeremony: [async ({ bad }, use) => use(refusedInChild(bad, "ceremony")), { scope: "file" }],
  viaPath: [async ({ bad }, use) => use(refusedInChild(bad, "snarkjs-path")), { scope: "file" }],
});

describe("ceremony files reach snarkjs in memory", () => {
  it("ptauVerify refuses the malformed ptau", ({ viaCeremony }) => {
    expect(viaCeremony.refused).toBe(true);
  });

  it("the refused ptau leaves no descriptor open", ({ viaCeremony }) => {
    expect(viaCeremony.leaked).toBe(0);
  });

  it("the refused ptau prints no DEP0137 (no descriptor closed at garbage collection)", ({ viaCeremony }) => {
    expect(viaCeremony.stderr).not.toMatch(/DEP0137|Closing file descriptor/);
  });

  it("twin: snarkjs refuses the same file given by path", ({ viaPath }) => {
    expect(viaPath.refused).toBe(true);
  });

  it("twin: snarkjs given the file by path leaks its descriptor", ({ viaPath }) => {
    expect(viaPath.leaked).toBeGreaterThan(0);
  });

  it("twin: the leaked descriptor is closed at garbage collection with DEP0137", ({ viaPath }) => {
    expect(viaPath.stderr).toMatch(/Closing file descriptor \d+ on garbage collection/);
  });
});
