/** `rwa-attest keys`: originator keys (Baby Jubjub EdDSA-Poseidon). */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { keyHash } from "../../prover/commitment/keys.ts";
import { newKeyFile, readKeyFile, writeJsonFile } from "../files.ts";
import { CliError, output } from "../io.ts";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("generate and show originator keys");
  keys
    .command("generate")
    .description("generate an originator key file (keep it secret; register its keyHash on-chain)")
    .requiredOption("--out <file>", "where to write the key file")
    .option("--force", "overwrite an existing file", false)
    .option("--json", "machine-readable output", false)
    .action(async (o: { out: string; force: boolean; json: boolean }) => {
      if (existsSync(o.out) && !o.force)
        throw new CliError(`--out: ${o.out} exists (use --force to overwrite)`);
      const k = await newKeyFile();
      writeJsonFile(o.out, k);
      output(
        o.json,
        { path: o.out, publicKey: k.publicKey, keyHash: k.keyHash },
        () => `wrote ${o.out}\nkeyHash ${k.keyHash}`,
      );
    });
  keys
    .command("show")
    .description("show a key file's public key and keyHash")
    .argument("<file>", "key file")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: { json: boolean }) => {
      const key = await readKeyFile(file);
      const h = await keyHash(key.publicKey);
      const pub = { publicKey: key.publicKey.map(String), keyHash: h.toString() };
      output(o.json, pub, () => `publicKey ${pub.publicKey.join(" ")}\nkeyHash   ${pub.keyHash}`);
    });
}
