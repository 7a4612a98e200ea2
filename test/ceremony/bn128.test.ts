import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  R_ORDER,
  batchInverse,
  getCurve,
  inv,
  lagrangeAt,
  mul,
  mulGenerator,
  mulGeneratorReference,
  pow,
  powers,
  rootOfUnity,
  terminateCurve,
} from "../../ceremony/bn128.ts";

afterAll(async () => {
  await terminateCurve();
});

const random = () => BigInt("0x" + randomBytes(40).toString("hex")) % R_ORDER;

describe("fixed-base multiplication", () => {
  const edge = [0n, 1n, 2n, 255n, 256n, 257n, (1n << 64n) - 1n, 1n << 248n, R_ORDER - 1n, R_ORDER - 2n];

  for (const g of ["G1", "G2"] as const) {
    it(`gives ffjavascript's timesScalar points in ${g} (edge and random scalars)`, async () => {
      const curve = await getCurve();
      const scalars = [...edge, ...Array.from({ length: 300 }, random)];
      const fast = await mulGenerator(curve, g, scalars);
      const ref = await mulGeneratorReference(curve, g, scalars);
      expect(Buffer.from(fast).equals(Buffer.from(ref))).toBe(true);
      // Negative twin: a different scalar gives a different point.
      const off = await mulGenerator(curve, g, [scalars[20]! + 1n]);
      const s = g === "G1" ? 64 : 128;
      expect(Buffer.from(off).equals(Buffer.from(fast.subarray(20 * s, 21 * s)))).toBe(false);
    });
  }

  it("reduces scalars modulo r (r·G is the identity)", async () => {
    const curve = await getCurve();
    const a = await mulGenerator(curve, "G1", [R_ORDER + 5n, 5n, R_ORDER]);
    expect(Buffer.from(a.subarray(0, 64)).equals(Buffer.from(a.subarray(64, 128)))).toBe(true);
    expect(a.subarray(128).every((b) => b === 0)).toBe(true);
  });
});

describe("field helpers", () => {
  it("batch inversion agrees with single inversions", () => {
    const xs = Array.from({ length: 50 }, random).map((x) => x || 1n);
    const inverses = batchInverse(xs);
    xs.forEach((x, i) => {
      expect(inverses[i]).toBe(inv(x));
      expect(mul(x, inverses[i]!)).toBe(1n);
    });
    expect(() => inv(0n)).toThrow(RangeError);
  });

  it("Lagrange evaluations interpolate the powers of tau: Σ_j w^(ij) L_j(tau) = tau^i", async () => {
    const curve = await getCurve();
    const tau = random();
    const p = 4;
    const n = 2 ** p;
    const w = rootOfUnity(curve, p);
    expect(pow(w, BigInt(n))).toBe(1n);
    expect(pow(w, BigInt(n / 2))).not.toBe(1n);
    const L = lagrangeAt(tau, p, w, powers(tau, 2 * n));
    for (const i of [0, 1, 5, n - 1]) {
      let acc = 0n;
      for (let j = 0; j < n; j++) acc = (acc + mul(pow(w, BigInt(i * j)), L[j]!)) % R_ORDER;
      expect(acc).toBe(pow(tau, BigInt(i)));
    }
    // The truncated top level drops exactly tau^(n-1).
    const T = lagrangeAt(tau, p, w, powers(tau, 2 * n), true);
    let top = 0n;
    for (let j = 0; j < n; j++) top = (top + mul(pow(w, BigInt((n - 1) * j)), T[j]!)) % R_ORDER;
    expect(top).toBe(0n);
    let second = 0n;
    for (let j = 0; j < n; j++) second = (second + mul(pow(w, BigInt((n - 2) * j)), T[j]!)) % R_ORDER;
    expect(second).toBe(pow(tau, BigInt(n - 2)));
  });
});
