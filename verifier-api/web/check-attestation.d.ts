// Generated from check-attestation.js by `node verifier-api/web/declarations.ts`: do not edit.
/**
 * Unpacks figA, figB, figC (as `unpackFigures` of prover/model).
 * @param {bigint} figA @param {bigint} figB @param {bigint} figC
 * @returns {Figures}
 */
export function unpackFigures(figA: bigint, figB: bigint, figC: bigint): Figures;
/**
 * Unpacks a chunk's `pool` signal.
 * @param {bigint} w
 * @returns {PoolWord}
 */
export function unpackPoolWord(w: bigint): PoolWord;
/**
 * Aggregates chunk figures as the registry does, except the pool-level breach bits 3-7 (they need the
 * policy): sums, max, min, counts, and the OR of the loan-level bits 0-2.
 * @param {Figures[]} chunks  At least one.
 * @returns {Figures}
 */
export function aggregateWithoutPolicy(chunks: Figures[]): Figures;
/**
 * The registry's hash of an originator key: Poseidon(Ax, Ay, registry | chainId << 160). Throws a TypeError
 * naming a malformed field.
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
/** The public signals of a PoolAttestation chunk proof, in order (circuits/circuits.json, docs/INTERFACES.md). */
export const POOL_SIGNALS: readonly string[];
/** Breach bits decided loan by loan (OR-ed across chunks): minCreditScore, maxDaysPastDue, maxLtv. */
export const LOAN_LEVEL_BREACHES: 7;
export const FORMAT: "rwa-attest/attestation@1";
export const NOTE_POLICY: string;
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
   * circomlib's Poseidon (here always of three inputs).
   */
  poseidon: (inputs: bigint[]) => bigint;
  /**
   * The instance's verification key.
   */
  fetchVkey: (instance: string) => Promise<VerificationKey>;
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
 * A pool's (or one chunk's) figures, as in prover/model.
 */
export type Figures = {
  outstanding: bigint;
  scheduled: bigint;
  collected: bigint;
  bucket30: bigint;
  bucket60: bigint;
  bucket90: bigint;
  defaulted: bigint;
  chargedOff: bigint;
  scoreWeightedBalance: bigint;
  maxLoanBalance: bigint;
  activeCount: number;
  minScore: number;
  /**
   * In the aggregate: only the loan-level bits 0-2 (the others need the policy).
   */
  breaches: number;
};
/**
 * The fields of a chunk proof's `pool` signal.
 */
export type PoolWord = {
  poolId: bigint;
  period: number;
  asOfDate: number;
  chunkIndex: number;
  chunkCount: number;
  /**
   * Loans of the whole tape (the circuit proves the tape is packed below it).
   */
  loanCount: number;
};
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
  chunks: ChunkResult[];
  /**
   * Recomputed from the proofs; null unless every chunk proof verifies and
   * the chunks are exactly 0..n-1.
   */
  figures: Figures | null;
  /**
   * What this check does not cover.
   */
  notes: string[];
};
