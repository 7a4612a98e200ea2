/**
 * Charge-offs are cumulative on the tape (a charged-off loan stays with its amount), so the vault must
 * realise only their increase: a pool funded after earlier charge-offs inherits none of them, an unchanged
 * figure realises nothing, and an increase realises exactly ceil(principal · delta / (outstanding + delta)).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { healthyFigures, terminateCurves } from "./helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "./vault-world.ts";

let w: VaultWorld;
let vault: Contract;
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
const principal = async (): Promise<bigint> =>
  ((await vault.getFunction("positions")(1n)) as { principal: bigint }).principal;
const OUT = 8_000_000_000n;

beforeAll(async () => {
  w = await makeVaultWorld();
  vault = w.vault;
  const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
  await tx(w.as(c).getFunction("requestDeposit")(2, 150_000n * USD));
  await tx(w.as(b).getFunction("requestDeposit")(1, 100_000n * USD));
  await tx(w.as(a).getFunction("requestDeposit")(0, 750_000n * USD));
  await tx(vault.getFunction("closeEpoch")());
  // Period 1: the tape already carries 1,000,000,000 of charge-offs from before the vault's money.
  await w.submit(
    await w.attest({ poolId: 1n, period: 1n, figures: healthyFigures(OUT, { chargedOff: 1_000_000_000n }) }),
  );
  await tx(vault.getFunction("include")(1n, 400_000n * USD));
});
afterAll(terminateCurves);

describe("TrancheVault: cumulative charge-offs", () => {
  it("a new position inherits no earlier charge-off, and an unchanged figure realises nothing", async () => {
    expect(await principal()).toBe(400_000n * USD);
    await w.submit(
      await w.attest({
        poolId: 1n,
        period: 2n,
        figures: healthyFigures(OUT, { chargedOff: 1_000_000_000n }),
      }),
    );
    await tx(vault.getFunction("closeEpoch")());
    expect(await principal()).toBe(400_000n * USD);
  });

  it("an increase realises exactly its share of the principal", async () => {
    const delta = 500_000_000n;
    const out = OUT - delta;
    await w.submit(
      await w.attest({
        poolId: 1n,
        period: 3n,
        figures: healthyFigures(out, { chargedOff: 1_000_000_000n + delta }),
      }),
    );
    await tx(vault.getFunction("closeEpoch")());
    const p = 400_000n * USD;
    const loss = (p * delta + (out + delta) - 1n) / (out + delta);
    expect(await principal()).toBe(p - loss);
  });

  it("the same cumulative figure in a later period realises nothing more", async () => {
    const before = await principal();
    await w.submit(
      await w.attest({
        poolId: 1n,
        period: 4n,
        figures: healthyFigures(OUT - 500_000_000n, { chargedOff: 1_500_000_000n }),
      }),
    );
    await tx(vault.getFunction("closeEpoch")());
    expect(await principal()).toBe(before);
  });
});
