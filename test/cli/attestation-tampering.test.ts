/**
 * Auditor tools never trust a summary (#12 item 6) and say when keys are development keys (item 5), through
 * the real `rwa-attest` executable: a two-chunk attestation of pool-attestation-8 is made with `prove`,
 * then edited the way a forger would (each summary figure, each breach bit, the policy parameters, the key
 * it names, the proofs themselves); `verify-attestation` without `--policy`, `analyze --attestation` and
 * `audit sample --attestation` must exit 1 naming the field and both values, and accept the untouched file
 * with the development-key warning in the verdict.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them): the working directory with the attestation the executable made (`made`, which writes each
 * edited copy under a name of its own), the verdicts on the untouched file (`--json` and text), and the
 * verdicts on each breach bit flipped (run two at a time: the machine is shared).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { parseAttestation, verifyAttestation } from "../../prover/attest.ts";
import { runCli, type CliRun } from "../support/cli.ts";

const INSTANCE = "pool-attestation-8";
/** The instance a pool of more than one chunk of INSTANCE is proven with (the committed path, with its aggregation). */
const COMMITTED_INSTANCE = "pool-chunk-commitment-8";
const built = readManifest().instances[INSTANCE] !== undefined;
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A directory with the attestation `prove` made there (`att.json`). */
interface Made {
  dir: string;
  /** The attestation file's text, and parsed. */
  original: string;
  att: Json;
  cli(...args: string[]): Promise<CliRun>;
  /** Writes an edited copy of the attestation and returns its file name. */
  edited(change: (a: Json) => void): string;
}

/** `verify-attestation --json`'s answer on a file: the exit code, stderr, and the verdict (when JSON). */
interface Verdict extends CliRun {
  out: { valid: boolean; problems: string[] } | undefined;
}

async function verdict(m: Made, file: string): Promise<Verdict> {
  const r = await m.cli("verify-attestation", file, "--json");
  let out: Verdict["out"];
  try {
    out = JSON.parse(r.stdout) as Verdict["out"];
  } catch {
    out = undefined;
  }
  return { ...r, out };
}

/** Expects `verify-attestation --json` to have refused the file (exit 1, not valid); its problems. */
function refusedBy(v: Verdict): string[] {
  expect(v.code, v.stderr).toBe(1);
  expect(v.out?.valid).toBe(false);
  return v.out!.problems;
}

/** `verify-attestation --json` on an edited copy: expects a refusal and returns the problems. */
const refused = async (m: Made, change: (a: Json) => void): Promise<string[]> =>
  refusedBy(await verdict(m, m.edited(change)));

/** Runs at most `limit` at a time (the machine is shared). */
async function inTurns<T>(items: T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
    }),
  );
}

/** `audit sample --attestation <file>` with no openings. */
const audit = (m: Made, file: string): Promise<CliRun> =>
  m.cli(
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

const forged = (v: string | number): string | number =>
  typeof v === "number" ? v + 1 : String(BigInt(v) + 1n);
/** The problem a summary figure `k` edited with `forged` is refused with. */
const forgedProblem = (figures: Record<string, string | number>, k: string): string =>
  `figures.${k}: the proofs say ${figures[k]}, the summary says ${forged(figures[k]!)}`;

const it = test.extend<{
  made: Made;
  /** `verify-attestation att.json --json` on the untouched file: its run and parsed output. */
  json: { r: CliRun; out: Json };
  /** `verify-attestation att.json` (text) on the untouched file. */
  text: CliRun;
  /** `verify-attestation --json` on a copy with each breach bit flipped, by bit. */
  flipped: Map<number, Verdict>;
}>({
  made: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-cli-tamper-"));
      try {
        const cli = (...args: string[]) => runCli(dir, args, 180_000);
        for (const args of [
          ["keys", "generate", "--out", "k.json"],
          ["tape", "generate", "--out", "t.json", "--loans", "12", "--seed", "11"],
          ["prove", "t.json", "--key", "k.json", "--registry", "0x" + "34".repeat(20)].concat([
            "--instance",
            INSTANCE,
            "--out",
            "att.json",
          ]),
        ]) {
          const r = await cli(...args);
          if (r.code !== 0) throw new Error(`rwa-attest ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
        }
        const original = readFileSync(join(dir, "att.json"), "utf8");
        writeFileSync(join(dir, "openings.json"), "[]");
        let n = 0;
        await use({
          dir,
          original,
          att: JSON.parse(original),
          cli,
          edited(change) {
            const a = JSON.parse(original);
            change(a);
            const name = `edited-${n++}.json`;
            writeFileSync(join(dir, name), JSON.stringify(a));
            return name;
          },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  json: [
    async ({ made }, use) => {
      const r = await made.cli("verify-attestation", "att.json", "--json");
      await use({ r, out: r.code === 0 ? JSON.parse(r.stdout) : undefined });
    },
    { scope: "file" },
  ],
  text: [async ({ made }, use) => use(await made.cli("verify-attestation", "att.json")), { scope: "file" }],
  flipped: [
    async ({ made }, use) => {
      const out = new Map<number, Verdict>();
      await inTurns([0, 1, 2, 3, 4, 5, 6, 7], 2, async (bit) => {
        out.set(
          bit,
          await verdict(
            made,
            made.edited((a) => (a.figures.breaches ^= 1 << bit)),
          ),
        );
      });
      await use(out);
    },
    { scope: "file" },
  ],
});

describe.skipIf(!built)("the attestation prove made", () => {
  it("has two chunks", ({ made }) => {
    expect(made.att.chunkCount).toBe(2);
  });

  // a pool of two chunks is proven on the committed path: its chunks name the commitment instance
  it("names the commitment instance", ({ made }) => {
    expect(made.att.instance).toBe(COMMITTED_INSTANCE);
  });

  it("names its verification key by hash, marked a development key", ({ made }) => {
    expect(made.att.verificationKey).toMatchObject({ development: true });
    expect(made.att.verificationKey.hash).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe.skipIf(!built)("verify-attestation without --policy", () => {
  describe("on the untouched file", () => {
    it("accepts it as JSON, with no problems and the development-key warning", ({ json }) => {
      expect(json.r.code, json.r.stderr).toBe(0);
      expect(json.out).toMatchObject({ valid: true, problems: [], warnings: [WARNING] });
    });

    it("names the key it checked the proofs against", ({ made, json }) => {
      expect(json.out.key).toEqual({ instance: COMMITTED_INSTANCE, ...made.att.verificationKey });
    });

    it("derives every figure from the proofs", ({ made, json }) => {
      expect(json.out.figures).toEqual(made.att.figures);
    });

    it("accepts it as text, naming pool, period and two chunks", ({ text }) => {
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^valid attestation: pool \d+, period \d+, 2 chunks/);
    });

    it("warns of development keys in the text verdict", ({ text }) => {
      expect(text.stdout).toContain(`WARNING ${WARNING}`);
    });

    it("names the verification key and its instance in the text verdict", ({ made, text }) => {
      expect(text.stdout).toContain(
        `verification key ${made.att.verificationKey.hash} (${COMMITTED_INSTANCE})`,
      );
    });

    it("refuses it when the auditor requires production keys", async ({ made }) => {
      const strict = await made.cli("verify-attestation", "att.json", "--require-production-keys");
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain(`--require-production-keys: made with ${WARNING}`);
    });
  });

  describe("on summary figures edited", () => {
    it("the summary has 13 figures", ({ made }) => {
      expect(Object.keys(made.att.figures)).toHaveLength(13);
    });

    it("the prover's verifier (what the executable runs) refuses each figure edited alone, naming the field and both values", async ({
      made,
    }) => {
      const figures = made.att.figures as Record<string, string | number>;
      for (const k of Object.keys(figures)) {
        const a = JSON.parse(made.original);
        a.figures[k] = forged(a.figures[k]);
        const check = await verifyAttestation(parseAttestation(JSON.stringify(a)));
        expect(check.valid, k).toBe(false);
        const expected = forgedProblem(figures, k);
        expect(check.problems, k).toEqual([
          k === "breaches" ? expect.stringMatching(`^${expected.replace(/[()]/g, "\\$&")} \\(`) : expected,
        ]);
      }
    });

    it("the executable refuses all of them edited in one file, naming each", async ({ made }) => {
      const figures = made.att.figures as Record<string, string | number>;
      const fields = Object.keys(figures);
      const problems = await refused(made, (a) => {
        for (const k of fields) a.figures[k] = forged(a.figures[k]);
      });
      expect(problems.map((p) => p.replace(/ \(bits that differ: .*\)$/, ""))).toEqual(
        fields.map((k) => forgedProblem(figures, k)),
      );
    });

    // loan-level and pool-level bits alike
    it.for([0, 1, 2, 3, 4, 5, 6, 7])(
      "refuses breach bit %i flipped, naming the bit",
      (bit, { made, flipped }) => {
        const breaches = made.att.figures.breaches as number;
        expect(refusedBy(flipped.get(bit)!), `bit ${bit}`).toEqual([
          `figures.breaches: the proofs say ${breaches}, the summary says ${breaches ^ (1 << bit)} (bits that differ: ${bit} ${BIT_NAMES[bit]})`,
        ]);
      },
    );

    it("refuses a summary field that is no figure of the proofs", async ({ made }) => {
      expect(await refused(made, (a) => (a.figures.recovered = "5"))).toEqual([
        "figures.recovered: not a figure of the proofs (the summary says 5)",
      ]);
    });
  });

  describe("on the policy parameters", () => {
    // a forger who relaxes the concentration limit to hide bit 6 must change the parameters, which then
    // no longer hash to the policyHash the proofs carry
    it("checks the carried parameters against the proven policyHash instead of trusting them", async ({
      made,
    }) => {
      const problems = await refused(made, (a) => {
        a.policy.maxConcentrationBps = 10000;
        a.figures.breaches &= ~(1 << 6);
      });
      expect(problems[0]).toMatch(
        new RegExp(
          `^policy: the parameters hash to \\d+, the proofs are under policyHash ${made.att.policyHash}$`,
        ),
      );
    });

    // the aggregation proof computes every breach bit on the pool's totals under the proven policyHash, so
    // nothing has to be derived from the parameters
    it("accepts a file without parameters", async ({ made }) => {
      const name = made.edited((a) => delete a.policy);
      expect((await made.cli("verify-attestation", name, "--json")).code).toBe(0);
    });

    it("accepts a file without parameters given the proven ones with --policy", async ({ made }) => {
      const name = made.edited((a) => delete a.policy);
      writeFileSync(join(made.dir, "policy.json"), JSON.stringify(made.att.policy));
      expect((await made.cli("verify-attestation", name, "--policy", "policy.json")).code).toBe(0);
    });

    it("refuses a file without parameters given other ones with --policy", async ({ made }) => {
      const name = made.edited((a) => delete a.policy);
      writeFileSync(
        join(made.dir, "lax.json"),
        JSON.stringify({ ...made.att.policy, maxConcentrationBps: 10000 }),
      );
      expect((await made.cli("verify-attestation", name, "--policy", "lax.json")).code).toBe(1);
    });
  });

  describe("on the verification key it names", () => {
    it("refuses a file that names another verification key", async ({ made }) => {
      const other = "0x" + "ab".repeat(32);
      expect(await refused(made, (a) => (a.verificationKey.hash = other))).toEqual([
        `verificationKey.hash: the attestation names ${other}, its proofs are checked against ${made.att.verificationKey.hash} (the key of ${COMMITTED_INSTANCE})`,
      ]);
    });

    it("refuses a file that hides that its key is a development key, and warns all the same", async ({
      made,
    }) => {
      const hidden = await made.cli(
        "verify-attestation",
        made.edited((a) => (a.verificationKey.development = false)),
      );
      expect(hidden.code).toBe(1);
      expect(hidden.stdout).toContain(
        "verificationKey.development: the attestation says false, the build marks the key a development key",
      );
      expect(hidden.stdout).toContain(`WARNING ${WARNING}`);
    });
  });
});

describe.skipIf(!built)("analyze --attestation", () => {
  it("runs on the untouched file, on the figures derived from its proofs", async ({ made }) => {
    const r = await made.cli("analyze", "--attestation", "att.json", "--scenarios", "2000", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tranches).toHaveLength(3);
    expect(r.stderr).toContain(`WARNING ${WARNING}`);
  });

  it("refuses forged figures on valid proofs, naming the field and both values", async ({ made }) => {
    const forgedOutstanding = String(BigInt(made.att.figures.outstanding) * 3n);
    const r = await made.cli(
      "analyze",
      "--attestation",
      made.edited((a) => (a.figures.outstanding = forgedOutstanding)),
      "--scenarios",
      "2000",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `figures.outstanding: the proofs say ${made.att.figures.outstanding}, the summary says ${forgedOutstanding}`,
    );
  });

  it("refuses a file whose proofs are all broken and whose figures are forged, naming each chunk", async ({
    made,
  }) => {
    const r = await made.cli(
      "analyze",
      "--attestation",
      made.edited((a) => {
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
  it("takes no root from a file whose proofs are broken", async ({ made }) => {
    const broken = await audit(
      made,
      made.edited((a) => {
        for (const c of a.chunks) c.publicSignals[0] = "1"; // another root
        a.root = "1";
      }),
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("chunk 0: the proof does not verify");
  });

  it("takes no chunk figures from a file whose figures are forged", async ({ made }) => {
    const forgedScore = await audit(
      made,
      made.edited((a) => (a.figures.minScore = 300)),
    );
    expect(forgedScore.code).toBe(1);
    expect(forgedScore.stderr).toMatch(/figures\.minScore: the proofs say \d+, the summary says 300/);
  });
});
