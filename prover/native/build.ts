/**
 * Builds the native Groth16 prover (`prover/native/out/rwa-groth16`) from this folder's C++ and the ffiasm
 * npm package: `buildzqfield` generates x86-64 Montgomery arithmetic for BN254's two fields, nasm assembles
 * it, g++ (OpenMP, GMP) compiles and links. Run by `npm install` (package.json `postinstall`) and by hand:
 *
 *   node prover/native/build.ts            build unless the binary is up to date
 *   node prover/native/build.ts --force    rebuild
 *
 * It prints exactly one line: whether the prover was built (or already was) and, if not, why and what to
 * install. It never fails: without the toolchain every proof is made by snarkjs, as before.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { NATIVE_BINARY, NATIVE_OUT_DIR, NATIVE_SRC_DIR } from "./paths.ts";

const TAG = "[native-prover]";
const INSTALL_HINT = "apt-get install g++ nasm libgmp-dev";
// BN254: base field q (curve coordinates) and scalar field r (witness, exponents).
const FIELDS = {
  Fq: "21888242871839275222246405745257275088696311157297823662689037894645226208583",
  Fr: "21888242871839275222246405745257275088548364400416034343698204186575808495617",
};
const FFIASM_SOURCES = ["alt_bn128.cpp", "naf.cpp", "splitparstr.cpp", "misc.cpp"];
const CXXFLAGS = ["-O3", "-march=native", "-fopenmp", "-std=c++17", "-Wl,-z,noexecstack"];

const require = createRequire(import.meta.url);

function quiet(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/** What is missing to build here (empty when the toolchain is complete). */
function missingTools(): string[] {
  if (process.platform !== "linux" || process.arch !== "x64")
    return [`x86-64 Linux (this is ${process.platform}-${process.arch})`];
  const missing: string[] = [];
  const has = (cmd: string, args: string[]): boolean => {
    try {
      quiet(cmd, args);
      return true;
    } catch {
      return false;
    }
  };
  if (!has("g++", ["--version"])) missing.push("g++");
  if (!has("nasm", ["-v"])) missing.push("nasm");
  if (!missing.includes("g++")) {
    // GMP headers and library, and OpenMP, in one probe compile.
    try {
      quiet(
        "g++",
        ["-x", "c++", "-fopenmp", "-", "-lgmp", "-o", "/dev/null"],
        "#include <gmp.h>\n#include <omp.h>\nint main(){mpz_t a; mpz_init(a); mpz_clear(a); return omp_get_max_threads() > 0 ? 0 : 1;}\n",
      );
    } catch {
      missing.push("libgmp-dev");
    }
  }
  return missing;
}

function ffiasmDir(): string {
  return join(require.resolve("ffiasm/package.json"), "..");
}

/** Hash of everything the binary depends on: our sources, ffiasm's version, the flags, the compiler. */
function inputsHash(ffiasm: string): string {
  const h = createHash("sha256");
  for (const f of readdirSync(NATIVE_SRC_DIR).sort())
    h.update(f).update(readFileSync(join(NATIVE_SRC_DIR, f)));
  h.update(readFileSync(join(ffiasm, "package.json")));
  h.update(CXXFLAGS.join(" "));
  h.update(quiet("g++", ["--version"]));
  return h.digest("hex");
}

async function build(force: boolean): Promise<string> {
  const t0 = performance.now();
  const ffiasm = ffiasmDir();
  const stamp = join(NATIVE_OUT_DIR, ".inputs-hash");
  const hash = inputsHash(ffiasm);
  if (!force && existsSync(NATIVE_BINARY) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) {
    return `${TAG} native prover up to date: ${NATIVE_BINARY}`;
  }
  mkdirSync(NATIVE_OUT_DIR, { recursive: true });
  const buildZqField = require("ffiasm").buildZqField as (
    q: string,
    name: string,
  ) => Promise<{ asm: string; hpp: string; cpp: string }>;
  const objects: string[] = [];
  for (const [name, prime] of Object.entries(FIELDS)) {
    const code = await buildZqField(prime, name);
    const base = join(NATIVE_OUT_DIR, name.toLowerCase());
    writeFileSync(`${base}.asm`, code.asm);
    writeFileSync(`${base}.hpp`, code.hpp);
    writeFileSync(`${base}.cpp`, code.cpp);
    quiet("nasm", ["-felf64", `${base}.asm`, "-o", `${base}_asm.o`]);
    objects.push(`${base}.cpp`, `${base}_asm.o`);
  }
  const sources = readdirSync(NATIVE_SRC_DIR)
    .filter((f) => f.endsWith(".cpp"))
    .map((f) => join(NATIVE_SRC_DIR, f));
  const tmp = `${NATIVE_BINARY}.tmp`;
  quiet("g++", [
    ...CXXFLAGS,
    `-I${NATIVE_OUT_DIR}`,
    `-I${join(ffiasm, "c")}`,
    `-I${NATIVE_SRC_DIR}`,
    ...sources,
    ...FFIASM_SOURCES.map((f) => join(ffiasm, "c", f)),
    ...objects,
    "-lgmp",
    "-o",
    tmp,
  ]);
  renameSync(tmp, NATIVE_BINARY);
  writeFileSync(stamp, hash);
  return `${TAG} native Groth16 prover built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${NATIVE_BINARY} (GPL-3.0, see prover/native/README.md)`;
}

async function main(): Promise<void> {
  const missing = missingTools();
  if (missing.length > 0) {
    console.log(
      `${TAG} not built (missing ${missing.join(", ")}): proofs use snarkjs; to build it: ${INSTALL_HINT}, then node prover/native/build.ts`,
    );
    return;
  }
  try {
    console.log(await build(process.argv.includes("--force")));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const detail =
      (e.stderr || e.message).split("\n").find((l) => /error/i.test(l)) ?? e.message.split("\n")[0];
    console.log(`${TAG} not built (build failed: ${detail}): proofs use snarkjs`);
  }
}

await main();
