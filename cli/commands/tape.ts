/**
 * `rwa-attest tape`: validate (every problem, as text or JSON, all of them in a file; figures in the
 * currency and breaches decoded against the named policy), commit (salt seed kept secret in the work
 * folder), open, check openings, put a period's tape in last period's stable slots, and generate loan tapes.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { checkOpenings, openingFromJson, openingToJson } from "../../prover/index.ts";
import { commitTape, deriveSalts, openLoan, randomFieldElement } from "../../prover/index.ts";
import { SlotAssignmentError, assignSlots, modelPool } from "../../prover/index.ts";
import {
  counted,
  daysToIso,
  formatTapeCsv,
  formatTapeJson,
  generateSyntheticTape,
  isoToDays,
} from "../../prover/index.ts";
import {
  InvalidTapeError,
  RowsRefusedError,
  SHOWN_PROBLEMS,
  readPolicyFile,
  readTapeFile,
  readTapeFileWithInfo,
  sourceLines,
  tapeOptions,
  workPath,
  writeJsonFile,
  writeProblemsFile,
  writeSecretJson,
  type TapeReadOptions,
} from "../files.ts";
import { describeBreaches, describeFigures, policyLabel } from "../figures.ts";
import { CliError, EXIT, output, readUserJson, toJson } from "../io.ts";
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { policyHash } from "../../prover/index.ts";
import type { TapeProblem } from "../../prover/index.ts";

interface SeedFile {
  format: "rwa-attest/salt-seed@1";
  seed: string;
}

/** The default salt seed file of a tape: in the work folder, named after the tape. */
export function defaultSeedPath(tapeFile: string): string {
  return workPath(`${basename(tapeFile).replace(/\.[^.]*$/, "")}.seed.json`);
}

/**
 * Reads the salt seed file, or creates it (mode 0600, refused where git would pick it up) when it does not
 * exist; says which.
 */
export function loadOrCreateSeed(path: string, option: string): { seed: bigint; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    writeSecretJson(
      path,
      { format: "rwa-attest/salt-seed@1", seed: randomFieldElement().toString() },
      option,
    );
    created = true;
  }
  const s = readUserJson<SeedFile>(path, "seed");
  if (s.format !== "rwa-attest/salt-seed@1" || !/^[0-9]+$/.test(s.seed))
    throw new CliError(`${option}: ${path} is not a salt seed file`);
  return { seed: BigInt(s.seed), created };
}

/** Problems counted by field, most frequent first: `outstandingBalance 12, status 3`. */
function problemSummary(problems: readonly TapeProblem[]): { field: string; count: number }[] {
  const by = new Map<string, number>();
  for (const p of problems) by.set(p.field, (by.get(p.field) ?? 0) + 1);
  return [...by].map(([field, count]) => ({ field, count })).sort((a, b) => b.count - a.count);
}

export function registerTape(program: Command): void {
  const tape = program.command("tape").description("validate, commit and generate loan tapes");
  tapeOptions(
    tape
      .command("validate")
      .description(
        "validate a tape; exit 1 and list every problem (row, field, value, reason) if invalid; " +
          "with --policy, the pool's figures and the covenants it breaches",
      )
      .argument("<tape>", "CSV, XML (with --mapping) or JSON tape"),
  )
    .option(
      "--policy <file>",
      "policy JSON the breach bits are evaluated under (default: the built-in policy)",
    )
    .option(
      "--problems <file>",
      `write every problem to this CSV file (default when there are more than ${SHOWN_PROBLEMS}: the work folder)`,
    )
    .option("--json", "machine-readable output (also when the tape is invalid)", false)
    .action(
      async (file: string, o: TapeReadOptions & { policy?: string; problems?: string; json: boolean }) => {
        let read: Awaited<ReturnType<typeof readTapeFileWithInfo>>;
        try {
          read = await readTapeFileWithInfo(file, o);
        } catch (err) {
          if (err instanceof InvalidTapeError) {
            const all = err.problems;
            const problemsFile =
              o.problems ??
              (all.length > SHOWN_PROBLEMS ? workPath(`${basename(file)}.problems.csv`) : undefined);
            if (problemsFile) writeProblemsFile(problemsFile, all);
            const summary = problemSummary(all);
            if (o.json) {
              process.stdout.write(
                toJson({
                  valid: false,
                  problemCount: all.length,
                  byField: summary,
                  problemsFile,
                  problems: all,
                }) + "\n",
              );
              process.exitCode = EXIT.negative;
              return;
            }
            const by = summary.map((s) => `${s.field} ${s.count}`).join(", ");
            throw new CliError(
              `${err.message}\nby field: ${by}` +
                (problemsFile ? `\nevery problem is in ${problemsFile}` : ""),
              EXIT.negative,
            );
          }
          if (err instanceof RowsRefusedError && o.json) {
            process.stdout.write(toJson({ valid: false, ...err.detail }) + "\n");
            process.exitCode = EXIT.negative;
            return;
          }
          throw err;
        }
        const { tape: t, info } = read;
        const policy = readPolicyFile(o.policy);
        const model = modelPool(t.loans, policy, 16);
        const label = await policyLabel(o.policy, policy);
        const breaches = describeBreaches(model.pool.breaches, policy, t.currency, t.decimals);
        const summary = {
          valid: true,
          loans: t.loans.length,
          poolId: t.poolId,
          period: t.period,
          asOfDate: daysToIso(t.asOfDate),
          currency: t.currency,
          decimals: t.decimals,
          ...info,
          policy: { file: o.policy ?? null, hash: await policyHash(policy) },
          figures: model.pool,
          breaches,
        };
        output(o.json, summary, () =>
          [
            `valid tape: ${counted(t.loans.length, "loan")}, pool ${t.poolId}, period ${t.period}, as of ${daysToIso(t.asOfDate)}`,
            ...sourceLines(info),
            `figures (amounts in ${t.currency}):`,
            ...describeFigures(model.pool, t.currency, t.decimals).map((l) => `  ${l}`),
            `covenants of ${label}:`,
            ...(breaches.length === 0
              ? ["  none breached (breaches = 0)"]
              : [`  breaches = ${model.pool.breaches}:`, ...breaches.map((b) => `    ${b}`)]),
          ].join("\n"),
        );
      },
    );
  tapeOptions(
    tape
      .command("commit")
      .description(
        "commit a tape: print its root; salts are derived from a secret seed file (created if absent)",
      )
      .argument("<tape>", "CSV, XML (with --mapping) or JSON tape"),
  )
    .option(
      "--seed <file>",
      "secret salt seed file, created (mode 0600) if absent; keep it: openings need it (default: <work folder>/<tape>.seed.json)",
    )
    .option("--out <file>", "write the commitment summary (root, leaves count) as JSON")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: TapeReadOptions & { seed?: string; out?: string; json: boolean }) => {
      const { tape: t, info } = await readTapeFileWithInfo(file, o);
      const seedFile = o.seed ?? defaultSeedPath(file);
      const { seed, created } = loadOrCreateSeed(seedFile, "--seed");
      const c = await commitTape(t, await deriveSalts(seed, t), { chunkSize: 16 });
      const summary = {
        root: c.root,
        loans: t.loans.length,
        poolId: t.poolId,
        period: t.period,
        chunkCount16: c.chunkCount,
        seedFile,
        seedCreated: created,
        rowsRead: info.rowsRead,
        rowsSetAside: info.rowsSetAside,
        ...(info.quarantineFile ? { quarantineFile: info.quarantineFile } : {}),
      };
      if (o.out) writeJsonFile(o.out, summary);
      output(o.json, summary, () =>
        [
          `root ${c.root}`,
          `${counted(t.loans.length, "loan")} committed`,
          ...sourceLines(info),
          `salt seed: ${seedFile} (${created ? "created" : "existing"}; secret: keep it, openings for auditors need it)`,
        ].join("\n"),
      );
    });
  tapeOptions(
    tape
      .command("open")
      .description(
        "open loans of a committed tape for an auditor (record without borrower reference + Merkle path)",
      )
      .argument("<tape>", "CSV or JSON tape"),
  )
    .option(
      "--seed <file>",
      "the salt seed file used at commit time (default: <work folder>/<tape>.seed.json)",
    )
    .requiredOption("--index <i,j,...>", "loan indices to open")
    .option("--json", "machine-readable output (default)", true)
    .action(async (file: string, o: TapeReadOptions & { seed?: string; index: string }) => {
      const t = await readTapeFile(file, o);
      const seedFile = o.seed ?? defaultSeedPath(file);
      if (!existsSync(seedFile))
        throw new CliError(`--seed: ${seedFile} does not exist (the seed used at commit time)`);
      const { seed } = loadOrCreateSeed(seedFile, "--seed");
      const c = await commitTape(t, await deriveSalts(seed, t), { chunkSize: 16 });
      const indices = o.index.split(",").map((x) => Number(x));
      const openings = indices.map((i) => {
        if (!Number.isInteger(i) || i < 0 || i >= t.loans.length)
          throw new CliError(`--index: ${i} is not a loan index (0..${t.loans.length - 1})`);
        return openLoan(c, i);
      });
      process.stdout.write(toJson({ root: c.root, openings: openings.map(openingToJson) }) + "\n");
    });
  tapeOptions(
    tape
      .command("slots")
      .description(
        "put a period's loans in last period's stable slots (docs/TAPE.md): a listed loan keeps its slot, new " +
          "loans take free ones; refuses a tape that drops an active loan. Writes the slotted tape as JSON: the " +
          "tape to attest and roll forward",
      )
      .argument("<prev>", "last period's tape, in its slots (the one attested and rolled forward last)")
      .argument("<next>", "this period's tape, in any order (CSV, XML with --mapping, or JSON)"),
  )
    .requiredOption("--out <file>", "where to write the slotted tape (JSON)")
    .option("--force", "overwrite --out", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (
        prevFile: string,
        nextFile: string,
        o: TapeReadOptions & { out: string; force: boolean; json: boolean },
      ) => {
        if (existsSync(o.out) && !o.force)
          throw new CliError(`--out: ${o.out} exists (use --force to overwrite)`);
        const prev = await readTapeFile(prevFile, o);
        const next = await readTapeFile(nextFile, o);
        if (prev.poolId !== next.poolId)
          throw new CliError(`<next>: pool ${next.poolId}, the previous tape's is pool ${prev.poolId}`);
        if (next.period <= prev.period || next.asOfDate <= prev.asOfDate)
          throw new CliError(
            `<next>: period ${next.period} as of ${daysToIso(next.asOfDate)} does not follow the previous ` +
              `tape's period ${prev.period} as of ${daysToIso(prev.asOfDate)}`,
          );
        let slotted: ReturnType<typeof assignSlots>;
        try {
          slotted = assignSlots(prev, next);
        } catch (err) {
          if (err instanceof SlotAssignmentError)
            throw new CliError(`tape slots: ${nextFile}: ${err.message}`, EXIT.negative);
          throw err;
        }
        writeFileSync(o.out, formatTapeJson(slotted.tape));
        const summary = {
          out: o.out,
          loans: slotted.tape.loans.length,
          poolId: next.poolId,
          period: next.period,
          prevPeriod: prev.period,
          originations: slotted.originations,
          carried: slotted.carried,
          emptied: slotted.emptied,
        };
        output(o.json, summary, () =>
          [
            `wrote ${o.out}: ${counted(summary.loans, "loan")} of period ${next.period} in the slots of period ${prev.period}`,
            `new loans in slots: ${slotted.originations.join(", ") || "none"}`,
            ...(slotted.carried.length
              ? [`terminal loans listed again in free slots: ${slotted.carried.join(", ")}`]
              : []),
            ...(slotted.emptied.length
              ? [`free slots dropped at the end: ${slotted.emptied.join(", ")}`]
              : []),
          ].join("\n"),
        );
      },
    );
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
