/**
 * Groth16 keys from the ceremony code (ceremony/) on a small fixture circuit (test/ceremony/fixtures): the fast
 * `zkey new` writes snarkjs's file and refuses a ptau it cannot use; the development key passes snarkjs's
 * checks, proves, is marked development and fails verification when a point is tampered; a phase-2 ceremony
 * refuses development material unless allowed, chains contributions and a beacon into a verifiable key whose
 * transcript lists them, and validates its parameters.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them, and write only files of their own): a temporary directory (removed afterwards) with the circuit
 * compiled, two 2^10 development ptaus, the development key, the fast and the reference initial keys, a key
 * whose delta snarkjs contributed, the refused phase-2 init and the whole phase-2 chain.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as binFileUtils from "@iden3/binfileutils";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, test } from "vitest";
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
  type Transcript,
} from "../../ceremony/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const input = { seed: 5, salt: 7, key: 11 };

/** The fixture circuit compiled into the file's temporary directory. */
interface Circuit {
  dir: string;
  r1cs: string;
  wasm: string;
}

/** A key made by `createDevZkey(..., { viaSnarkjsContribute: true })`. */
interface ViaSnarkjs {
  path: string;
  development: boolean;
}

/** The refused phase-2 init of the development ptau without allowDevelopment. */
interface RefusedInit {
  error: unknown;
  path: string;
}

/** A phase-2 chain from the development ptau: init, alice, bob, a beacon. */
interface Chain {
  init: Awaited<ReturnType<typeof phase2Init>>;
  logs: string[];
  hashes: string[];
  key: string;
  transcript: Transcript;
  transcriptFile: string;
}

async function proveAndVerify(c: Circuit, zkey: string, tamper = false): Promise<boolean> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, c.wasm, zkey);
  const vk = await snarkjs.zKey.exportVerificationKey(zkey);
  if (tamper) publicSignals[1] = (BigInt(publicSignals[1] as string) + 1n).toString();
  return snarkjs.groth16.verify(vk, publicSignals, proof);
}

const it = test.extend<{
  circuit: Circuit;
  ptau: string;
  /** Another 2^10 development ptau (another secret). */
  otherPtau: string;
  devZkey: string;
  /** The initial key written by fastZkeyNew and by snarkjs zkey new. */
  initKeys: { fast: string; ref: string };
  viaSnarkjs: ViaSnarkjs;
  /** The development key's transcript as writeTranscript writes it. */
  devTranscript: Transcript;
  refusedInit: RefusedInit;
  chain: Chain;
}>({
  circuit: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "ceremony-zkey-"));
      execFileSync(
        join(root, "node_modules/.bin/circom2"),
        [join(here, "fixtures/chain.circom"), "--r1cs", "--wasm", "--O2", "-o", dir],
        { stdio: "pipe" },
      );
      await use({ dir, r1cs: join(dir, "chain.r1cs"), wasm: join(dir, "chain_js/chain.wasm") });
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  ptau: [
    async ({ circuit }, use) => use(await ensureDevPtau(10, { cacheDir: join(circuit.dir, "cache") })),
    { scope: "file" },
  ],
  otherPtau: [
    async ({ circuit }, use) => use(await ensureDevPtau(10, { cacheDir: join(circuit.dir, "cache-other") })),
    { scope: "file" },
  ],
  devZkey: [
    async ({ circuit, ptau }, use) => {
      const devZkey = join(circuit.dir, "chain.dev.zkey");
      await createDevZkey(circuit.r1cs, ptau, devZkey);
      await use(devZkey);
    },
    { scope: "file" },
  ],
  initKeys: [
    async ({ circuit, ptau }, use) => {
      const fast = join(circuit.dir, "fast-init.zkey");
      const ref = join(circuit.dir, "ref-init.zkey");
      await fastZkeyNew(circuit.r1cs, ptau, fast);
      await snarkjs.zKey.newZKey(circuit.r1cs, ptau, ref);
      await use({ fast, ref });
    },
    { scope: "file" },
  ],
  viaSnarkjs: [
    async ({ circuit, ptau }, use) => {
      const path = join(circuit.dir, "chain.snarkjs-contribute.dev.zkey");
      const r = await createDevZkey(circuit.r1cs, ptau, path, { viaSnarkjsContribute: true });
      await use({ path, development: r.transcript.development });
    },
    { scope: "file" },
  ],
  devTranscript: [
    async ({ circuit, devZkey }, use) =>
      use(await writeTranscript(devZkey, join(circuit.dir, "chain.dev.transcript.json"))),
    { scope: "file" },
  ],
  refusedInit: [
    async ({ circuit, ptau }, use) => {
      const path = join(circuit.dir, "p0.zkey");
      const error = await phase2Init(circuit.r1cs, ptau, path).then(
        () => undefined,
        (e: unknown) => e,
      );
      await use({ error, path });
    },
    { scope: "file" },
  ],
  chain: [
    async ({ circuit, ptau }, use) => {
      const at = (f: string) => join(circuit.dir, f);
      const logs: string[] = [];
      const init = await phase2Init(circuit.r1cs, ptau, at("p0.dev.zkey"), {
        allowDevelopment: true,
        log: (l) => logs.push(l),
      });
      const h1 = await phase2Contribute(at("p0.dev.zkey"), at("p1.dev.zkey"), "alice", "alice's entropy");
      const h2 = await phase2Contribute(at("p1.dev.zkey"), at("p2.dev.zkey"), "bob");
      const hb = await phase2Beacon(
        at("p2.dev.zkey"),
        at("p3.dev.zkey"),
        "0x" + "ab".repeat(32),
        10,
        "final beacon",
      );
      const transcriptFile = at("p3.transcript.json");
      const transcript = await writeTranscript(at("p3.dev.zkey"), transcriptFile);
      await use({ init, logs, hashes: [h1, h2, hb], key: at("p3.dev.zkey"), transcript, transcriptFile });
    },
    { scope: "file" },
  ],
});

afterAll(terminateCurve);

describe("fast zkey new", () => {
  it("writes the same sections as snarkjs zkey new", async ({ initKeys }) => {
    const a = await binFileUtils.readBinFile(initKeys.fast, "zkey", 2);
    const b = await binFileUtils.readBinFile(initKeys.ref, "zkey", 2);
    for (let s = 1; s <= 10; s++) {
      expect(await binFileUtils.sectionIsEqual(a.fd, a.sections, b.fd, b.sections, s), `section ${s}`).toBe(
        true,
      );
    }
    await a.fd.close();
    await b.fd.close();
  });

  it("writes the same file as snarkjs zkey new, byte for byte", ({ initKeys }) => {
    expect(readFileSync(initKeys.fast).equals(readFileSync(initKeys.ref))).toBe(true);
  });

  it("refuses a ptau without a development secret", async ({ circuit, ptau }) => {
    const copy = join(circuit.dir, "nosecret.ptau");
    copyFileSync(ptau, copy);
    await expect(fastZkeyNew(circuit.r1cs, copy, join(circuit.dir, "x.zkey"))).rejects.toThrow(
      /not a development ptau/,
    );
  });

  it("refuses a ptau whose secret is not the one it was made with", async ({ circuit, ptau, otherPtau }) => {
    const mixed = join(circuit.dir, "mixed.ptau");
    copyFileSync(ptau, mixed);
    copyFileSync(secretPathFor(otherPtau), secretPathFor(mixed));
    await expect(fastZkeyNew(circuit.r1cs, mixed, join(circuit.dir, "x.zkey"))).rejects.toThrow(
      /does not match the points/,
    );
  });

  it("refuses a ptau too small for the circuit", async ({ circuit }) => {
    const tiny = await ensureDevPtau(6, { cacheDir: join(circuit.dir, "cache") });
    await expect(fastZkeyNew(circuit.r1cs, tiny, join(circuit.dir, "x.zkey"))).rejects.toThrow(
      /circuit too big/,
    );
  });
});

describe("development zkey", () => {
  it("passes snarkjs zkey verify against the r1cs and its ptau", async ({ circuit, ptau, devZkey }) => {
    expect(await phase2Verify(circuit.r1cs, ptau, devZkey)).toBe(true);
  });

  it("fails snarkjs zkey verify against another ptau", async ({ circuit, otherPtau, devZkey }) => {
    expect(await phase2Verify(circuit.r1cs, otherPtau, devZkey)).toBe(false);
  });

  it("proves and verifies with snarkjs groth16", async ({ circuit, devZkey }) => {
    expect(await proveAndVerify(circuit, devZkey)).toBe(true);
  });

  it("its proof does not verify with a tampered public signal", async ({ circuit, devZkey }) => {
    expect(await proveAndVerify(circuit, devZkey, true)).toBe(false);
  });

  it("is recognised as development material", async ({ devZkey }) => {
    expect(await isDevelopment(devZkey)).toBe(true);
  });

  it("its transcript lists the one development contribution", ({ devTranscript }) => {
    expect(devTranscript.contributions.map((c) => c.name)).toEqual(["rwa-attest development"]);
  });

  it("its transcript gives the contribution's 512-bit hash", ({ devTranscript }) => {
    expect(devTranscript.contributions[0]?.contributionHash).toMatch(/^[0-9a-f]{128}$/);
  });

  it.for([
    ["an A point (section 5)", 5, 64 * 3 + 7],
    ["a C point divided by delta (section 8)", 8, 64 * 10 + 2],
    ["an H point divided by delta (section 9)", 9, 64 * 100 + 9],
  ] as const)(
    "fails zkey verify when %s is tampered",
    async ([, section, at], { circuit, ptau, devZkey }) => {
      const { fd, sections } = await binFileUtils.readBinFile(devZkey, "zkey", 2);
      const pos: number = sections[section][0].p + at;
      await fd.close();
      const bytes = readFileSync(devZkey);
      bytes[pos] = (bytes[pos] as number) ^ 0x04;
      const bad = join(circuit.dir, `bad-${section}.zkey`);
      writeFileSync(bad, bytes);
      let ok: boolean;
      try {
        ok = await phase2Verify(circuit.r1cs, ptau, bad);
      } catch {
        ok = false;
      }
      expect(ok).toBe(false);
    },
  );

  it("with the delta contribution applied by snarkjs zkey contribute, is still marked development", ({
    viaSnarkjs,
  }) => {
    expect(viaSnarkjs.development).toBe(true);
  });

  it("with the delta contribution applied by snarkjs zkey contribute, passes zkey verify", async ({
    circuit,
    ptau,
    viaSnarkjs,
  }) => {
    expect(await phase2Verify(circuit.r1cs, ptau, viaSnarkjs.path)).toBe(true);
  });

  it("with the delta contribution applied by snarkjs zkey contribute, proves and verifies", async ({
    circuit,
    viaSnarkjs,
  }) => {
    expect(await proveAndVerify(circuit, viaSnarkjs.path)).toBe(true);
  });
});

describe("phase 2 ceremony", () => {
  it("refuses a development ptau unless allowDevelopment", ({ refusedInit }) => {
    expect(String(refusedInit.error)).toMatch(/DEVELOPMENT powers of tau/);
  });

  it("writes no key when it refuses a development ptau", ({ refusedInit }) => {
    expect(existsSync(refusedInit.path)).toBe(false);
  });

  it("allowed a development ptau, marks the initial key development", ({ chain }) => {
    expect(chain.init.development).toBe(true);
  });

  it("allowed a development ptau, logs that it makes a DEVELOPMENT key", ({ chain }) => {
    expect(chain.logs.join("\n")).toMatch(/DEVELOPMENT key/);
  });

  it("chains contributions and a beacon into a key that passes zkey verify", async ({
    circuit,
    ptau,
    chain,
  }) => {
    expect(await phase2Verify(circuit.r1cs, ptau, chain.key)).toBe(true);
  });

  it("the chained key's transcript lists the contributions and the beacon in order", ({ chain }) => {
    expect(chain.transcript.contributions.map((c) => [c.name, c.kind])).toEqual([
      ["rwa-attest development", "contribution"],
      ["alice", "contribution"],
      ["bob", "contribution"],
      ["final beacon", "beacon"],
    ]);
  });

  it("the transcript's contribution hashes are those the contributions returned", ({ chain }) => {
    expect(chain.transcript.contributions.slice(1).map((c) => c.contributionHash)).toEqual(chain.hashes);
  });

  it("the transcript records the beacon's hash", ({ chain }) => {
    expect(chain.transcript.contributions[3]?.beaconHash).toBe("ab".repeat(32));
  });

  it("the chained key's transcript is marked development", ({ chain }) => {
    expect(chain.transcript.development).toBe(true);
  });

  it("the transcript file names the circuit the init hashed", ({ chain }) => {
    expect(JSON.parse(readFileSync(chain.transcriptFile, "utf8")).circuitHash).toBe(chain.init.circuitHash);
  });

  it("the chained key proves and verifies", async ({ circuit, chain }) => {
    expect(await proveAndVerify(circuit, chain.key)).toBe(true);
  });

  it("the chained key does not verify against another ptau", async ({ circuit, otherPtau, chain }) => {
    expect(await phase2Verify(circuit.r1cs, otherPtau, chain.key)).toBe(false);
  });

  it("refuses a contribution without a name", async ({ circuit, devZkey }) => {
    await expect(phase2Contribute(devZkey, join(circuit.dir, "n.zkey"), "")).rejects.toThrow(CodedError);
  });

  it.for([
    ["a beacon that is not hex", "xyz", 10],
    ["a beacon of an odd number of hex digits", "abc", 10],
    ["a beacon of fewer than 2^10 iterations", "abcd", 9],
  ] as const)("refuses %s", async ([, beacon, exp], { circuit, devZkey }) => {
    await expect(phase2Beacon(devZkey, join(circuit.dir, "n.zkey"), beacon, exp, "b")).rejects.toThrow(
      CodedError,
    );
  });
});
