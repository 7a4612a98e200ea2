/**
 * Issue 21, item 1: a projection's months agree with the deployed TrancheVault on the same inputs. The
 * projection (analytics/projection.ts) runs a pool with defaults, prepayments and lagged recoveries through the
 * vault's TypeScript model; here the same deposits, funding, collections, attestations (real proofs through
 * the registry) and redemption requests go to the real contracts (deployed by deploy/index.ts, as the contract
 * tests do), and after every close the contract's ledgers (balances, PDLs, priced claims, reserve) and trigger
 * must equal the projection's, to the unit.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { projectPool, projectVault } from "../../analytics/index.ts";
import { DEFAULT_VAULT_CONFIG, type VaultConfig } from "../../deploy/index.ts";
import { modelParamsFromConfig, type Triple } from "../../sdk/index.ts";
import { DAY, terminateCurves } from "../contracts/helpers.ts";
import { makeVaultWorld, USD, type VaultWorld } from "../contracts/vault-world.ts";

afterAll(terminateCurves);

const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();

describe("projection against the contract", () => {
  it("distributes each projected month exactly as the vault does", async () => {
    const config: VaultConfig = { ...DEFAULT_VAULT_CONFIG, seniorCouponBps: 60, mezzanineCouponBps: 90 };
    // 1,000,000 USD of 12% loans with 18 months left; 20% CDR, 10% CPR, severity 40%, recoveries a month later
    const pool = projectPool([{ balance: 1_000_000 * 1e6, annualRate: 0.12, remainingMonths: 18 }], {
      cdr: 0.2,
      cpr: 0.1,
      severity: 0.4,
      recoveryLag: 1,
    });
    const months = 4;
    const short = { ...pool, periods: pool.periods.slice(0, months) };
    const tranches: Triple = [700_000n * USD, 100_000n * USD, 150_000n * USD];
    const p = projectVault({ pool: short, params: modelParamsFromConfig(config), tranches });
    expect(p.funded).toBe(950_000n * USD);
    // the path is not trivial: losses reach junior's PDL, redemptions are requested
    expect(p.tranches[2]!.firstImpairedMonth).not.toBeNull();
    expect(p.periods.some((q) => q.redeemShares[0] > 0n)).toBe(true);

    const w: VaultWorld = await makeVaultWorld(config);
    const users = w.users.slice(0, 3);
    for (const t of [2, 1, 0] as const)
      await tx(w.as(users[t]!).getFunction("requestDeposit")(t, tranches[t]));
    await tx(w.vault.getFunction("closeEpoch")());
    for (const t of [0, 1, 2] as const) await tx(w.as(users[t]!).getFunction("claimDeposit")(t));
    let period = 1n;
    const attest = async (figures: typeof p.start.figures) => {
      await w.submit(await w.attest({ poolId: 1n, period: period++, figures }));
    };
    await attest(p.start.figures);
    await tx(w.vault.getFunction("include")(1n, p.funded));
    const ledgers = async () => {
      const [balances, pdl, claims, reserve] = await w.vault.getFunction("ledgers")();
      return { balances: [...balances], pdl: [...pdl], claims: [...claims], reserve: reserve as bigint };
    };
    for (let k = 0; k < months; k++) {
      const q = p.periods[k]!;
      await tx(w.as(w.originator).getFunction("repay")(1n, q.repayPrincipal, q.repayIncome));
      // redemption requests of this epoch (shares were claimed at the deposit close; settled ones are claimed
      // automatically by a new request)
      for (const t of [0, 1, 2] as const) {
        if (q.cancelledShares[t] > 0n) await tx(w.as(users[t]!).getFunction("cancelRedeem")(t));
        if (q.redeemShares[t] > 0n)
          await tx(w.as(users[t]!).getFunction("requestRedeem")(t, q.redeemShares[t]));
      }
      await w.increaseTime(30n * DAY);
      await attest(q.attestation.figures);
      await tx(w.vault.getFunction("closeEpoch")());
      const l = await ledgers();
      const expected = {
        balances: p.tranches.map((t) => t.periods[k]!.balance),
        pdl: p.tranches.map((t) => t.periods[k]!.pdl),
        claims: p.tranches.map((t) => t.periods[k]!.claim),
        reserve: q.reserve,
      };
      expect({ month: k + 1, ...l }).toEqual({ month: k + 1, ...expected });
      expect(await w.vault.getFunction("triggered")()).toBe(q.triggered);
      // what left the vault for the redeeming holders equals the projection's payments
      for (const t of [0, 1, 2] as const) {
        const paid = p.tranches[t]!.periods[k]!.paid;
        if (paid > 0n) {
          const c = w.tranches[t] as Contract;
          expect(await c.getFunction("maxWithdraw")(await users[t]!.getAddress())).toBe(paid);
        }
      }
    }
  });
});
