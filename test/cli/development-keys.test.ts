/**
 * Development keys never reach a real chain (issue 12, item 5): on an anvil node whose chain id is not a local
 * development chain (999), `deploySystem` (deploy/) and `rwa-attest deploy` refuse the verifiers of
 * development keys, naming the instance and how to import a ceremony key, and deploy nothing; with the
 * explicit option they deploy with a warning. `rwa-attest submit` refuses proofs of development keys the same
 * way. Skipped with a warning when pool-attestation-8 is not built.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { DevelopmentKeysError, deploySystem } from "../../deploy/index.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { freePort } from "../support/net.ts";
import { writeTestPolicy } from "../support/policy.ts";

const INSTANCE = "pool-attestation-8";
const BUILT = readManifest().instances[INSTANCE]?.development === true;
if (!BUILT)
  console.warn(`${INSTANCE} is not built with development keys: skipping the development-keys test`);

// anvil's well-known development accounts 0 and 1 (funded on any chain id anvil runs).
const DEPLOYER = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const OTHER = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const BIN = join(REPO_ROOT, "cli", "bin.js");
const dir = mkdtempSync(join(tmpdir(), "rwa-devkeys-"));
const nodes: ChildProcess[] = [];
const providers: JsonRpcProvider[] = [];

/** Starts an anvil node with the given chain id (its own process group, ended in afterAll). */
async function anvil(chainId: number): Promise<string> {
  const port = await freePort();
  const bin = join(REPO_ROOT, "node_modules", "@foundry-rs", "anvil", "bin.mjs");
  const node = spawn(process.execPath, [bin, "--port", String(port), "--chain-id", String(chainId)], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  nodes.push(node);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    node.stdout!.on("data", onData);
    node.stderr!.on("data", onData);
    node.once("exit", (code) => reject(new Error(`anvil exited (${code}):\n${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

function cli(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, encoding: "utf8", timeout: 240_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

afterAll(() => {
  for (const p of providers) p.destroy();
  for (const n of nodes) {
    try {
      if (n.pid !== undefined) process.kill(-n.pid, "SIGKILL");
    } catch {
      n.kill("SIGKILL");
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!BUILT)(
  "development keys on a chain that is not a local development chain (anvil, 999)",
  () => {
    it("deploy/ refuses them, naming the instance and `rwa-attest setup import`; the option deploys with a warning", async () => {
      const url = await anvil(999);
      const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
      providers.push(provider);
      const signer = new NonceManager(new Wallet(DEPLOYER, provider));
      const opts = { verifiers: [["PoolAttestation8Verifier", INSTANCE]] as [string, string][] };
      const refused = await deploySystem(signer, opts).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(DevelopmentKeysError);
      const err = refused as DevelopmentKeysError;
      expect([err.instance, err.chainId]).toEqual([INSTANCE, 999n]);
      expect(err.message).toMatch(/pool-attestation-8 to chain 999/);
      expect(err.message).toContain("rwa-attest setup import --instance pool-attestation-8");
      expect(err.message).toContain("--allow-development-keys-on-real-chain");
      // refused before any transaction
      expect(await provider.getTransactionCount(new Wallet(DEPLOYER).address)).toBe(0);
      const warnings: string[] = [];
      const a = await deploySystem(signer, {
        ...opts,
        keys: { allowDevelopmentKeysOnRealChain: true, warn: (m) => warnings.push(m) },
      });
      expect(a.chainId).toBe("999");
      expect(a.verifiers[INSTANCE]).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("DEVELOPMENT KEYS");
    }, 240_000);

    it("`rwa-attest deploy` and `submit` refuse them with exit 1 unless --allow-development-keys-on-real-chain", async () => {
      const url = await anvil(999);
      const refused = await cli({ DEPLOYER_KEY: OTHER }, "deploy", "--network", url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("refusing to deploy the verifier of pool-attestation-8 to chain 999");
      expect(refused.stderr).toContain("rwa-attest setup import");
      const policy = writeTestPolicy(dir); // 8 loans: below the default minimum pool size
      const allowed = await cli(
        { DEPLOYER_KEY: OTHER },
        ..."deploy --allow-development-keys-on-real-chain --out deployment.json --json --network".split(" "),
        url,
        ...["--policy", policy],
      );
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stderr).toContain(
        "WARNING: deploying the verifier of pool-attestation-8 with DEVELOPMENT KEYS",
      );
      const deployment = JSON.parse(readFileSync(join(dir, "deployment.json"), "utf8"));
      expect(deployment.chainId).toBe("999");
      expect((await cli({}, "keys", "generate", "--out", "k.json")).code).toBe(0);
      const today = new Date().toISOString().slice(0, 10);
      const tape = [
        "tape",
        "generate",
        "--out",
        "t.json",
        "--loans",
        "8",
        "--pool-id",
        "42",
        "--as-of",
        today,
      ];
      expect((await cli({}, ...tape)).code).toBe(0);
      const prove = await cli(
        {},
        // dated today, not a month end: --as-of-any-day (the registry refuses stale as-of dates)
        ..."prove t.json --key k.json --instance pool-attestation-8 --out att.json --as-of-any-day".split(
          " ",
        ),
        ...["--registry", deployment.registry, "--chain-id", "999", "--policy", policy],
      );
      expect(prove.code, prove.stderr).toBe(0);
      const submit = await cli(
        { ORIGINATOR_KEY: OTHER },
        ..."submit att.json --deployment deployment.json --network".split(" "),
        url,
      );
      expect(submit.code).toBe(1);
      expect(submit.stderr).toContain("pool-attestation-8 to chain 999");
      expect(submit.stderr).toContain("rwa-attest setup import");
    }, 480_000);
  },
);
