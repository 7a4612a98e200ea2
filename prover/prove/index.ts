/**
 * Proving and verifying catalogue circuits with hash-checked artifacts.
 *
 * `proveInstance` loads an instance's wasm and proving key through the build manifest (refusing any file
 * whose sha256 differs), proves in the worker pool, and returns the proof with its public signals.
 */
import { readFileSync } from "node:fs";
import type { VerificationKey } from "snarkjs";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import type { PlonkProof } from "./messages.ts";
import { ProverPool, type ProveProgress, type ProveResult } from "./pool.ts";
import { verifyGroth16, verifyPlonk } from "./verify.ts";
import { invalid } from "../../verifier-api/web/errors.js";

export { ProofAbortedError, ProverPool, UnsatisfiedInputError, defaultConcurrency } from "./pool.ts";
export type { ProveJob, ProveProgress, ProveResult, ProverPoolOptions } from "./pool.ts";
export { NATIVE_BINARY, NativeProver, PROVER_ENV, nativeProverBuilt, resolveProver } from "./native.ts";
export type { NativeProof, ProverChoice, ProverKind } from "./native.ts";
export type { PlonkProof } from "./messages.ts";
export {
  SNARK_FIELD,
  isGroth16ProofShape,
  toSolidityPlonkProof,
  toSolidityProof,
  verifyGroth16,
  verifyPlonk,
} from "./verify.ts";
export type { SolidityProof } from "./verify.ts";
export { DEVELOPMENT_KEY_WARNING, instanceKey, verificationKeyHash } from "./key.ts";
export type { KeyInfo } from "./key.ts";
export { computeWitness } from "./witness.ts";

/** Proves inputs of one catalogue instance whose files were checked once (`instanceProver`). */
export type InstanceProver = (
  input: Record<string, unknown>,
  onProgress?: (p: ProveProgress) => void,
  signal?: AbortSignal,
) => Promise<ProveResult>;

/**
 * Checks a Groth16 instance's wasm, proving key and verification key against the build manifest once, and
 * returns the function that proves its inputs in `pool` with those files: what proves many inputs of one
 * instance (the chunks of an attestation) pays for the hashes once, not once per proof (sha256 of a 256-loan
 * chunk's 142 MB proving key is about 0.5 s of CPU), as a chunk worker checks its keys once at start-up.
 */
export async function instanceProver(pool: ProverPool, instance: string): Promise<InstanceProver> {
  if (typeof instance !== "string" || instance.length === 0)
    throw invalid("instance", "expected a catalogue name");
  const { paths, record } = await loadVerifiedArtifacts(instance, ["wasm", "zkey", "vkey"]);
  if (record.protocol !== "groth16") {
    throw invalid("instance", `${instance} is a ${record.protocol} circuit; use provePlonkInstance`);
  }
  return (input, onProgress, signal) => {
    if (typeof input !== "object" || input === null)
      return Promise.reject(invalid("input", "expected an object of signals"));
    return pool.prove({ wasm: paths.wasm, zkey: paths.zkey, vkey: paths.vkey, input, onProgress, signal });
  };
}

/** Proves one input for a catalogue instance in the given pool (its files checked for this proof). */
export async function proveInstance(
  pool: ProverPool,
  instance: string,
  input: Record<string, unknown>,
  onProgress?: (p: ProveProgress) => void,
  signal?: AbortSignal,
): Promise<ProveResult> {
  if (typeof input !== "object" || input === null) throw invalid("input", "expected an object of signals");
  return (await instanceProver(pool, instance))(input, onProgress, signal);
}

/** Proves one input for a PLONK catalogue instance in the given pool. */
export async function provePlonkInstance(
  pool: ProverPool,
  instance: string,
  input: Record<string, unknown>,
  onProgress?: (p: ProveProgress) => void,
): Promise<ProveResult<PlonkProof>> {
  if (typeof instance !== "string" || instance.length === 0)
    throw invalid("instance", "expected a catalogue name");
  if (typeof input !== "object" || input === null) throw invalid("input", "expected an object of signals");
  const { paths, record } = await loadVerifiedArtifacts(instance, ["wasm", "zkey"]);
  if (record.protocol !== "plonk") {
    throw invalid("instance", `${instance} is a ${record.protocol} circuit; use proveInstance`);
  }
  return pool.prove({ protocol: "plonk", wasm: paths.wasm, zkey: paths.zkey, input, onProgress });
}

/** The hash-checked verification key of an instance. */
export async function loadVerificationKey(instance: string): Promise<VerificationKey> {
  const { paths } = await loadVerifiedArtifacts(instance, ["vkey"]);
  return JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
}

/** Verifies a proof of an instance against its hash-checked verification key. */
export async function verifyInstance(
  instance: string,
  publicSignals: string[],
  proof: unknown,
): Promise<boolean> {
  const vkey = await loadVerificationKey(instance);
  return vkey.protocol === "plonk"
    ? verifyPlonk(vkey, publicSignals, proof)
    : verifyGroth16(vkey, publicSignals, proof);
}
