/**
 * The roll-forward from the command line against a `hardhat node` (issue 15): deploy with the roll-forward
 * registry (`deploy --max-adjustment`), onboard, attest period 1 (7 loans: one pool-attestation-8 proof),
 * anchor the pool's chain, put period 2's tape (payments, a prepayment, an adjustment, a new loan; listed in
 * another order) in stable slots with `tape slots`, attest it, prove the roll-forward and submit it. The
 * recorded totals are checked against an independent sum of the two tapes' fields. Refusals, each named: a
 * second anchor, a roll-forward over a tape not in stable slots (before any proof), a roll-forward proven with
 * another salt seed than the attestations' (its roots are not the chain's: refused by the registry, its error
 * printed by name), and `tape slots` over a tape that dropped an active loan (the loan named).
 * Skipped with a warning when the circuits are not built.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only read
 * them). The scenario's stages are fixtures that build on each other in the scenario's order, each refusal
 * made at the stage it ran at: the node and a working directory with the tapes (`net`), the deployment
 * (`deployed`), the originator onboarded (`onboarded`), period 1 proven and submitted (`attested1`), the
 * chain anchored (`anchored`) and anchored again (`reanchored`), period 2 in slots (`slotted`), proven and
 * submitted (`attested2`), a roll-forward over the unslotted tape (`unslotted`), the twin proven with another
 * seed (`otherSeed`) and submitted (`otherSubmitted`), the roll-forward proven (`rolledForward`) and
 * submitted (`recorded`), and `tape slots` over the tape that dropped a loan (`dropped`). Each of the four
 * proofs (two attestations, two roll-forwards) is made once, in its stage.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  formatTapeJson,
  type LoanRecord,
  type LoanTape,
} from "../../prover/index.ts";
import { runCli, type CliRun } from "../support/cli.ts";
import { startHardhatNode } from "../support/net.ts";
import { writeTestPolicy } from "../support/policy.ts";

const NEEDED = ["pool-attestation-8", "rollforward-commitment-8", "rollforward-aggregation-4"];
const BUILT = NEEDED.every((n) => readManifest().instances[n] !== undefined);
if (!BUILT) console.warn(`${NEEDED.join(", ")} not all built: skipping the roll-forward command line`);

// Hardhat's well-known development accounts 0 (governance, deployer) and 1 (originator).
const GOVERNANCE = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ORIGINATOR = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const MAX_ADJ = 50_000n;

// ---- the two periods' tapes ----------------------------------------------------------------------------------
const today = Math.floor(Date.now() / 86_400_000);
const AS_OF_1 = today - 35; // both within the registry's 45 days, period 2 a month after period 1
const AS_OF_2 = today - 5;
const yyyymm = (days: number) => {
  const d = new Date(days * 86_400_000);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};
const PERIOD_1 = yyyymm(AS_OF_1);
const PERIOD_2 = PERIOD_1 % 100 === 12 ? PERIOD_1 + 89 : PERIOD_1 + 1; // the next month

function loan(i: number, balance: bigint, asOf: number): LoanRecord {
  return {
    loanId: `L${i}`,
    borrowerRef: `B${i}`,
    originationDate: asOf - 200 - 10 * i,
    maturityDate: asOf + 1_000,
    originalPrincipal: balance + 100_000n,
    outstandingBalance: balance,
    interestRateBps: 1_200,
    scheduledPayment: 40_000n,
    collectedAmount: 40_000n,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: 720,
    scoreProviderId: 1,
    scoreDate: asOf - 3,
    collateralValue: 0n,
  };
}

const tape1: LoanTape = {
  poolId: 1n,
  period: PERIOD_1,
  asOfDate: AS_OF_1,
  currency: "USD",
  decimals: 2,
  loans: [1, 2, 3, 4, 5, 6, 7].map((i) => loan(i, BigInt(500_000 + 37_123 * i), AS_OF_1)),
};

/** Period 2: every loan pays 5% of its balance in principal and 1% in interest; L3 prepays; L5 corrected. */
function rolled(p: LoanRecord): LoanRecord {
  const b = p.outstandingBalance;
  const base = { ...p, scoreDate: AS_OF_2 - 3 };
  if (p.loanId === "L3")
    return {
      ...base,
      outstandingBalance: 0n,
      status: LoanStatus.Repaid,
      scheduledPayment: 0n,
      collectedAmount: b + 500n,
      principalCollected: b,
      interestCollected: 500n,
      exitCode: ExitCode.PrepaidOrMatured,
      exitDate: AS_OF_2 - 10,
    };
  const pc = b / 20n;
  const ic = b / 100n;
  const adj = p.loanId === "L5" ? -1_500n : 0n;
  return {
    ...base,
    outstandingBalance: b - pc + adj,
    collectedAmount: pc + ic + 250n, // fees make the rest
    principalCollected: pc,
    interestCollected: ic,
    ...(adj !== 0n ? { principalAdjustment: adj, adjustmentReason: AdjustmentReason.Correction } : {}),
  };
}
const newLoan: LoanRecord = {
  ...loan(9, 300_000n, AS_OF_2),
  loanId: "N1",
  originationDate: AS_OF_2 - 12,
  originalPrincipal: 320_000n,
  collectedAmount: 20_000n + 900n,
  principalCollected: 20_000n,
  interestCollected: 900n,
};
// listed in another order than period 1's: `tape slots` puts every loan back in its slot
const tape2: LoanTape = {
  ...tape1,
  period: PERIOD_2,
  asOfDate: AS_OF_2,
  loans: [newLoan, ...tape1.loans.map(rolled).reverse()],
};

/** The period's totals summed from the tapes' fields, loan by loan (every loan of period 1 is active). */
function expectedTotals(): Record<string, bigint> {
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const active = (l: LoanRecord) => l.status !== LoanStatus.Repaid && l.status !== LoanStatus.ChargedOff;
  const adj = tape2.loans.map((l) => l.principalAdjustment ?? 0n);
  return {
    opening: sum(tape1.loans.map((l) => l.outstandingBalance)),
    principalCollected: sum(tape2.loans.map((l) => l.principalCollected ?? 0n)),
    interestCollected: sum(tape2.loans.map((l) => l.interestCollected ?? 0n)),
    recoveries: 0n,
    chargedOff: 0n,
    adjustmentsUp: sum(adj.filter((a) => a > 0n)),
    adjustmentsDown: -sum(adj.filter((a) => a < 0n)),
    originations: newLoan.outstandingBalance + newLoan.principalCollected!,
    removedAtExit: 0n,
    closing: sum(tape2.loans.filter(active).map((l) => l.outstandingBalance)),
  };
}

/** The totals a roll-forward records, as bigints. */
type Totals = Record<string, bigint>;
const bigints = (o: Record<string, string>): Totals =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, BigInt(v)]));

/** A hardhat node and a working directory holding the tapes, with the executable run there. */
interface Net {
  dir: string;
  url: string;
  cli(env: Record<string, string>, ...args: string[]): Promise<CliRun>;
  asGov(...args: string[]): Promise<CliRun>;
  asOriginator(...args: string[]): Promise<CliRun>;
  /** A file of the working directory. */
  path(name: string): string;
  json<T>(name: string): T;
}

interface Deployed {
  dep: CliRun;
  deployment: { rollForward: { registry: string; maxAdjustment: string; verifiers: Record<string, string> } };
  policy: string;
  /** The arguments that point a command at the deployment and the node. */
  net: string[];
  /** `prove` of a tape for the deployment with the attestations' seed (seed.json, made by the first). */
  prove(tape: string, out: string): Promise<CliRun>;
}

/** What `chain submit-roll-forward --json` prints. */
interface Recorded {
  gas: { what: string; gas: string }[];
  recorded: Record<string, string>;
  period: number;
  prevPeriod: number;
  continuous: boolean;
}

const it = test.extend<{
  net: Net;
  /** Governance's `deploy --max-adjustment` with the test policy. */
  deployed: Deployed;
  /** A key generated, proposed by the originator, approved by governance; pool 1 registered. */
  onboarded: { keys: CliRun; proposed: CliRun; approved: CliRun; registered: CliRun };
  /** Period 1's tape proven (making the salt seed) and the attestation submitted. */
  attested1: { prove: CliRun; submit: CliRun };
  /** The pool's chain anchored on period 1. */
  anchored: CliRun;
  /** The chain anchored again. */
  reanchored: CliRun;
  /** `tape slots` of period 2's tape after period 1's. */
  slotted: CliRun;
  /** The slotted period 2 proven and the attestation submitted. */
  attested2: { prove: CliRun; submit: CliRun };
  /** `roll-forward` over period 2's tape as listed (not in slots). */
  unslotted: CliRun;
  /** The roll-forward proven with another salt seed than the attestations' (rf-other.json). */
  otherSeed: CliRun;
  /** rf-other.json submitted. */
  otherSubmitted: CliRun;
  /** The roll-forward proven with the attestations' seed (rf.json, its openings in rf-openings.json). */
  rolledForward: CliRun;
  /** rf.json submitted (`--json`). */
  recorded: CliRun;
  /** `tape slots` over period 2's tape without the active loan L6. */
  dropped: CliRun;
}>({
  net: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-cli-rf-"));
      writeFileSync(join(dir, "p1.json"), formatTapeJson(tape1));
      writeFileSync(join(dir, "p2.json"), formatTapeJson(tape2));
      writeFileSync(
        join(dir, "p2-dropped.json"),
        formatTapeJson({ ...tape2, loans: tape2.loans.filter((l) => l.loanId !== "L6") }),
      );
      const { node, url } = await startHardhatNode();
      try {
        const cli = (env: Record<string, string>, ...args: string[]) => runCli(dir, args, 240_000, env);
        await use({
          dir,
          url,
          cli,
          asGov: (...a) => cli({ DEPLOYER_KEY: GOVERNANCE }, ...a),
          asOriginator: (...a) => cli({ ORIGINATOR_KEY: ORIGINATOR }, ...a),
          path: (name) => join(dir, name),
          json: (name) => JSON.parse(readFileSync(join(dir, name), "utf8")),
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
        ...["deploy", "--max-adjustment", String(MAX_ADJ), "--policy", policy],
        ...["--out", "deployment.json", "--network", net.url],
      );
      const deployment = (dep.code === 0 ? net.json("deployment.json") : {}) as Deployed["deployment"];
      await use({
        dep,
        deployment,
        policy,
        net: ["--deployment", "deployment.json", "--network", net.url],
        prove: (tape, out) =>
          net.cli(
            {},
            ...["prove", tape, "--key", "k.json", "--deployment", "deployment.json", "--policy", policy],
            ...["--seed", "seed.json", "--instance", "pool-attestation-8", "--as-of-any-day", "--out", out],
          ),
      });
    },
    { scope: "file" },
  ],
  onboarded: [
    async ({ net, deployed }, use) => {
      const keys = await net.cli({}, "keys", "generate", "--out", "k.json");
      const proposed = await net.asOriginator("onboard", "propose-key", "k.json", ...deployed.net, "--json");
      const { keyHash = "", originator = "" } = (proposed.code === 0 ? JSON.parse(proposed.stdout) : {}) as {
        keyHash?: string;
        originator?: string;
      };
      const approved = await net.asGov(
        ...["onboard", "approve-key", "--originator", originator, "--key-hash", keyHash],
        ...deployed.net,
      );
      const registered = await net.asOriginator("onboard", "register-pool", "1", ...deployed.net);
      await use({ keys, proposed, approved, registered });
    },
    { scope: "file" },
  ],
  attested1: [
    async ({ net, deployed, onboarded }, use) => {
      void onboarded;
      const prove = await deployed.prove("p1.json", "att1.json");
      const submit = await net.asOriginator("submit", "att1.json", ...deployed.net);
      await use({ prove, submit });
    },
    { scope: "file" },
  ],
  anchored: [
    async ({ net, deployed, attested1 }, use) => {
      void attested1;
      await use(await net.asOriginator("chain", "anchor", "--pool", "1", ...deployed.net));
    },
    { scope: "file" },
  ],
  reanchored: [
    async ({ net, deployed, anchored }, use) => {
      void anchored;
      await use(await net.asOriginator("chain", "anchor", "--pool", "1", ...deployed.net));
    },
    { scope: "file" },
  ],
  slotted: [
    async ({ net, reanchored }, use) => {
      void reanchored;
      await use(
        await net.cli({}, "tape", "slots", "p1.json", "p2.json", "--out", "p2s.json", "--as-of-any-day"),
      );
    },
    { scope: "file" },
  ],
  attested2: [
    async ({ net, deployed, slotted }, use) => {
      void slotted;
      const prove = await deployed.prove("p2s.json", "att2.json");
      const submit = await net.asOriginator("submit", "att2.json", ...deployed.net);
      await use({ prove, submit });
    },
    { scope: "file" },
  ],
  unslotted: [
    async ({ net, attested2 }, use) => {
      void attested2;
      await use(
        await net.cli(
          {},
          ...["roll-forward", "p1.json", "p2.json", "--seed", "seed.json", "--deployment", "deployment.json"],
          ...["--out", "x.json", "--as-of-any-day"],
        ),
      );
    },
    { scope: "file" },
  ],
  otherSeed: [
    async ({ net, unslotted }, use) => {
      void unslotted;
      writeFileSync(
        net.path("other-seed.json"),
        JSON.stringify({ format: "rwa-attest/salt-seed@1", seed: "123456789" }),
        { mode: 0o600 },
      );
      await use(
        await net.cli(
          {},
          ...["roll-forward", "p1.json", "p2s.json", "--seed", "other-seed.json"],
          ...["--deployment", "deployment.json", "--out", "rf-other.json", "--as-of-any-day"],
        ),
      );
    },
    { scope: "file" },
  ],
  otherSubmitted: [
    async ({ net, deployed, otherSeed }, use) => {
      void otherSeed;
      await use(await net.asOriginator("chain", "submit-roll-forward", "rf-other.json", ...deployed.net));
    },
    { scope: "file" },
  ],
  rolledForward: [
    async ({ net, otherSubmitted }, use) => {
      void otherSubmitted;
      await use(
        await net.cli(
          {},
          ...[
            "roll-forward",
            "p1.json",
            "p2s.json",
            "--seed",
            "seed.json",
            "--deployment",
            "deployment.json",
          ],
          ...["--out", "rf.json", "--openings", "rf-openings.json", "--as-of-any-day"],
        ),
      );
    },
    { scope: "file" },
  ],
  recorded: [
    async ({ net, deployed, rolledForward }, use) => {
      void rolledForward;
      await use(await net.asOriginator("chain", "submit-roll-forward", "rf.json", ...deployed.net, "--json"));
    },
    { scope: "file" },
  ],
  dropped: [
    // tape slots reads only the tapes; run, as it always was, after the roll-forward is recorded
    async ({ net, recorded }, use) => {
      void recorded;
      await use(
        await net.cli(
          {},
          "tape",
          "slots",
          "p1.json",
          "p2-dropped.json",
          "--out",
          "x.json",
          "--as-of-any-day",
        ),
      );
    },
    { scope: "file" },
  ],
});

/** What `chain submit-roll-forward --json` printed (the run checked by its own test). */
const recordedOf = (r: CliRun): Recorded => JSON.parse(r.stdout) as Recorded;

describe.skipIf(!BUILT)("the roll-forward on the command line (hardhat node)", () => {
  describe("deploy --max-adjustment", () => {
    it("exits 0", ({ deployed: { dep } }) => {
      expect(dep.code, dep.stderr + dep.stdout).toBe(0);
    });

    it("writes the roll-forward registry's address", ({ deployed: { deployment } }) => {
      expect(deployment.rollForward.registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it("writes the maximum adjustment", ({ deployed: { deployment } }) => {
      expect(deployment.rollForward.maxAdjustment).toBe(String(MAX_ADJ));
    });

    it("writes the two roll-forward verifiers", ({ deployed: { deployment } }) => {
      expect(Object.keys(deployment.rollForward.verifiers).sort()).toEqual([
        "rollforward-aggregation-4",
        "rollforward-commitment-8",
      ]);
    });

    it("prints the roll-forward registry's address", ({ deployed: { dep, deployment } }) => {
      expect(dep.stdout).toContain(`roll-forward registry ${deployment.rollForward.registry}`);
    });
  });

  describe("onboarding", () => {
    it("generates a key", ({ onboarded: { keys } }) => {
      expect(keys.code, keys.stderr + keys.stdout).toBe(0);
    });

    it("the originator proposes the key", ({ onboarded: { proposed } }) => {
      expect(proposed.code, proposed.stderr + proposed.stdout).toBe(0);
    });

    it("governance approves it", ({ onboarded: { approved } }) => {
      expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    });

    it("the originator registers pool 1", ({ onboarded: { registered } }) => {
      expect(registered.code, registered.stderr + registered.stdout).toBe(0);
    });
  });

  describe("period 1", () => {
    it("is proven", ({ attested1: { prove } }) => {
      expect(prove.code, prove.stderr + prove.stdout).toBe(0);
    });

    it("its proof makes the salt seed file readable by its owner only (0600)", ({ net, attested1 }) => {
      void attested1;
      expect(statSync(net.path("seed.json")).mode & 0o777).toBe(0o600);
    });

    it("is submitted", ({ attested1: { submit } }) => {
      expect(submit.code, submit.stderr + submit.stdout).toBe(0);
    });

    it("chain anchor exits 0", ({ anchored }) => {
      expect(anchored.code, anchored.stderr + anchored.stdout).toBe(0);
    });

    it("chain anchor says the pool is anchored at period 1", ({ anchored }) => {
      expect(anchored.stdout).toContain(`anchored pool 1 at period ${PERIOD_1}`);
    });

    it("refuses a second anchor: RollForward__AlreadyAnchored", ({ reanchored }) => {
      expect(reanchored.code).toBe(1);
      expect(reanchored.stderr).toContain("RollForward__AlreadyAnchored(1)");
    });
  });

  describe("period 2", () => {
    it("tape slots exits 0", ({ slotted }) => {
      expect(slotted.code, slotted.stderr + slotted.stdout).toBe(0);
    });

    it("tape slots counts the loans in period 1's slots", ({ slotted }) => {
      expect(slotted.stdout).toContain("new loans in slots: 7");
    });

    it("tape slots puts every loan in its period 1 slot, the new loan after them", ({ net, slotted }) => {
      void slotted;
      const { loans } = net.json<{ loans: { loanId: string }[] }>("p2s.json");
      expect(loans.map((l) => l.loanId)).toEqual(["L1", "L2", "L3", "L4", "L5", "L6", "L7", "N1"]);
    });

    it("the slotted tape is proven", ({ attested2: { prove } }) => {
      expect(prove.code, prove.stderr + prove.stdout).toBe(0);
    });

    it("is submitted", ({ attested2: { submit } }) => {
      expect(submit.code, submit.stderr + submit.stdout).toBe(0);
    });
  });

  describe("roll-forward refusals", () => {
    it("refuses a tape not in stable slots before any proof, naming tape slots (exit 2)", ({ unslotted }) => {
      expect(unslotted.code).toBe(2);
      expect(unslotted.stderr).toContain("tape slots");
    });

    it("proves a roll-forward with another salt seed than the attestations'", ({ otherSeed }) => {
      expect(otherSeed.code, otherSeed.stderr + otherSeed.stdout).toBe(0);
    });

    it("refuses that roll-forward on chain: RollForward__PrevRootNotLast", ({ otherSubmitted }) => {
      expect(otherSubmitted.code).toBe(1);
      expect(otherSubmitted.stderr).toMatch(
        /refused by the roll-forward registry: RollForward__PrevRootNotLast\(1, \d+, \d+\)/,
      );
    });
  });

  describe("roll-forward with the attestations' seed", () => {
    it("exits 0", ({ rolledForward }) => {
      expect(rolledForward.code, rolledForward.stderr + rolledForward.stdout).toBe(0);
    });

    it("says which periods it rolls forward", ({ rolledForward }) => {
      expect(rolledForward.stdout).toContain(`from period ${PERIOD_1} to ${PERIOD_2}`);
    });

    it("prints the closing balance", ({ rolledForward }) => {
      expect(rolledForward.stdout).toMatch(/closing balance +USD [0-9,]+\.[0-9]{2}/);
    });

    it("writes nothing secret in the file to submit (no salt)", ({ net, rolledForward }) => {
      void rolledForward;
      expect(readFileSync(net.path("rf.json"), "utf8")).not.toContain("salt");
    });

    it("writes the openings to their own file, readable by its owner only (0600)", ({
      net,
      rolledForward,
    }) => {
      void rolledForward;
      expect(statSync(net.path("rf-openings.json")).mode & 0o777).toBe(0o600);
    });

    it("writes the closing balance summed from the tape", ({ net, rolledForward }) => {
      void rolledForward;
      const file = net.json<{ totals: Record<string, string> }>("rf.json");
      expect(file.totals.closing).toBe(String(expectedTotals().closing));
    });
  });

  describe("chain submit-roll-forward", () => {
    it("exits 0", ({ recorded }) => {
      expect(recorded.code, recorded.stderr + recorded.stdout).toBe(0);
    });

    it("sends chunk 0 then the aggregation", ({ recorded }) => {
      expect(recordedOf(recorded).gas.map((g) => g.what)).toEqual([
        "submitChunk (chunk 0)",
        "submitAggregation",
      ]);
    });

    it("each transaction spends over 100,000 gas (real verifications)", ({ recorded }) => {
      for (const g of recordedOf(recorded).gas) expect(Number(g.gas)).toBeGreaterThan(100_000);
    });

    it("records period 2 continuing period 1", ({ recorded }) => {
      const r = recordedOf(recorded);
      expect([r.prevPeriod, r.period, r.continuous]).toEqual([PERIOD_1, PERIOD_2, true]);
    });

    it("records the totals summed from the two tapes", ({ recorded }) => {
      expect(bigints(recordedOf(recorded).recorded)).toEqual(expectedTotals());
    });

    it("the recorded totals satisfy the roll-forward identity", ({ recorded }) => {
      const t = bigints(recordedOf(recorded).recorded);
      expect(
        t.opening! -
          t.principalCollected! +
          t.adjustmentsUp! -
          t.adjustmentsDown! +
          t.originations! -
          t.chargedOff! -
          t.removedAtExit!,
      ).toBe(t.closing);
    });
  });

  describe("tape slots over a tape that dropped an active loan", () => {
    it("is refused, the missing loan named", ({ dropped }) => {
      expect(dropped.code).toBe(1);
      expect(dropped.stderr).toContain("missing from this tape: L6");
    });
  });
});
