/**
 * `rwa-attest deploy`, `submit` and `serve`: the on-chain side on a network (in-process Hardhat by default,
 * any JSON-RPC URL otherwise) and the HTTP service.
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { Signer } from "ethers";
import { circuitId, deploySystem, policyParamsInput, type SystemAddresses } from "../../deploy/index.ts";
import { REPO_ROOT, loadCatalogue, pascalName } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { readAttestationFile, readPolicyFile } from "../files.ts";
import { CliError, output, readUserJson } from "../io.ts";

/** A signer for `--network`: Hardhat's in-process network, or a JSON-RPC URL with a key from `envKey`. */
async function signerFor(network: string, envKey: string): Promise<{ signer: Signer; inProcess: boolean }> {
  if (network === "hardhat") {
    process.chdir(REPO_ROOT);
    const hre = (await import("hardhat")).default;
    const { ethers } = await hre.network.connect();
    const [first] = await ethers.getSigners();
    if (!first) throw new CliError("the in-process network has no accounts");
    return { signer: first, inProcess: true };
  }
  if (!/^(https?|wss?):\/\/\S+$/.test(network)) {
    throw new CliError(`--network: unknown network "${network}" (use "hardhat" or a JSON-RPC URL)`);
  }
  const key = process.env[envKey];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new CliError(`${envKey}: expected a 32-byte hex private key in the environment for ${network}`);
  }
  const { JsonRpcProvider, NonceManager, Wallet } = await import("ethers");
  const provider = new JsonRpcProvider(network);
  try {
    await provider.getNetwork();
  } catch (err) {
    provider.destroy();
    throw new CliError(`--network: cannot reach ${network} (${(err as Error).message})`);
  }
  return { signer: new NonceManager(new Wallet(key, provider)), inProcess: false };
}

export function registerChain(program: Command): void {
  program
    .command("deploy")
    .description(
      "deploy registry, verifiers of every built pool circuit, vault and tranches; register a policy",
    )
    .option(
      "--network <hardhat|url>",
      'network: "hardhat" (in-process, gone at exit) or a JSON-RPC URL',
      "hardhat",
    )
    .option("--policy <file>", "policy to register and accept (default: the built-in default policy)")
    .option(
      "--asset <address>",
      "the vault's stablecoin (default: deploy a test stablecoin; local networks only)",
    )
    .option("--out <file>", "write the deployment addresses as JSON")
    .option("--json", "machine-readable output", false)
    .action(async (o: { network: string; policy?: string; asset?: string; out?: string; json: boolean }) => {
      const manifest = readManifest();
      const verifiers = loadCatalogue()
        .filter((c) => c.template === "PoolAttestation" && manifest.instances[c.name])
        .map((c) => [`${pascalName(c.name)}Verifier`, c.name] as [string, string]);
      if (verifiers.length === 0)
        throw new CliError("no pool circuit is built: run `rwa-attest build` first");
      const dev = verifiers.some(([, n]) => manifest.instances[n]?.development);
      const { signer, inProcess } = await signerFor(o.network, "DEPLOYER_KEY");
      if (dev && !inProcess) {
        process.stderr.write(
          "WARNING: deploying verifiers of DEVELOPMENT keys: anyone with the setup secret can forge proofs.\n",
        );
      }
      const policy = readPolicyFile(o.policy);
      const addresses = await deploySystem(signer, {
        verifiers,
        asset: o.asset,
        policies: [{ hash: await policyHash(policy), params: policyParamsInput(policy) }],
      });
      if (o.out) writeFileSync(o.out, JSON.stringify(addresses, null, 2) + "\n");
      output(o.json, addresses, () =>
        [
          `chain ${addresses.chainId}${inProcess ? " (in-process: these contracts end with this command)" : ""}`,
          `registry ${addresses.registry}`,
          `vault    ${addresses.vault}`,
          ...Object.entries(addresses.verifiers).map(([n, a]) => `verifier ${n} ${a}`),
        ].join("\n"),
      );
    });

  program
    .command("submit")
    .description("submit an attestation's chunk proofs to a deployed registry (as the pool's originator)")
    .argument("<attestation>", "attestation JSON from `rwa-attest prove`")
    .requiredOption("--deployment <file>", "deployment JSON from `rwa-attest deploy --out`")
    .requiredOption("--network <url>", "JSON-RPC URL (key in ORIGINATOR_KEY)")
    .option("--version <n>", "verifier version registered for the instance", "1")
    .option("--json", "machine-readable output", false)
    .action(
      async (file: string, o: { deployment: string; network: string; version: string; json: boolean }) => {
        const att = readAttestationFile(file);
        if (!existsSync(o.deployment))
          throw new CliError(`--deployment: cannot read ${o.deployment} (ENOENT)`);
        const dep = readUserJson<SystemAddresses>(o.deployment, "deployment");
        if (dep.registry?.toLowerCase() !== att.registry.toLowerCase()) {
          throw new CliError(
            `attestation: made for registry ${att.registry}, the deployment's is ${dep.registry}`,
          );
        }
        const { signer } = await signerFor(o.network, "ORIGINATOR_KEY");
        const { Contract } = await import("ethers");
        const { loadArtifact } = await import("../../deploy/index.ts");
        const registry = new Contract(dep.registry, loadArtifact("AttestationRegistry").abi, signer);
        const gas: string[] = [];
        for (const c of att.chunks) {
          const tx = await registry.getFunction("submitAttestation")(
            circuitId(att.instance),
            Number(o.version),
            { a: c.solidity.a, b: c.solidity.b, c: c.solidity.c },
            c.publicSignals,
          );
          const receipt = await tx.wait();
          gas.push(String(receipt?.gasUsed));
        }
        output(
          o.json,
          { submitted: att.chunks.length, gas },
          () => `submitted ${att.chunks.length} chunk proofs (gas ${gas.join(", ")})`,
        );
      },
    );

  program
    .command("serve")
    .description(
      "run the prover and verifier HTTP service (configuration from RWA_API_* variables; see verifier-api/.env.example)",
    )
    .option("--port <n>", "port (sets RWA_API_PORT)")
    .option("--host <host>", "host (sets RWA_API_HOST)")
    .option("--data-dir <dir>", "data directory (sets RWA_API_DATA_DIR)")
    .action(async (o: { port?: string; host?: string; dataDir?: string }) => {
      if (o.port) process.env.RWA_API_PORT = o.port;
      if (o.host) process.env.RWA_API_HOST = o.host;
      if (o.dataDir) process.env.RWA_API_DATA_DIR = o.dataDir;
      await import("../../verifier-api/server.ts");
      await new Promise<never>(() => {}); // the server runs until a signal ends the process
    });
}
