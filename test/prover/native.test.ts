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
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

afterAll(terminateCurves);

describe("choosing the prover", () => {
  it("takes the option, else RWA_ATTEST_PROVER, else native when built", () => {
    expect(resolveProver(undefined, {}, true)).toBe("native");
    expect(resolveProver(undefined, {}, false)).toBe("snarkjs");
    expect(resolveProver(undefined, { [PROVER_ENV]: "snarkjs" }, true)).toBe("snarkjs");
    expect(resolveProver(undefined, { [PROVER_ENV]: "auto" }, false)).toBe("snarkjs");
    expect(resolveProver("snarkjs", { [PROVER_ENV]: "native" }, true)).toBe("snarkjs");
    expect(resolveProver("native", { [PROVER_ENV]: "snarkjs" }, true)).toBe("native");
  });

  it("refuses native where it is not built, and an unknown name", () => {
    expect(() => resolveProver("native", {}, false)).toThrow(
      /native prover is not built .*apt-get install g\+\+ nasm libgmp-dev/,
    );
    expect(() => resolveProver(undefined, { [PROVER_ENV]: "native" }, false)).toThrow(/not built/);
    expect(() => resolveProver(undefined, { [PROVER_ENV]: "rapidsnark" }, true)).toThrow(
      `${PROVER_ENV}: expected native, snarkjs or auto, got "rapidsnark"`,
    );
    expect(() => new ProverPool(1, { prover: "fast" as "native" })).toThrow(
      /prover: expected native, snarkjs or auto/,
    );
  });
});

describe("the install's build step", () => {
  it("without a toolchain prints one line saying what to install, and succeeds", () => {
    const bin = mkdtempSync(join(tmpdir(), "no-toolchain-"));
    try {
      symlinkSync(process.execPath, join(bin, "node"));
      const r = spawnSync(join(bin, "node"), [join(REPO_ROOT, "prover/native/build.ts")], {
        env: { PATH: bin },
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^\[native-prover\] not built \(missing g\+\+, nasm\): proofs use snarkjs; to build it: apt-get install g\+\+ nasm libgmp-dev/,
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!BUILT)("native proofs", () => {
  const servers = new Map<string, NativeProver>();
  const server = async (name: string): Promise<NativeProver> => {
    let s = servers.get(name);
    if (!s) servers.set(name, (s = await NativeProver.start((await artifacts(name)).zkey)));
    return s;
  };
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it.each(INSTANCES.map((c) => c.name))(
    "%s: proofs of fresh random witnesses verify with snarkjs, with the witness's public signals",
    async (name) => {
      const a = await artifacts(name);
      const s = await server(name);
      expect(s.info.nPublic).toBe(vkeyOf(a.vkey).nPublic);
      for (const seed of ["first", "second"]) {
        const wtns = await witnessOf(name, `${name}-${seed}-${Math.random()}`);
        const { proof, publicSignals } = await s.prove(wtns);
        expect(proof.protocol).toBe("groth16");
        expect(proof.curve).toBe("bn128");
        expect(proof.pi_a).toHaveLength(3);
        expect((proof.pi_b as string[][]).map((r) => r.length)).toEqual([2, 2, 2]);
        const fromWitness = (await snarkjs.wtns.exportJson({ type: "mem", data: wtns })) as bigint[];
        expect(publicSignals).toEqual(fromWitness.slice(1, 1 + s.info.nPublic).map(String));
        expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), publicSignals, proof)).toBe(true);
      }
    },
  );

  it.each(INSTANCES.map((c) => c.name))(
    "%s: the generated Solidity verifier accepts a native proof and refuses it with another public signal",
    async (name) => {
      const { ethers } = await hre.network.connect();
      const [signer] = await ethers.getSigners();
      const verifier = await deployContract(signer!, `${pascalName(name)}Verifier`);
      const { proof, publicSignals } = await (
        await server(name)
      ).prove(await witnessOf(name, `chain-${Math.random()}`));
      const sol = toSolidityProof(proof, publicSignals);
      const verify = verifier.getFunction("verifyProof");
      expect(await verify(sol.a, sol.b, sol.c, sol.pubSignals)).toBe(true);
      const tampered = [...sol.pubSignals];
      const last = tampered.length - 1;
      tampered[last] = (BigInt(tampered[last]!) + 1n).toString();
      expect(await verify(sol.a, sol.b, sol.c, tampered)).toBe(false);
    },
  );

  it("the command line writes proof.json and public.json as snarkjs does", async () => {
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
      expect(r.status).toBe(0);
      const proof = JSON.parse(readFileSync(join(dir, "proof.json"), "utf8"));
      const pub = JSON.parse(readFileSync(join(dir, "public.json"), "utf8"));
      expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), pub, proof)).toBe(true);
      const bad = spawnSync(
        NATIVE_BINARY,
        ["prove", a.vkey, join(dir, "w.wtns"), join(dir, "p2"), join(dir, "p3")],
        { encoding: "utf8" },
      );
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`${a.vkey}: not a .zkey file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(!INSTANCES.some((c) => c.name === POOL8))(`${POOL8}: forged witnesses and keys`, () => {
    let a: Artifacts;
    let good: Uint8Array;
    let nPublic: number;
    beforeAll(async () => {
      a = await artifacts(POOL8);
      good = await witnessOf(POOL8, "forged");
      nPublic = vkeyOf(a.vkey).nPublic;
    });

    it("a witness with one private value changed gives a proof that does not verify", async () => {
      const s = await server(POOL8);
      for (const i of [nPublic + 1, nPublic + 1000, s.info.nVars - 1]) {
        const forged = good.slice();
        forged[valueOffset(forged, i)]! ^= 1;
        const { proof, publicSignals } = await s.prove(forged);
        expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), publicSignals, proof)).toBe(false);
      }
    });

    it("a witness claiming other public figures does not verify, neither for its own signals nor the true ones", async () => {
      const s = await server(POOL8);
      const figA =
        1 +
        loadCatalogue()
          .find((c) => c.name === POOL8)!
          .publicSignals.indexOf("figA");
      const forged = good.slice();
      forged[valueOffset(forged, figA)]! ^= 4;
      const { proof, publicSignals } = await s.prove(forged);
      const honest = (await s.prove(good)).publicSignals;
      expect(publicSignals).not.toEqual(honest);
      expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), publicSignals, proof)).toBe(false);
      expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), honest, proof)).toBe(false);
    });

    it("the server refuses a witness of another circuit by name and keeps serving", async () => {
      const s = await server(POOL8);
      const other = INSTANCES.find((c) => c.name !== POOL8)!.name;
      const foreign = await witnessOf(other, "foreign");
      const nForeign =
        foreign.length > 0
          ? new DataView(foreign.buffer, foreign.byteOffset).getUint32(12 + 12 + 4 + 32, true)
          : 0;
      await expect(s.prove(foreign)).rejects.toThrow(
        `native prover: witness: invalid witness length: circuit ${s.info.nVars}, witness ${nForeign}`,
      );
      await expect(s.prove(new TextEncoder().encode("not a witness"))).rejects.toThrow(
        "native prover: witness: not a .wtns file",
      );
      const { proof, publicSignals } = await s.prove(good);
      expect(await snarkjs.groth16.verify(vkeyOf(a.vkey), publicSignals, proof)).toBe(true);
    });

    it("the pool's worker refuses a native proof that does not verify against the key it was given", async () => {
      const dir = mkdtempSync(join(tmpdir(), "wrong-vkey-"));
      const pool = new ProverPool(1, { prover: "native" });
      try {
        const input = await sampleInput(POOL8, "wrong-vkey");
        const ok = await pool.prove({ wasm: a.wasm, zkey: a.zkey, vkey: a.vkey, input });
        expect(ok.prover).toBe("native");
        // The same key with another alpha (the generator): every honest proof now fails the pairing check.
        const wrong = { ...vkeyOf(a.vkey), vk_alpha_1: ["1", "2", "1"] };
        const wrongPath = join(dir, "wrong.vkey.json");
        writeFileSync(wrongPath, JSON.stringify(wrong));
        await expect(pool.prove({ wasm: a.wasm, zkey: a.zkey, vkey: wrongPath, input })).rejects.toThrow(
          `the native prover's proof does not verify against ${wrongPath}`,
        );
      } finally {
        await pool.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a two-chunk pool attestation proven natively and with snarkjs verifies with the same figures", async () => {
      const tape = generateSyntheticTape({ seed: "both-provers", loans: 8 + 3, poolId: 9n });
      const key = await generateOriginatorKey();
      const salts = randomSalts(tape);
      const results = [];
      for (const prover of ["native", "snarkjs"] as const) {
        const pool = new ProverPool(1, { prover });
        try {
          expect(pool.prover).toBe(prover);
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
          expect(attestation.chunks).toHaveLength(2);
          expect(await verifyAttestation(attestation, TEST_POLICY)).toMatchObject({
            valid: true,
            problems: [],
          });
          results.push(attestation);
        } finally {
          await pool.close();
        }
      }
      const [native, js] = results;
      expect(native!.figures).toEqual(js!.figures);
      expect(native!.chunks.map((c) => c.publicSignals)).toEqual(js!.chunks.map((c) => c.publicSignals));
      // Independent randomness: the two provers' proofs differ, both verify.
      expect(native!.chunks[0]!.proof.pi_a).not.toEqual(js!.chunks[0]!.proof.pi_a);
    });
  });
});
