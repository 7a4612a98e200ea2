/**
 * Fast resident Groth16 verification for the service.
 *
 * `snarkjs.groth16.verify` re-parses the verification key and dispatches a multi-exponentiation to worker
 * threads on every call (about 20-30 ms). Here each catalogue instance's hash-checked verification key is
 * parsed into curve points once, with its fixed G2 points prepared and e(alpha, beta)'s Miller loop
 * precomputed; a call parses the proof, checks every point is on its curve and B is in the G2 subgroup,
 * and runs the four-pairing check on the main thread (three Miller loops and one final exponentiation, about
 * 5-7 ms). Calls arriving together are checked as one randomised batch (see `verify`).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { buildBn128 } from "ffjavascript";
import type { VerificationKey } from "snarkjs";
import { loadVerifiedArtifacts, readManifest } from "../pipeline/index.ts";
import type { AttestationVerifier } from "../prover/index.ts";
import { isGroth16ProofShape, verificationKeyHash } from "../prover/index.ts";
import { CodedError, invalid } from "./web/errors.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Curve = any;
type Point = Uint8Array;

interface Prepared {
  instance: string;
  vkey: VerificationKey;
  vkeySha256: string;
  /** `verificationKeyHash` of the key (the hash of its points, as attestations name it). */
  hash: string;
  /** The build manifest marks it a development key. */
  development: boolean;
  ic: Point[];
  alpha1: Point;
  beta2: Point;
  gamma2: Point;
  delta2: Point;
  /** Prepared (line-coefficient) forms of the fixed G2 points, and the Miller loop of (alpha1, beta2). */
  gammaPre: Uint8Array;
  deltaPre: Uint8Array;
  betaPre: Uint8Array;
  alphaBetaMl: Uint8Array;
  nPublic: number;
}

/** A proof parsed into curve points, with its public signals. */
interface Parsed {
  a: Point;
  b: Point;
  c: Point;
  signals: bigint[];
}

interface Pending extends Parsed {
  resolve: (valid: boolean) => void;
}

/** Most proofs checked in one batch. */
const MAX_BATCH = 32;

/** Thrown when asked to verify against an instance that is not loaded. */
export class UnknownInstanceError extends CodedError {
  constructor(message: string) {
    super("not-found", message);
    this.name = "UnknownInstanceError";
  }
}

/** The BN254 scalar field order r: a public signal must be below it (the Solidity verifier checks the same). */
export const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const big = (s: unknown): bigint => BigInt(s as string);

export class ResidentVerifier {
  private curve: Curve;
  private readonly keys = new Map<string, Prepared>();

  private constructor(curve: Curve) {
    this.curve = curve;
  }

  /**
   * Builds the curve (the ~0.4 s start-up cost) and prepares the verification keys of `instances` (every
   * instance of the build manifest that has a vkey when empty). A key whose file hash differs from the
   * manifest is refused (ArtifactIntegrityError).
   */
  static async create(instances: readonly string[] = []): Promise<ResidentVerifier> {
    const curve = await buildBn128(true);
    const v = new ResidentVerifier(curve);
    const names =
      instances.length > 0
        ? instances
        : Object.entries(readManifest().instances)
            .filter(([, r]) => r.protocol === "groth16" && r.artifacts.vkey)
            .map(([n]) => n);
    for (const name of names) await v.load(name);
    return v;
  }

  /** (Re)loads one instance's verification key through the hash-checked manifest. */
  async load(instance: string): Promise<void> {
    const { paths, record } = await loadVerifiedArtifacts(instance, ["vkey"]);
    const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
    if (vkey.protocol !== "groth16") throw invalid(instance, "only Groth16 keys are supported");
    const c = this.curve;
    const g1 = (p: unknown): Point => c.G1.fromObject((p as unknown[]).map(big));
    const g2 = (p: unknown): Point => c.G2.fromObject((p as unknown[][]).map((r) => r.map(big)));
    const anyKey = vkey as unknown as Record<string, unknown>;
    const alpha1 = g1(anyKey.vk_alpha_1);
    const beta2 = g2(anyKey.vk_beta_2);
    const gamma2 = g2(anyKey.vk_gamma_2);
    const delta2 = g2(anyKey.vk_delta_2);
    this.keys.set(instance, {
      instance,
      vkey,
      vkeySha256: record.artifacts.vkey!.sha256,
      hash: verificationKeyHash(vkey),
      development: record.development,
      ic: (anyKey.IC as unknown[]).map(g1),
      alpha1,
      beta2,
      gamma2,
      delta2,
      gammaPre: this.preG2(gamma2),
      deltaPre: this.preG2(delta2),
      betaPre: this.preG2(beta2),
      alphaBetaMl: c.millerLoop(this.preG1(alpha1), this.preG2(beta2)),
      nPublic: vkey.nPublic,
    });
  }

  private preG1(p: Point): Uint8Array {
    return this.curve.prepareG1(this.curve.G1.toJacobian(p));
  }

  private preG2(q: Point): Uint8Array {
    return this.curve.prepareG2(this.curve.G2.toJacobian(q));
  }

  /** Names of the loaded instances. */
  get instances(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * The loaded verification key of an instance: the key, its file's sha256, the hash of its points
   * (`verificationKeyHash`) and whether the build marks it a development key.
   */
  key(
    instance: string,
  ): { vkey: VerificationKey; sha256: string; hash: string; development: boolean } | undefined {
    const k = this.keys.get(instance);
    return k && { vkey: k.vkey, sha256: k.vkeySha256, hash: k.hash, development: k.development };
  }

  /** This verifier as the one `verifyAttestation` checks an attestation's proofs with. */
  asAttestationVerifier(): AttestationVerifier {
    return {
      key: async (instance) => {
        const k = this.key(instance);
        if (!k) throw new UnknownInstanceError(`no verification key loaded for "${instance}"`);
        return { hash: k.hash, development: k.development, vkey: k.vkey };
      },
      verify: (instance, publicSignals, proof) => this.verify(instance, publicSignals, proof),
    };
  }

  /**
   * True when `proof` is a valid Groth16 proof of `publicSignals` for the instance. Malformed proofs and
   * signals (wrong count, outside the field, points off the curve) return false; an unknown instance throws
   * UnknownInstanceError.
   *
   * Calls that arrive together (in one turn of the event loop) for one instance are checked as a batch:
   * with random 128-bit weights r_i, Π e(-r_i·A_i, B_i) · e(Σ r_i·vk_x_i, gamma) · e(Σ r_i·C_i, delta) ·
   * e((Σ r_i)·alpha, beta) == 1 holds for all-valid proofs and, except with probability 2^-128, for no batch
   * with an invalid one. That is one Miller loop per proof plus three and one final exponentiation per
   * batch, and Σ r_i·vk_x_i folds into one scalar per public input. A batch that fails is re-checked proof
   * by proof, so every caller gets its own answer.
   */
  async verify(instance: string, publicSignals: unknown, proof: unknown): Promise<boolean> {
    const k = this.keys.get(instance);
    if (!k) throw new UnknownInstanceError(`no verification key loaded for "${instance}"`);
    const parsed = this.parse(k, publicSignals, proof);
    if (!parsed) return false;
    return new Promise<boolean>((resolve) => {
      let q = this.queue.get(instance);
      if (!q) this.queue.set(instance, (q = []));
      q.push({ ...parsed, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Number of batches of two or more proofs checked so far, and proofs in them (for tests and metrics). */
  readonly batchStats = { batches: 0, proofs: 0, fallbacks: 0 };

  private readonly queue = new Map<string, Pending[]>();
  private flushScheduled = false;

  private flush(): void {
    this.flushScheduled = false;
    const work = [...this.queue.entries()];
    this.queue.clear();
    for (const [instance, all] of work) {
      const k = this.keys.get(instance)!;
      for (let i = 0; i < all.length; i += MAX_BATCH) {
        const group = all.slice(i, i + MAX_BATCH);
        if (group.length === 1) {
          group[0]!.resolve(this.checkOne(k, group[0]!));
          continue;
        }
        this.batchStats.batches++;
        this.batchStats.proofs += group.length;
        if (this.checkBatch(k, group)) {
          for (const p of group) p.resolve(true);
        } else {
          this.batchStats.fallbacks++;
          for (const p of group) p.resolve(this.checkOne(k, p));
        }
      }
    }
  }

  /** Checks signals and proof shape, parses the points and checks they are on their curves; null if not. */
  private parse(k: Prepared, publicSignals: unknown, proof: unknown): Parsed | null {
    if (!Array.isArray(publicSignals) || publicSignals.length !== k.nPublic) return null;
    if (
      !publicSignals.every(
        (s) => typeof s === "string" && /^[0-9]{1,78}$/.test(s) && BigInt(s) < SCALAR_FIELD,
      )
    ) {
      return null;
    }
    if (!isGroth16ProofShape(proof)) return null;
    const c = this.curve;
    const p = proof as unknown as { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
    const inField = (xs: string[]): boolean => xs.every((x) => BigInt(x) < BASE_FIELD);
    if (!inField(p.pi_a.slice(0, 2)) || !inField(p.pi_c.slice(0, 2))) return null;
    let a: Point, b: Point, cc: Point;
    try {
      a = c.G1.fromObject([big(p.pi_a[0]), big(p.pi_a[1]), big(p.pi_a[2] ?? "1")]);
      b = c.G2.fromObject(p.pi_b.slice(0, 3).map((r) => r.slice(0, 2).map(big)));
      cc = c.G1.fromObject([big(p.pi_c[0]), big(p.pi_c[1]), big(p.pi_c[2] ?? "1")]);
    } catch {
      return null;
    }
    if (!c.G1.isValid(a) || !c.G2.isValid(b) || !c.G1.isValid(cc)) return null;
    // G1 has cofactor 1, G2 does not: B must be in the order-r subgroup (as the EIP-197 precompile requires),
    // which the randomised batch check also relies on.
    if (!c.G2.isZero(c.G2.timesScalar(b, SCALAR_FIELD))) return null;
    return { a, b, c: cc, signals: publicSignals.map((x) => BigInt(x as string)) };
  }

  /** e(-A, B) · e(vk_x, gamma) · e(C, delta) · e(alpha, beta) == 1: three Miller loops, one final exponentiation. */
  private checkOne(k: Prepared, p: Parsed): boolean {
    const c = this.curve;
    try {
      let acc: Point = k.ic[0]!;
      for (let i = 0; i < k.nPublic; i++) {
        if (p.signals[i] !== 0n) acc = c.G1.add(acc, c.G1.timesScalar(k.ic[i + 1]!, p.signals[i]!));
      }
      let f = c.millerLoop(this.preG1(c.G1.neg(p.a)), this.preG2(p.b));
      f = c.Gt.mul(f, c.millerLoop(this.preG1(acc), k.gammaPre));
      f = c.Gt.mul(f, c.millerLoop(this.preG1(p.c), k.deltaPre));
      f = c.Gt.mul(f, k.alphaBetaMl);
      return c.Gt.eq(c.finalExponentiation(f), c.Gt.one) as boolean;
    } catch {
      return false;
    }
  }

  /** The randomised batch check described at `verify`. */
  private checkBatch(k: Prepared, group: Pending[]): boolean {
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
      let vkx: Point = c.G1.zero;
      sums.forEach((sj, j) => {
        if (sj !== 0n) vkx = c.G1.add(vkx, c.G1.timesScalar(k.ic[j]!, sj));
      });
      let cSum: Point = c.G1.zero;
      let f = c.Gt.one;
      group.forEach((p, i) => {
        const r = weights[i]!;
        f = c.Gt.mul(f, c.millerLoop(this.preG1(c.G1.neg(c.G1.timesScalar(p.a, r))), this.preG2(p.b)));
        cSum = c.G1.add(cSum, c.G1.timesScalar(p.c, r));
      });
      f = c.Gt.mul(f, c.millerLoop(this.preG1(vkx), k.gammaPre));
      f = c.Gt.mul(f, c.millerLoop(this.preG1(cSum), k.deltaPre));
      f = c.Gt.mul(f, c.millerLoop(this.preG1(c.G1.timesScalar(k.alpha1, sums[0]!)), k.betaPre));
      return c.Gt.eq(c.finalExponentiation(f), c.Gt.one) as boolean;
    } catch {
      return false;
    }
  }

  /** Ends the curve's worker threads. */
  async close(): Promise<void> {
    await this.curve?.terminate?.();
  }
}
