/**
 * The error model (docs/ARCHITECTURE.md, "Errors"; verifier-api/web/errors.js): the libraries throw a
 * CodedError for input and business rules, and keep `TypeError` / `RangeError` for programmer errors, each
 * such site listed here with its reason; every Error subclass of a library is a CodedError or an edge's own
 * (listed with its reason); no code decides by an error's name; the small validators live in errors.js only;
 * the three edge tables map every code. Read from the sources as text.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/index.ts";
import {
  CodedError,
  ERROR_CODES,
  fromWire,
  invalid,
  requireField,
  requireUint,
  toWire,
  within,
} from "../../verifier-api/web/errors.js";
import { CODE_EXIT } from "../../cli/io.ts";
import { CODE_PROBLEM } from "../../verifier-api/http/errors.ts";
import { JOB_FAILURE } from "../../verifier-api/jobs/runner.ts";

/** The library folders (and the command line, an edge that is also code of its own). */
const SOURCES = ["prover", "pipeline", "analytics", "verifier-api", "sdk", "deploy", "ceremony", "cli"];

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === "node_modules" || name === "out" || name.startsWith(".")) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(name) && !name.endsWith(".d.ts")) out.push(relative(REPO_ROOT, path));
    }
  };
  for (const s of SOURCES) walk(join(REPO_ROOT, s));
  return out.sort();
}

/**
 * Programmer errors: a caller broke a function's contract in code (no user value reaches these), so they stay
 * TypeError / RangeError and reach users as internal errors with their stack. file → [text at the site, reason].
 */
const PROGRAMMER_ERRORS: [string, string, string][] = [
  ["cli/preflight.ts", "signer: not connected", "the CLI passes a signer it connected itself"],
  ["deploy/index.ts", "signer: expected a signer", "callers pass a connected signer (code, not input)"],
  [
    "deploy/index.ts",
    "originatorRegistry: expected",
    "callers pass a contract connected to the right signer",
  ],
  ["deploy/index.ts", "providerRegistry: expected", "callers pass a contract connected to the right signer"],
  ["prover/commitment/poseidon.ts", "Poseidon takes 1..16 inputs", "the arity is fixed by the calling code"],
  [
    "verifier-api/groth16-check.ts",
    "a scalar does not fit its bytes",
    "its scalars are public signals the checker parsed below r and its own 128-bit randomisers: a wider one is a bug",
  ],
  [
    "prover/commitment/poseidon.ts",
    "is not a field element",
    "callers hash values they checked (requireField)",
  ],
  ["prover/scores/index.ts", "digest: ", "the digest's levels are built by the code above it"],
  ["analytics/prng.ts", "seed must be", "simulation parameters are checked first (checkSimulationParams)"],
  ["analytics/prng.ts", "state must hold 4 words", "the generator's state is made by seedState"],
  ["ceremony/bn128.ts", "inverse of zero", "field arithmetic invariant"],
  ["ceremony/bn128.ts", "tau lies on the evaluation domain", "a random draw to repeat, not an input"],
  [
    "verifier-api/crypto.ts",
    "key: expected 32 bytes",
    "the configuration decodes the key first (ConfigError)",
  ],
  ["verifier-api/storage/sqlite.ts", "insertScoreProofs", "the job handler passes the proofs of one job"],
  ["verifier-api/storage/postgres.ts", "insertScoreProofs", "the job handler passes the proofs of one job"],
  [
    "verifier-api/storage/migrations.ts",
    "migration: unknown type",
    "the migrations are code of this repository",
  ],
  ["verifier-api/web/pool-codec.js", "pool word: no field", "the field name is written in the calling code"],
];

/** Error subclasses that are not CodedErrors: each belongs to an edge or to the machinery, with its reason. */
const OTHER_ERRORS: [string, string, string][] = [
  ["cli/io.ts", "CliError", "the command line's own usage errors, with their exit code"],
  ["verifier-api/http/errors.ts", "ApiError", "the HTTP edge's problem of a kind"],
  ["verifier-api/jobs/runner.ts", "PermanentJobError", "the job edge's refusal of a stored job's state"],
  ["verifier-api/attest-runner.ts", "AttestWorkerError", "an uncoded failure from a job worker, stack kept"],
  [
    "verifier-api/worker-pool.ts",
    "QueueFullError",
    "load shedding: the service is busy, not the input wrong",
  ],
  ["prover/prove/pool.ts", "ProofAbortedError", "a cancelled proof (lost lease, shutdown)"],
  ["prover/tape/xml.ts", "XmlSyntaxError", "internal to the XML reader, turned into tape problems there"],
];

const THROW = /new (TypeError|RangeError)\(/g;

describe("the error model", () => {
  const files = sourceFiles();
  const text = new Map(files.map((f) => [f, readFileSync(join(REPO_ROOT, f), "utf8")]));

  it("no library throws a TypeError or RangeError for input or a rule: only the listed programmer errors", () => {
    expect(files.length).toBeGreaterThan(150);
    const unlisted: string[] = [];
    const used = new Set<number>();
    for (const [file, src] of text) {
      for (const m of src.matchAll(THROW)) {
        const site = src.slice(m.index, src.indexOf("\n", m.index + 1 + m[0].length + 80));
        const i = PROGRAMMER_ERRORS.findIndex(([f, at]) => f === file && site.includes(at));
        if (i < 0)
          unlisted.push(`${file}:${src.slice(0, m.index).split("\n").length}: ${site.split("\n")[0]}`);
        else used.add(i);
      }
    }
    expect(unlisted).toEqual([]);
    // every listed site still exists (a stale entry would let a new site with the same text through)
    expect(PROGRAMMER_ERRORS.filter((_e, i) => !used.has(i))).toEqual([]);
    for (const [, , reason] of PROGRAMMER_ERRORS) expect(reason.length).toBeGreaterThan(10);
  });

  it("every Error subclass of a library is a CodedError, or an edge's own error listed with its reason", () => {
    const others: string[] = [];
    for (const [file, src] of text)
      for (const m of src.matchAll(/class (\w+) extends Error\b/g)) {
        if (file === "verifier-api/web/errors.js" && m[1] === "CodedError") continue;
        if (!OTHER_ERRORS.some(([f, name]) => f === file && name === m[1])) others.push(`${file}: ${m[1]}`);
      }
    expect(others).toEqual([]);
    for (const [file, name] of OTHER_ERRORS)
      expect(text.get(file)).toMatch(new RegExp(`class ${name} extends Error`));
  });

  it("no code decides by an error's name: the code travels instead", () => {
    const byName: string[] = [];
    for (const [file, src] of text)
      if (/\.name === "(TypeError|RangeError)"|instanceof (TypeError|RangeError)|originalName\)/.test(src))
        byName.push(file);
    expect(byName).toEqual([]);
  });

  it("the small validators are declared once, in errors.js", () => {
    const again: string[] = [];
    const names = "uint|field|checkInt|checkField|fits|toBig|isObject|requireUint|requireField|parseUint";
    for (const [file, src] of text)
      for (const m of src.matchAll(new RegExp(`^(?:export )?function (${names})\\(`, "gm")))
        if (file !== "verifier-api/web/errors.js") again.push(`${file}: ${m[1]}`);
    expect(again).toEqual([]);
  });

  it("each edge's table maps every code, and only codes", () => {
    const codes = Object.keys(ERROR_CODES).sort();
    expect(Object.keys(CODE_EXIT).sort()).toEqual(codes);
    expect(Object.keys(CODE_PROBLEM).sort()).toEqual(codes);
    expect(Object.keys(JOB_FAILURE).sort()).toEqual(codes);
  });

  it("the named checks give one message format and one problem shape", () => {
    const e = (f: () => unknown): CodedError => {
      try {
        f();
      } catch (err) {
        return err as CodedError;
      }
      throw new Error("did not throw");
    };
    const u = e(() => requireUint("chunkIndex", -1, 65535));
    expect(u).toBeInstanceOf(CodedError);
    expect(u.code).toBe("invalid-input");
    expect(u.message).toBe("chunkIndex: expected an integer in [0, 65535], got -1");
    expect(u.problems).toEqual([
      { field: "chunkIndex", value: "-1", reason: "expected an integer in [0, 65535], got -1" },
    ]);
    expect(e(() => requireField("publicKey[0]", 1n << 254n)).message).toMatch(
      /^publicKey\[0\]: expected a field element, got \d+$/,
    );
    expect(requireField("x", 5n)).toBe(5n);
    expect(requireUint("x", 7, 7)).toBe(7);
    // a problem found inside a larger value names its place (and row)
    const inner = within("tape.loans[2].", invalid("loanId", "duplicate"), 3) as CodedError;
    expect(inner.message).toBe("tape.loans[2].loanId: duplicate");
    expect(inner.problems).toEqual([{ field: "tape.loans[2].loanId", reason: "duplicate", row: 3 }]);
    // a programmer error passes through `within` as it is
    const bug = new TypeError("x is not a function");
    expect(within("tape.", bug)).toBe(bug);
  });

  it("an error crosses a process boundary with its code and problems; an uncoded one with its name and stack", () => {
    const coded = structuredClone(toWire(invalid("policy.minCreditScore", "expected an integer", 1.5)));
    const back = fromWire(coded);
    expect(back).toBeInstanceOf(CodedError);
    expect((back as CodedError).code).toBe("invalid-input");
    expect((back as CodedError).problems).toEqual([
      { field: "policy.minCreditScore", value: "1.5", reason: "expected an integer" },
    ]);
    const bug = fromWire(structuredClone(toWire(new TypeError("cannot read properties of undefined"))));
    expect(bug).not.toBeInstanceOf(CodedError);
    expect(bug.name).toBe("TypeError");
    expect(bug.stack).toContain("errors.test.ts");
  });
});
