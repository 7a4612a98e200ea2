/**
 * The constraint budget of PoolAttestation(256) compiled with --O2, and the naive baseline the benchmarks
 * compare against. Issue 3's budget was 800 per loan (799.3 measured); issue 15 (item 5) added to the
 * statement each slot's identity and state word in the slot tree and the leaf's fourth input (wV), about 133
 * per loan, which is what lets the roll-forward read two periods' slots at 1,014 per loan instead of 2,764
 * (docs/CIRCUITS.md, "Cost"): the budget is 950 since, with the same headroom as before. Compile only (cached under
 * build/test-circuits by source hash); reads the r1cs header.
 * An uncached compile of PoolAttestation(256) takes 60 s (idle 2-core machine) to 125 s (shared) and about
 * 0.9 GB: the tests that use it allow 15 minutes.
 *
 * One claim per test, through the typed circuit tester (test/support/circuit-tester.ts); each test gets the
 * compiled circuit it is about from `it`'s context (compiled once per file).
 */
import { describe, expect, test } from "vitest";
import { CircuitTester } from "../support/circuit-tester.ts";
import { POOL_PUBLIC, compilePool, type PoolTester } from "../support/pool-circuits.ts";

/** The loans of the budgeted instance, and the budget per loan. */
const LOANS = 256;
const BUDGET_PER_LOAN = 950;
/** The naive baseline's loans. */
const NAIVE_LOANS = 16;
/** An uncached compile of PoolAttestation(256) on a shared machine, with room to spare. */
const COMPILE = { timeout: 900_000 };

const NAIVE_PUBLIC = [
  "root",
  "totalBalance",
  "delinquentBalance",
  "Ax",
  "Ay",
  "maxDelinquencyBps",
  "minPoolBalance",
] as const;
const NAIVE_INPUTS = [
  ...NAIVE_PUBLIC,
  "id",
  "balance",
  "collected",
  "dpd",
  "salt",
  "S",
  "R8x",
  "R8y",
] as const;
type NaiveTester = CircuitTester<(typeof NAIVE_INPUTS)[number]>;

/** Logs a compiled circuit's size (the budget's headroom is worth seeing in the test output). */
function logSize(
  name: string,
  circuit: { compiled: { compileSeconds: number }; constraints: number },
  loans: number,
) {
  const { compileSeconds } = circuit.compiled;
  console.log(
    `${name}: ${circuit.constraints} constraints, ${(circuit.constraints / loans).toFixed(1)} per loan` +
      (compileSeconds > 0 ? `, compiled in ${compileSeconds.toFixed(1)} s` : " (cached compile)"),
  );
}

const it = test.extend<{ attestation: PoolTester; naive: NaiveTester }>({
  attestation: [
    async ({}, use) => {
      const circuit = await compilePool("PoolAttestation", LOANS);
      logSize(`PoolAttestation(${LOANS})`, circuit, LOANS);
      await use(circuit);
    },
    { scope: "file" },
  ],
  naive: [
    async ({}, use) => {
      const circuit = await CircuitTester.compile({
        file: "circuits/baseline/naive_pool.circom",
        template: "NaivePool",
        params: [NAIVE_LOANS],
        publicInputs: NAIVE_PUBLIC,
        inputs: NAIVE_INPUTS,
      });
      logSize(`NaivePool(${NAIVE_LOANS})`, circuit, NAIVE_LOANS);
      await use(circuit);
    },
    { scope: "file" },
  ],
});

describe(`PoolAttestation(${LOANS}), compiled with --O2`, () => {
  it("has the 7 public inputs of docs/INTERFACES.md", COMPILE, ({ attestation }) => {
    expect(attestation.compiled.header.nPubIn).toBe(POOL_PUBLIC.length);
  });

  it(`costs at most ${BUDGET_PER_LOAN} constraints per loan`, COMPILE, ({ attestation }) => {
    expect(attestation.constraints / LOANS).toBeLessThanOrEqual(BUDGET_PER_LOAN);
  });
});

describe(`the naive baseline of issue 3, NaivePool(${NAIVE_LOANS})`, () => {
  it("has its 7 public inputs", ({ naive }) => {
    expect(naive.compiled.header.nPubIn).toBe(7);
  });

  // About 750 per loan plus the signature: the baseline the benchmarks compare against.
  it("costs more than 700 constraints per loan plus 4,000 for the signature", ({ naive }) => {
    expect(naive.constraints).toBeGreaterThan(NAIVE_LOANS * 700 + 4000);
  });
});
