/**
 * Test helpers for circuits: compile with circom2 into build/test-circuits/ (cached by a hash of the source
 * closure, the parameters and the compiler version), compute witnesses with the wasm witness calculator,
 * check them against the r1cs, and edit wires of a witness file.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import * as snarkjs from "snarkjs";
import { CIRCOM_INCLUDE_DIRS, circomSourceClosure, sha256Text } from "../../pipeline/hash.ts";
import { readR1csHeader, type R1csHeader } from "../../pipeline/r1cs.ts";
import { computeWitness } from "../../prover/prove/index.ts";

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "build", "test-circuits");

export interface Compiled {
  dir: string;
  r1cs: string;
  wasm: string;
  header: R1csHeader;
  /** Seconds the compile took (0 when it came from the cache). */
  compileSeconds: number;
}

/** Compiles `template(params)` from `file` with the given public inputs (cached). */
export async function compileCircuit(
  file: string,
  template: string,
  params: number[],
  publicInputs: string[],
): Promise<Compiled> {
  const closure = circomSourceClosure(file);
  const version = JSON.parse(readFileSync(join(ROOT, "node_modules", "circom2", "package.json"), "utf8"))
    .version as string;
  const key = sha256Text(JSON.stringify({ closure, template, params, publicInputs, version, opt: 2 })).slice(
    0,
    16,
  );
  const name = `${template}-${params.join("-")}-${key}`;
  const dir = join(OUT, name);
  const r1cs = join(dir, "main.r1cs");
  const wasm = join(dir, "main_js", "main.wasm");
  if (existsSync(r1cs) && existsSync(wasm))
    return { dir, r1cs, wasm, header: readR1csHeader(r1cs), compileSeconds: 0 };
  mkdirSync(OUT, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  const main = join(tmp, "main.circom");
  writeFileSync(
    main,
    `pragma circom 2.1.9;\ninclude "${relative(tmp, join(ROOT, file))}";\n` +
      `component main {public [${publicInputs.join(", ")}]} = ${template}(${params.join(", ")});\n`,
  );
  const t0 = performance.now();
  await run(
    join(ROOT, "node_modules", ".bin", "circom2"),
    [main, "--r1cs", "--wasm", "--sym", "--O2", ...CIRCOM_INCLUDE_DIRS.flatMap((d) => ["-l", d]), "-o", tmp],
    { cwd: "/", maxBuffer: 64 * 1024 * 1024 },
  );
  const compileSeconds = (performance.now() - t0) / 1000;
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another worker finished first: use its output
  }
  return { dir, r1cs, wasm, header: readR1csHeader(r1cs), compileSeconds };
}

let scratch: string | undefined;
let counter = 0;

/** Computes a witness file; rejects with circom's assertion message when a constraint fails. */
export async function witness(c: Compiled, input: Record<string, unknown>): Promise<string> {
  const data = await computeWitness(input, c.wasm);
  scratch ??= await mkdtemp(join(tmpdir(), "rwa-wtns-"));
  const path = join(scratch, `w${counter++}.wtns`);
  writeFileSync(path, data);
  return path;
}

/** Checks a witness file against the circuit's constraints (snarkjs wtns check). */
export async function check(c: Compiled, wtnsPath: string): Promise<boolean> {
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  return snarkjs.wtns.check(c.r1cs, wtnsPath, silent);
}

/** Message of the error a promise rejects with ("" if it resolves). */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "";
  } catch (err) {
    return String((err as Error).message ?? err);
  }
}

const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Reads the wires of a .wtns file and where they start, to edit them. */
function wtnsLayout(buf: Buffer): { n8: number; count: number; offset: number } {
  if (buf.toString("latin1", 0, 4) !== "wtns") throw new Error("not a wtns file");
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  let n8 = 0;
  let count = 0;
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      n8 = buf.readUInt32LE(pos);
      count = buf.readUInt32LE(pos + 4 + n8);
    } else if (type === 2) {
      return { n8, count, offset: pos };
    }
    pos += size;
  }
  throw new Error("wtns file has no witness section");
}

/** Reads wire `i` of a witness file. */
export function readWire(path: string, i: number): bigint {
  const buf = readFileSync(path);
  const { n8, offset } = wtnsLayout(buf);
  let v = 0n;
  for (let b = n8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(buf[offset + i * n8 + b]!);
  return v;
}

/** Writes a copy of a witness file with wire `i` set to `value` (mod p); returns its path. */
export function editWire(path: string, i: number, value: bigint): string {
  const buf = Buffer.from(readFileSync(path));
  const { n8, count, offset } = wtnsLayout(buf);
  if (i < 0 || i >= count) throw new RangeError(`wire ${i} out of range`);
  let v = ((value % P) + P) % P;
  for (let b = 0; b < n8; b++) {
    buf[offset + i * n8 + b] = Number(v & 0xffn);
    v >>= 8n;
  }
  const out = `${path}.edit${counter++}`;
  writeFileSync(out, buf);
  return out;
}

/** Wire index of a signal by its name in the .sym file (e.g. "main.slot[0].activeBalance"), or -1. */
export function wireOf(c: Compiled, signal: string): number {
  const sym = readFileSync(join(c.dir, "main.sym"), "utf8");
  for (const line of sym.split("\n")) {
    const parts = line.split(",");
    if (parts[3] === signal) return Number(parts[1]);
  }
  return -1;
}

/** Ends snarkjs's worker threads. */
export async function terminateCurve(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate: () => Promise<void> } };
  await g.curve_bn128?.terminate();
}

/**
 * Wires of the circuit that appear in no constraint (read from the r1cs constraint section). A free wire is
 * how an under-constrained signal shows itself; only wires listed in `allowed` (by .sym name) may be free.
 */
export function freeWires(c: Compiled): string[] {
  const buf = readFileSync(c.r1cs);
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  let n8 = 0;
  let nWires = 0;
  let nConstraints = 0;
  let constraintsAt = -1;
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      n8 = buf.readUInt32LE(pos);
      nWires = buf.readUInt32LE(pos + 4 + n8);
      nConstraints = buf.readUInt32LE(pos + 4 + n8 + 24);
    } else if (type === 2) {
      constraintsAt = pos;
    }
    pos += size;
  }
  if (constraintsAt < 0 || n8 === 0) throw new Error(`${c.r1cs}: no header or constraints`);
  const used = new Uint8Array(nWires);
  let p = constraintsAt;
  for (let k = 0; k < nConstraints; k++) {
    for (let lc = 0; lc < 3; lc++) {
      const terms = buf.readUInt32LE(p);
      p += 4;
      for (let t = 0; t < terms; t++) {
        used[buf.readUInt32LE(p)] = 1;
        p += 4 + n8;
      }
    }
  }
  const names = new Map<number, string>();
  for (const line of readFileSync(join(c.dir, "main.sym"), "utf8").split("\n")) {
    const parts = line.split(",");
    if (parts[1] !== undefined && parts[1] !== "-1" && parts[3] !== undefined)
      names.set(Number(parts[1]), parts[3]);
  }
  const free: string[] = [];
  for (let i = 1; i < nWires; i++) if (!used[i]) free.push(names.get(i) ?? `wire ${i}`);
  return free;
}

/**
 * A regexp for circom's failure report at the line of `circuits/<file>` that contains `text`, inside
 * `template` (the witness calculator names the template instance and the source line of the failed check).
 */
export function failsAt(template: string, file: string, text: string): RegExp {
  const lines = readFileSync(join(ROOT, "circuits", file), "utf8").split("\n");
  const n = lines.findIndex((l) => l.includes(text));
  if (n < 0) throw new Error(`${file}: no line contains ${text}`);
  return new RegExp(`${template}_\\d+ line: ${n + 1}\\b`);
}
