/**
 * The command line (with the demo) and the service use the libraries only through their entry points
 * (prover/index.ts, pipeline/index.ts, analytics/index.ts, deploy/index.ts, ceremony/index.ts, sdk/index.ts),
 * the other libraries use the integrator's SDK through sdk/index.ts, and the command line starts the service
 * through verifier-api/index.ts: the rule in eslint.config.js enforces it, for static and dynamic imports.
 * Checked with ESLint's API and the project's own configuration.
 */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/index.ts";

const eslint = new ESLint({ cwd: REPO_ROOT });
const RULES = new Set(["no-restricted-imports", "no-restricted-syntax"]);

/** The entry-point findings ESLint reports for `code` as if it were the file `path` (relative to the root). */
async function findings(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${path}` });
  return result!.messages.filter((m) => RULES.has(m.ruleId ?? "")).map((m) => m.message);
}

describe("entry points", () => {
  it("the command line, the service and the libraries as they are break no import rule", async () => {
    const results = await eslint.lintFiles([
      "cli/**/*.ts",
      "verifier-api/**/*.ts",
      "prover/**/*.ts",
      "analytics/**/*.ts",
      "pipeline/**/*.ts",
      "deploy/**/*.ts",
      "ceremony/**/*.ts",
      "sdk/**/*.ts",
    ]);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => RULES.has(m.ruleId ?? ""))
        .map((m) => `${r.filePath.slice(REPO_ROOT.length + 1)}:${m.line}: ${m.message}`),
    );
    expect(results.length).toBeGreaterThan(40);
    expect(found).toEqual([]);
  });

  it("a command importing a prover or pipeline module is refused", async () => {
    expect(
      await findings("cli/commands/x.ts", 'import { a } from "../../prover/tape/index.ts";\n'),
    ).toHaveLength(1);
    expect(await findings("cli/commands/x.ts", 'import { a } from "../../prover/attest.ts";\n')).toHaveLength(
      1,
    );
    expect(
      await findings("cli/demo/scenario.ts", 'import type { A } from "../pipeline/manifest.ts";\n'),
    ).toHaveLength(1);
    expect(
      await findings("cli/demo/scenario.ts", 'export { a } from "../analytics/core.ts";\n'),
    ).toHaveLength(1);
  });

  it("code outside sdk/ imports the SDK through sdk/index.ts only; the SDK's own modules import each other", async () => {
    const deep = 'import { VaultModel } from "../sdk/vault/model.ts";\n';
    expect(await findings("analytics/x.ts", deep)).toEqual([
      "'../sdk/vault/model.ts' import is restricted from being used by a pattern. import the library's entry point (its index.ts), not one of its modules",
    ]);
    expect(
      await findings("prover/x.ts", 'import type { A } from "../sdk/contracts/tranche-vault.ts";\n'),
    ).toHaveLength(1);
    expect(await findings("deploy/x.ts", 'export { a } from "../sdk/vault/registry.ts";\n')).toHaveLength(1);
    expect(await findings("cli/demo/x.ts", 'import { a } from "../../sdk/vault/close.ts";\n')).toHaveLength(
      1,
    );
    expect(await findings("verifier-api/x.ts", 'await import("../sdk/vault/signals.ts");\n')).toHaveLength(1);
    expect(await findings("analytics/x.ts", deep.replace("vault/model.ts", "index.ts"))).toEqual([]);
    expect(await findings("cli/commands/x.ts", 'import { a } from "../../sdk/index.ts";\n')).toEqual([]);
    expect(
      await findings("sdk/vault/x.ts", 'import { a } from "../contracts/attestation-registry.ts";\n'),
    ).toEqual([]);
    // tests and benchmarks may reach any module, as for every library
    expect(await findings("test/sdk/x.test.ts", 'import { a } from "../../sdk/vault/model.ts";\n')).toEqual(
      [],
    );
  });

  it("a dynamic import of a library module is refused too", async () => {
    const code = 'export const m = await import("../../pipeline/import.ts");\n';
    expect(await findings("cli/commands/x.ts", code)).toEqual([
      "dynamic import: import the library's entry point (its index.ts), not one of its modules",
    ]);
  });

  it("the service importing a prover module is refused, its own modules are not", async () => {
    expect(
      await findings(
        "verifier-api/http/routes/x.ts",
        'import { a } from "../../../prover/commitment/keys.ts";\n',
      ),
    ).toHaveLength(1);
    expect(await findings("verifier-api/http/routes/x.ts", 'import { a } from "../../auth.ts";\n')).toEqual(
      [],
    );
  });

  it("a route importing the app or another route is refused (issue 17, item 5)", async () => {
    expect(await findings("verifier-api/http/routes/x.ts", 'import type { A } from "../app.ts";\n')).toEqual([
      "'../app.ts' import is restricted from being used by a pattern. a route does not import the app: use app.services (services.ts)",
    ]);
    expect(
      await findings("verifier-api/http/routes/x.ts", 'import { ownTape } from "./originator.ts";\n'),
    ).toHaveLength(1);
    expect(
      await findings("verifier-api/http/routes/x.ts", 'export const m = await import("./public.ts");\n'),
    ).toHaveLength(1);
    expect(
      await findings("verifier-api/http/routes/x.ts", 'import type { Services } from "../../services.ts";\n'),
    ).toEqual([]);
  });

  it("the prover importing the service is refused, but for the browser's own JavaScript modules", async () => {
    expect(await findings("prover/x.ts", 'import { a } from "../verifier-api/sampling.ts";\n')).toHaveLength(
      1,
    );
    expect(
      await findings("prover/chunks/x.ts", 'import { a } from "../../verifier-api/storage/sqlite.ts";\n'),
    ).toHaveLength(1);
    expect(
      await findings("prover/chunks/x.ts", 'import { a } from "../../verifier-api/index.ts";\n'),
    ).toHaveLength(1);
    expect(await findings("prover/x.ts", 'import { a } from "../verifier-api/web/pool-codec.js";\n')).toEqual(
      [],
    );
  });

  it("the command line starts the service through its entry point, not its server file", async () => {
    expect(
      await findings("cli/commands/x.ts", 'await import("../../verifier-api/server.ts");\n'),
    ).toHaveLength(1);
    expect(
      await findings("cli/commands/x.ts", 'import { a } from "../../verifier-api/http/app.ts";\n'),
    ).toHaveLength(1);
    expect(
      await findings("cli/commands/x.ts", 'import { startService } from "../../verifier-api/index.ts";\n'),
    ).toEqual([]);
  });

  it("the entry points themselves are allowed", async () => {
    const code = [
      'import { a } from "../../prover/index.ts";',
      'import { b } from "../../pipeline/index.ts";',
      'import { c } from "../../analytics/index.ts";',
      'export const d = await import("../../deploy/index.ts");',
      'import { e } from "../../sdk/index.ts";',
      "",
    ].join("\n");
    expect(await findings("cli/commands/x.ts", code)).toEqual([]);
    expect(await findings("verifier-api/x.ts", code.replaceAll("../../", "../"))).toEqual([]);
  });
});
