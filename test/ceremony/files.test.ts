/**
 * Ceremony files reach snarkjs in memory (ceremony/files.ts): a file snarkjs refuses leaves no descriptor open,
 * so nothing is closed at garbage collection (Node's DEP0137). The twin hands snarkjs the same file by path and
 * sees the leak, so the test can fail.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";

let dir = "";
let bad = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ceremony-files-"));
  bad = join(dir, "not-a.ptau");
  // The "ptau" magic and version, then a section table that points past the end of the file.
  const bytes = Buffer.alloc(64, 0xab);
  bytes.write("ptau", 0, "ascii");
  bytes.writeUInt32LE(1, 4);
  bytes.writeUInt32LE(3, 8);
  writeFileSync(bad, bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Verifies `bad` in a fresh process, counting its open descriptors around the call, then collects garbage. */
function refusedInChild(mode: "ceremony" | "snarkjs-path"): {
  refused: boolean;
  leaked: number;
  stderr: string;
} {
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

describe("ceremony files reach snarkjs in memory", () => {
  it("a refused ptau leaves no descriptor open and prints no DEP0137", () => {
    const r = refusedInChild("ceremony");
    expect(r.refused).toBe(true);
    expect(r.leaked).toBe(0);
    expect(r.stderr).not.toMatch(/DEP0137|Closing file descriptor/);
  });

  it("twin: the same file given to snarkjs by path leaks its descriptor, closed at GC with DEP0137", () => {
    const r = refusedInChild("snarkjs-path");
    expect(r.refused).toBe(true);
    expect(r.leaked).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/Closing file descriptor \d+ on garbage collection/);
  });
});
