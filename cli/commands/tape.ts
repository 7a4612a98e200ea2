/** `rwa-attest tape`: validate, commit and generate loan tapes. */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { checkOpenings, openingFromJson, openingToJson } from "../../prover/audit.ts";
import { commitTape, deriveSalts, openLoan, randomFieldElement } from "../../prover/commitment/encoding.ts";
import { modelPool } from "../../prover/model/index.ts";
import { formatTapeCsv, formatTapeJson, generateSyntheticTape, isoToDays } from "../../prover/tape/index.ts";
import { readPolicyFile, readTapeFile, writeJsonFile, type TapeReadOptions } from "../files.ts";
import { CliError, EXIT, output, readUserJson, toJson } from "../io.ts";
import { writeFileSync } from "node:fs";

function tapeOptions(cmd: Command): Command {
  return cmd
    .option("--mapping <file>", "mapping file for a CSV in the originator's own columns")
    .option("--pool-id <id>", "pool id, for source tapes without metadata")
    .option("--period <yyyymm>", "reporting period, for source tapes without metadata")
    .option("--as-of <date>", "last day of the period (YYYY-MM-DD), for source tapes without metadata");
}

interface SeedFile {
  format: "rwa-attest/salt-seed@1";
  seed: string;
}

export function registerTape(program: Command): void {
  const tape = program.command("tape").description("validate, commit and generate loan tapes");
  tapeOptions(
    tape
      .command("validate")
      .description("validate a tape; exit 1 and list every problem (row, field, value, reason) if invalid")
      .argument("<tape>", "CSV or JSON tape"),
  )
    .option("--policy <file>", "policy JSON, to also report the pool's figures and covenant breaches")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: TapeReadOptions & { policy?: string; json: boolean }) => {
      const t = await readTapeFile(file, o);
      const model = modelPool(t.loans, readPolicyFile(o.policy), 16);
      const summary = {
        valid: true,
        loans: t.loans.length,
        poolId: t.poolId,
        period: t.period,
        figures: model.pool,
      };
      output(
        o.json,
        summary,
        () =>
          `valid tape: ${t.loans.length} loans, pool ${t.poolId}, period ${t.period}\n${toJson(model.pool)}`,
      );
    });
  tapeOptions(
    tape
      .command("commit")
      .description(
        "commit a tape: print its root; salts are derived from a secret seed file (created if absent)",
      )
      .argument("<tape>", "CSV or JSON tape"),
  )
    .requiredOption("--seed <file>", "secret salt seed file (keep it: openings need it)")
    .option("--out <file>", "write the commitment summary (root, leaves count) as JSON")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: TapeReadOptions & { seed: string; out?: string; json: boolean }) => {
      const t = await readTapeFile(file, o);
      if (!existsSync(o.seed))
        writeJsonFile(o.seed, { format: "rwa-attest/salt-seed@1", seed: randomFieldElement().toString() });
      const s = readUserJson<SeedFile>(o.seed, "seed");
      if (s.format !== "rwa-attest/salt-seed@1" || !/^[0-9]+$/.test(s.seed))
        throw new CliError(`--seed: ${o.seed} is not a salt seed file`);
      const c = await commitTape(t, await deriveSalts(BigInt(s.seed), t), { chunkSize: 16 });
      const summary = {
        root: c.root,
        loans: t.loans.length,
        poolId: t.poolId,
        period: t.period,
        chunkCount16: c.chunkCount,
      };
      if (o.out) writeJsonFile(o.out, summary);
      output(o.json, summary, () => `root ${c.root}\n${t.loans.length} loans committed`);
    });
  tapeOptions(
    tape
      .command("open")
      .description(
        "open loans of a committed tape for an auditor (record without borrower reference + Merkle path)",
      )
      .argument("<tape>", "CSV or JSON tape"),
  )
    .requiredOption("--seed <file>", "the salt seed file used at commit time")
    .requiredOption("--index <i,j,...>", "loan indices to open")
    .option("--json", "machine-readable output (default)", true)
    .action(async (file: string, o: TapeReadOptions & { seed: string; index: string }) => {
      const t = await readTapeFile(file, o);
      const s = readUserJson<SeedFile>(o.seed, "seed");
      const c = await commitTape(t, await deriveSalts(BigInt(s.seed), t), { chunkSize: 16 });
      const indices = o.index.split(",").map((x) => Number(x));
      const openings = indices.map((i) => {
        if (!Number.isInteger(i) || i < 0 || i >= t.loans.length)
          throw new CliError(`--index: ${i} is not a loan index (0..${t.loans.length - 1})`);
        return openLoan(c, i);
      });
      process.stdout.write(toJson({ root: c.root, openings: openings.map(openingToJson) }) + "\n");
    });
  tape
    .command("check-openings")
    .description("check openings (from `tape open` or the API) against a root; exit 1 on any mismatch")
    .argument("<file>", "JSON {root, openings}")
    .option("--root <root>", "the committed root to check against (default: the file's)")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: { root?: string; json: boolean }) => {
      const raw = readUserJson<{ root?: string; openings?: unknown[] }>(file, "openings");
      if (!Array.isArray(raw.openings)) throw new CliError(`openings: ${file} has no "openings" array`);
      const rootText = o.root ?? raw.root;
      if (typeof rootText !== "string" || !/^[0-9]+$/.test(rootText))
        throw new CliError("--root: no root given");
      let openings;
      try {
        openings = raw.openings.map((x, i) => openingFromJson(x, `openings[${i}]`));
      } catch (err) {
        throw new CliError(`openings: ${(err as Error).message}`);
      }
      const findings = await checkOpenings(BigInt(rootText), openings);
      output(o.json, { root: rootText, checked: openings.length, findings }, () =>
        findings.length
          ? findings.map((f) => `loan ${f.index} (${f.loanId}) ${f.field}: ${f.problem}`).join("\n")
          : `all ${openings.length} openings match the root`,
      );
      if (findings.length) process.exitCode = EXIT.negative;
    });
  tape
    .command("generate")
    .description("generate a realistic synthetic tape (seeded)")
    .requiredOption("--out <file>", "output file (.json or .csv)")
    .option("--loans <n>", "number of loans", "300")
    .option("--seed <seed>", "generator seed", "1")
    .option("--pool-id <id>", "pool id", "1")
    .option("--as-of <date>", "last day of the period (YYYY-MM-DD)", "2026-10-31")
    .action((o: { out: string; loans: string; seed: string; poolId: string; asOf: string }) => {
      const n = Number(o.loans);
      if (!Number.isInteger(n) || n < 1)
        throw new CliError(`--loans: expected a positive integer, got ${o.loans}`);
      const t = generateSyntheticTape({
        seed: o.seed,
        loans: n,
        poolId: BigInt(o.poolId),
        asOfDate: isoToDays(o.asOf),
      });
      writeFileSync(o.out, o.out.endsWith(".csv") ? formatTapeCsv(t) : formatTapeJson(t));
      process.stderr.write(`wrote ${n} loans to ${o.out}\n`);
    });
}
