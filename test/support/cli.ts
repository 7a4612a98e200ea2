/**
 * Runs the real `rwa-attest` executable (cli/bin.js) in a directory, asynchronously (a blocking spawn would
 * stall the test runner's own messages), with its exit code, stdout and stderr.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../pipeline/index.ts";

export const CLI_BIN = join(REPO_ROOT, "cli", "bin.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  cwd: string,
  args: string[],
  timeout = 120_000,
  env: Record<string, string> = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd, encoding: "utf8", timeout, env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
