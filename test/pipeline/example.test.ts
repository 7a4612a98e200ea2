/**
 * The whole pipeline on the tiny example circuit: built by `npm run build` (compile, development setup,
 * keys, Solidity verifier), proven in the worker pool, verified off-chain and by the generated verifier on
 * Hardhat's in-process network; tampered proofs, signals and artifacts are refused.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, terminateCurves } from "../../pipeline/build.ts";
import { buildRoot, instancePaths } from "../../pipeline/layout.ts";
import { ArtifactIntegrityError, loadVerifiedArtifacts, readManifest } from "../../pipeline/manifest.ts";
import { FIELD_P } from "../../prover/commitment/poseidon.ts";
import {
  SNARK_FIELD,
  ProverPool,
  UnsatisfiedInputError,
  proveInstance,
  toSolidityProof,
  verifyInstance,
  type ProveResult,
} from "../../prover/prove/index.ts";

const NAME = "example-multiplier";
let pool: ProverPool;
let good: ProveResult;

beforeAll(async () => {
  pool = new ProverPool(1);
  good = await proveInstance(pool, NAME, { a: 3, b: 11, c: 33 });
});

afterAll(async () => {
  await pool.close();
  await terminateCurves();
});

describe("example circuit through the pipeline", () => {
  it("is recorded in the manifest as a development build with hashes", () => {
    const record = readManifest().instances[NAME];
    expect(record?.development).toBe(true);
    expect(record?.ptau.development).toBe(true);
    expect(record?.artifacts.zkey?.path).toMatch(/\.dev\.zkey$/);
    expect(record?.artifacts.zkey?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record?.constraints).toBeGreaterThan(0);
    const transcript = JSON.parse(readFileSync(instancePaths(NAME, true).transcript, "utf8")) as {
      development: boolean;
      contributions: { name: string }[];
    };
    expect(transcript.development).toBe(true);
    expect(transcript.contributions.map((c) => c.name)).toEqual(["rwa-attest development"]);
  });

  it("a second build with nothing changed does nothing", async () => {
    const result = await build({ only: [NAME], skipHardhat: true, log: () => {} });
    expect(result.built).toEqual([]);
    expect(result.skipped).toEqual([NAME]);
  });

  it("proves and verifies off-chain", async () => {
    expect(good.publicSignals).toEqual(["33"]);
    expect(await verifyInstance(NAME, good.publicSignals, good.proof)).toBe(true);
  });

  it("bounds public signals by the BN254 scalar field, the field the circuits and Poseidon use", async () => {
    expect(SNARK_FIELD).toBe(FIELD_P);
    const { getCurveFromName } = await import("ffjavascript");
    const curve = await getCurveFromName("bn128");
    expect(SNARK_FIELD).toBe(BigInt(curve.r));
    expect(await verifyInstance(NAME, [SNARK_FIELD.toString()], good.proof)).toBe(false);
  });

  it("rejects a proof for another public signal, a tampered proof and malformed proofs", async () => {
    expect(await verifyInstance(NAME, ["34"], good.proof)).toBe(false);
    const tampered = structuredClone(good.proof);
    tampered.pi_a[0] = (BigInt(tampered.pi_a[0] as string) + 1n).toString();
    expect(await verifyInstance(NAME, good.publicSignals, tampered)).toBe(false);
    expect(await verifyInstance(NAME, good.publicSignals, { pi_a: "x" })).toBe(false);
    expect(await verifyInstance(NAME, ["-1"], good.proof)).toBe(false);
    expect(await verifyInstance(NAME, [], good.proof)).toBe(false);
  });

  it("refuses to prove an input that breaks a constraint (factor 1, wrong product)", async () => {
    await expect(proveInstance(pool, NAME, { a: 1, b: 33, c: 33 })).rejects.toBeInstanceOf(
      UnsatisfiedInputError,
    );
    await expect(proveInstance(pool, NAME, { a: 3, b: 11, c: 34 })).rejects.toBeInstanceOf(
      UnsatisfiedInputError,
    );
  });

  it("the generated Solidity verifier accepts the proof and rejects tampered ones", async () => {
    const { ethers } = await hre.network.connect();
    const verifier = await ethers.deployContract("ExampleMultiplierVerifier");
    const verifyProof = verifier.getFunction("verifyProof");
    const sol = toSolidityProof(good.proof, good.publicSignals);
    expect(await verifyProof(sol.a, sol.b, sol.c, sol.pubSignals)).toBe(true);
    expect(await verifyProof(sol.a, sol.b, sol.c, ["34"])).toBe(false);
    const badA: [string, string] = [sol.a[0], (BigInt(sol.a[1]) + 1n).toString()];
    expect(await verifyProof(badA, sol.b, sol.c, sol.pubSignals)).toBe(false);
  });

  it("refuses an artifact whose hash differs from the manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rwa-build-"));
    try {
      cpSync(buildRoot(), dir, { recursive: true });
      const manifest = readManifest(dir);
      const zkeyRel = manifest.instances[NAME]!.artifacts.zkey!.path;
      // Point the copy's manifest at the copied key, then corrupt the copy.
      const copied = join(dir, NAME, zkeyRel.split("/").pop() as string);
      manifest.instances[NAME]!.artifacts.zkey!.path = copied;
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
      await expect(loadVerifiedArtifacts(NAME, ["zkey"], dir)).resolves.toBeTruthy();
      writeFileSync(copied, "not a proving key");
      await expect(loadVerifiedArtifacts(NAME, ["zkey"], dir)).rejects.toBeInstanceOf(ArtifactIntegrityError);
      await expect(loadVerifiedArtifacts("no-such-circuit", ["zkey"], dir)).rejects.toBeInstanceOf(
        ArtifactIntegrityError,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
