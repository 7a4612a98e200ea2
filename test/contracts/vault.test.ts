import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import { DAY, healthyFigures, revertOf, terminateCurves } from "./helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

let w: VaultWorld;
let vault: Contract;
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();

beforeAll(async () => {
  w = await makeVaultWorld();
  vault = w.vault;
  // pool 1: healthy; pool 2: attested with a breach; pool 3: chunked and incomplete (one committed chunk of 2)
  await w.submit(await w.attest({ poolId: 1n, period: 1n }));
  await w.submit(
    await w.attest({ poolId: 2n, period: 1n, figures: healthyFigures(10n ** 10n, { breaches: 8n }) }),
  );
  await w.submitChunk(await w.commitChunk({ poolId: 3n, period: 1n, chunkIndex: 0n, chunkCount: 2n }));
  expect((await w.registry.getFunction("committedBatch")(3n))[0]).toBe(true);
});
afterAll(terminateCurves);

const claims = async () => (await vault.getFunction("getClaims")()).map((x: bigint) => x) as bigint[];

describe("TrancheVault: requests, subordination, epoch close", () => {
  it("refuses a senior deposit that would leave subordination below the minimum", async () => {
    const r = await revertOf(w.as(w.users[0]!).getFunction("requestDeposit")(0, 100n * USD), vault);
    expect(r).toEqual({ name: "Vault__SubordinationBreached", args: [0n, 2_000n] });
  });

  it("executes requests only at epoch close, at that epoch's prices", async () => {
    const [a, b, c] = w.users as [(typeof w.users)[0], (typeof w.users)[0], (typeof w.users)[0]];
    await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
    await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
    await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
    expect(await claims()).toEqual([0n, 0n, 0n]);
    expect(await w.tranches[0]!.getFunction("totalSupply")()).toBe(0n);
    await tx(vault.getFunction("closeEpoch")());
    expect(await claims()).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
    await tx(w.as(a).getFunction("claimDeposit")(0));
    const shares = await w.tranches[0]!.getFunction("balanceOf")(await a.getAddress());
    expect(shares).toBe(750_000n * USD * 10n ** 6n);
    // ERC-4626 views work for integrators; ERC-4626 deposit is the ERC-7540 claim (nothing left to claim)
    // and the previews revert: the price is set at the close
    expect(await w.tranches[0]!.getFunction("convertToAssets")(shares)).toBe(750_000n * USD);
    expect(await w.tranches[0]!.getFunction("maxDeposit")(await a.getAddress())).toBe(0n);
    const sync = w.tranches[0]!.connect(a) as Contract;
    const r = await revertOf(sync.getFunction("deposit(uint256,address)")(1n, await a.getAddress()), vault);
    expect(r).toEqual({ name: "Vault__NotClaimable", args: [0n, await a.getAddress(), 1n, 0n] });
    expect((await revertOf(sync.getFunction("previewDeposit")(1n), vault)).name).toBe("Vault__AsyncOnly");
  });

  it("refuses a junior redemption that would breach subordination, accepts a small one", async () => {
    const c = w.users[2]!;
    await tx(w.as(c).getFunction("claimDeposit")(2));
    const bal = await w.tranches[2]!.getFunction("balanceOf")(await c.getAddress());
    const r = await revertOf(w.as(c).getFunction("requestRedeem")(2, bal), vault);
    expect(r.name).toBe("Vault__SubordinationBreached");
    expect(r.args[0] as bigint).toBeLessThan(2_000n);
    await tx(w.as(c).getFunction("requestRedeem")(2, bal / 30n));
  });

  it("ignores donations (no first-depositor inflation through the price)", async () => {
    const before = await w.tranches[1]!.getFunction("convertToAssets")(10n ** 12n);
    await tx(
      (w.token.connect(w.users[3]!) as Contract).getFunction("transfer")(
        await vault.getAddress(),
        10n ** 6n * USD,
      ),
    );
    expect(await w.tranches[1]!.getFunction("convertToAssets")(10n ** 12n)).toBe(before);
    expect(await claims()).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
  });
});

describe("TrancheVault: cancelling requests", () => {
  it("returns a pending deposit and refuses to cancel twice or after execution", async () => {
    const u = w.users[3]!;
    const me = await u.getAddress();
    const before = await w.token.getFunction("balanceOf")(me);
    const pending = await vault.getFunction("pendingDeposits")(1);
    await tx(w.as(u).getFunction("requestDeposit")(1, 1_234n * USD));
    expect(await w.token.getFunction("balanceOf")(me)).toBe(before - 1_234n * USD);
    await tx(w.as(u).getFunction("cancelDeposit")(1));
    expect(await w.token.getFunction("balanceOf")(me)).toBe(before);
    expect(await vault.getFunction("pendingDeposits")(1)).toBe(pending);
    const r = await revertOf(w.as(u).getFunction("cancelDeposit")(1), vault);
    expect(r).toEqual({ name: "Vault__NothingPending", args: [1n, me] });
    // an executed request (user a's senior deposit) cannot be cancelled
    const r2 = await revertOf(w.as(w.users[0]!).getFunction("cancelDeposit")(0), vault);
    expect(r2.name).toBe("Vault__NothingPending");
  });
});

describe("TrancheVault: include only attested, fresh, compliant pools", () => {
  it("refuses a pool without a complete attestation (incomplete chunked pool)", async () => {
    const r = await revertOf(vault.getFunction("include")(3n, 1_000n * USD), vault);
    expect(r).toEqual({ name: "Vault__NoValidAttestation", args: [3n] });
  });

  it("refuses a pool reporting a covenant breach", async () => {
    const r = await revertOf(vault.getFunction("include")(2n, 1_000n * USD), vault);
    expect(r).toEqual({ name: "Vault__PoolBreached", args: [2n, 8n] });
  });

  it("refuses a pool under a policy the vault does not accept", async () => {
    await tx(vault.getFunction("setPolicyAccepted")(w.policyHash, false));
    const r = await revertOf(vault.getFunction("include")(1n, 1_000n * USD), vault);
    expect(r.name).toBe("Vault__PolicyNotAccepted");
    await tx(vault.getFunction("setPolicyAccepted")(w.policyHash, true));
  });

  it("refuses pools beyond the vault's own limits, naming the limit and the value", async () => {
    const cases: [Parameters<typeof healthyFigures>[1], number][] = [
      [{ bucket30: 2_000_000_000n }, 1],
      [{ bucket60: 1_100_000_000n }, 2],
      [{ bucket90: 600_000_000n }, 3],
      [{ maxLoanBalance: 3_000_000_000n }, 4],
      [{ scoreWeightedBalance: 10n ** 10n * 590n }, 5],
    ];
    let period = 2n;
    for (const [over, limit] of cases) {
      await w.submit(
        await w.attest({ poolId: 2n, period: period++, figures: healthyFigures(10n ** 10n, over) }),
      );
      const r = await revertOf(vault.getFunction("include")(2n, 1_000n * USD), vault);
      expect(r.name).toBe("Vault__LimitExceeded");
      expect(r.args[1]).toBe(BigInt(limit));
    }
    await w.submit(await w.attest({ poolId: 2n, period: period++ }));
    const big = DEFAULT_VAULT_CONFIG.maxExposurePerPool + 1n;
    const r = await revertOf(vault.getFunction("include")(2n, big), vault);
    expect(r.args.slice(0, 2)).toEqual([2n, 6n]);
    const cash = await vault.getFunction("cash")();
    const r2 = await revertOf(vault.getFunction("include")(2n, cash + 1n), vault);
    expect(r2).toEqual({ name: "Vault__InsufficientCash", args: [cash + 1n, cash] });
    const r3 = await revertOf(w.as(w.users[0]!).getFunction("include")(2n, 1n), vault);
    expect(r3.name).toBe("OwnableUnauthorizedAccount");
  });

  it("funds an eligible pool, pays coupons senior-first, writes losses junior-first into the PDLs, and reverses a stale markdown", async () => {
    const origin = await w.originator.getAddress();
    const before = await w.token.getFunction("balanceOf")(origin);
    expect(await vault.getFunction("eligible")(1n, 500_000n * USD)).toBe(true);
    await tx(vault.getFunction("include")(1n, 500_000n * USD));
    expect((await w.token.getFunction("balanceOf")(origin)) - before).toBe(500_000n * USD);
    // collections: 20k interest; pool 1's haircuts (1% in 30d at 25%, 0.5% in 60d at 50%) mark 2.5k down
    await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 20_000n * USD));
    const [, b, , d] = w.users as [
      (typeof w.users)[0],
      (typeof w.users)[0],
      (typeof w.users)[0],
      (typeof w.users)[0],
    ];
    // requests made in this epoch wait for an attestation dated after the epoch began (no exit or entry
    // on information older than the request)
    await tx(w.as(d).getFunction("requestDeposit")(2, 10_000n * USD));
    const [b0] = await vault.getFunction("ledgers")();
    const r1 = await (await vault.getFunction("closeEpoch")()).wait();
    const deferred = r1.logs
      .map((l: { topics: string[]; data: string }) => vault.interface.parseLog(l))
      .filter((l: { name: string } | null) => l?.name === "BatchDeferred")
      .map((l: { args: unknown[] }) => [...l.args]);
    expect(deferred).toContainEqual([2n, true, 1n, 1n]); // junior deposits: locked
    expect(await vault.getFunction("pendingDeposit")(2, await d.getAddress())).toBe(10_000n * USD);
    const [b1, p1, c1] = await vault.getFunction("ledgers")();
    expect(b1[0] - b0[0]).toBe(7_500n * USD); // senior coupon 1% of 750k
    expect(b1[1] - b0[1]).toBe(2_000n * USD); // mezzanine coupon 2% of 100k
    expect(b1[2] - b0[2]).toBe(10_500n * USD); // junior: the residual
    expect([...p1]).toEqual([0n, 0n, 0n]);
    expect(c1[2]).toBe(b1[2] - 2_500n * USD); // the haircut is a provisional markdown on junior's price
    expect(c1[0]).toBe(b1[0]);

    // a charge-off of 20% of the pool a month later: realised junior-first into junior's PDL
    await w.increaseTime(31n * DAY);
    await w.submit(
      await w.attest({
        poolId: 1n,
        period: 2n,
        figures: healthyFigures(8_000_000_000n, { chargedOff: 2_000_000_000n }),
      }),
    );
    await tx(w.as(b).getFunction("requestDeposit")(2, 10_000n * USD));
    await tx(vault.getFunction("closeEpoch")());
    const [b2, p2, c2] = await vault.getFunction("ledgers")();
    const loss = (500_000n * USD * 2n + 9n) / 10n; // ceil(principal · 2e9 / 10e9)
    expect([...p2]).toEqual([0n, 0n, loss]);
    expect([b2[0], b2[1]]).toEqual([b1[0], b1[1]]);
    expect(c2[2]).toBeLessThan(c1[2]);
    // junior carries a PDL (and the 20% loss trips the trigger): its deposits wait, so they inherit nothing
    expect(await vault.getFunction("triggered")()).toBe(true);
    expect(await vault.getFunction("pendingDeposit")(2, await b.getAddress())).toBe(10_000n * USD);
    for (const u of [b, d]) {
      const bal = await w.token.getFunction("balanceOf")(await u.getAddress());
      await tx(w.as(u).getFunction("cancelDeposit")(2));
      expect((await w.token.getFunction("balanceOf")(await u.getAddress())) - bal).toBe(10_000n * USD);
    }
    expect(await vault.getFunction("eligible")(1n, 1n)).toBe(true);

    // the pool goes stale: no new funding; its value is marked down 50%, provisionally
    await w.increaseTime(46n * DAY);
    const r = await revertOf(vault.getFunction("include")(1n, 1n), vault);
    expect(r.name).toBe("Vault__StaleAttestation");
    await tx(vault.getFunction("closeEpoch")());
    const [b3, p3, c3] = await vault.getFunction("ledgers")();
    expect([[...b3], [...p3]]).toEqual([[...b2], [...p2]]); // nothing realised
    expect([c3[1], c3[2]]).toEqual([0n, 0n]); // the ~200k markdown exceeds junior + mezzanine
    expect(c3[0]).toBeLessThan(c2[0]);
    // a fresh attestation with the same figures reverses the markdown: every claim comes back
    await w.submit(
      await w.attest({
        poolId: 1n,
        period: 3n,
        figures: healthyFigures(8_000_000_000n, { chargedOff: 2_000_000_000n }),
      }),
    );
    await tx(vault.getFunction("closeEpoch")());
    const [b4, p4, c4] = await vault.getFunction("ledgers")();
    expect([[...b4], [...p4], [...c4]]).toEqual([[...b2], [...p2], [...c2]]);
  });

  it("lets anyone close only after the epoch length", async () => {
    const r = await revertOf(w.as(w.users[1]!).getFunction("closeEpoch")(), vault);
    expect(r.name).toBe("Vault__EpochNotOver");
  });
});
