/**
 * The README's command-line tour is `examples/tour.sh`: this file runs the script end to end against a
 * `hardhat node` with a temporary work folder, checks its exit code, its key lines and the files it leaves,
 * and checks that the README shows the script's tour part verbatim (so neither drifts from the other).
 * Skipped with a warning when pool-attestation-8 is not built.
 */
import { execFile, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { freePort, startHardhatNode } from "../support/net.ts";

const BUILT = readManifest().instances["pool-attestation-8"] !== undefined;
if (!BUILT) console.warn("pool-attestation-8 is not built: skipping the tour script");

const SCRIPT = join(REPO_ROOT, "examples", "tour.sh");
const work = mkdtempSync(join(tmpdir(), "rwa-tour-"));
let node: ChildProcess | undefined;
let url = "";

/** Runs the tour script with a work folder and network; `node` on PATH is this Node 22. */
function tour(env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bash",
      [SCRIPT],
      {
        cwd: tmpdir(), // the script finds the project itself
        encoding: "utf8",
        timeout: 280_000,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, ...env },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** The script's lines between `# tour:begin` and `# tour:end`. */
function tourPart(): string {
  const text = readFileSync(SCRIPT, "utf8");
  const m = /\n# tour:begin\n([\s\S]*?)# tour:end\n/.exec(text);
  if (!m) throw new Error("examples/tour.sh has no tour:begin/tour:end part");
  return m[1]!;
}

afterAll(() => {
  node?.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

describe("the README tour is examples/tour.sh", () => {
  it("the README shows the script's tour part verbatim and names the script", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const part = tourPart();
    expect(part).toContain("rwa deploy --policy");
    expect(readme).toContain("examples/tour.sh");
    expect(readme).toContain("```sh\n" + part + "```\n");
  });

  it("its default work folder is the project's rwa-work/, which git ignores", () => {
    expect(readFileSync(SCRIPT, "utf8")).toContain('W="${RWA_ATTEST_WORK_DIR:-$ROOT/rwa-work}"');
    const ignored = spawnSync("git", ["check-ignore", "-q", "--no-index", "rwa-work/originator.json"], {
      cwd: REPO_ROOT,
    });
    expect(ignored.status).toBe(0);
  });
});

describe.skipIf(!BUILT)("examples/tour.sh against a hardhat node", () => {
  beforeAll(async () => {
    ({ node, url } = await startHardhatNode());
  });

  it("runs end to end: deploy, onboard, prove, submit, sample then open, analyse", async () => {
    const r = await tour({ RWA_ATTEST_WORK_DIR: work, RWA_TOUR_NETWORK: url });
    expect(r.code, r.stderr).toBe(0);

    const deployment = JSON.parse(readFileSync(join(work, "deployment.json"), "utf8")) as {
      chainId: string;
      registry: string;
    };
    expect(String(deployment.chainId)).toBe("31337");
    expect(r.stdout).toContain(`chain 31337, registry ${deployment.registry}`);
    expect(r.stdout).toContain("registered pool(s) 1");
    expect(r.stdout).toMatch(/valid tape: 32 loans, pool 1, period \d{6}/);
    expect(r.stdout).toContain("submitted 4 committed chunk proofs and the aggregation");
    // the attestation is bound to the deployment's chain and registry
    const att = JSON.parse(readFileSync(join(work, "attestation.json"), "utf8")) as {
      chainId: string;
      registry: string;
      instance: string;
      root: string;
    };
    expect(String(att.chainId)).toBe("31337");
    expect(att.registry.toLowerCase()).toBe(deployment.registry.toLowerCase());
    expect(att.instance).toBe("pool-chunk-commitment-8"); // 4 chunks: committed (issue 14)

    // sampled first, then exactly the sampled loans opened, in sample order
    const sampled = readFileSync(join(work, "sample.txt"), "utf8").trim().split("\n").map(Number);
    expect(sampled).toHaveLength(5);
    const openings = JSON.parse(readFileSync(join(work, "openings.json"), "utf8")) as {
      root: string;
      openings: { index: number }[];
    };
    expect(openings.root).toBe(att.root);
    expect(openings.openings.map((o) => Number(o.index))).toEqual(sampled);
    expect(r.stdout).toContain("all 5 openings match the root");
    expect(r.stdout).toContain(`sample of 5 of 32 loans [${sampled.join(", ")}]: every opening checks out`);
    expect(r.stdout).toMatch(/^junior +0\.00% +10\.00% /m);
    expect(r.stdout).toContain(`tour done: files in ${work}`);

    // secrets only in the work folder, mode 0600
    for (const f of ["originator.json", "tape.seed.json"])
      expect(statSync(join(work, f)).mode & 0o777, f).toBe(0o600);
  });

  it("refuses a network that does not answer, before sending anything", async () => {
    const dead = mkdtempSync(join(tmpdir(), "rwa-tour-dead-"));
    try {
      const r = await tour({
        RWA_ATTEST_WORK_DIR: dead,
        RWA_TOUR_NETWORK: `http://127.0.0.1:${await freePort()}`,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("cannot reach http://127.0.0.1:");
      expect(r.stderr).toContain("npx hardhat node");
    } finally {
      rmSync(dead, { recursive: true, force: true });
    }
  });
});
