/** Reads the header of a circom .r1cs file (no dependency, no curve: a few bytes). */
import { openSync, readSync, closeSync } from "node:fs";

export interface R1csHeader {
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  nLabels: number;
  nConstraints: number;
}

export function readR1csHeader(path: string): R1csHeader {
  const fd = openSync(path, "r");
  try {
    const read = (pos: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      if (readSync(fd, b, 0, len, pos) !== len) throw new Error(`${path}: truncated r1cs`);
      return b;
    };
    if (read(0, 4).toString("latin1") !== "r1cs") throw new Error(`${path}: not an r1cs file`);
    const nSections = read(8, 4).readUInt32LE(0);
    let pos = 12;
    for (let s = 0; s < nSections; s++) {
      const head = read(pos, 12);
      const type = head.readUInt32LE(0);
      const size = Number(head.readBigUInt64LE(4));
      pos += 12;
      if (type === 1) {
        const n8 = read(pos, 4).readUInt32LE(0);
        const h = read(pos + 4 + n8, 28);
        return {
          nWires: h.readUInt32LE(0),
          nPubOut: h.readUInt32LE(4),
          nPubIn: h.readUInt32LE(8),
          nPrvIn: h.readUInt32LE(12),
          nLabels: Number(h.readBigUInt64LE(16)),
          nConstraints: h.readUInt32LE(24),
        };
      }
      pos += size;
    }
    throw new Error(`${path}: r1cs has no header section`);
  } finally {
    closeSync(fd);
  }
}

/** The smallest power of two domain snarkjs's Groth16 setup needs for this circuit. */
export function requiredPower(h: R1csHeader): number {
  const rows = h.nConstraints + h.nPubIn + h.nPubOut + 1;
  let p = 0;
  while (1 << p < rows) p++;
  return p;
}
