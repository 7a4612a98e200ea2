// The development Groth16 proving key, computed from the development ptau's secret.
//
// snarkjs's `zkey new` builds each key point as a multi-exponentiation over the ptau's Lagrange points, one
// group term per r1cs coefficient. With tau, alpha and beta known, the same point is (Σ coef · L_c(tau)) · G:
// field arithmetic per coefficient and one fixed-base multiplication per variable. `fastZkeyNew` writes exactly
// the file `snarkjs zkey new` writes (same sections, same order, same circuit hash), which the tests check
// byte for byte. `createDevZkey` then applies one development delta contribution with snarkjs's own
// `zkey contribute`, so the key carries a valid MPC record and `snarkjs zkey verify` accepts it.

import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import * as binFileUtils from "@iden3/binfileutils";
import { readR1csHeader } from "r1csfile";
import * as snarkjs from "snarkjs";
import {
  type Curve,
  type GroupName,
  R_ORDER,
  getCurve,
  lagrangeAt,
  mod,
  mul,
  inv,
  mulGenerator,
  readScalarLE,
  rootOfUnity,
  scalarFromBytes,
  writeScalarLE,
} from "./bn128.ts";
import { DEV_CONTRIBUTION_NAME, type Progress, chachaFromBytes, hashToG2, readDevSecret } from "./devptau.ts";
import { snarkjsInput } from "./files.ts";
import { type Hasher, newHasher, u32be } from "./hashing.ts";
import { type Transcript, readTranscript } from "./transcript.ts";

interface FileHandle {
  pos: number;
  read(n: number, pos?: number): Promise<Uint8Array>;
  write(b: Uint8Array): Promise<void>;
  writeULE32(n: number): Promise<void>;
  close(): Promise<void>;
}
type Sections = Record<number, { p: number; size: number }[]>;

export interface DevZkeyOptions {
  /** Contribution name (default "rwa-attest development"). */
  name?: string;
  /** Extra entropy for the delta contribution (random by default). */
  entropy?: string;
  onProgress?: (p: Progress) => void;
  /**
   * Apply the delta contribution with snarkjs's `zkey contribute` on the fast "new" key instead of computing
   * the contributed key directly (slower; same kind of result, kept as a cross-check).
   */
  viaSnarkjsContribute?: boolean;
}

export interface FastZkeyOptions {
  onProgress?: (p: Progress) => void;
  /**
   * Write the key after one delta contribution (known delta) instead of the "new" key: the C and H points
   * divided by delta, delta in the header, and the contribution record snarkjs `zkey contribute` would write.
   */
  contribution?: { delta: bigint; name: string };
}

export interface DevZkeyResult {
  zkeyPath: string;
  transcript: Transcript;
  /** Seconds spent in the fast "zkey new" part and in the delta contribution. */
  seconds: { init: number; contribute: number };
}

/** snarkjs misc.log2: index of the highest set bit. */
function log2(v: number): number {
  return 31 - Math.clz32(v);
}

async function writeSection(fd: FileHandle, id: number, parts: Uint8Array[]): Promise<void> {
  await binFileUtils.startWriteSection(fd, id);
  for (const p of parts) {
    for (let o = 0; o < p.length; o += 1 << 24)
      await fd.write(p.subarray(o, Math.min(p.length, o + (1 << 24))));
  }
  await binFileUtils.endWriteSection(fd);
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Points → uncompressed form, fed to the circuit hash. */
async function hashPoints(
  curve: Curve,
  h: Hasher,
  g: GroupName,
  buf: Uint8Array,
  count: number,
): Promise<void> {
  h.update(u32be(count));
  const s = g === "G1" ? 64 : 128;
  const chunk = 1 << 15;
  for (let o = 0; o < buf.length; o += chunk * s) {
    h.update(await curve[g].batchLEMtoU(buf.subarray(o, Math.min(buf.length, o + chunk * s))));
  }
}

/**
 * Writes, from a development ptau and its secret, the same file `snarkjs zkey new r1cs ptau zkey` writes
 * (delta = 1, no contribution yet). Returns the circuit hash.
 */
export async function fastZkeyNew(
  r1csPath: string,
  ptauPath: string,
  zkeyPath: string,
  opts: FastZkeyOptions = {},
): Promise<Uint8Array> {
  const onProgress = opts.onProgress;
  const secret = readDevSecret(ptauPath);
  if (!secret) throw new Error(`${ptauPath}: not a development ptau (no secret next to it); use phase2Init`);
  const tau = BigInt(secret.tau);
  const alpha = BigInt(secret.alpha);
  const beta = BigInt(secret.beta);
  const curve = await getCurve();

  const { fd: fdPTau, sections: sPTau } = (await binFileUtils.readBinFile(
    snarkjsInput(ptauPath),
    "ptau",
    1,
    1 << 22,
    1 << 24,
  )) as {
    fd: FileHandle;
    sections: Sections;
  };
  const { fd: fdR1cs, sections: sR1cs } = (await binFileUtils.readBinFile(
    snarkjsInput(r1csPath),
    "r1cs",
    1,
    1 << 22,
    1 << 24,
  )) as {
    fd: FileHandle;
    sections: Sections;
  };
  try {
    fdPTau.pos = (sPTau[1] as { p: number }[])[0]!.p;
    const header = await fdPTau.read(44);
    const power = new DataView(header.buffer, header.byteOffset).getUint32(36, true);
    if (power !== secret.power) throw new Error(`${ptauPath}: power ${power} does not match its secret file`);
    if (!sPTau[12]) throw new Error(`${ptauPath}: not prepared for phase 2`);

    // The secret must be the one this file was made with: tau·G1 is the second tauG1 point.
    const tauG1 = await fdPTau.read(64, sPTau[2]![0]!.p + 64);
    const alphaG1 = await fdPTau.read(64, sPTau[4]![0]!.p);
    const betaG1 = await fdPTau.read(64, sPTau[5]![0]!.p);
    const betaG2 = await fdPTau.read(128, sPTau[6]![0]!.p);
    const check = await mulGenerator(curve, "G1", [tau, alpha, beta]);
    const eq = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
    if (
      !eq(check.subarray(0, 64), tauG1) ||
      !eq(check.subarray(64, 128), alphaG1) ||
      !eq(check.subarray(128), betaG1)
    ) {
      throw new Error(`${ptauPath}: its secret file does not match the points (wrong or tampered ptau)`);
    }

    const r1cs = await readR1csHeader(fdR1cs, sR1cs, false);
    if (BigInt(r1cs.prime) !== R_ORDER) throw new Error(`${r1csPath}: r1cs is not over bn128`);
    const nPublic: number = r1cs.nOutputs + r1cs.nPubInputs;
    const nVars: number = r1cs.nVars;
    const nConstraints: number = r1cs.nConstraints;
    const cirPower = log2(nConstraints + nPublic + 1 - 1) + 1;
    if (cirPower > power) {
      throw new Error(
        `${r1csPath}: circuit needs 2^${cirPower} but the ptau has 2^${power} (circuit too big)`,
      );
    }
    const domainSize = 2 ** cirPower;
    const report = (stage: string, done: number, total: number) => onProgress?.({ stage, done, total });

    // Lagrange evaluations at tau over the circuit's domain.
    const tauPow: bigint[] = [];
    const L = lagrangeAt(tau, cirPower, rootOfUnity(curve, cirPower), tauPow, false);

    // Accumulate per-variable polynomials at tau, and the coefficient section as snarkjs writes it.
    const cons = (await binFileUtils.readSection(fdR1cs, sR1cs, 2)) as Uint8Array;
    const dv = new DataView(cons.buffer, cons.byteOffset, cons.byteLength);
    const a = new Array<bigint>(nVars).fill(0n);
    const b = new Array<bigint>(nVars).fill(0n);
    const c = new Array<bigint>(nVars).fill(0n);
    const R = mod(1n << 256n);
    const R2 = mul(R, R);
    const coefParts: Uint8Array[] = [];
    let coefCount = 0;
    let cur = new Uint8Array(44 * 4096);
    let curN = 0;
    const pushCoef = (m: number, ci: number, s: number, coef: bigint) => {
      const o = curN * 44;
      const v = new DataView(cur.buffer, o, 12);
      v.setUint32(0, m, true);
      v.setUint32(4, ci, true);
      v.setUint32(8, s, true);
      writeScalarLE(cur, o + 12, mul(coef, R2));
      curN++;
      coefCount++;
      if (curN === 4096) {
        coefParts.push(cur);
        cur = new Uint8Array(44 * 4096);
        curN = 0;
      }
    };
    let pos = 0;
    for (let ci = 0; ci < nConstraints; ci++) {
      const Lc = L[ci] as bigint;
      for (const [m, acc] of [
        [0, a],
        [1, b],
        [2, c],
      ] as const) {
        const nTerms = dv.getUint32(pos, true);
        pos += 4;
        for (let k = 0; k < nTerms; k++) {
          const s = dv.getUint32(pos, true);
          const coef = readScalarLE(cons, pos + 4);
          pos += 36;
          acc[s] = ((acc[s] as bigint) + coef * Lc) % R_ORDER;
          if (m < 2) pushCoef(m, ci, s, coef);
        }
      }
      if (ci % 8192 === 0) report("zkey coefficients", ci, nConstraints);
    }
    // snarkjs adds one constraint per public signal (and the constant 1) so their A polynomials are independent.
    for (let s = 0; s <= nPublic; s++) {
      a[s] = ((a[s] as bigint) + (L[nConstraints + s] as bigint)) % R_ORDER;
      pushCoef(0, nConstraints + s, s, 1n);
    }
    coefParts.push(cur.subarray(0, curN * 44));

    const lc = (s: number) => mod(beta * (a[s] as bigint) + alpha * (b[s] as bigint) + (c[s] as bigint));
    const icScalars = Array.from({ length: nPublic + 1 }, (_, s) => lc(s));
    const cScalars = Array.from({ length: nVars - nPublic - 1 }, (_, k) => lc(k + nPublic + 1));

    const totalMul =
      nPublic +
      1 +
      cScalars.length +
      2 * nVars +
      3 * nVars +
      (opts.contribution ? cScalars.length + domainSize : 0);
    let done = 0;
    const mulG = async (stage: string, g: GroupName, sc: bigint[]) => {
      const w = g === "G2" ? 3 : 1;
      const start = done;
      const r = await mulGenerator(curve, g, sc, (d) => report(stage, start + d * w, totalMul));
      done += sc.length * w;
      return r;
    };
    const IC = await mulG("zkey IC", "G1", icScalars);
    const C = await mulG("zkey C", "G1", cScalars);
    const A = await mulG("zkey A", "G1", a);
    const B1 = await mulG("zkey B1", "G1", b);
    const B2 = await mulG("zkey B2", "G2", b);

    // H: the odd points of the 2n-domain Lagrange level, copied from the ptau as snarkjs does.
    const hLevel = await binFileUtils.readSection(
      fdPTau,
      sPTau,
      12,
      (domainSize * 2 - 1) * 64,
      domainSize * 2 * 64,
    );
    const H = new Uint8Array(domainSize * 64);
    for (let i = 0; i < domainSize; i++)
      H.set((hLevel as Uint8Array).subarray((2 * i + 1) * 64, (2 * i + 2) * 64), i * 64);

    // Circuit hash, in snarkjs's order.
    const csHasher = newHasher();
    const g1 = new Uint8Array(64);
    const g2 = new Uint8Array(128);
    curve.G1.toRprLEM(g1, 0, curve.G1.g);
    curve.G2.toRprLEM(g2, 0, curve.G2.g);
    csHasher.update(await curve.G1.batchLEMtoU(alphaG1));
    csHasher.update(await curve.G1.batchLEMtoU(betaG1));
    csHasher.update(await curve.G2.batchLEMtoU(betaG2));
    const g2U = await curve.G2.batchLEMtoU(g2);
    csHasher.update(g2U);
    csHasher.update(await curve.G1.batchLEMtoU(g1));
    csHasher.update(g2U);
    await hashPoints(curve, csHasher, "G1", IC, nPublic + 1);
    await hashHPoints(curve, csHasher, fdPTau, sPTau, domainSize);
    await hashPoints(curve, csHasher, "G1", C, nVars - nPublic - 1);
    await hashPoints(curve, csHasher, "G1", A, nVars);
    await hashPoints(curve, csHasher, "G1", B1, nVars);
    await hashPoints(curve, csHasher, "G2", B2, nVars);
    const csHash = csHasher.digest();

    const hdr = new Uint8Array(4 + 32 + 4 + 32 + 12);
    const hv = new DataView(hdr.buffer);
    hv.setUint32(0, 32, true);
    writeScalarLE(hdr, 4, BigInt(curve.q));
    hv.setUint32(36, 32, true);
    writeScalarLE(hdr, 40, R_ORDER);
    hv.setUint32(72, nVars, true);
    hv.setUint32(76, nPublic, true);
    hv.setUint32(80, domainSize, true);
    const fdZ = (await binFileUtils.createBinFile(zkeyPath, "zkey", 1, 10, 1 << 22, 1 << 24)) as FileHandle;
    const coefSection = [u32le(coefCount), ...coefParts];
    if (!opts.contribution) {
      // snarkjs zkey new's section order: 1, 2, 4, 3, 9, 8, 5, 6, 7, 10.
      await writeSection(fdZ, 1, [u32le(1)]);
      await writeSection(fdZ, 2, [hdr, alphaG1, betaG1, betaG2, g2, g1, g2]);
      await writeSection(fdZ, 4, coefSection);
      await writeSection(fdZ, 3, [IC]);
      await writeSection(fdZ, 9, [H]);
      await writeSection(fdZ, 8, [C]);
      await writeSection(fdZ, 5, [A]);
      await writeSection(fdZ, 6, [B1]);
      await writeSection(fdZ, 7, [B2]);
      await writeSection(fdZ, 10, [csHash, u32le(0)]);
    } else {
      // The key after one contribution with a known delta: what `zkey contribute` writes, computed directly.
      const { delta, name } = opts.contribution;
      const deltaInv = inv(delta);
      const Cd = await mulG(
        "zkey C/delta",
        "G1",
        cScalars.map((x) => mul(x, deltaInv)),
      );
      const hl = lagrangeAt(tau, cirPower + 1, rootOfUnity(curve, cirPower + 1), [], cirPower === power);
      const hScalars = Array.from({ length: domainSize }, (_, i) => mul(hl[2 * i + 1] as bigint, deltaInv));
      const Hd = await mulG("zkey H/delta", "G1", hScalars);
      const delta1 = await mulGenerator(curve, "G1", [delta]);
      const delta2 = await mulGenerator(curve, "G2", [delta]);
      const k = curve.Fr.e(delta);
      const g1s = curve.G1.toAffine(curve.G1.fromRng(chachaFromBytes(randomBytes(32))));
      const g1sx = curve.G1.toAffine(curve.G1.timesFr(g1s, k));
      const th = newHasher();
      th.update(csHash);
      th.update(curve.G1.toUncompressed(g1s));
      th.update(curve.G1.toUncompressed(g1sx));
      const transcript = th.digest();
      const g2spx = curve.G2.toAffine(curve.G2.timesFr(hashToG2(curve, transcript), k));
      const rec = new Uint8Array(64 * 3 + 128);
      rec.set(delta1, 0);
      curve.G1.toRprLEM(rec, 64, g1s);
      curve.G1.toRprLEM(rec, 128, g1sx);
      curve.G2.toRprLEM(rec, 192, g2spx);
      const nameBytes = new TextEncoder().encode(name.substring(0, 64));
      // snarkjs zkey contribute's section order: 1..10.
      await writeSection(fdZ, 1, [u32le(1)]);
      await writeSection(fdZ, 2, [hdr, alphaG1, betaG1, betaG2, g2, delta1, delta2]);
      await writeSection(fdZ, 3, [IC]);
      await writeSection(fdZ, 4, coefSection);
      await writeSection(fdZ, 5, [A]);
      await writeSection(fdZ, 6, [B1]);
      await writeSection(fdZ, 7, [B2]);
      await writeSection(fdZ, 8, [Cd]);
      await writeSection(fdZ, 9, [Hd]);
      await writeSection(fdZ, 10, [
        csHash,
        u32le(1),
        rec,
        transcript,
        u32le(0),
        u32le(2 + nameBytes.length),
        new Uint8Array([1, nameBytes.length]),
        nameBytes,
      ]);
    }
    await fdZ.close();
    return csHash;
  } finally {
    await fdPTau.close();
    await fdR1cs.close();
  }
}

/**
 * The H part of snarkjs's circuit hash: (tau^(i+n) - tau^i)·G1 for the chunks snarkjs reads. snarkjs's chunk
 * loop always reads min(n-1, 2^14) points per chunk (it does not shorten the last chunk), so this reads the
 * same file ranges the same way, to hash exactly the same bytes.
 */
async function hashHPoints(
  curve: Curve,
  h: Hasher,
  fd: FileHandle,
  s: Sections,
  domainSize: number,
): Promise<void> {
  const CHUNK = 1 << 14;
  h.update(u32be(domainSize - 1));
  const p2 = s[2]![0]!.p;
  for (let i = 0; i < domainSize - 1; i += CHUNK) {
    const n = Math.min(domainSize - 1, CHUNK);
    const b1 = await fd.read(n * 64, p2 + (i + domainSize) * 64);
    const b2 = await fd.read(n * 64, p2 + i * 64);
    const conc: number = curve.tm.concurrency;
    const per = Math.floor(n / conc);
    const jobs: Promise<Uint8Array[]>[] = [];
    for (let t = 0; t < conc; t++) {
      const k = t < conc - 1 ? per : n - t * per;
      if (k === 0) continue;
      const sub1 = b1.slice(t * per * 64, (t * per + k) * 64);
      const sub2 = b2.slice(t * per * 64, (t * per + k) * 64);
      const task: object[] = [
        { cmd: "ALLOCSET", var: 0, buff: sub1 },
        { cmd: "ALLOCSET", var: 1, buff: sub2 },
        { cmd: "ALLOC", var: 2, len: k * 96 },
      ];
      for (let j = 0; j < k; j++) {
        task.push({
          cmd: "CALL",
          fnName: "g1m_subAffine",
          params: [
            { var: 0, offset: j * 64 },
            { var: 1, offset: j * 64 },
            { var: 2, offset: j * 96 },
          ],
        });
      }
      task.push({ cmd: "CALL", fnName: "g1m_batchToAffine", params: [{ var: 2 }, { val: k }, { var: 2 }] });
      task.push({ cmd: "CALL", fnName: "g1m_batchLEMtoU", params: [{ var: 2 }, { val: k }, { var: 2 }] });
      task.push({ cmd: "GET", out: 0, var: 2, len: k * 64 });
      jobs.push(curve.tm.queueAction(task));
    }
    for (const r of await Promise.all(jobs)) h.update(r[0] as Uint8Array);
  }
}

/**
 * Creates a Groth16 development proving key from the r1cs and a development ptau: the fast "zkey new", then
 * one delta contribution named "rwa-attest development" (snarkjs `zkey contribute`). The result is accepted
 * by `snarkjs zkey verify` against that r1cs and ptau. Development keys are insecure by definition: the ptau's
 * secret is on disk.
 */
export async function createDevZkey(
  r1csPath: string,
  ptauPath: string,
  zkeyPath: string,
  opts: DevZkeyOptions = {},
): Promise<DevZkeyResult> {
  const name = opts.name ?? DEV_CONTRIBUTION_NAME;
  const t0 = performance.now();
  if (!opts.viaSnarkjsContribute) {
    const entropy = createHash("sha512")
      .update(randomBytes(64))
      .update(opts.entropy ?? "")
      .digest();
    const delta = scalarFromBytes(entropy) || 1n;
    await fastZkeyNew(r1csPath, ptauPath, zkeyPath, {
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      contribution: { delta, name },
    });
    const t1 = performance.now();
    return {
      zkeyPath,
      transcript: await readTranscript(zkeyPath),
      seconds: { init: (t1 - t0) / 1000, contribute: 0 },
    };
  }
  const initPath = `${zkeyPath}.${process.pid}.init.tmp`;
  try {
    await fastZkeyNew(r1csPath, ptauPath, initPath, opts.onProgress ? { onProgress: opts.onProgress } : {});
    const t1 = performance.now();
    opts.onProgress?.({ stage: "zkey delta contribution", done: 0, total: 1 });
    await snarkjs.zKey.contribute(initPath, zkeyPath, name, opts.entropy ?? randomBytes(32).toString("hex"));
    const t2 = performance.now();
    opts.onProgress?.({ stage: "zkey delta contribution", done: 1, total: 1 });
    return {
      zkeyPath,
      transcript: await readTranscript(zkeyPath),
      seconds: { init: (t1 - t0) / 1000, contribute: (t2 - t1) / 1000 },
    };
  } finally {
    rmSync(initPath, { force: true });
  }
}
