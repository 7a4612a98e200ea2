/** `rwa-attest verify`: checks a proof against a catalogue instance's hash-checked verification key. */
import type { Command } from "commander";
import { findInstance } from "../../pipeline/catalogue.ts";
import { verifyInstance } from "../../prover/prove/index.ts";
import { CliError, EXIT, output, readUserJson } from "../io.ts";

interface ProofFile {
  instance?: string;
  proof?: unknown;
  publicSignals?: unknown;
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "verify a proof file ({instance, proof, publicSignals}) off-chain; exit 1 if it does not verify",
    )
    .argument("<proof>", "proof JSON file")
    .option("--instance <name>", "catalogue instance (default: the file's `instance`)")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: { instance?: string; json: boolean }) => {
      const p = readUserJson<ProofFile>(file, "proof");
      const name = o.instance ?? p.instance;
      if (typeof name !== "string")
        throw new CliError("proof: no instance given (use --instance or an `instance` field)");
      findInstance(name);
      if (!Array.isArray(p.publicSignals)) throw new CliError("proof: `publicSignals` must be an array");
      const valid = await verifyInstance(name, p.publicSignals as string[], p.proof);
      output(o.json, { instance: name, valid }, () =>
        valid ? `valid proof for ${name}` : `INVALID proof for ${name}`,
      );
      if (!valid) process.exitCode = EXIT.negative;
    });
}
