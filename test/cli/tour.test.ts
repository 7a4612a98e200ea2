/**
 * The README's command-line tour is `examples/tour.sh`: this file runs the script end to end against a
 * `hardhat node` with a temporary work folder, checks its exit code, its key lines and the files it leaves,
 * and checks that the README shows the script's tour part verbatim (so neither drifts from the other).
 * Skipped with a warning when pool-attestation-8 is not built.
 *
 * One claim per test. The README and the script are read by the tests that are about them. Each test gets
 * the rest from `it`'s context, once per file (the tests only read them): the script run to its end against
 * a hardhat node in a work folder of its own (`toured`: its output and the folder, which the tests read
 * files from), and the script run against a network that does not answer (`dead`).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { freePort, startHardhatNode } from "../support/net.ts";
import type { CliRun } from "../support/cli.ts";

const BUILT = readManifest().instances["pool-attestation-8"] !== undefined;
if (!BUILT) console.warn("pool-attestation-8 is not built: skipping the tour script");

const SCRIPT = join(REPO_ROOT, "examples", "tour.sh");

/** Runs the tour script with a work folder and network; `node` on PATH is this Node 22. */
function tour(env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
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

/** The tour's run and its work folder. */
interface Toured {
  r: CliRun;
  work: string;
  /** A JSON file the tour left in its work folder. */
  json<T>(name: string): T;
}

interface Deployment {
  chainId: string;
  registry: string;
}
interface AttestationFile {
  chainId: string;
  registry: string;
  instance: string;
  root: string;
}

/** The loans the tour sampled, in sample order. */
const sampledBy = (t: Toured): number[] =>
  readFileSync(join(t.work, "sample.txt"), "utf8").trim().split("\n").map(Number);

const it = test.extend<{
  /** examples/tour.sh run against a hardhat node with a work folder of its own. */
  toured: Toured;
  /** examples/tour.sh run against a port nothing listens on. */
  dead: CliRun;
}>({
  toured: [
    async ({}, use) => {
      const work = mkdtempSync(join(tmpdir(), "rwa-tour-"));
      const { node, url } = await startHardhatNode();
      try {
        const r = await tour({ RWA_ATTEST_WORK_DIR: work, RWA_TOUR_NETWORK: url });
        await use({ r, work, json: (name) => JSON.parse(readFileSync(join(work, name), "utf8")) });
      } finally {
        node.kill("SIGKILL");
        rmSync(work, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  dead: [
    async ({}, use) => {
      const dead = mkdtempSync(join(tmpdir(), "rwa-tour-dead-"));
      try {
        await use(
          await tour({ RWA_ATTEST_WORK_DIR: dead, RWA_TOUR_NETWORK: `http://127.0.0.1:${await freePort()}` }),
        );
      } finally {
        rmSync(dead, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
});

describe("the README tour is examples/tour.sh", () => {
  it("the script's tour part deploys with a policy", () => {
    expect(tourPart()).toContain("rwa deploy --policy");
  });

  it("the README names the script", () => {
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain("examples/tour.sh");
  });

  it("the README shows the script's tour part verbatim", () => {
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain("```sh\n" + tourPart() + "```\n");
  });

  it("its default work folder is the project's rwa-work/", () => {
    expect(readFileSync(SCRIPT, "utf8")).toContain('W="${RWA_ATTEST_WORK_DIR:-$ROOT/rwa-work}"');
  });

  it("git ignores the default work folder", () => {
    const ignored = spawnSync("git", ["check-ignore", "-q", "--no-index", "rwa-work/originator.json"], {
      cwd: REPO_ROOT,
    });
    expect(ignored.status).toBe(0);
  });
});

describe.skipIf(!BUILT)("examples/tour.sh against a hardhat node", () => {
  describe("run end to end: deploy, onboard, prove, submit, sample then open, analyse", () => {
    it("exits 0", ({ toured: { r } }) => {
      expect(r.code, r.stderr).toBe(0);
    });

    it("deploys on chain 31337 and says which registry", ({ toured }) => {
      const deployment = toured.json<Deployment>("deployment.json");
      expect(String(deployment.chainId)).toBe("31337");
      expect(toured.r.stdout).toContain(`chain 31337, registry ${deployment.registry}`);
    });

    it("registers pool 1", ({ toured: { r } }) => {
      expect(r.stdout).toContain("registered pool(s) 1");
    });

    it("validates a 32-loan tape of pool 1", ({ toured: { r } }) => {
      expect(r.stdout).toMatch(/valid tape: 32 loans, pool 1, period \d{6}/);
    });

    it("submits 4 committed chunk proofs and the aggregation", ({ toured: { r } }) => {
      expect(r.stdout).toContain("submitted 4 committed chunk proofs and the aggregation");
    });

    it("binds the attestation to the deployment's chain and registry", ({ toured }) => {
      const deployment = toured.json<Deployment>("deployment.json");
      const att = toured.json<AttestationFile>("attestation.json");
      expect(String(att.chainId)).toBe("31337");
      expect(att.registry.toLowerCase()).toBe(deployment.registry.toLowerCase());
    });

    it("attests the 4 chunks on the committed path (issue 14)", ({ toured }) => {
      expect(toured.json<AttestationFile>("attestation.json").instance).toBe("pool-chunk-commitment-8");
    });

    it("samples 5 loans", ({ toured }) => {
      expect(sampledBy(toured)).toHaveLength(5);
    });

    it("opens loans under the attestation's root", ({ toured }) => {
      const openings = toured.json<{ root: string }>("openings.json");
      expect(openings.root).toBe(toured.json<AttestationFile>("attestation.json").root);
    });

    it("opens exactly the sampled loans, in sample order (sampled first, then opened)", ({ toured }) => {
      const openings = toured.json<{ openings: { index: number }[] }>("openings.json");
      expect(openings.openings.map((o) => Number(o.index))).toEqual(sampledBy(toured));
    });

    it("checks the openings against the root", ({ toured: { r } }) => {
      expect(r.stdout).toContain("all 5 openings match the root");
    });

    it("checks the sample: every opening checks out", ({ toured }) => {
      expect(toured.r.stdout).toContain(
        `sample of 5 of 32 loans [${sampledBy(toured).join(", ")}]: every opening checks out`,
      );
    });

    it("analyses the tranches (the junior one from 0% to 10%)", ({ toured: { r } }) => {
      expect(r.stdout).toMatch(/^junior +0\.00% +10\.00% /m);
    });

    it("says where its files are", ({ toured: { r, work } }) => {
      expect(r.stdout).toContain(`tour done: files in ${work}`);
    });

    // secrets only in the work folder, mode 0600
    it.for(["originator.json", "tape.seed.json"])("leaves %s readable by its owner only", (f, { toured }) => {
      expect(statSync(join(toured.work, f)).mode & 0o777, f).toBe(0o600);
    });
  });

  describe("against a network that does not answer", () => {
    it("refuses it before sending anything (exit 2)", ({ dead }) => {
      expect(dead.code).toBe(2);
    });

    it("says it cannot reach the network and how to start one", ({ dead }) => {
      expect(dead.stderr).toContain("cannot reach http://127.0.0.1:");
      expect(dead.stderr).toContain("npx hardhat node");
    });
  });
});
