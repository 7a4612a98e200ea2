/**
 * The tranche vault's and the tranche tokens' reentrancy guard: a token whose transfer calls back into the
 * vault (or a tranche token's ERC-7540 request) is refused with ReentrancyGuardReentrantCall, and the same
 * request goes through when the token does not call back.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the world with a vault
 * on a re-entering token (an EVM snapshot the chain is put back to before each test); made for the test, the
 * vault as deployed, and the refusal of a request whose transfer re-enters.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import { deployContract, deployVault } from "../../deploy/index.ts";
import { chainSnapshot, makeWorld, revertOf, terminateCurves, type World } from "./helpers.ts";

const NOBODY = "0x0000000000000000000000000000000000000000";

/** The world, a ReentrantToken, a vault on it with its junior tranche token, the governor's allowances. */
interface Deployed {
  w: World;
  token: Contract;
  vault: Contract;
  junior: Contract;
  me: string;
  /** Puts the chain back to the vault as deployed. */
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const w = await makeWorld();
  const token = await deployContract(w.gov, "ReentrantToken");
  const { vault, junior } = await deployVault(w.gov, {
    asset: await token.getAddress(),
    registry: await w.registry.getAddress(),
  });
  const me = await w.gov.getAddress();
  await (await token.getFunction("mint")(me, 10n ** 12n)).wait();
  await (await token.getFunction("approve")(await vault.getAddress(), 10n ** 12n)).wait();
  await (await token.getFunction("approve")(await junior.getAddress(), 10n ** 12n)).wait();
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    token,
    vault,
    junior,
    me,
    reset,
  };
}

/** Makes the token call `target` with `payload` during its next transfers (NOBODY: no call back). */
const arm = async (d: Deployed, target: string, payload: string): Promise<void> =>
  void (await (await d.token.getFunction("arm")(target, payload)).wait());

const it = test.extend<{
  deployed: Deployed;
  /** The vault as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  /** The vault's refusal of a junior deposit request whose transfer re-enters requestDeposit. */
  vaultReentered: { name: string; args: unknown[] };
  /** The junior tranche token's refusal of an ERC-7540 request whose transfer re-enters it. */
  trancheReentered: { name: string; args: unknown[] };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  vaultReentered: async ({ world: d }, use) => {
    await arm(d, await d.vault.getAddress(), d.vault.interface.encodeFunctionData("requestDeposit", [2, 1n]));
    await use(await revertOf(d.vault.getFunction("requestDeposit")(2, 1_000n), d.vault));
  },
  trancheReentered: async ({ world: d }, use) => {
    await arm(
      d,
      await d.junior.getAddress(),
      d.junior.interface.encodeFunctionData("requestDeposit", [1n, d.me, d.me]),
    );
    await use(await revertOf(d.junior.getFunction("requestDeposit")(1_000n, d.me, d.me), d.junior));
  },
});

afterAll(terminateCurves);

describe("TrancheVault reentrancy guard", () => {
  it("refuses a token callback that re-enters the vault during a transfer", ({ vaultReentered }) => {
    expect(vaultReentered.name).toBe("ReentrancyGuardReentrantCall");
  });

  it("the refused request leaves nothing pending", async ({ world, vaultReentered: _ }) => {
    expect(await world.vault.getFunction("pendingDeposits")(2)).toBe(0n);
  });

  it("accepts the request when the token does not call back", async ({ world }) => {
    await arm(world, NOBODY, "0x");
    await (await world.vault.getFunction("requestDeposit")(2, 1_000n)).wait();
    expect(await world.vault.getFunction("pendingDeposits")(2)).toBe(1_000n);
  });

  it("refuses a callback that re-enters a tranche token's ERC-7540 request during its asset transfer", ({
    trancheReentered,
  }) => {
    expect(trancheReentered.name).toBe("ReentrancyGuardReentrantCall");
  });

  it("accepts the tranche token's request when the token does not call back", async ({ world: d }) => {
    const pending = (await d.junior.getFunction("pendingDepositRequest")(0n, d.me)) as bigint;
    await arm(d, NOBODY, "0x");
    await (await d.junior.getFunction("requestDeposit")(1_000n, d.me, d.me)).wait();
    expect(await d.junior.getFunction("pendingDepositRequest")(0n, d.me)).toBe(pending + 1_000n);
  });
});
