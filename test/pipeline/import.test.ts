/**
 * The last step of the production path: a key made by a phase-2 ceremony (init → contributions → beacon)
 * brought into the build with `importKey`. Here the ceremony runs on the example circuit from a development
 * ptau (no published ptau can be downloaded on these machines), so the import must be explicitly allowed and
 * stays marked development; the refusals (development material not allowed, a key that does not verify for
 * the circuit and ptau, a corrupted key, a truncated ptau, a ptau nobody published) leave the build untouched.
 * A temporary build root keeps the repository's own build and contracts/ out of it.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them). They share the one temporary build root, in this order, each fixture asking for the one before:
 * the ceremony's key (and a stranger's ptau and key without any development mark); every refused import,
 * with what the build root held afterwards; the accepted import, with a proof made from the imported
 * artifacts; a later build of the root.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Groth16Proof, VerificationKey } from "snarkjs";
import { afterAll, describe, expect, test } from "vitest";
import {
  ensureDevPtau,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  readTranscript,
  terminateCurve,
  type Transcript,
} from "../../ceremony/index.ts";
import { build, ensureCompiled, type BuildResult } from "../../pipeline/build.ts";
import { findInstance } from "../../pipeline/catalogue.ts";
import { KeyImportError, importKey } from "../../pipeline/import.ts";
import { cacheRoot, instancePaths } from "../../pipeline/layout.ts";
import { loadVerifiedArtifacts, readManifest, type VerifiedArtifacts } from "../../pipeline/manifest.ts";

const NAME = "example-multiplier";
const quiet = () => {};

/** The temporary build root with the circuit compiled, and the ceremony's material. */
interface Ceremony {
  root: string;
  verifierSol: string;
  /** The 2^8 development ptau the ceremony ran from, and a 2^9 one. */
  ptau: string;
  ptauOther: string;
  /** init → alice → beacon. */
  finalKey: string;
  /** A ptau and key without any development mark, from a powers of tau nobody published. */
  strangerPtau: string;
  strangerKey: string;
}

/** What each refused import rejected with, and what the build root held after all of them. */
interface Refused {
  development: unknown;
  otherPtau: unknown;
  corrupted: unknown;
  truncatedPtau: unknown;
  unpublished: unknown;
  /** The manifest's record after the first three refusals (of the key), and after all of them. */
  recordAfterKeyRefusals: unknown;
  recordAfter: unknown;
  verifierAfter: boolean;
}

interface Imported {
  record: Awaited<ReturnType<typeof importKey>>;
  loaded: VerifiedArtifacts;
  transcript: Transcript;
  vkey: VerificationKey;
  /** A proof of 3 * 11 = 33 from the imported wasm and key. */
  proof: Groth16Proof;
  publicSignals: string[];
}

interface Rebuilt {
  before: unknown;
  result: BuildResult;
  lines: string[];
  after: unknown;
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

const it = test.extend<{
  ceremony: Ceremony;
  refused: Refused;
  imported: Imported;
  rebuilt: Rebuilt;
}>({
  ceremony: [
    async ({}, use) => {
      const root = mkdtempSync(join(tmpdir(), "rwa-import-"));
      const cacheDir = join(cacheRoot(), "ptau");
      const ptau = await ensureDevPtau(8, { cacheDir });
      const ptauOther = await ensureDevPtau(9, { cacheDir });
      await ensureCompiled(findInstance(NAME), root);
      const r1cs = instancePaths(NAME, true, root).r1cs;
      const z0 = join(root, "c0.zkey");
      const z1 = join(root, "c1.zkey");
      const finalKey = join(root, "final.zkey");
      await phase2Init(r1cs, ptau, z0, { allowDevelopment: true, log: quiet });
      await phase2Contribute(z0, z1, "alice", "alice's entropy");
      await phase2Beacon(z1, finalKey, "0102030405060708", 10, "final beacon");
      const snarkjs = await import("snarkjs");
      const { buildBn128 } = await import("ffjavascript");
      const curve = await buildBn128();
      const p0 = join(root, "s0.ptau");
      const p1 = join(root, "s1.ptau");
      const strangerPtau = join(root, "stranger.ptau");
      await snarkjs.powersOfTau.newAccumulator(curve, 8, p0);
      await snarkjs.powersOfTau.beacon(p0, p1, "stranger beacon", "0a0b0c0d", 10);
      await snarkjs.powersOfTau.preparePhase2(p1, strangerPtau);
      const k0 = join(root, "s0.zkey");
      const strangerKey = join(root, "stranger.zkey");
      await snarkjs.zKey.newZKey(r1cs, strangerPtau, k0);
      await snarkjs.zKey.contribute(k0, strangerKey, "bob", "bob's entropy");
      await use({
        root,
        verifierSol: join(root, "ExampleMultiplierVerifier.sol"),
        ptau,
        ptauOther,
        finalKey,
        strangerPtau,
        strangerKey,
      });
      rmSync(root, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  refused: [
    async ({ ceremony: c }, use) => {
      const { root, verifierSol } = c;
      const development = await rejection(
        importKey({ instance: NAME, zkey: c.finalKey, ptau: c.ptau, root, verifierSol, log: quiet }),
      );
      // the same key against another ptau: snarkjs zkey verify fails
      const otherPtau = await rejection(
        importKey({
          instance: NAME,
          zkey: c.finalKey,
          ptau: c.ptauOther,
          allowDevelopment: true,
          root,
          verifierSol,
          log: quiet,
        }),
      );
      // a corrupted key (one byte of a point changed)
      const bad = join(root, "bad.zkey");
      const bytes = readFileSync(c.finalKey);
      bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
      writeFileSync(bad, bytes);
      const corrupted = await rejection(
        importKey({
          instance: NAME,
          zkey: bad,
          ptau: c.ptau,
          allowDevelopment: true,
          root,
          verifierSol,
          log: quiet,
        }),
      );
      const recordAfterKeyRefusals = readManifest(root).instances[NAME];
      const truncated = join(root, "truncated.ptau");
      writeFileSync(truncated, readFileSync(c.ptau).subarray(0, 4096));
      const truncatedPtau = await rejection(
        importKey({ instance: NAME, zkey: c.finalKey, ptau: truncated, root, verifierSol, log: quiet }),
      );
      const unpublished = await rejection(
        importKey({
          instance: NAME,
          zkey: c.strangerKey,
          ptau: c.strangerPtau,
          root,
          verifierSol,
          log: quiet,
        }),
      );
      await use({
        development,
        otherPtau,
        corrupted,
        truncatedPtau,
        unpublished,
        recordAfterKeyRefusals,
        recordAfter: readManifest(root).instances[NAME],
        verifierAfter: existsSync(verifierSol),
      });
    },
    { scope: "file" },
  ],
  imported: [
    async ({ ceremony: c, refused }, use) => {
      void refused; // the refusals see the root before the import
      const record = await importKey({
        instance: NAME,
        zkey: c.finalKey,
        ptau: c.ptau,
        allowDevelopment: true,
        root: c.root,
        verifierSol: c.verifierSol,
        log: quiet,
      });
      const loaded = await loadVerifiedArtifacts(NAME, ["wasm", "zkey", "vkey", "verifierSol"], c.root);
      const snarkjs = await import("snarkjs");
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(
        { a: 3, b: 11, c: 33 },
        loaded.paths.wasm,
        loaded.paths.zkey,
      );
      await use({
        record,
        loaded,
        transcript: await readTranscript(loaded.paths.zkey),
        vkey: JSON.parse(readFileSync(loaded.paths.vkey, "utf8")) as VerificationKey,
        proof,
        publicSignals,
      });
    },
    { scope: "file" },
  ],
  rebuilt: [
    async ({ ceremony: c, imported }, use) => {
      void imported;
      const before = readManifest(c.root).instances[NAME];
      const saved = process.env.RWA_ATTEST_BUILD_DIR;
      process.env.RWA_ATTEST_BUILD_DIR = c.root;
      const lines: string[] = [];
      let result: BuildResult;
      try {
        result = await build({ only: [NAME], skipHardhat: true, log: (l) => lines.push(l) });
      } finally {
        if (saved === undefined) delete process.env.RWA_ATTEST_BUILD_DIR;
        else process.env.RWA_ATTEST_BUILD_DIR = saved;
      }
      await use({ before, result, lines, after: readManifest(c.root).instances[NAME] });
    },
    { scope: "file" },
  ],
});

afterAll(terminateCurve);

describe("importKey: refusals", () => {
  it("refuses development material unless allowed", ({ refused }) => {
    expect(String(refused.development)).toMatch(/DEVELOPMENT material/);
  });

  it("refuses the key against another ptau: it does not verify", ({ refused }) => {
    expect(refused.otherPtau).toBeInstanceOf(KeyImportError);
    expect((refused.otherPtau as Error).message).toMatch(/does not verify/);
  });

  it("refuses a corrupted key (one byte of a point changed)", ({ refused }) => {
    expect(refused.corrupted).toBeInstanceOf(Error);
  });

  it("refuses a truncated ptau clearly, not with a crash", ({ refused }) => {
    expect(String(refused.truncatedPtau)).toMatch(/not a readable ptau/);
  });

  it("refuses production material from a ptau nobody published, as a KeyImportError coded 'refused'", ({
    refused,
  }) => {
    expect(refused.unpublished).toBeInstanceOf(KeyImportError);
    expect((refused.unpublished as KeyImportError).code).toBe("refused");
  });

  it("names the ptau nobody published as unknown powers of tau", ({ refused }) => {
    expect((refused.unpublished as Error).message).toMatch(/unknown powers of tau/);
  });

  it("the refusals of the key record nothing in the manifest", ({ refused }) => {
    expect(refused.recordAfterKeyRefusals).toBeUndefined();
  });

  it("no refusal records anything in the manifest", ({ refused }) => {
    expect(refused.recordAfter).toBeUndefined();
  });

  it("the refusals write no verifier", ({ refused }) => {
    expect(refused.verifierAfter).toBe(false);
  });
});

describe("importKey: a verified key into the build", () => {
  it("records the key as imported", ({ imported }) => {
    expect(imported.record.imported).toBe(true);
  });

  it("records the key as development material", ({ imported }) => {
    expect(imported.record.development).toBe(true);
  });

  it("the build's key is the ceremony's, byte for byte", ({ ceremony, imported }) => {
    expect(readFileSync(imported.loaded.paths.zkey)).toEqual(readFileSync(ceremony.finalKey));
  });

  it("the imported key's transcript lists the ceremony's contributions", ({ imported }) => {
    expect(imported.transcript.contributions.map((c) => c.name)).toEqual([
      "rwa-attest development",
      "alice",
      "final beacon",
    ]);
  });

  it("writes a verifier marked as made from development keys", ({ ceremony, imported }) => {
    void imported;
    expect(readFileSync(ceremony.verifierSol, "utf8")).toContain("DEVELOPMENT KEYS");
  });

  it("writes the key's verification key", async ({ ceremony, imported }) => {
    const snarkjs = await import("snarkjs");
    expect(imported.vkey).toEqual(
      JSON.parse(JSON.stringify(await snarkjs.zKey.exportVerificationKey(ceremony.finalKey))),
    );
  });

  it("a proof made with the imported artifacts verifies", async ({ imported }) => {
    const snarkjs = await import("snarkjs");
    expect(await snarkjs.groth16.verify(imported.vkey, imported.publicSignals, imported.proof)).toBe(true);
  });

  it("the proof does not verify for another public signal", async ({ imported }) => {
    const snarkjs = await import("snarkjs");
    expect(await snarkjs.groth16.verify(imported.vkey, ["34"], imported.proof)).toBe(false);
  });
});

describe("importKey: a later build while the circuit is unchanged", () => {
  it("skips the circuit", ({ rebuilt }) => {
    expect(rebuilt.result.skipped).toEqual([NAME]);
  });

  it("builds nothing", ({ rebuilt }) => {
    expect(rebuilt.result.built).toEqual([]);
  });

  it("says it keeps the imported development key", ({ rebuilt }) => {
    expect(rebuilt.lines.join("\n")).toContain("imported development key");
  });

  it("leaves the manifest's record as the import wrote it", ({ rebuilt }) => {
    expect(rebuilt.after).toEqual(rebuilt.before);
  });
});
