/**
 * Bringing a proving key made by a phase-2 ceremony (docs/CEREMONY.md) into the build: the last step of the
 * production path. The key is checked before anything is written: it must verify against the instance's
 * current r1cs and the given ptau (`snarkjs zkey verify`), the ptau must be a published one (unless
 * development material is explicitly allowed, and then everything stays marked development). The key then
 * replaces the instance's artifacts (key, transcript, verification key, Solidity verifier) and the manifest
 * records it as imported, so later builds keep it for as long as the circuit is unchanged.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compileHashOf, ensureCompiled, verifierSource } from "./build.ts";
import { findInstance, REPO_ROOT } from "./catalogue.ts";
import { sha256File, sha256Text } from "./hash.ts";
import { buildRoot, instancePaths } from "./layout.ts";
import {
  type InstanceRecord,
  readManifest,
  recordArtifact,
  toRecordPath,
  writeManifest,
} from "./manifest.ts";
import { readR1csHeader } from "./r1cs.ts";
import { CodedError } from "../verifier-api/web/errors.js";

export interface ImportOptions {
  /** Catalogue instance the key is for (Groth16). */
  instance: string;
  /** The final key of the ceremony (after the beacon). */
  zkey: string;
  /** The powers of tau the ceremony started from. */
  ptau: string;
  /** Accept development material (a development ptau or key); the result is marked development. */
  allowDevelopment?: boolean;
  /** Build root (default: the build directory). */
  root?: string;
  /** Where to write the Solidity verifier (default: contracts/verifiers/<Name>Verifier.sol). */
  verifierSol?: string;
  log?: (line: string) => void;
}

/** Raised when a key cannot be imported; nothing has been written. */
export class KeyImportError extends CodedError {
  constructor(message: string) {
    super("refused", message);
    this.name = "KeyImportError";
  }
}

/** Imports a ceremony's key for an instance; returns the manifest record written. */
export async function importKey(opts: ImportOptions): Promise<InstanceRecord> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[import] ${line}\n`));
  const root = opts.root ?? buildRoot();
  const instance = findInstance(opts.instance);
  if (instance.protocol !== "groth16")
    throw new KeyImportError(
      `${instance.name}: ${instance.protocol} keys come from the universal setup, not a ceremony`,
    );
  const ceremony = await import("../ceremony/index.ts");
  const devMaterial = async (path: string, what: string): Promise<boolean> => {
    try {
      return await ceremony.isDevelopment(path);
    } catch (err) {
      throw new KeyImportError(`${path}: not a readable ${what} (${(err as Error).message})`);
    }
  };
  const development = (await devMaterial(opts.ptau, "ptau")) || (await devMaterial(opts.zkey, "zkey"));
  if (development && !opts.allowDevelopment) {
    throw new KeyImportError(
      `${opts.zkey}: made from DEVELOPMENT material (a development ptau or contribution): refusing it ` +
        `(allowDevelopment imports it, marked development)`,
    );
  }
  if (!development) {
    try {
      await ceremony.checkProductionPtau(opts.ptau);
    } catch (err) {
      throw new KeyImportError((err as Error).message);
    }
  }

  if (await ensureCompiled(instance, root, false, log)) log(`${instance.name}: compiled`);
  const paths = instancePaths(instance.name, development, root);
  const header = readR1csHeader(paths.r1cs);
  log(
    `${instance.name}: verifying ${opts.zkey} against ${paths.r1cs} and ${opts.ptau} (snarkjs zkey verify)`,
  );
  if (!(await ceremony.phase2Verify(paths.r1cs, opts.ptau, opts.zkey))) {
    throw new KeyImportError(
      `${opts.zkey}: does not verify against ${instance.name}'s r1cs and ${opts.ptau} ` +
        `(another circuit, another ptau, or a broken contribution chain)`,
    );
  }

  copyFileSync(opts.zkey, paths.zkey);
  await ceremony.writeTranscript(paths.zkey, paths.transcript);
  const snarkjs = await import("snarkjs");
  writeFileSync(
    paths.vkey,
    JSON.stringify(await snarkjs.zKey.exportVerificationKey(paths.zkey), null, 1) + "\n",
  );
  const template = readFileSync(
    join(REPO_ROOT, "node_modules", "snarkjs", "templates", "verifier_groth16.sol.ejs"),
    "utf8",
  );
  const solidity = await snarkjs.zKey.exportSolidityVerifier(paths.zkey, { groth16: template });
  const verifierSol = opts.verifierSol ?? paths.verifierSol;
  mkdirSync(dirname(verifierSol), { recursive: true });
  writeFileSync(verifierSol, verifierSource(solidity, instance, development));

  const compileHash = compileHashOf(instance);
  const zkeySha = await sha256File(paths.zkey);
  const record: InstanceRecord = {
    sourceHash: sha256Text(JSON.stringify({ compileHash, imported: zkeySha })),
    compileHash,
    imported: true,
    protocol: instance.protocol,
    development,
    power: instance.power,
    constraints: header.nConstraints,
    publicSignals: instance.publicSignals,
    ptau: { path: toRecordPath(opts.ptau), sha256: await sha256File(opts.ptau), development },
    artifacts: {
      r1cs: await recordArtifact(paths.r1cs),
      wasm: await recordArtifact(paths.wasm),
      sym: await recordArtifact(paths.sym),
      zkey: await recordArtifact(paths.zkey),
      vkey: await recordArtifact(paths.vkey),
      verifierSol: await recordArtifact(verifierSol),
    },
    builtAt: new Date().toISOString(),
  };
  const manifest = readManifest(root);
  manifest.instances[instance.name] = record;
  writeManifest(manifest, root);
  log(
    `${instance.name}: imported ${development ? "DEVELOPMENT" : "production"} key ${toRecordPath(paths.zkey)} ` +
      `(sha256 ${zkeySha.slice(0, 16)}…); run \`npm run build\` to compile its verifier contract`,
  );
  return record;
}
