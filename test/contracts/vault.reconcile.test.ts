/**
 * Cash reconciliation (issue 15 item 4, docs/CONTRACTS.md "Cash reconciliation"): the vault's cash reconciler
 * compares, period by period, the roll-forward chain's collections attributed to the vault's funded share with
 * the cash the pool remitted through `repay`. Each refusal has its passing twin: a shortfall beyond the
 * tolerance is a breach and new funding is refused for that reason, one within it is not; an unrecorded
 * period, a period not after the funding, a period reconciled twice and one out of the chain's order are
 * refused, each with its error; a pool whose chain has not reached its latest attestation is not funded.
 * The roll-forward registry is a settable stand-in (contracts/test/RollForwardTotalsProbe.sol). The numbers
 * are the worked example of docs/CONTRACTS.md, which vault.example.test.ts computes with the model.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { deployCashReconciler, deployContract, deployVault } from "../../deploy/index.ts";
import { terminateCurves, revertOf } from "./helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

let w: VaultWorld;
let vault: Contract;
let probe: Contract;
let reconciler: Contract;
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
const TOLERANCE_BPS = 100;

/** Period totals in asset units (the pool's currency is the vault's asset); unused fields 0. */
const totals = (
  prevPeriod: bigint,
  opening: bigint,
  principal: bigint,
  interest: bigint,
  recoveries = 0n,
) => ({
  prevPeriod,
  opening,
  principalCollected: principal,
  interestCollected: interest,
  recoveries,
  chargedOff: 0n,
  adjustmentsUp: 0n,
  adjustmentsDown: 0n,
  originations: 0n,
  closing: opening - principal,
  removedAtExit: 0n,
});
const record = (poolId: bigint, period: bigint, t: ReturnType<typeof totals>) =>
  tx(probe.getFunction("setPeriodTotals")(poolId, period, t));
const state = async (poolId: bigint) => {
  const r = await reconciler.getFunction("reconciliation")(poolId);
  return {
    remitted: r.remitted as bigint,
    since: r.since as bigint,
    lastPeriod: r.lastPeriod as bigint,
    breached: r.breached as boolean,
    expected: r.expected as bigint,
    exposure: r.exposure as bigint,
  };
};
/** The reconciler's events of a reconcile transaction, as [name, ...args]. */
const reconcile = async (poolId: bigint, period: bigint) => {
  const receipt = (await tx(reconciler.getFunction("reconcile")(poolId, period))) as {
    logs: { topics: string[]; data: string }[];
  };
  return receipt.logs
    .map((l) => reconciler.interface.parseLog(l))
    .filter((l) => l !== null)
    .map((l) => [l.name, ...l.args]);
};

beforeAll(async () => {
  w = await makeVaultWorld();
  vault = w.vault;
  const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
  await tx(vault.getFunction("closeEpoch")());
  await w.submit(await w.attest({ poolId: 1n, period: 1n }));
  await w.submit(await w.attest({ poolId: 2n, period: 1n }));
  probe = await deployContract(w.gov, "RollForwardTotalsProbe", [await w.registry.getAddress()]);
});
afterAll(terminateCurves);

describe("CashReconciler: setting it on the vault", () => {
  it("refuses a reconciler bound to another vault, sets the right one once", async () => {
    const other = await deployVault(w.gov, {
      asset: await w.token.getAddress(),
      registry: await w.registry.getAddress(),
    });
    const bound = await deployContract(w.gov, "CashReconciler", [
      await other.vault.getAddress(),
      await probe.getAddress(),
      TOLERANCE_BPS,
      1n,
    ]);
    const r = await revertOf(vault.getFunction("setReconciler")(await bound.getAddress()), bound);
    expect(r).toEqual({ name: "Reconcile__OnlyVault", args: [await vault.getAddress()] });
    reconciler = await deployCashReconciler(w.gov, vault, {
      rollForward: await probe.getAddress(),
      toleranceBps: TOLERANCE_BPS,
      assetPerTapeUnit: 1n,
    });
    expect(await vault.getFunction("reconciler")()).toBe(await reconciler.getAddress());
    expect(await reconciler.getFunction("toleranceBps")()).toBe(BigInt(TOLERANCE_BPS));
    const again = await revertOf(vault.getFunction("setReconciler")(await reconciler.getAddress()), vault);
    expect(again.name).toBe("Vault__BadConfig");
  });

  it("refuses a roll-forward registry that follows another attestation registry", async () => {
    const foreignProbe = await deployContract(w.gov, "RollForwardTotalsProbe", [
      await w.others[0]!.getAddress(),
    ]);
    const factory = await deployContract(w.gov, "CashReconciler", [
      await vault.getAddress(),
      await foreignProbe.getAddress(),
      TOLERANCE_BPS,
      1n,
    ]).catch((e: unknown) => e);
    const r = await revertOf(Promise.reject(factory), reconciler);
    expect(r).toEqual({
      name: "Reconcile__RegistryMismatch",
      args: [await w.others[0]!.getAddress(), await w.registry.getAddress()],
    });
  });
});

describe("CashReconciler: funding needs a continuous roll-forward chain", () => {
  it("refuses to fund a pool whose chain has not reached its latest attestation", async () => {
    expect(await vault.getFunction("eligible")(1n, 400_000n * USD)).toBe(false);
    const r = await revertOf(vault.getFunction("include")(1n, 400_000n * USD), reconciler);
    expect(r).toEqual({ name: "Reconcile__NotContinuous", args: [1n] });
  });

  it("funds it once the chain is continuous, and starts its reconciliation at the funded period", async () => {
    await tx(probe.getFunction("setContinuous")(1n, true));
    expect(await vault.getFunction("eligible")(1n, 400_000n * USD)).toBe(true);
    await tx(vault.getFunction("include")(1n, 400_000n * USD));
    expect(await state(1n)).toEqual({
      remitted: 0n,
      since: 1n,
      lastPeriod: 0n,
      breached: false,
      expected: 0n,
      exposure: 400_000n * USD,
    });
  });
});

describe("CashReconciler: periods in the chain's order, each once, after the funding", () => {
  it("refuses a pool whose reconciliation has not started (never funded since the reconciler was set)", async () => {
    const r = await revertOf(reconciler.getFunction("reconcile")(2n, 2n), reconciler);
    expect(r).toEqual({ name: "Reconcile__NotStarted", args: [2n] });
  });

  it("refuses the funded period itself (collections before the vault's money)", async () => {
    await record(1n, 1n, totals(0n, 4_000_000n * USD, 0n, 0n));
    const r = await revertOf(reconciler.getFunction("reconcile")(1n, 1n), reconciler);
    expect(r).toEqual({ name: "Reconcile__PeriodBeforeFunding", args: [1n, 1n, 1n] });
  });

  it("refuses a period the roll-forward registry has not recorded", async () => {
    const r = await revertOf(reconciler.getFunction("reconcile")(1n, 2n), reconciler);
    expect(r).toEqual({ name: "Reconcile__PeriodNotRecorded", args: [1n, 2n] });
  });

  it("refuses a later period before its predecessor (no period skipped)", async () => {
    await record(1n, 3n, totals(2n, 3_800_000n * USD, 190_000n * USD, 28_500n * USD));
    const r = await revertOf(reconciler.getFunction("reconcile")(1n, 3n), reconciler);
    expect(r).toEqual({ name: "Reconcile__OutOfOrder", args: [1n, 3n, 2n, 1n] });
  });

  it("reconciles the next recorded period: a shortfall within the tolerance is no breach", async () => {
    await tx(w.as(w.originator).getFunction("repay")(1n, 20_000n * USD, 3_800n * USD));
    await record(1n, 2n, totals(1n, 4_000_000n * USD, 200_000n * USD, 30_000n * USD, 10_000n * USD));
    const events = await reconcile(1n, 2n);
    // 400,000 / 4,000,000 of 240,000 collected = 24,000 due; 23,800 remitted: 200 short, 0.83% ≤ 1%
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 2n, 400_000n * USD, 24_000n * USD, 24_000n * USD, 23_800n * USD],
    ]);
    expect(await state(1n)).toMatchObject({ lastPeriod: 2n, breached: false, exposure: 380_000n * USD });
    expect(await vault.getFunction("eligible")(1n, 1n)).toBe(true);
  });

  it("refuses a period reconciled twice", async () => {
    const r = await revertOf(reconciler.getFunction("reconcile")(1n, 2n), reconciler);
    expect(r).toEqual({ name: "Reconcile__AlreadyReconciled", args: [1n, 2n, 2n] });
  });
});

describe("CashReconciler: a shortfall beyond the tolerance", () => {
  it("is a breach: shown in an event with both figures, and new funding is refused for it", async () => {
    await tx(w.as(w.originator).getFunction("repay")(1n, 19_000n * USD, 1_000n * USD));
    // 380,000 / 3,800,000 of 218,500 = 21,850 due; cumulative 45,850 expected, 43,800 remitted: 4.47% short
    const events = await reconcile(1n, 3n);
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 3n, 380_000n * USD, 21_850n * USD, 45_850n * USD, 43_800n * USD],
      ["RemittanceBreach", 1n, 3n, 45_850n * USD, 43_800n * USD],
    ]);
    expect(await state(1n)).toMatchObject({ breached: true, exposure: 361_000n * USD });
    expect(await vault.getFunction("eligible")(1n, 1n)).toBe(false);
    const r = await revertOf(vault.getFunction("include")(1n, 1n), reconciler);
    expect(r).toEqual({ name: "Reconcile__RemittanceShortfall", args: [1n, 45_850n * USD, 43_800n * USD] });
  });

  it("does not stop collections or marks: repay and the close run as before", async () => {
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 1n));
    await tx(vault.getFunction("closeEpoch")());
    expect((await state(1n)).remitted).toBe(43_800n * USD + 1n);
  });

  it("is cured by a later period that finds the cumulative shortfall within the tolerance again", async () => {
    await tx(w.as(w.originator).getFunction("repay")(1n, 18_050n * USD, 4_450n * USD - 1n));
    await record(1n, 4n, totals(3n, 3_610_000n * USD, 180_500n * USD, 27_075n * USD));
    // 361,000 / 3,610,000 of 207,575 = 20,757.50 due; 66,607.50 expected, 66,300 remitted: 0.46% short
    const events = await reconcile(1n, 4n);
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 4n, 361_000n * USD, 20_757_500_000n, 66_607_500_000n, 66_300n * USD],
      ["RemittanceCured", 1n, 4n, 66_607_500_000n, 66_300n * USD],
    ]);
    expect(await vault.getFunction("eligible")(1n, 1n)).toBe(true);
    await tx(vault.getFunction("include")(1n, 1_000n * USD));
  });

  it("is not cleared by funding or by a chain that breaks: continuity is checked at every funding", async () => {
    await tx(probe.getFunction("setContinuous")(1n, false));
    const r = await revertOf(vault.getFunction("include")(1n, 1_000n * USD), reconciler);
    expect(r).toEqual({ name: "Reconcile__NotContinuous", args: [1n] });
    await tx(probe.getFunction("setContinuous")(1n, true));
  });
});
