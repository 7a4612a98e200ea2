// blake2b-512 helpers shared by the ptau and zkey writers, in the exact form snarkjs's file formats use.

import { blake2b } from "@noble/hashes/blake2b";

export type Hasher = ReturnType<typeof blake2b.create>;

export function newHasher(): Hasher {
  return blake2b.create({ dkLen: 64 });
}

/**
 * The 216-byte "partial hash" of a .ptau contribution record: the internal state of a blake2b-512 hasher
 * (128-byte block buffer, eight 64-bit chaining words as lo/hi u32 pairs, bytes consumed and bytes pending),
 * as snarkjs stores it so a verifier can finish the response hash with the public key only.
 */
export function toPartialHash(h: Hasher): Uint8Array {
  const st = h as unknown as Record<string, number> & { buffer: Uint8Array; length: number; pos: number };
  const res = new Uint8Array(216);
  res.set(st.buffer.subarray(0, 128));
  const words = new Uint32Array(res.buffer, 128, 22);
  const names = ["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7"];
  names.forEach((v, i) => {
    words[2 * i] = st[`${v}l`] as number;
    words[2 * i + 1] = st[`${v}h`] as number;
  });
  words[16] = st.length - st.pos;
  words[18] = st.pos;
  return res;
}

/** Big-endian u32, as snarkjs hashes section lengths into the circuit hash. */
export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
