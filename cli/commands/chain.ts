/**
 * `rwa-attest deploy`, `submit` and `serve`: the on-chain side on a network (in-process Hardhat by default,
 * any JSON-RPC URL otherwise) and the HTTP service.
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { Contract, type Signer } from "ethers";
import {
  DevelopmentKeysError,
  checkVerifierKeys,
  circuitId,
  deploySystem,
  policyParamsInput,
  type SystemAddresses,
} from "../../deploy/index.ts";
import { REPO_ROOT, loadCatalogue, pascalName } from "../../pipeline/index.ts";
import { readManifest } from "../../pipeline/index.ts";
import { policyHash } from "../../prover/index.ts";
import { ConfigError, startService } from "../../verifier-api/index.ts";
import { readAttestationFile, readKeyFile, readPolicyFile } from "../files.ts";
import { CliError, EXIT, output, readUserJson } from "../io.ts";
import { preflightContext, preflightSubmit } from "../preflight.ts";

/** The loudly named option that lets development keys onto a chain other than a local development chain. */
const ALLOW_DEV_KEYS = "--allow-development-keys-on-real-chain";

/** A development-keys refusal becomes exit 1 with its message (naming the instance and `setup import`). */
export function refuseDevelopmentKeys(err: unknown): never {
  if (err instanceof DevelopmentKeysError) throw new CliError(err.message, EXIT.negative);
  throw err;
}

/** An adjustment bound in minor units: a positive integer below 2^48 (the roll-forward's amounts). */
export function parseMaxAdjustment(text: string, option = "--max-adjustment"): bigint {
  if (!/^[0-9]{1,15}$/.test(text) || BigInt(text) === 0n || BigInt(text) >= 1n << 48n)
    throw new CliError(`${option}: expected an amount in minor units from 1 to 2^48 - 1, got ${text}`);
  return BigInt(text);
}

/** A signer for `--network`: Hardhat's in-process network, or a JSON-RPC URL with a key from `envKey`. */
export async function signerFor(
  network: string,
  envKey: string,
): Promise<{ signer: Signer; inProcess: boolean }> {
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

/** The deployment's registry on `network`, connected to the signer whose key is in `envKey`. */
async function registryFor(
  deploymentFile: string,
  network: string,
  envKey: string,
): Promise<{ registry: Contract; signer: Signer; deployment: SystemAddresses }> {
  if (!existsSync(deploymentFile)) throw new CliError(`--deployment: cannot read ${deploymentFile} (ENOENT)`);
  const deployment = readUserJson<SystemAddresses>(deploymentFile, "deployment");
  if (typeof deployment.registry !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(deployment.registry))
    throw new CliError(`--deployment: ${deploymentFile} has no registry address`);
  const { signer } = await signerFor(network, envKey);
  const { loadArtifact } = await import("../../deploy/index.ts");
  const registry = new Contract(deployment.registry, loadArtifact("AttestationRegistry").abi, signer);
  return { registry, signer, deployment };
}

/** Sends a registry transaction; a revert becomes a CliError naming the registry's custom error. */
async function send(registry: Contract, fn: string, args: unknown[]): Promise<bigint> {
  try {
    const receipt = await (await registry.getFunction(fn)(...args)).wait();
    return receipt?.gasUsed ?? 0n;
  } catch (err) {
    const data = (err as { data?: unknown }).data;
    const parsed = typeof data === "string" ? registry.interface.parseError(data) : null;
    if (parsed) {
      throw new CliError(
        `${fn}: refused by the registry: ${parsed.name}(${parsed.args.join(", ")})`,
        EXIT.negative,
      );
    }
    throw err;
  }
}

const networkOption = (envKey: string) => [`--network <url>`, `JSON-RPC URL (key in ${envKey})`] as const;

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
    .option(
      "--with-scores",
      "also deploy the score side: provider registry, score attestations and every built score-backing verifier",
      false,
    )
    .option("--audit-seeds-delay <blocks>", "also deploy AuditSeeds with this delay in blocks (1-200)")
    .option(
      "--max-adjustment <amount>",
      "also deploy the roll-forward registry with this bound on one loan's |adjustment| in a period (minor " +
        "units, fixed for good) and the verifiers of every built roll-forward circuit",
    )
    .option(
      ALLOW_DEV_KEYS,
      "deploy verifiers of DEVELOPMENT keys to a chain other than 31337/1337 (throwaway test networks only)",
      false,
    )
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        network: string;
        policy?: string;
        asset?: string;
        out?: string;
        withScores: boolean;
        auditSeedsDelay?: string;
        maxAdjustment?: string;
        allowDevelopmentKeysOnRealChain: boolean;
        json: boolean;
      }) => {
        const manifest = readManifest();
        const maxAdjustment = o.maxAdjustment === undefined ? undefined : parseMaxAdjustment(o.maxAdjustment);
        // the roll-forward's circuits: the chunk commitments (kind 0) and their aggregations (kind 1)
        const rollForwardVerifiers = loadCatalogue()
          .filter(
            (c) =>
              ["RollForwardCommitment", "RollForwardAggregation"].includes(c.template) &&
              manifest.instances[c.name],
          )
          .map((c) => [`${pascalName(c.name)}Verifier`, c.name] as [string, string]);
        if (maxAdjustment !== undefined) {
          const built = (t: string) =>
            loadCatalogue().some((c) => c.template === t && manifest.instances[c.name]);
          const missing = ["RollForwardCommitment", "RollForwardAggregation"].filter((t) => !built(t));
          if (missing.length > 0)
            throw new CliError(
              `--max-adjustment: no ${missing.join(" or ")} instance is built, so the roll-forward registry ` +
                "would accept no proof: build them first (`rwa-attest build --only " +
                "rollforward-commitment-8,rollforward-aggregation-4`)",
            );
        }
        const verifiers = loadCatalogue()
          // one-chunk pools' circuits, and the committed path's: chunk commitments and aggregations
          .filter(
            (c) =>
              ["PoolAttestation", "PoolChunkCommitment", "PoolAggregation"].includes(c.template) &&
              manifest.instances[c.name],
          )
          .map((c) => [`${pascalName(c.name)}Verifier`, c.name] as [string, string]);
        if (verifiers.length === 0)
          throw new CliError("no pool circuit is built: run `rwa-attest build` first");
        const { signer } = await signerFor(o.network, "DEPLOYER_KEY");
        const policy = readPolicyFile(o.policy);
        const scoreVerifiers = loadCatalogue()
          .filter((c) => c.template === "ScoreBacking" && manifest.instances[c.name])
          .map((c) => [`${pascalName(c.name)}Verifier`, c.name] as [string, string]);
        if (o.withScores && scoreVerifiers.length === 0)
          throw new CliError(
            "--with-scores: no score-backing circuit is built: run `rwa-attest build` first",
          );
        let auditSeedsDelay: number | undefined;
        if (o.auditSeedsDelay !== undefined) {
          auditSeedsDelay = Number(o.auditSeedsDelay);
          if (!/^[0-9]+$/.test(o.auditSeedsDelay) || auditSeedsDelay < 1 || auditSeedsDelay > 200)
            throw new CliError(`--audit-seeds-delay: expected 1-200 blocks, got ${o.auditSeedsDelay}`);
        }
        const addresses = await deploySystem(signer, {
          verifiers,
          asset: o.asset,
          policies: [{ hash: await policyHash(policy), params: policyParamsInput(policy) }],
          ...(o.withScores ? { scores: { verifiers: scoreVerifiers } } : {}),
          auditSeedsDelay,
          ...(maxAdjustment !== undefined
            ? { rollForward: { maxAdjustment, verifiers: rollForwardVerifiers } }
            : {}),
          keys: { allowDevelopmentKeysOnRealChain: o.allowDevelopmentKeysOnRealChain },
        }).catch(refuseDevelopmentKeys);
        if (o.out) writeFileSync(o.out, JSON.stringify(addresses, null, 2) + "\n");
        output(o.json, addresses, () =>
          [
            `chain ${addresses.chainId}${o.network === "hardhat" ? " (in-process: these contracts end with this command)" : ""}`,
            `registry ${addresses.registry}`,
            `vault    ${addresses.vault}`,
            ...Object.entries(addresses.verifiers).map(([n, a]) => `verifier ${n} ${a}`),
            ...(addresses.scores
              ? [
                  `providers ${addresses.scores.providers}`,
                  `scores   ${addresses.scores.scores}`,
                  ...Object.entries(addresses.scores.verifiers).map(([n, a]) => `verifier ${n} ${a}`),
                ]
              : []),
            ...(addresses.auditSeeds ? [`audit seeds ${addresses.auditSeeds}`] : []),
            ...(addresses.rollForward
              ? [
                  `roll-forward registry ${addresses.rollForward.registry} (adjustment bound ${addresses.rollForward.maxAdjustment} minor units)`,
                  ...Object.entries(addresses.rollForward.verifiers).map(([n, a]) => `verifier ${n} ${a}`),
                ]
              : []),
          ].join("\n"),
        );
      },
    );

  program
    .command("submit")
    .description("submit an attestation's chunk proofs to a deployed registry (as the pool's originator)")
    .argument("<attestation>", "attestation JSON from `rwa-attest prove`")
    .requiredOption("--deployment <file>", "deployment JSON from `rwa-attest deploy --out`")
    .requiredOption("--network <url>", "JSON-RPC URL (key in ORIGINATOR_KEY)")
    .option("--version <n>", "verifier version registered for the instance", "1")
    .option(
      ALLOW_DEV_KEYS,
      "submit proofs of DEVELOPMENT keys to a chain other than 31337/1337 (throwaway test networks only)",
      false,
    )
    .option("--json", "machine-readable output", false)
    .action(
      async (
        file: string,
        o: {
          deployment: string;
          network: string;
          version: string;
          allowDevelopmentKeysOnRealChain: boolean;
          json: boolean;
        },
      ) => {
        const att = readAttestationFile(file);
        const { registry, deployment, signer } = await registryFor(o.deployment, o.network, "ORIGINATOR_KEY");
        // proofs of development keys prove nothing: refused on real chains like their verifiers
        await checkVerifierKeys(signer, [[`${pascalName(att.instance)}Verifier`, att.instance]], {
          allowDevelopmentKeysOnRealChain: o.allowDevelopmentKeysOnRealChain,
        }).catch(refuseDevelopmentKeys);
        if (deployment.registry.toLowerCase() !== att.registry.toLowerCase()) {
          throw new CliError(
            `attestation: made for registry ${att.registry}, the deployment's is ${deployment.registry}`,
          );
        }
        const refusals = await preflightSubmit(
          att,
          registry,
          await preflightContext(signer, deployment, att.instance, o.version),
        );
        if (refusals.length > 0)
          throw new CliError(
            `submit: nothing sent, the registry would refuse it:\n  ${refusals.join("\n  ")}`,
            EXIT.negative,
          );
        const gas: string[] = [];
        const agg = att.aggregation;
        if (agg)
          await checkVerifierKeys(signer, [[`${pascalName(agg.instance)}Verifier`, agg.instance]], {
            allowDevelopmentKeysOnRealChain: o.allowDevelopmentKeysOnRealChain,
          }).catch(refuseDevelopmentKeys);
        // a committed attestation: its chunks in the order listed (the order its aggregation chains them in),
        // then the aggregation; a one-chunk attestation: its one proof with the pool's figures
        for (const c of att.chunks) {
          const used = await send(registry, agg ? "submitChunkCommitment" : "submitAttestation", [
            circuitId(att.instance),
            Number(o.version),
            { a: c.solidity.a, b: c.solidity.b, c: c.solidity.c },
            c.publicSignals,
          ]);
          gas.push(used.toString());
        }
        if (agg) {
          const [, , , , , acc] = (await registry.getFunction("committedBatch")(att.poolId)) as bigint[];
          if (acc !== BigInt(agg.publicSignals[0]!))
            throw new CliError(
              "submit: the registry chained the chunks in another order than the attestation lists them (another " +
                "submitter's transactions came between): prove the aggregation again in the registry's order " +
                "(prover `proveAggregation` with the openings file and `acceptedChunks`), nothing more was sent",
              EXIT.negative,
            );
          const first = att.chunks[0]!.publicSignals;
          const used = await send(registry, "submitAggregation", [
            circuitId(agg.instance),
            Number(o.version),
            { a: agg.solidity.a, b: agg.solidity.b, c: agg.solidity.c },
            first.slice(0, 4),
            agg.publicSignals.slice(1),
          ]);
          gas.push(used.toString());
        }
        const what = agg
          ? `${att.chunks.length} committed chunk proofs and the aggregation`
          : "1 chunk proof";
        output(o.json, { submitted: gas.length, gas }, () => `submitted ${what} (gas ${gas.join(", ")})`);
      },
    );

  const onboard = program
    .command("onboard")
    .description("originator onboarding on a deployed registry: propose a key, approve it, register pools");
  onboard
    .command("propose-key")
    .description("propose an originator key file's public key (as the originator); prints its keyHash")
    .argument("<key>", "originator key file from `rwa-attest keys generate`")
    .requiredOption("--deployment <file>", "deployment JSON from `rwa-attest deploy --out`")
    .requiredOption(...networkOption("ORIGINATOR_KEY"))
    .option(
      "--valid-from <day>",
      "first day (days since 1970-01-01, UTC) on which submissions under the key are accepted",
      "1",
    )
    .option("--json", "machine-readable output", false)
    .action(
      async (file: string, o: { deployment: string; network: string; validFrom: string; json: boolean }) => {
        if (!/^[0-9]+$/.test(o.validFrom) || BigInt(o.validFrom) >= 1n << 32n)
          throw new CliError(`--valid-from: expected a 32-bit day number, got ${o.validFrom}`);
        const key = await readKeyFile(file);
        const { registry, signer } = await registryFor(o.deployment, o.network, "ORIGINATOR_KEY");
        const keyHash = (await registry.getFunction("keyHashOf")(...key.publicKey)) as bigint;
        const gas = await send(registry, "proposeKey", [...key.publicKey, Number(o.validFrom)]);
        const r = { originator: await signer.getAddress(), keyHash: keyHash.toString(), gas: gas.toString() };
        output(
          o.json,
          r,
          () =>
            `proposed key ${r.keyHash} for ${r.originator}; governance approves it with \`onboard approve-key\``,
        );
      },
    );
  onboard
    .command("approve-key")
    .description("approve an originator's proposed key (as governance)")
    .requiredOption("--originator <address>", "the originator's account")
    .requiredOption("--key-hash <n>", "the keyHash printed by `onboard propose-key`")
    .requiredOption("--deployment <file>", "deployment JSON from `rwa-attest deploy --out`")
    .requiredOption(...networkOption("DEPLOYER_KEY"))
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        originator: string;
        keyHash: string;
        deployment: string;
        network: string;
        json: boolean;
      }) => {
        if (!/^0x[0-9a-fA-F]{40}$/.test(o.originator))
          throw new CliError(`--originator: not a 20-byte hex address: ${o.originator}`);
        if (!/^[0-9]{1,78}$/.test(o.keyHash))
          throw new CliError(`--key-hash: not a decimal number: ${o.keyHash}`);
        const { registry } = await registryFor(o.deployment, o.network, "DEPLOYER_KEY");
        const gas = await send(registry, "approveKey", [o.originator, BigInt(o.keyHash)]);
        output(o.json, { approved: o.keyHash, gas: gas.toString() }, () => `approved key ${o.keyHash}`);
      },
    );
  onboard
    .command("register-pool")
    .description("register pool ids to the calling originator (its current key must be approved)")
    .argument("<poolIds...>", "pool ids (64-bit)")
    .requiredOption("--deployment <file>", "deployment JSON from `rwa-attest deploy --out`")
    .requiredOption(...networkOption("ORIGINATOR_KEY"))
    .option("--json", "machine-readable output", false)
    .action(async (ids: string[], o: { deployment: string; network: string; json: boolean }) => {
      for (const id of ids)
        if (!/^[0-9]+$/.test(id) || BigInt(id) >= 1n << 64n)
          throw new CliError(`poolId: expected a 64-bit pool id, got ${id}`);
      const { registry } = await registryFor(o.deployment, o.network, "ORIGINATOR_KEY");
      const gas: string[] = [];
      for (const id of ids) gas.push((await send(registry, "registerPool", [BigInt(id)])).toString());
      output(o.json, { registered: ids, gas }, () => `registered pool(s) ${ids.join(", ")}`);
    });
  program
    .command("serve")
    .description(
      "run the prover and verifier HTTP service (other settings from RWA_API_* variables; see verifier-api/.env.example)",
    )
    .option("--port <n>", "port (instead of RWA_API_PORT; 0 picks a free one)")
    .option("--host <host>", "host (instead of RWA_API_HOST)")
    .option("--data-dir <dir>", "data directory (instead of RWA_API_DATA_DIR)")
    .option(
      "--production",
      "production (as NODE_ENV=production): RWA_API_TAPE_KEY required; without it and outside production a " +
        "development key is generated and kept in the data directory",
      false,
    )
    .action(async (o: { port?: string; host?: string; dataDir?: string; production: boolean }) => {
      if (o.port !== undefined && !/^[0-9]{1,5}$/.test(o.port))
        throw new CliError(`--port: expected a port number (0 to 65535), got ${JSON.stringify(o.port)}`);
      try {
        await startService({
          production: o.production || undefined,
          config: {
            ...(o.port !== undefined ? { port: Number(o.port) } : {}),
            ...(o.host !== undefined ? { host: o.host } : {}),
            ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
          },
        });
      } catch (err) {
        if (err instanceof ConfigError)
          throw new CliError(`invalid configuration: ${err.message}`, EXIT.usage);
        throw err;
      }
      await new Promise<never>(() => {}); // the service runs until a signal ends the process
    });
}
