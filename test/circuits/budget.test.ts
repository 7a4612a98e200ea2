/**
 * The constraint budget of issue 3: at most 800 constraints per loan for PoolAttestation(256) compiled with
 * --O2. Compile only (cached under build/test-circuits by source hash); reads the r1cs header.
 * An uncached compile takes 60 s (idle 2-core machine) to 125 s (shared) and about 0.9 GB.
 */
import { describe, expect, it } from "vitest";
import { compileCircuit } from "./helpers.ts";

const PUBLIC = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"];
const NAIVE_PUBLIC = [
  "root",
  "totalBalance",
  "delinquentBalance",
  "Ax",
  "Ay",
  "maxDelinquencyBps",
  "minPoolBalance",
];

describe("PoolAttestation constraint budget", () => {
  it("PoolAttestation(256) costs at most 800 constraints per loan", { timeout: 900_000 }, async () => {
    const c = await compileCircuit("circuits/pool/pool_attestation.circom", "PoolAttestation", [256], PUBLIC);
    const perLoan = c.header.nConstraints / 256;
    console.log(
      `PoolAttestation(256): ${c.header.nConstraints} constraints, ${perLoan.toFixed(1)} per loan` +
        (c.compileSeconds > 0 ? `, compiled in ${c.compileSeconds.toFixed(1)} s` : " (cached compile)"),
    );
    expect(c.header.nPubIn).toBe(PUBLIC.length);
    expect(perLoan).toBeLessThanOrEqual(800);
  });

  it(
    "the naive baseline of issue 3 compiles with its 7 public inputs and its naive cost",
    { timeout: 300_000 },
    async () => {
      const naive = await compileCircuit(
        "circuits/baseline/naive_pool.circom",
        "NaivePool",
        [16],
        NAIVE_PUBLIC,
      );
      console.log(`NaivePool(16): ${naive.header.nConstraints} constraints`);
      expect(naive.header.nPubIn).toBe(7);
      // About 750 per loan plus the signature: the baseline the benchmarks compare against.
      expect(naive.header.nConstraints).toBeGreaterThan(16 * 700 + 4000);
    },
  );
});
