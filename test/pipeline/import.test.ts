/**
 * The last step of the production path: a key made by a phase-2 ceremony (init → contributions → beacon)
 * brought into the build with `importKey`. Here the ceremony runs on the example circuit from a development
 * ptau (no published ptau can be downloaded on these machines), so the import must be explicitly allowed and
 * stays marked development; the refusals (development material not allowed, a key that does not verify for
 * the circuit and ptau, a corrupted key) leave the build untouched. A temporary build root keeps the
 * repository's own build and contracts/ out of it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureDevPtau,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  readTranscript,
  terminateCurve,
} from "../../ceremony/index.ts";
import { build, ensureCompiled } from "../../pipeline/build.ts";
import { findInstance } from "../../pipeline/catalogue.ts";
import { KeyImportError, importKey } from "../../pipeline/import.ts";
import { cacheRoot, instancePaths } from "../../pipeline/layout.ts";
import { loadVerifiedArtifacts, readManifest } from "../../pipeline/manifest.ts";

const NAME = "example-multiplier";
const root = mkdtempSync(join(tmpdir(), "rwa-import-"));
const verifierSol = join(root, "ExampleMultiplierVerifier.sol");
let ptau: string;
let ptauOther: string;
let finalKey: string;
let strangerPtau: string;
let strangerKey: string;

beforeAll(async () => {
  const cacheDir = join(cacheRoot(), "ptau");
  ptau = await ensureDevPtau(8, { cacheDir });
  ptauOther = await ensureDevPtau(9, { cacheDir });
  await ensureCompiled(findInstance(NAME), root);
  const r1cs = instancePaths(NAME, true, root).r1cs;
  const z0 = join(root, "c0.zkey");
  const z1 = join(root, "c1.zkey");
  finalKey = join(root, "final.zkey");
  await phase2Init(r1cs, ptau, z0, { allowDevelopment: true, log: () => {} });
  await phase2Contribute(z0, z1, "alice", "alice's entropy");
  await phase2Beacon(z1, finalKey, "0102030405060708", 10, "final beacon");
  // A ptau and key without any development mark, from a powers of tau nobody published.
  const snarkjs = await import("snarkjs");
  const { buildBn128 } = await import("ffjavascript");
  const curve = await buildBn128();
  const p0 = join(root, "s0.ptau");
  const p1 = join(root, "s1.ptau");
  strangerPtau = join(root, "stranger.ptau");
  await snarkjs.powersOfTau.newAccumulator(curve, 8, p0);
  await snarkjs.powersOfTau.beacon(p0, p1, "stranger beacon", "0a0b0c0d", 10);
  await snarkjs.powersOfTau.preparePhase2(p1, strangerPtau);
  const k0 = join(root, "s0.zkey");
  strangerKey = join(root, "stranger.zkey");
  await snarkjs.zKey.newZKey(r1cs, strangerPtau, k0);
  await snarkjs.zKey.contribute(k0, strangerKey, "bob", "bob's entropy");
}, 300_000);

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await terminateCurve();
});

const quiet = () => {};

describe("importKey: a ceremony's key into the build", () => {
  it("refuses development material unless allowed, and a key that does not verify; nothing is written", async () => {
    await expect(
      importKey({ instance: NAME, zkey: finalKey, ptau, root, verifierSol, log: quiet }),
    ).rejects.toThrow(/DEVELOPMENT material/);
    // the same key against another ptau: snarkjs zkey verify fails
    const other = importKey({
      instance: NAME,
      zkey: finalKey,
      ptau: ptauOther,
      allowDevelopment: true,
      root,
      verifierSol,
      log: quiet,
    });
    await expect(other).rejects.toBeInstanceOf(KeyImportError);
    await expect(other).rejects.toThrow(/does not verify/);
    // a corrupted key (one byte of a point changed)
    const bad = join(root, "bad.zkey");
    const bytes = readFileSync(finalKey);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
    writeFileSync(bad, bytes);
    await expect(
      importKey({ instance: NAME, zkey: bad, ptau, allowDevelopment: true, root, verifierSol, log: quiet }),
    ).rejects.toThrow();
    expect(readManifest(root).instances[NAME]).toBeUndefined();
    expect(existsSync(verifierSol)).toBe(false);
    // a truncated ptau: a clear refusal, not a crash
    const truncated = join(root, "truncated.ptau");
    writeFileSync(truncated, readFileSync(ptau).subarray(0, 4096));
    await expect(
      importKey({ instance: NAME, zkey: finalKey, ptau: truncated, root, verifierSol, log: quiet }),
    ).rejects.toThrow(/not a readable ptau/);
    // production material from a ptau nobody published (made here with snarkjs, no development mark)
    const unpublished = await importKey({
      instance: NAME,
      zkey: strangerKey,
      ptau: strangerPtau,
      root,
      verifierSol,
      log: quiet,
    }).catch((e: unknown) => e);
    expect(unpublished).toBeInstanceOf(KeyImportError);
    expect((unpublished as KeyImportError).code).toBe("refused");
    expect((unpublished as Error).message).toMatch(/unknown powers of tau/);
    expect(readManifest(root).instances[NAME]).toBeUndefined();
  });

  it("imports a verified key: manifest, transcript, verification key and verifier; a proof verifies", async () => {
    const record = await importKey({
      instance: NAME,
      zkey: finalKey,
      ptau,
      allowDevelopment: true,
      root,
      verifierSol,
      log: quiet,
    });
    expect(record.imported).toBe(true);
    expect(record.development).toBe(true);
    const loaded = await loadVerifiedArtifacts(NAME, ["wasm", "zkey", "vkey", "verifierSol"], root);
    expect(readFileSync(loaded.paths.zkey)).toEqual(readFileSync(finalKey));
    const transcript = await readTranscript(loaded.paths.zkey);
    expect(transcript.contributions.map((c) => c.name)).toEqual([
      "rwa-attest development",
      "alice",
      "final beacon",
    ]);
    expect(readFileSync(verifierSol, "utf8")).toContain("DEVELOPMENT KEYS");
    const snarkjs = await import("snarkjs");
    const vkey = JSON.parse(readFileSync(loaded.paths.vkey, "utf8"));
    expect(vkey).toEqual(JSON.parse(JSON.stringify(await snarkjs.zKey.exportVerificationKey(finalKey))));
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { a: 3, b: 11, c: 33 },
      loaded.paths.wasm,
      loaded.paths.zkey,
    );
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkey, ["34"], proof)).toBe(false);
  });

  it("a later build keeps the imported key while the circuit is unchanged", async () => {
    const before = readManifest(root).instances[NAME];
    const saved = process.env.RWA_ATTEST_BUILD_DIR;
    process.env.RWA_ATTEST_BUILD_DIR = root;
    const lines: string[] = [];
    try {
      const result = await build({ only: [NAME], skipHardhat: true, log: (l) => lines.push(l) });
      expect(result.skipped).toEqual([NAME]);
      expect(result.built).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.RWA_ATTEST_BUILD_DIR;
      else process.env.RWA_ATTEST_BUILD_DIR = saved;
    }
    expect(lines.join("\n")).toContain("imported development key");
    expect(readManifest(root).instances[NAME]).toEqual(before);
  });
});
