/**
 * Property test of the cash reconciliation: seeded random sequences of fundings, remittances, roll-forward
 * periods recorded (in the chain's order, sometimes with no opening balance), continuity changes and
 * reconciliations of any period (the next one, or one refused: before the funding, twice, out of order, not
 * recorded) against the real vault and CashReconciler over the settable roll-forward stand-in, checked after
 * every step against the independent model in sdk/vault/reconcile.ts: every pool's reconciliation, every
 * refusal by name and arguments (reconcile's and include's), every reconciliation's events.
 * VAULT_RECONCILE_SEQUENCES, VAULT_RECONCILE_STEPS and VAULT_RECONCILE_SEED change the run (default 2 × 300).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { deployCashReconciler, deployContract } from "../../deploy/index.ts";
import { ReconciliationModel, type ReconcileTotals, type Refusal } from "../../sdk/index.ts";
import { revertOf, terminateCurves } from "./helpers.ts";
import { USD, makeVaultWorld } from "./vault-world.ts";
import { rng } from "../support/rng.ts";

const SEQUENCES = Number(process.env.VAULT_RECONCILE_SEQUENCES ?? 2);
const STEPS = Number(process.env.VAULT_RECONCILE_STEPS ?? 300);
const SEED = Number(process.env.VAULT_RECONCILE_SEED ?? 20261204);
const SEEDS = Array.from({ length: SEQUENCES }, (_, i) => SEED + i);
const POOLS = [1n, 2n, 3n] as const;

afterAll(terminateCurves);

describe("CashReconciler property test", () => {
  it.each(SEEDS)(`agrees with the model over ${STEPS} random steps (seed %i)`, async (seed) => {
    const w = await makeVaultWorld();
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const big = (lo: bigint, hi: bigint) =>
      lo + (BigInt(Math.floor(rand() * 1e9)) * (hi - lo)) / 1_000_000_000n;
    const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
    const vault = w.vault;
    const [a, b, c] = w.users as [(typeof w.users)[0], (typeof w.users)[0], (typeof w.users)[0]];
    await tx(w.as(c).getFunction("requestDeposit")(2, 1_500_000n * USD));
    await tx(w.as(b).getFunction("requestDeposit")(1, 1_000_000n * USD));
    await tx(w.as(a).getFunction("requestDeposit")(0, 7_500_000n * USD));
    await tx(vault.getFunction("closeEpoch")());
    for (const id of POOLS) await w.submit(await w.attest({ poolId: id, period: 1n }));
    const probe: Contract = await deployContract(w.gov, "RollForwardTotalsProbe", [
      await w.registry.getAddress(),
    ]);
    const tolerance = pick([0, 50, 100, 250]);
    // the tape's minor unit in asset units: equal, or cents against a 6-decimal asset
    const unit = pick([1n, 10_000n]);
    const reconciler = await deployCashReconciler(w.gov, vault, {
      rollForward: await probe.getAddress(),
      toleranceBps: tolerance,
      assetPerTapeUnit: unit,
    });
    const model = new ReconciliationModel(BigInt(tolerance), unit);
    const continuous = new Map<bigint, boolean>(POOLS.map((id) => [id, false]));
    const principal = new Map<bigint, bigint>(POOLS.map((id) => [id, 0n]));
    const chainLast = new Map<bigint, bigint>(POOLS.map((id) => [id, 1n]));
    const recorded = new Map<bigint, Map<bigint, ReconcileTotals>>(POOLS.map((id) => [id, new Map()]));
    const counts: Record<string, number> = {};
    const refusalOf = async (p: Promise<unknown>): Promise<Refusal> => {
      const r = await revertOf(p, reconciler);
      return { name: r.name, args: r.args as bigint[] };
    };

    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      const poolId = pick(POOLS);
      let op: string;
      if (r < 0.15) {
        op = "include";
        const amount = big(1_000n * USD, 40_000n * USD);
        const why = model.fundingRefusal(poolId, continuous.get(poolId)!);
        const p = vault.getFunction("include")(poolId, amount);
        if (why === undefined) {
          await tx(p);
          principal.set(poolId, principal.get(poolId)! + amount);
          model.fund(poolId, 1n, principal.get(poolId)!);
        } else {
          expect(await refusalOf(p)).toEqual(why);
          op = `include-refused-${why.name}`;
        }
      } else if (r < 0.25) {
        op = "continuity";
        const on = rand() < 0.75;
        await tx(probe.getFunction("setContinuous")(poolId, on));
        continuous.set(poolId, on);
      } else if (r < 0.5) {
        op = "repay";
        if (model.of(poolId).since === 0n) continue;
        const held = principal.get(poolId)!;
        const p = big(0n, held / 8n + 1n);
        const i = big(1n, 3_000n * USD);
        await tx(w.as(w.originator).getFunction("repay")(poolId, p, i));
        principal.set(poolId, held - (p > held ? held : p));
        model.remit(poolId, p + i);
      } else if (r < 0.68) {
        op = "record";
        const period = chainLast.get(poolId)! + 1n;
        const opening = rand() < 0.08 ? 0n : big(200_000n * USD, 2_000_000n * USD);
        const t = {
          prevPeriod: period - 1n,
          opening,
          principalCollected: (opening * big(0n, 800n)) / 10_000n,
          interestCollected: (opening * big(0n, 150n)) / 10_000n + big(0n, 7n),
          recoveries: rand() < 0.3 ? big(0n, 20_000n * USD) : 0n,
        };
        await tx(
          probe.getFunction("setPeriodTotals")(poolId, period, {
            ...t,
            chargedOff: 0n,
            adjustmentsUp: 0n,
            adjustmentsDown: 0n,
            originations: 0n,
            closing: opening - t.principalCollected,
            removedAtExit: 0n,
          }),
        );
        recorded.get(poolId)!.set(period, t);
        chainLast.set(poolId, period);
      } else {
        op = "reconcile";
        const m = model.of(poolId);
        const next = (m.lastPeriod === 0n ? (m.since === 0n ? 1n : m.since) : m.lastPeriod) + 1n;
        const period = rand() < 0.6 ? next : BigInt(Math.floor(rand() * Number(chainLast.get(poolId)! + 3n)));
        const totals = recorded.get(poolId)!.get(period);
        const why = model.refusal(poolId, period, totals);
        const p = reconciler.getFunction("reconcile")(poolId, period);
        if (why === undefined) {
          const receipt = (await tx(p)) as { logs: { topics: string[]; data: string }[] };
          const events = receipt.logs
            .map((l) => reconciler.interface.parseLog(l))
            .filter((l) => l !== null)
            .map((l) => [l.name, ...l.args]);
          const res = model.reconcile(poolId, period, totals!, principal.get(poolId)!);
          const want: unknown[][] = [
            ["PeriodReconciled", poolId, period, res.exposure, res.due, res.expected, res.remitted],
          ];
          if (res.change !== undefined)
            want.push([
              res.change === "breach" ? "RemittanceBreach" : "RemittanceCured",
              poolId,
              period,
              res.expected,
              res.remitted,
            ]);
          expect(events).toEqual(want);
          if (res.change !== undefined) op = `reconcile-${res.change}`;
        } else {
          expect(await refusalOf(p)).toEqual(why);
          op = `reconcile-refused-${why.name}`;
        }
      }
      counts[op] = (counts[op] ?? 0) + 1;
      for (const id of POOLS) {
        const s = await reconciler.getFunction("reconciliation")(id);
        const m = model.of(id);
        expect([s.remitted, s.since, s.lastPeriod, s.breached, s.expected, s.exposure]).toEqual([
          m.remitted,
          m.since,
          m.lastPeriod,
          m.breached,
          m.expected,
          m.exposure,
        ]);
        expect((await vault.getFunction("positions")(id)).principal).toBe(principal.get(id));
      }
    }
    console.log(`reconciliation property test operations (seed ${seed}):`, JSON.stringify(counts));
    expect(counts.reconcile ?? 0).toBeGreaterThan(0);
    expect(Object.keys(counts).filter((k) => k.startsWith("reconcile-refused")).length).toBeGreaterThan(2);
  });
});
