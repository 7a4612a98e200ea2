/**
 * The command-line tour on a real JSON-RPC network: a `hardhat node` process, then the README's steps as an
 * originator and governance would run them against it: deploy, propose and approve the originator key,
 * register the pool, prove, submit. Refusals come back as the registry's named custom errors. Skipped with a
 * warning when pool-attestation-8 is not built.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them). The tour's steps are fixtures that build on each other in the README's order, each refusal
 * made at the step where it is about: the node and a working directory (`net`), the deployment
 * (`deployed`), the key, tape and attestation (`proven`), a submission before onboarding (`early`), the key
 * proposed (`proposed`), a pool registered and a key approved before their time (`premature`), the key
 * approved and the pool registered (`onboarded`), the submission (`submitted`) and its replay (`replayed`).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { startHardhatNode } from "../support/net.ts";
import { writeTestPolicy } from "../support/policy.ts";
import { runCli, type CliRun } from "../support/cli.ts";

const BUILT = readManifest().instances["pool-attestation-8"] !== undefined;
if (!BUILT) console.warn("pool-attestation-8 is not built: skipping the CLI network tour");

// Hardhat's well-known development accounts 0 (governance, deployer) and 1 (originator).
const GOVERNANCE = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ORIGINATOR = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const GOVERNANCE_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ORIGINATOR_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A hardhat node and a working directory, with the executable run there as nobody, governance or the originator. */
interface Net {
  dir: string;
  url: string;
  cli(env: Record<string, string>, ...args: string[]): Promise<CliRun>;
  asGov(...args: string[]): Promise<CliRun>;
  asOriginator(...args: string[]): Promise<CliRun>;
}

interface Deployed {
  dep: CliRun;
  deployment: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  policy: string;
  /** The arguments that point a command at the deployment. */
  net: string[];
}

const it = test.extend<{
  net: Net;
  /** Governance's `deploy --with-scores` with the test policy (8 loans is below the default minimum). */
  deployed: Deployed;
  /** A key generated, an 8-loan tape of pool 42 as of today, and its attestation for the registry. */
  proven: { keys: CliRun; tape: CliRun; prove: CliRun };
  /** The attestation submitted before the originator is onboarded. */
  early: CliRun;
  /** The originator's key proposed (after `early`): the run, and the key hash and originator it names. */
  proposed: { r: CliRun; keyHash: string; originator: string };
  /** Before approval: the originator registering pool 42, and governance approving a key nobody proposed. */
  premature: { noPool: CliRun; wrongOne: CliRun };
  /** After `premature`: governance approving the proposed key, and the originator registering pool 42. */
  onboarded: { approved: CliRun; registered: CliRun };
  /** The attestation submitted after onboarding. */
  submitted: CliRun;
  /** The same attestation submitted again. */
  replayed: CliRun;
}>({
  net: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-cli-net-"));
      const { node, url } = await startHardhatNode();
      try {
        const cli = (env: Record<string, string>, ...args: string[]) => runCli(dir, args, 180_000, env);
        await use({
          dir,
          url,
          cli,
          asGov: (...a) => cli({ DEPLOYER_KEY: GOVERNANCE }, ...a),
          asOriginator: (...a) => cli({ ORIGINATOR_KEY: ORIGINATOR }, ...a),
        });
      } finally {
        node.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  deployed: [
    async ({ net }, use) => {
      const policy = writeTestPolicy(net.dir);
      const dep = await net.asGov(
        ..."deploy --with-scores --audit-seeds-delay 3 --out deployment.json --json --network".split(" "),
        net.url,
        ...["--policy", policy],
      );
      const deployment =
        dep.code === 0 ? JSON.parse(readFileSync(join(net.dir, "deployment.json"), "utf8")) : {};
      await use({
        dep,
        deployment,
        policy,
        net: ["--deployment", "deployment.json", "--network", net.url, "--json"],
      });
    },
    { scope: "file" },
  ],
  proven: [
    async ({ net, deployed: { deployment, policy } }, use) => {
      const keys = await net.cli({}, "keys", "generate", "--out", "k.json");
      const today = new Date().toISOString().slice(0, 10);
      const tape = await net.cli(
        {},
        ...["tape", "generate", "--out", "t.json", "--loans", "8", "--pool-id", "42", "--as-of", today],
      );
      const prove = await net.cli(
        {},
        ..."prove t.json --key k.json --instance pool-attestation-8 --out att.json --as-of-any-day".split(
          " ",
        ),
        ...["--registry", deployment.registry, "--chain-id", deployment.chainId, "--policy", policy],
      );
      await use({ keys, tape, prove });
    },
    { scope: "file" },
  ],
  early: [
    async ({ net, deployed, proven }, use) => {
      void proven;
      await use(await net.asOriginator("submit", "att.json", ...deployed.net));
    },
    { scope: "file" },
  ],
  proposed: [
    async ({ net, deployed, early }, use) => {
      void early;
      const r = await net.asOriginator("onboard", "propose-key", "k.json", ...deployed.net);
      const { keyHash = "", originator = "" } = r.code === 0 ? JSON.parse(r.stdout) : {};
      await use({ r, keyHash, originator });
    },
    { scope: "file" },
  ],
  premature: [
    async ({ net, deployed, proposed }, use) => {
      const noPool = await net.asOriginator("onboard", "register-pool", "42", ...deployed.net);
      const wrongOne = await net.asGov(
        ...["onboard", "approve-key", "--originator", GOVERNANCE_ADDRESS, "--key-hash", proposed.keyHash],
        ...deployed.net,
      );
      await use({ noPool, wrongOne });
    },
    { scope: "file" },
  ],
  onboarded: [
    async ({ net, deployed, proposed, premature }, use) => {
      void premature;
      const approved = await net.asGov(
        ...["onboard", "approve-key", "--originator", proposed.originator, "--key-hash", proposed.keyHash],
        ...deployed.net,
      );
      const registered = await net.asOriginator("onboard", "register-pool", "42", ...deployed.net);
      await use({ approved, registered });
    },
    { scope: "file" },
  ],
  submitted: [
    async ({ net, deployed, onboarded }, use) => {
      void onboarded;
      await use(await net.asOriginator("submit", "att.json", ...deployed.net));
    },
    { scope: "file" },
  ],
  replayed: [
    async ({ net, deployed, submitted }, use) => {
      void submitted;
      await use(await net.asOriginator("submit", "att.json", ...deployed.net));
    },
    { scope: "file" },
  ],
});

describe.skipIf(!BUILT)("rwa-attest on a JSON-RPC network (hardhat node)", () => {
  describe("deploy", () => {
    it("deploys the registry", ({ deployed: { dep } }) => {
      expect(dep.code, dep.stderr).toBe(0);
    });

    it("writes the pool-attestation-8 verifier's address", ({ deployed: { deployment } }) => {
      expect(deployment.verifiers["pool-attestation-8"]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it("writes the score-backing-8 verifier's address (--with-scores)", ({ deployed: { deployment } }) => {
      expect(deployment.scores.verifiers["score-backing-8"]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it("writes the audit seeds contract's address", ({ deployed: { deployment } }) => {
      expect(deployment.auditSeeds).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it("refuses an audit seeds delay of 0 as a usage error naming the option", async ({ net }) => {
      const badDelay = await net.asGov("deploy", "--audit-seeds-delay", "0", "--network", net.url);
      expect(badDelay.code).toBe(2);
      expect(badDelay.stderr).toContain("--audit-seeds-delay");
    });
  });

  describe("the originator's attestation", () => {
    it("generates a key", ({ proven }) => {
      expect(proven.keys.code).toBe(0);
    });

    it("generates a tape", ({ proven }) => {
      expect(proven.tape.code).toBe(0);
    });

    it("proves the tape for the deployed registry", ({ proven: { prove } }) => {
      expect(prove.code, prove.stderr).toBe(0);
    });

    it("is refused before onboarding: the pool is not registered", ({ early }) => {
      expect(early.code).toBe(1);
      expect(early.stderr).toContain("pool 42 is not registered");
    });
  });

  describe("onboarding", () => {
    it("the originator proposes its key", ({ proposed: { r } }) => {
      expect(r.code, r.stderr).toBe(0);
    });

    it("the proposal is the originator account's", ({ proposed }) => {
      expect(proposed.originator).toBe(ORIGINATOR_ADDRESS);
    });

    it("the attestation names the same key hash the registry computed on-chain", ({ net, proposed }) => {
      expect(JSON.parse(readFileSync(join(net.dir, "att.json"), "utf8")).keyHash).toBe(proposed.keyHash);
    });

    it("refuses a pool registered before the key is approved: Registry__NotOriginator", ({ premature }) => {
      expect(premature.noPool.code).toBe(1);
      expect(premature.noPool.stderr).toContain(`Registry__NotOriginator(${ORIGINATOR_ADDRESS})`);
    });

    it("refuses approving a key for an address that proposed none: Registry__NoProposal", ({ premature }) => {
      expect(premature.wrongOne.code).toBe(1);
      expect(premature.wrongOne.stderr).toContain("Registry__NoProposal");
    });

    it("governance approves the proposed key", ({ onboarded: { approved } }) => {
      expect(approved.code, approved.stderr).toBe(0);
    });

    it("the approved originator registers its pool", ({ onboarded: { registered } }) => {
      expect(registered.code).toBe(0);
    });
  });

  describe("submit", () => {
    it("submits the attestation", ({ submitted }) => {
      expect(submitted.code, submitted.stderr).toBe(0);
    });

    it("in one transaction of at most 300,000 gas", ({ submitted }) => {
      const gas = (JSON.parse(submitted.stdout) as { gas: string[] }).gas.map(Number);
      expect(gas).toHaveLength(1);
      expect(gas[0]).toBeLessThanOrEqual(300_000);
    });

    it("refuses the same attestation again", ({ replayed }) => {
      expect(replayed.code).toBe(1);
      expect(replayed.stderr).toContain("pool 42 is already attested up to period");
    });
  });
});
