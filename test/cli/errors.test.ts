/**
 * The command line's error edge (docs/ARCHITECTURE.md, "Errors"): a library's coded error is the user's
 * (its exit code from `CODE_EXIT`, its message without a stack); anything else, a TypeError from a bug
 * included, is an internal error: exit 3, distinct from a usage error's 2, with its stack.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CODE_EXIT, CliError, EXIT, reportError } from "../../cli/io.ts";
import { CodedError, parseTapeJson, validatePolicy } from "../../prover/index.ts";
import { runCli, type CliRun } from "../support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "rwa-cli-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<CliRun> => runCli(dir, args);

/** What `reportError` writes and returns for `err`. */
function reported(err: unknown): { code: number; text: string } {
  const lines: string[] = [];
  const code = reportError(err, (l) => lines.push(l));
  return { code, text: lines.join("") };
}

/** The error `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("did not throw");
}

describe("the command line's error edge", () => {
  it("a TypeError from a bug is an internal error (exit 3, not the usage error's 2) with its stack", () => {
    const bug = thrown(() => (undefined as unknown as { run(): void }).run());
    expect(bug).toBeInstanceOf(TypeError);
    const r = reported(bug);
    expect(r.code).toBe(EXIT.internal);
    expect(EXIT.internal).not.toBe(EXIT.usage);
    expect(r.text).toMatch(/^rwa-attest: internal error: TypeError: .*\n\s+at /);
  });

  it("a library's coded input error ends with its table's exit code and its message, no stack", () => {
    const policy = thrown(() => validatePolicy({ minCreditScore: 2000 }));
    expect(policy).toBeInstanceOf(CodedError);
    const r = reported(policy);
    expect(r.code).toBe(CODE_EXIT["policy-invalid"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.text).toMatch(/^rwa-attest: policy\.minCreditScore: /);
    expect(r.text).not.toMatch(/\n\s+at /);
    // an invalid tape is a negative answer (exit 1), as `tape validate` gives it
    const tape = thrown(() => parseTapeJson('{"loans": []}'));
    expect((tape as CodedError).code).toBe("tape-invalid");
    expect(reported(tape).code).toBe(EXIT.negative);
    // the command line's own errors keep their exit code
    expect(reported(new CliError("give --out", EXIT.usage)).code).toBe(EXIT.usage);
  });

  it("the executable: an analysis input the analytics library refuses exits 2 with its field, no stack", async () => {
    const input = {
      loans: [{ exposure: 1000, pd: 0.02, lgd: 0.6 }],
      rho: 0.15,
      tranches: [{ name: "x", attachment: 0.5, detachment: 0.2 }],
      simulation: { scenarios: 1000, seed: 7 },
    };
    writeFileSync(join(dir, "analysis.json"), JSON.stringify(input));
    const r = await cli("analyze", "--input", "analysis.json");
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe("rwa-attest: tranches[0].detachment: must be in (attachment, 1]\n");
  });
});
