// Worker thread: fixed-base multiplication of a group generator by many scalars, with its own instance of the
// bn128 WebAssembly code that ffjavascript uses (wasmcurves), called directly from a JS loop.
//
// Table: T[w][d] = d · 2^(8w) · G for the 32 byte positions w and digits d = 1..255 (8,160 points, built with
// additions). A scalar is then the sum of at most 32 table points (one mixed addition per non-zero byte)
// instead of ~254 doublings and ~127 additions of a double-and-add. Output: affine points in the LEM layout
// (Montgomery, little-endian) of .ptau/.zkey files.

import { parentPort, workerData } from "node:worker_threads";
import { ModuleBuilder } from "wasmbuilder";
import { buildBn128 } from "wasmcurves";

interface Exports {
  [fn: string]: (...args: number[]) => void;
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
// The WebAssembly global (typed here: the project's TypeScript lib has no DOM/WebAssembly value types).
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
      compile(code: Uint8Array): Promise<unknown>;
      instantiate(m: unknown, imports: object): Promise<{ exports: unknown }>;
    };
  }
).WebAssembly;

const { group, generator } = workerData as { group: "G1" | "G2"; generator: Uint8Array };
const pre = group === "G1" ? "g1m" : "g2m";
const sAff = group === "G1" ? 64 : 128;
const sJac = group === "G1" ? 96 : 192;
const WINDOWS = 32;
const DIGITS = 255;

const mb = new ModuleBuilder();
mb.setMemory(25);
buildBn128(mb);
const code: Uint8Array = mb.build();
const memory = new WA.Memory({ initial: 25, maximum: 32767 });
const instance = await WA.instantiate(await WA.compile(code), { env: { memory } });
const ex = instance.exports as unknown as Exports;
// Address 0 holds the module's free-memory pointer; its functions take scratch space from there, so every
// allocation moves it past what we use.
// Scratch space the batch functions (batchToAffine: one field element per point) may use above the pointer.
const HEADROOM = 1 << 24;
let top = new Uint32Array(memory.buffer, 0, 1)[0] as number;
function setTop(t: number): void {
  top = t;
  if (top + HEADROOM > memory.buffer.byteLength) {
    memory.grow(Math.ceil((top + HEADROOM - memory.buffer.byteLength) / 65536) + 1);
  }
  new Uint32Array(memory.buffer, 0, 1)[0] = top;
}
function alloc(len: number): number {
  const p = (top + 7) & ~7;
  setTop(p + len);
  return p;
}
const u8 = () => new Uint8Array(memory.buffer);

const add = ex[`${pre}_add`]!;
const addMixed = ex[`${pre}_addMixed`]!;
const double = ex[`${pre}_double`]!;
const copy = ex[`${pre}_copy`]!;
const toJacobian = ex[`${pre}_toJacobian`]!;
const zero = ex[`${pre}_zero`]!;
const batchToAffine = ex[`${pre}_batchToAffine`]!;

// Table, Jacobian first, then affine.
const pTableJ = alloc(WINDOWS * DIGITS * sJac);
const pGen = alloc(sAff);
u8().set(generator, pGen);
const pBase = alloc(sJac);
toJacobian(pGen, pBase);
for (let w = 0; w < WINDOWS; w++) {
  const row = pTableJ + w * DIGITS * sJac;
  copy(pBase, row);
  for (let d = 1; d < DIGITS; d++) add(row + (d - 1) * sJac, pBase, row + d * sJac);
  for (let k = 0; k < 8; k++) double(pBase, pBase);
}
const pTable = alloc(WINDOWS * DIGITS * sAff);
batchToAffine(pTableJ, WINDOWS * DIGITS, pTable);
const heapStart = top;

parentPort!.on("message", (msg: { id: number; scalars: Uint8Array }) => {
  setTop(heapStart);
  const n = msg.scalars.length / 32;
  const pS = alloc(msg.scalars.length);
  const pR = alloc(n * sJac);
  u8().set(msg.scalars, pS);
  const mem = u8();
  for (let i = 0; i < n; i++) {
    const acc = pR + i * sJac;
    zero(acc);
    const s = pS + i * 32;
    for (let w = 0; w < WINDOWS; w++) {
      const d = mem[s + w] as number;
      if (d !== 0) addMixed(acc, pTable + (w * DIGITS + d - 1) * sAff, acc);
    }
  }
  batchToAffine(pR, n, pR);
  const out = u8().slice(pR, pR + n * sAff);
  parentPort!.postMessage({ id: msg.id, out }, [out.buffer]);
});
parentPort!.postMessage({ ready: true });
