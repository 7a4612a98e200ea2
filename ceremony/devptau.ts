// The development powers of tau: a .ptau file, prepared for phase 2, computed directly from a locally sampled
// secret (tau, alpha, beta) instead of snarkjs's new → contribute → prepare-phase2 path.
//
// snarkjs's prepare-phase2 turns the tau powers into Lagrange-basis points with a group FFT (one scalar
// multiplication per butterfly, O(n log n) of them per power level). Here every point is "known scalar ×
// generator": tau^i, alpha·tau^i, beta·tau^i and the Lagrange evaluations L_i(tau) computed with field arithmetic
// (one batch inversion per level), so each point costs exactly one fixed-base multiplication.
//
// The file is a regular snarkjs .ptau (version 1): sections 1-7 as `powersoftau contribute` writes them with a
// single contribution named "rwa-attest development" (its public key, proof of knowledge and challenge/response
// hashes are computed exactly as snarkjs does, so `snarkjs powersoftau verify` checks them), and sections 12-15
// as `powersoftau prepare phase2` writes them. The secret is kept next to the file: it is development toxic
// waste, and it is what makes the fast development zkey possible.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import * as binFileUtils from "@iden3/binfileutils";
import { ChaCha, Scalar } from "ffjavascript";
import {
  type Curve,
  type GroupName,
  getCurve,
  lagrangeAt,
  mul,
  mulGenerator,
  pointSize,
  powers,
  rootOfUnity,
  scalarFromBytes,
} from "./bn128.ts";
import { newHasher, toPartialHash } from "./hashing.ts";
import { invalid } from "../verifier-api/web/errors.js";

export const DEV_CONTRIBUTION_NAME = "rwa-attest development";
/** Bumped whenever the generator's output would change; part of the cache identity. */
export const DEV_PTAU_FORMAT = "rwa-attest-dev-ptau-v1";

export interface Progress {
  stage: string;
  done: number;
  total: number;
}

export interface DevSecret {
  warning: string;
  format: string;
  curve: "bn128";
  power: number;
  tau: string;
  alpha: string;
  beta: string;
  /** Size in bytes of the finished .ptau, a cheap check that the cached file is the one made with this secret. */
  ptauBytes: number;
  createdAt: string;
}

export function devPtauPath(cacheDir: string, power: number): string {
  return join(cacheDir, `dev-ptau-${power}.ptau`);
}

/** The secret file that sits next to a development ptau (`dev-ptau-12.ptau` → `dev-ptau-12.secret.json`). */
export function secretPathFor(ptauPath: string): string {
  return ptauPath.replace(/\.ptau$/, "") + ".secret.json";
}

export function readDevSecret(ptauPath: string): DevSecret | undefined {
  const p = secretPathFor(ptauPath);
  if (!existsSync(p)) return undefined;
  const s = JSON.parse(readFileSync(p, "utf8")) as DevSecret;
  if (s.format !== DEV_PTAU_FORMAT) return undefined;
  return s;
}

/**
 * Ensures a development powers-of-tau file of 2^power exists in cacheDir (made once per machine), prepared
 * for phase 2 and accepted by `snarkjs powersoftau verify`. Returns its path; the name contains "dev".
 */
export async function ensureDevPtau(
  power: number,
  opts: { cacheDir: string; onProgress?: (p: Progress) => void },
): Promise<string> {
  if (!Number.isInteger(power) || power < 1 || power > 24) {
    throw invalid("power", `expected an integer in [1, 24], got ${power}`);
  }
  const path = devPtauPath(opts.cacheDir, power);
  if (isCached(path, power)) return path;
  mkdirSync(opts.cacheDir, { recursive: true });
  // One maker per file: concurrent builds wait for it instead of racing their renames.
  return withLock(`${path}.lock`, async () => {
    if (isCached(path, power)) return path;
    await makeDevPtau(power, path, opts.onProgress);
    return path;
  });
}

function isCached(path: string, power: number): boolean {
  const secret = readDevSecret(path);
  return !!secret && existsSync(path) && statSync(path).size === secret.ptauBytes && secret.power === power;
}

async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      closeSync(openSync(lockPath, "wx"));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        // A lock older than an hour belongs to a process that died.
        if (Date.now() - statSync(lockPath).mtimeMs > 3_600_000) rmSync(lockPath, { force: true });
      } catch {
        // removed meanwhile
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

async function makeDevPtau(power: number, path: string, onProgress?: (p: Progress) => void): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const secretTmp = `${secretPathFor(path)}.${process.pid}.tmp`;
  try {
    const s = await writeDevPtau(power, tmp, onProgress);
    const full: DevSecret = { ...s, ptauBytes: statSync(tmp).size };
    writeFileSync(secretTmp, JSON.stringify(full, null, 2) + "\n");
    // The secret lands first, so a ptau in place always has its secret next to it.
    renameSync(secretTmp, secretPathFor(path));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(secretTmp, { force: true });
  }
}

function randomScalar(): bigint {
  for (;;) {
    const x = scalarFromBytes(randomBytes(64));
    if (x > 1n) return x;
  }
}

/** ffjavascript's ChaCha seeded with the first 32 bytes read as 8 big-endian u32 (as snarkjs seeds it). */
export function chachaFromBytes(seedBytes: Uint8Array): unknown {
  const dv = new DataView(seedBytes.buffer, seedBytes.byteOffset, 32);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(dv.getUint32(i * 4, false));
  return new ChaCha(seed);
}

/** snarkjs's map of a 64-byte hash to a G2 point (keypair.js hashToG2). */
export function hashToG2(curve: Curve, hash: Uint8Array): unknown {
  return curve.G2.fromRng(chachaFromBytes(hash));
}

/** snarkjs's hash of a challenge and a proof-of-knowledge base pair to a G2 point (keypair.js getG2sp). */
function g2sp(
  curve: Curve,
  personalization: number,
  challenge: Uint8Array,
  g1s: unknown,
  g1sx: unknown,
): unknown {
  const h = newHasher();
  h.update(new Uint8Array([personalization]));
  h.update(challenge);
  h.update(curve.G1.toUncompressed(g1s));
  h.update(curve.G1.toUncompressed(g1sx));
  return hashToG2(curve, h.digest());
}

interface PubKeyPart {
  g1_s: unknown;
  g1_sx: unknown;
  g2_spx: unknown;
}

function pubKeyPart(curve: Curve, prv: bigint, personalization: number, challenge: Uint8Array): PubKeyPart {
  const rng = chachaFromBytes(randomBytes(32));
  const k = curve.Fr.e(prv);
  const g1_s = curve.G1.toAffine(curve.G1.fromRng(rng));
  const g1_sx = curve.G1.toAffine(curve.G1.timesFr(g1_s, k));
  const sp = curve.G2.toAffine(g2sp(curve, personalization, challenge, g1_s, g1_sx));
  const g2_spx = curve.G2.toAffine(curve.G2.timesFr(sp, k));
  return { g1_s, g1_sx, g2_spx };
}

/** The public key of a contribution in snarkjs's order, Montgomery (file) or uncompressed (hashing) form. */
function pubKeyBytes(curve: Curve, key: PubKeyPart[], montgomery: boolean): Uint8Array {
  const [tau, alpha, beta] = key as [PubKeyPart, PubKeyPart, PubKeyPart];
  const buf = new Uint8Array(64 * 6 + 128 * 3);
  let pos = 0;
  const g1 = (p: unknown) => {
    if (montgomery) curve.G1.toRprLEM(buf, pos, p);
    else curve.G1.toRprUncompressed(buf, pos, p);
    pos += 64;
  };
  const g2 = (p: unknown) => {
    if (montgomery) curve.G2.toRprLEM(buf, pos, p);
    else curve.G2.toRprUncompressed(buf, pos, p);
    pos += 128;
  };
  g1(tau.g1_s);
  g1(tau.g1_sx);
  g1(alpha.g1_s);
  g1(alpha.g1_sx);
  g1(beta.g1_s);
  g1(beta.g1_sx);
  g2(tau.g2_spx);
  g2(alpha.g2_spx);
  g2(beta.g2_spx);
  return buf;
}

/** snarkjs's challenge hash of a fresh accumulator (all points = generators), powersoftau_utils.js. */
export function firstChallengeHash(curve: Curve, power: number): Uint8Array {
  const h = newHasher();
  h.update(newHasher().digest());
  const g1u = new Uint8Array(64);
  const g2u = new Uint8Array(128);
  curve.G1.toRprUncompressed(g1u, 0, curve.G1.g);
  curve.G2.toRprUncompressed(g2u, 0, curve.G2.g);
  const repeat = (unit: Uint8Array, n: number) => {
    const block = 1 << 14;
    const big = new Uint8Array(block * unit.length);
    for (let i = 0; i < block; i++) big.set(unit, i * unit.length);
    let left = n;
    while (left > 0) {
      const k = Math.min(left, block);
      h.update(k === block ? big : big.subarray(0, k * unit.length));
      left -= k;
    }
  };
  repeat(g1u, 2 ** power * 2 - 1);
  repeat(g2u, 2 ** power);
  repeat(g1u, 2 ** power);
  repeat(g1u, 2 ** power);
  h.update(g2u);
  return h.digest();
}

async function writeSection(fd: unknown, id: number, parts: Uint8Array[]): Promise<void> {
  await binFileUtils.startWriteSection(fd, id);
  const f = fd as { write(b: Uint8Array): Promise<void> };
  for (const p of parts) {
    // fastfile writes in pages; large buffers go in 16 MiB slices.
    for (let o = 0; o < p.length; o += 1 << 24)
      await f.write(p.subarray(o, Math.min(p.length, o + (1 << 24))));
  }
  await binFileUtils.endWriteSection(fd);
}

/** Writes a development ptau at `path` and returns its secret (without the file size). */
export async function writeDevPtau(
  power: number,
  path: string,
  onProgress?: (p: Progress) => void,
  secretIn?: { tau: bigint; alpha: bigint; beta: bigint },
): Promise<Omit<DevSecret, "ptauBytes">> {
  const curve = await getCurve();
  const tau = secretIn?.tau ?? randomScalar();
  const alpha = secretIn?.alpha ?? randomScalar();
  const beta = secretIn?.beta ?? randomScalar();
  const n = 2 ** power;

  // Work plan, in G1-equivalent multiplications, for progress reporting.
  const g2Cost = 3;
  const total =
    2 * n - 1 + g2Cost * n + 2 * n + 1 * g2Cost + (4 * n - 1) + g2Cost * (2 * n - 1) + 2 * (2 * n - 1);
  let base = 0;
  const mulG = async (stage: string, group: GroupName, scalars: bigint[]): Promise<Uint8Array> => {
    const w = group === "G2" ? g2Cost : 1;
    const start = base;
    const r = await mulGenerator(curve, group, scalars, (done) =>
      onProgress?.({ stage, done: start + done * w, total }),
    );
    base += scalars.length * w;
    return r;
  };

  const tauPow = powers(tau, 2 * n);
  const tauG1 = await mulG("tauG1", "G1", tauPow.slice(0, 2 * n - 1));
  const tauG2 = await mulG("tauG2", "G2", tauPow.slice(0, n));
  const alphaTauG1 = await mulG(
    "alphaTauG1",
    "G1",
    tauPow.slice(0, n).map((t) => mul(alpha, t)),
  );
  const betaTauG1 = await mulG(
    "betaTauG1",
    "G1",
    tauPow.slice(0, n).map((t) => mul(beta, t)),
  );
  const betaG2 = await mulG("betaG2", "G2", [beta]);

  // Lagrange sections: levels 0..power (and power+1 for tauG1), concatenated level after level.
  const levels: bigint[][] = [];
  for (let p = 0; p <= power + 1; p++) {
    levels.push(lagrangeAt(tau, p, rootOfUnity(curve, p), tauPow, p === power + 1));
  }
  const flat = (ls: bigint[][], f: (x: bigint) => bigint) => ls.flatMap((l) => l.map(f));
  const id = (x: bigint) => x;
  const lagTauG1 = await mulG("lagrange tauG1", "G1", flat(levels, id));
  const lagTauG2 = await mulG("lagrange tauG2", "G2", flat(levels.slice(0, power + 1), id));
  const lagAlphaG1 = await mulG(
    "lagrange alphaTauG1",
    "G1",
    flat(levels.slice(0, power + 1), (x) => mul(alpha, x)),
  );
  const lagBetaG1 = await mulG(
    "lagrange betaTauG1",
    "G1",
    flat(levels.slice(0, power + 1), (x) => mul(beta, x)),
  );

  // Contribution record, hashes computed as `snarkjs powersoftau contribute` does from a fresh accumulator.
  onProgress?.({ stage: "hashing", done: total, total });
  const challenge = firstChallengeHash(curve, power);
  const key = [
    pubKeyPart(curve, tau, 0, challenge),
    pubKeyPart(curve, alpha, 1, challenge),
    pubKeyPart(curve, beta, 2, challenge),
  ];
  const sections: [GroupName, Uint8Array][] = [
    ["G1", tauG1],
    ["G2", tauG2],
    ["G1", alphaTauG1],
    ["G1", betaTauG1],
    ["G2", betaG2],
  ];
  const responseHasher = newHasher();
  responseHasher.update(challenge);
  for (const [g, buf] of sections) responseHasher.update(await batchConvert(curve, g, buf, "C"));
  const partialHash = toPartialHash(responseHasher);
  responseHasher.update(pubKeyBytes(curve, key, false));
  const responseHash = responseHasher.digest();
  const nextHasher = newHasher();
  nextHasher.update(responseHash);
  for (const [g, buf] of sections) nextHasher.update(await batchConvert(curve, g, buf, "U"));
  const nextChallenge = nextHasher.digest();

  const name = new TextEncoder().encode(DEV_CONTRIBUTION_NAME);
  const contribution = concat([
    u32le(1), // one contribution
    tauG1.subarray(64, 128),
    tauG2.subarray(128, 256),
    alphaTauG1.subarray(0, 64),
    betaTauG1.subarray(0, 64),
    betaG2,
    pubKeyBytes(curve, key, true),
    partialHash,
    nextChallenge,
    u32le(0), // type: regular contribution
    u32le(2 + name.length),
    new Uint8Array([1, name.length]),
    name,
  ]);

  const fd = await binFileUtils.createBinFile(path, "ptau", 1, 11);
  const header = new Uint8Array(4 + 32 + 4 + 4);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 32, true);
  Scalar.toRprLE(header, 4, curve.q, 32);
  hv.setUint32(36, power, true);
  hv.setUint32(40, power, true);
  await writeSection(fd, 1, [header]);
  await writeSection(fd, 2, [tauG1]);
  await writeSection(fd, 3, [tauG2]);
  await writeSection(fd, 4, [alphaTauG1]);
  await writeSection(fd, 5, [betaTauG1]);
  await writeSection(fd, 6, [betaG2]);
  await writeSection(fd, 7, [contribution]);
  await writeSection(fd, 12, [lagTauG1]);
  await writeSection(fd, 13, [lagTauG2]);
  await writeSection(fd, 14, [lagAlphaG1]);
  await writeSection(fd, 15, [lagBetaG1]);
  await (fd as { close(): Promise<void> }).close();

  return {
    warning:
      "DEVELOPMENT TOXIC WASTE: these are the secrets of a development powers of tau. Anyone holding them can " +
      "forge proofs for every key made from this file. Never use it, or keys made from it, in production.",
    format: DEV_PTAU_FORMAT,
    curve: "bn128",
    power,
    tau: tau.toString(),
    alpha: alpha.toString(),
    beta: beta.toString(),
    createdAt: new Date().toISOString(),
  };
}

async function batchConvert(curve: Curve, g: GroupName, buf: Uint8Array, to: "C" | "U"): Promise<Uint8Array> {
  const G = curve[g];
  const s = pointSize(g);
  const chunk = (1 << 20) / s;
  const parts: Uint8Array[] = [];
  for (let o = 0; o < buf.length; o += chunk * s) {
    const sub = buf.subarray(o, Math.min(buf.length, o + chunk * s));
    parts.push(to === "C" ? await G.batchLEMtoC(sub) : await G.batchLEMtoU(sub));
  }
  return concat(parts);
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
