/**
 * The tranche vault with stand-in attestations (test/contracts/fixtures/stand-in.ts): ERC-7540 requests that
 * execute only at the epoch close, at that epoch's prices, within the subordination minimum; cancelling a
 * pending request; donations that move no price; and the pools it funds: only attested, complete, compliant
 * pools under an accepted policy within the vault's limits and cash, by governance. A funded pool's life:
 * coupons paid senior-first at the close, a delinquency haircut marked provisionally on junior, a charge-off
 * realised junior-first into its PDL (tripping the trigger, so that junior deposits wait), a stale
 * attestation marked down and refused new funding, and a fresh one reversing the markdown.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the vault world (pool 1
 * healthy, pool 2 reporting a breach, pool 3 with one committed chunk of two; an EVM snapshot the chain is put
 * back to before each test that changes it) and the attestations tests submit later (dated ahead, on the day
 * the test advances the chain to); made for the test, the vault at the stage the claim is about (deposits
 * requested, the first epoch closed, pool 1 funded, its coupons paid, its charge-off realised, its attestation
 * stale). The two stages most tests start from, pool 1's coupons paid and its charge-off realised, are built
 * once and snapshotted: a test at one of them starts from that snapshot (until a test puts the chain back to
 * an earlier state, which drops it: then it is built again).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract, TransactionReceipt } from "ethers";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import { DAY, healthyFigures, revertOf, terminateCurves } from "./helpers.ts";
import type { ProofWithSignals } from "./fixtures/stand-in.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
type User = VaultWorld["users"][number];
/** The vault's book values, PDLs and claims, each per tranche. */
type Ledgers = [bigint[], bigint[], bigint[]];

/** Pool 2's figures beyond each of the vault's own limits, and the limit's number. */
const LIMITS: [string, Parameters<typeof healthyFigures>[1], number][] = [
  ["30-day bucket", { bucket30: 2_000_000_000n }, 1],
  ["60-day bucket", { bucket60: 1_100_000_000n }, 2],
  ["90-day bucket", { bucket90: 600_000_000n }, 3],
  ["concentration", { maxLoanBalance: 3_000_000_000n }, 4],
  ["average score", { scoreWeightedBalance: 10n ** 10n * 590n }, 5],
];
/** Pool 1's charge-off of 20% of the pool: its figures from period 2 on. */
const CHARGED_OFF = healthyFigures(8_000_000_000n, { chargedOff: 2_000_000_000n });

/** The vault world as deployed, the day it was; `reset` puts the chain back to it. */
interface Deployed {
  w: VaultWorld;
  today: bigint;
  reset(): Promise<void>;
  /**
   * The chain at a named stage: built by `build` (from the world as deployed) the first time, then put back
   * from a snapshot taken after it, as long as no test has put the chain back to an earlier state since.
   */
  at<T>(name: string, build: () => Promise<T>): Promise<T>;
}

async function deploy(): Promise<Deployed> {
  const w = await makeVaultWorld();
  // pool 1: healthy; pool 2: attested with a breach; pool 3: chunked and incomplete (one committed chunk of 2)
  await w.submit(await w.attest({ poolId: 1n, period: 1n }));
  await w.submit(
    await w.attest({ poolId: 2n, period: 1n, figures: healthyFigures(10n ** 10n, { breaches: 8n }) }),
  );
  await w.submitChunk(await w.commitChunk({ poolId: 3n, period: 1n, chunkIndex: 0n, chunkCount: 2n }));
  const today = await w.today();
  const send = (m: string, p: unknown[]) => w.ethers.provider.send(m, p);
  let snapshot = (await send("evm_snapshot", [])) as string;
  const stages = new Map<string, { id: string; value: unknown }>();
  const reset = async () => {
    // a snapshot is used up by reverting to it: take it again
    expect(await send("evm_revert", [snapshot])).toBe(true);
    snapshot = (await send("evm_snapshot", [])) as string;
  };
  return {
    w,
    today,
    reset,
    async at<T>(name: string, build: () => Promise<T>): Promise<T> {
      const stage = stages.get(name);
      // reverting to an earlier snapshot drops the later ones: then the revert answers false
      if (stage !== undefined && (await send("evm_revert", [stage.id])) === true) {
        stage.id = (await send("evm_snapshot", [])) as string;
        return stage.value as T;
      }
      await reset();
      const value = await build();
      stages.set(name, { id: (await send("evm_snapshot", [])) as string, value });
      return value;
    },
  };
}

/** A fixture made once per file from the deployed world (a proof: it depends on nothing a test changes). */
const file = <T>(
  f: (d: Deployed) => Promise<T>,
): [
  ({ deployed }: { deployed: Deployed }, use: (v: T) => Promise<void>) => Promise<void>,
  { scope: "file" },
] => [
  // vitest reads a fixture's dependencies from its first parameter: it must be a destructuring pattern
  async ({ deployed }, use) => use(await f(deployed)),
  { scope: "file" },
];

const claims = async (w: VaultWorld) =>
  (await w.vault.getFunction("getClaims")()).map((x: bigint) => x) as bigint[];
const ledgers = async (w: VaultWorld): Promise<Ledgers> =>
  [...(await w.vault.getFunction("ledgers")())].slice(0, 3).map((l: bigint[]) => [...l]) as Ledgers;
const balance = async (w: VaultWorld, u: User): Promise<bigint> =>
  (await w.token.getFunction("balanceOf")(await u.getAddress())) as bigint;
/** Advances the chain a day and submits `p`, dated that day. */
const nextDay = async (w: VaultWorld, p: ProofWithSignals) => {
  await w.increaseTime(DAY);
  await w.submit(p);
};

/** Users a, b, c's deposit requests: 750k senior, 100k mezzanine, 150k junior. */
async function requestDeposits(w: VaultWorld): Promise<void> {
  const [a, b, c] = w.users as [User, User, User];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
}

/** Funds the vault, includes pool 1 for 500k; the originator's balance before the inclusion. */
async function include(w: VaultWorld): Promise<bigint> {
  await requestDeposits(w);
  await tx(w.vault.getFunction("closeEpoch")());
  const before = await balance(w, w.originator);
  await tx(w.vault.getFunction("include")(1n, 500_000n * USD));
  return before;
}

/** `include`, then 20k of interest repaid, user d's junior deposit of 10k requested, and the epoch closed. */
async function payCoupons(w: VaultWorld): Promise<{ b0: Ledgers; b1: Ledgers; receipt: TransactionReceipt }> {
  await include(w);
  // collections: 20k interest; pool 1's haircuts (1% in 30d at 25%, 0.5% in 60d at 50%) mark 2.5k down
  await tx(w.as(w.originator).getFunction("repay")(1n, 0n, 20_000n * USD));
  // requests made in this epoch wait for an attestation dated after the epoch began (no exit or entry
  // on information older than the request)
  await tx(w.as(w.users[3]!).getFunction("requestDeposit")(2, 10_000n * USD));
  const b0 = await ledgers(w);
  const receipt = (await (await w.vault.getFunction("closeEpoch")()).wait()) as TransactionReceipt;
  return { b0, b1: await ledgers(w), receipt };
}

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: VaultWorld;
  /** `world` with users a, b, c's deposit requests: 750k senior, 100k mezzanine, 150k junior. */
  requested: VaultWorld;
  /** `requested` with the epoch closed: the requests executed. */
  funded: VaultWorld;
  /** `funded` with user a's senior deposit claimed: a's shares. */
  claimed: { w: VaultWorld; shares: bigint };
  /** `funded` with user c's junior deposit claimed. */
  juniorClaimed: VaultWorld;
  /** Pool 2's attestations of period 2, dated the day after deployment, beyond each limit of LIMITS. */
  beyondLimits: ProofWithSignals[];
  /** Pool 2's healthy attestation of period 2, dated the day after deployment. */
  healthy2: ProofWithSignals;
  /** `funded` with pool 2 healthy again (period 2, the next day). */
  pool2Healthy: VaultWorld;
  /** `funded` with pool 1 funded for 500k: the originator's balance before. */
  included: { w: VaultWorld; before: bigint };
  /**
   * `included` with 20k of interest repaid, user d's junior deposit of 10k requested, and the epoch closed: the
   * ledgers (book values, PDLs, claims) before and after, and the close's receipt.
   */
  coupons: { w: VaultWorld; b0: Ledgers; b1: Ledgers; receipt: TransactionReceipt };
  /** Pool 1's period 2 (a 20% charge-off) dated 31 days after deployment, and period 3 (the same) 77 days after. */
  chargeOffProofs: { period2: ProofWithSignals; period3: ProofWithSignals };
  /**
   * `coupons` a month on, with pool 1's period 2 recorded, user b's junior deposit of 10k requested and the
   * epoch closed: the ledgers after the first close and after this one.
   */
  chargedOff: { w: VaultWorld; l1: Ledgers; l2: Ledgers };
  /** `chargedOff` with b's and d's deposits cancelled and 46 days on: pool 1's attestation is stale. */
  stale: { w: VaultWorld; l2: Ledgers };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed.w);
  },
  requested: async ({ world: w }, use) => {
    await requestDeposits(w);
    await use(w);
  },
  funded: async ({ requested: w }, use) => {
    await tx(w.vault.getFunction("closeEpoch")());
    await use(w);
  },
  claimed: async ({ funded: w }, use) => {
    const a = w.users[0]!;
    await tx(w.as(a).getFunction("claimDeposit")(0));
    await use({ w, shares: (await w.tranches[0]!.getFunction("balanceOf")(await a.getAddress())) as bigint });
  },
  juniorClaimed: async ({ funded: w }, use) => {
    await tx(w.as(w.users[2]!).getFunction("claimDeposit")(2));
    await use(w);
  },
  beyondLimits: file(async ({ w, today }) => {
    const out: ProofWithSignals[] = [];
    for (const [, over] of LIMITS)
      out.push(
        await w.attest({
          poolId: 2n,
          period: 2n,
          asOfDate: today + 1n,
          figures: healthyFigures(10n ** 10n, over),
        }),
      );
    return out;
  }),
  healthy2: file(({ w, today }) => w.attest({ poolId: 2n, period: 2n, asOfDate: today + 1n })),
  pool2Healthy: async ({ funded: w, healthy2 }, use) => {
    await nextDay(w, healthy2);
    await use(w);
  },
  included: async ({ world: w }, use) => use({ w, before: await include(w) }),
  coupons: async ({ deployed: d }, use) => use({ w: d.w, ...(await d.at("coupons", () => payCoupons(d.w))) }),
  chargeOffProofs: file(async ({ w, today }) => ({
    period2: await w.attest({ poolId: 1n, period: 2n, asOfDate: today + 31n, figures: CHARGED_OFF }),
    period3: await w.attest({ poolId: 1n, period: 3n, asOfDate: today + 77n, figures: CHARGED_OFF }),
  })),
  chargedOff: async ({ deployed: d, chargeOffProofs }, use) => {
    const { w } = d;
    const stage = await d.at("chargedOff", async () => {
      const { b1 } = await payCoupons(w);
      // a charge-off of 20% of the pool a month later
      await w.increaseTime(31n * DAY);
      await w.submit(chargeOffProofs.period2);
      await tx(w.as(w.users[1]!).getFunction("requestDeposit")(2, 10_000n * USD));
      await tx(w.vault.getFunction("closeEpoch")());
      return { l1: b1, l2: await ledgers(w) };
    });
    await use({ w, ...stage });
  },
  stale: async ({ chargedOff: { w, l2 } }, use) => {
    for (const u of [w.users[1]!, w.users[3]!]) await tx(w.as(u).getFunction("cancelDeposit")(2));
    await w.increaseTime(46n * DAY);
    await use({ w, l2 });
  },
});

afterAll(terminateCurves);

describe("TrancheVault: requests, subordination, epoch close", () => {
  it("refuses a senior deposit that would leave subordination below the minimum", async ({ world: w }) => {
    const r = await revertOf(w.as(w.users[0]!).getFunction("requestDeposit")(0, 100n * USD), w.vault);
    expect(r).toEqual({ name: "Vault__SubordinationBreached", args: [0n, 2_000n] });
  });

  it("requests execute only at the epoch close: before it there are no claims", async ({ requested: w }) => {
    expect(await claims(w)).toEqual([0n, 0n, 0n]);
  });

  it("requests execute only at the epoch close: before it no shares are minted", async ({ requested: w }) => {
    expect(await w.tranches[0]!.getFunction("totalSupply")()).toBe(0n);
  });

  it("the epoch close executes the requests: the tranches' claims are the deposits", async ({
    funded: w,
  }) => {
    expect(await claims(w)).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
  });

  it("a claimed deposit is the shares at the close's price", ({ claimed: { shares } }) => {
    expect(shares).toBe(750_000n * USD * 10n ** 6n);
  });

  it("ERC-4626 views work for integrators: the shares convert to the assets deposited", async ({
    claimed: { w, shares },
  }) => {
    expect(await w.tranches[0]!.getFunction("convertToAssets")(shares)).toBe(750_000n * USD);
  });

  it("after the claim nothing is left to deposit through ERC-4626", async ({ claimed: { w } }) => {
    expect(await w.tranches[0]!.getFunction("maxDeposit")(await w.users[0]!.getAddress())).toBe(0n);
  });

  it("ERC-4626 deposit is the ERC-7540 claim: with nothing left to claim it is refused", async ({
    claimed: { w },
  }) => {
    const a = w.users[0]!;
    const sync = w.tranches[0]!.connect(a) as Contract;
    const r = await revertOf(sync.getFunction("deposit(uint256,address)")(1n, await a.getAddress()), w.vault);
    expect(r).toEqual({ name: "Vault__NotClaimable", args: [0n, await a.getAddress(), 1n, 0n] });
  });

  it("ERC-4626 previews revert: the price is set at the close", async ({ claimed: { w } }) => {
    const sync = w.tranches[0]!.connect(w.users[0]!) as Contract;
    expect((await revertOf(sync.getFunction("previewDeposit")(1n), w.vault)).name).toBe("Vault__AsyncOnly");
  });

  it("refuses a junior redemption that would breach subordination", async ({ juniorClaimed: w }) => {
    const c = w.users[2]!;
    const bal = await w.tranches[2]!.getFunction("balanceOf")(await c.getAddress());
    const r = await revertOf(w.as(c).getFunction("requestRedeem")(2, bal), w.vault);
    expect(r.name).toBe("Vault__SubordinationBreached");
    expect(r.args[0] as bigint).toBeLessThan(2_000n);
  });

  it("accepts a small junior redemption", async ({ juniorClaimed: w }) => {
    const c = w.users[2]!;
    const bal = (await w.tranches[2]!.getFunction("balanceOf")(await c.getAddress())) as bigint;
    await tx(w.as(c).getFunction("requestRedeem")(2, bal / 30n));
    expect(await w.vault.getFunction("pendingRedeem")(2, await c.getAddress())).toBe(bal / 30n);
  });

  describe("ignores donations (no first-depositor inflation through the price)", () => {
    const donate = async (w: VaultWorld) =>
      tx(
        (w.token.connect(w.users[3]!) as Contract).getFunction("transfer")(
          await w.vault.getAddress(),
          10n ** 6n * USD,
        ),
      );

    it("a donation does not move a tranche's price", async ({ funded: w }) => {
      const before = await w.tranches[1]!.getFunction("convertToAssets")(10n ** 12n);
      await donate(w);
      expect(await w.tranches[1]!.getFunction("convertToAssets")(10n ** 12n)).toBe(before);
    });

    it("a donation does not move the claims", async ({ funded: w }) => {
      await donate(w);
      expect(await claims(w)).toEqual([750_000n * USD, 100_000n * USD, 150_000n * USD]);
    });
  });
});

describe("TrancheVault: cancelling requests", () => {
  const request = async (w: VaultWorld) => {
    const u = w.users[3]!;
    const before = await balance(w, u);
    const pending = (await w.vault.getFunction("pendingDeposits")(1)) as bigint;
    await tx(w.as(u).getFunction("requestDeposit")(1, 1_234n * USD));
    return { u, before, pending };
  };

  it("a deposit request takes the assets", async ({ funded: w }) => {
    const { u, before } = await request(w);
    expect(await balance(w, u)).toBe(before - 1_234n * USD);
  });

  it("cancelling a pending deposit returns the assets", async ({ funded: w }) => {
    const { u, before } = await request(w);
    await tx(w.as(u).getFunction("cancelDeposit")(1));
    expect(await balance(w, u)).toBe(before);
  });

  it("cancelling a pending deposit takes it out of the tranche's pending deposits", async ({ funded: w }) => {
    const { u, pending } = await request(w);
    await tx(w.as(u).getFunction("cancelDeposit")(1));
    expect(await w.vault.getFunction("pendingDeposits")(1)).toBe(pending);
  });

  it("refuses to cancel twice", async ({ funded: w }) => {
    const { u } = await request(w);
    await tx(w.as(u).getFunction("cancelDeposit")(1));
    const r = await revertOf(w.as(u).getFunction("cancelDeposit")(1), w.vault);
    expect(r).toEqual({ name: "Vault__NothingPending", args: [1n, await u.getAddress()] });
  });

  it("refuses to cancel an executed request (user a's senior deposit)", async ({ claimed: { w } }) => {
    const r = await revertOf(w.as(w.users[0]!).getFunction("cancelDeposit")(0), w.vault);
    expect(r.name).toBe("Vault__NothingPending");
  });
});

describe("TrancheVault: include only attested, fresh, compliant pools", () => {
  it("pool 3's one committed chunk of two leaves its batch open: no complete attestation", async ({
    deployed: { w },
  }) => {
    expect((await w.registry.getFunction("committedBatch")(3n))[0]).toBe(true);
  });

  it("refuses a pool without a complete attestation (incomplete chunked pool)", async ({ funded: w }) => {
    const r = await revertOf(w.vault.getFunction("include")(3n, 1_000n * USD), w.vault);
    expect(r).toEqual({ name: "Vault__NoValidAttestation", args: [3n] });
  });

  it("refuses a pool reporting a covenant breach", async ({ funded: w }) => {
    const r = await revertOf(w.vault.getFunction("include")(2n, 1_000n * USD), w.vault);
    expect(r).toEqual({ name: "Vault__PoolBreached", args: [2n, 8n] });
  });

  it("refuses a pool under a policy the vault does not accept", async ({ funded: w }) => {
    await tx(w.vault.getFunction("setPolicyAccepted")(w.policyHash, false));
    const r = await revertOf(w.vault.getFunction("include")(1n, 1_000n * USD), w.vault);
    expect(r.name).toBe("Vault__PolicyNotAccepted");
  });

  it.for(LIMITS.map(([name, , limit], i) => [name, limit, i] as const))(
    "refuses a pool beyond the vault's %s limit, naming the limit (%i)",
    async ([, limit, i], { funded: w, beyondLimits }) => {
      await nextDay(w, beyondLimits[i]!);
      const r = await revertOf(w.vault.getFunction("include")(2n, 1_000n * USD), w.vault);
      expect(r.name).toBe("Vault__LimitExceeded");
      expect(r.args[1]).toBe(BigInt(limit));
    },
  );

  it("refuses funding beyond the exposure limit per pool, naming the limit (6)", async ({
    pool2Healthy: w,
  }) => {
    const big = DEFAULT_VAULT_CONFIG.maxExposurePerPool + 1n;
    const r = await revertOf(w.vault.getFunction("include")(2n, big), w.vault);
    expect(r.args.slice(0, 2)).toEqual([2n, 6n]);
  });

  it("refuses funding beyond the vault's cash, naming the amount and the cash", async ({
    pool2Healthy: w,
  }) => {
    const cash = (await w.vault.getFunction("cash")()) as bigint;
    const r = await revertOf(w.vault.getFunction("include")(2n, cash + 1n), w.vault);
    expect(r).toEqual({ name: "Vault__InsufficientCash", args: [cash + 1n, cash] });
  });

  it("lets only governance fund a pool", async ({ pool2Healthy: w }) => {
    const r = await revertOf(w.as(w.users[0]!).getFunction("include")(2n, 1n), w.vault);
    expect(r.name).toBe("OwnableUnauthorizedAccount");
  });

  it("lets anyone close only after the epoch length", async ({ funded: w }) => {
    const r = await revertOf(w.as(w.users[1]!).getFunction("closeEpoch")(), w.vault);
    expect(r.name).toBe("Vault__EpochNotOver");
  });
});

describe("TrancheVault: a funded pool", () => {
  it("an attested, healthy pool is eligible", async ({ funded: w }) => {
    expect(await w.vault.getFunction("eligible")(1n, 500_000n * USD)).toBe(true);
  });

  it("funding it pays the originator", async ({ included: { w, before } }) => {
    expect((await balance(w, w.originator)) - before).toBe(500_000n * USD);
  });

  it("junior deposits requested in the epoch wait: the close defers them, locked", ({ coupons }) => {
    const deferred = coupons.receipt.logs
      .map((l) => coupons.w.vault.interface.parseLog(l))
      .filter((l) => l?.name === "BatchDeferred")
      .map((l) => [...l!.args]);
    expect(deferred).toContainEqual([2n, true, 1n, 1n]);
  });

  it("a deferred deposit stays pending", async ({ coupons: { w } }) => {
    expect(await w.vault.getFunction("pendingDeposit")(2, await w.users[3]!.getAddress())).toBe(
      10_000n * USD,
    );
  });

  it("the close pays senior its coupon first: 1% of 750k", ({ coupons: { b0, b1 } }) => {
    expect(b1[0][0]! - b0[0][0]!).toBe(7_500n * USD);
  });

  it("the close pays mezzanine its coupon next: 2% of 100k", ({ coupons: { b0, b1 } }) => {
    expect(b1[0][1]! - b0[0][1]!).toBe(2_000n * USD);
  });

  it("junior gets the residual of the collections", ({ coupons: { b0, b1 } }) => {
    expect(b1[0][2]! - b0[0][2]!).toBe(10_500n * USD);
  });

  it("collections with no charge-off realise no loss: the PDLs stay empty", ({ coupons: { b1 } }) => {
    expect(b1[1]).toEqual([0n, 0n, 0n]);
  });

  it("the delinquency haircut is a provisional markdown on junior's claim", ({ coupons: { b1 } }) => {
    expect(b1[2][2]).toBe(b1[0][2]! - 2_500n * USD);
  });

  it("the haircut leaves senior's claim at its book value", ({ coupons: { b1 } }) => {
    expect(b1[2][0]).toBe(b1[0][0]);
  });

  describe("a charge-off of 20% of the pool a month later", () => {
    const loss = (500_000n * USD * 2n + 9n) / 10n; // ceil(principal · 2e9 / 10e9)

    it("is realised junior-first, into junior's PDL", ({ chargedOff: { l2 } }) => {
      expect(l2[1]).toEqual([0n, 0n, loss]);
    });

    it("leaves senior's and mezzanine's book values", ({ chargedOff: { l1, l2 } }) => {
      expect([l2[0][0], l2[0][1]]).toEqual([l1[0][0], l1[0][1]]);
    });

    it("lowers junior's claim", ({ chargedOff: { l1, l2 } }) => {
      expect(l2[2][2]).toBeLessThan(l1[2][2]!);
    });

    it("trips the trigger", async ({ chargedOff: { w } }) => {
      expect(await w.vault.getFunction("triggered")()).toBe(true);
    });

    it("junior carrying a PDL, its deposits wait, so they inherit nothing", async ({ chargedOff: { w } }) => {
      expect(await w.vault.getFunction("pendingDeposit")(2, await w.users[1]!.getAddress())).toBe(
        10_000n * USD,
      );
    });

    it.for([1, 3])(
      "user %i's waiting junior deposit is returned in full on cancelling",
      async (i, { chargedOff: { w } }) => {
        const u = w.users[i]!;
        const bal = await balance(w, u);
        await tx(w.as(u).getFunction("cancelDeposit")(2));
        expect((await balance(w, u)) - bal).toBe(10_000n * USD);
      },
    );

    it("the pool stays eligible", async ({ chargedOff: { w } }) => {
      expect(await w.vault.getFunction("eligible")(1n, 1n)).toBe(true);
    });
  });

  describe("its attestation gone stale", () => {
    it("refuses new funding", async ({ stale: { w } }) => {
      const r = await revertOf(w.vault.getFunction("include")(1n, 1n), w.vault);
      expect(r.name).toBe("Vault__StaleAttestation");
    });

    it("the close realises nothing: book values and PDLs unchanged", async ({ stale: { w, l2 } }) => {
      await tx(w.vault.getFunction("closeEpoch")());
      const l3 = await ledgers(w);
      expect([l3[0], l3[1]]).toEqual([l2[0], l2[1]]);
    });

    it("the close marks the pool down 50%, provisionally: the ~200k exceeds junior and mezzanine", async ({
      stale: { w },
    }) => {
      await tx(w.vault.getFunction("closeEpoch")());
      const l3 = await ledgers(w);
      expect([l3[2][1], l3[2][2]]).toEqual([0n, 0n]);
    });

    it("the markdown reaches senior's claim", async ({ stale: { w, l2 } }) => {
      await tx(w.vault.getFunction("closeEpoch")());
      expect((await ledgers(w))[2][0]).toBeLessThan(l2[2][0]!);
    });

    it("a fresh attestation with the same figures reverses the markdown: every claim comes back", async ({
      stale: { w, l2 },
      chargeOffProofs,
    }) => {
      await tx(w.vault.getFunction("closeEpoch")());
      await w.submit(chargeOffProofs.period3);
      await tx(w.vault.getFunction("closeEpoch")());
      expect(await ledgers(w)).toEqual(l2);
    });
  });
});
