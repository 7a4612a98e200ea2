/**
 * PLONK where the catalogue provides it: the example circuit's PLONK instance (universal setup, no
 * circuit-specific ceremony) is proven in the worker pool, verified off-chain and by its generated Solidity
 * verifier; tampered proofs and signals are refused, and the Groth16 entry points refuse a PLONK instance.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the prover pool, its PLONK proof of 7 * 13 = 91, and the deployed ExampleMultiplierPlonkVerifier
 * (only viewed).
 */
import hre from "hardhat";
import { afterAll, describe, expect, test } from "vitest";
import { terminateCurves } from "../../pipeline/build.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  ProverPool,
  proveInstance,
  provePlonkInstance,
  toSolidityPlonkProof,
  verifyInstance,
  type PlonkProof,
  type ProveResult,
} from "../../prover/prove/index.ts";

const NAME = "example-multiplier-plonk";

/** The generated verifier's view. */
interface Verifier {
  verifyProof(...args: unknown[]): Promise<unknown>;
}

/** The generated ExampleMultiplierPlonkVerifier, deployed on Hardhat's in-process network. */
async function deployVerifier(): Promise<Verifier> {
  const { ethers } = await hre.network.connect();
  const verifyProof = (await ethers.deployContract("ExampleMultiplierPlonkVerifier")).getFunction(
    "verifyProof",
  );
  return { verifyProof: (...args) => verifyProof(...args) };
}

const it = test.extend<{
  pool: ProverPool;
  /** The PLONK proof of a = 7, b = 13, c = 91. */
  good: ProveResult<PlonkProof>;
  verifier: Verifier;
}>({
  pool: [
    async ({}, use) => {
      const pool = new ProverPool(1);
      await use(pool);
      await pool.close();
    },
    { scope: "file" },
  ],
  good: [
    async ({ pool }, use) => use(await provePlonkInstance(pool, NAME, { a: 7, b: 13, c: 91 })),
    { scope: "file" },
  ],
  verifier: [async ({}, use) => use(await deployVerifier()), { scope: "file" }],
});

afterAll(terminateCurves);

describe("PLONK instance of the example circuit", () => {
  it("is built as a PLONK key", () => {
    expect(readManifest().instances[NAME]?.protocol).toBe("plonk");
  });

  it("is built as a development key", () => {
    expect(readManifest().instances[NAME]?.development).toBe(true);
  });

  it("proves with the PLONK protocol", ({ good }) => {
    expect(good.proof.protocol).toBe("plonk");
  });

  it("proves 7 * 13 with the public signal 91", ({ good }) => {
    expect(good.publicSignals).toEqual(["91"]);
  });

  it("its proof verifies off-chain", async ({ good }) => {
    expect(await verifyInstance(NAME, good.publicSignals, good.proof)).toBe(true);
  });

  it("refuses the proof for another public signal off-chain", async ({ good }) => {
    expect(await verifyInstance(NAME, ["92"], good.proof)).toBe(false);
  });

  it("refuses a proof with a tampered evaluation off-chain", async ({ good }) => {
    const tampered = {
      ...good.proof,
      eval_a: ((BigInt(good.proof.eval_a as string) + 1n) % 2n ** 250n).toString(),
    };
    expect(await verifyInstance(NAME, good.publicSignals, tampered)).toBe(false);
  });

  it("refuses a malformed PLONK proof off-chain", async ({ good }) => {
    expect(await verifyInstance(NAME, good.publicSignals, { protocol: "plonk" })).toBe(false);
  });

  it("the Groth16 entry point refuses a PLONK instance", async ({ pool }) => {
    await expect(proveInstance(pool, NAME, { a: 7, b: 13, c: 91 })).rejects.toThrow(/plonk circuit/);
  });

  it("the generated PLONK verifier accepts the proof on-chain", async ({ good, verifier }) => {
    const sol = toSolidityPlonkProof(good.proof, good.publicSignals);
    expect(await verifier.verifyProof(sol.proof, sol.pubSignals)).toBe(true);
  });

  it("the generated PLONK verifier refuses the proof for another public signal", async ({
    good,
    verifier,
  }) => {
    const sol = toSolidityPlonkProof(good.proof, good.publicSignals);
    expect(await verifier.verifyProof(sol.proof, ["92"])).toBe(false);
  });

  it("the generated PLONK verifier refuses a tampered proof", async ({ good, verifier }) => {
    const sol = toSolidityPlonkProof(good.proof, good.publicSignals);
    const bad = [...sol.proof];
    bad[18] = ((BigInt(bad[18] as string) + 1n) % 2n ** 250n).toString();
    expect(await verifier.verifyProof(bad, sol.pubSignals)).toBe(false);
  });
});
