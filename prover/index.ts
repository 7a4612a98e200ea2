/**
 * rwa-attest's prover library (Node entry point): tapes, commitments and keys, policies, the independent
 * model, witness inputs, proving and verification, attestations, audits, provider scores and borrower
 * proofs. The command line, the service and the demo import the prover only from here; see
 * docs/ARCHITECTURE.md for what each part holds.
 *
 * Plain re-exports only, one line per module, so adding a module is adding a line. The first is the error
 * model every library shares (`verifier-api/web/errors.js`, browser-safe: the attestation checker uses it too).
 */
export * from "../verifier-api/web/errors.js";
export * from "./tape/index.ts";
export * from "./commitment/encoding.ts";
export * from "./commitment/keys.ts";
export * from "./commitment/poseidon.ts";
export * from "./commitment/tree.ts";
export * from "./policy/index.ts";
export * from "./model/index.ts";
export * from "./witness/index.ts";
export * from "./prove/index.ts";
export * from "./attest.ts";
export * from "./audit.ts";
export * from "./audit-sample.ts";
export * from "./scores/index.ts";
export * from "./borrower/index.ts";
export * from "./store.ts";
export * from "./chunks/index.ts";
export * from "./chunks/sqlite-store.ts";
export * from "./chunks/postgres-store.ts";
export * from "./chunks/pgboss.ts";
export * from "./rollforward/index.ts";
