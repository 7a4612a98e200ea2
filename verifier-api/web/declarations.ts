/**
 * `check-attestation.d.ts`, `chain-key.d.ts` and `errors.d.ts` are generated from the JSDoc types of
 * `check-attestation.js`, `chain-key.js` and `errors.js` (plain JavaScript for the browser; the repository's tsconfig does not check .js files),
 * so that TypeScript code importing them is typed. Regenerate after changing the checker:
 *   node verifier-api/web/declarations.ts
 * test/api/web.test.ts and test/web/page.test.ts fail when a file is stale, or when the checker or the page's script does not
 * type-check.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import ts from "typescript";

const HERE = dirname(fileURLToPath(import.meta.url));
export const CHECKER_JS = join(HERE, "check-attestation.js");
export const CHECKER_DTS = join(HERE, "check-attestation.d.ts");
export const CHAIN_KEY_JS = join(HERE, "chain-key.js");
export const CHAIN_KEY_DTS = join(HERE, "chain-key.d.ts");
export const ERRORS_JS = join(HERE, "errors.js");
export const ERRORS_DTS = join(HERE, "errors.d.ts");
/** The page's script: not exported from, but type-checked with the checker. */
const PAGE_JS = join(HERE, "verify-page.js");
/** The layout codec: generated with its own declarations (contracts/codegen/layout.ts), type-checked here. */
const CODEC_JS = join(HERE, "pool-codec.js");

/**
 * The declarations of check-attestation.js, formatted; throws if it or verify-page.js does not type-check
 * (strict, browser lib).
 */
export async function checkerDeclarations(): Promise<string> {
  return (await declarations()).checker;
}

/** The declarations of chain-key.js, formatted (as `checkerDeclarations`). */
export async function chainKeyDeclarations(): Promise<string> {
  return (await declarations()).chainKey;
}

/** The declarations of errors.js (the one error model), formatted (as `checkerDeclarations`). */
export async function errorsDeclarations(): Promise<string> {
  return (await declarations()).errors;
}

async function declarations(): Promise<{ checker: string; chainKey: string; errors: string }> {
  const options: ts.CompilerOptions = {
    allowJs: true,
    checkJs: true,
    strict: true,
    noUncheckedIndexedAccess: true,
    declaration: true,
    emitDeclarationOnly: true,
    // emitted in memory only (see program.emit below); a directory of its own so the output is not an input
    outDir: join(HERE, "declarations.out"),
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    skipLibCheck: true,
    types: [],
  };
  const program = ts.createProgram([ERRORS_JS, CODEC_JS, CHECKER_JS, CHAIN_KEY_JS, PAGE_JS], options);
  const errors = ts.getPreEmitDiagnostics(program);
  if (errors.length > 0) {
    throw new Error(
      ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => HERE,
        getNewLine: () => "\n",
      }),
    );
  }
  const out = new Map<string, string>();
  program.emit(undefined, (name, text) => out.set(name.replace(/^.*\//, ""), text));
  const format = async (js: string, dts: string): Promise<string> => {
    const name = dts.replace(/^.*\//, "");
    const text = out.get(name);
    if (text === undefined) throw new Error(`no declarations emitted for ${name}`);
    const header = `// Generated from ${js} by \`node verifier-api/web/declarations.ts\`: do not edit.\n`;
    const config = await prettier.resolveConfig(dts);
    return prettier.format(header + text, { ...config, filepath: dts });
  };
  return {
    checker: await format("check-attestation.js", CHECKER_DTS),
    chainKey: await format("chain-key.js", CHAIN_KEY_DTS),
    errors: await format("errors.js", ERRORS_DTS),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const d = await declarations();
  for (const [file, text] of [
    [CHECKER_DTS, d.checker],
    [CHAIN_KEY_DTS, d.chainKey],
    [ERRORS_DTS, d.errors],
  ] as const) {
    writeFileSync(file, text);
    console.log(`wrote ${file} (${readFileSync(file, "utf8").length} characters)`);
  }
}
