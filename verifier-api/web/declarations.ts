/**
 * `check-attestation.d.ts` is generated from the JSDoc types of `check-attestation.js` (plain JavaScript for
 * the browser; the repository's tsconfig does not check .js files), so that TypeScript code importing the
 * checker is typed. Regenerate after changing the checker:
 *   node verifier-api/web/declarations.ts
 * test/api/web.test.ts fails when the file is stale, or when the checker or the page's script does not
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
/** The page's script: not exported from, but type-checked with the checker. */
const PAGE_JS = join(HERE, "verify-page.js");

/**
 * The declarations of check-attestation.js, formatted; throws if it or verify-page.js does not type-check
 * (strict, browser lib).
 */
export async function checkerDeclarations(): Promise<string> {
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
  const program = ts.createProgram([CHECKER_JS, PAGE_JS], options);
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
  let out: string | undefined;
  program.emit(undefined, (name, text) => {
    if (name.endsWith("check-attestation.d.ts")) out = text;
  });
  if (out === undefined) throw new Error("no declarations emitted");
  const header =
    "// Generated from check-attestation.js by `node verifier-api/web/declarations.ts`: do not edit.\n";
  const config = await prettier.resolveConfig(CHECKER_DTS);
  return prettier.format(header + out, { ...config, filepath: CHECKER_DTS });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CHECKER_DTS, await checkerDeclarations());
  console.log(`wrote ${CHECKER_DTS} (${readFileSync(CHECKER_DTS, "utf8").length} characters)`);
}
