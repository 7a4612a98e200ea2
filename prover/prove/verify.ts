/** Off-chain verification and Solidity calldata of Groth16 proofs. */
import * as snarkjs from "snarkjs";
import type { Groth16Proof, PublicSignals } from "snarkjs";
import { invalid } from "../../verifier-api/web/errors.js";

/** The BN254 scalar field modulus: every public signal must be below it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

function isFieldString(v: unknown, modulus: bigint): boolean {
  return typeof v === "string" && /^[0-9]{1,78}$/.test(v) && BigInt(v) < modulus;
}

/** True when `proof` has the shape of a snarkjs Groth16 proof with coordinates in the base field. */
export function isGroth16ProofShape(proof: unknown): proof is Groth16Proof {
  const p = proof as Groth16Proof;
  const pt = (a: unknown, n: number): boolean =>
    Array.isArray(a) && a.length >= n && a.slice(0, n).every((x) => isFieldString(x, BASE_FIELD));
  return (
    typeof p === "object" &&
    p !== null &&
    pt(p.pi_a, 2) &&
    pt(p.pi_c, 2) &&
    Array.isArray(p.pi_b) &&
    p.pi_b.length >= 2 &&
    p.pi_b.slice(0, 2).every((row) => pt(row, 2))
  );
}

/**
 * The checks both proving systems share: the key is of the protocol and names its public-signal count, every
 * signal is a field element, the proof has the protocol's shape; then snarkjs decides, and any exception it
 * throws on a malformed proof is a "false".
 */
async function verifyChecked(
  protocol: "groth16" | "plonk",
  vkey: snarkjs.VerificationKey,
  publicSignals: PublicSignals,
  proof: unknown,
  shapeOk: (proof: unknown) => boolean,
  verify: (vkey: snarkjs.VerificationKey, signals: PublicSignals, proof: unknown) => Promise<boolean>,
): Promise<boolean> {
  if (
    typeof vkey !== "object" ||
    vkey === null ||
    vkey.protocol !== protocol ||
    typeof vkey.nPublic !== "number"
  ) {
    throw invalid("vkey", `not a ${protocol === "groth16" ? "Groth16" : "PLONK"} verification key`);
  }
  if (!Array.isArray(publicSignals) || publicSignals.length !== vkey.nPublic) return false;
  if (!publicSignals.every((s) => isFieldString(s, SNARK_FIELD))) return false;
  if (!shapeOk(proof)) return false;
  try {
    return await verify(vkey, publicSignals, proof);
  } catch {
    return false;
  }
}

/**
 * Verifies a Groth16 proof off-chain. A malformed proof or public signal, or a proof that does not verify,
 * returns false; a malformed verification key throws a TypeError naming it.
 */
export function verifyGroth16(
  vkey: snarkjs.VerificationKey,
  publicSignals: PublicSignals,
  proof: unknown,
): Promise<boolean> {
  return verifyChecked("groth16", vkey, publicSignals, proof, isGroth16ProofShape, (k, s, p) =>
    snarkjs.groth16.verify(k, s, p),
  );
}

/** A proof in the shape the Solidity verifier takes (`verifyProof(a, b, c, pubSignals)`). */
export interface SolidityProof {
  a: [string, string];
  b: [[string, string], [string, string]];
  c: [string, string];
  pubSignals: string[];
}

/** Converts a snarkjs proof to the verifier's calldata arguments (G2 coordinates swapped as EIP-197 wants). */
export function toSolidityProof(proof: Groth16Proof, publicSignals: PublicSignals): SolidityProof {
  if (!isGroth16ProofShape(proof)) throw invalid("proof", "not a Groth16 proof");
  const b = proof.pi_b as string[][];
  return {
    a: [proof.pi_a[0] as string, proof.pi_a[1] as string],
    b: [
      [b[0]![1] as string, b[0]![0] as string],
      [b[1]![1] as string, b[1]![0] as string],
    ],
    c: [proof.pi_c[0] as string, proof.pi_c[1] as string],
    pubSignals: [...publicSignals],
  };
}

const PLONK_G1 = ["A", "B", "C", "Z", "T1", "T2", "T3", "Wxi", "Wxiw"] as const;
const PLONK_EVALS = ["eval_a", "eval_b", "eval_c", "eval_s1", "eval_s2", "eval_zw"] as const;

/** True when `proof` has the shape of a snarkjs PLONK proof. */
function isPlonkProofShape(proof: unknown): proof is Record<string, unknown> {
  const p = proof as Record<string, unknown>;
  return (
    typeof p === "object" &&
    p !== null &&
    PLONK_G1.every((k) => {
      const pt = p[k];
      return Array.isArray(pt) && pt.length >= 2 && pt.slice(0, 2).every((x) => isFieldString(x, BASE_FIELD));
    }) &&
    PLONK_EVALS.every((k) => isFieldString(p[k], SNARK_FIELD))
  );
}

/**
 * Verifies a PLONK proof off-chain; like `verifyGroth16`, malformed proofs and signals return false and a
 * malformed verification key throws a TypeError naming it.
 */
export function verifyPlonk(
  vkey: snarkjs.VerificationKey,
  publicSignals: PublicSignals,
  proof: unknown,
): Promise<boolean> {
  return verifyChecked("plonk", vkey, publicSignals, proof, isPlonkProofShape, (k, s, p) =>
    snarkjs.plonk.verify(k, s, p),
  );
}

/** A PLONK proof as the snarkjs Solidity verifier takes it: `verifyProof(uint256[24] proof, uint256[n] pub)`. */
export function toSolidityPlonkProof(
  proof: Record<string, unknown>,
  publicSignals: PublicSignals,
): { proof: string[]; pubSignals: string[] } {
  if (!isPlonkProofShape(proof)) throw invalid("proof", "not a PLONK proof");
  const g1 = PLONK_G1.flatMap((k) => (proof[k] as string[]).slice(0, 2));
  const evals = PLONK_EVALS.map((k) => proof[k] as string);
  return { proof: [...g1, ...evals], pubSignals: [...publicSignals] };
}
