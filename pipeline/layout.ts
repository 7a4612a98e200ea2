/**
 * The fixed layout of build outputs. Every instance's artifacts live under `build/<instance>/`; generated
 * Solidity goes to `contracts/verifiers/` (verifiers) and `contracts/generated/` (signal libraries).
 */
import { join } from "node:path";
import { homedir } from "node:os";
import { REPO_ROOT, pascalName } from "./catalogue.ts";

/** Root of all build outputs (override with RWA_ATTEST_BUILD_DIR). */
export function buildRoot(): string {
  return process.env.RWA_ATTEST_BUILD_DIR ?? join(REPO_ROOT, "build");
}

/** Per-machine cache for content-addressed setup material (development ptau files). */
export function cacheRoot(): string {
  return (
    process.env.RWA_ATTEST_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "rwa-attest")
  );
}

/** Paths of one instance's artifacts. */
export interface InstancePaths {
  dir: string;
  main: string;
  r1cs: string;
  sym: string;
  wasm: string;
  zkey: string;
  vkey: string;
  verifierSol: string;
  transcript: string;
}

/**
 * Paths for an instance. Development keys carry `.dev` in their file names, so a development key is never
 * mistaken for a production one by name alone; the manifest records the same fact.
 */
export function instancePaths(name: string, development: boolean, root: string = buildRoot()): InstancePaths {
  const dir = join(root, name);
  const kind = development ? "dev" : "prod";
  return {
    dir,
    main: join(dir, `${name}.circom`),
    r1cs: join(dir, `${name}.r1cs`),
    sym: join(dir, `${name}.sym`),
    wasm: join(dir, `${name}_js`, `${name}.wasm`),
    zkey: join(dir, `${name}.${kind}.zkey`),
    vkey: join(dir, `${name}.${kind}.vkey.json`),
    verifierSol: join(REPO_ROOT, "contracts", "verifiers", `${pascalName(name)}Verifier.sol`),
    transcript: join(dir, `${name}.${kind}.transcript.json`),
  };
}

/** The build manifest: every artifact with its sha256 and the hash of the sources it came from. */
export function manifestPath(root: string = buildRoot()): string {
  return join(root, "manifest.json");
}
