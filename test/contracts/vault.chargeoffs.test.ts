/**
 * Charge-offs are cumulative on the tape (a charged-off loan stays with its amount), so the vault must
 * realise only their increase: a pool funded after earlier charge-offs inherits none of them, an unchanged
 * figure realises nothing, and an increase realises exactly ceil(principal · delta / (outstanding + delta)).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the vault world funded
 * (750k senior, 100k mezzanine, 150k junior) with pool 1 included for 400k after a period 1 that already
 * carries 1,000,000,000 of charge-offs (an EVM snapshot the chain is put back to before each test), and pool
 * 1's later attestations (periods 2 to 4, each dated a day after the last); made for the test, the vault with
 * the periods up to the one the claim is about recorded, each followed by an epoch close.
 */
import { afterAll, describe, expect, test } from "vitest";
import { chainSnapshot, DAY, healthyFigures, terminateCurves } from "./helpers.ts";
import type { ProofWithSignals } from "./fixtures/stand-in.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
const principal = async (w: VaultWorld): Promise<bigint> =>
  ((await w.vault.getFunction("positions")(1n)) as { principal: bigint }).principal;
const OUT = 8_000_000_000n;
const DELTA = 500_000_000n;
const FUNDED = 400_000n * USD;

/** The funded world, the day it was deployed; `reset` puts the chain back to it. */
interface Deployed {
  w: VaultWorld;
  today: bigint;
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const w = await makeVaultWorld();
  const vault = w.vault;
  const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
  await tx(vault.getFunction("closeEpoch")());
  // Period 1: the tape already carries 1,000,000,000 of charge-offs from before the vault's money.
  await w.submit(
    await w.attest({ poolId: 1n, period: 1n, figures: healthyFigures(OUT, { chargedOff: 1_000_000_000n }) }),
  );
  await tx(vault.getFunction("include")(1n, FUNDED));
  const today = await w.today();
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    today,
    reset,
  };
}

/** Advances the chain a day, submits `p` (dated that day) and closes the epoch. */
const recordAndClose = async (w: VaultWorld, p: ProofWithSignals) => {
  await w.increaseTime(DAY);
  await w.submit(p);
  await tx(w.vault.getFunction("closeEpoch")());
};

const it = test.extend<{
  deployed: Deployed;
  /** The funded world as deployed, for the test to change (the chain is put back before each test). */
  world: VaultWorld;
  /**
   * Pool 1's period 2 (the same charge-offs), period 3 (DELTA more charged off, as much less outstanding) and
   * period 4 (period 3's figures again), dated 1, 2 and 3 days after deployment.
   */
  proofs: Record<"period2" | "period3" | "period4", ProofWithSignals>;
  /** `world` with period 2 recorded and the epoch closed. */
  period2: VaultWorld;
  /** `period2` with period 3 recorded and the epoch closed. */
  period3: VaultWorld;
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed.w);
  },
  proofs: [
    async ({ deployed: { w, today } }, use) =>
      use({
        period2: await w.attest({
          poolId: 1n,
          period: 2n,
          asOfDate: today + 1n,
          figures: healthyFigures(OUT, { chargedOff: 1_000_000_000n }),
        }),
        period3: await w.attest({
          poolId: 1n,
          period: 3n,
          asOfDate: today + 2n,
          figures: healthyFigures(OUT - DELTA, { chargedOff: 1_000_000_000n + DELTA }),
        }),
        period4: await w.attest({
          poolId: 1n,
          period: 4n,
          asOfDate: today + 3n,
          figures: healthyFigures(OUT - DELTA, { chargedOff: 1_000_000_000n + DELTA }),
        }),
      }),
    { scope: "file" },
  ],
  period2: async ({ world: w, proofs }, use) => {
    await recordAndClose(w, proofs.period2);
    await use(w);
  },
  period3: async ({ period2: w, proofs }, use) => {
    await recordAndClose(w, proofs.period3);
    await use(w);
  },
});

afterAll(terminateCurves);

describe("TrancheVault: cumulative charge-offs", () => {
  it("a new position inherits no earlier charge-off", async ({ world: w }) => {
    expect(await principal(w)).toBe(FUNDED);
  });

  it("an unchanged figure realises nothing", async ({ period2: w }) => {
    expect(await principal(w)).toBe(FUNDED);
  });

  it("an increase realises exactly its share of the principal", async ({ period3: w }) => {
    const out = OUT - DELTA;
    const loss = (FUNDED * DELTA + (out + DELTA) - 1n) / (out + DELTA);
    expect(await principal(w)).toBe(FUNDED - loss);
  });

  it("the same cumulative figure in a later period realises nothing more", async ({ period3: w, proofs }) => {
    const before = await principal(w);
    await recordAndClose(w, proofs.period4);
    expect(await principal(w)).toBe(before);
  });
});
