/**
 * Membership of BN254 twist points in G2, the order-r subgroup of E'(Fp2): E': y² = x³ + 3/ξ with ξ = 9 + u
 * (a D-type sextic twist of E: y² = x³ + 3 over Fp). E'(Fp2) has r·h points with h = 2p − r (not 1, and prime
 * to r), so a point on E' need not be in G2; a Groth16 proof's B must be (the batch check relies on it, and
 * the EIP-197 precompile requires it).
 *
 * The reference test is [r]P == O, a 254-bit multiplication (about 0.8 ms in ffjavascript's wasm). The test
 * used is an endomorphism test with a 63-bit multiplication (about 0.25 ms), exactly equivalent on E'(Fp2):
 *
 *   ψ(x, y) = (conj(x)·ξ^((p−1)/3), conj(y)·ξ^((p−1)/2)), the untwist-Frobenius-twist endomorphism (Galbraith
 *   and Scott) — on Jacobian coordinates (X, Y, Z) ↦ (conj(X)·ξ^((p−1)/3), conj(Y)·ξ^((p−1)/2), conj(Z)).
 *   ψ is the p-power Frobenius of E carried to E', so it satisfies Frobenius's equation ψ² − [t]ψ + [p] = 0 on
 *   all of E' (t = p + 1 − r the trace), and on G2 (cyclic, mapped to itself) it is the multiplication by
 *   p ≡ 6x² (mod r), x = 4965661367192848881 the BN parameter.
 *
 *   P ∈ G2  ⇔  α(P) = O  with  α = [x+1] + ψ∘[x] + ψ²∘[x] − ψ³∘[2x]
 *   (El Housni, Guillevic, Piellard, "Co-factor clearing and subgroup membership testing on pairing-friendly
 *   curves", ePrint 2022/348, for BN curves with x ≢ 4 mod 13 and x ≢ 92 mod 97; the test of Scott, ePrint
 *   2021/1130, ψ(P) = [6x²]P, is `inSubgroupScott` below, twice as dear).
 *
 *   Why, for any endomorphism α = a + bψ (an element of Z[ψ], reduced by ψ² = tψ − p): its dual composed with it
 *   is [N], N = a² + abt + b²p. So α(P) = O gives [N]P = O, and P ∈ E'(Fp2) gives [r·h]P = O, so
 *   [gcd(N, r·h)]P = O. If gcd(N, r·h) = r then [r]P = O: P ∈ G2 (r ∥ r·h, so the r-torsion of E'(Fp2) is G2).
 *   Conversely α kills G2 when a + b·(p mod r) ≡ 0 (mod r). For Scott's α = ψ − [6x²], N = r exactly; for the one
 *   above, gcd(N, h) = 1 and r | N. test/api/g2-subgroup.test.ts computes both from p, r and x, and checks the
 *   constants, ψ's equation and the three tests against each other on subgroup points, points outside it (also
 *   with small-order parts of each prime factor of h) and the point at infinity.
 *
 * The constants are computed here from the curve (ξ = 3 / b' with b' the twist's coefficient), not pasted, and
 * the constructor checks them on the generator before anything is answered.
 *
 * The point at infinity O is in G2 ([r]O = O), and each test below answers true for it before multiplying:
 * ffjavascript's multiplication of its affine O (`G2.zeroAffine`, what `fromObject` gives for Z = 0) returns
 * the Jacobian (0, 0, 1), which is not O (`timesScalarAffine` takes (0, 0) for an ordinary affine point). No
 * other point needs this: x is prime to r·h, so [x]P = O only for P = O.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;
type Point = Uint8Array;

/** The BN parameter x (positive for BN254): p = 36x⁴ + 36x³ + 24x² + 6x + 1, r = 36x⁴ + 36x³ + 18x² + 6x + 1. */
export const BN_X = 4965661367192848881n;
/** The base field modulus p. */
export const BN_P = 36n * BN_X ** 4n + 36n * BN_X ** 3n + 24n * BN_X ** 2n + 6n * BN_X + 1n;
/** The group order r of G1 and G2. */
export const BN_R = 36n * BN_X ** 4n + 36n * BN_X ** 3n + 18n * BN_X ** 2n + 6n * BN_X + 1n;
/** The trace of Frobenius of E over Fp: #E(Fp) = p + 1 − t = r. */
export const BN_T = BN_P + 1n - BN_R;
/** The cofactor of G2 in E'(Fp2): #E'(Fp2) = r·h. */
export const G2_COFACTOR = 2n * BN_P - BN_R;

export class G2Subgroup {
  private readonly c: Curve;
  private readonly n8: number;
  /** ξ^((p−1)/3) and ξ^((p−1)/2), ψ's factors on x and y, in the curve's (Montgomery) Fp2 form. */
  readonly psiX: Uint8Array;
  readonly psiY: Uint8Array;
  /** ξ, computed from the twist's coefficient b' = 3/ξ. */
  readonly xi: Uint8Array;

  /** Derives ψ's constants from `curve` (ffjavascript's BN254) and checks them on G2's generator. */
  constructor(curve: Curve) {
    this.c = curve;
    const F2 = curve.F2;
    this.n8 = curve.F1.n8;
    this.xi = F2.div(F2.fromObject([3n, 0n]), curve.G2.b);
    this.psiX = F2.exp(this.xi, (BN_P - 1n) / 3n);
    this.psiY = F2.exp(this.xi, (BN_P - 1n) / 2n);
    const g = curve.G2.g;
    if (!curve.G2.eq(this.psi(g), curve.G2.timesScalar(g, BN_P % BN_R)) || !this.inSubgroup(g))
      throw new Error("G2Subgroup: ψ's constants do not give ψ(G) = [p]G on the generator");
  }

  /** conj(c0 + c1·u) = c0 − c1·u, the p-power Frobenius of Fp2. */
  private conj(a: Uint8Array): Uint8Array {
    const n8 = this.n8;
    const out = new Uint8Array(2 * n8);
    out.set(a.subarray(0, n8));
    out.set(this.c.F1.neg(a.subarray(n8, 2 * n8)), n8);
    return out;
  }

  /** ψ(P), for P affine (x, y) or Jacobian (X, Y, Z) as ffjavascript stores them; the same form back. */
  psi(p: Point): Point {
    const F2 = this.c.F2;
    const m = 2 * this.n8;
    const out = new Uint8Array(p.byteLength);
    out.set(F2.mul(this.conj(p.subarray(0, m)), this.psiX), 0);
    out.set(F2.mul(this.conj(p.subarray(m, 2 * m)), this.psiY), m);
    if (p.byteLength === 3 * m) out.set(this.conj(p.subarray(2 * m, 3 * m)), 2 * m);
    return out;
  }

  /**
   * P ∈ G2 for a point P on E' (check that first: off the curve the answer means nothing):
   * [x+1]P + ψ([x]P) + ψ²([x]P) == ψ³([2x]P). One 63-bit multiplication.
   */
  inSubgroup(p: Point): boolean {
    const G2 = this.c.G2;
    if (G2.isZero(p)) return true;
    const xP = G2.timesScalar(p, BN_X);
    const psiXP = this.psi(xP);
    const lhs = G2.add(G2.add(G2.add(xP, p), psiXP), this.psi(psiXP));
    const rhs = this.psi(this.psi(this.psi(G2.double(xP))));
    return G2.eq(lhs, rhs) as boolean;
  }

  /** Scott's test, ψ(P) == [6x²]P (a 126-bit multiplication), for P on E'. */
  inSubgroupScott(p: Point): boolean {
    const G2 = this.c.G2;
    if (G2.isZero(p)) return true;
    return G2.eq(this.psi(p), G2.timesScalar(p, 6n * BN_X * BN_X)) as boolean;
  }

  /** The reference: [r]P == O (a 254-bit multiplication), for P on E'. */
  inSubgroupByOrder(p: Point): boolean {
    const G2 = this.c.G2;
    if (G2.isZero(p)) return true;
    return G2.isZero(G2.timesScalar(p, BN_R)) as boolean;
  }
}
