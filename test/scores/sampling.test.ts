/**
 * Audit sampling: the rule gives the same indices in TypeScript (prover/audit-sample.ts) and in Solidity
 * (contracts/libraries/AuditSampling.sol); sampled openings are checked against the root and the attested
 * chunk figures (prover/audit-sample.ts), by the SDK and by `rwa-attest audit sample`, always over the loan
 * count the attestation commits; a tampered record or path and a figure the loan contradicts are named by
 * loan and field.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file and changed by
 * no test: the sampling probe contract, the 20-loan tape and its commitment, a sample of its openings with the
 * chunk figures, a real attestation of the tape, a working directory (removed after the file), and the result
 * of each `rwa-attest audit sample` run (a CLI process each, run once, read by the claims about it).
 */
import hre from "hardhat";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import { commitTape, deriveSalts, openLoan, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { chunkFigures } from "../../prover/model/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { openingToJson } from "../../prover/audit.ts";
import { attestPool, attestationToJson, type Attestation } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { auditSample, checkAgainstFigures, sampleIndices } from "../../prover/audit-sample.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { deployContract } from "../../deploy/index.ts";

const CHUNK = 8;
const SEEDS = ["abc", "0x" + "9f".repeat(32), "audit 2026-11 é✓", "x".repeat(256)];
const CASES: [number, number][] = [
  [1, 1],
  [7, 20],
  [100, 5],
  [1000, 25],
  [0xffff_ffff, 3],
];
/** The seed of the CLI's samples. */
const CLI_SEED = "block-0xabc";

type Run = { code: number; stdout: string; stderr: string };

function cli(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "cli", "bin.js"), ...args],
      { cwd: dir, encoding: "utf8", timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}
/** `rwa-attest audit sample` with the CLI seed over att.json (the attestation), and more arguments. */
const sample = (dir: string, ...more: string[]) =>
  cli(dir, "audit", "sample", "--seed", CLI_SEED, "--attestation", "att.json", ...more);

/** A fixture made once per file that runs the CLI in the working directory with the attestation written. */
const run = (
  f: (dir: string) => Promise<Run>,
): [
  ({ attested }: { attested: string }, use: (v: Run) => Promise<void>) => Promise<void>,
  { scope: "file" },
] => [async ({ attested }, use) => use(await f(attested)), { scope: "file" }];

type Opening = ReturnType<typeof openLoan>;
type Args = Omit<Parameters<typeof auditSample>[0], "openings">;

const it = test.extend<{
  probe: Contract;
  /** Pool 3's 20-loan tape and its commitment (chunks of 8). */
  pool: { tape: LoanTape; commitment: TapeCommitment };
  /** Six sampled openings of the tape, the chunk figures, and the audit's other arguments. */
  sampled: { indices: number[]; openings: Opening[]; figures: ReturnType<typeof chunkFigures>[]; args: Args };
  /** A working directory, removed after the file. */
  dir: string;
  /** A real attestation (pool-attestation-8, three chunk proofs) of the tape. */
  attestation: Attestation;
  /** `dir` with the attestation written to att.json. */
  attested: string;
  /** The CLI's samples: 4 as JSON; 20 over a declared size of 16; 20 over 20 as JSON; without the attestation. */
  four: Run;
  small: Run;
  all: Run;
  bare: Run;
  /** The CLI checking the openings of its 4 sampled loans; with one record changed; with --size 0. */
  ok: Run;
  bad: Run;
  sizeZero: Run;
  /** The CLI over an attestation whose first chunk's pool word was changed (its proof does not verify). */
  forged: Run;
}>({
  probe: [
    async ({}, use: (probe: Contract) => Promise<void>) => {
      const { ethers } = await hre.network.connect();
      const [signer] = await ethers.getSigners();
      await use(await deployContract(signer!, "AuditSamplingProbe"));
    },
    { scope: "file" },
  ],
  pool: [
    async ({}, use) => {
      const tape = generateSyntheticTape({ seed: 8, loans: 20, poolId: 3n, asOfDate: 20_400 });
      await use({
        tape,
        commitment: await commitTape(tape, await deriveSalts(5n, tape), { chunkSize: CHUNK }),
      });
    },
    { scope: "file" },
  ],
  sampled: [
    async ({ pool: { tape, commitment } }, use) => {
      const seed = "0x" + "17".repeat(32);
      const indices = sampleIndices(seed, tape.loans.length, 6);
      const figures = [0, 1, 2].map((c) =>
        chunkFigures(tape.loans.slice(c * CHUNK, c * CHUNK + CHUNK), TEST_POLICY),
      );
      await use({
        indices,
        openings: indices.map((i) => openLoan(commitment, i)),
        figures,
        args: {
          seed,
          loanCount: tape.loans.length,
          count: 6,
          root: commitment.root,
          figures: { chunkSize: CHUNK, chunks: figures },
        },
      });
    },
    { scope: "file" },
  ],
  dir: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-audit-"));
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  attestation: [
    async ({ pool: { tape, commitment } }, use) => {
      const { attestation } = await attestPool({
        tape,
        policy: TEST_POLICY,
        key: await generateOriginatorKey(),
        chainId: 31337n,
        registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        instance: "pool-attestation-8",
        commitment,
      });
      await use(attestation);
    },
    { scope: "file" },
  ],
  attested: [
    async ({ dir, attestation }, use) => {
      writeFileSync(join(dir, "att.json"), attestationToJson(attestation));
      await use(dir);
    },
    { scope: "file" },
  ],
  four: run((dir) => sample(dir, "--count", "4", "--json")),
  small: run((dir) => sample(dir, "--size", "16", "--count", "20")),
  all: run((dir) => sample(dir, "--size", "20", "--count", "20", "--json")),
  bare: run((dir) => cli(dir, "audit", "sample", "--seed", CLI_SEED, "--size", "20")),
  ok: [
    async ({ attested: dir, pool: { commitment } }, use) => {
      const openings = sampleIndices(CLI_SEED, 20, 4).map((i) => openingToJson(openLoan(commitment, i)));
      writeFileSync(join(dir, "open.json"), JSON.stringify({ openings }));
      await use(await sample(dir, "--count", "4", "--openings", "open.json"));
    },
    { scope: "file" },
  ],
  bad: [
    async ({ attested: dir, pool: { commitment } }, use) => {
      const openings = sampleIndices(CLI_SEED, 20, 4).map((i) => openingToJson(openLoan(commitment, i)));
      openings[2]!.record.outstandingBalance = String(BigInt(openings[2]!.record.outstandingBalance!) + 1n);
      writeFileSync(join(dir, "bad.json"), JSON.stringify(openings));
      await use(await sample(dir, "--count", "4", "--openings", "bad.json"));
    },
    { scope: "file" },
  ],
  sizeZero: run((dir) => sample(dir, "--size", "0")),
  forged: [
    async ({ attested: dir, attestation }, use) => {
      const forged = JSON.parse(attestationToJson(attestation)) as { chunks: { publicSignals: string[] }[] };
      forged.chunks[0]!.publicSignals[1] = (
        BigInt(forged.chunks[0]!.publicSignals[1]!) +
        (1n << 144n)
      ).toString();
      writeFileSync(join(dir, "forged.json"), JSON.stringify(forged));
      await use(await cli(dir, "audit", "sample", "--seed", CLI_SEED, "--attestation", "forged.json"));
    },
    { scope: "file" },
  ],
});

describe("audit sampling: the rule in TypeScript and in Solidity", () => {
  it.for(SEEDS.flatMap((seed) => CASES.map(([size, count]) => [seed, size, count] as const)))(
    "seed %j, size %i, count %i: the same indices in TypeScript and in Solidity",
    async ([seed, size, count], { probe }) => {
      const sol = (await probe.getFunction("sampleIndices")(
        Buffer.from(seed, "utf8"),
        size,
        count,
      )) as bigint[];
      expect(sol.map(Number)).toEqual(sampleIndices(seed, size, count));
    },
  );

  it("draws no more indices than the size", () => {
    expect(sampleIndices("abc", 7, 20)).toHaveLength(7);
  });

  it("another seed draws other indices", () => {
    expect(sampleIndices("abc", 100, 5)).not.toEqual(sampleIndices("abd", 100, 5));
  });

  it("Solidity refuses an empty seed", async ({ probe }) => {
    await expect(probe.getFunction("sampleIndices")("0x", 10, 1)).rejects.toThrow();
  });
});

describe("audit sampling: openings against the root and the chunk figures", () => {
  it("untampered openings of the sample have no findings", async ({ sampled: { openings, args } }) => {
    expect((await auditSample({ ...args, openings })).findings).toEqual([]);
  });

  it("a tampered record and a tampered path are each named by loan", async ({
    sampled: { indices, openings, args },
  }) => {
    const tampered = structuredClone(openings);
    tampered[1]!.record.creditScore = tampered[1]!.record.creditScore === 900 ? 901 : 900;
    tampered[3]!.siblings[2]![4] = tampered[3]!.siblings[2]![4]! + 1n;
    const found = (await auditSample({ ...args, openings: tampered })).findings;
    expect(found.map((f) => [f.index, f.field])).toEqual([
      [indices[1], "record"],
      [indices[3], "record"],
    ]);
  });

  describe("a figure a sampled loan contradicts (a chunk's minimum score above an active loan's score)", () => {
    const contradicted = (openings: Opening[], figures: ReturnType<typeof chunkFigures>[]) => {
      const active = openings.find((o) => [0, 1, 2].includes(o.record.status))!;
      const chunk = Math.floor(active.index / CHUNK);
      const lied = figures.map((f, c) =>
        c === chunk ? { ...f, minScore: active.record.creditScore + 1 } : f,
      );
      const expected = openings
        .filter(
          (o) =>
            Math.floor(o.index / CHUNK) === chunk &&
            [0, 1, 2].includes(o.record.status) &&
            o.record.creditScore <= active.record.creditScore,
        )
        .map((o) => [o.index, "creditScore"]);
      return { active, lied, expected };
    };

    it("is contradicted by that loan at least", ({ sampled: { openings, figures } }) => {
      const { active, expected } = contradicted(openings, figures);
      expect(expected).toContainEqual([active.index, "creditScore"]);
    });

    it("is named by every sampled loan of its chunk that contradicts it, with the field", ({
      sampled: { openings, figures },
    }) => {
      const { lied, expected } = contradicted(openings, figures);
      expect(checkAgainstFigures(openings, lied, CHUNK).map((f) => [f.index, f.field])).toEqual(expected);
    });
  });

  it("a missing opening is a finding", async ({ sampled: { indices, openings, args } }) => {
    expect((await auditSample({ ...args, openings: openings.slice(0, 5) })).findings).toEqual([
      expect.objectContaining({ index: indices[5], field: "opening" }),
    ]);
  });
});

describe("rwa-attest audit sample: over the attestation's committed loan count only", () => {
  it("the attestation commits the tape's 20 loans", ({ attestation }) => {
    expect(attestation.loanCount).toBe(20);
  });

  it("samples over an attestation (exit 0)", ({ four }) => {
    expect(four.code, four.stderr).toBe(0);
  });

  it("samples over the committed count, the indices of the rule", ({ four }) => {
    expect(JSON.parse(four.stdout)).toMatchObject({ size: 20, indices: sampleIndices(CLI_SEED, 20, 4) });
  });

  // The attack: the loans at the end of the tape (16..19 here) are never sampled over a smaller
  // declared size. A --size that is not the committed count is refused, naming both; over the committed
  // count every loan can be drawn.
  it("over a smaller size the loans at the end are never drawn (the attack)", () => {
    expect(sampleIndices(CLI_SEED, 16, 20).some((i) => i >= 16)).toBe(false);
  });

  it("refuses a --size that is not the committed count (exit 2)", ({ small }) => {
    expect(small.code).toBe(2);
  });

  it("the refusal names the declared size and the committed count", ({ small }) => {
    expect(small.stderr).toContain("--size 16 is not the loan count the attestation commits (20)");
  });

  it("accepts --size equal to the committed count (exit 0)", ({ all }) => {
    expect(all.code, all.stderr).toBe(0);
  });

  it("over the committed count every loan can be drawn", ({ all }) => {
    expect([...(JSON.parse(all.stdout) as { indices: number[] }).indices].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("no attestation, no sample: a bare --size is refused (exit 2)", ({ bare }) => {
    expect(bare.code).toBe(2);
  });

  it("the refusal of a bare --size asks for --attestation", ({ bare }) => {
    expect(bare.stderr).toContain("--attestation");
  });

  it("refuses --size 0 (exit 2)", ({ sizeZero }) => {
    expect(sizeZero.code).toBe(2);
  });
});

describe("rwa-attest audit sample: checking openings", () => {
  it("passes the sample's openings (exit 0)", ({ ok }) => {
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("says every opening checks out", ({ ok }) => {
    expect(ok.stdout).toContain("every opening checks out");
  });

  it("fails a tampered opening (exit 1)", ({ bad }) => {
    expect(bad.code).toBe(1);
  });

  it("names the tampered opening by index, loan id and field", ({ bad, pool: { tape } }) => {
    const i = sampleIndices(CLI_SEED, 20, 4)[2]!;
    expect(bad.stdout).toContain(`loan ${i} (${tape.loans[i]!.loanId}) record`);
  });

  it("refuses an attestation whose proofs do not verify before sampling (exit 1)", ({ forged }) => {
    expect(forged.code).toBe(1);
  });

  it("says the proof does not verify", ({ forged }) => {
    expect(forged.stderr).toContain("the proof does not verify");
  });
});
