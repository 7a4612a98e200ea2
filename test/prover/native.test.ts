/**
 * The native Groth16 prover (prover/native/, prover/prove/native.ts): its proofs verify with snarkjs and
 * with the generated Solidity verifier for every built Groth16 instance of the catalogue, on fresh random
 * witnesses; a tampered witness gives no verifying proof; the worker refuses a proof that does not verify
 * against the verification key it was given; a pool attestation proven by both provers yields the same
 * verified figures. Also: the prover choice (option, RWA_ATTEST_PROVER) and the install's build script
 * without a toolchain.
 *
 * The proving tests are skipped, with the reason printed, when the native prover could not be built here
 * (`node prover/native/build.ts` says why). Instances: those built (`npm test` builds the `test` use:
 * example-multiplier, pool-attestation-8, score-backing-8, borrower-score; pool-attestation-64 and -256 are
 * covered here when built, and by benchmarks/prover.ts).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the install's build step run without a toolchain; one native prover server per instance
 * (closed afterwards) and, per instance, two native proofs of fresh random witnesses and the deployed
 * Solidity verifier with a native proof (only viewed); the command line's runs; and for pool-attestation-8 an
 * honest witness, forged witnesses' proofs, the server's refusals, the pool's worker with a wrong
 * verification key, and one two-chunk pool attestation proven by each prover.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import * as snarkjs from "snarkjs";
import type { Contract } from "ethers";
import { afterAll, describe, expect, test } from "vitest";
import { terminateCurves } from "../../pipeline/build.ts";
import { REPO_ROOT, loadCatalogue, pascalName } from "../../pipeline/catalogue.ts";
import { loadVerifiedArtifacts, readManifest } from "../../pipeline/manifest.ts";
import { attestPool, verifyAttestation } from "../../prover/attest.ts";
import { randomSalts } from "../../prover/commitment/encoding.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { TEST_POLICY } from "../support/policy.ts";
import {
  NATIVE_BINARY,
  NativeProver,
  PROVER_ENV,
  ProverPool,
  computeWitness,
  nativeProverBuilt,
  resolveProver,
  toSolidityProof,
} from "../../prover/prove/index.ts";
import type { VerificationKey } from "snarkjs";
import { generateSyntheticTape } from "../../prover/tape/index.ts";
import { deployContract } from "../../deploy/index.ts";
import { CHAIN_ID, REGISTRY, SAMPLE_TEMPLATES, sampleInput } from "../support/circuit-inputs.ts";

const BUILT = nativeProverBuilt();
if (!BUILT) {
  console.warn(
    `the native prover is not built (${NATIVE_BINARY} missing; node prover/native/build.ts says why): skipping its proving tests`,
  );
}
const manifest = readManifest();
const INSTANCES = loadCatalogue().filter(
  (c) =>
    c.protocol === "groth16" &&
    manifest.instances[c.name] !== undefined &&
    SAMPLE_TEMPLATES.includes(c.template),
);
const POOL8 = "pool-attestation-8";

interface Artifacts {
  wasm: string;
  zkey: string;
  vkey: string;
}
async function artifacts(name: string): Promise<Artifacts> {
  const { paths } = await loadVerifiedArtifacts(name, ["wasm", "zkey", "vkey"]);
  return { wasm: paths.wasm, zkey: paths.zkey, vkey: paths.vkey };
}

async function witnessOf(name: string, seed: string): Promise<Uint8Array> {
  return computeWitness(await sampleInput(name, seed), (await artifacts(name)).wasm);
}

/** Offset of witness value `i` in a .wtns file (header, section 1, then section 2's values). */
function valueOffset(wtns: Uint8Array, i: number): number {
  const dv = new DataView(wtns.buffer, wtns.byteOffset, wtns.byteLength);
  let pos = 12;
  for (;;) {
    const type = dv.getUint32(pos, true);
    const size = Number(dv.getBigUint64(pos + 4, true));
    if (type === 2) return pos + 12 + 32 * i;
    pos += 12 + size;
  }
}

const vkeyOf = (path: string): VerificationKey => JSON.parse(readFileSync(path, "utf8")) as VerificationKey;

/** The install's build step run with only `node` on the PATH. */
interface NoToolchain {
  status: number | null;
  lines: string[];
}

/** A native proof of a fresh random witness, with the witness's own public signals. */
interface NativeProof {
  proof: Awaited<ReturnType<NativeProver["prove"]>>["proof"];
  publicSignals: string[];
  fromWitness: string[];
}

/** The generated Solidity verifier of an instance, and a native proof in its calldata form. */
interface OnChain {
  verify: (...args: unknown[]) => Promise<unknown>;
  sol: ReturnType<typeof toSolidityProof>;
}

/** The native binary's command line: a proof of a witness, and its refusal of a verification key as key. */
interface Cli {
  status: number | null;
  verified: boolean;
  badStatus: number | null;
  badStderr: string;
  vkey: string;
}

/** pool-attestation-8's artifacts, an honest witness, and its key's public count. */
interface Pool8 {
  a: Artifacts;
  good: Uint8Array;
  nPublic: number;
}

/** A witness claiming other figures (figA flipped), proven; and the honest witness's signals. */
interface ForgedFigures {
  proof: NativeProof["proof"];
  publicSignals: string[];
  honest: string[];
}

/** The server's answers to a witness of another circuit and to bytes that are no witness, then to `good`. */
interface Refusals {
  foreign: unknown;
  nForeign: number;
  notAWitness: unknown;
  afterwards: boolean;
}

/** The pool's worker (native) with pool-attestation-8's key: the right verification key, then a wrong one. */
interface WrongVkey {
  okProver: string;
  refusal: unknown;
  wrongPath: string;
}

/** One two-chunk pool attestation per prover (the same tape, key and salts). */
type BothProvers = Record<
  "native" | "snarkjs",
  {
    prover: string;
    attestation: Awaited<ReturnType<typeof attestPool>>["attestation"];
    check: Awaited<ReturnType<typeof verifyAttestation>>;
  }
>;

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A per-name cache: each name's value is made once, on first use. */
function memo<T>(make: (name: string) => Promise<T>): {
  get(name: string): Promise<T>;
  values(): Promise<T>[];
} {
  const made = new Map<string, Promise<T>>();
  return {
    get(name) {
      let p = made.get(name);
      if (!p) made.set(name, (p = make(name)));
      return p;
    },
    values: () => [...made.values()],
  };
}

const it = test.extend<{
  noToolchain: NoToolchain;
  server: (name: string) => Promise<NativeProver>;
  nativeProofs: (name: string) => Promise<NativeProof[]>;
  onChain: (name: string) => Promise<OnChain>;
  cli: Cli;
  pool8: Pool8;
  forgedFigures: ForgedFigures;
  refusals: Refusals;
  wrongVkey: WrongVkey;
  bothProvers: BothProvers;
}>({
  noToolchain: [
    async ({}, use) => {
      const bin = mkdtempSync(join(tmpdir(), "no-toolchain-"));
      try {
        symlinkSync(process.execPath, join(bin, "node"));
        const r = spawnSync(join(bin, "node"), [join(REPO_ROOT, "prover/native/build.ts")], {
          env: { PATH: bin },
          encoding: "utf8",
        });
        await use({ status: r.status, lines: r.stdout.trim().split("\n") });
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  server: [
    async ({}, use) => {
      const servers = memo(async (name) => NativeProver.start((await artifacts(name)).zkey));
      await use((name) => servers.get(name));
      await Promise.all(servers.values().map(async (s) => (await s).close()));
    },
    { scope: "file" },
  ],
  nativeProofs: [
    async ({ server }, use) => {
      const proofs = memo(async (name) => {
        const s = await server(name);
        const out: NativeProof[] = [];
        for (const seed of ["first", "second"]) {
          const wtns = await witnessOf(name, `${name}-${seed}-${Math.random()}`);
          const { proof, publicSignals } = await s.prove(wtns);
          const fromWitness = (await snarkjs.wtns.exportJson({ type: "mem", data: wtns })) as bigint[];
          out.push({
            proof,
            publicSignals,
            fromWitness: fromWitness.slice(1, 1 + s.info.nPublic).map(String),
          });
        }
        return out;
      });
      await use((name) => proofs.get(name));
    },
    { scope: "file" },
  ],
  onChain: [
    async ({ server }, use) => {
      const { ethers } = await hre.network.connect();
      const [signer] = await ethers.getSigners();
      const deployed = memo(async (name) => {
        const verifier: Contract = await deployContract(signer!, `${pascalName(name)}Verifier`);
        const { proof, publicSignals } = await (
          await server(name)
        ).prove(await witnessOf(name, `chain-${Math.random()}`));
        return { verify: verifier.getFunction("verifyProof"), sol: toSolidityProof(proof, publicSignals) };
      });
      await use((name) => deployed.get(name));
    },
    { scope: "file" },
  ],
  cli: [
    async ({}, use) => {
      const name = INSTANCES[0]!.name;
      const a = await artifacts(name);
      const dir = mkdtempSync(join(tmpdir(), "native-cli-"));
      try {
        writeFileSync(join(dir, "w.wtns"), await witnessOf(name, "cli"));
        const r = spawnSync(
          NATIVE_BINARY,
          ["prove", a.zkey, join(dir, "w.wtns"), join(dir, "proof.json"), join(dir, "public.json")],
          { encoding: "utf8" },
        );
        let verified = false;
        if (r.status === 0) {
          const proof = JSON.parse(readFileSync(join(dir, "proof.json"), "utf8"));
          const pub = JSON.parse(readFileSync(join(dir, "public.json"), "utf8"));
          verified = await snarkjs.groth16.verify(vkeyOf(a.vkey), pub, proof);
        }
        const bad = spawnSync(
          NATIVE_BINARY,
          ["prove", a.vkey, join(dir, "w.wtns"), join(dir, "p2"), join(dir, "p3")],
          { encoding: "utf8" },
        );
        await use({ status: r.status, verified, badStatus: bad.status, badStderr: bad.stderr, vkey: a.vkey });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  pool8: [
    async ({}, use) => {
      const a = await artifacts(POOL8);
      await use({ a, good: await witnessOf(POOL8, "forged"), nPublic: vkeyOf(a.vkey).nPublic });
    },
    { scope: "file" },
  ],
  forgedFigures: [
    async ({ server, pool8 }, use) => {
      const s = await server(POOL8);
      const figA =
        1 +
        loadCatalogue()
          .find((c) => c.name === POOL8)!
          .publicSignals.indexOf("figA");
      const forged = pool8.good.slice();
      forged[valueOffset(forged, figA)]! ^= 4;
      const { proof, publicSignals } = await s.prove(forged);
      await use({ proof, publicSignals, honest: (await s.prove(pool8.good)).publicSignals });
    },
    { scope: "file" },
  ],
  refusals: [
    async ({ server, pool8 }, use) => {
      const s = await server(POOL8);
      const other = INSTANCES.find((c) => c.name !== POOL8)!.name;
      const foreignWitness = await witnessOf(other, "foreign");
      const nForeign =
        foreignWitness.length > 0
          ? new DataView(foreignWitness.buffer, foreignWitness.byteOffset).getUint32(12 + 12 + 4 + 32, true)
          : 0;
      const foreign = await settle(s.prove(foreignWitness));
      const notAWitness = await settle(s.prove(new TextEncoder().encode("not a witness")));
      const { proof, publicSignals } = await s.prove(pool8.good);
      const afterwards = await snarkjs.groth16.verify(vkeyOf(pool8.a.vkey), publicSignals, proof);
      await use({ foreign, nForeign, notAWitness, afterwards });
    },
    { scope: "file" },
  ],
  wrongVkey: [
    async ({ pool8: { a } }, use) => {
      const dir = mkdtempSync(join(tmpdir(), "wrong-vkey-"));
      const pool = new ProverPool(1, { prover: "native" });
      try {
        const input = await sampleInput(POOL8, "wrong-vkey");
        const ok = await pool.prove({ wasm: a.wasm, zkey: a.zkey, vkey: a.vkey, input });
        // The same key with another alpha (the generator): every honest proof now fails the pairing check.
        const wrong = { ...vkeyOf(a.vkey), vk_alpha_1: ["1", "2", "1"] };
        const wrongPath = join(dir, "wrong.vkey.json");
        writeFileSync(wrongPath, JSON.stringify(wrong));
        const refusal = await settle(pool.prove({ wasm: a.wasm, zkey: a.zkey, vkey: wrongPath, input }));
        await use({ okProver: ok.prover, refusal, wrongPath });
      } finally {
        await pool.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  bothProvers: [
    async ({}, use) => {
      const tape = generateSyntheticTape({ seed: "both-provers", loans: 8 + 3, poolId: 9n });
      const key = await generateOriginatorKey();
      const salts = randomSalts(tape);
      const results: Partial<BothProvers> = {};
      for (const prover of ["native", "snarkjs"] as const) {
        const pool = new ProverPool(1, { prover });
        try {
          const { attestation } = await attestPool({
            tape,
            policy: TEST_POLICY,
            key,
            chainId: CHAIN_ID,
            registry: REGISTRY,
            instance: POOL8,
            salts,
            // two committed chunks (issue 14): the same seed gives both runs the same chunk salts
            chunkSaltSeed: 7n,
            pool,
          });
          results[prover] = {
            prover: pool.prover,
            attestation,
            check: await verifyAttestation(attestation, TEST_POLICY),
          };
        } finally {
          await pool.close();
        }
      }
      await use(results as BothProvers);
    },
    { scope: "file" },
  ],
});

afterAll(terminateCurves);

describe("choosing the prover", () => {
  it.for([
    ["no option, no RWA_ATTEST_PROVER, built", "native", undefined, {}, true],
    ["no option, no RWA_ATTEST_PROVER, not built", "snarkjs", undefined, {}, false],
    ["RWA_ATTEST_PROVER=snarkjs, built", "snarkjs", undefined, { [PROVER_ENV]: "snarkjs" }, true],
    ["RWA_ATTEST_PROVER=auto, not built", "snarkjs", undefined, { [PROVER_ENV]: "auto" }, false],
    [
      "the option snarkjs over RWA_ATTEST_PROVER=native",
      "snarkjs",
      "snarkjs",
      { [PROVER_ENV]: "native" },
      true,
    ],
    [
      "the option native over RWA_ATTEST_PROVER=snarkjs",
      "native",
      "native",
      { [PROVER_ENV]: "snarkjs" },
      true,
    ],
  ] as const)("%s: takes %s", ([, expected, option, env, built]) => {
    expect(resolveProver(option, env, built)).toBe(expected);
  });

  it("refuses the option native where it is not built, saying what to install", () => {
    expect(() => resolveProver("native", {}, false)).toThrow(
      /native prover is not built .*apt-get install g\+\+ nasm libgmp-dev/,
    );
  });

  it("refuses RWA_ATTEST_PROVER=native where it is not built", () => {
    expect(() => resolveProver(undefined, { [PROVER_ENV]: "native" }, false)).toThrow(/not built/);
  });

  it("refuses an unknown RWA_ATTEST_PROVER, naming the choices", () => {
    expect(() => resolveProver(undefined, { [PROVER_ENV]: "rapidsnark" }, true)).toThrow(
      `${PROVER_ENV}: expected native, snarkjs or auto, got "rapidsnark"`,
    );
  });

  it("the pool refuses an unknown prover option", () => {
    expect(() => new ProverPool(1, { prover: "fast" as "native" })).toThrow(
      /prover: expected native, snarkjs or auto/,
    );
  });
});

describe("the install's build step without a toolchain", () => {
  it("succeeds", ({ noToolchain }) => {
    expect(noToolchain.status).toBe(0);
  });

  it("prints one line", ({ noToolchain }) => {
    expect(noToolchain.lines).toHaveLength(1);
  });

  it("says what is missing and what to install", ({ noToolchain }) => {
    expect(noToolchain.lines[0]).toMatch(
      /^\[native-prover\] not built \(missing g\+\+, nasm\): proofs use snarkjs; to build it: apt-get install g\+\+ nasm libgmp-dev/,
    );
  });
});

describe.skipIf(!BUILT)("native proofs", () => {
  const names = INSTANCES.map((c) => c.name);

  it.for(names)("%s: the server reads the key's public count", async (name, { server }) => {
    const s = await server(name);
    expect(s.info.nPublic).toBe(vkeyOf((await artifacts(name)).vkey).nPublic);
  });

  it.for(names)(
    "%s: proofs are Groth16 proofs on bn128 in snarkjs's shape",
    async (name, { nativeProofs }) => {
      for (const { proof } of await nativeProofs(name)) {
        expect(proof.protocol).toBe("groth16");
        expect(proof.curve).toBe("bn128");
        expect(proof.pi_a).toHaveLength(3);
        expect((proof.pi_b as string[][]).map((r) => r.length)).toEqual([2, 2, 2]);
      }
    },
  );

  it.for(names)("%s: proofs carry the witness's public signals", async (name, { nativeProofs }) => {
    for (const p of await nativeProofs(name)) expect(p.publicSignals).toEqual(p.fromWitness);
  });

  it.for(names)(
    "%s: proofs of fresh random witnesses verify with snarkjs",
    async (name, { nativeProofs }) => {
      const vkey = vkeyOf((await artifacts(name)).vkey);
      for (const p of await nativeProofs(name)) {
        expect(await snarkjs.groth16.verify(vkey, p.publicSignals, p.proof)).toBe(true);
      }
    },
  );

  it.for(names)("%s: the generated Solidity verifier accepts a native proof", async (name, { onChain }) => {
    const { verify, sol } = await onChain(name);
    expect(await verify(sol.a, sol.b, sol.c, sol.pubSignals)).toBe(true);
  });

  it.for(names)(
    "%s: the generated Solidity verifier refuses a native proof with another public signal",
    async (name, { onChain }) => {
      const { verify, sol } = await onChain(name);
      const tampered = [...sol.pubSignals];
      const last = tampered.length - 1;
      tampered[last] = (BigInt(tampered[last]!) + 1n).toString();
      expect(await verify(sol.a, sol.b, sol.c, tampered)).toBe(false);
    },
  );

  it("the command line proves a witness (exit 0)", ({ cli }) => {
    expect(cli.status).toBe(0);
  });

  it("the command line writes proof.json and public.json that verify with snarkjs", ({ cli }) => {
    expect(cli.verified).toBe(true);
  });

  it("the command line refuses a file that is not a proving key (exit 1)", ({ cli }) => {
    expect(cli.badStatus).toBe(1);
  });

  it("the command line names the file that is not a .zkey", ({ cli }) => {
    expect(cli.badStderr).toContain(`${cli.vkey}: not a .zkey file`);
  });

  describe.skipIf(!INSTANCES.some((c) => c.name === POOL8))(`${POOL8}: forged witnesses and keys`, () => {
    it.for([
      ["the first private value", (nPublic: number) => nPublic + 1],
      ["a private value in the middle", (nPublic: number) => nPublic + 1000],
      ["the last value", (_: number, nVars: number) => nVars - 1],
    ] as const)(
      "a witness with %s changed gives a proof that does not verify",
      async ([, index], { server, pool8 }) => {
        const s = await server(POOL8);
        const forged = pool8.good.slice();
        forged[valueOffset(forged, index(pool8.nPublic, s.info.nVars))]! ^= 1;
        const { proof, publicSignals } = await s.prove(forged);
        expect(await snarkjs.groth16.verify(vkeyOf(pool8.a.vkey), publicSignals, proof)).toBe(false);
      },
    );

    it("a witness claiming other public figures is proven with other public signals", ({ forgedFigures }) => {
      expect(forgedFigures.publicSignals).not.toEqual(forgedFigures.honest);
    });

    it("a witness claiming other public figures does not verify for its own signals", async ({
      pool8,
      forgedFigures: f,
    }) => {
      expect(await snarkjs.groth16.verify(vkeyOf(pool8.a.vkey), f.publicSignals, f.proof)).toBe(false);
    });

    it("a witness claiming other public figures does not verify for the true signals", async ({
      pool8,
      forgedFigures: f,
    }) => {
      expect(await snarkjs.groth16.verify(vkeyOf(pool8.a.vkey), f.honest, f.proof)).toBe(false);
    });

    it("the server refuses a witness of another circuit, naming both lengths", async ({
      server,
      refusals,
    }) => {
      const s = await server(POOL8);
      expect(String(refusals.foreign)).toContain(
        `native prover: witness: invalid witness length: circuit ${s.info.nVars}, witness ${refusals.nForeign}`,
      );
    });

    it("the server refuses bytes that are not a witness", ({ refusals }) => {
      expect(String(refusals.notAWitness)).toContain("native prover: witness: not a .wtns file");
    });

    it("after refusing, the server keeps serving: its next proof verifies", ({ refusals }) => {
      expect(refusals.afterwards).toBe(true);
    });

    it("the pool's worker proves natively when asked to", ({ wrongVkey }) => {
      expect(wrongVkey.okProver).toBe("native");
    });

    it("the pool's worker refuses a native proof that does not verify against the key it was given", ({
      wrongVkey,
    }) => {
      expect(String(wrongVkey.refusal)).toContain(
        `the native prover's proof does not verify against ${wrongVkey.wrongPath}`,
      );
    });

    it.for(["native", "snarkjs"] as const)(
      "a pool proving with %s uses that prover",
      (prover, { bothProvers }) => {
        expect(bothProvers[prover].prover).toBe(prover);
      },
    );

    it.for(["native", "snarkjs"] as const)(
      "an 11-loan pool attestation proven with %s has two chunks",
      (prover, { bothProvers }) => {
        expect(bothProvers[prover].attestation.chunks).toHaveLength(2);
      },
    );

    it.for(["native", "snarkjs"] as const)(
      "an 11-loan pool attestation proven with %s verifies",
      (prover, { bothProvers }) => {
        expect(bothProvers[prover].check).toMatchObject({ valid: true, problems: [] });
      },
    );

    it("the attestations proven natively and with snarkjs have the same figures", ({ bothProvers }) => {
      expect(bothProvers.native.attestation.figures).toEqual(bothProvers.snarkjs.attestation.figures);
    });

    it("the attestations proven natively and with snarkjs have the same chunk signals", ({ bothProvers }) => {
      expect(bothProvers.native.attestation.chunks.map((c) => c.publicSignals)).toEqual(
        bothProvers.snarkjs.attestation.chunks.map((c) => c.publicSignals),
      );
    });

    it("the two provers' proofs differ (independent randomness)", ({ bothProvers }) => {
      expect(bothProvers.native.attestation.chunks[0]!.proof.pi_a).not.toEqual(
        bothProvers.snarkjs.attestation.chunks[0]!.proof.pi_a,
      );
    });
  });
});
