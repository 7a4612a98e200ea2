/**
 * The circuit-to-verifier pipeline, incremental: for each catalogue instance, circom compile (r1cs, wasm,
 * sym) → trusted setup (development by default) → proving key and verification key → Solidity verifier and
 * signal-index library in `contracts/` → one `hardhat build` at the end. Every artifact is listed in the
 * manifest with its sha256 and the hash of the sources it came from; an instance whose sources and
 * artifacts are unchanged is skipped, so a second build with nothing changed does no work.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type CircuitInstance, REPO_ROOT, findInstance, loadCatalogue, pascalName } from "./catalogue.ts";
import { CIRCOM_INCLUDE_DIRS, circomSourceClosure, sha256File, sha256Text } from "./hash.ts";
import { buildRoot, cacheRoot, instancePaths } from "./layout.ts";
import {
  type InstanceRecord,
  artifactsIntact,
  readManifest,
  recordArtifact,
  toRecordPath,
  writeManifest,
} from "./manifest.ts";
import { readR1csHeader, requiredPower } from "./r1cs.ts";

/** What the pipeline needs from a trusted setup. The development one lives in `ceremony/`. */
export interface SetupProvider {
  /** True when the keys it makes are development keys. */
  development: boolean;
  ensurePtau(power: number, opts: { cacheDir: string; onProgress?: (p: Progress) => void }): Promise<string>;
  createZkey(r1cs: string, ptau: string, zkey: string, opts: { name: string }): Promise<unknown>;
  /** Hash of the setup code, so a change to it rebuilds the keys. */
  codeHash(): string;
  /** Releases what the setup holds (curve worker threads). */
  close?(): Promise<void>;
}

export interface Progress {
  stage: string;
  done: number;
  total: number;
}

export interface BuildOptions {
  /** Instance names to build; default: every instance whose `use` is in `uses`. */
  only?: string[];
  /** Which uses to build by default (default: test and demo). */
  uses?: string[];
  /** Rebuild even when nothing changed. */
  force?: boolean;
  /** Skip `hardhat build` (tests of the pipeline itself). */
  skipHardhat?: boolean;
  setup?: SetupProvider;
  log?: (line: string) => void;
  /** The catalogue to build from (default: circuits/circuits.json; tests of the pipeline itself). */
  catalogue?: CircuitInstance[];
}

export interface BuildResult {
  built: string[];
  skipped: string[];
  seconds: number;
}

function hashDir(dir: string): string {
  if (!existsSync(dir)) return "absent";
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".ts"))
    .map((d) => join(d.parentPath, d.name))
    .sort();
  return sha256Text(
    files.map((f) => `${relative(REPO_ROOT, f)}:${sha256Text(readFileSync(f, "utf8"))}`).join("\n"),
  );
}

/** The development setup of `ceremony/` (fast, from a locally sampled and kept secret). */
export async function developmentSetup(): Promise<SetupProvider> {
  const ceremony = (await import("../ceremony/index.ts")) as {
    ensureDevPtau: SetupProvider["ensurePtau"];
    createDevZkey: (r1cs: string, ptau: string, zkey: string, opts?: object) => Promise<unknown>;
    terminateCurve: () => Promise<void>;
  };
  return {
    development: true,
    ensurePtau: ceremony.ensureDevPtau,
    createZkey: (r1cs, ptau, zkey) => ceremony.createDevZkey(r1cs, ptau, zkey),
    codeHash: () => hashDir(join(REPO_ROOT, "ceremony")),
    close: () => ceremony.terminateCurve(),
  };
}

function packageVersion(pkg: string): string {
  const p = join(REPO_ROOT, "node_modules", pkg, "package.json");
  return (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version;
}

/** Runs a command, capturing output; rejects with the output on failure. */
export function run(cmd: string, args: string[], cwd: string = REPO_ROOT): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(new Error(`${cmd} ${args.join(" ")} failed (${code}):\n${out}`)),
    );
  });
}

const BIN = join(REPO_ROOT, "node_modules", ".bin");

/**
 * Runs a package's command-line script on this very Node (not whatever `node` is first on PATH: Hardhat 3
 * refuses the system's Node 20 when the build is started outside npm).
 */
export function runBin(name: string, args: string[], cwd?: string): Promise<string> {
  return run(process.execPath, [realpathSync(join(BIN, name)), ...args], cwd);
}

const inRepo = (path: string): boolean => !relative(REPO_ROOT, path).startsWith("..");

/** The generated main file: includes the template and instantiates it with the catalogue's parameters. */
export function mainSource(instance: CircuitInstance, mainPath: string): string {
  // Relative inside the repository. For a build root elsewhere (RWA_ATTEST_BUILD_DIR), circom2's WebAssembly
  // file system resolves neither a relative path out of the build root nor an absolute one: the include is
  // then relative to the source's top folder, which compileInstance adds as a library path (-l).
  const include = inRepo(mainPath)
    ? relative(dirname(mainPath), join(REPO_ROOT, instance.file))
    : instance.file.split("/").slice(1).join("/");
  const pub = instance.publicSignals.length ? ` {public [${instance.publicSignals.join(", ")}]}` : "";
  return (
    `// GENERATED by the build from circuits/circuits.json (${instance.name}). Do not edit.\n` +
    `pragma circom 2.1.9;\n\ninclude "${include}";\n\n` +
    `component main${pub} = ${instance.template}(${instance.params.join(", ")});\n`
  );
}

/** Hash over the catalogue entry, its circom source closure and the tool versions: what the r1cs depends on. */
export function compileHashOf(instance: CircuitInstance): string {
  const closure = circomSourceClosure(instance.file);
  const tools = `circom2@${packageVersion("circom2")} snarkjs@${packageVersion("snarkjs")}`;
  return sha256Text(JSON.stringify({ instance, closure, tools }));
}

/**
 * Compiles the instance unless its r1cs and wasm are there and were made from the current sources (the
 * `.compile-hash` marker); returns whether it compiled.
 */
export async function ensureCompiled(
  instance: CircuitInstance,
  root: string = buildRoot(),
  force = false,
  log: (line: string) => void = () => {},
): Promise<boolean> {
  const paths = instancePaths(instance.name, true, root);
  const compileHash = compileHashOf(instance);
  const marker = join(paths.dir, ".compile-hash");
  const compiled =
    existsSync(paths.r1cs) &&
    existsSync(paths.wasm) &&
    existsSync(marker) &&
    readFileSync(marker, "utf8") === compileHash;
  if (compiled && !force) return false;
  log(`${instance.name}: compiling ${instance.file} (--O${instance.optimization})`);
  await compileInstance(instance, root);
  writeFileSync(marker, compileHash);
  return true;
}

/** Compiles one instance with circom (the circom2 npm build, WebAssembly, offline). */
export async function compileInstance(instance: CircuitInstance, root: string = buildRoot()): Promise<void> {
  const paths = instancePaths(instance.name, true, root);
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.main, mainSource(instance, paths.main));
  const args = [paths.main, "--r1cs", "--wasm", "--sym", `--O${instance.optimization}`, "-o", paths.dir];
  for (const dir of CIRCOM_INCLUDE_DIRS) args.push("-l", dir);
  if (!inRepo(paths.main)) args.push("-l", join(REPO_ROOT, instance.file.split("/")[0]!));
  // From "/": circom2 makes every path relative to its working directory and its WebAssembly file system
  // cannot leave it, so include folders outside the repository (a worktree's shared node_modules) need "/".
  await runBin("circom2", args, "/");
}

/** Renames snarkjs's `Groth16Verifier` and marks development keys in the source itself. */
export function verifierSource(template: string, instance: CircuitInstance, development: boolean): string {
  const contractName = `${pascalName(instance.name)}Verifier`;
  const banner = development
    ? "// DEVELOPMENT KEYS: made by the local development setup, whose secret is known on this machine.\n" +
      "// Anyone holding it can forge proofs. Never deploy this verifier to secure value.\n"
    : "";
  return (
    `// GENERATED by the build from circuits/circuits.json (${instance.name}) with snarkjs. Do not edit.\n` +
    banner +
    template.replace(/contract (Groth16|Plonk)Verifier\b/, `contract ${contractName}`)
  );
}

/** Builds (or skips) every selected instance, then compiles the contracts once. */
export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((line: string) => process.stderr.write(`[build] ${line}\n`));
  const uses = opts.uses ?? ["test", "demo"];
  const catalogue = opts.catalogue ?? loadCatalogue();
  const selected = opts.only
    ? opts.only.map((n) => findInstance(n, catalogue))
    : catalogue.filter((c) => uses.includes(c.use));
  const root = buildRoot();
  mkdirSync(root, { recursive: true });
  const setup = opts.setup ?? (await developmentSetup());
  const template = (name: string): string =>
    readFileSync(join(REPO_ROOT, "node_modules", "snarkjs", "templates", `verifier_${name}.sol.ejs`), "utf8");
  const snarkjsTemplates = { groth16: template("groth16"), plonk: template("plonk") };
  const built: string[] = [];
  const skipped: string[] = [];
  // Whatever happens, release the setup's curve worker threads: a failure (a circuit that does not compile,
  // a constraint count over its power) must end the process with its error, not leave it waiting on them.
  try {
    for (const instance of selected) {
      const manifest = readManifest(root);
      const paths = instancePaths(instance.name, setup.development, root);
      const compileHash = compileHashOf(instance);
      const sourceHash = sha256Text(
        JSON.stringify({ compileHash, setup: setup.codeHash(), development: setup.development }),
      );
      const previous = manifest.instances[instance.name];
      if (!opts.force && previous?.sourceHash === sourceHash && (await artifactsIntact(previous))) {
        skipped.push(instance.name);
        log(`${instance.name}: up to date`);
        continue;
      }
      // A key brought from a ceremony (`rwa-attest setup import`) is kept while the circuit is unchanged.
      if (
        !opts.force &&
        previous?.imported &&
        previous.compileHash === compileHash &&
        (await artifactsIntact(previous))
      ) {
        skipped.push(instance.name);
        log(
          `${instance.name}: up to date (imported ${previous.development ? "development" : "production"} key)`,
        );
        continue;
      }
      if (previous?.imported && previous.compileHash !== compileHash)
        log(`${instance.name}: WARNING the circuit changed since its key was imported: making a new key`);
      const stamp = (label: string, since: number): void =>
        log(`${instance.name}: ${label} in ${((performance.now() - since) / 1000).toFixed(1)} s`);
      let t = performance.now();
      if (await ensureCompiled(instance, root, opts.force, log)) stamp("compiled", t);
      const header = readR1csHeader(paths.r1cs);
      const needed = requiredPower(header);
      // PLONK's gate count differs from the r1cs constraint count; snarkjs's plonk setup checks its own need.
      if (instance.protocol === "groth16" && needed > instance.power) {
        throw new Error(
          `${instance.name}: ${header.nConstraints} constraints need a 2^${needed} setup, but the catalogue says power ${instance.power}`,
        );
      }

      t = performance.now();
      let lastStage = "";
      const ptau = await setup.ensurePtau(instance.power, {
        cacheDir: join(cacheRoot(), "ptau"),
        // One line per stage: the ptau of a large power takes minutes, and logs must stay readable in CI.
        onProgress: (p) => {
          if (p.stage !== lastStage)
            log(`${instance.name}: ptau 2^${instance.power}: ${(lastStage = p.stage)}`);
        },
      });
      stamp(`ptau 2^${instance.power} ready`, t);
      t = performance.now();
      const snarkjs = await import("snarkjs");
      if (instance.protocol === "plonk") {
        // PLONK has no circuit-specific phase 2: its key comes straight from the powers of tau.
        const quiet = {
          debug() {},
          info() {},
          warn() {},
          error: (m: string) => log(`${instance.name}: ${m}`),
        };
        const ok = await snarkjs.plonk.setup(paths.r1cs, ptau, paths.zkey, quiet);
        if (ok === -1 || !existsSync(paths.zkey)) {
          throw new Error(
            `${instance.name}: snarkjs plonk setup failed (is power ${instance.power} large enough for its gates?)`,
          );
        }
      } else {
        await setup.createZkey(paths.r1cs, ptau, paths.zkey, { name: instance.name });
        // The key's contribution transcript, next to it (docs/CEREMONY.md).
        const { writeTranscript } = (await import("../ceremony/index.ts")) as {
          writeTranscript: (zkey: string, out: string) => Promise<unknown>;
        };
        await writeTranscript(paths.zkey, paths.transcript);
      }
      stamp(`${instance.protocol} proving key (${header.nConstraints} constraints)`, t);

      const vkey = await snarkjs.zKey.exportVerificationKey(paths.zkey);
      writeFileSync(paths.vkey, JSON.stringify(vkey, null, 1) + "\n");
      const solidity = await snarkjs.zKey.exportSolidityVerifier(paths.zkey, snarkjsTemplates);
      mkdirSync(dirname(paths.verifierSol), { recursive: true });
      writeFileSync(paths.verifierSol, verifierSource(solidity, instance, setup.development));

      const record: InstanceRecord = {
        sourceHash,
        compileHash,
        protocol: instance.protocol,
        development: setup.development,
        power: instance.power,
        constraints: header.nConstraints,
        publicSignals: instance.publicSignals,
        ptau: { path: toRecordPath(ptau), sha256: await sha256File(ptau), development: setup.development },
        artifacts: {
          r1cs: await recordArtifact(paths.r1cs),
          wasm: await recordArtifact(paths.wasm),
          sym: await recordArtifact(paths.sym),
          zkey: await recordArtifact(paths.zkey),
          vkey: await recordArtifact(paths.vkey),
          verifierSol: await recordArtifact(paths.verifierSol),
        },
        builtAt: new Date().toISOString(),
      };
      const fresh = readManifest(root);
      fresh.instances[instance.name] = record;
      writeManifest(fresh, root);
      built.push(instance.name);
      if (setup.development)
        log(`${instance.name}: WARNING development keys (insecure, for tests and demos only)`);
    }

    if (!opts.skipHardhat) {
      // Signal-index libraries for every catalogue instance (deterministic from the catalogue; committed).
      const codegen = (await import("../contracts/codegen/run.ts")) as { generateAll: () => string[] };
      codegen.generateAll();
      const t = performance.now();
      await runBin("hardhat", ["build", "--quiet"]);
      log(`contracts compiled in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    await setup.close?.();
    await terminateCurves();
  }
  return { built, skipped, seconds: (performance.now() - t0) / 1000 };
}

/** Ends the worker threads snarkjs/ffjavascript leave running. */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}
