/**
 * A chain split: the registry's key hashes bind the chain it was deployed on, and the registry refuses
 * submissions on any other chain (`Registry__WrongChain`). Hardhat's in-process network cannot show this (a
 * fork keeps the upstream chain id for `block.chainid`), so this test uses two anvil nodes (Foundry, from the
 * npm registry): chain A (id 31337) where the system is deployed and a real pool-attestation-8 proof is
 * accepted, and chain B, a fork of A with chain id 999 (the same contracts and state, as after a split),
 * where a proof of the next period, valid on A, is refused. Skipped with a warning when pool-attestation-8 is
 * not built.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import {
  deployRegistry,
  deployVerifier,
  loadArtifact,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { attestPool } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { submitAttestation } from "../../sdk/index.ts";
import { revertOf, terminateCurves } from "./helpers.ts";
import { freePort } from "../support/net.ts";

const INSTANCE = "pool-attestation-8";
const BUILT = readManifest().instances[INSTANCE] !== undefined;
if (!BUILT) console.warn(`${INSTANCE} is not built: skipping the chain-split test`);

// anvil's (and Hardhat's) well-known development accounts 0 (governance) and 1 (originator).
const GOVERNANCE = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ORIGINATOR = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

const nodes: ChildProcess[] = [];
const providers: JsonRpcProvider[] = [];

/** Starts an anvil node; resolves with its URL once it listens. */
async function anvil(args: string[]): Promise<string> {
  const port = await freePort();
  const bin = join(REPO_ROOT, "node_modules", "@foundry-rs", "anvil", "bin.mjs");
  // Its own process group: bin.mjs runs the anvil binary as a child, and both must end with the test.
  const node = spawn(process.execPath, [bin, "--port", String(port), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  nodes.push(node);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    node.stdout!.on("data", onData);
    node.stderr!.on("data", onData);
    node.once("exit", (code) => reject(new Error(`anvil exited (${code}):\n${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

function signer(url: string, key: string): NonceManager {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
  providers.push(provider);
  return new NonceManager(new Wallet(key, provider));
}

afterAll(async () => {
  for (const p of providers) p.destroy();
  for (const n of nodes) {
    try {
      if (n.pid !== undefined) process.kill(-n.pid, "SIGKILL");
    } catch {
      n.kill("SIGKILL");
    }
  }
  await terminateCurves();
});

describe.skipIf(!BUILT)("chain split (two anvil nodes)", () => {
  it("a registry copied onto another chain refuses a proof that its home chain accepts", async () => {
    const chainA = await anvil(["--chain-id", "31337"]);
    const gov = signer(chainA, GOVERNANCE);
    const originator = signer(chainA, ORIGINATOR);
    const registry = await deployRegistry(gov);
    const registryAddress = await registry.getAddress();
    await deployVerifier(gov, registry, "PoolAttestation8Verifier", INSTANCE);
    await registerPolicy(registry, await policyHash(TEST_POLICY), policyParamsInput(TEST_POLICY));
    const key = await generateOriginatorKey();
    await onboardOriginator(
      registry,
      registry.connect(originator) as Contract,
      { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
      [7n],
    );
    const today = Math.floor(Date.now() / 86_400_000);
    // asOfDate increases with every attestation of a pool: the first is dated yesterday, the next today
    const prove = async (period: number, asOfDate: number) => {
      const tape = { ...generateSyntheticTape({ seed: 31, loans: 8, poolId: 7n, asOfDate }), period };
      const { attestation } = await attestPool({
        tape,
        policy: TEST_POLICY,
        key,
        chainId: 31337n,
        registry: registryAddress,
        instance: INSTANCE,
      });
      return attestation.chunks[0]!;
    };
    const first = await prove(202601, today - 1);
    await submitAttestation(
      registry.connect(originator) as Contract,
      INSTANCE,
      1,
      first.proof,
      first.publicSignals,
    );
    const next = await prove(202602, today);

    // chain B: the same state, another chain id
    const chainB = await anvil(["--fork-url", chainA, "--chain-id", "999"]);
    const onB = new Contract(
      registryAddress,
      loadArtifact("AttestationRegistry").abi,
      signer(chainB, ORIGINATOR),
    );
    expect(await onB.getFunction("attestedRoot")(7n)).toEqual(await registry.getFunction("attestedRoot")(7n));
    const split = await revertOf(submitAttestation(onB, INSTANCE, 1, next.proof, next.publicSignals), onB);
    expect(split).toEqual({ name: "Registry__WrongChain", args: [999n, 31337n] });

    // the same proof on its home chain: accepted
    const receipt = await submitAttestation(
      registry.connect(originator) as Contract,
      INSTANCE,
      1,
      next.proof,
      next.publicSignals,
    );
    expect(receipt.status).toBe(1);
  });
});
