/**
 * One file-name case per language across the tree (docs/ARCHITECTURE.md, "File names"): TypeScript and
 * JavaScript files are kebab-case (`closed-form.ts`, `vault.remittance.test.ts`: lower-case words joined by
 * `-`, parts by `.`), Solidity files are named for their contract (PascalCase, the Solidity convention) and
 * circom files are snake_case (circomlib's convention). Files git tracks are checked; generated and vendored
 * folders git ignores are not.
 */
import { spawnSync } from "node:child_process";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/index.ts";

const tracked = spawnSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" })
  .stdout.split("\0")
  .filter((f) => f !== "");

const RULES: { ext: RegExp; name: string; ok: RegExp }[] = [
  {
    ext: /\.(ts|js|mjs|cjs)$/,
    name: "kebab-case",
    ok: /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/,
  },
  { ext: /\.sol$/, name: "PascalCase", ok: /^[A-Z][A-Za-z0-9]*(\.[a-z]+)?$/ },
  { ext: /\.circom$/, name: "snake_case", ok: /^[a-z0-9]+(_[a-z0-9]+)*$/ },
];

function misnamed(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const rule = RULES.find((r) => r.ext.test(f));
    if (!rule) continue;
    const stem = basename(f).replace(rule.ext, "");
    if (!rule.ok.test(stem)) out.push(`${f}: not ${rule.name}`);
  }
  return out;
}

describe("file names", () => {
  it("every tracked source file has its language's case", () => {
    expect(tracked.length).toBeGreaterThan(100);
    expect(misnamed(tracked)).toEqual([]);
  });

  it("twin: a camelCase TypeScript file, a snake_case contract and a kebab-case circuit are refused", () => {
    expect(
      misnamed(["analytics/closedForm.ts", "contracts/tranche_vault.sol", "circuits/lib/pool-word.circom"]),
    ).toHaveLength(3);
    expect(misnamed(["analytics/closed-form.ts", "test/contracts/vault.remittance.test.ts"])).toEqual([]);
  });
});
