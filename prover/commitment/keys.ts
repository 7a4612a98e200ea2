/**
 * Originator keys and the attestation signature: EdDSA-Poseidon on Baby Jubjub (circomlibjs), over the
 * message fixed by docs/INTERFACES.md:
 *   Poseidon(root, the pool word with chunkIndex 0, domain, policyHash)
 * with the words of circuits/layout.json (the generated codec packs them).
 */
import { randomBytes } from "node:crypto";
import { getEddsa, getPoseidon } from "./poseidon.ts";
import { packDomain, packPoolWord } from "../../verifier-api/web/pool-codec.js";
import { invalid, requireField } from "../../verifier-api/web/errors.js";
import { policyHash, type Policy } from "../policy/index.ts";
import type { LoanTape } from "../tape/schema.ts";
import type { TapeCommitment } from "./encoding.ts";

/** A Baby Jubjub public key [Ax, Ay]. */
export type PublicKey = readonly [bigint, bigint];

/** An originator key pair; the private key is 32 random bytes (keep it secret). */
export interface OriginatorKey {
  privateKey: Uint8Array;
  publicKey: PublicKey;
}

/** An EdDSA-Poseidon signature. */
export interface AttestationSignature {
  R8: readonly [bigint, bigint];
  S: bigint;
}

/** What the originator signs (one signature covers every chunk of a pool's period). */
export interface AttestationMessage {
  root: bigint;
  poolId: bigint;
  period: number;
  asOfDate: number;
  chunkCount: number;
  /** The number of loans of the whole tape (the circuit proves the tape is packed below it). */
  loanCount: number;
  /** The packed domain word, see `domainWord`. */
  domain: bigint;
  policyHash: bigint;
}

export { MAX_CHAIN_ID } from "../../verifier-api/web/pool-codec.js";

/**
 * The domain word: registry address | chainId << 160 (circuits/layout.json); chain ids above MAX_CHAIN_ID
 * (2^93 - 1, DomainWord.MAX_CHAIN_ID) are refused, never cut, as a malformed address: invalid-input CodedErrors.
 */
export function domainWord(registry: string, chainId: bigint): bigint {
  return packDomain(registry, chainId);
}

/**
 * The message an originator signs for `tape`, committed as `commitment`, under `policy`, for the registry at
 * `registry` on chain `chainId` (docs/INTERFACES.md, "Originator signature"): the commitment's root and chunk
 * count, the tape's pool, period, date and number of loans, the domain word and the policy's hash. Every
 * signer builds the message here, so a field added to it is added once.
 */
export async function attestationMessage(
  tape: Pick<LoanTape, "poolId" | "period" | "asOfDate" | "loans">,
  commitment: Pick<TapeCommitment, "root" | "chunkCount">,
  where: { registry: string; chainId: bigint },
  policy: Policy,
): Promise<AttestationMessage> {
  return {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
    loanCount: tape.loans.length,
    domain: domainWord(where.registry, where.chainId),
    policyHash: await policyHash(policy),
  };
}

/**
 * The word of the signed message that binds pool, period, date, chunk count and loan count: the `pool`
 * signal with its chunkIndex 0 (docs/INTERFACES.md).
 */
export function messagePoolWord(
  poolId: bigint,
  period: number,
  asOfDate: number,
  chunkCount: number,
  loanCount: number,
): bigint {
  if (chunkCount === 0) throw invalid("chunkCount", "expected at least 1");
  if (loanCount === 0) throw invalid("loanCount", "expected at least 1");
  return packPoolWord({ poolId, period, asOfDate, chunkIndex: 0, chunkCount, loanCount });
}

/** Generates a fresh originator key from 32 random bytes. */
export async function generateOriginatorKey(): Promise<OriginatorKey> {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

/** The public key of a 32-byte private key. */
export async function publicKeyOf(privateKey: Uint8Array): Promise<PublicKey> {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32)
    throw invalid("privateKey", "expected 32 bytes");
  const eddsa = await getEddsa();
  const A = eddsa.prv2pub(Buffer.from(privateKey));
  return [eddsa.F.toObject(A[0]) as bigint, eddsa.F.toObject(A[1]) as bigint];
}

/**
 * keyHash = Poseidon(Ax, Ay): the key's own hash, registry-independent. Score providers' keys are named by it
 * (ProviderRegistry). Originator keys are named by `registryKeyHash`, which also binds the registry.
 */
export async function keyHash(publicKey: PublicKey): Promise<bigint> {
  if (!Array.isArray(publicKey) || publicKey.length !== 2) throw invalid("publicKey", "expected [Ax, Ay]");
  const poseidon = await getPoseidon();
  return poseidon([requireField("publicKey[0]", publicKey[0]), requireField("publicKey[1]", publicKey[1])]);
}

/**
 * The hash under which an attestation registry knows an originator key: Poseidon(Ax, Ay, domain), with
 * `domain` = `domainWord(registry, chainId)`. It is the pool circuit's public `keyHash` signal, and the
 * registry computes it itself when the key is proposed (`keyHashOf`), so a proof made for one registry or
 * chain names a key no other registry knows.
 */
export async function registryKeyHash(publicKey: PublicKey, domain: bigint): Promise<bigint> {
  if (!Array.isArray(publicKey) || publicKey.length !== 2) throw invalid("publicKey", "expected [Ax, Ay]");
  const poseidon = await getPoseidon();
  return poseidon([
    requireField("publicKey[0]", publicKey[0]),
    requireField("publicKey[1]", publicKey[1]),
    requireField("domain", domain),
  ]);
}

/** The field element the originator signs. */
export async function signedMessage(m: AttestationMessage): Promise<bigint> {
  if (m === null || typeof m !== "object") throw invalid("message", "expected an AttestationMessage");
  const poseidon = await getPoseidon();
  return poseidon([
    requireField("root", m.root),
    messagePoolWord(m.poolId, m.period, m.asOfDate, m.chunkCount, m.loanCount),
    requireField("domain", m.domain),
    requireField("policyHash", m.policyHash),
  ]);
}

/** Signs an attestation message with the originator's private key. */
export async function signAttestation(
  privateKey: Uint8Array,
  m: AttestationMessage,
): Promise<AttestationSignature> {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32)
    throw invalid("privateKey", "expected 32 bytes");
  const msg = await signedMessage(m);
  const eddsa = await getEddsa();
  const sig = eddsa.signPoseidon(Buffer.from(privateKey), eddsa.F.e(msg));
  return {
    R8: [eddsa.F.toObject(sig.R8[0]) as bigint, eddsa.F.toObject(sig.R8[1]) as bigint],
    S: BigInt(sig.S),
  };
}

/** Verifies an attestation signature; malformed keys or signatures verify as false. */
export async function verifyAttestationSignature(
  publicKey: PublicKey,
  m: AttestationMessage,
  sig: AttestationSignature,
): Promise<boolean> {
  const msg = await signedMessage(m);
  try {
    const eddsa = await getEddsa();
    const F = eddsa.F;
    return eddsa.verifyPoseidon(
      F.e(msg),
      {
        R8: [F.e(requireField("R8x", sig.R8[0])), F.e(requireField("R8y", sig.R8[1]))],
        S: requireField("S", sig.S),
      },
      [F.e(requireField("Ax", publicKey[0])), F.e(requireField("Ay", publicKey[1]))],
    ) as boolean;
  } catch {
    return false;
  }
}
