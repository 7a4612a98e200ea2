/**
 * The service's resident verifier against snarkjs's own `groth16.verify`: the same answer for the real
 * proof and for every tampered variant (each coordinate, swapped points, other signals, field overflow,
 * malformed shapes).
 */
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { loadVerificationKey } from "../../prover/prove/index.ts";
import { Groth16Checker, type VkeyPoints } from "../../verifier-api/groth16-check.ts";
import { ResidentVerifier, UnknownInstanceError } from "../../verifier-api/verifier.ts";

const NAME = "example-multiplier";
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
let v: ResidentVerifier;
let proof: snarkjs.Groth16Proof;
let signals: string[];
let vkey: snarkjs.VerificationKey;

beforeAll(async () => {
  const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
  ({ proof, publicSignals: signals } = await snarkjs.groth16.fullProve(
    { a: 3, b: 11, c: 33 },
    paths.wasm,
    paths.zkey,
  ));
  v = await ResidentVerifier.create([NAME]);
  vkey = await loadVerificationKey(NAME);
});

afterAll(async () => {
  await v?.close();
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

const bump = (s: string): string => (BigInt(s) + 1n).toString();

describe("resident verifier", () => {
  it("accepts the real proof, like snarkjs", async () => {
    expect(await v.verify(NAME, signals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkey, signals, proof)).toBe(true);
    expect(v.instances).toEqual([NAME]);
    expect(v.key(NAME)?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses every tampered coordinate and swapped point, like snarkjs", async () => {
    const variants: snarkjs.Groth16Proof[] = [];
    for (const i of [0, 1]) {
      const a = structuredClone(proof);
      a.pi_a[i] = bump(a.pi_a[i] as string);
      variants.push(a);
      const c = structuredClone(proof);
      c.pi_c[i] = bump(c.pi_c[i] as string);
      variants.push(c);
      for (const j of [0, 1]) {
        const b = structuredClone(proof);
        (b.pi_b as string[][])[i]![j] = bump((b.pi_b as string[][])[i]![j]!);
        variants.push(b);
      }
    }
    const swapped = structuredClone(proof);
    [swapped.pi_a, swapped.pi_c] = [swapped.pi_c, swapped.pi_a];
    variants.push(swapped);
    for (const p of variants) {
      const ours = await v.verify(NAME, signals, p);
      const theirs = await snarkjs.groth16.verify(vkey, signals, p).catch(() => false);
      expect(ours).toBe(false);
      expect(theirs).toBe(false);
    }
  });

  it("refuses other signals, out-of-field signals and malformed input without throwing", async () => {
    expect(await v.verify(NAME, ["34"], proof)).toBe(false);
    expect(await v.verify(NAME, ["0"], proof)).toBe(false);
    // 33 + r is 33 in the field: a verifier that reduces instead of refusing would accept it (snarkjs refuses).
    expect(await v.verify(NAME, [(33n + FIELD).toString()], proof)).toBe(false);
    expect(await snarkjs.groth16.verify(vkey, [(33n + FIELD).toString()], proof)).toBe(false);
    expect(await v.verify(NAME, [FIELD.toString()], proof)).toBe(false);
    expect(await v.verify(NAME, [], proof)).toBe(false);
    expect(await v.verify(NAME, ["33", "1"], proof)).toBe(false);
    expect(await v.verify(NAME, "33", proof)).toBe(false);
    expect(
      await v.verify(NAME, signals, {
        pi_a: ["1", "2"],
        pi_b: [
          ["1", "2"],
          ["3", "4"],
        ],
        pi_c: ["1", "2"],
      }),
    ).toBe(false);
    expect(await v.verify(NAME, signals, null)).toBe(false);
    expect(await v.verify(NAME, signals, { ...proof, pi_a: ["-1", "2", "1"] })).toBe(false);
  });

  it("throws for an instance it has no key for", async () => {
    await expect(v.verify("no-such-instance", signals, proof)).rejects.toBeInstanceOf(UnknownInstanceError);
  });
});

describe("batched verification", () => {
  it("checks concurrent calls as one batch, and a batch with a bad proof answers each call on its own", async () => {
    const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
    const more = await Promise.all(
      [2, 5, 7].map((x) => snarkjs.groth16.fullProve({ a: x, b: 13, c: x * 13 }, paths.wasm, paths.zkey)),
    );
    const before = { ...v.batchStats };
    const good = await Promise.all([
      v.verify(NAME, signals, proof),
      ...more.map((m) => v.verify(NAME, m.publicSignals, m.proof)),
    ]);
    expect(good).toEqual([true, true, true, true]);
    expect(v.batchStats.batches).toBe(before.batches + 1);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks);

    const tampered = structuredClone(more[1]!.proof);
    tampered.pi_c[0] = bump(tampered.pi_c[0] as string);
    const mixed = await Promise.all([
      v.verify(NAME, signals, proof),
      v.verify(NAME, more[0]!.publicSignals, more[0]!.proof),
      v.verify(NAME, more[1]!.publicSignals, tampered),
      v.verify(NAME, ["26"], more[2]!.proof), // a valid proof of another statement
      v.verify(NAME, more[2]!.publicSignals, more[2]!.proof),
    ]);
    // The tampered pi_c is off the curve (refused at parse); the other signal is refused by the batch.
    expect(mixed).toEqual([true, true, false, false, true]);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks + 1);

    // Two valid proofs with their public signals swapped fail as a batch and one by one.
    const swapped = await Promise.all([
      v.verify(NAME, more[0]!.publicSignals, more[1]!.proof),
      v.verify(NAME, more[1]!.publicSignals, more[0]!.proof),
    ]);
    expect(swapped).toEqual([false, false]);
  });
});

describe("several checking processes", () => {
  it("a call that arrives while one process checks a batch goes to another; every answer is its own", async () => {
    const two = await ResidentVerifier.create([NAME], 2);
    try {
      expect(two.processes).toBe(2);
      const first = two.verify(NAME, signals, proof); // starts a batch on one process
      await new Promise((r) => setImmediate(r));
      // these arrive while it is checked: they go to the other process, not after it
      const rest = [two.verify(NAME, ["34"], proof), two.verify(NAME, signals, proof)];
      expect(await Promise.all([first, ...rest])).toEqual([true, false, true]);
      const pids = (two as unknown as { checker: { pids(): number[] } }).checker.pids();
      expect(new Set(pids).size).toBe(2);
      // one of them killed: calls are answered by the other and a new one
      process.kill(pids[0]!, "SIGKILL");
      await new Promise((r) => setTimeout(r, 200));
      expect(await Promise.all([two.verify(NAME, signals, proof), two.verify(NAME, ["34"], proof)])).toEqual([
        true,
        false,
      ]);
    } finally {
      await two.close();
    }
    // twin: one process checks them one batch after another, with the same answers
    const one = await ResidentVerifier.create([NAME], 1);
    try {
      const first = one.verify(NAME, signals, proof);
      await new Promise((r) => setImmediate(r));
      const rest = [one.verify(NAME, ["34"], proof), one.verify(NAME, signals, proof)];
      expect(await Promise.all([first, ...rest])).toEqual([true, false, true]);
      expect((one as unknown as { checker: { pids(): number[] } }).checker.pids()).toHaveLength(1);
    } finally {
      await one.close();
    }
    await expect(ResidentVerifier.create([NAME], 0)).rejects.toThrow(/processes/);
  });
});

describe("points outside the subgroup, wrong keys, a lost checking process", () => {
  /** A point on the twist curve that is not in the order-r subgroup (G2's cofactor is not 1). */
  async function twistPointOutsideSubgroup(): Promise<string[][]> {
    const curve = await buildBn128(true);
    try {
      const F2 = curve.F2;
      for (let k = 1n; ; k++) {
        const x = F2.fromObject([k, 1n]);
        const rhs = F2.add(F2.mul(F2.square(x), x), curve.G2.b);
        if (!F2.isSquare(rhs)) continue;
        const p = curve.G2.fromObject([F2.toObject(x), F2.toObject(F2.sqrt(rhs)), [1n, 0n]]);
        expect(curve.G2.isValid(p)).toBe(true); // on the curve ...
        expect(curve.G2.isZero(curve.G2.timesScalar(p, FIELD))).toBe(false); // ... but not in the subgroup
        return (curve.G2.toObject(p) as bigint[][]).map((r) => r.map(String));
      }
    } finally {
      await curve.terminate();
    }
  }

  it("refuses a B on the curve but outside the subgroup before the pairing check, like snarkjs", async () => {
    const outside = structuredClone(proof);
    outside.pi_b = await twistPointOutsideSubgroup();
    expect(await snarkjs.groth16.verify(vkey, signals, outside).catch(() => false)).toBe(false);
    const before = { ...v.batchStats };
    // In a batch with a valid proof: the bad B is refused when its points are read, so the batch of the
    // others holds and nothing is re-checked one by one (a pairing-level refusal would show as a fallback).
    expect(await Promise.all([v.verify(NAME, signals, outside), v.verify(NAME, signals, proof)])).toEqual([
      false,
      true,
    ]);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks);
  });

  it("refuses a valid proof against a wrong key (another IC point), like snarkjs", async () => {
    const checker = await Groth16Checker.create();
    try {
      const points = vkey as unknown as VkeyPoints;
      const wrong: VkeyPoints = { ...points, IC: [points.IC[0]!, points.IC[0]!] };
      const wrongVkey = { ...vkey, IC: wrong.IC } as unknown as snarkjs.VerificationKey;
      checker.load("right", points);
      checker.load("wrong", wrong);
      const item = (instance: string) => ({
        instance,
        signals,
        a: proof.pi_a as string[],
        b: proof.pi_b as string[][],
        c: proof.pi_c as string[],
      });
      expect(checker.checkAll([item("right"), item("wrong"), item("not-loaded")]).results).toEqual([
        true,
        false,
        false,
      ]);
      expect(await snarkjs.groth16.verify(wrongVkey, signals, proof)).toBe(false);
      // A key with a point off its curve is refused when it is loaded.
      const offCurve: VkeyPoints = { ...points, vk_alpha_1: ["1", "3", "1"] };
      expect(() => checker.load("bad", offCurve)).toThrow(/a G1 point of its key is not on the curve/);
    } finally {
      await checker.close();
    }
  });

  it("answers calls again after its checking process is killed", async () => {
    const pids = (v as unknown as { checker: { pids(): number[] } }).checker.pids();
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    expect(await v.verify(NAME, signals, proof)).toBe(true);
    expect(await v.verify(NAME, ["34"], proof)).toBe(false);
  });
});
