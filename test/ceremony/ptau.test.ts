import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as binFileUtils from "@iden3/binfileutils";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KNOWN_PTAU,
  blake2bFile,
  checkProductionPtau,
  ensureDevPtau,
  isDevelopment,
  ptauContributionNames,
  ptauVerify,
  readDevSecret,
  secretPathFor,
  terminateCurve,
} from "../../ceremony/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const POWER = 8;
let dir: string;
let ptau: string;

async function verifies(path: string): Promise<boolean> {
  try {
    return await ptauVerify(path);
  } catch {
    return false;
  }
}

/** A copy of `src` with one byte flipped inside section `id`, `at` bytes into it. */
async function tampered(src: string, id: number, at: number): Promise<string> {
  const { fd, sections } = await binFileUtils.readBinFile(src, "ptau", 1);
  const pos: number = sections[id][0].p + at;
  await fd.close();
  const bytes = readFileSync(src);
  bytes[pos] = (bytes[pos] as number) ^ 0x01;
  const out = join(dir, `tampered-${id}-${at}.ptau`);
  writeFileSync(out, bytes);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ceremony-ptau-"));
  ptau = await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") });
});

afterAll(async () => {
  await terminateCurve();
  rmSync(dir, { recursive: true, force: true });
});

describe("development powers of tau", () => {
  it("is accepted by snarkjs powersoftau verify, Lagrange sections included", async () => {
    expect(ptau).toMatch(/dev/);
    expect(await verifies(ptau)).toBe(true);
    const { fd, sections } = await binFileUtils.readBinFile(ptau, "ptau", 1);
    await fd.close();
    for (const s of [12, 13, 14, 15]) expect(sections[s]).toBeDefined();
  });

  it("keeps its secret next to it, labelled as development toxic waste", () => {
    const secret = readDevSecret(ptau);
    expect(secret?.power).toBe(POWER);
    expect(secret?.warning).toMatch(/DEVELOPMENT TOXIC WASTE/);
    expect(secretPathFor(ptau)).toMatch(/dev-ptau-8\.secret\.json$/);
  });

  it("is made once: a second call returns the cached file at once", async () => {
    const before = statSync(ptau).mtimeMs;
    const t0 = performance.now();
    const again = await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") });
    expect(performance.now() - t0).toBeLessThan(200);
    expect(again).toBe(ptau);
    expect(statSync(ptau).mtimeMs).toBe(before);
  });

  it("is remade when its secret is missing (a ptau without its secret is never returned)", async () => {
    const cache = join(dir, "cache2");
    const p = await ensureDevPtau(4, { cacheDir: cache });
    const firstHash = await blake2bFile(p);
    rmSync(secretPathFor(p));
    const p2 = await ensureDevPtau(4, { cacheDir: cache });
    expect(readDevSecret(p2)).toBeDefined();
    expect(await blake2bFile(p2)).not.toBe(firstHash);
    expect(await verifies(p2)).toBe(true);
  });

  it("is made once when several callers ask at the same time (no half-made pair, no leftover files)", async () => {
    const cache = join(dir, "cache3");
    let makers = 0;
    const onProgress = (p: { stage: string; done: number }) => {
      if (p.stage === "tauG1" && p.done > 0 && p.done <= 31) makers++;
    };
    const [a, b, c] = await Promise.all([
      ensureDevPtau(4, { cacheDir: cache, onProgress }),
      ensureDevPtau(4, { cacheDir: cache, onProgress }),
      ensureDevPtau(4, { cacheDir: cache, onProgress }),
    ]);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(makers).toBe(1);
    expect(readdirSync(cache).sort()).toEqual(["dev-ptau-4.ptau", "dev-ptau-4.secret.json"]);
    expect(readDevSecret(a)?.ptauBytes).toBe(statSync(a).size);
    expect(await verifies(a)).toBe(true);
  });

  it("has the same Lagrange sections snarkjs prepare-phase2 computes from its powers", async () => {
    const small = await ensureDevPtau(5, { cacheDir: join(dir, "cache") });
    const prepared = join(dir, "prepared-5.ptau");
    await snarkjs.powersOfTau.preparePhase2(small, prepared);
    const a = await binFileUtils.readBinFile(small, "ptau", 1);
    const b = await binFileUtils.readBinFile(prepared, "ptau", 1);
    for (const s of [2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) {
      expect(await binFileUtils.sectionIsEqual(a.fd, a.sections, b.fd, b.sections, s), `section ${s}`).toBe(
        true,
      );
    }
    await a.fd.close();
    await b.fd.close();
  });

  it("fails verification when a Lagrange point, a tau power or the contribution is tampered", async () => {
    expect(await verifies(await tampered(ptau, 12, 64 * 300 + 5))).toBe(false);
    expect(await verifies(await tampered(ptau, 15, 64 * 7 + 1))).toBe(false);
    expect(await verifies(await tampered(ptau, 2, 64 * 20 + 3))).toBe(false);
    expect(await verifies(await tampered(ptau, 7, 4 + 64 + 128 + 2))).toBe(false);
  });

  it("rejects powers out of range", async () => {
    await expect(ensureDevPtau(0, { cacheDir: dir })).rejects.toThrow(CodedError);
    await expect(ensureDevPtau(2.5, { cacheDir: dir })).rejects.toThrow(CodedError);
  });

  it("is recognised as development material, even renamed and without its secret", async () => {
    expect(await isDevelopment(ptau)).toBe(true);
    const renamed = join(dir, "innocent.ptau");
    copyFileSync(ptau, renamed);
    expect(await ptauContributionNames(renamed)).toEqual(["rwa-attest development"]);
    expect(await isDevelopment(renamed)).toBe(true);
  });
});

describe("production ptau check", () => {
  it("refuses an unknown file", async () => {
    await expect(checkProductionPtau(ptau)).rejects.toThrow(/unknown powers of tau/);
  });

  it("refuses a file named like a published one whose content differs", async () => {
    const fake = join(dir, "powersOfTau28_hez_final_08.ptau");
    copyFileSync(ptau, fake);
    await expect(checkProductionPtau(fake)).rejects.toThrow(/does not match the published hash/);
  });

  it("accepts a file whose hash is listed and whose header agrees, and refuses a power mismatch", async () => {
    const hash = await blake2bFile(ptau);
    KNOWN_PTAU["test-listed.ptau"] = { power: POWER, blake2b: hash };
    try {
      await expect(checkProductionPtau(ptau)).resolves.toEqual({ power: POWER, blake2b: hash });
      KNOWN_PTAU["test-listed.ptau"] = { power: POWER + 1, blake2b: hash };
      await expect(checkProductionPtau(ptau)).rejects.toThrow(/header says 2\^8/);
    } finally {
      delete KNOWN_PTAU["test-listed.ptau"];
    }
  });

  it("lists the published Hermez files with 512-bit hashes", () => {
    expect(KNOWN_PTAU["powersOfTau28_hez_final_16.ptau"]?.power).toBe(16);
    for (const v of Object.values(KNOWN_PTAU)) expect(v.blake2b).toMatch(/^[0-9a-f]{128}$/);
  });
});
