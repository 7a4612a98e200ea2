/**
 * The endomorphism G2 membership test of verifier-api/g2-subgroup.ts against the reference [r]P == O: the
 * number theory that makes them equivalent (computed from p, r and x, not quoted), ψ's constants derived from
 * the curve, and the three tests on points in G2, points of E'(Fp2) outside it (hashed to the curve, cofactor
 * not cleared), points with a small-order part for each prime factor of the cofactor, and the point at
 * infinity; then a real proof whose B is replaced by such points, refused one by one and in a batch.
 *
 * One claim per test. Fixtures from `it`'s context, once per file: the curve (ffjavascript's BN254, terminated
 * after the file) with the subgroup test and the point helpers made over it; a real proof of the example circuit
 * and a checker with each subgroup test (closed after the file).
 */
import { createHash, randomBytes } from "node:crypto";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { describe, expect, test } from "vitest";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { loadVerificationKey } from "../../prover/prove/index.ts";
import { BN_P, BN_R, BN_T, BN_X, G2_COFACTOR, G2Subgroup } from "../../verifier-api/g2-subgroup.ts";
import {
  BASE_FIELD,
  Groth16Checker,
  SCALAR_FIELD,
  type CheckItem,
  type SubgroupCheck,
  type VkeyPoints,
} from "../../verifier-api/groth16-check.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Point = Uint8Array;

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
/** Reduces Σ c_i·ψ^i to a + bψ with ψ² = tψ − p (the equation ψ satisfies on E'). */
function reduce(coeffs: bigint[]): [bigint, bigint] {
  const c = [...coeffs];
  for (let i = c.length - 1; i >= 2; i--) {
    // c_i ψ^i = c_i ψ^(i−2) (tψ − p)
    c[i - 1] = c[i - 1]! + c[i]! * BN_T;
    c[i - 2] = c[i - 2]! - c[i]! * BN_P;
    c[i] = 0n;
  }
  return [c[0]!, c[1] ?? 0n];
}
/** The degree of a + bψ: its dual times it is [a² + abt + b²p]. */
const norm = ([a, b]: [bigint, bigint]): bigint => a * a + a * b * BN_T + b * b * BN_P;

/** The cofactor's prime factors (the product is checked below; the last one is large). */
const COFACTOR_FACTORS = [
  10069n,
  5864401n,
  1875725156269n,
  197620364512881247228717050342013327560683201906968909n,
];

/** What the tests compute on the curve: ffjavascript's BN254 and the subgroup test made over it. */
function curveTools(curve: any, g2: G2Subgroup) {
  const isOnCurve = (p: Point): boolean => curve.G2.isValid(p);
  const byOrder = (p: Point): boolean => curve.G2.isZero(curve.G2.timesScalar(p, BN_R));
  const mul = (p: Point, k: bigint): Point => curve.G2.timesScalar(p, k);
  const add = (p: Point, q: Point): Point => curve.G2.add(p, q);
  /** All three tests' answers for P. */
  const answers = (p: Point): boolean[] => [g2.inSubgroup(p), g2.inSubgroupScott(p), g2.inSubgroupByOrder(p)];

  /**
   * A point of E'(Fp2) by try-and-increment from a seed: x from sha256(seed, counter), the first x with x³ + b'
   * a square; the cofactor is NOT cleared, so it is in G2 only with probability 1/h.
   */
  function hashToTwist(seed: string): Point {
    const F2 = curve.F2;
    for (let i = 0; ; i++) {
      const h = (k: number) =>
        BigInt("0x" + createHash("sha256").update(`${seed}/${i}/${k}`).digest("hex")) % BN_P;
      const x = F2.fromObject([h(0), h(1)]);
      const rhs = F2.add(F2.mul(F2.square(x), x), curve.G2.b);
      if (!F2.isSquare(rhs)) continue;
      const p = curve.G2.fromObject([F2.toObject(x), F2.toObject(F2.sqrt(rhs)), [1n, 0n]]);
      expect(isOnCurve(p)).toBe(true);
      return p;
    }
  }

  /** The same point in Jacobian coordinates with a random Z (as a request's third coordinate gives it). */
  function withRandomZ(p: Point): Point {
    const F2 = curve.F2;
    const [x, y] = curve.G2.toObject(curve.G2.toAffine(p)) as bigint[][];
    const z = F2.fromObject([BigInt("0x" + randomBytes(31).toString("hex")), 7n]);
    const z2 = F2.square(z);
    const j = curve.G2.fromObject([
      F2.toObject(F2.mul(F2.fromObject(x), z2)),
      F2.toObject(F2.mul(F2.fromObject(y), F2.mul(z2, z))),
      F2.toObject(z),
    ]);
    expect(j.byteLength).toBe(curve.F2.n8 * 3); // Jacobian, not normalised
    expect(curve.G2.eq(j, p)).toBe(true);
    return j;
  }

  return { curve, g2, isOnCurve, byOrder, mul, add, answers, hashToTwist, withRandomZ };
}
type CurveTools = ReturnType<typeof curveTools>;

const randomScalar = (): bigint => BigInt("0x" + randomBytes(32).toString("hex")) % BN_R;

const NAME = "example-multiplier";

/** A real proof of the example circuit, and the checker with each subgroup test. */
interface RealProof {
  proof: snarkjs.Groth16Proof;
  signals: string[];
  checkers: Map<SubgroupCheck, Groth16Checker>;
}

const it = test.extend<{ c: CurveTools; real: RealProof }>({
  c: [
    async ({}, use) => {
      const curve = await buildBn128(true);
      await use(curveTools(curve, new G2Subgroup(curve)));
      await curve.terminate();
    },
    { scope: "file" },
  ],
  real: [
    async ({}, use) => {
      const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
      const { proof, publicSignals: signals } = await snarkjs.groth16.fullProve(
        { a: 3, b: 11, c: 33 },
        paths.wasm,
        paths.zkey,
      );
      const points = (await loadVerificationKey(NAME)) as unknown as VkeyPoints;
      const checkers = new Map<SubgroupCheck, Groth16Checker>();
      for (const mode of ["endomorphism", "order"] as const) {
        const checker = await Groth16Checker.create({ subgroupCheck: mode });
        checker.load(NAME, points);
        checkers.set(mode, checker);
      }
      await use({ proof, signals, checkers });
      for (const checker of checkers.values()) await checker.close();
    },
    { scope: "file" },
  ],
});

describe("the number theory behind the test (from p, r and x)", () => {
  it("p, r, t and h are BN254's, and the cofactor is prime to r", () => {
    expect(BN_P).toBe(BASE_FIELD);
    expect(BN_R).toBe(SCALAR_FIELD);
    expect(BN_T).toBe(6n * BN_X * BN_X + 1n);
    expect(COFACTOR_FACTORS.reduce((a, b) => a * b)).toBe(G2_COFACTOR);
    expect(G2_COFACTOR % BN_R).not.toBe(0n); // r ∥ #E'(Fp2): its r-torsion is the one group G2
    expect(gcd(G2_COFACTOR, BN_R)).toBe(1n);
  });

  it("Scott's α = ψ − [6x²] has degree exactly r, and kills G2 (ψ's eigenvalue p ≡ 6x² mod r)", () => {
    const lambda = 6n * BN_X * BN_X;
    expect(mod(BN_P, BN_R)).toBe(lambda);
    const n = norm(reduce([-lambda, 1n]));
    expect(n).toBe(BN_R);
  });

  it("α = [x+1] + ψ[x] + ψ²[x] − ψ³[2x]: r divides its degree, the degree is prime to h, and it kills G2", () => {
    const alpha = reduce([BN_X + 1n, BN_X, BN_X, -2n * BN_X]);
    const n = norm(alpha);
    expect(n % BN_R).toBe(0n);
    expect(gcd(n, G2_COFACTOR)).toBe(1n);
    expect(gcd(n, BN_R * G2_COFACTOR)).toBe(BN_R);
    // on G2, ψ is [p]: α is [a + b·p] there, zero mod r
    expect(mod(alpha[0] + alpha[1] * BN_P, BN_R)).toBe(0n);
    // the paper's conditions on x, for the record
    expect(BN_X % 13n).not.toBe(4n);
    expect(BN_X % 97n).not.toBe(92n);
  });
});

describe("ψ's constants, derived from the curve", () => {
  it("ξ = 3/b' is 9 + u, a sextic non-residue of Fp2, and ψ's factors are its powers (p−1)/3 and (p−1)/2", ({
    c,
  }) => {
    const { curve, g2 } = c;
    const F2 = curve.F2;
    expect(F2.toObject(g2.xi)).toEqual([9n, 1n]);
    expect(F2.eq(F2.mul(g2.xi, curve.G2.b), F2.fromObject([3n, 0n]))).toBe(true);
    expect(F2.isSquare(g2.xi)).toBe(false);
    expect(F2.eq(F2.exp(g2.xi, (BN_P * BN_P - 1n) / 3n), F2.one)).toBe(false); // not a cube
    expect(F2.eq(g2.psiX, F2.exp(g2.xi, (BN_P - 1n) / 3n))).toBe(true);
    expect(F2.eq(g2.psiY, F2.exp(g2.xi, (BN_P - 1n) / 2n))).toBe(true);
    // what makes ψ map E' onto E': psiX³ = psiY² = ξ^(p−1) = b'/conj(b')
    const cube = F2.mul(F2.square(g2.psiX), g2.psiX);
    expect(F2.eq(cube, F2.square(g2.psiY))).toBe(true);
    expect(F2.eq(cube, F2.exp(g2.xi, BN_P - 1n))).toBe(true);
    const b = curve.G2.b;
    const [b0, b1] = F2.toObject(b) as [bigint, bigint];
    const conjB = F2.fromObject([b0, mod(-b1, BN_P)]);
    expect(F2.eq(cube, F2.div(b, conjB))).toBe(true);
  });

  it("ψ maps points of E' (in G2 or not) to E', is additive, agrees on Jacobian input, and ψ² − [t]ψ + [p] = 0", ({
    c,
  }) => {
    const { curve, g2, isOnCurve, mul, add, hashToTwist, withRandomZ } = c;
    for (let i = 0; i < 6; i++) {
      const p = hashToTwist(`psi-${i}`);
      const q = i % 2 ? hashToTwist(`psi-q-${i}`) : mul(curve.G2.g, randomScalar());
      expect(isOnCurve(g2.psi(p))).toBe(true);
      expect(curve.G2.eq(g2.psi(add(p, q)), add(g2.psi(p), g2.psi(q)))).toBe(true);
      expect(curve.G2.eq(g2.psi(withRandomZ(p)), g2.psi(p))).toBe(true);
      const lhs = add(g2.psi(g2.psi(p)), mul(p, BN_P));
      expect(curve.G2.eq(lhs, mul(g2.psi(p), BN_T))).toBe(true);
    }
  });

  it("ψ(G) = [6x²]G on the generator, so on all of G2 (cyclic); E'(Fp2) has exponent dividing r·h", ({
    c,
  }) => {
    const { curve, g2, byOrder, mul, hashToTwist } = c;
    const g = curve.G2.g;
    expect(curve.G2.eq(g2.psi(g), mul(g, 6n * BN_X * BN_X))).toBe(true);
    for (let i = 0; i < 4; i++) {
      const p = hashToTwist(`order-${i}`);
      expect(curve.G2.isZero(mul(p, BN_R * G2_COFACTOR))).toBe(true);
      expect(byOrder(p)).toBe(false);
    }
  });
});

describe("the fast tests agree with [r]P == O", () => {
  it("points of G2 (random multiples of the generator, affine and Jacobian): all true", ({ c }) => {
    const { curve, mul, answers, withRandomZ } = c;
    const g = curve.G2.g;
    const points = [g, curve.G2.neg(g), mul(g, 2n), mul(g, BN_R - 1n)];
    for (let i = 0; i < 24; i++) points.push(mul(g, randomScalar()));
    for (const p of points) {
      expect(answers(p)).toEqual([true, true, true]);
      expect(answers(curve.G2.toAffine(p))).toEqual([true, true, true]);
    }
    for (const p of points.slice(0, 6)) expect(answers(withRandomZ(p))).toEqual([true, true, true]);
  });

  it("points of E'(Fp2) hashed to the curve without clearing the cofactor: [r]P ≠ O, and all false", ({
    c,
  }) => {
    const { curve, byOrder, answers, hashToTwist, withRandomZ } = c;
    for (let i = 0; i < 32; i++) {
      const p = hashToTwist(`outside-${i}`);
      expect(byOrder(p)).toBe(false); // checked first: not in G2
      expect(answers(p)).toEqual([false, false, false]);
      expect(answers(withRandomZ(p))).toEqual([false, false, false]);
      expect(answers(curve.G2.neg(p))).toEqual([false, false, false]);
    }
  });

  it("points with a part of small order (each prime factor ℓ of h): alone, added to a G2 point, times r", ({
    c,
  }) => {
    const { curve, byOrder, mul, add, answers, hashToTwist, withRandomZ } = c;
    const g = curve.G2.g;
    for (const [i, l] of COFACTOR_FACTORS.entries()) {
      for (let k = 0; k < 3; k++) {
        const q = hashToTwist(`small-${i}-${k}`);
        const t = mul(q, (BN_R * G2_COFACTOR) / l); // order ℓ
        expect(curve.G2.isZero(t)).toBe(false);
        expect(curve.G2.isZero(mul(t, l))).toBe(true);
        const s = mul(g, randomScalar());
        const cases = [t, add(s, t), mul(q, G2_COFACTOR / l) /* order r·ℓ */, add(s, curve.G2.neg(t))];
        for (const p of cases) {
          expect(byOrder(p)).toBe(false);
          expect(answers(p)).toEqual([false, false, false]);
          expect(answers(withRandomZ(p))).toEqual([false, false, false]);
        }
      }
    }
    // a point of order dividing h with every small part: [r]Q
    for (let k = 0; k < 4; k++) {
      const hq = mul(hashToTwist(`cofactor-${k}`), BN_R);
      expect(answers(hq)).toEqual([false, false, false]);
      expect(answers(add(hq, g))).toEqual([false, false, false]);
    }
  });

  it("the point at infinity (affine, Jacobian, and as [r]G): true, like [r]O == O", ({ c }) => {
    const { curve, mul, answers } = c;
    const zeros = [
      curve.G2.zeroAffine,
      curve.G2.zero,
      mul(curve.G2.g, BN_R),
      curve.G2.fromObject([
        [1n, 2n],
        [3n, 4n],
        [0n, 0n],
      ]),
    ];
    for (const o of zeros) {
      expect(curve.G2.isZero(o)).toBe(true);
      expect(answers(o)).toEqual([true, true, true]);
    }
  });
});

describe("a real proof with B outside G2", () => {
  const item = ({ proof, signals }: RealProof, b: string[][]): CheckItem => ({
    instance: NAME,
    signals,
    a: proof.pi_a as string[],
    b,
    c: proof.pi_c as string[],
  });
  const toStrings = (curve: any, p: Point): string[][] =>
    (curve.G2.toObject(p) as bigint[][]).map((r) => r.map(String));

  it("is refused alone and in a batch (without failing the batch), by both checks", ({ c, real }) => {
    const { curve, byOrder, mul, add, answers, hashToTwist, withRandomZ } = c;
    const { proof, checkers } = real;
    const b = curve.G2.fromObject((proof.pi_b as string[][]).map((r) => r.map(BigInt)));
    expect(answers(b)).toEqual([true, true, true]);
    const t = mul(hashToTwist("proof-small"), (BN_R * G2_COFACTOR) / COFACTOR_FACTORS[0]!);
    const bad = [
      hashToTwist("proof-outside"), // a random point of E'
      add(b, t), // B plus a point of order 10069
      withRandomZ(add(b, t)), // the same in Jacobian coordinates
      curve.G2.neg(add(b, t)),
    ];
    for (const [mode, checker] of checkers) {
      expect(checker.checkAll([item(real, proof.pi_b as string[][])]).results, mode).toEqual([true]);
      for (const p of bad) {
        expect(byOrder(p)).toBe(false);
        expect(checker.checkAll([item(real, toStrings(curve, p))]).results, mode).toEqual([false]);
        const { results, stats } = checker.checkAll([
          item(real, proof.pi_b as string[][]),
          item(real, toStrings(curve, p)),
          item(real, proof.pi_b as string[][]),
        ]);
        // refused when its points are read: the batch of the other two holds, nothing re-checked one by one
        expect(results, mode).toEqual([true, false, true]);
        expect(stats, mode).toEqual({ batches: 1, proofs: 2, fallbacks: 0 });
      }
    }
  });

  it("B at infinity is refused when it is read (it was before too), by both checks", ({ real }) => {
    const { proof, checkers } = real;
    const inf = [
      ["0", "0"],
      ["1", "0"],
      ["0", "0"],
    ];
    for (const [mode, checker] of checkers) {
      expect(checker.checkAll([item(real, inf)]).results, mode).toEqual([false]);
      const { results, stats } = checker.checkAll([
        item(real, proof.pi_b as string[][]),
        item(real, inf),
        item(real, proof.pi_b as string[][]),
      ]);
      expect(results, mode).toEqual([true, false, true]);
      expect(stats, mode).toEqual({ batches: 1, proofs: 2, fallbacks: 0 });
    }
  });
});
