/**
 * The command-line tour on a real JSON-RPC network: a `hardhat node` process, then the README's steps as an
 * originator and governance would run them against it: deploy, propose and approve the originator key,
 * register the pool, prove, submit. Refusals come back as the registry's named custom errors. Skipped with a
 * warning when pool-attestation-8 is not built.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { startHardhatNode } from "../support/net.ts";
import { writeTestPolicy } from "../support/policy.ts";

const BUILT = readManifest().instances["pool-attestation-8"] !== undefined;
if (!BUILT) console.warn("pool-attestation-8 is not built: skipping the CLI network tour");

// Hardhat's well-known development accounts 0 (governance, deployer) and 1 (originator).
const GOVERNANCE = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ORIGINATOR = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const GOVERNANCE_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ORIGINATOR_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const dir = mkdtempSync(join(tmpdir(), "rwa-cli-net-"));
const BIN = join(REPO_ROOT, "cli", "bin.js");
let node: ChildProcess | undefined;
let url = "";

function cli(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, encoding: "utf8", timeout: 180_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}
const asGov = (...a: string[]) => cli({ DEPLOYER_KEY: GOVERNANCE }, ...a);
const asOriginator = (...a: string[]) => cli({ ORIGINATOR_KEY: ORIGINATOR }, ...a);

beforeAll(async () => {
  if (!BUILT) return;
  ({ node, url } = await startHardhatNode());
});

afterAll(() => {
  node?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!BUILT)("rwa-attest on a JSON-RPC network (hardhat node)", () => {
  it("deploys, onboards the originator, proves and submits; refusals name the registry's error", async () => {
    const policy = writeTestPolicy(dir); // 8 loans: below the default minimum pool size
    const dep = await asGov(
      ..."deploy --with-scores --audit-seeds-delay 3 --out deployment.json --json --network".split(" "),
      url,
      ...["--policy", policy],
    );
    expect(dep.code, dep.stderr).toBe(0);
    const deployment = JSON.parse(readFileSync(join(dir, "deployment.json"), "utf8"));
    expect(deployment.verifiers["pool-attestation-8"]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(deployment.scores.verifiers["score-backing-8"]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(deployment.auditSeeds).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const badDelay = await asGov("deploy", "--audit-seeds-delay", "0", "--network", url);
    expect(badDelay.code).toBe(2);
    expect(badDelay.stderr).toContain("--audit-seeds-delay");

    expect((await cli({}, "keys", "generate", "--out", "k.json")).code).toBe(0);
    const net = ["--deployment", "deployment.json", "--network", url, "--json"];
    // submitting before onboarding: the registry's refusal, by name
    const today = new Date().toISOString().slice(0, 10);
    const tape = ["tape", "generate", "--out", "t.json", "--loans", "8", "--pool-id", "42", "--as-of", today];
    expect((await cli({}, ...tape)).code).toBe(0);
    const prove = await cli(
      {},
      ..."prove t.json --key k.json --instance pool-attestation-8 --out att.json --as-of-any-day".split(" "),
      ...["--registry", deployment.registry, "--chain-id", deployment.chainId, "--policy", policy],
    );
    expect(prove.code, prove.stderr).toBe(0);
    const early = await asOriginator("submit", "att.json", ...net);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("pool 42 is not registered");

    const proposed = await asOriginator("onboard", "propose-key", "k.json", ...net);
    expect(proposed.code, proposed.stderr).toBe(0);
    const { keyHash, originator } = JSON.parse(proposed.stdout) as { keyHash: string; originator: string };
    expect(originator).toBe(ORIGINATOR_ADDRESS);
    // the attestation names the same key hash the registry computed on-chain
    expect(JSON.parse(readFileSync(join(dir, "att.json"), "utf8")).keyHash).toBe(keyHash);
    const noPool = await asOriginator("onboard", "register-pool", "42", ...net);
    expect(noPool.code).toBe(1);
    expect(noPool.stderr).toContain(`Registry__NotOriginator(${ORIGINATOR_ADDRESS})`);
    const wrongOne = await asGov(
      "onboard",
      "approve-key",
      "--originator",
      GOVERNANCE_ADDRESS,
      "--key-hash",
      keyHash,
      ...net,
    );
    expect(wrongOne.code).toBe(1);
    expect(wrongOne.stderr).toContain("Registry__NoProposal");
    const approved = await asGov(
      "onboard",
      "approve-key",
      "--originator",
      originator,
      "--key-hash",
      keyHash,
      ...net,
    );
    expect(approved.code, approved.stderr).toBe(0);
    expect((await asOriginator("onboard", "register-pool", "42", ...net)).code).toBe(0);

    const sub = await asOriginator("submit", "att.json", ...net);
    expect(sub.code, sub.stderr).toBe(0);
    const gas = (JSON.parse(sub.stdout) as { gas: string[] }).gas.map(Number);
    expect(gas).toHaveLength(1);
    expect(gas[0]).toBeLessThanOrEqual(300_000);
    const replay = await asOriginator("submit", "att.json", ...net);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain("pool 42 is already attested up to period");
  });
});
