/** `rwa-attest keys`: originator keys (Baby Jubjub EdDSA-Poseidon). */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { MAX_CHAIN_ID, domainWord, registryKeyHash } from "../../prover/index.ts";
import { newKeyFile, readKeyFile, workPath, writeSecretJson } from "../files.ts";
import { CliError, output } from "../io.ts";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("generate and show originator keys");
  keys
    .command("generate")
    .description("generate an originator key file (keep it secret; propose its public key on-chain)")
    .option(
      "--out <file>",
      "where to write the key file, mode 0600; refused inside a git work tree unless git ignores it " +
        "(default: <work folder>/originator.json)",
    )
    .option("--force", "overwrite an existing file", false)
    .option("--json", "machine-readable output", false)
    .action(async (o: { out?: string; force: boolean; json: boolean }) => {
      const out = o.out ?? workPath("originator.json");
      if (existsSync(out) && !o.force) throw new CliError(`--out: ${out} exists (use --force to overwrite)`);
      const k = await newKeyFile();
      writeSecretJson(out, k, "--out");
      output(
        o.json,
        { path: out, publicKey: k.publicKey },
        () => `wrote ${out} (secret: mode 0600)\npublicKey ${k.publicKey.join(" ")}`,
      );
    });
  keys
    .command("show")
    .description(
      "show a key file's public key, and with --registry its keyHash in that registry " +
        "(Poseidon(Ax, Ay, domain), the hash the registry computes and proofs carry)",
    )
    .argument("<file>", "key file")
    .option("--registry <address>", "registry contract address")
    .option("--chain-id <id>", "chain id of the registry", "31337")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: { registry?: string; chainId: string; json: boolean }) => {
      const key = await readKeyFile(file);
      const pub: { publicKey: string[]; keyHash?: string } = { publicKey: key.publicKey.map(String) };
      if (o.registry !== undefined) {
        if (!/^0x[0-9a-fA-F]{40}$/.test(o.registry))
          throw new CliError(`--registry: not a 20-byte hex address: ${o.registry}`);
        if (!/^[0-9]+$/.test(o.chainId) || BigInt(o.chainId) > MAX_CHAIN_ID)
          throw new CliError(`--chain-id: expected a chain id of at most 2^93 - 1, got ${o.chainId}`);
        const domain = domainWord(o.registry, BigInt(o.chainId));
        pub.keyHash = (await registryKeyHash(key.publicKey, domain)).toString();
      }
      output(o.json, pub, () =>
        [`publicKey ${pub.publicKey.join(" ")}`, ...(pub.keyHash ? [`keyHash   ${pub.keyHash}`] : [])].join(
          "\n",
        ),
      );
    });
}
