/**
 * rwa-attest's integrator SDK, for a DeFi protocol that reads pool attestations and runs the tranche vault
 * (docs/SDK.md): typed ethers v6 bindings of the contracts it calls (`sdk/contracts/`, generated from the
 * compiled artifacts by contracts/codegen/bindings.ts) and the decoding of their custom errors; the registry
 * helpers (submit proofs, read a pool's attested figures and eligibility); the public-signal codec; the
 * waterfall model of the vault, which the contract tests hold equal to TrancheVault.sol, and the account of
 * a close from its events. The command line, the service, the analytics and the demo import the SDK only
 * from here.
 *
 * Plain re-exports only, one line per module. Browser-safe: no module here imports a Node built-in.
 */
export * from "./contracts/attestation-registry.ts";
export * from "./contracts/tranche-vault.ts";
export * from "./contracts/tranche-token.ts";
export * from "./contracts/score-attestations.ts";
export * from "./contracts/borrower-gate.ts";
export * from "./contracts/roll-forward-registry.ts";
export * from "./contracts/cash-reconciler.ts";
export * from "./contracts/revert.ts";
export * from "./vault/registry.ts";
export * from "./vault/rollforward.ts";
export * from "./vault/signals.ts";
export * from "./vault/model.ts";
export * from "./vault/reconcile.ts";
export * from "./vault/close.ts";
