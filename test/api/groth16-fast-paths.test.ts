/**
 * The checker's faster paths against their references: the shared Miller loop of verifier-api/multi-miller.ts
 * against ffjavascript's own `millerLoop` (the same Fp12 element as the product of the single loops, not only
 * after the final exponentiation, for one pair to more than a pass holds), the wasm multi-exponentiation
 * against multiplications one by one (the same point, with O among the points and zero scalars), and the
 * service's checker with its defaults answering as with every reference path on valid, tampered and mixed
 * batches of real proofs.
 */
import { randomBytes } from "node:crypto";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { loadVerificationKey } from "../../prover/prove/index.ts";
import { MultiMiller } from "../../verifier-api/multi-miller.ts";
import {
  Groth16Checker,
  SCALAR_FIELD,
  type CheckItem,
  type VkeyPoints,
} from "../../verifier-api/groth16-check.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
let curve: any;
let multi: MultiMiller;
const randomScalar = (): bigint => BigInt("0x" + randomBytes(32).toString("hex")) % SCALAR_FIELD;

beforeAll(async () => {
  curve = await buildBn128(true);
  multi = new MultiMiller(curve);
});

afterAll(async () => {
  await curve?.terminate();
});

describe("the shared Miller loop", () => {
  it("is the product of ffjavascript's Miller loops, exactly, for 1 to 35 random pairs", () => {
    const pairs: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 35; i++) {
      const p = curve.G1.timesScalar(curve.G1.g, randomScalar());
      const q = curve.G2.timesScalar(curve.G2.g, randomScalar());
      pairs.push([curve.prepareG1(i % 2 ? curve.G1.neg(p) : p), curve.prepareG2(q)]);
    }
    for (const n of [1, 2, 3, 4, 11, 16, 17, 35]) {
      let expected = curve.Gt.one;
      for (const [p, q] of pairs.slice(0, n)) expected = curve.Gt.mul(expected, curve.millerLoop(p, q));
      expect(curve.Gt.eq(multi.product(pairs.slice(0, n)), expected), `${n} pairs`).toBe(true);
    }
    expect(curve.Gt.eq(multi.product([]), curve.Gt.one)).toBe(true);
  });

  it("gives a pairing product of 1 for e(aP, bQ)·e(-abP, Q) after the final exponentiation", () => {
    const a = randomScalar();
    const b = randomScalar();
    const P = curve.G1.g;
    const Q = curve.G2.g;
    const pairs: [Uint8Array, Uint8Array][] = [
      [curve.prepareG1(curve.G1.timesScalar(P, a)), curve.prepareG2(curve.G2.timesScalar(Q, b))],
      [curve.prepareG1(curve.G1.neg(curve.G1.timesScalar(P, (a * b) % SCALAR_FIELD))), curve.prepareG2(Q)],
    ];
    expect(curve.Gt.eq(curve.finalExponentiation(multi.product(pairs)), curve.Gt.one)).toBe(true);
    pairs[1]![0] = curve.prepareG1(curve.G1.neg(curve.G1.timesScalar(P, (a * b + 1n) % SCALAR_FIELD)));
    expect(curve.Gt.eq(curve.finalExponentiation(multi.product(pairs)), curve.Gt.one)).toBe(false);
  });
});

describe("the checker with its defaults and with the reference paths", () => {
  const NAME = "example-multiplier";
  let items: CheckItem[];
  let shared: Groth16Checker;
  let separate: Groth16Checker;

  beforeAll(async () => {
    const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
    const proofs = await Promise.all(
      [3, 5, 7, 11].map((x) => snarkjs.groth16.fullProve({ a: x, b: 13, c: x * 13 }, paths.wasm, paths.zkey)),
    );
    items = proofs.map(({ proof, publicSignals }) => ({
      instance: NAME,
      signals: publicSignals,
      a: proof.pi_a as string[],
      b: proof.pi_b as string[][],
      c: proof.pi_c as string[],
    }));
    const points = (await loadVerificationKey(NAME)) as unknown as VkeyPoints;
    shared = await Groth16Checker.create();
    separate = await Groth16Checker.create({
      subgroupCheck: "order",
      millerLoops: "separate",
      multiExp: "separate",
    });
    for (const c of [shared, separate]) c.load(NAME, points);
  });

  afterAll(async () => {
    await shared?.close();
    await separate?.close();
  });

  it("sums G1 multiples as the reference does, with O among the points and zero scalars", () => {
    type Sum = (points: Uint8Array[], scalars: bigint[], bytes: number) => Uint8Array;
    const fast = (shared as unknown as { sumOfMultiples: Sum }).sumOfMultiples.bind(shared);
    const ref = (separate as unknown as { sumOfMultiples: Sum }).sumOfMultiples.bind(separate);
    const c = (shared as unknown as { curve: any }).curve;
    const pts: Uint8Array[] = [];
    for (let i = 0; i < 9; i++) {
      const p = c.G1.timesScalar(c.G1.g, randomScalar());
      pts.push(i % 2 ? c.G1.toAffine(p) : p);
    }
    const cases: [Uint8Array[], bigint[], number][] = [
      [pts, pts.map(() => randomScalar()), 32],
      [pts, pts.map(() => BigInt("0x" + randomBytes(16).toString("hex"))), 16],
      [[...pts.slice(0, 3), c.G1.zero, c.G1.zeroAffine], [1n, 0n, 5n, 7n, 9n], 32],
      [[pts[0]!], [SCALAR_FIELD - 1n], 32],
      [[pts[0]!, c.G1.neg(pts[0]!)], [3n, 3n], 32],
    ];
    for (const [p, k, bytes] of cases) expect(c.G1.eq(fast(p, k, bytes), ref(p, k, bytes))).toBe(true);
    expect(() => fast([pts[0]!], [1n << 128n], 16)).toThrow(RangeError);
  });

  it("answers the same for one proof, a batch of valid proofs and batches with wrong ones", () => {
    const wrongSignal: CheckItem = { ...items[1]!, signals: ["26"] };
    const zeroC: CheckItem = { ...items[3]!, c: ["0", "1", "0"] };
    const swapped: CheckItem = { ...items[2]!, signals: items[3]!.signals };
    const cases: [CheckItem[], boolean[]][] = [
      [[items[0]!], [true]],
      [[wrongSignal], [false]],
      [items, [true, true, true, true]],
      [[...items, ...items, ...items, ...items, ...items], new Array<boolean>(20).fill(true)], // 23 pairs: two passes
      [
        [items[0]!, wrongSignal, items[2]!, swapped],
        [true, false, true, false],
      ],
      [[zeroC], [false]],
      [
        [items[0]!, zeroC, items[1]!],
        [true, false, true],
      ],
    ];
    for (const [batch, expected] of cases) {
      const a = shared.checkAll(batch);
      const b = separate.checkAll(batch);
      expect(a.results).toEqual(expected);
      expect(b.results).toEqual(expected);
      expect(a.stats).toEqual(b.stats);
    }
  });
});
