/**
 * `rwa-attest audit sample`: the public sample of a seed over the loan count an attestation commits, and the
 * check of the originator's openings against the attestation's root and chunk figures.
 */
import type { Command } from "commander";
import { findInstance } from "../../pipeline/index.ts";
import { figuresOf } from "../../prover/index.ts";
import { openingFromJson } from "../../prover/index.ts";
import { auditSample, sampleIndices } from "../../prover/index.ts";
import { CliError, EXIT, output, readUserJson } from "../io.ts";
import { requireVerifiedAttestation } from "./verify.ts";

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name}: expected a positive integer, got ${v}`);
  return n;
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("audit a committed tape by public sampling");
  audit
    .command("sample")
    .description(
      "the loan indices a seed samples (rule rwa-attest/sample@1) over the loan count the attestation commits; " +
        "with --openings, check them against the root and the attested figures (exit 1 on any finding)",
    )
    .requiredOption("--seed <seed>", "the seed (e.g. a block hash or the auditor's recorded random value)")
    .requiredOption(
      "--attestation <file>",
      "attestation JSON (rwa-attest prove --out): its verified proofs give the root, the chunk figures and the " +
        "loan count the sample is drawn over",
    )
    .option("--size <n>", "the loan count you expect: refused unless it is the attestation's committed count")
    .option("--count <k>", "loans to sample", "10")
    .option("--openings <file>", "openings JSON: an array, or {openings: [...]}, in sample order")
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        seed: string;
        size?: string;
        count: string;
        openings?: string;
        attestation: string;
        json: boolean;
      }) => {
        const expected = o.size === undefined ? undefined : positive("--size", o.size);
        const count = positive("--count", o.count);
        // its root, chunk figures and committed loan count come from its verified proofs, never from its summary
        const { att } = await requireVerifiedAttestation(o.attestation);
        // The committed count: every verified chunk's pool signal carries it, and verifyAttestation checked
        // they all equal att.loanCount.
        const size = att.loanCount;
        if (expected !== undefined && expected !== size) {
          throw new CliError(
            `--size ${expected} is not the loan count the attestation commits (${size}): the sample is drawn ` +
              `over the committed count only`,
          );
        }
        let indices: number[];
        try {
          indices = sampleIndices(o.seed, size, count);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        if (o.openings === undefined) {
          output(o.json, { seed: o.seed, size, indices }, () => indices.join("\n"));
          return;
        }
        const entry = findInstance(att.instance);
        // a committed attestation publishes only the pool's figures (its aggregation proof's): every opened
        // loan is checked against them, as one chunk of the whole tape
        const agg = att.aggregation;
        const chunkSize = agg ? att.loanCount : entry.params[0];
        if (chunkSize === undefined) throw new CliError(`attestation: ${att.instance} has no chunk size`);
        const chunks = agg
          ? [figuresOf(agg.instance, agg.publicSignals)]
          : [...att.chunks]
              .sort((a, b) => a.chunkIndex - b.chunkIndex)
              .map((c) => figuresOf(att.instance, c.publicSignals));
        const raw = readUserJson<unknown>(o.openings, "openings");
        const list = Array.isArray(raw) ? raw : (raw as { openings?: unknown })?.openings;
        if (!Array.isArray(list)) throw new CliError("openings: expected an array or {openings: [...]}");
        const openings = list.map((j, i) => {
          try {
            return openingFromJson(j, `openings[${i}]`);
          } catch (err) {
            throw new CliError((err as Error).message);
          }
        });
        const { findings } = await auditSample({
          seed: o.seed,
          loanCount: size,
          count,
          root: att.root,
          openings,
          figures: { chunkSize, chunks },
        });
        output(o.json, { seed: o.seed, size, indices, findings, passed: findings.length === 0 }, () =>
          findings.length === 0
            ? `sample of ${indices.length} of ${size} loans [${indices.join(", ")}]: every opening checks out`
            : findings.map((f) => `loan ${f.index} (${f.loanId}) ${f.field}: ${f.problem}`).join("\n"),
        );
        if (findings.length > 0) process.exitCode = EXIT.negative;
      },
    );
}
