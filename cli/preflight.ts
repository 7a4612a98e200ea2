/**
 * Checks before `rwa-attest submit` sends anything: every condition the registry would refuse the
 * attestation for that can be read from the chain, said in plain words ("this attestation is for chain 1;
 * the node is chain 31337") instead of a reverted transaction's `Registry__UnknownKey(…)`. Read-only calls
 * only; the registry still checks everything itself when the transaction arrives.
 */
import type { Contract, Signer } from "ethers";
import { circuitId } from "../deploy/index.ts";
import type { Attestation } from "../prover/index.ts";
import { daysToIso } from "../prover/index.ts";

/** What the checks need to know besides the attestation and the registry contract. */
export interface PreflightContext {
  /** Chain id the node reports. */
  nodeChainId: bigint;
  /** Address of the account that will send (ORIGINATOR_KEY). */
  sender: string;
  /** The deployment file's chain id, when it has one. */
  deploymentChainId?: bigint;
  /** Circuit id (keccak of the instance name) and verifier version the proofs go to. */
  circuitId: string;
  version: number;
  /** Latest block time, seconds. */
  now: bigint;
}

const DAY = 86_400n;

/** Every reason the registry would refuse the attestation, in plain words; empty when none is known. */
export async function preflightSubmit(
  att: Attestation,
  registry: Contract,
  c: PreflightContext,
): Promise<string[]> {
  const out: string[] = [];
  const call = async <T>(fn: string, ...args: unknown[]): Promise<T | Error> => {
    try {
      return (await registry.getFunction(fn).staticCall(...args)) as T;
    } catch (err) {
      return err as Error;
    }
  };
  if (att.chainId !== c.nodeChainId)
    out.push(`this attestation is for chain ${att.chainId}; the node is chain ${c.nodeChainId}`);
  if (c.deploymentChainId !== undefined && c.deploymentChainId !== c.nodeChainId)
    out.push(`the deployment file is for chain ${c.deploymentChainId}; the node is chain ${c.nodeChainId}`);
  const target = await registry.getAddress();
  const code = await registry.runner?.provider?.getCode(target);
  if (code === "0x") {
    out.push(`there is no contract at the registry address ${target} on chain ${c.nodeChainId}`);
    return out;
  }
  const verifier = await call<{ verifier: string; retired: boolean }>(
    "verifierRecord",
    c.circuitId,
    c.version,
  );
  if (!(verifier instanceof Error)) {
    if (/^0x0{40}$/i.test(verifier.verifier))
      out.push(`no verifier is registered for the circuit ${att.instance} version ${c.version}`);
    else if (verifier.retired) out.push(`the verifier of ${att.instance} version ${c.version} is retired`);
  }
  const policy = await call("policyParams", att.policyHash);
  if (policy instanceof Error)
    out.push(`the attestation's policy (policyHash ${att.policyHash}) is not registered in this registry`);
  const owner = await call<string>("poolOriginator", att.poolId);
  if (!(owner instanceof Error)) {
    if (/^0x0{40}$/i.test(owner))
      out.push(
        `pool ${att.poolId} is not registered (the originator registers it: rwa-attest onboard register-pool)`,
      );
    else if (owner.toLowerCase() !== c.sender.toLowerCase())
      out.push(`pool ${att.poolId} belongs to originator ${owner}; ORIGINATOR_KEY is account ${c.sender}`);
  }
  const last = await call<[bigint, bigint]>("attestedRoot", att.poolId);
  if (!(last instanceof Error) && BigInt(last[1]) !== 0n && BigInt(att.period) <= BigInt(last[1]))
    out.push(
      `pool ${att.poolId} is already attested up to period ${last[1]}; this attestation is for period ${att.period}`,
    );
  const key = await call<{
    originator: string;
    validFrom: bigint;
    validUntil: bigint;
    approved: boolean;
    revoked: boolean;
  }>("keyRecord", att.keyHash);
  if (!(key instanceof Error)) {
    if (/^0x0{40}$/i.test(key.originator)) {
      const p = await call<{ pending: boolean }>("proposal", c.sender, att.keyHash);
      const pending = !(p instanceof Error) && (p as unknown as [boolean])[0];
      out.push(
        pending
          ? `the signing key (keyHash ${att.keyHash}) is proposed but governance has not approved it`
          : `the signing key (keyHash ${att.keyHash}) is not known to this registry: propose it (rwa-attest onboard ` +
              "propose-key) and have governance approve it; a key hash also depends on the registry and chain the " +
              "attestation was proven for",
      );
    } else {
      if (key.revoked) out.push(`the signing key (keyHash ${att.keyHash}) is revoked`);
      if (key.originator.toLowerCase() !== c.sender.toLowerCase())
        out.push(
          `the signing key belongs to originator ${key.originator}; ORIGINATOR_KEY is account ${c.sender}`,
        );
      const period = BigInt(att.period);
      if (period < BigInt(key.validFrom) || period > BigInt(key.validUntil))
        out.push(
          `the signing key is valid for periods ${key.validFrom}..${key.validUntil}, not for period ${att.period}`,
        );
    }
  }
  const maxAge = await call<bigint>("maxAge");
  const asOf = BigInt(att.asOfDate) * DAY;
  if (asOf > c.now)
    out.push(
      `the as-of date ${daysToIso(att.asOfDate)} is after the chain's current date ${daysToIso(Number(c.now / DAY))}`,
    );
  else if (!(maxAge instanceof Error) && asOf + maxAge < c.now)
    out.push(
      `the as-of date ${daysToIso(att.asOfDate)} is older than the registry accepts (${maxAge / DAY} days before the chain's current date ${daysToIso(Number(c.now / DAY))})`,
    );
  return out;
}

/** The context of {@link preflightSubmit} read from the sender's node and the deployment file. */
export async function preflightContext(
  signer: Signer,
  deployment: { chainId?: unknown },
  instance: string,
  version: string,
): Promise<PreflightContext> {
  const provider = signer.provider;
  if (!provider) throw new TypeError("signer: not connected to a node");
  const block = await provider.getBlock("latest");
  const dc = deployment.chainId;
  return {
    nodeChainId: (await provider.getNetwork()).chainId,
    sender: await signer.getAddress(),
    ...(typeof dc === "string" || typeof dc === "number" || typeof dc === "bigint"
      ? { deploymentChainId: BigInt(dc) }
      : {}),
    circuitId: circuitId(instance),
    version: Number(version),
    now: BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)),
  };
}
