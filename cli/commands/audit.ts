/** `rwa-attest audit sample`: the public sample of a seed, and the check of the originator's openings. */
import type { Command } from "commander";
import { findInstance } from "../../pipeline/catalogue.ts";
import { figuresOf } from "../../prover/attest.ts";
import { openingFromJson } from "../../prover/audit.ts";
import { auditSample, sampleIndices } from "../../prover/audit-sample.ts";
import { CliError, EXIT, output, readUserJson } from "../io.ts";
import { requireVerifiedAttestation } from "./verify.ts";

interface AttestationFile {
  instance?: unknown;
  root?: unknown;
  chunks?: { chunkIndex?: unknown; publicSignals?: unknown }[];
}

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
      "the loan indices a seed samples (rule rwa-attest/sample@1); with --openings, check them against the " +
        "root and the attested figures (exit 1 on any finding)",
    )
    .requiredOption("--seed <seed>", "the seed (e.g. a block hash or the auditor's recorded random value)")
    .requiredOption("--size <n>", "number of loans in the committed tape")
    .option("--count <k>", "loans to sample", "10")
    .option("--openings <file>", "openings JSON: an array, or {openings: [...]}, in sample order")
    .option("--attestation <file>", "attestation JSON (rwa-attest prove --out): root and chunk figures")
    .option("--root <root>", "tape root (decimal), if no attestation is given")
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        seed: string;
        size: string;
        count: string;
        openings?: string;
        attestation?: string;
        root?: string;
        json: boolean;
      }) => {
        const size = positive("--size", o.size);
        const count = positive("--count", o.count);
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
        // the root and chunk figures are used only from an attestation whose proofs verify and agree with it
        if (o.attestation) await requireVerifiedAttestation(o.attestation);
        const att = o.attestation ? readUserJson<AttestationFile>(o.attestation, "attestation") : undefined;
        const rootText = o.root ?? (typeof att?.root === "string" ? att.root : undefined);
        if (rootText === undefined || !/^[0-9]{1,78}$/.test(rootText))
          throw new CliError("root: give --root <decimal> or an --attestation with a root");
        let figures: Parameters<typeof auditSample>[0]["figures"];
        if (att !== undefined) {
          if (typeof att.instance !== "string" || !Array.isArray(att.chunks))
            throw new CliError("attestation: expected {instance, root, chunks}");
          const entry = findInstance(att.instance);
          const chunkSize = entry.params[0];
          if (chunkSize === undefined) throw new CliError(`attestation: ${att.instance} has no chunk size`);
          const chunks = [...att.chunks]
            .sort((a, b) => Number(a.chunkIndex) - Number(b.chunkIndex))
            .map((c) => figuresOf(att.instance as string, c.publicSignals as string[]));
          figures = { chunkSize, chunks };
        }
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
          size,
          count,
          root: BigInt(rootText),
          openings,
          figures,
        });
        output(o.json, { seed: o.seed, size, indices, findings, passed: findings.length === 0 }, () =>
          findings.length === 0
            ? `sample of ${indices.length} loans [${indices.join(", ")}]: every opening checks out`
            : findings.map((f) => `loan ${f.index} (${f.loanId}) ${f.field}: ${f.problem}`).join("\n"),
        );
        if (findings.length > 0) process.exitCode = EXIT.negative;
      },
    );
}
