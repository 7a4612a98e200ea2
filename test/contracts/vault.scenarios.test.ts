/**
 * The attacks and defects of issue 13, each rebuilt against the real vault with real proofs and expected to
 * fail now: recovery sniping of a wiped-out tranche, temporary markdowns turned into permanent transfers,
 * truncated settlements after wipe-outs, exits at pre-loss prices, free headroom squatting; plus the trigger,
 * the freshness check at deployment and pool removal. Each `it` builds its own world.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { DEFAULT_VAULT_CONFIG, deployVault, type VaultConfig } from "../../deploy/index.ts";
import { depositShares, redeemValue, type Triple } from "../../sdk/index.ts";
import type { PoolFigures } from "../../sdk/index.ts";
import { DAY, healthyFigures, revertOf, terminateCurves } from "./helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

afterAll(terminateCurves);

type Receipt = { logs: { topics: string[]; data: string }[] };
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await (await p).wait()) as Receipt;
/** A trigger that never trips, to look at one rule at a time. */
const NO_TRIGGER: VaultConfig = {
  ...DEFAULT_VAULT_CONFIG,
  triggerDelinquencyBps: 10_000,
  triggerLossBps: 10_000,
};
/** Outstanding 10,000 USD-cents·10^4 units with no delinquency at all: no haircut. */
const clean = (over: Partial<PoolFigures> = {}) =>
  healthyFigures(10n ** 10n, { bucket30: 0n, bucket60: 0n, ...over });

interface Deal {
  w: VaultWorld;
  vault: Contract;
  period: bigint;
  claims(): Promise<Triple>;
  ledgers(): Promise<{ balances: Triple; pdl: Triple; claims: Triple; reserve: bigint }>;
  /** A new attestation of pool 1 dated today. */
  attest(figures: PoolFigures): Promise<void>;
  close(): Promise<{ name: string; args: unknown[] }[]>;
  deferred(logs: { name: string; args: unknown[] }[]): string[];
  value(t: number, who: VaultWorld["users"][0]): Promise<bigint>;
}

/** Senior 750k, mezzanine 100k, junior 150k, all invested in an 800k position in a clean pool 1. */
async function deal(config: VaultConfig = NO_TRIGGER): Promise<Deal> {
  const w = await makeVaultWorld(config);
  const vault = w.vault;
  const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
  await tx(vault.getFunction("closeEpoch")());
  for (const [u, t] of [
    [a, 0],
    [b, 1],
    [c, 2],
  ] as const)
    await tx(w.as(u).getFunction("claimDeposit")(t));
  const d: Deal = {
    w,
    vault,
    period: 0n,
    claims: async () => [...(await vault.getFunction("getClaims")())] as Triple,
    ledgers: async () => {
      const [balances, pdl, claims, reserve] = await vault.getFunction("ledgers")();
      return {
        balances: [...balances] as Triple,
        pdl: [...pdl] as Triple,
        claims: [...claims] as Triple,
        reserve,
      };
    },
    attest: async (figures) => {
      d.period += 1n;
      await w.submit(await w.attest({ poolId: 1n, period: d.period, figures }));
    },
    close: async () => {
      const r = await tx(vault.getFunction("closeEpoch")());
      return r.logs
        .map((l) => vault.interface.parseLog(l))
        .filter((l) => l !== null)
        .map((l) => ({ name: l.name, args: [...l.args] }));
    },
    deferred: (logs) =>
      logs
        .filter((l) => l.name === "BatchDeferred")
        .map(
          (l) =>
            `${["senior", "mezzanine", "junior"][Number(l.args[0])]} ${l.args[1] ? "deposit" : "redeem"}: ${["", "locked", "impaired", "trigger", "cash", "subordination"][Number(l.args[3])]}`,
        ),
    value: async (t, who) =>
      w.tranches[t]!.getFunction("convertToAssets")(
        await w.tranches[t]!.getFunction("balanceOf")(await who.getAddress()),
      ),
  };
  await d.attest(clean());
  await tx(vault.getFunction("include")(1n, 800_000n * USD));
  await d.close();
  expect(await d.claims()).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
  return d;
}

/** Figures whose cumulative chargedOff makes a position lose `lossBps` of its principal: delta/(out+delta). */
const chargedOff = (cumulativeBps: bigint) =>
  clean({
    outstanding: 10n ** 10n - (10n ** 10n * cumulativeBps) / 10_000n,
    chargedOff: (10n ** 10n * cumulativeBps) / 10_000n,
  });

describe("issue 13 scenarios", () => {
  it("recovery sniping is unprofitable: a deposit into a wiped tranche waits for the cure and buys at the cured price", async () => {
    const d = await deal();
    const { w } = d;
    const [, , c, sniper] = w.users as VaultWorld["users"];
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(2_500n)); // 25% of the 800k position: 200k, more than junior's 150k
    await tx(w.as(sniper!).getFunction("requestDeposit")(2, 1_000n)); // 0.001 USD
    const logs = await d.close();
    expect((await d.ledgers()).pdl).toEqual([0n, 50_000n * USD, 150_000n * USD]);
    expect(await d.claims()).toEqual([750_000n * USD, 50_000n * USD, 0n]);
    expect(d.deferred(logs)).toEqual(["junior deposit: impaired"]);
    expect(await w.tranches[2]!.getFunction("totalSupply")()).toBe(150_000n * USD * 10n ** 6n);
    // the recovery: 442,272 USD of collections
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 442_272n * USD));
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(2_500n));
    await d.close();
    const l = await d.ledgers();
    expect(l.pdl).toEqual([0n, 0n, 0n]);
    // coupons 7,500 + 2,000; mezzanine's 50k cured, junior's 150k cured, residual 232,772 to junior
    expect(l.balances).toEqual([757_500n * USD, 102_000n * USD, 382_772n * USD + 1_000n]);
    await tx(w.as(sniper!).getFunction("claimDeposit")(2));
    const sniped = await d.value(2, sniper!);
    expect(sniped).toBeLessThanOrEqual(1_000n);
    // the old holders get the whole recovery above the coupons and the mezzanine cure (rounding: 2 units)
    expect(await d.value(2, c!)).toBeGreaterThanOrEqual(382_772n * USD - 2n);
  });

  it("a markdown is a reserve: one breach bit then a clean attestation restores senior 750k, mezzanine 100k, junior 150k", async () => {
    const d = await deal(DEFAULT_VAULT_CONFIG);
    const { w } = d;
    const [a, , , e] = w.users as VaultWorld["users"];
    await w.increaseTime(31n * DAY);
    await d.attest(clean({ breaches: 1n << 3n }));
    await tx(w.as(e!).getFunction("requestDeposit")(2, 10_000n * USD));
    await tx(w.as(a!).getFunction("requestRedeem")(0, 100_000n * USD * 10n ** 6n));
    const logs = await d.close();
    // 50% of 800k marked down, junior first: junior and mezzanine priced at 0, senior at 600k
    expect(await d.claims()).toEqual([600_000n * USD, 0n, 0n]);
    const l = await d.ledgers();
    expect([l.balances, l.pdl]).toEqual([
      [750_000n * USD, 100_000n * USD, 150_000n * USD],
      [0n, 0n, 0n],
    ]);
    // nobody enters or leaves at the marked-down prices
    expect(d.deferred(logs).sort()).toEqual(["junior deposit: locked", "senior redeem: locked"]);
    await w.increaseTime(DAY);
    await d.attest(clean());
    const logs2 = await d.close();
    expect(d.deferred(logs2)).toEqual([]);
    // restored, then the locked requests ran at the restored prices
    const closed = logs2.find((x) => x.name === "MarkdownApplied")!;
    expect(closed.args[3]).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
    expect(await d.claims()).toEqual([650_000n * USD, 100_000n * USD, 160_000n * USD]);
  });

  it("no truncation: a 1M deposit into a twice wiped-out tranche mints nothing until cured, then at a sane price", async () => {
    const d = await deal();
    const { w } = d;
    const [, , , e] = w.users as VaultWorld["users"];
    const supply0 = (await w.tranches[2]!.getFunction("totalSupply")()) as bigint;
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(2_000n)); // 160k: junior wiped
    await tx(w.as(e!).getFunction("requestDeposit")(2, 1_000_000n * USD));
    expect(d.deferred(await d.close())).toEqual(["junior deposit: impaired"]);
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(4_000n)); // and mezzanine too
    expect(d.deferred(await d.close())).toEqual(["junior deposit: impaired"]);
    expect((await d.ledgers()).claims[2]).toBe(0n);
    expect(await w.tranches[2]!.getFunction("totalSupply")()).toBe(supply0);
    // the recovery cures every PDL; the waiting deposit then executes at the cured price
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 2_000_000n * USD));
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(4_000n));
    const before = await d.claims();
    const logs = await d.close();
    expect(d.deferred(logs)).toEqual([]);
    const md = logs.find((x) => x.name === "MarkdownApplied")!.args[3] as Triple;
    expect(md[2]).toBeGreaterThan(before[2]);
    await tx(w.as(e!).getFunction("claimDeposit")(2));
    const shares = (await w.tranches[2]!.getFunction("balanceOf")(await e!.getAddress())) as bigint;
    expect(shares).toBe(depositShares(md[2], supply0, 1_000_000n * USD));
    expect(shares).toBeLessThan(supply0 * 10n);
    // settlements are uint256: a deposit worth more than 2^128 shares is recorded and claimed exactly
    const huge = 1n << 130n;
    await tx((w.token.connect(e!) as Contract).getFunction("mint")(await e!.getAddress(), huge));
    const [c2, s2] = [(await d.claims())[2], (await w.tranches[2]!.getFunction("totalSupply")()) as bigint];
    await tx(w.as(e!).getFunction("requestDeposit")(2, huge));
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(4_000n));
    await d.close();
    const settled = await w.vault.getFunction("depositSettlements")(2, 2n);
    expect([settled.amountIn, settled.amountOut]).toEqual([huge, depositShares(c2, s2, huge)]);
    expect(settled.amountOut > 1n << 128n).toBe(true);
  });

  it("no pre-loss exit: a redemption requested before a loss attestation runs only after it, at the post-loss price", async () => {
    const d = await deal({ ...NO_TRIGGER, minSubordinationBps: 1_000 });
    const { w, vault } = d;
    const [, , c] = w.users as VaultWorld["users"];
    const shares = ((await w.tranches[2]!.getFunction("balanceOf")(await c!.getAddress())) as bigint) / 3n;
    await tx(w.as(c!).getFunction("requestRedeem")(2, shares));
    // the owner closes at once, before the month's attestation (it would show the loss): locked
    expect(d.deferred(await d.close())).toEqual(["junior redeem: locked"]);
    expect(await vault.getFunction("pendingRedeem")(2, await c!.getAddress())).toBe(shares);
    await w.increaseTime(31n * DAY);
    await d.attest(chargedOff(1_250n)); // 100k loss
    const logs = await d.close();
    expect(d.deferred(logs)).toEqual([]);
    const post = logs.find((x) => x.name === "MarkdownApplied")!.args[3] as Triple;
    expect(post[2]).toBe(50_000n * USD);
    const supply = 150_000n * USD * 10n ** 6n;
    const [, assets] = await vault.getFunction("claimableRedeem")(2, await c!.getAddress());
    expect(assets).toBe(redeemValue(post[2], supply, shares));
    expect(assets).toBeLessThanOrEqual(16_667n * USD); // not the pre-loss 50,000
  });

  it("no free headroom squatting: a pending senior deposit blocks no junior exit; only an executed one takes the headroom", async () => {
    const d = await deal();
    const { w, vault } = d;
    const [a, , c] = w.users as VaultWorld["users"];
    const jShares = (await w.tranches[2]!.getFunction("balanceOf")(await c!.getAddress())) as bigint;
    const exit = jShares / 5n; // 30k: fine alone (22.7%), not with a 250k senior deposit on top (18%)
    await tx(w.as(a!).getFunction("requestDeposit")(0, 250_000n * USD));
    await tx(w.as(c!).getFunction("requestRedeem")(2, exit)); // was Vault__SubordinationBreached
    await tx(w.as(a!).getFunction("cancelDeposit")(0)); // free, and it took nothing
    await w.increaseTime(31n * DAY);
    await d.attest(clean());
    expect(d.deferred(await d.close())).toEqual([]);
    expect((await d.claims())[2]).toBe(120_000n * USD);
    // a deposit that is not cancelled executes first and, executed, can no longer be cancelled: it holds the
    // headroom at the cost of being invested (100k senior: 20.6%; then a 10k junior exit would make 19.8%)
    await tx(w.as(a!).getFunction("requestDeposit")(0, 100_000n * USD));
    await tx(w.as(c!).getFunction("requestRedeem")(2, exit / 3n));
    await w.increaseTime(31n * DAY);
    await d.attest(clean());
    expect(d.deferred(await d.close())).toEqual(["junior redeem: subordination"]);
    const r = await revertOf(w.as(a!).getFunction("cancelDeposit")(0), vault);
    expect(r.name).toBe("Vault__NothingPending");
  });

  it("the trigger: 60+ days delinquency over 10% switches to sequential and traps junior's residual until cured", async () => {
    const d = await deal(DEFAULT_VAULT_CONFIG);
    const { w, vault } = d;
    const [, b, c] = w.users as VaultWorld["users"];
    const cfg = await vault.getFunction("config")();
    expect([cfg.triggerDelinquencyBps, cfg.triggerLossBps]).toEqual([1_000n, 500n]);
    await tx(w.as(b!).getFunction("requestRedeem")(1, 10_000n * USD * 10n ** 6n));
    await tx(w.as(c!).getFunction("requestRedeem")(2, 10_000n * USD * 10n ** 6n));
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 30_000n * USD));
    await w.increaseTime(31n * DAY);
    await d.attest(clean({ bucket60: 8n * 10n ** 8n, bucket90: 4n * 10n ** 8n })); // 12% 60+
    const logs = await d.close();
    const trig = logs.find((x) => x.name === "TriggerChanged")!;
    expect([trig.args[1], trig.args[2]]).toEqual([true, 1_200n]);
    expect(d.deferred(logs).sort()).toEqual(["junior redeem: trigger", "mezzanine redeem: trigger"]);
    const l = await d.ledgers();
    // coupons 7,500 and 2,000 paid; the 20,500 residual is trapped, junior's balance unchanged
    expect(l.balances).toEqual([757_500n * USD, 102_000n * USD, 150_000n * USD]);
    expect(l.reserve).toBe(20_500n * USD);
    // cured: the reserve is released to junior, the redemptions run
    await w.increaseTime(31n * DAY);
    await d.attest(clean());
    const logs2 = await d.close();
    expect(logs2.find((x) => x.name === "TriggerChanged")!.args[1]).toBe(false);
    expect(d.deferred(logs2)).toEqual([]);
    const l2 = await d.ledgers();
    expect(l2.reserve).toBe(0n);
    const out = redeemValue(170_500n * USD, 150_000n * USD * 10n ** 6n, 10_000n * USD * 10n ** 6n);
    expect(l2.balances[2]).toBe(170_500n * USD - out);
  });

  it("the vault's freshness window is the registry's: a mismatch is refused at deployment", async () => {
    const w = await makeVaultWorld();
    const r = await revertOf(
      deployVault(w.gov, {
        asset: await w.token.getAddress(),
        registry: await w.registry.getAddress(),
        config: { ...DEFAULT_VAULT_CONFIG, maxAge: 30n * DAY },
      }),
      w.vault,
    );
    expect(r).toEqual({ name: "Vault__FreshnessMismatch", args: [30n * DAY, 45n * DAY] });
  });

  it("repaid and written-off pools can be removed; a written-off pool's principal becomes a realised loss", async () => {
    const d = await deal();
    const { w, vault } = d;
    const r = await revertOf(vault.getFunction("removePool")(1n), vault);
    expect(r).toEqual({ name: "Vault__PoolActive", args: [1n, 800_000n * USD, 10n ** 10n] });
    // the tape has nothing outstanding any more (everything repaid or gone): the rest is written off
    await tx(w.as(w.originator).getFunction("repay")(1n, 700_000n * USD, 0n));
    await d.attest(clean({ outstanding: 0n, scoreWeightedBalance: 0n, maxLoanBalance: 0n }));
    await tx(vault.getFunction("removePool")(1n));
    expect(await vault.getFunction("poolCount")()).toBe(0n);
    await d.close();
    const l = await d.ledgers();
    expect(l.pdl).toEqual([0n, 0n, 100_000n * USD]);
    // collections on a removed pool are still income (a recovery): they cure junior's PDL
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 120_000n * USD));
    await d.close();
    expect((await d.ledgers()).pdl).toEqual([0n, 0n, 0n]);
  });
});
