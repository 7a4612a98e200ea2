/**
 * PLONK where the catalogue provides it: the example circuit's PLONK instance (universal setup, no
 * circuit-specific ceremony) is proven in the worker pool, verified off-chain and by its generated Solidity
 * verifier; tampered proofs and signals are refused, and the Groth16 entry points refuse a PLONK instance.
 */
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
let pool: ProverPool;
let good: ProveResult<PlonkProof>;

beforeAll(async () => {
  pool = new ProverPool(1);
  good = await provePlonkInstance(pool, NAME, { a: 7, b: 13, c: 91 });
});

afterAll(async () => {
  await pool.close();
  await terminateCurves();
});

describe("PLONK instance of the example circuit", () => {
  it("is built as a PLONK development key", () => {
    const r = readManifest().instances[NAME];
    expect(r?.protocol).toBe("plonk");
    expect(r?.development).toBe(true);
  });

  it("proves and verifies off-chain; another signal or a tampered evaluation fails", async () => {
    expect(good.proof.protocol).toBe("plonk");
    expect(good.publicSignals).toEqual(["91"]);
    expect(await verifyInstance(NAME, good.publicSignals, good.proof)).toBe(true);
    expect(await verifyInstance(NAME, ["92"], good.proof)).toBe(false);
    const tampered = {
      ...good.proof,
      eval_a: ((BigInt(good.proof.eval_a as string) + 1n) % 2n ** 250n).toString(),
    };
    expect(await verifyInstance(NAME, good.publicSignals, tampered)).toBe(false);
    expect(await verifyInstance(NAME, good.publicSignals, { protocol: "plonk" })).toBe(false);
  });

  it("the Groth16 entry point refuses a PLONK instance", async () => {
    await expect(proveInstance(pool, NAME, { a: 7, b: 13, c: 91 })).rejects.toThrow(/plonk circuit/);
  });

  it("the generated PLONK verifier accepts the proof on-chain and rejects a tampered one", async () => {
    const { ethers } = await hre.network.connect();
    const verifier = await ethers.deployContract("ExampleMultiplierPlonkVerifier");
    const verifyProof = verifier.getFunction("verifyProof");
    const sol = toSolidityPlonkProof(good.proof, good.publicSignals);
    expect(await verifyProof(sol.proof, sol.pubSignals)).toBe(true);
    expect(await verifyProof(sol.proof, ["92"])).toBe(false);
    const bad = [...sol.proof];
    bad[18] = ((BigInt(bad[18] as string) + 1n) % 2n ** 250n).toString();
    expect(await verifyProof(bad, sol.pubSignals)).toBe(false);
  });
});
