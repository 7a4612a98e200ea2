import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as binFileUtils from "@iden3/binfileutils";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDevZkey,
  ensureDevPtau,
  fastZkeyNew,
  isDevelopment,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  phase2Verify,
  secretPathFor,
  terminateCurve,
  writeTranscript,
} from "../../ceremony/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
let dir: string;
let r1cs: string;
let wasm: string;
let ptau: string;
let otherPtau: string;
let devZkey: string;
const input = { seed: 5, salt: 7, key: 11 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ceremony-zkey-"));
  execFileSync(
    join(root, "node_modules/.bin/circom2"),
    [join(here, "fixtures/chain.circom"), "--r1cs", "--wasm", "--O2", "-o", dir],
    { stdio: "pipe" },
  );
  r1cs = join(dir, "chain.r1cs");
  wasm = join(dir, "chain_js/chain.wasm");
  ptau = await ensureDevPtau(10, { cacheDir: join(dir, "cache") });
  otherPtau = await ensureDevPtau(10, { cacheDir: join(dir, "cache-other") });
  devZkey = join(dir, "chain.dev.zkey");
  await createDevZkey(r1cs, ptau, devZkey);
});

afterAll(async () => {
  await terminateCurve();
  rmSync(dir, { recursive: true, force: true });
});

async function proveAndVerify(zkey: string, tamper = false): Promise<boolean> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  const vk = await snarkjs.zKey.exportVerificationKey(zkey);
  if (tamper) publicSignals[1] = (BigInt(publicSignals[1] as string) + 1n).toString();
  return snarkjs.groth16.verify(vk, publicSignals, proof);
}

describe("fast zkey new", () => {
  it("writes the same file as snarkjs zkey new, section by section", async () => {
    const fast = join(dir, "fast-init.zkey");
    const ref = join(dir, "ref-init.zkey");
    await fastZkeyNew(r1cs, ptau, fast);
    await snarkjs.zKey.newZKey(r1cs, ptau, ref);
    const a = await binFileUtils.readBinFile(fast, "zkey", 2);
    const b = await binFileUtils.readBinFile(ref, "zkey", 2);
    for (let s = 1; s <= 10; s++) {
      expect(await binFileUtils.sectionIsEqual(a.fd, a.sections, b.fd, b.sections, s), `section ${s}`).toBe(
        true,
      );
    }
    await a.fd.close();
    await b.fd.close();
    expect(readFileSync(fast).equals(readFileSync(ref))).toBe(true);
  });

  it("refuses a ptau without a development secret", async () => {
    const copy = join(dir, "nosecret.ptau");
    copyFileSync(ptau, copy);
    await expect(fastZkeyNew(r1cs, copy, join(dir, "x.zkey"))).rejects.toThrow(/not a development ptau/);
  });

  it("refuses a ptau whose secret is not the one it was made with", async () => {
    const mixed = join(dir, "mixed.ptau");
    copyFileSync(ptau, mixed);
    copyFileSync(secretPathFor(otherPtau), secretPathFor(mixed));
    await expect(fastZkeyNew(r1cs, mixed, join(dir, "x.zkey"))).rejects.toThrow(/does not match the points/);
  });

  it("refuses a ptau too small for the circuit", async () => {
    const tiny = await ensureDevPtau(6, { cacheDir: join(dir, "cache") });
    await expect(fastZkeyNew(r1cs, tiny, join(dir, "x.zkey"))).rejects.toThrow(/circuit too big/);
  });
});

describe("development zkey", () => {
  it("passes snarkjs zkey verify against the r1cs and its ptau, and fails against another ptau", async () => {
    expect(await phase2Verify(r1cs, ptau, devZkey)).toBe(true);
    expect(await phase2Verify(r1cs, otherPtau, devZkey)).toBe(false);
  });

  it("proves and verifies with snarkjs groth16, and rejects a tampered public signal", async () => {
    expect(await proveAndVerify(devZkey)).toBe(true);
    expect(await proveAndVerify(devZkey, true)).toBe(false);
  });

  it("is marked as development in its transcript", async () => {
    expect(await isDevelopment(devZkey)).toBe(true);
    const t = await writeTranscript(devZkey, join(dir, "chain.dev.transcript.json"));
    expect(t.contributions.map((c) => c.name)).toEqual(["rwa-attest development"]);
    expect(t.contributions[0]?.contributionHash).toMatch(/^[0-9a-f]{128}$/);
  });

  it("fails zkey verify when an A, C (divided by delta) or H (divided by delta) point is tampered", async () => {
    for (const [section, at] of [
      [5, 64 * 3 + 7],
      [8, 64 * 10 + 2],
      [9, 64 * 100 + 9],
    ] as const) {
      const { fd, sections } = await binFileUtils.readBinFile(devZkey, "zkey", 2);
      const pos: number = sections[section][0].p + at;
      await fd.close();
      const bytes = readFileSync(devZkey);
      bytes[pos] = (bytes[pos] as number) ^ 0x04;
      const bad = join(dir, `bad-${section}.zkey`);
      writeFileSync(bad, bytes);
      let ok: boolean;
      try {
        ok = await phase2Verify(r1cs, ptau, bad);
      } catch {
        ok = false;
      }
      expect(ok, `section ${section}`).toBe(false);
    }
  });

  it("also verifies when the delta contribution is applied by snarkjs zkey contribute", async () => {
    const viaSnarkjs = join(dir, "chain.snarkjs-contribute.dev.zkey");
    const r = await createDevZkey(r1cs, ptau, viaSnarkjs, { viaSnarkjsContribute: true });
    expect(r.transcript.development).toBe(true);
    expect(await phase2Verify(r1cs, ptau, viaSnarkjs)).toBe(true);
    expect(await proveAndVerify(viaSnarkjs)).toBe(true);
  });
});

describe("phase 2 ceremony", () => {
  it("refuses a development ptau unless allowDevelopment", async () => {
    await expect(phase2Init(r1cs, ptau, join(dir, "p0.zkey"))).rejects.toThrow(/DEVELOPMENT powers of tau/);
    expect(existsSync(join(dir, "p0.zkey"))).toBe(false);
  });

  it("chains contributions and a beacon into a verifiable key whose transcript lists them", async () => {
    const z0 = join(dir, "p0.dev.zkey");
    const logs: string[] = [];
    const init = await phase2Init(r1cs, ptau, z0, { allowDevelopment: true, log: (l) => logs.push(l) });
    expect(init.development).toBe(true);
    expect(logs.join("\n")).toMatch(/DEVELOPMENT key/);
    const z1 = join(dir, "p1.dev.zkey");
    const z2 = join(dir, "p2.dev.zkey");
    const z3 = join(dir, "p3.dev.zkey");
    const h1 = await phase2Contribute(z0, z1, "alice", "alice's entropy");
    const h2 = await phase2Contribute(z1, z2, "bob");
    const hb = await phase2Beacon(z2, z3, "0x" + "ab".repeat(32), 10, "final beacon");
    expect(await phase2Verify(r1cs, ptau, z3)).toBe(true);
    const t = await writeTranscript(z3, join(dir, "p3.transcript.json"));
    expect(t.contributions.map((c) => [c.name, c.kind])).toEqual([
      ["rwa-attest development", "contribution"],
      ["alice", "contribution"],
      ["bob", "contribution"],
      ["final beacon", "beacon"],
    ]);
    expect(t.contributions.slice(1).map((c) => c.contributionHash)).toEqual([h1, h2, hb]);
    expect(t.contributions[3]?.beaconHash).toBe("ab".repeat(32));
    expect(t.development).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "p3.transcript.json"), "utf8")).circuitHash).toBe(
      init.circuitHash,
    );
    expect(await proveAndVerify(z3)).toBe(true);
    // The same chain checked against another ptau does not verify.
    expect(await phase2Verify(r1cs, otherPtau, z3)).toBe(false);
  });

  it("validates contribution and beacon parameters", async () => {
    await expect(phase2Contribute(devZkey, join(dir, "n.zkey"), "")).rejects.toThrow(CodedError);
    await expect(phase2Beacon(devZkey, join(dir, "n.zkey"), "xyz", 10, "b")).rejects.toThrow(CodedError);
    await expect(phase2Beacon(devZkey, join(dir, "n.zkey"), "abc", 10, "b")).rejects.toThrow(CodedError);
    await expect(phase2Beacon(devZkey, join(dir, "n.zkey"), "abcd", 9, "b")).rejects.toThrow(CodedError);
  });
});
