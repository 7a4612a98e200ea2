/**
 * The sampling rule for auditor openings: which loans of a committed tape are opened for a seed.
 *
 * Pure and deterministic from (seed, tape size, count) alone, so the CLI, the SDK and an auditor's own script
 * compute the same sample. The seed is chosen by the auditor after the commitment exists, so the originator
 * cannot arrange which loans get opened. Rule (version 1): for k = 0, 1, 2, … take
 * `x = SHA-256("rwa-attest/sample@1" | u32be(len(seed)) | seed | u32be(size) | u32be(k))` (seed as UTF-8) as a 256-bit big-endian integer and
 * index `x mod size`; skip an index already chosen; stop after `min(count, size)` distinct indices. The
 * result is in the order drawn. (The modulo bias is below 2^-200 for any tape size below 2^32.)
 */
import { createHash } from "node:crypto";

export const SAMPLING_RULE = "rwa-attest/sample@1";

/** Distinct 0-based loan indices to open, in draw order. */
export function sampleIndices(seed: string, size: number, count: number): number[] {
  if (typeof seed !== "string" || seed.length === 0 || seed.length > 256) {
    throw new TypeError("seed: expected a non-empty string of at most 256 characters");
  }
  if (!Number.isInteger(size) || size < 1 || size > 0xffff_ffff)
    throw new TypeError("size: expected 1..2^32-1");
  if (!Number.isInteger(count) || count < 1) throw new TypeError("count: expected a positive integer");
  const want = Math.min(count, size);
  const chosen = new Set<number>();
  const out: number[] = [];
  const seedBytes = Buffer.from(seed, "utf8");
  const head = Buffer.alloc(8);
  head.writeUInt32BE(seedBytes.length, 0);
  head.writeUInt32BE(size, 4);
  for (let k = 0; out.length < want; k++) {
    const kb = Buffer.alloc(4);
    kb.writeUInt32BE(k >>> 0);
    const digest = createHash("sha256")
      .update(SAMPLING_RULE)
      .update(head.subarray(0, 4))
      .update(seedBytes)
      .update(head.subarray(4))
      .update(kb)
      .digest();
    const index = Number(BigInt(`0x${digest.toString("hex")}`) % BigInt(size));
    if (!chosen.has(index)) {
      chosen.add(index);
      out.push(index);
    }
  }
  return out;
}
