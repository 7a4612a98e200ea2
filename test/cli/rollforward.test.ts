/**
 * The roll-forward from the command line against a `hardhat node` (issue 15): deploy with the roll-forward
 * registry (`deploy --max-adjustment`), onboard, attest period 1 (7 loans: one pool-attestation-8 proof),
 * anchor the pool's chain, put period 2's tape (payments, a prepayment, an adjustment, a new loan; listed in
 * another order) in stable slots with `tape slots`, attest it, prove the roll-forward and submit it. The
 * recorded totals are checked against an independent sum of the two tapes' fields. Failing twins: a roll-forward
 * proven with another salt seed than the attestations' (its roots are not the chain's: refused by the registry,
 * its error printed by name), and `tape slots` over a tape that dropped an active loan (the loan named).
 * Skipped with a warning when the circuits are not built.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  AdjustmentReason,
  ExitCode,
  LoanStatus,
  formatTapeJson,
  type LoanRecord,
  type LoanTape,
} from "../../prover/index.ts";
import { startHardhatNode } from "../support/net.ts";
import { writeTestPolicy } from "../support/policy.ts";

const NEEDED = ["pool-attestation-8", "rollforward-commitment-8", "rollforward-aggregation-4"];
const BUILT = NEEDED.every((n) => readManifest().instances[n] !== undefined);
if (!BUILT) console.warn(`${NEEDED.join(", ")} not all built: skipping the roll-forward command line`);

// Hardhat's well-known development accounts 0 (governance, deployer) and 1 (originator).
const GOVERNANCE = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ORIGINATOR = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const MAX_ADJ = 50_000n;

const dir = mkdtempSync(join(tmpdir(), "rwa-cli-rf-"));
const BIN = join(REPO_ROOT, "cli", "bin.js");
let node: ChildProcess | undefined;
let url = "";

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
const asGov = (...a: string[]) => cli({ DEPLOYER_KEY: GOVERNANCE }, ...a);
const asOriginator = (...a: string[]) => cli({ ORIGINATOR_KEY: ORIGINATOR }, ...a);
async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>) {
  const r = await p;
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r;
}

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

beforeAll(async () => {
  if (!BUILT) return;
  writeFileSync(join(dir, "p1.json"), formatTapeJson(tape1));
  writeFileSync(join(dir, "p2.json"), formatTapeJson(tape2));
  writeFileSync(
    join(dir, "p2-dropped.json"),
    formatTapeJson({ ...tape2, loans: tape2.loans.filter((l) => l.loanId !== "L6") }),
  );
  ({ node, url } = await startHardhatNode());
});

afterAll(() => {
  node?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!BUILT)("the roll-forward on the command line (hardhat node)", () => {
  it("deploy, attest period 1, anchor, slot and attest period 2, roll forward; refusals named", async () => {
    const policy = writeTestPolicy(dir);
    const net = ["--deployment", "deployment.json", "--network", url];
    const dep = await ok(
      asGov(
        "deploy",
        "--max-adjustment",
        String(MAX_ADJ),
        "--policy",
        policy,
        "--out",
        "deployment.json",
        "--network",
        url,
      ),
    );
    const deployment = JSON.parse(readFileSync(join(dir, "deployment.json"), "utf8")) as {
      rollForward: { registry: string; maxAdjustment: string; verifiers: Record<string, string> };
    };
    expect(deployment.rollForward.registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(deployment.rollForward.maxAdjustment).toBe(String(MAX_ADJ));
    expect(Object.keys(deployment.rollForward.verifiers).sort()).toEqual([
      "rollforward-aggregation-4",
      "rollforward-commitment-8",
    ]);
    expect(dep.stdout).toContain(`roll-forward registry ${deployment.rollForward.registry}`);

    // onboarding
    await ok(cli({}, "keys", "generate", "--out", "k.json"));
    const proposed = await ok(asOriginator("onboard", "propose-key", "k.json", ...net, "--json"));
    const { keyHash, originator } = JSON.parse(proposed.stdout) as { keyHash: string; originator: string };
    await ok(asGov("onboard", "approve-key", "--originator", originator, "--key-hash", keyHash, ...net));
    await ok(asOriginator("onboard", "register-pool", "1", ...net));

    // period 1: attested, then the chain anchored on it
    const prove = (tape: string, out: string) =>
      ok(
        cli(
          {},
          ...["prove", tape, "--key", "k.json", "--deployment", "deployment.json", "--policy", policy],
          ...["--seed", "seed.json", "--instance", "pool-attestation-8", "--as-of-any-day", "--out", out],
        ),
      );
    await prove("p1.json", "att1.json");
    expect(statSync(join(dir, "seed.json")).mode & 0o777).toBe(0o600);
    await ok(asOriginator("submit", "att1.json", ...net));
    const anchored = await ok(asOriginator("chain", "anchor", "--pool", "1", ...net));
    expect(anchored.stdout).toContain(`anchored pool 1 at period ${PERIOD_1}`);
    const again = await asOriginator("chain", "anchor", "--pool", "1", ...net);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("RollForward__AlreadyAnchored(1)");

    // period 2: in stable slots, attested as slotted
    const slots = await ok(
      cli({}, "tape", "slots", "p1.json", "p2.json", "--out", "p2s.json", "--as-of-any-day"),
    );
    expect(slots.stdout).toContain("new loans in slots: 7");
    const slotted = JSON.parse(readFileSync(join(dir, "p2s.json"), "utf8")) as {
      loans: { loanId: string }[];
    };
    expect(slotted.loans.map((l) => l.loanId)).toEqual(["L1", "L2", "L3", "L4", "L5", "L6", "L7", "N1"]);
    await prove("p2s.json", "att2.json");
    await ok(asOriginator("submit", "att2.json", ...net));

    // a tape not in stable slots is refused before any proof
    const unslotted = await cli(
      {},
      ...["roll-forward", "p1.json", "p2.json", "--seed", "seed.json", "--deployment", "deployment.json"],
      ...["--out", "x.json", "--as-of-any-day"],
    );
    expect(unslotted.code).toBe(2);
    expect(unslotted.stderr).toContain("tape slots");

    // twin: proven with another seed than the attestations', its roots are not the chain's
    writeFileSync(
      join(dir, "other-seed.json"),
      JSON.stringify({ format: "rwa-attest/salt-seed@1", seed: "123456789" }),
      { mode: 0o600 },
    );
    await ok(
      cli(
        {},
        ...[
          "roll-forward",
          "p1.json",
          "p2s.json",
          "--seed",
          "other-seed.json",
          "--deployment",
          "deployment.json",
        ],
        ...["--out", "rf-other.json", "--as-of-any-day"],
      ),
    );
    const refused = await asOriginator("chain", "submit-roll-forward", "rf-other.json", ...net);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refused by the roll-forward registry: RollForward__PrevRootNotLast\(1, \d+, \d+\)/,
    );

    // the roll-forward with the attestations' seed
    const rolledOut = await ok(
      cli(
        {},
        ...["roll-forward", "p1.json", "p2s.json", "--seed", "seed.json", "--deployment", "deployment.json"],
        ...["--out", "rf.json", "--openings", "rf-openings.json", "--as-of-any-day"],
      ),
    );
    const expected = expectedTotals();
    expect(rolledOut.stdout).toContain(`from period ${PERIOD_1} to ${PERIOD_2}`);
    expect(rolledOut.stdout).toMatch(/closing balance +USD [0-9,]+\.[0-9]{2}/);
    const file = JSON.parse(readFileSync(join(dir, "rf.json"), "utf8")) as Record<string, unknown>;
    // what is submitted, nothing secret: the openings (totals salts) only in their own 0600 file
    expect(JSON.stringify(file)).not.toContain("salt");
    expect(statSync(join(dir, "rf-openings.json")).mode & 0o777).toBe(0o600);
    expect((file.totals as Record<string, string>).closing).toBe(String(expected.closing));

    const sub = await ok(asOriginator("chain", "submit-roll-forward", "rf.json", ...net, "--json"));
    const r = JSON.parse(sub.stdout) as {
      gas: { what: string; gas: string }[];
      recorded: Record<string, string>;
      period: number;
      prevPeriod: number;
      continuous: boolean;
    };
    expect(r.gas.map((g) => g.what)).toEqual(["submitChunk (chunk 0)", "submitAggregation"]);
    for (const g of r.gas) expect(Number(g.gas)).toBeGreaterThan(100_000);
    expect([r.prevPeriod, r.period, r.continuous]).toEqual([PERIOD_1, PERIOD_2, true]);
    expect(Object.fromEntries(Object.entries(r.recorded).map(([k, v]) => [k, BigInt(v)]))).toEqual(expected);
    // the roll-forward identity over the recorded totals
    const t = expected;
    expect(
      t.opening! -
        t.principalCollected! +
        t.adjustmentsUp! -
        t.adjustmentsDown! +
        t.originations! -
        t.chargedOff! -
        t.removedAtExit!,
    ).toBe(t.closing);

    // twin: an active loan of period 1 missing from period 2's tape
    const dropped = await cli(
      {},
      "tape",
      "slots",
      "p1.json",
      "p2-dropped.json",
      "--out",
      "x.json",
      "--as-of-any-day",
    );
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toContain("missing from this tape: L6");
  }, 900_000);
});
