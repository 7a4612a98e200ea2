/** Tape encryption at rest (AES-256-GCM) and API key hashing. */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts with AES-256-GCM: `version (1) | iv (12) | tag (16) | ciphertext`. `aad` (e.g. the tape id and
 * owner) is authenticated, so a ciphertext cannot be moved to another record.
 */
export function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  if (key.length !== 32) throw new TypeError("key: expected 32 bytes");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]);
}

/** Decrypts what `encrypt` produced; throws when the key, the aad or any byte differs. */
export function decrypt(key: Buffer, blob: Buffer, aad: string): Buffer {
  if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== VERSION) throw new Error("not an encrypted tape");
  const iv = blob.subarray(1, 1 + IV_BYTES);
  const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A new API key: a prefix naming its role and 32 random bytes (base64url). */
export function newApiKey(role: string): string {
  return `rwa_${role}_${randomBytes(32).toString("base64url")}`;
}

/** The stored form of an API key (sha256 is enough for a 256-bit random secret). */
export function hashApiKey(key: string): string {
  return sha256Hex(`rwa-attest/api-key:${key}`);
}

/** A random identifier with a readable prefix. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

/** JSON with sorted keys and bigints as decimal strings: the canonical form hashed for idempotency. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    }
    return v;
  });
}
