/**
 * rwa-attest's build pipeline (Node entry point): the circuit catalogue, the build (compile, setup, keys,
 * Solidity verifiers), the hash-checked manifest and artifact layout, importing a ceremony's key, and the
 * snarkjs reference setup. The command line, the service and the demo import the pipeline only from here;
 * see docs/ARCHITECTURE.md.
 *
 * Plain re-exports only, one line per module, so adding a module is adding a line.
 */
export * from "./catalogue.ts";
export * from "./layout.ts";
export * from "./hash.ts";
export * from "./r1cs.ts";
export * from "./manifest.ts";
export * from "./build.ts";
export * from "./import.ts";
export * from "./snarkjs-setup.ts";
