// Generated from check-attestation.js by `node verifier-api/web/declarations.ts`: do not edit.
/**
 * The policy's parameters, in hash order, from an attestation's `policy` (integers, bigints or decimal
 * strings). Throws an invalid-input CodedError naming the first malformed field.
 * @param {unknown} policy
 * @returns {bigint[]}
 */
export function policyParams(policy: unknown): bigint[];
/**
 * The names of the breach bits set in `bits`: "6 concentration, 7 minPoolBalance".
 * @param {number} bits
 */
export function breachBitNames(bits: number): string;
/**
 * `verificationKeyHash` of prover/prove/key.ts: SHA-256 of nPublic, alpha1, beta2, gamma2, delta2 and every
 * IC point, each number a 32-byte big-endian word (G2 as x.c0, x.c1, y.c0, y.c1; G1 affine), as 0x + hex.
 * Throws an invalid-input CodedError on a malformed key.
 * @param {VerificationKey} vkey
 * @param {(data: Uint8Array) => Promise<Uint8Array>} sha256
 * @returns {Promise<string>}
 */
export function verificationKeyHash(
  vkey: VerificationKey,
  sha256: (data: Uint8Array) => Promise<Uint8Array>,
): Promise<string>;
/**
 * Compares every summary figure with the derived ones; one problem per field that differs (naming it and
 * both values, and for the breaches the bits that differ), and one per summary field that is not a figure.
 * @param {Figures} derived
 * @param {unknown} claimed
 * @returns {string[]}
 */
export function compareFigures(derived: Figures, claimed: unknown): string[];
/**
 * The chain of a committed attestation's chunk commitments in the order the registry accepted them, the
 * aggregation proof's `acc` (docs/INTERFACES.md): acc_1 = figCommit_1 (already a hash: the chunk that opens a
 * batch costs no on-chain Poseidon), acc_i = Poseidon(acc_{i-1}, figCommit_i); 0 for no commitment. The one
 * statement of the rule in TypeScript; the registry (submitChunkCommitment) and PoolAggregation follow it.
 * @param {(inputs: bigint[]) => bigint} poseidon  Poseidon of two inputs
 * @param {readonly bigint[]} commitments
 * @returns {bigint}
 */
export function chainOfCommitments(
  poseidon: (inputs: bigint[]) => bigint,
  commitments: readonly bigint[],
): bigint;
/**
 * The registry's hash of an originator key: Poseidon(Ax, Ay, registry | chainId << 160). Throws an
 * invalid-input CodedError naming a malformed field.
 * @param {(inputs: bigint[]) => bigint} poseidon
 * @param {unknown} publicKey  [Ax, Ay]
 * @param {unknown} registry  A 20-byte hex address.
 * @param {unknown} chainId
 * @returns {bigint}
 */
export function registryKeyHash(
  poseidon: (inputs: bigint[]) => bigint,
  publicKey: unknown,
  registry: unknown,
  chainId: unknown,
): bigint;
/**
 * Checks an attestation (parsed JSON; big numbers as decimal strings or bigints) as an auditor would.
 * @param {unknown} att
 * @param {CheckDeps} deps
 * @returns {Promise<CheckResult>}
 */
export function checkAttestation(att: unknown, deps: CheckDeps): Promise<CheckResult>;
/**
 * A problem line of the checker (`chunk 2: the proof does not verify`, `figures.outstanding: …`) as a
 * structured finding: the field before the first ": " (a name without spaces), the reason after it; a line
 * without one is a finding about the whole attestation.
 * @param {string} line
 * @returns {Problem}
 */
export function findingOf(line: string): Problem;
/**
 * The attestation inside what an auditor may have: the attestation itself, or the API's response to
 * `GET /v1/attestations/{id}` (`{id, poolId, …, data: <attestation>}`). Anything else is returned as it is
 * (and refused by `checkAttestation`).
 * @param {unknown} value
 * @returns {{ attestation: unknown, envelope: Record<string, unknown> | null }}
 */
export function unwrapAttestation(value: unknown): {
  attestation: unknown;
  envelope: Record<string, unknown> | null;
};
/**
 * An amount of minor units as major units with `decimals` places and thousands separators, then the
 * currency: formatAmount(123456789n, 2, "USD") is "1,234,567.89 USD". Null for what is not an amount.
 * @param {unknown} minor
 * @param {number} [decimals]
 * @param {string} [currency]
 */
export function formatAmount(minor: unknown, decimals?: number, currency?: string): string | null;
/**
 * A day number (days since 1970-01-01, as asOfDate) as an ISO date: formatDay(20400) is "2025-11-08".
 * @param {unknown} day
 */
export function formatDay(day: unknown): string | null;
/**
 * Each breach bit with its name, the covenant it stands for with the policy's threshold (when the policy's
 * parameters are known), and whether it is set: what the page lists under the figures.
 * @param {number} bits
 * @param {unknown} policy  The attestation's `policy` (parameters by name), or undefined.
 * @param {(minor: unknown) => string} [amount]  How to show minPoolBalance.
 * @returns {{ bit: number, name: string, covenant: string, set: boolean }[]}
 */
export function describeBreaches(
  bits: number,
  policy: unknown,
  amount?: (minor: unknown) => string,
): {
  bit: number;
  name: string;
  covenant: string;
  set: boolean;
}[];
export const FORMAT: "rwa-attest/attestation@1";
/** The verdict's warning for development keys (the same text as prover/prove/key.ts). */
export const DEVELOPMENT_KEY_WARNING: string;
export const NOTE_KEY: string;
/** The figures that are amounts of the tape's currency (minor units); the others are counts and scores. */
export const AMOUNT_FIGURES: readonly string[];
export type Groth16Proof = {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
} & Record<string, unknown>;
export type VerificationKey = {
  protocol: string;
  curve?: string;
  nPublic: number;
} & Record<string, unknown>;
export type CheckDeps = {
  /**
   * snarkjs's `groth16.verify`.
   */
  groth16Verify: (vkey: VerificationKey, publicSignals: string[], proof: Groth16Proof) => Promise<boolean>;
  /**
   * circomlib's Poseidon, of two inputs (the chain of a
   * committed attestation's commitments), three (the key hash) and nine (the policy hash).
   */
  poseidon: (inputs: bigint[]) => bigint;
  /**
   * The instance's verification key.
   */
  fetchVkey: (instance: string) => Promise<VerificationKey>;
  /**
   * Whether the key's source (the
   * service's catalogue) marks it a development key; null when it does not say.
   */
  isDevelopmentKey?: ((instance: string) => Promise<boolean | null>) | undefined;
  /**
   * Who marks keys as development keys, for messages (default "the service").
   */
  keySource?: string | undefined;
  /**
   * The policy's parameters given out of band (by name, as the attestation's
   * `policy`), e.g. `rwa-attest verify-attestation --policy`: they must hash to the proven policyHash and
   * take the place of the attestation's own.
   */
  policy?: unknown;
  /**
   * SHA-256 (default: WebCrypto's, when the
   * page has it: a secure context).
   */
  sha256?: ((data: Uint8Array) => Promise<Uint8Array>) | undefined;
  /**
   * Called before each step.
   */
  onProgress?: ((p: CheckProgress) => void) | undefined;
};
export type CheckProgress = {
  stage: "key" | "chunk" | "figures" | "done";
  /**
   * Chunk proofs checked so far.
   */
  done: number;
  /**
   * Chunk proofs to check.
   */
  total: number;
};
/**
 * A pool's (or one chunk's) figures.
 */
export type Figures = import("./pool-codec.js").Figures;
/**
 * The fields of a chunk proof's `pool` signal.
 */
export type PoolWord = import("./pool-codec.js").PoolWord;
/**
 * One finding: `{row?, field, value?, reason}`.
 */
export type Problem = import("./errors.js").Problem;
export type ChunkResult = {
  /**
   * Index in the attestation's `chunks` array.
   */
  position: number;
  /**
   * The chunk index the entry claims (null when missing or malformed).
   */
  chunkIndex: number | null;
  /**
   * The proof verifies against the verification key.
   */
  proofValid: boolean;
  /**
   * What the proof's `pool` signal says (null unless the proof verifies).
   */
  pool: PoolWord | null;
  /**
   * The chunk's figures from its public signals (null unless it verifies).
   */
  figures: Figures | null;
  /**
   * This chunk's problems (also in the result's `problems`).
   */
  problems: string[];
};
export type CheckResult = {
  valid: boolean;
  /**
   * Why it is not valid (empty when valid).
   */
  problems: string[];
  /**
   * The same problems, structured: `{field, reason}` (the error model's shape).
   */
  findings: Problem[];
  chunks: ChunkResult[];
  /**
   * Derived from the proofs, every breach bit included; null unless every
   * chunk proof (and a committed attestation's aggregation proof) verifies and the chunks are exactly 0..n-1
   * (one chunk for a plain attestation).
   */
  figures: Figures | null;
  /**
   * `verificationKeyHash` of the key the proofs were checked with (null when
   * there is none, or no SHA-256 in this page).
   */
  vkeyHash: string | null;
  /**
   * The key is a development key (by the attestation or the key's source).
   */
  development: boolean;
  /**
   * What a valid verdict must not hide (`DEVELOPMENT_KEY_WARNING`).
   */
  warnings: string[];
  /**
   * What this check does not cover.
   */
  notes: string[];
};
