/**
 * Naming a Groth16 verification key, and saying when it is a development key.
 *
 * `verificationKeyHash` is a hash of what the key is, its curve points, not of the file that holds them (so
 * a key re-serialised by a service, or read from a verifier contract's constants, has the same hash):
 *
 *   sha256( nPublic as 32 bytes ‖ alpha1.x ‖ alpha1.y ‖ beta2 ‖ gamma2 ‖ delta2 ‖ IC[0].x ‖ IC[0].y ‖ … )
 *
 * every number a 32-byte big-endian word, G2 points as snarkjs writes them (x.c0, x.c1, y.c0, y.c1), G1
 * points affine (x, y; the projective "1" is not hashed). Written `0x` + 64 hex digits. The browser checker
 * (verifier-api/web/check-attestation.js) computes the same hash with WebCrypto; a test holds the two equal.
 *
 * An attestation names its key by this hash and says whether the build manifest marks it a development key;
 * every verdict on one made with a development key carries `DEVELOPMENT_KEY_WARNING`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { VerificationKey } from "snarkjs";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** The warning of every verdict on a proof made with development keys (CLI, service, browser page). */
export const DEVELOPMENT_KEY_WARNING =
  "development keys: this proof proves nothing about the tape on a real chain (the development setup's " +
  "secret, kept on the machine that built the keys, proves any statement)";

/** A verification key as an attestation names it. */
export interface KeyInfo {
  /** `verificationKeyHash` of the key. */
  hash: string;
  /** True when the build manifest marks it a development key. */
  development: boolean;
}

function word(v: unknown, what: string): Buffer {
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "bigint")
    throw invalid(`vkey.${what}`, "expected a number");
  const n = BigInt(v);
  if (n < 0n || n >= 1n << 256n) throw invalid(`vkey.${what}`, "not a 256-bit number");
  return Buffer.from(n.toString(16).padStart(64, "0"), "hex");
}

/** The words of a G1 point (x, y) or, with `g2`, of a G2 point (x.c0, x.c1, y.c0, y.c1). */
function point(p: unknown, what: string, g2: boolean): Buffer[] {
  if (!Array.isArray(p) || p.length < 2) throw invalid(`vkey.${what}`, "expected a curve point");
  if (!g2) return [word(p[0], `${what}[0]`), word(p[1], `${what}[1]`)];
  return [0, 1].flatMap((i) => {
    const c = p[i] as unknown;
    if (!Array.isArray(c) || c.length < 2) throw invalid(`vkey.${what}[${i}]`, "expected [c0, c1]");
    return [word(c[0], `${what}[${i}][0]`), word(c[1], `${what}[${i}][1]`)];
  });
}

/** The hash of a Groth16 verification key's points (see the header). Throws a TypeError on a malformed key. */
export function verificationKeyHash(vkey: VerificationKey | Record<string, unknown>): string {
  const k = vkey as Record<string, unknown>;
  if (k === null || typeof k !== "object" || k.protocol !== "groth16")
    throw invalid("vkey", "not a Groth16 verification key");
  if (!Array.isArray(k.IC) || k.IC.length !== Number(k.nPublic) + 1)
    throw invalid("vkey.IC", "expected nPublic + 1 points");
  const words = [
    word(k.nPublic, "nPublic"),
    ...point(k.vk_alpha_1, "vk_alpha_1", false),
    ...point(k.vk_beta_2, "vk_beta_2", true),
    ...point(k.vk_gamma_2, "vk_gamma_2", true),
    ...point(k.vk_delta_2, "vk_delta_2", true),
    ...k.IC.flatMap((p, i) => point(p, `IC[${i}]`, false)),
  ];
  return "0x" + createHash("sha256").update(Buffer.concat(words)).digest("hex");
}

/** The hash-checked verification key of a built instance, its hash, and whether it is a development key. */
export async function instanceKey(instance: string): Promise<KeyInfo & { vkey: VerificationKey }> {
  const { paths, record } = await loadVerifiedArtifacts(instance, ["vkey"]);
  const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
  return {
    vkey,
    hash: verificationKeyHash(vkey),
    development: record.development,
  };
}
