/**
 * The real `rwa-attest` executable in a temporary directory: each subcommand's success and its errors on
 * bad input, checked through exit codes, stdout (`--json`) and stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { domainWord, registryKeyHash } from "../../prover/commitment/keys.ts";
import { runCli, type CliRun } from "../support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "rwa-cli-"));

/** Runs the executable in the test's directory. */
const cli = (...args: string[]): Promise<CliRun> => runCli(dir, args);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rwa-attest CLI", () => {
  it("prints help and exits 0; an unknown command exits 2", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("prove");
    expect((await cli("no-such-command")).code).toBe(2);
  });

  it("generates a key, shows it and its keyHash in a registry; refuses to overwrite and rejects a broken key file", async () => {
    const gen = await cli("keys", "generate", "--out", "k.json", "--json");
    expect(gen.code).toBe(0);
    const { publicKey } = JSON.parse(gen.stdout) as { publicKey: string[] };
    expect(publicKey).toHaveLength(2);
    const show = await cli("keys", "show", "k.json", "--json");
    expect(JSON.parse(show.stdout)).toEqual({ publicKey });
    const registry = "0x" + "ab".repeat(20);
    const inRegistry = await cli(
      "keys",
      "show",
      "k.json",
      "--registry",
      registry,
      "--chain-id",
      "5",
      "--json",
    );
    const pub = [BigInt(publicKey[0]!), BigInt(publicKey[1]!)] as const;
    expect(JSON.parse(inRegistry.stdout).keyHash).toBe(
      (await registryKeyHash(pub, domainWord(registry, 5n))).toString(),
    );
    expect((await cli("keys", "show", "k.json", "--registry", "0x12")).code).toBe(2);
    expect((await cli("keys", "generate", "--out", "k.json")).code).toBe(2);
    const k = JSON.parse(readFileSync(join(dir, "k.json"), "utf8"));
    k.publicKey[0] = "1";
    writeFileSync(join(dir, "bad-key.json"), JSON.stringify(k));
    const bad = await cli("keys", "show", "bad-key.json");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("does not belong");
    expect((await cli("keys", "show", "missing.json")).stderr).toContain("ENOENT");
  });

  it("generates a tape, validates it, commits it deterministically from a seed", async () => {
    expect((await cli("tape", "generate", "--out", "t.json", "--loans", "32", "--seed", "7")).code).toBe(0);
    const v = await cli("tape", "validate", "t.json", "--json");
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).loans).toBe(32);
    const c1 = JSON.parse(
      (await cli("tape", "commit", "t.json", "--seed", "seed.json", "--json")).stdout,
    ).root;
    const c2 = JSON.parse(
      (await cli("tape", "commit", "t.json", "--seed", "seed.json", "--json")).stdout,
    ).root;
    expect(c1).toBe(c2);
    rmSync(join(dir, "seed2.json"), { force: true });
    const c3 = JSON.parse(
      (await cli("tape", "commit", "t.json", "--seed", "seed2.json", "--json")).stdout,
    ).root;
    expect(c3).not.toBe(c1);
  });

  it("reports every problem of an invalid tape with its row and field, and exits 1", async () => {
    const t = JSON.parse(readFileSync(join(dir, "t.json"), "utf8"));
    t.loans[2].outstandingBalance = "281474976710656"; // 2^48
    t.loans[5].status = "lost";
    writeFileSync(join(dir, "bad.json"), JSON.stringify(t));
    const r = await cli("tape", "validate", "bad.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/row 3.*outstandingBalance/);
    expect(r.stderr).toMatch(/row 6.*status/);
  });

  it("opens loans and checks the openings; a tampered opening is named and exits 1", async () => {
    const o = await cli("tape", "open", "t.json", "--seed", "seed.json", "--index", "0,3");
    expect(o.code).toBe(0);
    writeFileSync(join(dir, "open.json"), o.stdout);
    expect((await cli("tape", "check-openings", "open.json")).code).toBe(0);
    const j = JSON.parse(o.stdout);
    j.openings[1].record.daysPastDue = j.openings[1].record.daysPastDue + 1;
    writeFileSync(join(dir, "open-bad.json"), JSON.stringify(j));
    const bad = await cli("tape", "check-openings", "open-bad.json");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("3");
  });

  it("lists the catalogue; verify rejects a missing file (2) and a wrong proof (1)", async () => {
    const cat = await cli("catalogue", "--json");
    expect(cat.code).toBe(0);
    expect(JSON.parse(cat.stdout).map((c: { name: string }) => c.name)).toContain("example-multiplier");
    expect((await cli("verify", "nope.json")).code).toBe(2);
    writeFileSync(
      join(dir, "p.json"),
      JSON.stringify({ instance: "example-multiplier", proof: {}, publicSignals: ["1"] }),
    );
    expect((await cli("verify", "p.json")).code).toBe(1);
    writeFileSync(
      join(dir, "p2.json"),
      JSON.stringify({ instance: "no-such", proof: {}, publicSignals: [] }),
    );
    expect((await cli("verify", "p2.json")).stderr).toContain("unknown circuit instance");
  });

  it("refuses an unknown powers-of-tau file with exit 1", async () => {
    writeFileSync(join(dir, "fake.ptau"), "not a ptau");
    const r = await cli("setup", "check-ptau", "fake.ptau", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).ok).toBe(false);
  });

  it("proves an attestation, verifies it, analyses it; a tampered attestation exits 1", async () => {
    const registry = "0x" + "12".repeat(20);
    const p = await cli(
      "prove",
      "t.json",
      "--key",
      "k.json",
      "--registry",
      registry,
      "--seed",
      "seed.json",
      "--instance",
      "pool-attestation-8",
      "--out",
      "att.json",
      "--json",
    );
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).chunks).toBe(4);
    expect((await cli("verify-attestation", "att.json")).code).toBe(0);
    const att = JSON.parse(readFileSync(join(dir, "att.json"), "utf8"));
    // committed chunks (issue 14): root, pool, policyHash, keyHash, figCommit; no figures
    expect(att.chunks[1].publicSignals).toHaveLength(5);
    const figCommit = 4;
    expect(att.chunks[1].publicSignals[figCommit]).not.toBe(att.chunks[0].publicSignals[figCommit]);
    att.chunks[1].publicSignals[figCommit] = att.chunks[0].publicSignals[figCommit];
    writeFileSync(join(dir, "att-bad.json"), JSON.stringify(att));
    const bad = await cli("verify-attestation", "att-bad.json", "--json");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems.join(" ")).toContain("chunk 1");
    const a = await cli("analyze", "--attestation", "att.json", "--scenarios", "2000", "--json");
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).tranches.map((x: { name: string }) => x.name)).toEqual([
      "junior",
      "mezzanine",
      "senior",
    ]);
    expect(
      (await cli("prove", "t.json", "--key", "k.json", "--registry", "nope", "--out", "x.json")).code,
    ).toBe(2);
    expect(
      (await cli("prove", "t.json", "--key", "bad-key.json", "--registry", registry, "--out", "y.json")).code,
    ).toBe(2);
  });

  it("deploys to the in-process network; refuses an unknown network and a missing deployment file", async () => {
    const d = await cli("deploy", "--json");
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const u = await cli("deploy", "--network", "mainnet-please");
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown network");
    const s = await cli("submit", "att.json", "--deployment", "none.json", "--network", "http://127.0.0.1:1");
    expect(s.code).toBe(2);
  });
});
