/**
 * `rwa-attest verify`: checks a proof against a catalogue instance's hash-checked verification key; and the
 * auditor's verdict on an attestation file that `verify-attestation`, `analyze --attestation` and
 * `audit sample --attestation` share (`checkAttestationFile`): every proof verified, every summary figure
 * derived from the proofs, a development key named in the verdict.
 */
import type { Command } from "commander";
import { findInstance } from "../../pipeline/index.ts";
import { verifyAttestation, type Attestation, type AttestationCheck } from "../../prover/index.ts";
import type { Figures } from "../../prover/index.ts";
import { verifyInstance } from "../../prover/index.ts";
import { readAttestationFile, readPolicyFile } from "../files.ts";
import { CliError, EXIT, output, readUserJson } from "../io.ts";

/** Options of the commands that read an attestation file. */
export interface AttestationFileOptions {
  /** A policy file, for attestation files that do not carry their policy's parameters. */
  policy?: string;
  /** Refuse (exit 1) an attestation made with development keys. */
  requireProductionKeys?: boolean;
}

/** The verdict's text: valid or not, every problem, and the development-key warning (never a plain "valid"). */
export function verdictText(att: Attestation, check: AttestationCheck): string {
  const lines = check.valid
    ? [
        `valid attestation: pool ${att.poolId}, period ${att.period}, ${att.chunkCount} chunks; every proof verifies and every summary figure is the one its proofs carry`,
      ]
    : [`INVALID:`, ...check.problems.map((p) => `  ${p}`)];
  if (check.key) lines.push(`verification key ${check.key.hash} (${check.key.instance})`);
  for (const w of check.warnings) lines.push(`WARNING ${w}`);
  return lines.join("\n");
}

/**
 * Reads and checks an attestation file (a malformed file is a CliError, exit 2). Returns the check, not
 * valid when any problem was found and, with `requireProductionKeys`, when it was made with development
 * keys; `figures` are those derived from the proofs, null unless the check is valid.
 */
export async function checkAttestationFile(
  file: string,
  o: AttestationFileOptions,
): Promise<{ att: Attestation; check: AttestationCheck; figures: Figures | null }> {
  const att = readAttestationFile(file);
  const check = await verifyAttestation(att, o.policy ? readPolicyFile(o.policy) : undefined);
  if (o.requireProductionKeys && check.warnings.length > 0 && check.valid) {
    check.valid = false;
    check.problems.push(`--require-production-keys: made with ${check.warnings.join("; ")}`);
  }
  return { att, check, figures: check.valid ? check.figures : null };
}

/**
 * Checks an attestation file and throws exit 1 (a CliError naming every problem) unless it is valid; the
 * development-key warning goes to stderr. For commands that then use the file's figures or root.
 */
export async function requireVerifiedAttestation(
  file: string,
  o: AttestationFileOptions = {},
): Promise<{ att: Attestation; check: AttestationCheck; figures: Figures }> {
  const { att, check, figures } = await checkAttestationFile(file, o);
  if (figures === null)
    throw new CliError(
      `attestation: ${file}: refused, its figures are not those of its verified proofs:\n  ${check.problems.join("\n  ")}`,
      EXIT.negative,
    );
  for (const w of check.warnings) process.stderr.write(`rwa-attest: WARNING ${w}\n`);
  return { att, check, figures };
}

/** `verify-attestation`'s action. */
export async function verifyAttestationCommand(
  file: string,
  o: AttestationFileOptions & { json: boolean },
): Promise<void> {
  const { att, check } = await checkAttestationFile(file, o);
  output(o.json, check, () => verdictText(att, check));
  if (!check.valid) process.exitCode = EXIT.negative;
}

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
