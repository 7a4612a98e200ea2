/** A registry world plus a stablecoin, a tranche vault and funded users, deployed through deploy/index.ts. */
import type { Contract } from "ethers";
import {
  DEFAULT_VAULT_CONFIG,
  deployTestStablecoin,
  deployVault,
  type VaultConfig,
} from "../../deploy/index.ts";
import { makeWorld, type HardhatSigner, type World } from "./helpers.ts";

export interface VaultWorld extends World {
  token: Contract;
  vault: Contract;
  tranches: Contract[];
  users: HardhatSigner[];
  config: VaultConfig;
  /** The vault connected to `who`. */
  as(who: HardhatSigner): Contract;
}

export const USD = 1_000_000n;

export async function makeVaultWorld(config: VaultConfig = DEFAULT_VAULT_CONFIG): Promise<VaultWorld> {
  const w = await makeWorld();
  const token = await deployTestStablecoin(w.gov);
  const { vault, senior, mezzanine, junior } = await deployVault(w.gov, {
    asset: await token.getAddress(),
    registry: await w.registry.getAddress(),
    config,
    acceptedPolicies: [w.policyHash],
  });
  const users = w.others.slice(3, 7);
  const vaultAddress = await vault.getAddress();
  for (const u of [...users, w.originator]) {
    const t = token.connect(u) as Contract;
    await (await t.getFunction("mint")(await u.getAddress(), 10n ** 9n * USD)).wait();
    await (await t.getFunction("approve")(vaultAddress, 2n ** 255n)).wait();
  }
  return {
    ...w,
    token,
    vault,
    tranches: [senior, mezzanine, junior],
    users,
    config,
    as: (who) => vault.connect(who) as Contract,
  };
}
