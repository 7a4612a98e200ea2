/**
 * The development powers of tau (ceremony/): ensureDevPtau makes a 2^8 ptau that snarkjs verifies, Lagrange
 * sections included and equal to what prepare-phase2 computes; its secret lies next to it, labelled as
 * toxic waste; it is made once (cached, remade when its secret is missing, made once for concurrent callers);
 * a tampered point fails verification; it is recognised as development material even renamed. The
 * production check refuses unknown and mislabelled files and accepts a listed one whose header agrees.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, a temporary directory
 * (removed afterwards) with the 2^8 development ptau, a 2^4 ptau remade after its secret was removed, a 2^4
 * ptau asked for by three callers at once, and a renamed copy (the tests only read them); made for the test,
 * a tampered copy, and a listing of the ptau in KNOWN_PTAU (removed after the test).
 */
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
import { afterAll, describe, expect, test } from "vitest";
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
const LISTED = "test-listed.ptau";

async function verifies(path: string): Promise<boolean> {
  try {
    return await ptauVerify(path);
  } catch {
    return false;
  }
}

/** A copy of `src` in `dir` with one byte flipped inside section `id`, `at` bytes into it. */
async function tampered(dir: string, src: string, id: number, at: number): Promise<string> {
  const { fd, sections } = await binFileUtils.readBinFile(src, "ptau", 1);
  const pos: number = sections[id][0].p + at;
  await fd.close();
  const bytes = readFileSync(src);
  bytes[pos] = (bytes[pos] as number) ^ 0x01;
  const out = join(dir, `tampered-${id}-${at}.ptau`);
  writeFileSync(out, bytes);
  return out;
}

/** A 2^4 ptau made, its secret removed, and asked for again. */
interface Remade {
  firstHash: string;
  path: string;
}

/** Three callers asking for a 2^4 ptau at once in an empty cache. */
interface Concurrent {
  paths: string[];
  /** How many callers made the powers (counted from their progress reports). */
  makers: number;
  /** The cache directory's files afterwards. */
  files: string[];
}

const it = test.extend<{
  dir: string;
  /** The 2^8 development ptau, made in `dir`/cache. */
  ptau: string;
  remade: Remade;
  concurrent: Concurrent;
  /** A copy of `ptau` under an innocent name, without its secret. */
  renamed: string;
  /** Lists `ptau` in KNOWN_PTAU with this power and its hash (its hash returned); unlisted after the test. */
  listPtau: (power: number) => Promise<string>;
}>({
  dir: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "ceremony-ptau-"));
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  ptau: [
    async ({ dir }, use) => use(await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") })),
    { scope: "file" },
  ],
  remade: [
    async ({ dir }, use) => {
      const cache = join(dir, "cache2");
      const p = await ensureDevPtau(4, { cacheDir: cache });
      const firstHash = await blake2bFile(p);
      rmSync(secretPathFor(p));
      await use({ firstHash, path: await ensureDevPtau(4, { cacheDir: cache }) });
    },
    { scope: "file" },
  ],
  concurrent: [
    async ({ dir }, use) => {
      const cache = join(dir, "cache3");
      let makers = 0;
      const onProgress = (p: { stage: string; done: number }) => {
        if (p.stage === "tauG1" && p.done > 0 && p.done <= 31) makers++;
      };
      const paths = await Promise.all([
        ensureDevPtau(4, { cacheDir: cache, onProgress }),
        ensureDevPtau(4, { cacheDir: cache, onProgress }),
        ensureDevPtau(4, { cacheDir: cache, onProgress }),
      ]);
      await use({ paths, makers, files: readdirSync(cache).sort() });
    },
    { scope: "file" },
  ],
  renamed: [
    async ({ dir, ptau }, use) => {
      const renamed = join(dir, "innocent.ptau");
      copyFileSync(ptau, renamed);
      await use(renamed);
    },
    { scope: "file" },
  ],
  listPtau: async ({ ptau }, use) => {
    const hash = await blake2bFile(ptau);
    await use(async (power) => {
      KNOWN_PTAU[LISTED] = { power, blake2b: hash };
      return hash;
    });
    delete KNOWN_PTAU[LISTED];
  },
});

afterAll(terminateCurve);

describe("development powers of tau", () => {
  it("is named as development material", ({ ptau }) => {
    expect(ptau).toMatch(/dev/);
  });

  it("is accepted by snarkjs powersoftau verify", async ({ ptau }) => {
    expect(await verifies(ptau)).toBe(true);
  });

  it("has the Lagrange sections (12 to 15)", async ({ ptau }) => {
    const { fd, sections } = await binFileUtils.readBinFile(ptau, "ptau", 1);
    await fd.close();
    for (const s of [12, 13, 14, 15]) expect(sections[s], `section ${s}`).toBeDefined();
  });

  it("its secret records the power", ({ ptau }) => {
    expect(readDevSecret(ptau)?.power).toBe(POWER);
  });

  it("its secret is labelled as development toxic waste", ({ ptau }) => {
    expect(readDevSecret(ptau)?.warning).toMatch(/DEVELOPMENT TOXIC WASTE/);
  });

  it("its secret lies next to it, named after it", ({ ptau }) => {
    expect(secretPathFor(ptau)).toMatch(/dev-ptau-8\.secret\.json$/);
  });

  it("a second call returns the cached file's path", async ({ dir, ptau }) => {
    expect(await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") })).toBe(ptau);
  });

  it("a second call answers at once (under 200 ms)", async ({ dir, ptau }) => {
    void ptau;
    const t0 = performance.now();
    await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") });
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it("a second call leaves the cached file untouched", async ({ dir, ptau }) => {
    const before = statSync(ptau).mtimeMs;
    await ensureDevPtau(POWER, { cacheDir: join(dir, "cache") });
    expect(statSync(ptau).mtimeMs).toBe(before);
  });

  it("is remade when its secret is missing: another file", async ({ remade }) => {
    expect(await blake2bFile(remade.path)).not.toBe(remade.firstHash);
  });

  it("the remade ptau has its secret (a ptau without its secret is never returned)", ({ remade }) => {
    expect(readDevSecret(remade.path)).toBeDefined();
  });

  it("the remade ptau verifies", async ({ remade }) => {
    expect(await verifies(remade.path)).toBe(true);
  });

  it("several callers at the same time get the same file", ({ concurrent }) => {
    expect(new Set(concurrent.paths).size).toBe(1);
  });

  it("several callers at the same time: only one makes it", ({ concurrent }) => {
    expect(concurrent.makers).toBe(1);
  });

  it("several callers at the same time leave only the ptau and its secret (no leftover files)", ({
    concurrent,
  }) => {
    expect(concurrent.files).toEqual(["dev-ptau-4.ptau", "dev-ptau-4.secret.json"]);
  });

  it("several callers at the same time: the secret describes the whole file (no half-made pair)", ({
    concurrent,
  }) => {
    const path = concurrent.paths[0]!;
    expect(readDevSecret(path)?.ptauBytes).toBe(statSync(path).size);
  });

  it("several callers at the same time: the file they get verifies", async ({ concurrent }) => {
    expect(await verifies(concurrent.paths[0]!)).toBe(true);
  });

  it("has the same Lagrange sections snarkjs prepare-phase2 computes from its powers", async ({ dir }) => {
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

  it.for([
    ["a Lagrange tau point (section 12)", 12, 64 * 300 + 5],
    ["a Lagrange beta-tau point (section 15)", 15, 64 * 7 + 1],
    ["a tau power (section 2)", 2, 64 * 20 + 3],
    ["the contribution (section 7)", 7, 4 + 64 + 128 + 2],
  ] as const)("fails verification when %s is tampered", async ([, section, at], { dir, ptau }) => {
    expect(await verifies(await tampered(dir, ptau, section, at))).toBe(false);
  });

  it.for([0, 2.5])("rejects the power %s (out of range)", async (power, { dir }) => {
    await expect(ensureDevPtau(power, { cacheDir: dir })).rejects.toThrow(CodedError);
  });

  it("is recognised as development material", async ({ ptau }) => {
    expect(await isDevelopment(ptau)).toBe(true);
  });

  it("renamed and without its secret, its contribution is still named as development", async ({
    renamed,
  }) => {
    expect(await ptauContributionNames(renamed)).toEqual(["rwa-attest development"]);
  });

  it("is recognised as development material renamed and without its secret", async ({ renamed }) => {
    expect(await isDevelopment(renamed)).toBe(true);
  });
});

describe("production ptau check", () => {
  it("refuses an unknown file", async ({ ptau }) => {
    await expect(checkProductionPtau(ptau)).rejects.toThrow(/unknown powers of tau/);
  });

  it("refuses a file named like a published one whose content differs", async ({ dir, ptau }) => {
    const fake = join(dir, "powersOfTau28_hez_final_08.ptau");
    copyFileSync(ptau, fake);
    await expect(checkProductionPtau(fake)).rejects.toThrow(/does not match the published hash/);
  });

  it("accepts a file whose hash is listed and whose header agrees", async ({ ptau, listPtau }) => {
    const hash = await listPtau(POWER);
    await expect(checkProductionPtau(ptau)).resolves.toEqual({ power: POWER, blake2b: hash });
  });

  it("refuses a listed file whose header says another power", async ({ ptau, listPtau }) => {
    await listPtau(POWER + 1);
    await expect(checkProductionPtau(ptau)).rejects.toThrow(/header says 2\^8/);
  });

  it("lists the published Hermez files with their powers", () => {
    expect(KNOWN_PTAU["powersOfTau28_hez_final_16.ptau"]?.power).toBe(16);
  });

  it("lists every published file with a 512-bit hash", () => {
    for (const v of Object.values(KNOWN_PTAU)) expect(v.blake2b).toMatch(/^[0-9a-f]{128}$/);
  });
});
