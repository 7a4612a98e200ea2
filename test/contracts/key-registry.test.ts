/**
 * The key life-cycle that both registries inherit from contracts/KeyRegistry.sol, claimed once for each:
 * refusals that the per-registry tests do not cover (a rotation to a day not after the current key's first,
 * revocation by a stranger, a point off the curve, a coordinate outside the field), each under the
 * registry's own error names.
 */
import { describe, expect, it } from "vitest";
import hre from "hardhat";
import type { Contract } from "ethers";
import { deployContract, deployKeyHasher, deployRegistry } from "../../deploy/index.ts";
import { babyKey, revertOf } from "./helpers.ts";

const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

interface Case {
  name: string;
  prefix: "Registry" | "Providers";
  deploy(gov: Parameters<typeof deployRegistry>[0]): Promise<Contract>;
  /** The registry's refusal of `stranger` revoking `holder`'s key. */
  notHolder(stranger: string, holder: string): { name: string; args: unknown[] };
}

const CASES: Case[] = [
  {
    name: "AttestationRegistry",
    prefix: "Registry",
    deploy: (gov) => deployRegistry(gov),
    notHolder: (stranger) => ({ name: "Registry__NotOriginator", args: [stranger] }),
  },
  {
    name: "ProviderRegistry",
    prefix: "Providers",
    deploy: async (gov) =>
      deployContract(gov, "ProviderRegistry", [
        await gov.getAddress(),
        await (await deployKeyHasher(gov, 2)).getAddress(),
      ]),
    notHolder: (stranger, holder) => ({ name: "Providers__NotProvider", args: [stranger, holder] }),
  },
];

/** A fresh chain with the registry deployed, and one approved key of `holder` valid from day 100. */
async function world(c: Case) {
  const { ethers } = await hre.network.connect();
  const [gov, holder, stranger] = await ethers.getSigners();
  const registry = await c.deploy(gov!);
  const asHolder = registry.connect(holder!) as Contract;
  const a = await babyKey(11n);
  const hashA = (await registry.getFunction("keyHashOf")(a.ax, a.ay)) as bigint;
  await (await asHolder.getFunction("proposeKey")(a.ax, a.ay, 100)).wait();
  await (await registry.getFunction("approveKey")(holder!.address, hashA)).wait();
  return { registry, asHolder, holder: holder!, stranger: stranger!, hashA };
}

describe.each(CASES)("KeyRegistry life-cycle in $name", (c) => {
  it("refuses to approve a next key that would start on or before the current key's first day", async () => {
    const { registry, asHolder, holder } = await world(c);
    const b = await babyKey(22n);
    const hashB = (await registry.getFunction("keyHashOf")(b.ax, b.ay)) as bigint;
    await (await asHolder.getFunction("proposeKey")(b.ax, b.ay, 100)).wait();
    expect(await revertOf(registry.getFunction("approveKey")(holder.address, hashB), registry)).toEqual({
      name: `${c.prefix}__KeyNotValidOn`,
      args: [hashB, 100n, 100n, 2n ** 32n - 1n],
    });
  });

  it("refuses revocation by an account that is neither governance nor the key's holder", async () => {
    const { registry, holder, stranger, hashA } = await world(c);
    const asStranger = registry.connect(stranger) as Contract;
    expect(await revertOf(asStranger.getFunction("revokeKey")(hashA), registry)).toEqual(
      c.notHolder(stranger.address, holder.address),
    );
  });

  it("refuses to propose a point that is not on Baby Jubjub", async () => {
    const { asHolder, registry } = await world(c);
    const a = await babyKey(33n);
    expect(await revertOf(asHolder.getFunction("proposeKey")(a.ax, a.ay + 1n, 1), registry)).toEqual({
      name: `${c.prefix}__NotOnCurve`,
      args: [a.ax, a.ay + 1n],
    });
  });

  it("refuses to propose a coordinate outside the field", async () => {
    const { asHolder, registry } = await world(c);
    const a = await babyKey(44n);
    expect(await revertOf(asHolder.getFunction("proposeKey")(a.ax + FIELD, a.ay, 1), registry)).toEqual({
      name: `${c.prefix}__NotFieldElement`,
      args: [a.ax + FIELD, a.ay],
    });
  });
});
