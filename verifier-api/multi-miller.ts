/**
 * The product of several optimal-ate Miller loops on BN254 computed as one loop (a "multi-Miller loop"): the
 * accumulator is squared once per step for all pairs instead of once per pair, which is most of a Miller
 * loop's cost after the lines. For the service's batch of n proofs (n + 3 pairs) it saves n + 2 loops'
 * squarings: 11 pairs cost 7.4 ms instead of 12.5 ms on the test machine.
 *
 * It runs ffjavascript's own wasm steps in the order its `bn128_millerLoop` does (wasmcurves
 * src/bn128/build_bn128.js, `buildMillerLoop`), from its prepared points: a prepared G1 point is (x, y, …); a
 * prepared G2 point is the point (3 Fp2 elements) then one line (ell_0, ell_VW, ell_VV: 3 Fp2 elements) per
 * doubling step and per addition step, in the loop's order over the bits of 6x + 2 from the second highest
 * down (a doubling, then an addition when the bit is set), then the two Frobenius additions; each line
 * multiplies the accumulator through `__mulBy024(ell_0, ell_VW·y, ell_VV·x)`. The loop count is positive for
 * BN254, so there is no final inversion. The result is the product of the single loops exactly (the same
 * Fp12 element, not only after the final exponentiation): `MultiMiller`'s constructor checks that on fixed
 * points before it is used, and test/api/multi-miller.test.ts on random ones, so an ffjavascript whose layout
 * differs fails at start rather than answering wrongly (ffjavascript is pinned at 0.3.1).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;

/** 6x + 2 for the BN parameter x = 4965661367192848881: the optimal ate loop count. */
const ATE_LOOP_COUNT = 29793968203157093288n;
/** Most pairs in one pass (their prepared G2 points, 19.8 KB each, are copied into the wasm memory). */
const MAX_PAIRS_PER_PASS = 16;

export class MultiMiller {
  private readonly c: Curve;
  private readonly bits: number[] = [];
  private readonly n8: number;

  constructor(curve: Curve) {
    this.c = curve;
    this.n8 = curve.F1.n8;
    for (let e = ATE_LOOP_COUNT; e > 0n; e >>= 1n) this.bits.push(Number(e & 1n)); // least significant first
    // Self-check: three pairs of fixed multiples of the generators against ffjavascript's own loops.
    const pairs: [Uint8Array, Uint8Array][] = [3n, 5n, 7n].map((k) => [
      curve.prepareG1(curve.G1.timesScalar(curve.G1.g, k)),
      curve.prepareG2(curve.G2.timesScalar(curve.G2.g, k + 1n)),
    ]);
    let expected = curve.Gt.one;
    for (const [p, q] of pairs) expected = curve.Gt.mul(expected, curve.millerLoop(p, q));
    if (!curve.Gt.eq(this.product(pairs), expected))
      throw new Error(
        "MultiMiller: the shared loop differs from ffjavascript's millerLoop (another layout?)",
      );
  }

  /** Π millerLoop(P_i, Q_i) over prepared pairs (`curve.prepareG1`, `curve.prepareG2`), an Fp12 element. */
  product(pairs: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array {
    const c = this.c;
    let f: Uint8Array = c.Gt.one;
    for (let i = 0; i < pairs.length; i += MAX_PAIRS_PER_PASS) {
      const part = this.pass(pairs.slice(i, i + MAX_PAIRS_PER_PASS));
      f = i === 0 ? part : c.Gt.mul(f, part);
    }
    return f;
  }

  private pass(pairs: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array {
    const c = this.c;
    const tm = c.tm;
    const ex = tm.instance.exports;
    const f1 = this.n8;
    const f2 = 2 * f1;
    const lineSize = 3 * f2;
    const needed =
      pairs.reduce((n, [p, q]) => n + p.byteLength + q.byteLength + 8, 0) + c.Gt.n8 + 2 * f2 + 64;
    if (tm.u32[0] + needed > tm.u8.byteLength)
      throw new Error("MultiMiller: not enough wasm memory for the pairs");
    tm.startSyncOp();
    try {
      const pP: number[] = pairs.map(([p]) => tm.allocBuff(p));
      const coef: number[] = pairs.map(([, q]) => tm.allocBuff(q) + 3 * f2); // the lines follow the point
      const F = tm.alloc(c.Gt.n8);
      const VW = tm.alloc(f2);
      const VV = tm.alloc(f2);
      const line = (): void => {
        for (let k = 0; k < pairs.length; k++) {
          const pc = coef[k]!;
          ex.f2m_mul1(pc + f2, pP[k]! + f1, VW); // ell_VW · y
          ex.f2m_mul1(pc + 2 * f2, pP[k]!, VV); // ell_VV · x
          ex.bn128__mulBy024(pc, VW, VV, F);
          coef[k] = pc + lineSize;
        }
      };
      ex.ftm_one(F);
      for (let i = this.bits.length - 2; i >= 0; i--) {
        ex.ftm_square(F, F);
        line(); // doubling step
        if (this.bits[i]) line(); // addition step
      }
      line(); // Q1 = π(Q)
      line(); // -Q2 = -π²(Q)
      return tm.getBuff(F, c.Gt.n8);
    } finally {
      tm.endSyncOp();
    }
  }
}
