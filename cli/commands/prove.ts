/** `rwa-attest prove` (an attestation for a period under a policy) and `rwa-attest verify-attestation`. */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { attestationToJson, attestPool, DEFAULT_POOL_INSTANCE } from "../../prover/attest.ts";
import { deriveSalts } from "../../prover/commitment/encoding.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { readKeyFile, readPolicyFile, readTapeFile, type TapeReadOptions } from "../files.ts";
import { CliError, output, readUserJson } from "../io.ts";
import { startProgress } from "../progress.ts";
import { verifyAttestationCommand } from "./verify.ts";

export function registerProve(program: Command): void {
  program
    .command("prove")
    .description("prove a tape's attestation for its period under a policy, for one chain and registry")
    .argument("<tape>", "CSV or JSON tape")
    .requiredOption("--key <file>", "originator key file")
    .requiredOption("--registry <address>", "registry contract address the attestation is for")
    .option("--chain-id <id>", "chain id the attestation is for", "31337")
    .option("--policy <file>", "policy JSON (default: the built-in default policy)")
    .option("--seed <file>", "salt seed file from `tape commit` (default: fresh random salts)")
    .option("--instance <name>", "pool circuit instance", DEFAULT_POOL_INSTANCE)
    .option("--mapping <file>", "mapping file for a CSV in the originator's own columns")
    .option("--workers <n>", "proofs in parallel", "1")
    .requiredOption("--out <file>", "where to write the attestation JSON")
    .option("--force", "overwrite --out", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (
        file: string,
        o: TapeReadOptions & {
          key: string;
          registry: string;
          chainId: string;
          policy?: string;
          seed?: string;
          instance: string;
          workers: string;
          out: string;
          force: boolean;
          json: boolean;
        },
      ) => {
        if (existsSync(o.out) && !o.force)
          throw new CliError(`--out: ${o.out} exists (use --force to overwrite)`);
        if (!/^0x[0-9a-fA-F]{40}$/.test(o.registry))
          throw new CliError(`--registry: not an address: ${o.registry}`);
        if (!/^[0-9]+$/.test(o.chainId)) throw new CliError(`--chain-id: not a number: ${o.chainId}`);
        const workers = Number(o.workers);
        if (!Number.isInteger(workers) || workers < 1)
          throw new CliError(`--workers: expected a positive integer`);
        const tape = await readTapeFile(file, o);
        const key = await readKeyFile(o.key);
        const policy = readPolicyFile(o.policy);
        const salts = o.seed
          ? await deriveSalts(BigInt(readUserJson<{ seed: string }>(o.seed, "seed").seed), tape)
          : undefined;
        const pool = new ProverPool(workers);
        const progress = startProgress("proving", { quiet: o.json });
        try {
          const { attestation } = await attestPool({
            tape,
            policy,
            key,
            chainId: BigInt(o.chainId),
            registry: o.registry,
            instance: o.instance,
            salts,
            pool,
            onProgress: (p) => progress.update(p.fraction, `chunk ${p.chunksDone}/${p.chunkCount}`),
          });
          progress.done(`${attestation.chunkCount} chunk proofs`);
          writeFileSync(o.out, attestationToJson(attestation) + "\n");
          output(
            o.json,
            {
              out: o.out,
              root: attestation.root,
              chunks: attestation.chunkCount,
              figures: attestation.figures,
            },
            () =>
              `wrote ${o.out}: root ${attestation.root}, ${attestation.chunkCount} chunks, breaches ${attestation.figures.breaches}`,
          );
        } finally {
          await pool.close();
        }
      },
    );

  program
    .command("verify-attestation")
    .description(
      "check every chunk proof of an attestation file, that all chunks agree, and that every summary figure " +
        "is the one the proofs carry; say when it was made with development keys; exit 1 if not valid",
    )
    .argument("<attestation>", "attestation JSON")
    .option("--policy <file>", "policy JSON, for an attestation file that does not carry its parameters")
    .option("--require-production-keys", "also exit 1 when it was made with development keys", false)
    .option("--json", "machine-readable output", false)
    .action(verifyAttestationCommand);
}
