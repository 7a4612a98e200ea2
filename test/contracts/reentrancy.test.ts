import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { deployContract, deployVault } from "../../deploy/index.ts";
import { makeWorld, revertOf, terminateCurves, type World } from "./helpers.ts";

let w: World;
let token: Contract;
let vault: Contract;
let junior: Contract;
beforeAll(async () => {
  w = await makeWorld();
  token = await deployContract(w.gov, "ReentrantToken");
  ({ vault, junior } = await deployVault(w.gov, {
    asset: await token.getAddress(),
    registry: await w.registry.getAddress(),
  }));
  await (await token.getFunction("mint")(await w.gov.getAddress(), 10n ** 12n)).wait();
  await (await token.getFunction("approve")(await vault.getAddress(), 10n ** 12n)).wait();
  await (await token.getFunction("approve")(await junior.getAddress(), 10n ** 12n)).wait();
});
afterAll(terminateCurves);

describe("TrancheVault reentrancy guard", () => {
  it("refuses a token callback that re-enters the vault during a transfer", async () => {
    const payload = vault.interface.encodeFunctionData("requestDeposit", [2, 1n]);
    await (await token.getFunction("arm")(await vault.getAddress(), payload)).wait();
    const r = await revertOf(vault.getFunction("requestDeposit")(2, 1_000n), vault);
    expect(r.name).toBe("ReentrancyGuardReentrantCall");
    expect(await vault.getFunction("pendingDeposits")(2)).toBe(0n);
  });

  it("accepts the same request when the token does not call back", async () => {
    await (await token.getFunction("arm")("0x0000000000000000000000000000000000000000", "0x")).wait();
    await (await vault.getFunction("requestDeposit")(2, 1_000n)).wait();
    expect(await vault.getFunction("pendingDeposits")(2)).toBe(1_000n);
  });

  it("refuses a callback that re-enters a tranche token's ERC-7540 request during its asset transfer", async () => {
    const me = await w.gov.getAddress();
    const pending = (await junior.getFunction("pendingDepositRequest")(0n, me)) as bigint;
    const payload = junior.interface.encodeFunctionData("requestDeposit", [1n, me, me]);
    await (await token.getFunction("arm")(await junior.getAddress(), payload)).wait();
    const r = await revertOf(junior.getFunction("requestDeposit")(1_000n, me, me), junior);
    expect(r.name).toBe("ReentrancyGuardReentrantCall");
    await (await token.getFunction("arm")("0x0000000000000000000000000000000000000000", "0x")).wait();
    await (await junior.getFunction("requestDeposit")(1_000n, me, me)).wait();
    expect(await junior.getFunction("pendingDepositRequest")(0n, me)).toBe(pending + 1_000n);
  });
});
