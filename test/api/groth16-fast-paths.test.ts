/**
 * The checker's faster paths against their references: the shared Miller loop of verifier-api/multi-miller.ts
 * against ffjavascript's own `millerLoop` (the same Fp12 element as the product of the single loops, not only
 * after the final exponentiation, for one pair to more than a pass holds), the wasm multi-exponentiation
 * against multiplications one by one (the same point, with O among the points and zero scalars), and the
 * service's checker with its defaults answering as with every reference path on valid, tampered and mixed
 * batches of real proofs.
 *
 * One claim per test. Fixtures from `it`'s context, once per file: the curve (ffjavascript's BN254 with its
 * wasm, terminated after the file) and the shared Miller loop over it; four real proofs of the example circuit
 * and two checkers, one with the defaults and one with every reference path (closed after the file).
 */
import { randomBytes } from "node:crypto";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { describe, expect, test } from "vitest";
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
const randomScalar = (): bigint => BigInt("0x" + randomBytes(32).toString("hex")) % SCALAR_FIELD;
const NAME = "example-multiplier";

const it = test.extend<{
  curve: any;
  multi: MultiMiller;
  /** Four valid proofs of the example circuit, as the checker takes them. */
  items: CheckItem[];
  /** The checker with its defaults, and with the order check, separate Miller loops and multiplications. */
  checkers: { shared: Groth16Checker; separate: Groth16Checker };
}>({
  curve: [
    async ({}, use) => {
      const curve = await buildBn128(true);
      await use(curve);
      await curve.terminate();
    },
    { scope: "file" },
  ],
  multi: [async ({ curve }, use) => use(new MultiMiller(curve)), { scope: "file" }],
  items: [
    async ({}, use) => {
      const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
      const proofs = await Promise.all(
        [3, 5, 7, 11].map((x) =>
          snarkjs.groth16.fullProve({ a: x, b: 13, c: x * 13 }, paths.wasm, paths.zkey),
        ),
      );
      await use(
        proofs.map(({ proof, publicSignals }) => ({
          instance: NAME,
          signals: publicSignals,
          a: proof.pi_a as string[],
          b: proof.pi_b as string[][],
          c: proof.pi_c as string[],
        })),
      );
    },
    { scope: "file" },
  ],
  checkers: [
    async ({}, use) => {
      const points = (await loadVerificationKey(NAME)) as unknown as VkeyPoints;
      const shared = await Groth16Checker.create();
      const separate = await Groth16Checker.create({
        subgroupCheck: "order",
        millerLoops: "separate",
        multiExp: "separate",
      });
      for (const c of [shared, separate]) c.load(NAME, points);
      await use({ shared, separate });
      await shared.close();
      await separate.close();
    },
    { scope: "file" },
  ],
});

describe("the shared Miller loop", () => {
  it("is the product of ffjavascript's Miller loops, exactly, for 1 to 35 random pairs", ({
    curve,
    multi,
  }) => {
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

  it("gives a pairing product of 1 for e(aP, bQ)·e(-abP, Q) after the final exponentiation", ({
    curve,
    multi,
  }) => {
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
  it("sums G1 multiples as the reference does, with O among the points and zero scalars", ({
    checkers: { shared, separate },
  }) => {
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

  /** Batches built from the four valid proofs, with the answers expected. */
  const BATCHES: [string, (items: CheckItem[]) => [CheckItem[], boolean[]]][] = [
    ["one valid proof", (i) => [[i[0]!], [true]]],
    ["one proof with a wrong signal", (i) => [[{ ...i[1]!, signals: ["26"] }], [false]]],
    ["four valid proofs", (i) => [i, [true, true, true, true]]],
    // 23 pairs: two passes of the shared loop
    ["twenty valid proofs", (i) => [[...i, ...i, ...i, ...i, ...i], new Array<boolean>(20).fill(true)]],
    [
      "a wrong signal and swapped signals among valid proofs",
      (i) => [
        [i[0]!, { ...i[1]!, signals: ["26"] }, i[2]!, { ...i[2]!, signals: i[3]!.signals }],
        [true, false, true, false],
      ],
    ],
    ["C at infinity", (i) => [[{ ...i[3]!, c: ["0", "1", "0"] }], [false]]],
    [
      "C at infinity between valid proofs",
      (i) => [
        [i[0]!, { ...i[3]!, c: ["0", "1", "0"] }, i[1]!],
        [true, false, true],
      ],
    ],
  ];

  it.for(BATCHES)(
    "answers as the reference paths do, and as expected: %s",
    ([, make], { items, checkers }) => {
      const [batch, expected] = make(items);
      const a = checkers.shared.checkAll(batch);
      const b = checkers.separate.checkAll(batch);
      expect(a.results).toEqual(expected);
      expect(b.results).toEqual(expected);
      expect(a.stats).toEqual(b.stats);
    },
  );
});
