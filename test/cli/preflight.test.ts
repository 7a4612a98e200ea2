/**
 * `rwa-attest submit`'s checks before sending (cli/preflight.ts), on Hardhat's in-process network with a
 * real registry: each condition the registry would refuse an attestation for is named in plain words, and a
 * submittable attestation passes. Each case changes one thing of a passing attestation (its failing twin).
 */
import hre from "hardhat";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import {
  circuitId,
  deployRegistry,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
import type { Attestation } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { preflightContext, preflightSubmit } from "../../cli/preflight.ts";

const DAY = 86_400n;

describe("submit checks before sending", async () => {
  const { ethers } = await hre.network.connect();
  const [gov, originator, other] = await ethers.getSigners();
  const registry = await deployRegistry(gov!, { maxAgeSeconds: 45n * DAY });
  const registryAddress = await registry.getAddress();
  const pHash = await policyHash(TEST_POLICY);
  await registerPolicy(registry, pHash, policyParamsInput(TEST_POLICY));
  await (
    await registry.getFunction("addVerifier")(circuitId("pool-attestation-8"), 1, registryAddress)
  ).wait();
  const asOriginator = registry.connect(originator!) as Contract;
  const key = await generateOriginatorKey();
  const keyHash = await onboardOriginator(
    registry,
    asOriginator,
    { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 202501 },
    [7n],
  );
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const today = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) / DAY;
  const att = {
    instance: "pool-attestation-8",
    chainId,
    registry: registryAddress,
    policyHash: pHash,
    keyHash,
    poolId: 7n,
    period: 202506,
    asOfDate: Number(today),
  } as unknown as Attestation;
  const check = async (a: Partial<Attestation>, as = asOriginator, version = "1", deployment = {}) =>
    preflightSubmit(
      { ...att, ...a } as Attestation,
      as,
      await preflightContext(as.runner as never, deployment, att.instance, version),
    );

  it("a submittable attestation passes", async () => {
    expect(await check({})).toEqual([]);
  });

  it("names a wrong chain, an unregistered policy, pool, verifier", async () => {
    expect(await check({ chainId: 1n })).toEqual([
      `this attestation is for chain 1; the node is chain ${chainId}`,
    ]);
    expect(await check({}, asOriginator, "1", { chainId: "5" })).toEqual([
      `the deployment file is for chain 5; the node is chain ${chainId}`,
    ]);
    expect(await check({ policyHash: pHash + 1n })).toEqual([
      `the attestation's policy (policyHash ${pHash + 1n}) is not registered in this registry`,
    ]);
    expect(await check({ poolId: 8n })).toEqual([
      "pool 8 is not registered (the originator registers it: rwa-attest onboard register-pool)",
    ]);
    expect(await check({}, asOriginator, "2")).toEqual([
      "no verifier is registered for the circuit pool-attestation-8 version 2",
    ]);
  });

  it("names key problems: unknown, proposed only, another originator's, outside its periods, revoked", async () => {
    expect((await check({ keyHash: keyHash + 1n }))[0]).toMatch(
      /^the signing key \(keyHash \d+\) is not known to this registry/,
    );
    const asOther = registry.connect(other!) as Contract;
    const k2 = await generateOriginatorKey();
    const proposed = (await asOther.getFunction("keyHashOf")(...k2.publicKey)) as bigint;
    await (await asOther.getFunction("proposeKey")(...k2.publicKey, 202501)).wait();
    expect(await check({ keyHash: proposed }, asOther)).toContain(
      `the signing key (keyHash ${proposed}) is proposed but governance has not approved it`,
    );
    expect(await check({}, asOther)).toEqual([
      `pool 7 belongs to originator ${await originator!.getAddress()}; ORIGINATOR_KEY is account ${await other!.getAddress()}`,
      `the signing key belongs to originator ${await originator!.getAddress()}; ORIGINATOR_KEY is account ${await other!.getAddress()}`,
    ]);
    expect(await check({ period: 202412 })).toEqual([
      `the signing key is valid for periods 202501..4294967295, not for period 202412`,
    ]);
  });

  it("names an as-of date the registry would call stale or future, and a registry that is not there", async () => {
    expect((await check({ asOfDate: Number(today) - 60 }))[0]).toMatch(
      /is older than the registry accepts \(45 days/,
    );
    expect((await check({ asOfDate: Number(today) + 2 }))[0]).toMatch(/is after the chain's current date/);
    const nowhere = asOriginator.attach("0x" + "11".repeat(20)) as Contract;
    expect(await check({}, nowhere)).toEqual([
      `there is no contract at the registry address 0x${"11".repeat(20)} on chain ${chainId}`,
    ]);
    await (await asOriginator.getFunction("revokeKey")(keyHash)).wait();
    expect(await check({})).toEqual([`the signing key (keyHash ${keyHash}) is revoked`]);
  });
});
