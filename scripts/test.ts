/**
 * `npm test`: the project's whole check, the same on a laptop and in CI.
 *
 *   1. types (`tsc --noEmit`), lint (eslint, solhint) and format (prettier --check)
 *   2. `npm run build` for the instances tests use (incremental: a no-op when nothing changed)
 *   3. every vitest suite (circuits, prover, contracts on Hardhat's in-process network, API, analytics)
 *
 * It ends with one plain line `tests: N passed, N failed[, N skipped]` and exits non-zero on any failure.
 * Arguments after `--` go to vitest (e.g. `npm test -- test/tape`), which also skips the static checks.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../pipeline/catalogue.ts";

const bin = (name: string): string => join(REPO_ROOT, "node_modules", ".bin", name);
const args = process.argv.slice(2);
const focused = args.length > 0;

function step(label: string, cmd: string, cmdArgs: string[]): boolean {
  const t0 = performance.now();
  process.stderr.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: REPO_ROOT, stdio: "inherit" });
  const ok = r.status === 0;
  process.stderr.write(
    `== ${label}: ${ok ? "ok" : "FAILED"} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  return ok;
}

const failures: string[] = [];
if (!focused) {
  if (!step("types", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"])) failures.push("types");
  if (!step("eslint", bin("eslint"), ["."])) failures.push("eslint");
  if (!step("prettier", bin("prettier"), ["--check", "--log-level", "warn", "."])) failures.push("prettier");
  if (!step("solhint", bin("solhint"), ["--max-warnings", "0", "contracts/**/*.sol"]))
    failures.push("solhint");
}
if (!step("build", process.execPath, [join(REPO_ROOT, "scripts", "build.ts"), "--use", "test"])) {
  failures.push("build");
  console.log("tests: 0 passed, 1 failed");
  process.exit(1);
}
mkdirSync(join(REPO_ROOT, "reports"), { recursive: true });
const report = join(REPO_ROOT, "reports", "vitest.json");
const vitestOk = step("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...args,
]);
if (!vitestOk) failures.push("vitest");

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
}
// A failed static check or a suite that failed to load counts as a failure too.
const extra = failures.filter((f) => f !== "vitest").length + (!vitestOk && failed === 0 ? 1 : 0);
if (failures.length) process.stderr.write(`\nfailed steps: ${failures.join(", ")}\n`);
console.log(`tests: ${passed} passed, ${failed + extra} failed, ${skipped} skipped`);
process.exit(failures.length ? 1 : 0);
