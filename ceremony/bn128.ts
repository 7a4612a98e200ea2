// Field arithmetic on BN254's scalar field with native bigint, and batched multiplication of the group
// generators by many scalars in ffjavascript's worker threads (its WebAssembly curve code).
//
// Everything the development ceremony computes is "known scalar × generator": the secret is known, so the
// Lagrange-basis points and the proving-key points are scalars computed with field arithmetic, each turned into
// a group element by one fixed-base multiplication. No group FFT, no multi-exponentiation per coefficient.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { buildBn128 } from "ffjavascript";

/** The ffjavascript curve object (untyped library). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Curve = any;

/** Order of BN254's scalar field (the circuit field). */
export const R_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export type GroupName = "G1" | "G2";

/** The shared ffjavascript bn128 curve (snarkjs uses the same global instance). */
export async function getCurve(): Promise<Curve> {
  return buildBn128();
}

/** Ends ffjavascript's worker threads and the fixed-base workers (test teardown / end of a CLI run). */
export async function terminateCurve(): Promise<void> {
  await terminateFixedBase();
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

export function mod(a: bigint): bigint {
  const x = a % R_ORDER;
  return x < 0n ? x + R_ORDER : x;
}

export function mul(a: bigint, b: bigint): bigint {
  return (a * b) % R_ORDER;
}

export function pow(base: bigint, e: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let x = e;
  while (x > 0n) {
    if (x & 1n) result = (result * b) % R_ORDER;
    b = (b * b) % R_ORDER;
    x >>= 1n;
  }
  return result;
}

export function inv(a: bigint): bigint {
  if (mod(a) === 0n) throw new RangeError("inverse of zero");
  return pow(a, R_ORDER - 2n);
}

/** Inverts every element with one field inversion (Montgomery's trick). All inputs must be non-zero. */
export function batchInverse(xs: bigint[]): bigint[] {
  const n = xs.length;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * (xs[i] as bigint)) % R_ORDER;
  }
  let accInv = inv(acc);
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (accInv * (prefix[i] as bigint)) % R_ORDER;
    accInv = (accInv * (xs[i] as bigint)) % R_ORDER;
  }
  return out;
}

/** base^0 .. base^(n-1). */
export function powers(base: bigint, n: number, first = 1n): bigint[] {
  const out = new Array<bigint>(n);
  let t = mod(first);
  for (let i = 0; i < n; i++) {
    out[i] = t;
    t = (t * base) % R_ORDER;
  }
  return out;
}

/** A uniformly distributed field element from 64 random bytes (negligible bias). */
export function scalarFromBytes(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x % R_ORDER;
}

/** The 2^p-th root of unity ffjavascript's FFT uses (and hence snarkjs's Lagrange sections). */
export function rootOfUnity(curve: Curve, p: number): bigint {
  return BigInt(curve.Fr.toObject(curve.Fr.w[p]));
}

/**
 * Evaluations at tau of the Lagrange basis of the size-2^p domain {w^i}: L_i(tau) = (tau^n - 1)/n · w^i/(tau - w^i).
 * With `dropLast`, the evaluations of the inverse FFT of (1, tau, ..., tau^(n-2), 0), the top level of
 * snarkjs's tauG1 Lagrange section (its tauG1 section has 2n-1 points and the n-th is taken as zero).
 */
export function lagrangeAt(tau: bigint, p: number, w: bigint, tauPow: bigint[], dropLast = false): bigint[] {
  const n = 2 ** p;
  const tn = tauPow.length > n ? (tauPow[n] as bigint) : pow(tau, BigInt(n));
  const c = mul(mod(tn - 1n), inv(BigInt(n)));
  const wi = powers(w, n);
  const den = wi.map((x) => mod(tau - x));
  if (den.some((d) => d === 0n)) throw new RangeError("tau lies on the evaluation domain; resample");
  const denInv = batchInverse(den);
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++)
    out[i] = (((c * (wi[i] as bigint)) % R_ORDER) * (denInv[i] as bigint)) % R_ORDER;
  if (dropLast) {
    // Subtract the contribution of tau^(n-1): (1/n) · tau^(n-1) · w^(-(n-1)i) = (1/n) · tau^(n-1) · w^i.
    const top = mul(pow(tau, BigInt(n - 1)), inv(BigInt(n)));
    for (let i = 0; i < n; i++) out[i] = mod((out[i] as bigint) - mul(top, wi[i] as bigint));
  }
  return out;
}

/** Writes x (< 2^256) as 32 little-endian bytes. */
export function writeScalarLE(buf: Uint8Array, offset: number, x: bigint): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + offset, 32);
  let v = x;
  for (let i = 0; i < 4; i++) {
    dv.setBigUint64(i * 8, v & 0xffffffffffffffffn, true);
    v >>= 64n;
  }
}

/** Reads 32 little-endian bytes as a bigint. */
export function readScalarLE(buf: Uint8Array, offset: number): bigint {
  const dv = new DataView(buf.buffer, buf.byteOffset + offset, 32);
  return (
    dv.getBigUint64(0, true) |
    (dv.getBigUint64(8, true) << 64n) |
    (dv.getBigUint64(16, true) << 128n) |
    (dv.getBigUint64(24, true) << 192n)
  );
}

export function pointSize(group: GroupName): number {
  return group === "G1" ? 64 : 128;
}

export interface MulProgress {
  (done: number, total: number): void;
}

const CHUNK = 2048;

/**
 * [s_0]G, [s_1]G, ... with ffjavascript's own scalar multiplication (`timesScalarAffine`) in its worker
 * threads: the slower reference the fixed-base workers are checked against.
 */
export async function mulGeneratorReference(
  curve: Curve,
  group: GroupName,
  scalars: bigint[],
  onProgress?: MulProgress,
): Promise<Uint8Array> {
  const sOut = pointSize(group);
  const sMid = (sOut / 2) * 3;
  const prefix = group === "G1" ? "g1m" : "g2m";
  const base: Uint8Array = curve[group].oneAffine;
  const out = new Uint8Array(scalars.length * sOut);
  const nChunks = Math.ceil(scalars.length / CHUNK);
  const inFlight = Math.max(2, curve.tm.concurrency * 2);
  let done = 0;
  for (let first = 0; first < nChunks; first += inFlight) {
    const jobs: Promise<void>[] = [];
    for (let k = first; k < Math.min(nChunks, first + inFlight); k++) {
      const start = k * CHUNK;
      const n = Math.min(CHUNK, scalars.length - start);
      const bScalars = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) writeScalarLE(bScalars, i * 32, scalars[start + i] as bigint);
      const task: object[] = [
        { cmd: "ALLOCSET", var: 0, buff: base },
        { cmd: "ALLOCSET", var: 1, buff: bScalars },
        { cmd: "ALLOC", var: 2, len: n * sMid },
      ];
      for (let i = 0; i < n; i++) {
        task.push({
          cmd: "CALL",
          fnName: `${prefix}_timesScalarAffine`,
          params: [{ var: 0 }, { var: 1, offset: i * 32 }, { val: 32 }, { var: 2, offset: i * sMid }],
        });
      }
      task.push({
        cmd: "CALL",
        fnName: `${prefix}_batchToAffine`,
        params: [{ var: 2 }, { val: n }, { var: 2 }],
      });
      task.push({ cmd: "GET", out: 0, var: 2, len: n * sOut });
      jobs.push(
        curve.tm.queueAction(task).then((res: Uint8Array[]) => {
          out.set(res[0] as Uint8Array, start * sOut);
          done += n;
          onProgress?.(done, scalars.length);
        }),
      );
    }
    await Promise.all(jobs);
  }
  return out;
}

// ---- Fixed-base workers -------------------------------------------------------------------------------------

interface FixedBaseWorker {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve: (out: Uint8Array) => void; reject: (e: Error) => void }>;
}

const pools: Partial<Record<GroupName, FixedBaseWorker[]>> = {};
let nextId = 0;

function threads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

function pool(curve: Curve, group: GroupName): FixedBaseWorker[] {
  const existing = pools[group];
  if (existing) return existing;
  const created: FixedBaseWorker[] = [];
  for (let i = 0; i < threads(); i++) {
    const worker = new Worker(new URL("./fixedbase.worker.ts", import.meta.url), {
      workerData: { group, generator: Uint8Array.from(curve[group].oneAffine as Uint8Array) },
    });
    const pending: FixedBaseWorker["pending"] = new Map();
    // A failed or exited worker fails every job it holds, and the pool is rebuilt on the next call.
    const fail = (e: Error) => {
      if (pools[group] === created) delete pools[group];
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("error", (e: Error) => {
        reject(e);
        fail(e);
      });
      worker.once("exit", (code: number) => fail(new Error(`fixed-base worker exited (code ${code})`)));
      worker.on("message", (m: { ready?: boolean; id?: number; out?: Uint8Array }) => {
        if (m.ready) return resolve();
        const p = pending.get(m.id as number);
        pending.delete(m.id as number);
        if (pending.size === 0) worker.unref();
        p?.resolve(m.out as Uint8Array);
      });
    });
    ready.catch(() => undefined);
    worker.unref();
    created.push({ worker, ready, pending });
  }
  pools[group] = created;
  return created;
}

async function terminateFixedBase(): Promise<void> {
  for (const g of ["G1", "G2"] as const) {
    const p = pools[g];
    delete pools[g];
    if (p) await Promise.all(p.map((w) => w.worker.terminate()));
  }
}

const FB_CHUNK = 4096;

/**
 * [s_0]G, [s_1]G, ... for the generator G of `group`, as affine points in snarkjs's LEM layout (Montgomery,
 * little-endian: exactly the bytes of .ptau and .zkey files). Fixed-base windowed multiplication in one
 * worker thread per core (see fixedbase.worker.ts); about 10x fewer group operations than double-and-add.
 */
export async function mulGenerator(
  curve: Curve,
  group: GroupName,
  scalars: bigint[],
  onProgress?: MulProgress,
): Promise<Uint8Array> {
  const sOut = pointSize(group);
  const workers = pool(curve, group);
  const out = new Uint8Array(scalars.length * sOut);
  let done = 0;
  let next = 0;
  const runOn = async (w: FixedBaseWorker): Promise<void> => {
    await w.ready;
    while (next < scalars.length) {
      const start = next;
      const n = Math.min(FB_CHUNK, scalars.length - start);
      next += n;
      const b = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) writeScalarLE(b, i * 32, mod(scalars[start + i] as bigint));
      const id = nextId++;
      const res = await new Promise<Uint8Array>((resolve, reject) => {
        w.pending.set(id, { resolve, reject });
        w.worker.ref();
        w.worker.postMessage({ id, scalars: b }, [b.buffer]);
      });
      out.set(res, start * sOut);
      done += n;
      onProgress?.(done, scalars.length);
    }
  };
  await Promise.all(workers.map(runOn));
  return out;
}
