/** Messages between the prover pool and its worker processes. */
import type { Groth16Proof, PublicSignals } from "snarkjs";
import type { ProverKind } from "./native.ts";
import type { WireError } from "../../verifier-api/web/errors.js";

/** A snarkjs PLONK proof (commitments and evaluations). */
export type PlonkProof = Record<string, unknown> & { protocol: "plonk" };

export interface ProveRequest {
  id: number;
  /** Proving system of the key (default groth16). */
  protocol?: "groth16" | "plonk";
  wasm: string;
  zkey: string;
  /** Verification key (JSON) every Groth16 proof is checked against; default: the one in the zkey. */
  vkey?: string;
  /** Groth16 back end (PLONK is always snarkjs). */
  prover: ProverKind;
  input: Record<string, unknown>;
}

export interface ProveProgressMessage {
  id: number;
  type: "progress";
  stage: ProveStage;
  fraction: number;
}

export interface ProveDoneMessage {
  id: number;
  type: "done";
  proof: Groth16Proof | PlonkProof;
  publicSignals: PublicSignals;
  /** The back end that made the proof. */
  prover: ProverKind;
  witnessMs: number;
  proveMs: number;
}

export interface ProveErrorMessage {
  id: number;
  type: "error";
  /** The error, code included (`unsatisfied-input` when the input breaks a circuit constraint). */
  error: WireError;
}

export type WorkerMessage = ProveProgressMessage | ProveDoneMessage | ProveErrorMessage;

export type ProveStage = "witness" | "prove" | "done";

/** snarkjs's groth16 prover log lines, mapped to a rough fraction of the proving time. */
export const PROVE_MILESTONES: [RegExp, number][] = [
  [/^Reading Wtns/, 0.02],
  [/^Building ABC/, 0.1],
  [/^Reading A Points/, 0.3],
  [/^Reading B1 Points/, 0.45],
  [/^Reading B2 Points/, 0.55],
  [/^Reading C Points/, 0.7],
  [/^Reading H Points/, 0.85],
];
