/**
 * The command line on real servicer files, run as a user would: a LendingClub file with lagging statuses
 * attested with the shipped mapping and the documented options, the quarantine, Reg AB II XML, as-of dates
 * that are not period ends, `tape validate --json` on invalid tapes and its problem file, and secret files
 * (mode 0600, the work folder, refused where git would commit them).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";

const dir = mkdtempSync(join(tmpdir(), "rwa-cli-tapes-"));
const BIN = join(REPO_ROOT, "cli", "bin.js");
const ex = (p: string): string => join(REPO_ROOT, "examples", p);
const LC = [
  "--mapping",
  ex("mappings/lendingclub.json"),
  "--pool-id",
  "7",
  "--period",
  "201812",
  "--as-of",
  "2018-12-31",
];

function cli(
  args: string[],
  cwd = dir,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: "utf8", timeout: 300_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("real servicer files through the CLI", () => {
  it("a LendingClub file with lagging statuses attests with the shipped mapping and documented options", async () => {
    const k = await cli(["keys", "generate", "--json"]);
    expect(k.code).toBe(0);
    const keyPath = JSON.parse(k.stdout).path as string;
    expect(keyPath).toBe(join(dir, "rwa-work", "originator.json"));
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const prove = (...more: string[]) =>
      cli([
        "prove",
        ex("tapes/lendingclub-lagging.csv"),
        ...LC,
        "--key",
        keyPath,
        "--instance",
        "pool-attestation-8",
        "--out",
        "lc-att.json",
        ...more,
      ]);
    // The file has 5 active loans: under the default policy (at least 10) there is no attestation, exit 1,
    // the refusal names both numbers, and no file is written (no attestation, no salt seed).
    const small = await prove();
    expect(small.code).toBe(1);
    expect(small.stderr).toContain(
      "pool too small: the pool has 5 active loans, the policy requires at least 10",
    );
    expect(existsSync(join(dir, "lc-att.json"))).toBe(false);
    expect(existsSync(join(dir, "rwa-work", "lendingclub-lagging.seed.json"))).toBe(false);
    const p = await prove("--policy", ex("policies/fixtures.json"));
    expect(p.stderr).toContain("status derived for 2 rows: repaid when out_prncp is 0");
    expect(p.stderr).toMatch(/salts from .*rwa-work\/lendingclub-lagging\.seed\.json \(created now/);
    expect(p.stderr).toContain("an off-chain attestation");
    expect(p.stderr).toMatch(/proving: 2 chunk proofs/);
    expect(p.code).toBe(0);
    expect(statSync(join(dir, "rwa-work", "lendingclub-lagging.seed.json")).mode & 0o777).toBe(0o600);
    const att = JSON.parse(readFileSync(join(dir, "lc-att.json"), "utf8"));
    expect(att.tapeSource).toEqual({ file: "lendingclub-lagging.csv", rowsRead: 10, rowsSetAside: 0 });
    expect(att.registry).toBe("0x0000000000000000000000000000000000000000");
    expect((await cli(["verify-attestation", "lc-att.json"])).code).toBe(0);
    // The same root as `tape commit` with the default seed.
    const c = await cli(["tape", "commit", ex("tapes/lendingclub-lagging.csv"), ...LC, "--json"]);
    expect(JSON.parse(c.stdout)).toMatchObject({ root: att.root, seedCreated: false, rowsSetAside: 0 });
    // Failing twin: an as-of date that is not a month end is refused unless asked for.
    const mid = LC.map((a) => (a === "2018-12-31" ? "2018-12-30" : a));
    const bad = await cli(["tape", "validate", ex("tapes/lendingclub-lagging.csv"), ...mid]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("2018-12-30 is not the last day of a month");
    const anyDay = await cli([
      "tape",
      "validate",
      ex("tapes/lendingclub-lagging.csv"),
      ...mid,
      "--as-of-any-day",
    ]);
    expect(anyDay.code).toBe(0);
  }, 300_000);

  it("quarantine: refused rows go to a file; the rest only with --set-aside, and the count is recorded", async () => {
    const lines = readFileSync(ex("tapes/lendingclub-lagging.csv"), "utf8").trimEnd().split("\n");
    lines.push(lines[1]!.replace(/^140001001/, "140001099").replace(",Current,", ",Late (5 days),"));
    lines.push(lines[7]!.replace(/^140001007/, "140001098").replace(",760,764,", ",760,high,"));
    writeFileSync(join(dir, "lc-bad.csv"), lines.join("\n") + "\n");
    const whole = await cli(["tape", "validate", "lc-bad.csv", ...LC]);
    expect(whole.code).toBe(1);
    expect(whole.stderr).toContain("is invalid (2 problems)");
    const q = await cli(["tape", "validate", "lc-bad.csv", ...LC, "--quarantine", "q.csv", "--json"]);
    expect(q.code).toBe(1);
    expect(JSON.parse(q.stdout)).toEqual({
      valid: false,
      rowsRead: 12,
      rowsSetAside: 2,
      quarantineFile: "q.csv",
    });
    const qcsv = readFileSync(join(dir, "q.csv"), "utf8").trimEnd().split("\n");
    expect(qcsv).toHaveLength(3);
    expect(qcsv[0]!.startsWith("row,problems,id,member_id,")).toBe(true);
    expect(qcsv[1]).toMatch(/^11,"status = ""Late \(5 days\)"": unknown status/);
    expect(qcsv[2]).toMatch(
      /^12,"creditScore = ""high"": column ""fico_range_high"": not a decimal number",140001098,/,
    );
    const go = await cli([
      "tape",
      "commit",
      "lc-bad.csv",
      ...LC,
      "--quarantine",
      "q.csv",
      "--set-aside",
      "--json",
    ]);
    expect(go.code).toBe(0);
    expect(JSON.parse(go.stdout)).toMatchObject({
      loans: 10,
      rowsRead: 12,
      rowsSetAside: 2,
      quarantineFile: "q.csv",
    });
    expect((await cli(["tape", "validate", "lc-bad.csv", ...LC, "--set-aside"])).stderr).toContain(
      "--set-aside: needs --quarantine",
    );
  });

  it("prove names the options a source file needs, and takes registry and chain from a deployment file", async () => {
    const noMeta = await cli([
      "prove",
      ex("tapes/lendingclub-lagging.csv"),
      "--mapping",
      ex("mappings/lendingclub.json"),
      "--key",
      "rwa-work/originator.json",
      "--out",
      "x.json",
    ]);
    expect(noMeta.code).toBe(1);
    expect(noMeta.stderr).toContain('poolId = "": missing: give --pool-id or a metadata line in the file');
    expect(noMeta.stderr).toContain('asOfDate = "": missing: give --as-of or a metadata line in the file');
    writeFileSync(
      join(dir, "deployment.json"),
      JSON.stringify({ chainId: "31337", registry: "0x" + "ab".repeat(20) }),
    );
    const clash = await cli([
      "prove",
      ex("tapes/sample.csv"),
      "--key",
      "rwa-work/originator.json",
      "--deployment",
      "deployment.json",
      "--registry",
      "0x" + "cd".repeat(20),
      "--out",
      "x.json",
    ]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain("is not the deployment's registry");
    const chain = await cli([
      "prove",
      ex("tapes/sample.csv"),
      "--key",
      "rwa-work/originator.json",
      "--deployment",
      "deployment.json",
      "--chain-id",
      "1",
      "--out",
      "x.json",
    ]);
    expect(chain.code).toBe(2);
    expect(chain.stderr).toContain("--chain-id: 1 is not the deployment's chain 31337");
  });

  it("reads SEC Reg AB II auto loan XML with its mapping", async () => {
    const r = await cli([
      "tape",
      "validate",
      ex("tapes/regab-auto-sample.xml"),
      "--mapping",
      ex("mappings/regab-auto.json"),
      "--pool-id",
      "3",
      "--period",
      "202506",
      "--as-of",
      "2025-06-30",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ valid: true, loans: 8, rowsRead: 8, currency: "USD" });
    expect(j.derivedStatuses.map((d: { rule: string }) => d.rule)).toEqual([
      "repaid when reportingPeriodActualEndBalanceAmount is 0 (was performing)",
      "defaulted when currentDelinquencyStatus ≥ 120 (was performing)",
      "delinquent when currentDelinquencyStatus ≥ 30 (was performing)",
    ]);
  });
});

describe("tape validate output", () => {
  it("--json prints every problem when invalid; past 20 problems all of them go to a file", async () => {
    const text = readFileSync(ex("tapes/sample.csv"), "utf8").trimEnd().split("\n");
    const bad = text.map((l, i) => (i >= 2 ? l.replace(/,(\d+),(\d+),(\d+),/, ",-$1,$2,$3,") : l));
    writeFileSync(join(dir, "many.csv"), bad.join("\n") + "\n");
    const j = await cli(["tape", "validate", "many.csv", "--json"]);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out.valid).toBe(false);
    expect(out.problemCount).toBe(24);
    expect(out.problems).toHaveLength(24);
    expect(out.problemsFile).toBe(join(dir, "rwa-work", "many.csv.problems.csv"));
    expect(readFileSync(out.problemsFile, "utf8").trimEnd().split("\n")).toHaveLength(25);
    const h = await cli(["tape", "validate", "many.csv", "--problems", "p.csv"]);
    expect(h.stderr).toContain("is invalid (24 problems)");
    expect(h.stderr).toContain("… 4 more");
    expect(h.stderr).toContain("every problem is in p.csv");
    expect(h.stderr).toMatch(/by field: originalPrincipal 24/);
    const one = await cli(["tape", "validate", "many.csv".replace("many", "one")]);
    expect(one.code).toBe(2);
    writeFileSync(join(dir, "one.csv"), [text[0], text[1], bad[2]].join("\n") + "\n");
    expect((await cli(["tape", "validate", "one.csv"])).stderr).toContain("is invalid (1 problem):");
  });

  it("names the policy and decodes its breach bits; amounts in the currency", async () => {
    const r = await cli(["tape", "validate", ex("tapes/sample.csv"), "--policy", ex("policies/demo.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid tape: 24 loans, pool 1001, period 202610, as of 2026-10-31$/m);
    expect(r.stdout).toMatch(/outstanding USD [\d,]+\.\d\d over \d+ active loans/);
    expect(r.stdout).toMatch(/covenants of .*demo\.json \(policyHash \d+\):/);
    const j = JSON.parse((await cli(["tape", "validate", ex("tapes/sample.csv"), "--json"])).stdout);
    expect(j.policy.file).toBeNull();
    expect(j.breaches).toHaveLength(
      [...Number(j.figures.breaches).toString(2)].filter((b) => b === "1").length,
    );
  });
});

describe("secrets", () => {
  const hasGit = spawnSync("git", ["--version"]).status === 0;
  it.skipIf(!hasGit)("a key or seed inside a git work tree is refused unless git ignores it", async () => {
    const repo = join(dir, "repo");
    mkdirSync(repo);
    spawnSync("git", ["init", "-q"], { cwd: repo });
    writeFileSync(join(repo, ".gitignore"), "rwa-work/\n");
    const refused = await cli(["keys", "generate", "--out", "originator.json"], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("inside a git work tree and not ignored by git");
    const ok = await cli(["keys", "generate"], repo);
    expect(ok.code).toBe(0);
    const seed = await cli(["tape", "commit", ex("tapes/sample.csv"), "--seed", "salts.json"], repo);
    expect(seed.code).toBe(2);
    const dflt = await cli(["tape", "commit", ex("tapes/sample.csv")], repo);
    expect(dflt.code).toBe(0);
    expect(dflt.stdout).toMatch(/salt seed: .*rwa-work\/sample\.seed\.json \(created; secret/);
  });
});
