/**
 * Benchmarks are plain `node benchmarks/x.ts` scripts, not tests, yet several take their worlds from test/ (the
 * contract fixtures, the test policy). A module they load that imports vitest's runtime stops them at once
 * ("Vitest failed to access its internal state"): this walks every benchmark's static and dynamic relative
 * imports and refuses any module on the way that imports vitest for anything but types.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/index.ts";

/** The modules `src` loads when it runs: static imports and re-exports that are not type-only, and `import("…")`. */
function runtimeImports(path: string, src: string): string[] {
  const file = ts.createSourceFile(path, src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/**
 * The modules reached from `entry` through relative imports that import vitest's runtime (type-only imports are
 * erased and load nothing), each with the chain that reaches it. `read` gives a module's text.
 */
export function vitestReached(entry: string, read: (path: string) => string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (path: string, chain: string[]): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const spec of runtimeImports(path, read(path))) {
      if (spec === "vitest" || spec.startsWith("vitest/")) found.push([...chain, path].join(" → "));
      else if (spec.startsWith(".")) walk(resolve(dirname(path), spec), [...chain, path]);
    }
  };
  walk(resolve(entry), []);
  return found;
}

/** A module's text; a `.js` specifier names the TypeScript file beside it when there is no such JavaScript file. */
const read = (path: string): string => {
  if (path.endsWith(".js") && !existsSync(path) && existsSync(path.replace(/\.js$/, ".ts")))
    return readFileSync(path.replace(/\.js$/, ".ts"), "utf8");
  return readFileSync(path, "utf8");
};
const benchmarks = readdirSync(join(REPO_ROOT, "benchmarks"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => join(REPO_ROOT, "benchmarks", f));

describe("benchmarks run outside vitest", () => {
  it("there are benchmarks to check", () => {
    expect(benchmarks.length).toBeGreaterThan(5);
  });

  it("no module a benchmark loads imports vitest", () => {
    const found = benchmarks
      .flatMap((b) => vitestReached(b, read))
      .map((chain) =>
        chain
          .split(" → ")
          .map((p) => relative(REPO_ROOT, p))
          .join(" → "),
      );
    expect(found).toEqual([]);
  });

  it("twin: a helper two imports away that imports vitest is found; a type-only import, or one in a string, is not", () => {
    const files: Record<string, string> = {
      "/r/benchmarks/b.ts":
        'import { world } from "../test/world.ts";\nimport type { T } from "../test/types.ts";\n' +
        // generated code in a string loads nothing (contracts/codegen/layout.ts writes such a module)
        'const code = `import { x } from "./absent.js";`;\n',
      "/r/test/world.ts": 'export { DAY } from "./helpers.ts";\n',
      "/r/test/helpers.ts": 'import { expect } from "vitest";\nexport const DAY = 1;\n',
      "/r/test/types.ts": 'import { expect } from "vitest";\nexport type T = number;\n',
    };
    expect(vitestReached("/r/benchmarks/b.ts", (p) => files[p]!)).toEqual([
      "/r/benchmarks/b.ts → /r/test/world.ts → /r/test/helpers.ts",
    ]);
    files["/r/test/helpers.ts"] = 'import type { Mock } from "vitest";\nexport const DAY = 1;\n';
    expect(vitestReached("/r/benchmarks/b.ts", (p) => files[p]!)).toEqual([]);
  });
});
