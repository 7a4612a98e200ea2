// Generated from chain-key.js by `node verifier-api/web/declarations.ts`: do not edit.
/**
 * Ethereum's keccak-256 of bytes, as 0x + 64 hex digits.
 * @param {Uint8Array} data
 */
export function keccak256(data: Uint8Array): string;
/**
 * The values of every PUSH1..PUSH32 immediate of EVM code, walking opcodes (push data is skipped, so bytes
 * inside it are never read as opcodes), after cutting off the trailing CBOR metadata solc appends (its length
 * is the code's last two bytes).
 * @param {string} hex  0x-prefixed runtime code.
 * @returns {bigint[]}
 */
export function pushedConstants(hex: string): bigint[];
/**
 * Every coordinate of a Groth16 key (alpha, beta, gamma, delta, IC), as numbers. Throws on a malformed key.
 * @param {VerificationKey} vkey
 * @returns {bigint[]}
 */
export function keyCoordinates(vkey: VerificationKey): bigint[];
/** The large constants of verifier code that can be key coordinates: ≥ 2^128, not a field modulus. */
export function keyConstantsOfCode(hex: string): bigint[];
/**
 * SHA-256 of the sorted, distinct 32-byte words: names a set of key constants whatever their order.
 * @param {bigint[]} words
 * @param {(data: Uint8Array) => Promise<Uint8Array>} sha256
 */
export function constantsDigest(
  words: bigint[],
  sha256: (data: Uint8Array) => Promise<Uint8Array>,
): Promise<string>;
/**
 * A JSON-RPC client over `fetch` (POST, one call per request). Errors name the endpoint and the method.
 * @param {string} url
 * @param {typeof fetch} [fetchImpl]
 * @returns {Rpc}
 */
export function jsonRpc(url: string, fetchImpl?: typeof fetch): Rpc;
/**
 * Calldata of `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[n])` for a snarkjs proof (G2
 * coordinates swapped to the EVM's order, as snarkjs's exportSolidityCallData).
 * @param {Groth16Proof} proof
 * @param {string[]} signals
 */
export function verifyProofCalldata(proof: Groth16Proof, signals: string[]): string;
/**
 * Checks the page's key against the verifiers the registry has registered for the instance on the chain
 * behind `rpc`. `chunks` are the attestation's chunk proofs that verified with the page's key.
 * @param {object} args
 * @param {Rpc} args.rpc
 * @param {unknown} args.chainId  The attestation's.
 * @param {unknown} args.registry  The attestation's.
 * @param {string} args.instance
 * @param {VerificationKey} args.vkey  The key the page verifies with.
 * @param {string | null} args.vkeyHash  Its `verificationKeyHash`.
 * @param {{ proof: Groth16Proof, publicSignals: string[] }[]} args.chunks
 * @param {(data: Uint8Array) => Promise<Uint8Array>} args.sha256
 * @returns {Promise<ChainKeyResult>}
 */
export function checkKeyOnChain({
  rpc,
  chainId,
  registry,
  instance,
  vkey,
  vkeyHash,
  chunks,
  sha256,
}: {
  rpc: Rpc;
  chainId: unknown;
  registry: unknown;
  instance: string;
  vkey: VerificationKey;
  vkeyHash: string | null;
  chunks: {
    proof: Groth16Proof;
    publicSignals: string[];
  }[];
  sha256: (data: Uint8Array) => Promise<Uint8Array>;
}): Promise<ChainKeyResult>;
/** Registered versions looked up per instance. */
export const MAX_VERSIONS: 16;
export function selector(signature: string): string;
export function circuitId(instance: string): string;
export type VerificationKey = {
  protocol: string;
  nPublic: number;
} & Record<string, unknown>;
export type Groth16Proof = {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
};
export type Rpc = (method: string, params: unknown[]) => Promise<unknown>;
/**
 * One registered verifier of the instance.
 */
export type VerifierCheck = {
  version: number;
  address: string;
  retired: boolean;
  /**
   * Of the key constants its code embeds.
   */
  constantsDigest: string;
  /**
   * Coordinates of the page's key its code does not embed.
   */
  missing: number;
  /**
   * Large constants in its code that are not the key's.
   */
  extra: number;
  /**
   * It accepts every chunk proof (null: not called).
   */
  acceptsProofs: boolean | null;
  /**
   * It refuses a proof with a changed signal (null: not called).
   */
  refusesTampered: boolean | null;
};
export type ChainKeyResult = {
  status: "match" | "mismatch" | "error";
  /**
   * One sentence for the verdict, naming both sides on a mismatch.
   */
  message: string;
  /**
   * `constantsDigest` of the page's key.
   */
  keyDigest: string;
  verifiers: VerifierCheck[];
};
