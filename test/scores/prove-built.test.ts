/**
 * `proveBuiltInstance` (the score and borrower provers' path to a built circuit) uses the wasm and zkey only
 * when their sha256 matches the build manifest: a substituted or corrupted key is refused before any witness
 * is computed, never used to make a proof.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArtifactIntegrityError, fromRecordPath, readManifest } from "../../pipeline/index.ts";
import { proveBuiltInstance } from "../../prover/index.ts";

const NAME = "score-backing-8";
const BUILT = readManifest().instances[NAME] !== undefined;

let dir = "";
let zkey = "";
beforeEach(() => {
  if (!BUILT) return;
  // A build folder whose manifest lists copies of the instance's wasm and zkey.
  dir = mkdtempSync(join(tmpdir(), "rwa-prove-built-"));
  const manifest = readManifest();
  const rec = manifest.instances[NAME]!;
  for (const kind of ["wasm", "zkey"] as const) {
    const a = rec.artifacts[kind]!;
    const copy = join(dir, basename(a.path));
    copyFileSync(fromRecordPath(a.path), copy);
    a.path = copy;
    if (kind === "zkey") zkey = copy;
  }
  manifest.instances = { [NAME]: rec };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!BUILT)("proving a built instance", () => {
  it("with artifacts matching the manifest, gets as far as the witness (an empty input is refused there)", async () => {
    const err = await proveBuiltInstance(NAME, {}, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ArtifactIntegrityError);
  });

  it("refuses a zkey whose bytes differ from the manifest's hash, before computing a witness", async () => {
    const bytes = readFileSync(zkey);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1]! ^ 0x01) & 0xff;
    writeFileSync(zkey, bytes);
    await expect(proveBuiltInstance(NAME, {}, dir)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });
});
