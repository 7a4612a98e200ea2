/**
 * Auditor tools never trust a summary (#12 item 6) and say when keys are development keys (item 5), through
 * the real `rwa-attest` executable: a two-chunk attestation of pool-attestation-8 is made with `prove`,
 * then edited the way a forger would (each summary figure, each breach bit, the policy parameters, the key
 * it names, the proofs themselves); `verify-attestation` without `--policy`, `analyze --attestation` and
 * `audit sample --attestation` must exit 1 naming the field and both values, and accept the untouched file with the development-key
 * warning in the verdict.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { parseAttestation, verifyAttestation } from "../../prover/attest.ts";

const INSTANCE = "pool-attestation-8";
/** The instance a pool of more than one chunk of INSTANCE is proven with (the committed path, with its aggregation). */
const COMMITTED_INSTANCE = "pool-chunk-commitment-8";
const built = readManifest().instances[INSTANCE] !== undefined;
const dir = mkdtempSync(join(tmpdir(), "rwa-cli-tamper-"));
const BIN = join(REPO_ROOT, "cli", "bin.js");
const WARNING =
  "development keys: this proof proves nothing about the tape on a real chain (the development setup's " +
  "secret, kept on the machine that built the keys, proves any statement)";
/** Breach bits by number (docs/INTERFACES.md). */
const BIT_NAMES = [
  "minCreditScore",
  "maxDaysPastDue",
  "maxLtv",
  "bucket30",
  "bucket60",
  "bucket90",
  "concentration",
  "minPoolBalance",
];

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, encoding: "utf8", timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let original: string;
let n = 0;

/** Writes an edited copy of the attestation and returns its file name. */
function edited(change: (a: Json) => void): string {
  const a = JSON.parse(original);
  change(a);
  const name = `edited-${n++}.json`;
  writeFileSync(join(dir, name), JSON.stringify(a));
  return name;
}

/** Runs `verify-attestation --json` on an edited copy; expects exit 1 and returns the problems. */
async function refused(change: (a: Json) => void): Promise<string[]> {
  const r = await cli("verify-attestation", edited(change), "--json");
  expect(r.code, r.stderr).toBe(1);
  const out = JSON.parse(r.stdout) as { valid: boolean; problems: string[] };
  expect(out.valid).toBe(false);
  return out.problems;
}

/** Runs at most `limit` at a time (the machine is shared). */
async function inTurns<T>(items: T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
    }),
  );
}

beforeAll(async () => {
  if (!built) return;
  expect((await cli("keys", "generate", "--out", "k.json")).code).toBe(0);
  expect((await cli("tape", "generate", "--out", "t.json", "--loans", "12", "--seed", "11")).code).toBe(0);
  const p = await cli(
    "prove",
    "t.json",
    "--key",
    "k.json",
    "--registry",
    "0x" + "34".repeat(20),
    "--instance",
    INSTANCE,
    "--out",
    "att.json",
  );
  expect(p.code, p.stderr).toBe(0);
  original = readFileSync(join(dir, "att.json"), "utf8");
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built)("verify-attestation without --policy", () => {
  it("accepts the untouched two-chunk file, derives every figure, and warns of development keys", async () => {
    const att = JSON.parse(original);
    expect(att.chunkCount).toBe(2);
    // a pool of two chunks is proven on the committed path: its chunks name the commitment instance
    expect(att.instance).toBe(COMMITTED_INSTANCE);
    expect(att.verificationKey).toMatchObject({ development: true });
    expect(att.verificationKey.hash).toMatch(/^0x[0-9a-f]{64}$/);
    const j = await cli("verify-attestation", "att.json", "--json");
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out).toMatchObject({ valid: true, problems: [], warnings: [WARNING] });
    expect(out.key).toEqual({ instance: COMMITTED_INSTANCE, ...att.verificationKey });
    expect(out.figures).toEqual(att.figures);
    const text = await cli("verify-attestation", "att.json");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^valid attestation: pool \d+, period \d+, 2 chunks/);
    expect(text.stdout).toContain(`WARNING ${WARNING}`);
    expect(text.stdout).toContain(`verification key ${att.verificationKey.hash} (${COMMITTED_INSTANCE})`);
  });

  it("refuses each summary figure edited, naming the field and both values", async () => {
    const figures = JSON.parse(original).figures as Record<string, string | number>;
    const fields = Object.keys(figures);
    expect(fields).toHaveLength(13);
    const forged = (v: string | number): string | number =>
      typeof v === "number" ? v + 1 : String(BigInt(v) + 1n);
    const expected = (k: string): string =>
      `figures.${k}: the proofs say ${figures[k]}, the summary says ${forged(figures[k]!)}`;
    // one field at a time, through the prover's verifier (what the executable runs) ...
    for (const k of fields) {
      const a = JSON.parse(original);
      a.figures[k] = forged(a.figures[k]);
      const check = await verifyAttestation(parseAttestation(JSON.stringify(a)));
      expect(check.valid, k).toBe(false);
      expect(check.problems, k).toEqual([
        k === "breaches"
          ? expect.stringMatching(`^${expected(k).replace(/[()]/g, "\\$&")} \\(`)
          : expected(k),
      ]);
    }
    // ... and all of them in one file through the executable, each named
    const problems = await refused((a) => {
      for (const k of fields) a.figures[k] = forged(a.figures[k]);
    });
    expect(problems.map((p) => p.replace(/ \(bits that differ: .*\)$/, ""))).toEqual(fields.map(expected));
  }, 120_000);

  it("refuses each breach bit flipped, loan-level and pool-level alike, naming the bit", async () => {
    const breaches = JSON.parse(original).figures.breaches as number;
    await inTurns([0, 1, 2, 3, 4, 5, 6, 7], 2, async (bit) => {
      const problems = await refused((a) => (a.figures.breaches ^= 1 << bit));
      expect(problems, `bit ${bit}`).toEqual([
        `figures.breaches: the proofs say ${breaches}, the summary says ${breaches ^ (1 << bit)} (bits that differ: ${bit} ${BIT_NAMES[bit]})`,
      ]);
    });
  }, 240_000);

  it("refuses a summary field that is no figure of the proofs", async () => {
    expect(await refused((a) => (a.figures.recovered = "5"))).toEqual([
      "figures.recovered: not a figure of the proofs (the summary says 5)",
    ]);
  });

  it("checks the carried policy parameters against the proven policyHash instead of trusting them", async () => {
    // a forger who relaxes the concentration limit to hide bit 6 must change the parameters, which then
    // no longer hash to the policyHash the proofs carry
    const att = JSON.parse(original);
    const problems = await refused((a) => {
      a.policy.maxConcentrationBps = 10000;
      a.figures.breaches &= ~(1 << 6);
    });
    expect(problems[0]).toMatch(
      new RegExp(`^policy: the parameters hash to \\d+, the proofs are under policyHash ${att.policyHash}$`),
    );
    // without parameters the file still verifies: the aggregation proof computes every breach bit on the pool's
    // totals under the proven policyHash, so nothing has to be derived from the parameters
    const name = edited((a) => delete a.policy);
    expect((await cli("verify-attestation", name, "--json")).code).toBe(0);
    // given with --policy, the parameters are checked against the proven policyHash all the same
    writeFileSync(join(dir, "policy.json"), JSON.stringify(att.policy));
    expect((await cli("verify-attestation", name, "--policy", "policy.json")).code).toBe(0);
    writeFileSync(join(dir, "lax.json"), JSON.stringify({ ...att.policy, maxConcentrationBps: 10000 }));
    expect((await cli("verify-attestation", name, "--policy", "lax.json")).code).toBe(1);
  }, 120_000);

  it("refuses a file that names another verification key, or hides that its key is a development key", async () => {
    const att = JSON.parse(original);
    const other = "0x" + "ab".repeat(32);
    expect(await refused((a) => (a.verificationKey.hash = other))).toEqual([
      `verificationKey.hash: the attestation names ${other}, its proofs are checked against ${att.verificationKey.hash} (the key of ${COMMITTED_INSTANCE})`,
    ]);
    const hidden = await cli(
      "verify-attestation",
      edited((a) => (a.verificationKey.development = false)),
    );
    expect(hidden.code).toBe(1);
    expect(hidden.stdout).toContain(
      "verificationKey.development: the attestation says false, the build marks the key a development key",
    );
    expect(hidden.stdout).toContain(`WARNING ${WARNING}`);
    // and an auditor who wants production keys gets exit 1 on the untouched file
    const strict = await cli("verify-attestation", "att.json", "--require-production-keys");
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(`--require-production-keys: made with ${WARNING}`);
  }, 120_000);
});

describe.skipIf(!built)("analyze --attestation", () => {
  it("runs on the untouched file, on the figures derived from its proofs, with the warning on stderr", async () => {
    const r = await cli("analyze", "--attestation", "att.json", "--scenarios", "2000", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tranches).toHaveLength(3);
    expect(r.stderr).toContain(`WARNING ${WARNING}`);
  });

  it("refuses forged figures on valid proofs, naming the field and both values", async () => {
    const att = JSON.parse(original);
    const forged = String(BigInt(att.figures.outstanding) * 3n);
    const r = await cli(
      "analyze",
      "--attestation",
      edited((a) => (a.figures.outstanding = forged)),
      "--scenarios",
      "2000",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `figures.outstanding: the proofs say ${att.figures.outstanding}, the summary says ${forged}`,
    );
  });

  it("refuses a file whose proofs are all broken and whose figures are forged", async () => {
    const r = await cli(
      "analyze",
      "--attestation",
      edited((a) => {
        for (const c of a.chunks) c.proof.pi_a[0] = c.proof.pi_c[0];
        a.figures.outstanding = "999999999";
        a.figures.defaulted = "0";
      }),
      "--scenarios",
      "2000",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("chunk 0: the proof does not verify");
    expect(r.stderr).toContain("chunk 1: the proof does not verify");
  });
});

describe.skipIf(!built)("audit sample --attestation", () => {
  it("takes no root or chunk figures from a file whose proofs are broken or whose figures are forged", async () => {
    writeFileSync(join(dir, "openings.json"), "[]");
    const audit = (file: string) =>
      cli(
        "audit",
        "sample",
        "--seed",
        "s",
        "--size",
        "12",
        "--count",
        "2",
        "--openings",
        "openings.json",
        "--attestation",
        file,
      );
    const broken = await audit(
      edited((a) => {
        for (const c of a.chunks) c.publicSignals[0] = "1"; // another root
        a.root = "1";
      }),
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("chunk 0: the proof does not verify");
    const forged = await audit(edited((a) => (a.figures.minScore = 300)));
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/figures\.minScore: the proofs say \d+, the summary says 300/);
  });
});
