/**
 * Cash reconciliation (issue 15 item 4, docs/CONTRACTS.md "Cash reconciliation"): the vault's cash reconciler
 * compares, period by period, the roll-forward chain's collections attributed to the vault's funded share with
 * the cash the pool remitted through `repay`. Each refusal has its passing twin: a shortfall beyond the
 * tolerance is a breach and new funding is refused for that reason, one within it is not; an unrecorded
 * period, a period not after the funding, a period reconciled twice and one out of the chain's order are
 * refused, each with its error; a pool whose chain has not reached its latest attestation is not funded.
 * The roll-forward registry is a settable stand-in (contracts/test/RollForwardTotalsProbe.sol). The numbers
 * are the worked example of docs/CONTRACTS.md, which vault.example.test.ts computes with the model.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the vault world (funded
 * 750k senior, 100k mezzanine, 150k junior; pools 1 and 2 attested for period 1; the probe deployed; an EVM
 * snapshot the chain is put back to before each test that changes it); made for the test, the world at the
 * stage the claim is about (the reconciler set, pool 1 funded for 400k, its period 2 reconciled within the
 * tolerance, its period 3 found in breach, its period 4 curing the breach).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import { deployCashReconciler, deployContract, deployVault } from "../../deploy/index.ts";
import { chainSnapshot, revertOf, terminateCurves } from "./helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

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

/** The vault world with the roll-forward probe; `reset` puts the chain back to it as deployed. */
interface Deployed {
  w: VaultWorld;
  vault: Contract;
  probe: Contract;
  reset(): Promise<void>;
}

/** A world with the reconciler set on its vault. */
interface Reconciled extends Deployed {
  reconciler: Contract;
}

/** Reconciler events as [name, ...args]. */
type Events = unknown[][];

async function deploy(): Promise<Deployed> {
  const w = await makeVaultWorld();
  const vault = w.vault;
  const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
  await tx(vault.getFunction("closeEpoch")());
  await w.submit(await w.attest({ poolId: 1n, period: 1n }));
  await w.submit(await w.attest({ poolId: 2n, period: 1n }));
  const probe = await deployContract(w.gov, "RollForwardTotalsProbe", [await w.registry.getAddress()]);
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    vault,
    probe,
    reset,
  };
}

const record = (d: Deployed, poolId: bigint, period: bigint, t: ReturnType<typeof totals>) =>
  tx(d.probe.getFunction("setPeriodTotals")(poolId, period, t));
const repay = (d: Deployed, poolId: bigint, principal: bigint, interest: bigint) =>
  tx(d.w.as(d.w.originator).getFunction("repay")(poolId, principal, interest));
const state = async (r: Reconciled, poolId: bigint) => {
  const s = await r.reconciler.getFunction("reconciliation")(poolId);
  return {
    remitted: s.remitted as bigint,
    since: s.since as bigint,
    lastPeriod: s.lastPeriod as bigint,
    breached: s.breached as boolean,
    expected: s.expected as bigint,
    exposure: s.exposure as bigint,
  };
};
/** The reconciler's events of a reconcile transaction, as [name, ...args]. */
const reconcile = async (r: Reconciled, poolId: bigint, period: bigint): Promise<Events> => {
  const receipt = (await tx(r.reconciler.getFunction("reconcile")(poolId, period))) as {
    logs: { topics: string[]; data: string }[];
  };
  return receipt.logs
    .map((l) => r.reconciler.interface.parseLog(l))
    .filter((l) => l !== null)
    .map((l) => [l.name, ...l.args]);
};
const reconcileRefusal = (r: Reconciled, poolId: bigint, period: bigint) =>
  revertOf(r.reconciler.getFunction("reconcile")(poolId, period), r.reconciler);

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  /** `world` with the cash reconciler (1% tolerance, one asset unit per tape unit) set on the vault. */
  withReconciler: Reconciled;
  /** `withReconciler` with pool 1's chain continuous and pool 1 funded for 400k. */
  funded: Reconciled;
  /** `funded` with 23,800 remitted and period 2 (240,000 collected of 4,000,000) reconciled: its events. */
  period2: { r: Reconciled; events: Events };
  /** `period2` with 20,000 more remitted and period 3 (218,500 of 3,800,000) reconciled: its events. */
  period3: { r: Reconciled; events: Events };
  /** `period3` with 22,500 more remitted and period 4 (207,575 of 3,610,000) reconciled: its events. */
  period4: { r: Reconciled; events: Events };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  withReconciler: async ({ world }, use) => {
    const reconciler = await deployCashReconciler(world.w.gov, world.vault, {
      rollForward: await world.probe.getAddress(),
      toleranceBps: TOLERANCE_BPS,
      assetPerTapeUnit: 1n,
    });
    await use({ ...world, reconciler });
  },
  funded: async ({ withReconciler: r }, use) => {
    await tx(r.probe.getFunction("setContinuous")(1n, true));
    await tx(r.vault.getFunction("include")(1n, 400_000n * USD));
    await use(r);
  },
  period2: async ({ funded: r }, use) => {
    await repay(r, 1n, 20_000n * USD, 3_800n * USD);
    await record(r, 1n, 2n, totals(1n, 4_000_000n * USD, 200_000n * USD, 30_000n * USD, 10_000n * USD));
    await use({ r, events: await reconcile(r, 1n, 2n) });
  },
  period3: async ({ period2: { r } }, use) => {
    await repay(r, 1n, 19_000n * USD, 1_000n * USD);
    await record(r, 1n, 3n, totals(2n, 3_800_000n * USD, 190_000n * USD, 28_500n * USD));
    await use({ r, events: await reconcile(r, 1n, 3n) });
  },
  period4: async ({ period3: { r } }, use) => {
    await repay(r, 1n, 18_050n * USD, 4_450n * USD);
    await record(r, 1n, 4n, totals(3n, 3_610_000n * USD, 180_500n * USD, 27_075n * USD));
    await use({ r, events: await reconcile(r, 1n, 4n) });
  },
});

afterAll(terminateCurves);

describe("CashReconciler: setting it on the vault", () => {
  it("refuses a reconciler bound to another vault", async ({ world: { w, vault, probe } }) => {
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
  });

  it("sets a reconciler bound to this vault", async ({ withReconciler: { vault, reconciler } }) => {
    expect(await vault.getFunction("reconciler")()).toBe(await reconciler.getAddress());
  });

  it("the reconciler set has the tolerance it was deployed with", async ({
    withReconciler: { reconciler },
  }) => {
    expect(await reconciler.getFunction("toleranceBps")()).toBe(BigInt(TOLERANCE_BPS));
  });

  it("sets it once: a second setReconciler is refused", async ({ withReconciler: { vault, reconciler } }) => {
    const again = await revertOf(vault.getFunction("setReconciler")(await reconciler.getAddress()), vault);
    expect(again.name).toBe("Vault__BadConfig");
  });

  it("refuses a roll-forward registry that follows another attestation registry", async ({
    deployed: { w, vault },
  }) => {
    const foreignProbe = await deployContract(w.gov, "RollForwardTotalsProbe", [
      await w.others[0]!.getAddress(),
    ]);
    const refused = await deployContract(w.gov, "CashReconciler", [
      await vault.getAddress(),
      await foreignProbe.getAddress(),
      TOLERANCE_BPS,
      1n,
    ]).catch((e: unknown) => e);
    const cashReconciler = await w.ethers.getContractFactory("CashReconciler");
    const r = await revertOf(Promise.reject(refused), cashReconciler as unknown as Contract);
    expect(r).toEqual({
      name: "Reconcile__RegistryMismatch",
      args: [await w.others[0]!.getAddress(), await w.registry.getAddress()],
    });
  });
});

describe("CashReconciler: funding needs a continuous roll-forward chain", () => {
  it("a pool whose chain has not reached its latest attestation is not eligible", async ({
    withReconciler: { vault },
  }) => {
    expect(await vault.getFunction("eligible")(1n, 400_000n * USD)).toBe(false);
  });

  it("refuses to fund a pool whose chain has not reached its latest attestation", async ({
    withReconciler: { vault, reconciler },
  }) => {
    const r = await revertOf(vault.getFunction("include")(1n, 400_000n * USD), reconciler);
    expect(r).toEqual({ name: "Reconcile__NotContinuous", args: [1n] });
  });

  it("a pool whose chain is continuous is eligible", async ({ withReconciler: { vault, probe } }) => {
    await tx(probe.getFunction("setContinuous")(1n, true));
    expect(await vault.getFunction("eligible")(1n, 400_000n * USD)).toBe(true);
  });

  it("funding a pool starts its reconciliation at the funded period, with the funded exposure", async ({
    funded,
  }) => {
    expect(await state(funded, 1n)).toEqual({
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
  it("refuses a pool whose reconciliation has not started (never funded since the reconciler was set)", async ({
    funded,
  }) => {
    expect(await reconcileRefusal(funded, 2n, 2n)).toEqual({ name: "Reconcile__NotStarted", args: [2n] });
  });

  it("refuses the funded period itself (collections before the vault's money)", async ({ funded }) => {
    await record(funded, 1n, 1n, totals(0n, 4_000_000n * USD, 0n, 0n));
    expect(await reconcileRefusal(funded, 1n, 1n)).toEqual({
      name: "Reconcile__PeriodBeforeFunding",
      args: [1n, 1n, 1n],
    });
  });

  it("refuses a period the roll-forward registry has not recorded", async ({ funded }) => {
    expect(await reconcileRefusal(funded, 1n, 2n)).toEqual({
      name: "Reconcile__PeriodNotRecorded",
      args: [1n, 2n],
    });
  });

  it("refuses a later period before its predecessor (no period skipped)", async ({ funded }) => {
    await record(funded, 1n, 3n, totals(2n, 3_800_000n * USD, 190_000n * USD, 28_500n * USD));
    expect(await reconcileRefusal(funded, 1n, 3n)).toEqual({
      name: "Reconcile__OutOfOrder",
      args: [1n, 3n, 2n, 1n],
    });
  });

  it("reconciles the next recorded period: the funded share of its collections against the cash remitted", ({
    period2: { events },
  }) => {
    // 400,000 / 4,000,000 of 240,000 collected = 24,000 due; 23,800 remitted: 200 short, 0.83% ≤ 1%
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 2n, 400_000n * USD, 24_000n * USD, 24_000n * USD, 23_800n * USD],
    ]);
  });

  it("a shortfall within the tolerance is no breach; the period is the last reconciled, the exposure repaid down", async ({
    period2: { r },
  }) => {
    expect(await state(r, 1n)).toMatchObject({ lastPeriod: 2n, breached: false, exposure: 380_000n * USD });
  });

  it("a pool with a shortfall within the tolerance stays eligible", async ({ period2: { r } }) => {
    expect(await r.vault.getFunction("eligible")(1n, 1n)).toBe(true);
  });

  it("refuses a period reconciled twice", async ({ period2: { r } }) => {
    expect(await reconcileRefusal(r, 1n, 2n)).toEqual({
      name: "Reconcile__AlreadyReconciled",
      args: [1n, 2n, 2n],
    });
  });
});

describe("CashReconciler: a shortfall beyond the tolerance", () => {
  it("is a breach, shown in an event with both cumulative figures", ({ period3: { events } }) => {
    // 380,000 / 3,800,000 of 218,500 = 21,850 due; cumulative 45,850 expected, 43,800 remitted: 4.47% short
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 3n, 380_000n * USD, 21_850n * USD, 45_850n * USD, 43_800n * USD],
      ["RemittanceBreach", 1n, 3n, 45_850n * USD, 43_800n * USD],
    ]);
  });

  it("is recorded in the pool's reconciliation", async ({ period3: { r } }) => {
    expect(await state(r, 1n)).toMatchObject({ breached: true, exposure: 361_000n * USD });
  });

  it("makes the pool not eligible", async ({ period3: { r } }) => {
    expect(await r.vault.getFunction("eligible")(1n, 1n)).toBe(false);
  });

  it("refuses new funding for the shortfall, naming both figures", async ({ period3: { r } }) => {
    const refusal = await revertOf(r.vault.getFunction("include")(1n, 1n), r.reconciler);
    expect(refusal).toEqual({
      name: "Reconcile__RemittanceShortfall",
      args: [1n, 45_850n * USD, 43_800n * USD],
    });
  });

  it("does not stop collections or marks: repay and the close run as before", async ({ period3: { r } }) => {
    await repay(r, 1n, 0n, 1n);
    await tx(r.vault.getFunction("closeEpoch")());
    expect((await state(r, 1n)).remitted).toBe(43_800n * USD + 1n);
  });

  it("is cured by a later period that finds the cumulative shortfall within the tolerance again", ({
    period4: { events },
  }) => {
    // 361,000 / 3,610,000 of 207,575 = 20,757.50 due; 66,607.50 expected, 66,300 remitted: 0.46% short
    expect(events).toEqual([
      ["PeriodReconciled", 1n, 4n, 361_000n * USD, 20_757_500_000n, 66_607_500_000n, 66_300n * USD],
      ["RemittanceCured", 1n, 4n, 66_607_500_000n, 66_300n * USD],
    ]);
  });

  it("once cured, the pool is eligible again", async ({ period4: { r } }) => {
    expect(await r.vault.getFunction("eligible")(1n, 1n)).toBe(true);
  });

  it("once cured, the pool is funded again", async ({ period4: { r } }) => {
    await tx(r.vault.getFunction("include")(1n, 1_000n * USD));
    // 400,000 funded, 57,050 of principal repaid over periods 2 to 4, 1,000 more funded
    expect(((await r.vault.getFunction("positions")(1n)) as { principal: bigint }).principal).toBe(
      343_950n * USD,
    );
  });

  it("continuity is checked at every funding: a chain that breaks after a funding refuses the next", async ({
    period4: { r },
  }) => {
    await tx(r.vault.getFunction("include")(1n, 1_000n * USD));
    await tx(r.probe.getFunction("setContinuous")(1n, false));
    const refusal = await revertOf(r.vault.getFunction("include")(1n, 1_000n * USD), r.reconciler);
    expect(refusal).toEqual({ name: "Reconcile__NotContinuous", args: [1n] });
  });
});
