/**
 * The service's Groth16 check, the one place it is written: verification keys parsed into curve points once
 * per key (fixed G2 points prepared, e(alpha, beta)'s Miller loop precomputed), proofs parsed into points
 * that must be on their curves with B in the G2 subgroup, and a randomised batch check of proofs that
 * arrive together. It runs in the verification thread (`workers/verify.ts`), off the service's event loop;
 * `verifier.ts` is its front (key files, hash checks, shape checks, the queue to the thread).
 *
 * Cost on the test machine (ffjavascript's wasm BN254, one thread): a Miller loop 1.2 ms, a final
 * exponentiation 1.8 ms, preparing a proof's B 0.4 ms, its subgroup check 0.25 ms (the endomorphism test of
 * `g2-subgroup.ts`; 0.8 ms as [r]B, the reference it is tested against); a batch of n proofs costs n + 3
 * Miller loops, computed as one loop that squares once for all pairs (`multi-miller.ts`: 11 pairs 7.4 ms
 * instead of 12.5), one final exponentiation, two 128-bit G1 multiplications a proof (r_i·A_i, and Σ r_i·C_i
 * as one multi-exponentiation) and vk_x as one multi-exponentiation of the IC points. About 2.3-2.4 ms of CPU
 * a proof in batches of 8 (3.4-3.9 before these three changes; benchmarks/verify-cpu.ts).
 */
import { randomBytes } from "node:crypto";
import { buildBn128 } from "ffjavascript";
import { G2Subgroup } from "./g2-subgroup.ts";
import { MultiMiller } from "./multi-miller.ts";
import { invalid } from "./web/errors.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;
type Point = Uint8Array;

/** The BN254 scalar field order r: a public signal must be below it (the Solidity verifier checks the same). */
export const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** The BN254 base field modulus: every proof coordinate must be below it. */
export const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Most proofs checked in one batch. */
export const MAX_BATCH = 32;

/** The points of a Groth16 verification key as snarkjs writes them (decimal strings). */
export interface VkeyPoints {
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

/**
 * One proof to check: its public signals and its points as decimal strings, already checked by the caller
 * to be field elements of the right count and shape (`verifier.ts`); the points are checked here.
 */
export interface CheckItem {
  instance: string;
  signals: string[];
  a: Coordinate[];
  b: Coordinate[][];
  c: Coordinate[];
}

/** A proof coordinate as it arrived (snarkjs reads each with BigInt; the first two are checked strings). */
export type Coordinate = string | number | bigint | boolean;

/** Counts of batches of two or more proofs, proofs in them, and batches re-checked proof by proof. */
export interface BatchStats {
  batches: number;
  proofs: number;
  fallbacks: number;
}

interface Prepared {
  ic: Point[];
  alpha1: Point;
  gammaPre: Uint8Array;
  deltaPre: Uint8Array;
  betaPre: Uint8Array;
  alphaBetaMl: Uint8Array;
  nPublic: number;
}

interface Parsed {
  a: Point;
  b: Point;
  c: Point;
  signals: bigint[];
}

const big = (s: unknown): bigint => BigInt(s as string);

/**
 * How B's membership in G2 is checked: "endomorphism" (the default, `G2Subgroup.inSubgroup`) or "order"
 * ([r]B == O, the reference, about 0.55 ms dearer a proof; kept for tests and benchmarks/verify-cpu.ts).
 */
export type SubgroupCheck = "endomorphism" | "order";

/** Options of `Groth16Checker.create`; the defaults are the service's, the others the references. */
export interface CheckerOptions {
  subgroupCheck?: SubgroupCheck;
  /**
   * "shared" (the default): the pairs' Miller loops as one loop (`MultiMiller`); "separate": one
   * ffjavascript `millerLoop` per pair, multiplied (the reference, kept for tests and benchmarks).
   */
  millerLoops?: "shared" | "separate";
  /**
   * "wasm" (the default): sums of G1 multiples (a batch's Σ r_i·C_i and its vk_x) as one multi-exponentiation
   * in ffjavascript's wasm (`g1m_multiexp`, about 0.6 × the time of the multiplications one by one for 8 or
   * 9 points); "separate": one `timesScalar` per point, added (the reference).
   */
  multiExp?: "wasm" | "separate";
}

export class Groth16Checker {
  private readonly curve: Curve;
  private readonly keys = new Map<string, Prepared>();
  private readonly g2: G2Subgroup;
  private readonly subgroupCheck: SubgroupCheck;
  private readonly multi: MultiMiller | null;
  private readonly wasmMultiExp: boolean;

  private constructor(curve: Curve, opts: CheckerOptions) {
    this.curve = curve;
    this.g2 = new G2Subgroup(curve);
    this.subgroupCheck = opts.subgroupCheck ?? "endomorphism";
    this.multi = (opts.millerLoops ?? "shared") === "shared" ? new MultiMiller(curve) : null;
    this.wasmMultiExp = (opts.multiExp ?? "wasm") === "wasm";
  }

  /**
   * Σ k_i·P_i over G1 points (affine or Jacobian, O allowed) and scalars 0 ≤ k_i < 2^(8·bytes): one call of
   * ffjavascript's wasm multi-exponentiation over Jacobian bases, or the reference sum of multiplications.
   */
  private sumOfMultiples(points: readonly Point[], scalars: readonly bigint[], bytes: number): Point {
    const c = this.curve;
    if (!this.wasmMultiExp) {
      let acc: Point = c.G1.zero;
      points.forEach((p, i) => {
        if (scalars[i] !== 0n) acc = c.G1.add(acc, c.G1.timesScalar(p, scalars[i]!));
      });
      return acc;
    }
    const n8 = c.G1.F.n8;
    const bases = new Uint8Array(3 * n8 * points.length);
    const ks = new Uint8Array(bytes * points.length);
    points.forEach((p, i) => {
      bases.set(c.G1.toJacobian(p), 3 * n8 * i);
      let k = scalars[i]!;
      if (k < 0n || k >> BigInt(8 * bytes) !== 0n) throw new RangeError("a scalar does not fit its bytes");
      for (let b = 0; b < bytes; b++, k >>= 8n) ks[bytes * i + b] = Number(k & 0xffn);
    });
    const tm = c.tm;
    tm.startSyncOp();
    try {
      const out = tm.alloc(3 * n8);
      tm.instance.exports.g1m_multiexp(tm.allocBuff(bases), tm.allocBuff(ks), bytes, points.length, out);
      return tm.getBuff(out, 3 * n8);
    } finally {
      tm.endSyncOp();
    }
  }

  /** Builds the curve (about 0.4 s), single-threaded: the checks run on the calling thread only. */
  static async create(opts: CheckerOptions = {}): Promise<Groth16Checker> {
    return new Groth16Checker(await buildBn128(true), opts);
  }

  /** Π e_ML(P_i, Q_i) over prepared pairs, before the final exponentiation. */
  private millerProduct(pairs: [Uint8Array, Uint8Array][]): Uint8Array {
    if (this.multi) return this.multi.product(pairs);
    const c = this.curve;
    let f = c.Gt.one;
    for (const [p, q] of pairs) f = c.Gt.mul(f, c.millerLoop(p, q));
    return f;
  }

  /** Prepares (or replaces) the key of an instance. Throws when a key point is not on its curve. */
  load(instance: string, vkey: VkeyPoints): void {
    const c = this.curve;
    const g1 = (p: string[]): Point => c.G1.fromObject(p.map(big));
    const g2 = (p: string[][]): Point => c.G2.fromObject(p.map((r) => r.map(big)));
    const alpha1 = g1(vkey.vk_alpha_1);
    const beta2 = g2(vkey.vk_beta_2);
    const gamma2 = g2(vkey.vk_gamma_2);
    const delta2 = g2(vkey.vk_delta_2);
    const ic = vkey.IC.map(g1);
    if (ic.length !== vkey.nPublic + 1)
      throw invalid(instance, `its key has ${ic.length} IC points for ${vkey.nPublic} public signals`);
    for (const p of [alpha1, ...ic])
      if (!c.G1.isValid(p)) throw invalid(instance, "a G1 point of its key is not on the curve");
    for (const q of [beta2, gamma2, delta2])
      if (!c.G2.isValid(q)) throw invalid(instance, "a G2 point of its key is not on the curve");
    this.keys.set(instance, {
      ic,
      alpha1,
      gammaPre: this.preG2(gamma2),
      deltaPre: this.preG2(delta2),
      betaPre: this.preG2(beta2),
      alphaBetaMl: c.millerLoop(this.preG1(alpha1), this.preG2(beta2)),
      nPublic: vkey.nPublic,
    });
  }

  /**
   * Checks every item; the answer for item i is results[i]. Items of one instance are checked in
   * randomised batches of up to MAX_BATCH: with random 128-bit weights r_i,
   * Π e(-r_i·A_i, B_i) · e(Σ r_i·vk_x_i, gamma) · e(Σ r_i·C_i, delta) · e((Σ r_i)·alpha, beta) == 1 holds for
   * all-valid proofs and, except with probability 2^-128, for no batch with an invalid one (B_i in the
   * subgroup, which the parse checks). Σ r_i·vk_x_i folds into one scalar per public input. A batch that
   * fails is re-checked proof by proof, so every item gets its own answer. An instance not loaded, a point
   * off its curve or a B outside the subgroup is false.
   */
  checkAll(items: readonly CheckItem[]): { results: boolean[]; stats: BatchStats } {
    const stats: BatchStats = { batches: 0, proofs: 0, fallbacks: 0 };
    const results = new Array<boolean>(items.length).fill(false);
    const groups = new Map<string, { index: number; parsed: Parsed }[]>();
    items.forEach((item, index) => {
      const k = this.keys.get(item.instance);
      const parsed = k && this.parse(k, item);
      if (!parsed) return;
      let g = groups.get(item.instance);
      if (!g) groups.set(item.instance, (g = []));
      g.push({ index, parsed });
    });
    for (const [instance, all] of groups) {
      const k = this.keys.get(instance)!;
      for (let i = 0; i < all.length; i += MAX_BATCH) {
        const group = all.slice(i, i + MAX_BATCH);
        if (group.length === 1) {
          results[group[0]!.index] = this.checkOne(k, group[0]!.parsed);
          continue;
        }
        stats.batches++;
        stats.proofs += group.length;
        if (
          this.checkBatch(
            k,
            group.map((g) => g.parsed),
          )
        ) {
          for (const g of group) results[g.index] = true;
        } else {
          stats.fallbacks++;
          for (const g of group) results[g.index] = this.checkOne(k, g.parsed);
        }
      }
    }
    return { results, stats };
  }

  private preG1(p: Point): Uint8Array {
    return this.curve.prepareG1(this.curve.G1.toJacobian(p));
  }

  private preG2(q: Point): Uint8Array {
    return this.curve.prepareG2(this.curve.G2.toJacobian(q));
  }

  /** Parses the points and checks they are on their curves and B is in the subgroup; null if not. */
  private parse(k: Prepared, item: CheckItem): Parsed | null {
    if (item.signals.length !== k.nPublic) return null;
    const c = this.curve;
    let a: Point, b: Point, cc: Point;
    try {
      a = c.G1.fromObject([big(item.a[0]), big(item.a[1]), big(item.a[2] ?? "1")]);
      b = c.G2.fromObject(item.b.slice(0, 3).map((r) => r.slice(0, 2).map(big)));
      cc = c.G1.fromObject([big(item.c[0]), big(item.c[1]), big(item.c[2] ?? "1")]);
    } catch {
      return null;
    }
    if (!c.G1.isValid(a) || !c.G2.isValid(b) || !c.G1.isValid(cc)) return null;
    // B at infinity makes e(-A, B) = 1 and is refused here, when it is read, as it always was (the [r]B check
    // used to refuse it through an ffjavascript quirk, see g2-subgroup.ts): an honest B is O with probability 1/r.
    if (c.G2.isZero(b)) return null;
    // G1 has cofactor 1, G2 does not: B must be in the order-r subgroup (as the EIP-197 precompile requires),
    // which the randomised batch check also relies on. Both tests are exactly [r]B == O on E' (g2-subgroup.ts).
    const inG2 = this.subgroupCheck === "order" ? this.g2.inSubgroupByOrder(b) : this.g2.inSubgroup(b);
    if (!inG2) return null;
    return { a, b, c: cc, signals: item.signals.map(big) };
  }

  /** e(-A, B) · e(vk_x, gamma) · e(C, delta) · e(alpha, beta) == 1: three Miller loops, one final exponentiation. */
  private checkOne(k: Prepared, p: Parsed): boolean {
    const c = this.curve;
    try {
      const acc = this.sumOfMultiples(k.ic, [1n, ...p.signals], 32);
      let f = this.millerProduct([
        [this.preG1(c.G1.neg(p.a)), this.preG2(p.b)],
        [this.preG1(acc), k.gammaPre],
        [this.preG1(p.c), k.deltaPre],
      ]);
      f = c.Gt.mul(f, k.alphaBetaMl);
      return c.Gt.eq(c.finalExponentiation(f), c.Gt.one) as boolean;
    } catch {
      return false;
    }
  }

  /** The randomised batch check described at `checkAll`. */
  private checkBatch(k: Prepared, group: Parsed[]): boolean {
    const c = this.curve;
    try {
      const weights = group.map(() => {
        const r = BigInt(`0x${randomBytes(16).toString("hex")}`);
        return r === 0n ? 1n : r;
      });
      // Σ_i r_i·vk_x_i = (Σ_i r_i)·IC_0 + Σ_j (Σ_i r_i·s_ij)·IC_j: one scalar per public input.
      const sums = new Array<bigint>(k.nPublic + 1).fill(0n);
      group.forEach((p, i) => {
        const r = weights[i]!;
        sums[0] = (sums[0]! + r) % SCALAR_FIELD;
        for (let j = 0; j < k.nPublic; j++) sums[j + 1] = (sums[j + 1]! + r * p.signals[j]!) % SCALAR_FIELD;
      });
      const vkx = this.sumOfMultiples(k.ic, sums, 32);
      const cSum = this.sumOfMultiples(
        group.map((p) => p.c),
        weights,
        16,
      );
      const pairs: [Uint8Array, Uint8Array][] = group.map((p, i) => [
        this.preG1(c.G1.neg(c.G1.timesScalar(p.a, weights[i]!))),
        this.preG2(p.b),
      ]);
      pairs.push([this.preG1(vkx), k.gammaPre]);
      pairs.push([this.preG1(cSum), k.deltaPre]);
      pairs.push([this.preG1(c.G1.timesScalar(k.alpha1, sums[0]!)), k.betaPre]);
      const f = this.millerProduct(pairs);
      return c.Gt.eq(c.finalExponentiation(f), c.Gt.one) as boolean;
    } catch {
      return false;
    }
  }

  /** Ends the curve (it has no threads of its own when built single-threaded; this frees its memory). */
  async close(): Promise<void> {
    await this.curve?.terminate?.();
  }
}
