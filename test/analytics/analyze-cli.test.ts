/**
 * Issue 21, item 4: `rwa-attest analyze` prints sizing and stress in text mode, says what ± means, and analyses
 * a deployed vault's own tranche structure when given its deployment file (read from a real `hardhat node`
 * over JSON-RPC: the vault's ledgers after deposits of 750k / 100k / 150k).
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { tranchesFromVaultLedgers } from "../../analytics/index.ts";
import { deploySystem } from "../../deploy/index.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { startHardhatNode } from "../support/net.ts";

const dir = mkdtempSync(join(tmpdir(), "rwa-analyze-"));
const BIN = join(REPO_ROOT, "cli", "bin.js");
// Hardhat's well-known development account 0
const DEPLOYER = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, encoding: "utf8", timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let node: ChildProcess | undefined;
let provider: JsonRpcProvider | undefined;
afterAll(() => {
  provider?.destroy();
  node?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const input = {
  groups: [{ count: 300, exposure: "30000000000", pd: 0.04, lgd: 0.6 }],
  rho: 0.15,
  tranches: [
    { name: "junior", attachment: 0, detachment: 0.1 },
    { name: "mezzanine", attachment: 0.1, detachment: 0.2 },
    { name: "senior", attachment: 0.2, detachment: 1 },
  ],
  simulation: { scenarios: 4000, seed: 3 },
  sensitivities: false,
};
writeFileSync(join(dir, "in.json"), JSON.stringify(input));

describe("rwa-attest analyze", () => {
  it("prints the tranches with what ± means, the sizing and the stress table in text mode", async () => {
    const r = await cli("analyze", "--input", "in.json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /± is the half-width of the 95% confidence interval of the Monte Carlo estimate/,
    );
    expect(r.stdout).toMatch(/^junior +0\.00% +10\.00% +\d+\.\d{4}% ± \d+\.\d{4}%/m);
    expect(r.stdout).toMatch(/sizing \(upper end of the confidence interval held under the target\)/);
    expect(r.stdout).toMatch(/senior +\d+\.\d\d% of the pool above \d+\.\d\d% subordination/);
    expect(r.stdout).toContain("| historical-style (2008-09 consumer credit) |");
    expect(r.stdout).toContain("tranches from the input in.json");
    const j = await cli("analyze", "--input", "in.json", "--json");
    const rep = JSON.parse(j.stdout) as { sizing: { seniorTargetEL: number }; stress: unknown[] };
    expect(rep.sizing.seniorTargetEL).toBe(0.0005);
    expect(rep.stress).toHaveLength(5);
  });

  it("analyses the deployed vault's own structure; refuses a deployment without a network", async () => {
    const started = await startHardhatNode();
    node = started.node;
    provider = new JsonRpcProvider(started.url, undefined, { staticNetwork: true, pollingInterval: 50 });
    const signer = new NonceManager(new Wallet(DEPLOYER, provider));
    const d = await deploySystem(signer, { verifiers: [] });
    writeFileSync(join(dir, "deployment.json"), JSON.stringify(d));
    const { loadArtifact } = await import("../../deploy/index.ts");
    const token = new Contract(d.asset, loadArtifact("TestStablecoin").abi, signer);
    const vault = new Contract(d.vault, loadArtifact("TrancheVault").abi, signer);
    const me = await signer.getAddress();
    await (await token.getFunction("mint")(me, 10n ** 15n)).wait();
    await (await token.getFunction("approve")(d.vault, 10n ** 15n)).wait();
    for (const [t, usd] of [
      [2, 150_000n],
      [1, 100_000n],
      [0, 750_000n],
    ] as const) {
      await (await vault.getFunction("requestDeposit")(t, usd * 1_000_000n)).wait();
    }
    await (await vault.getFunction("closeEpoch")()).wait();

    const r = await cli(
      "analyze",
      "--input",
      "in.json",
      "--deployment",
      "deployment.json",
      "--network",
      started.url,
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as {
      tranches: { name: string; attachment: number; detachment: number }[];
      trancheSource: string;
    };
    expect(rep.tranches.map((t) => [t.name, t.attachment, t.detachment])).toEqual([
      ["junior", 0, 0.15],
      ["mezzanine", 0.15, 0.25],
      ["senior", 0.25, 1],
    ]);
    expect(rep.trancheSource).toContain(d.vault);
    const text = await cli(
      "analyze",
      "--input",
      "in.json",
      "--deployment",
      "deployment.json",
      "--network",
      started.url,
    );
    expect(text.stdout).toMatch(/^mezzanine +15\.00% +25\.00%/m);
    // the projection runs on the vault's own parameters (its config(): coupons 1% / 2%) and realised claims
    const pj = await cli(
      "analyze",
      "--input",
      "in.json",
      "--deployment",
      "deployment.json",
      "--network",
      started.url,
      "--project",
      "--rate",
      "0.12",
      "--term",
      "24",
      "--json",
    );
    expect(pj.code, pj.stderr).toBe(0);
    const proj = (
      JSON.parse(pj.stdout) as {
        projection: {
          funded: string;
          params: Record<string, string>;
          periods: { repayIncome: string }[];
          tranches: { initial: string; periods: { credited: string }[] }[];
        };
      }
    ).projection;
    expect(proj.tranches.map((t) => t.initial)).toEqual(["750000000000", "100000000000", "150000000000"]);
    // the vault funds the whole 30,000 pool; senior's first coupon is 1% of 750,000 (DEFAULT_VAULT_CONFIG, read
    // from the chain), capped at the month's income
    expect(proj.funded).toBe("30000000000");
    const income = BigInt(proj.periods[0]!.repayIncome);
    expect(income).toBeLessThan(7_500_000_000n);
    expect(proj.tranches[0]!.periods[0]!.credited).toBe(String(income));
    expect([
      proj.params.seniorCouponBps,
      proj.params.mezzanineCouponBps,
      proj.params.minSubordinationBps,
    ]).toEqual(["100", "200", "2000"]);
    const noNet = await cli("analyze", "--input", "in.json", "--deployment", "deployment.json");
    expect(noNet.code).toBe(2);
    expect(noNet.stderr).toContain("--network: a JSON-RPC URL is needed");
  });

  it("projects monthly cash flows through the vault's rules in text mode, amounts with two decimals", async () => {
    const r = await cli(
      "analyze",
      "--input",
      "in.json",
      "--project",
      "--rate",
      "0.12",
      "--term",
      "36",
      "--cpr",
      "0.1",
      "--lag",
      "3",
      "--months",
      "3",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "projection (level-pay, 12.00% a year, 36 months; CPR 10.00%, CDR 4.00%, severity 60.0%",
    );
    expect(r.stdout).toMatch(/^\| senior \| 240,000,000\.00 \| [\d,]+\.\d\d \| 240,000,000\.00 \|/m);
    expect(r.stdout).toMatch(/^\| 3 \| [\d,]+\.\d\d \|/m);
    expect(r.stdout).not.toMatch(/^\| 4 \|/m);
    const noRate = await cli("analyze", "--input", "in.json", "--project", "--term", "36");
    expect(noRate.code).toBe(2);
    expect(noRate.stderr).toContain("--rate");
  });

  it("turns ledgers into tranches junior first, leaving out empty tranches and PDLs", () => {
    expect(tranchesFromVaultLedgers([800n, 0n, 200n], [0n, 0n, 100n])).toEqual([
      { name: "junior", attachment: 0, detachment: 100 / 900 },
      { name: "senior", attachment: 100 / 900, detachment: 1 },
    ]);
    expect(() => tranchesFromVaultLedgers([0n, 0n, 0n], [0n, 0n, 0n])).toThrow(/no capital/);
  });
});
