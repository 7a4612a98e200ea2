/**
 * The whole pipeline on the tiny example circuit: built by `npm run build` (compile, development setup,
 * keys, Solidity verifier), proven in the worker pool, verified off-chain and by the generated verifier on
 * Hardhat's in-process network; tampered proofs, signals and artifacts are refused.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the prover pool and its proof of 3 * 11 = 33, a second build of the circuit with nothing
 * changed, the deployed ExampleMultiplierVerifier (only viewed), and a copy of the build whose manifest points
 * at a copied key, with the copy's key corrupted (removed afterwards).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { afterAll, describe, expect, test } from "vitest";
import { build, terminateCurves, type BuildResult } from "../../pipeline/build.ts";
import { buildRoot, instancePaths } from "../../pipeline/layout.ts";
import { ArtifactIntegrityError, loadVerifiedArtifacts, readManifest } from "../../pipeline/manifest.ts";
import { FIELD_P } from "../../prover/commitment/poseidon.ts";
import {
  SNARK_FIELD,
  ProverPool,
  UnsatisfiedInputError,
  instanceProver,
  proveInstance,
  toSolidityProof,
  verifyInstance,
  type ProveResult,
} from "../../prover/prove/index.ts";

const NAME = "example-multiplier";
const record = () => readManifest().instances[NAME];
const transcript = () =>
  JSON.parse(readFileSync(instancePaths(NAME, true).transcript, "utf8")) as {
    development: boolean;
    contributions: { name: string }[];
  };

/** A copy of the build whose manifest names the copied key; what loading it answered, before and after. */
interface CopiedBuild {
  /** Loading the copy's key as copied. */
  intact: unknown;
  /** Loading it after the copied key was overwritten. */
  corrupted: unknown;
  /** Loading an instance the copy's manifest does not list. */
  unknown: unknown;
  /** `instanceProver` on the copy (RWA_ATTEST_BUILD_DIR): its proof of 3 * 11 while intact. */
  proverIntact: unknown;
  /** `instanceProver` on the copy after the key was overwritten. */
  proverCorrupted: unknown;
}

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );

/** The generated verifier's view. */
interface Verifier {
  verifyProof(...args: unknown[]): Promise<unknown>;
}

/** The generated ExampleMultiplierVerifier, deployed on Hardhat's in-process network. */
async function deployVerifier(): Promise<Verifier> {
  const { ethers } = await hre.network.connect();
  const verifyProof = (await ethers.deployContract("ExampleMultiplierVerifier")).getFunction("verifyProof");
  return { verifyProof: (...args) => verifyProof(...args) };
}

const it = test.extend<{
  pool: ProverPool;
  /** The proof of a = 3, b = 11, c = 33. */
  good: ProveResult;
  rebuild: BuildResult;
  verifier: Verifier;
  copied: CopiedBuild;
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
    async ({ pool }, use) => use(await proveInstance(pool, NAME, { a: 3, b: 11, c: 33 })),
    { scope: "file" },
  ],
  rebuild: [
    async ({}, use) => use(await build({ only: [NAME], skipHardhat: true, log: () => {} })),
    { scope: "file" },
  ],
  verifier: [async ({}, use) => use(await deployVerifier()), { scope: "file" }],
  copied: [
    async ({ pool }, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-build-"));
      const before = process.env.RWA_ATTEST_BUILD_DIR;
      /** What `instanceProver` answers with the copy as the build (the variable restored at once). */
      const onCopy = async (f: () => Promise<unknown>): Promise<unknown> => {
        process.env.RWA_ATTEST_BUILD_DIR = dir;
        try {
          return await settle(f());
        } finally {
          if (before === undefined) delete process.env.RWA_ATTEST_BUILD_DIR;
          else process.env.RWA_ATTEST_BUILD_DIR = before;
        }
      };
      try {
        cpSync(buildRoot(), dir, { recursive: true });
        const manifest = readManifest(dir);
        const zkeyRel = manifest.instances[NAME]!.artifacts.zkey!.path;
        // Point the copy's manifest at the copied key, then corrupt the copy.
        const copied = join(dir, NAME, zkeyRel.split("/").pop() as string);
        manifest.instances[NAME]!.artifacts.zkey!.path = copied;
        writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
        const intact = await settle(loadVerifiedArtifacts(NAME, ["zkey"], dir));
        const proverIntact = await onCopy(async () =>
          (await instanceProver(pool, NAME))({ a: 3, b: 11, c: 33 }),
        );
        writeFileSync(copied, "not a proving key");
        const corrupted = await settle(loadVerifiedArtifacts(NAME, ["zkey"], dir));
        const unknown = await settle(loadVerifiedArtifacts("no-such-circuit", ["zkey"], dir));
        const proverCorrupted = await onCopy(() => instanceProver(pool, NAME));
        await use({ intact, corrupted, unknown, proverIntact, proverCorrupted });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
});

afterAll(terminateCurves);

describe("example circuit through the pipeline", () => {
  it("is recorded in the manifest as a development build", () => {
    expect(record()?.development).toBe(true);
  });

  it("its ptau is recorded as development material", () => {
    expect(record()?.ptau.development).toBe(true);
  });

  it("its proving key is a .dev.zkey recorded with its SHA-256", () => {
    expect(record()?.artifacts.zkey?.path).toMatch(/\.dev\.zkey$/);
    expect(record()?.artifacts.zkey?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("records its constraint count", () => {
    expect(record()?.constraints).toBeGreaterThan(0);
  });

  it("its transcript is marked development", () => {
    expect(transcript().development).toBe(true);
  });

  it("its transcript lists the one development contribution", () => {
    expect(transcript().contributions.map((c) => c.name)).toEqual(["rwa-attest development"]);
  });

  it("a second build with nothing changed builds nothing", ({ rebuild }) => {
    expect(rebuild.built).toEqual([]);
  });

  it("a second build with nothing changed skips the circuit", ({ rebuild }) => {
    expect(rebuild.skipped).toEqual([NAME]);
  });

  it("proves 3 * 11 with the public signal 33", ({ good }) => {
    expect(good.publicSignals).toEqual(["33"]);
  });

  it("its proof verifies off-chain", async ({ good }) => {
    expect(await verifyInstance(NAME, good.publicSignals, good.proof)).toBe(true);
  });

  it("bounds public signals by the BN254 scalar field, the field Poseidon uses", () => {
    expect(SNARK_FIELD).toBe(FIELD_P);
  });

  it("bounds public signals by the BN254 scalar field, the field the circuits use (the curve's r)", async () => {
    const { getCurveFromName } = await import("ffjavascript");
    const curve = await getCurveFromName("bn128");
    expect(SNARK_FIELD).toBe(BigInt(curve.r));
  });

  it("refuses a public signal equal to the field's modulus", async ({ good }) => {
    expect(await verifyInstance(NAME, [SNARK_FIELD.toString()], good.proof)).toBe(false);
  });

  it("refuses the proof for another public signal", async ({ good }) => {
    expect(await verifyInstance(NAME, ["34"], good.proof)).toBe(false);
  });

  it("refuses a tampered proof", async ({ good }) => {
    const tampered = structuredClone(good.proof);
    tampered.pi_a[0] = (BigInt(tampered.pi_a[0] as string) + 1n).toString();
    expect(await verifyInstance(NAME, good.publicSignals, tampered)).toBe(false);
  });

  it("refuses a malformed proof", async ({ good }) => {
    expect(await verifyInstance(NAME, good.publicSignals, { pi_a: "x" })).toBe(false);
  });

  it("refuses a negative public signal", async ({ good }) => {
    expect(await verifyInstance(NAME, ["-1"], good.proof)).toBe(false);
  });

  it("refuses a proof without its public signal", async ({ good }) => {
    expect(await verifyInstance(NAME, [], good.proof)).toBe(false);
  });

  it("refuses to prove an input that breaks a constraint: factor 1", async ({ pool }) => {
    await expect(proveInstance(pool, NAME, { a: 1, b: 33, c: 33 })).rejects.toBeInstanceOf(
      UnsatisfiedInputError,
    );
  });

  it("refuses to prove an input that breaks a constraint: wrong product", async ({ pool }) => {
    await expect(proveInstance(pool, NAME, { a: 3, b: 11, c: 34 })).rejects.toBeInstanceOf(
      UnsatisfiedInputError,
    );
  });

  it("the generated Solidity verifier accepts the proof", async ({ good, verifier }) => {
    const sol = toSolidityProof(good.proof, good.publicSignals);
    expect(await verifier.verifyProof(sol.a, sol.b, sol.c, sol.pubSignals)).toBe(true);
  });

  it("the generated Solidity verifier refuses the proof for another public signal", async ({
    good,
    verifier,
  }) => {
    const sol = toSolidityProof(good.proof, good.publicSignals);
    expect(await verifier.verifyProof(sol.a, sol.b, sol.c, ["34"])).toBe(false);
  });

  it("the generated Solidity verifier refuses a tampered proof", async ({ good, verifier }) => {
    const sol = toSolidityProof(good.proof, good.publicSignals);
    const badA: [string, string] = [sol.a[0], (BigInt(sol.a[1]) + 1n).toString()];
    expect(await verifier.verifyProof(badA, sol.b, sol.c, sol.pubSignals)).toBe(false);
  });

  it("loads an artifact whose hash is the manifest's (a copy of the build)", ({ copied }) => {
    expect(copied.intact).toBeTruthy();
    expect(copied.intact).not.toBeInstanceOf(Error);
  });

  it("refuses an artifact whose hash differs from the manifest", ({ copied }) => {
    expect(copied.corrupted).toBeInstanceOf(ArtifactIntegrityError);
  });

  it("refuses an instance the manifest does not list", ({ copied }) => {
    expect(copied.unknown).toBeInstanceOf(ArtifactIntegrityError);
  });

  it("instanceProver proves with the files it checked (the chunks of a run share one check)", ({
    copied,
  }) => {
    expect((copied.proverIntact as ProveResult).publicSignals).toEqual(["33"]);
  });

  it("instanceProver refuses an instance whose proving key's hash differs from the manifest", ({
    copied,
  }) => {
    expect(copied.proverCorrupted).toBeInstanceOf(ArtifactIntegrityError);
  });
});
