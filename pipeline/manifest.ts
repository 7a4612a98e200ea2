/**
 * The build manifest (`build/manifest.json`): for every built instance, each artifact's path and sha256, the
 * hash of the sources it was made from, and whether its keys are development keys. The prover and the
 * service load artifacts only through `loadVerifiedArtifacts`, which refuses any file whose hash differs.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { REPO_ROOT } from "./catalogue.ts";
import { sha256File } from "./hash.ts";
import { buildRoot, manifestPath } from "./layout.ts";
import { CodedError } from "../verifier-api/web/errors.js";

export const ARTIFACT_KINDS = ["r1cs", "wasm", "sym", "zkey", "vkey", "verifierSol"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface ArtifactRecord {
  /** Path relative to the repository root (or absolute when outside it). */
  path: string;
  sha256: string;
}

export interface InstanceRecord {
  /** Hash over what the keys were made from (compileHash, the setup code, development or not). */
  sourceHash: string;
  /** Hash over the catalogue entry, the circom source closure and the tool versions (the r1cs's sources). */
  compileHash?: string;
  /** True when the proving key was brought from a ceremony (`rwa-attest setup import`), not made here. */
  imported?: boolean;
  protocol: string;
  /** True for keys from the local development setup: never use them to secure value. */
  development: boolean;
  power: number;
  constraints: number;
  publicSignals: string[];
  /** The powers-of-tau file the key was made from. */
  ptau: { path: string; sha256: string; development: boolean };
  artifacts: Partial<Record<ArtifactKind, ArtifactRecord>>;
  builtAt: string;
}

export interface Manifest {
  format: 1;
  instances: Record<string, InstanceRecord>;
}

/** Raised when an artifact is missing, unlisted or differs from the manifest. */
export class ArtifactIntegrityError extends CodedError {
  constructor(message: string) {
    super("artifact-integrity", message);
    this.name = "ArtifactIntegrityError";
  }
}

export function readManifest(root: string = buildRoot()): Manifest {
  const path = manifestPath(root);
  if (!existsSync(path)) return { format: 1, instances: {} };
  const m = JSON.parse(readFileSync(path, "utf8")) as Manifest;
  if (m.format !== 1 || typeof m.instances !== "object") throw new Error(`${path}: not a format-1 manifest`);
  return m;
}

/** Writes the manifest atomically (write then rename), so a crash never leaves half a manifest. */
export function writeManifest(manifest: Manifest, root: string = buildRoot()): void {
  const path = manifestPath(root);
  writeFileSync(`${path}.tmp`, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

export function toRecordPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith("..") ? resolve(path) : rel;
}

export function fromRecordPath(path: string): string {
  return resolve(REPO_ROOT, path);
}

/** Records a file: its manifest path and sha256. */
export async function recordArtifact(path: string): Promise<ArtifactRecord> {
  return { path: toRecordPath(path), sha256: await sha256File(path) };
}

/** True when every recorded artifact exists and still has its recorded hash. */
export async function artifactsIntact(record: InstanceRecord): Promise<boolean> {
  for (const a of Object.values(record.artifacts)) {
    if (!a) continue;
    const p = fromRecordPath(a.path);
    if (!existsSync(p) || (await sha256File(p)) !== a.sha256) return false;
  }
  return true;
}

/** Absolute, hash-checked artifact paths of one instance. */
export interface VerifiedArtifacts {
  name: string;
  record: InstanceRecord;
  paths: Record<ArtifactKind, string>;
}

/**
 * Loads an instance's artifacts after checking every requested file against the manifest's sha256.
 * Throws ArtifactIntegrityError when the instance was never built, a file is missing, or a hash differs.
 */
export async function loadVerifiedArtifacts(
  name: string,
  kinds: readonly ArtifactKind[] = ["wasm", "zkey", "vkey"],
  root: string = buildRoot(),
): Promise<VerifiedArtifacts> {
  const record = readManifest(root).instances[name];
  if (!record) {
    throw new ArtifactIntegrityError(`circuit "${name}" is not in the build manifest: run \`npm run build\``);
  }
  const paths = {} as Record<ArtifactKind, string>;
  for (const kind of kinds) {
    const a = record.artifacts[kind];
    if (!a) throw new ArtifactIntegrityError(`${name}: the manifest lists no ${kind} artifact`);
    const p = fromRecordPath(a.path);
    if (!existsSync(p)) throw new ArtifactIntegrityError(`${name}: ${kind} artifact ${a.path} is missing`);
    const actual = await sha256File(p);
    if (actual !== a.sha256) {
      throw new ArtifactIntegrityError(
        `${name}: ${kind} artifact ${a.path} has sha256 ${actual}, the manifest says ${a.sha256}; refusing it`,
      );
    }
    paths[kind] = p;
  }
  return { name, record, paths };
}
