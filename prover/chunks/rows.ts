/**
 * The chunk-proof table both SQL stores share: one row per chunk job id, the proof and its signals as
 * JSON, the first proof stored for an id kept (a redone chunk does not replace it).
 */
import type { Groth16Proof } from "snarkjs";
import type { StoredChunk } from "./index.ts";

/** The table's name (in the service's PostgreSQL schema, or its own SQLite file). */
export const CHUNK_TABLE = "rwa_chunk_proofs";

/** Columns, in the order `chunkRow` gives their values. */
export const CHUNK_COLUMNS = [
  "id",
  "attestation",
  "chunk_index",
  "proof",
  "public_signals",
  "witness_ms",
  "prove_ms",
  "worker",
  "created_at",
] as const;

export function chunkRow(c: StoredChunk): (string | number)[] {
  return [
    c.id,
    c.attestation,
    c.chunkIndex,
    JSON.stringify(c.proof),
    JSON.stringify(c.publicSignals),
    Math.round(c.witnessMs),
    Math.round(c.proveMs),
    c.worker,
    c.createdAt,
  ];
}

export function chunkFromRow(r: Record<string, unknown>): StoredChunk {
  const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);
  return {
    id: String(r.id),
    attestation: String(r.attestation),
    chunkIndex: Number(r.chunk_index),
    proof: json(r.proof) as Groth16Proof,
    publicSignals: json(r.public_signals) as string[],
    witnessMs: Number(r.witness_ms),
    proveMs: Number(r.prove_ms),
    worker: String(r.worker),
    createdAt: Number(r.created_at),
  };
}
