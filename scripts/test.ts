/**
 * `npm test`: the project's whole check, the same on a laptop and in CI.
 *
 *   1. types (`tsc --noEmit`), lint (eslint, solhint) and format (prettier --check)
 *   2. `npm run build` for the instances tests use (incremental: a no-op when nothing changed)
 *   3. every vitest suite (circuits, prover, contracts on Hardhat's in-process network, API, analytics)
 *   4. the Solidity property suite (`npx hardhat test solidity`, test/solidity, the CI-sized default profile;
 *      `--test-profile bench` is the benchmark-sized run, docs/BENCHMARKS.md)
 *
 * Lint and format look at the files git tracks (plus new files staged with `git add`), not at whatever a
 * user created in the clone (a tour's work folder, a downloaded loan file); outside a git clone they look
 * at everything their ignore files allow.
 *
 * It ends with one plain line `tests: N passed, N failed, N skipped` that counts tests only (vitest's and
 * the Solidity suite's); a failed step (types, lint, format, build, a suite that did not load) is named on its
 * own line just before, `failed steps: …`, and the exit code is non-zero on any failure.
 * Arguments after `--` go to vitest (e.g. `npm test -- test/tape`), which also skips the static checks and
 * the Solidity suite (`npm test -- test/solidity` runs only the Solidity suite).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../pipeline/catalogue.ts";

const bin = (name: string): string => join(REPO_ROOT, "node_modules", ".bin", name);

/** Files git tracks or has staged, or undefined outside a git clone (then the tools walk the tree). */
function trackedFiles(): string[] | undefined {
  const r = spawnSync("git", ["ls-files", "-z", "--cached"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return r.stdout.split("\0").filter((f) => f !== "" && existsSync(join(REPO_ROOT, f)));
}
const tracked = trackedFiles();
const lintable = tracked ? tracked.filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f)) : ["."];
const formattable = tracked ?? ["."];
const args = process.argv.slice(2);
const focused = args.length > 0;

/**
 * Runs one step between `== label` lines that give its time. Its output goes straight to the terminal, or,
 * with `judge`, is captured and handed to `judge`, which shows what it wants and says whether the step passed.
 */
function step(
  label: string,
  cmd: string,
  cmdArgs: string[],
  judge?: (output: string, status: number | null) => boolean,
): boolean {
  const t0 = performance.now();
  process.stderr.write(`\n== ${label}\n`);
  let ok: boolean;
  if (judge) {
    const r = spawnSync(cmd, cmdArgs, { cwd: REPO_ROOT, encoding: "utf8" });
    ok = judge(`${r.stdout ?? ""}${r.stderr ?? ""}`, r.status);
  } else {
    ok = spawnSync(cmd, cmdArgs, { cwd: REPO_ROOT, stdio: "inherit" }).status === 0;
  }
  process.stderr.write(
    `== ${label}: ${ok ? "ok" : "FAILED"} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  return ok;
}

const failures: string[] = [];
if (!focused) {
  if (!step("types", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"])) failures.push("types");
  if (!step("eslint", bin("eslint"), ["--no-warn-ignored", ...lintable])) failures.push("eslint");
  if (
    !step("prettier", bin("prettier"), ["--check", "--log-level", "warn", "--ignore-unknown", ...formattable])
  )
    failures.push("prettier");
  if (!step("solhint", bin("solhint"), ["--max-warnings", "0", "contracts/**/*.sol"]))
    failures.push("solhint");
}
if (!step("build", process.execPath, [join(REPO_ROOT, "scripts", "build.ts"), "--use", "test"])) {
  failures.push("build");
  process.stdout.write(`failed steps: ${failures.join(", ")}\n`);
  console.log("tests: 0 passed, 0 failed, 0 skipped");
  process.exit(1);
}
mkdirSync(join(REPO_ROOT, "reports"), { recursive: true });
const report = join(REPO_ROOT, "reports", "vitest.json");
const solidityOnly = args.length === 1 && args[0]!.replace(/\/$/, "") === "test/solidity";
const vitestOk =
  solidityOnly ||
  step("vitest", bin("vitest"), [
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
if (!solidityOnly && existsSync(report)) {
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
// The Solidity property suite: its own runner, its counts added to the total.
if (!focused || solidityOnly) {
  // Hardhat's CLI on this process's Node (its shebang would pick whatever `node` is first on PATH)
  const cli = join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
  const ok = step("solidity tests", process.execPath, [cli, "test", "solidity"], (out, status) => {
    process.stderr.write(
      out
        .split("\n")
        .filter((l) => !/^\s*(Warning|-->|\||\d+ \|)/.test(l))
        .join("\n"),
    );
    const count = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
    const solPassed = count(/(\d+) passing/);
    const solFailed = count(/(\d+) failing/);
    passed += solPassed;
    failed += solFailed;
    return status === 0 && solFailed === 0 && solPassed > 0;
  });
  if (!ok) failures.push("solidity");
}

// A failed static check, or a runner failing without a failed test (a suite that did not load), is a failed
// step: named on its own line, never added to the test counts.
const steps = failures.filter((f) => (f !== "vitest" && f !== "solidity") || failed === 0);
if (steps.length) process.stdout.write(`failed steps: ${steps.join(", ")}\n`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length ? 1 : 0);
