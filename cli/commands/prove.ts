/** `rwa-attest prove` (an attestation for a period under a policy) and `rwa-attest verify-attestation`. */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import {
  attestationToJson,
  attestPool,
  DEFAULT_POOL_INSTANCE,
  deriveSalts,
  ProverPool,
  SqliteChunkStore,
} from "../../prover/index.ts";
import {
  readKeyFile,
  readPolicyFile,
  readTapeFileWithInfo,
  sourceLines,
  tapeOptions,
  type TapeReadOptions,
} from "../files.ts";
import { counted, requireAttestable, requirePoolSize } from "../../prover/index.ts";
import { defaultSeedPath, loadOrCreateSeed } from "./tape.ts";
import { CliError, output, readUserJson } from "../io.ts";
import { startProgress } from "../progress.ts";
import { verifyAttestationCommand } from "./verify.ts";

/** The registry an attestation is bound to when none is given: no registry accepts it (off-chain only). */
export const OFF_CHAIN_REGISTRY = "0x0000000000000000000000000000000000000000";

export function registerProve(program: Command): void {
  tapeOptions(
    program
      .command("prove")
      .description(
        "prove a tape's attestation for its period under a policy, for one chain and registry " +
          "(without --registry or --deployment: an off-chain attestation no registry accepts)",
      )
      .argument("<tape>", "CSV, XML (with --mapping) or JSON tape"),
  )
    .requiredOption("--key <file>", "originator key file")
    .option("--registry <address>", "registry contract address the attestation is for")
    .option(
      "--deployment <file>",
      "deployment JSON (`rwa-attest deploy --out`): registry and chain id from it",
    )
    .option("--chain-id <id>", "chain id the attestation is for (default: the deployment's, else 31337)")
    .option("--policy <file>", "policy JSON (default: the built-in default policy)")
    .option(
      "--seed <file>",
      "salt seed file (from `tape commit`); created, mode 0600, if absent (default: <work folder>/<tape>.seed.json)",
    )
    .option("--instance <name>", "pool circuit instance", DEFAULT_POOL_INSTANCE)
    .option("--workers <n>", "proofs in parallel", "1")
    .option(
      "--chunks <file>",
      "SQLite file keeping each chunk proof as it is made, so a run started again after a crash proves only " +
        "the missing chunks; removed once the attestation is written (default: <out>.chunks.sqlite)",
    )
    .requiredOption("--out <file>", "where to write the attestation JSON")
    .option("--force", "overwrite --out", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (
        file: string,
        o: TapeReadOptions & {
          key: string;
          registry?: string;
          deployment?: string;
          chainId?: string;
          policy?: string;
          seed?: string;
          instance: string;
          workers: string;
          chunks?: string;
          out: string;
          force: boolean;
          json: boolean;
        },
      ) => {
        if (existsSync(o.out) && !o.force)
          throw new CliError(`--out: ${o.out} exists (use --force to overwrite)`);
        let registry = o.registry;
        let chainId = o.chainId;
        if (o.deployment) {
          const d = readUserJson<{ registry?: unknown; chainId?: unknown }>(o.deployment, "deployment");
          if (typeof d.registry !== "string")
            throw new CliError(`--deployment: ${o.deployment} has no registry address`);
          if (registry !== undefined && registry.toLowerCase() !== d.registry.toLowerCase())
            throw new CliError(`--registry: ${registry} is not the deployment's registry ${d.registry}`);
          registry = d.registry;
          const dc = d.chainId === undefined ? undefined : String(d.chainId);
          if (chainId !== undefined && dc !== undefined && chainId !== dc)
            throw new CliError(`--chain-id: ${chainId} is not the deployment's chain ${dc}`);
          chainId ??= dc;
        }
        chainId ??= "31337";
        const offChain = registry === undefined;
        registry ??= OFF_CHAIN_REGISTRY;
        if (!/^0x[0-9a-fA-F]{40}$/.test(registry))
          throw new CliError(`--registry: not an address: ${registry}`);
        if (!/^[0-9]+$/.test(chainId)) throw new CliError(`--chain-id: not a number: ${chainId}`);
        const workers = Number(o.workers);
        if (!Number.isInteger(workers) || workers < 1)
          throw new CliError(`--workers: expected a positive integer`);
        const { tape, info } = await readTapeFileWithInfo(file, o);
        const key = await readKeyFile(o.key);
        const policy = readPolicyFile(o.policy);
        // before any file is written: a refused pool leaves nothing
        requirePoolSize(tape.loans, policy);
        requireAttestable(tape.loans.length, o.instance);
        const seedFile = o.seed ?? defaultSeedPath(file);
        const { seed, created } = loadOrCreateSeed(seedFile, "--seed");
        const salts = await deriveSalts(seed, tape);
        const pool = new ProverPool(workers);
        const chunkFile = o.chunks ?? `${o.out}.chunks.sqlite`;
        const store = new SqliteChunkStore(chunkFile);
        const progress = startProgress("proving", { quiet: o.json });
        if (!o.json) {
          for (const l of sourceLines(info)) process.stderr.write(`${l}\n`);
          process.stderr.write(
            `salts from ${seedFile} (${created ? "created now; secret: keep it, openings need it" : "existing"})\n`,
          );
          if (offChain)
            process.stderr.write(
              `no --registry or --deployment: an off-chain attestation bound to registry ${OFF_CHAIN_REGISTRY}, ` +
                "which verify-attestation checks but no registry accepts\n",
            );
        }
        try {
          const { attestation } = await attestPool({
            tape,
            policy,
            key,
            chainId: BigInt(chainId),
            registry,
            instance: o.instance,
            salts,
            // committed chunks' salts from the same secret seed: re-derivable, so no openings file is kept
            chunkSaltSeed: seed,
            pool,
            store,
            onProgress: (p) =>
              progress.update(
                p.fraction,
                p.stage === "commit"
                  ? "committing the tape"
                  : `chunks proven: ${p.chunksDone} of ${p.chunkCount}` +
                      (p.chunksReused ? ` (${p.chunksReused} from an earlier run)` : ""),
                {
                  stage: p.stage === "commit" ? "commit" : "prove",
                  // the time left from this run's chunks (stored ones took no time now)
                  done: p.chunksDone - (p.chunksReused ?? 0),
                  total: Math.max(p.chunkCount - (p.chunksReused ?? 0), 1),
                },
              ),
          });
          progress.done(`${counted(attestation.chunkCount, "chunk proof")}`);
          // What the source file held besides the loans: recorded next to the proof (not part of it).
          const tapeSource = {
            file: basename(file),
            rowsRead: info.rowsRead,
            rowsSetAside: info.rowsSetAside,
            ...(info.quarantineFile ? { quarantineFile: basename(info.quarantineFile) } : {}),
          };
          const json = JSON.parse(attestationToJson(attestation)) as Record<string, unknown>;
          writeFileSync(o.out, JSON.stringify({ ...json, tapeSource }, null, 2) + "\n");
          await store.close();
          for (const suffix of ["", "-wal", "-shm"]) rmSync(chunkFile + suffix, { force: true });
          output(
            o.json,
            {
              out: o.out,
              root: attestation.root,
              chunks: attestation.chunkCount,
              figures: attestation.figures,
              seedFile,
              offChain,
              tapeSource,
            },
            () =>
              `wrote ${o.out}: root ${attestation.root}, ${counted(attestation.chunkCount, "chunk")}, breaches ${attestation.figures.breaches}`,
          );
        } finally {
          await pool.close();
          await store.close();
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
