/**
 * Audit sampling: the rule gives the same indices in TypeScript (prover/audit-sample.ts) and in Solidity
 * (contracts/libraries/AuditSampling.sol); sampled openings are checked against the root and the attested
 * chunk figures (prover/audit-sample.ts), by the SDK and by `rwa-attest audit sample`, always over the loan
 * count the attestation commits; a tampered record or path and a figure the loan contradicts are named by
 * loan and field.
 */
import hre from "hardhat";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { commitTape, deriveSalts, openLoan, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { chunkFigures } from "../../prover/model/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { openingToJson } from "../../prover/audit.ts";
import { attestPool, attestationToJson } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { auditSample, checkAgainstFigures, sampleIndices } from "../../prover/audit-sample.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { deployContract } from "../../deploy/index.ts";

const CHUNK = 8;
const dir = mkdtempSync(join(tmpdir(), "rwa-audit-"));
let probe: Contract;
let tape: LoanTape;
let commitment: TapeCommitment;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "cli", "bin.js"), ...args],
      { cwd: dir, encoding: "utf8", timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  const { ethers } = await hre.network.connect();
  const [signer] = await ethers.getSigners();
  probe = await deployContract(signer!, "AuditSamplingProbe");
  tape = generateSyntheticTape({ seed: 8, loans: 20, poolId: 3n, asOfDate: 20_400 });
  commitment = await commitTape(tape, await deriveSalts(5n, tape), { chunkSize: CHUNK });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("audit sampling", () => {
  it("the same seed gives the same indices in TypeScript and in Solidity", async () => {
    const seeds = ["abc", "0x" + "9f".repeat(32), "audit 2026-11 é✓", "x".repeat(256)];
    const cases: [number, number][] = [
      [1, 1],
      [7, 20],
      [100, 5],
      [1000, 25],
      [0xffff_ffff, 3],
    ];
    for (const seed of seeds) {
      for (const [size, count] of cases) {
        const ts = sampleIndices(seed, size, count);
        const sol = (await probe.getFunction("sampleIndices")(
          Buffer.from(seed, "utf8"),
          size,
          count,
        )) as bigint[];
        expect(sol.map(Number), `${seed} ${size} ${count}`).toEqual(ts);
      }
    }
    expect(sampleIndices("abc", 7, 20)).toHaveLength(7);
    expect(sampleIndices("abc", 100, 5)).not.toEqual(sampleIndices("abd", 100, 5));
    await expect(probe.getFunction("sampleIndices")("0x", 10, 1)).rejects.toThrow();
  });

  it("checks openings against the root and the chunk figures; names a tampered record, path and contradicted figure", async () => {
    const seed = "0x" + "17".repeat(32);
    const indices = sampleIndices(seed, tape.loans.length, 6);
    const openings = indices.map((i) => openLoan(commitment, i));
    const figures = [0, 1, 2].map((c) =>
      chunkFigures(tape.loans.slice(c * CHUNK, c * CHUNK + CHUNK), TEST_POLICY),
    );
    const args = {
      seed,
      loanCount: tape.loans.length,
      count: 6,
      root: commitment.root,
      figures: { chunkSize: CHUNK, chunks: figures },
    };
    expect((await auditSample({ ...args, openings })).findings).toEqual([]);

    const tampered = structuredClone(openings);
    tampered[1]!.record.creditScore = tampered[1]!.record.creditScore === 900 ? 901 : 900;
    tampered[3]!.siblings[2]![4] = tampered[3]!.siblings[2]![4]! + 1n;
    const found = (await auditSample({ ...args, openings: tampered })).findings;
    expect(found.map((f) => [f.index, f.field])).toEqual([
      [indices[1], "record"],
      [indices[3], "record"],
    ]);
    // a figure the sampled loan contradicts
    const active = openings.find((o) => [0, 1, 2].includes(o.record.status))!;
    const chunk = Math.floor(active.index / CHUNK);
    const lied = figures.map((f, c) => (c === chunk ? { ...f, minScore: active.record.creditScore + 1 } : f));
    const expected = openings
      .filter(
        (o) =>
          Math.floor(o.index / CHUNK) === chunk &&
          [0, 1, 2].includes(o.record.status) &&
          o.record.creditScore <= active.record.creditScore,
      )
      .map((o) => [o.index, "creditScore"]);
    expect(expected).toContainEqual([active.index, "creditScore"]);
    expect(checkAgainstFigures(openings, lied, CHUNK).map((f) => [f.index, f.field])).toEqual(expected);
    // a missing opening is a finding
    expect((await auditSample({ ...args, openings: openings.slice(0, 5) })).findings).toEqual([
      expect.objectContaining({ index: indices[5], field: "opening" }),
    ]);
  });

  it("rwa-attest audit sample: over the attestation's committed loan count only; a passing audit (exit 0) and a tampered opening (exit 1, named)", async () => {
    // A real attestation (pool-attestation-8, three chunk proofs) of the 20-loan tape.
    const key = await generateOriginatorKey();
    const { attestation } = await attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: 31337n,
      registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      instance: "pool-attestation-8",
      commitment,
    });
    expect(attestation.loanCount).toBe(20);
    writeFileSync(join(dir, "att.json"), attestationToJson(attestation));
    const seed = "block-0xabc";
    const sample = (...more: string[]) =>
      cli("audit", "sample", "--seed", seed, "--attestation", "att.json", ...more);
    const r = await sample("--count", "4", "--json");
    expect(r.code, r.stderr).toBe(0);
    const indices = sampleIndices(seed, 20, 4);
    expect(JSON.parse(r.stdout)).toMatchObject({ size: 20, indices });
    // The attack: the loans at the end of the tape (16..19 here) are never sampled over a smaller
    // declared size. A --size that is not the committed count is refused, naming both; over the committed
    // count every loan can be drawn.
    const small = await sample("--size", "16", "--count", "20");
    expect(small.code).toBe(2);
    expect(small.stderr).toContain("--size 16 is not the loan count the attestation commits (20)");
    expect(sampleIndices(seed, 16, 20).some((i) => i >= 16)).toBe(false);
    const all = await sample("--size", "20", "--count", "20", "--json");
    expect(all.code, all.stderr).toBe(0);
    expect([...(JSON.parse(all.stdout) as { indices: number[] }).indices].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    // No attestation, no sample: a bare --size is not a committed count.
    const bare = await cli("audit", "sample", "--seed", seed, "--size", "20");
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("--attestation");

    const openings = indices.map((i) => openingToJson(openLoan(commitment, i)));
    writeFileSync(join(dir, "open.json"), JSON.stringify({ openings }));
    const ok = await sample("--count", "4", "--openings", "open.json");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("every opening checks out");
    openings[2]!.record.outstandingBalance = String(BigInt(openings[2]!.record.outstandingBalance!) + 1n);
    writeFileSync(join(dir, "bad.json"), JSON.stringify(openings));
    const bad = await sample("--count", "4", "--openings", "bad.json");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`loan ${indices[2]} (${tape.loans[indices[2]!]!.loanId}) record`);
    expect((await sample("--size", "0")).code).toBe(2);
    // An attestation whose proofs do not verify is refused before anything is sampled.
    const forged = JSON.parse(attestationToJson(attestation)) as { chunks: { publicSignals: string[] }[] };
    forged.chunks[0]!.publicSignals[1] = (
      BigInt(forged.chunks[0]!.publicSignals[1]!) +
      (1n << 144n)
    ).toString();
    writeFileSync(join(dir, "forged.json"), JSON.stringify(forged));
    const refused = await cli("audit", "sample", "--seed", seed, "--attestation", "forged.json");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the proof does not verify");
  }, 900_000);
});
