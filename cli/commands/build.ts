/** `rwa-attest build` and `rwa-attest catalogue`: the circuit pipeline and what it has built. */
import type { Command } from "commander";
import { build, developmentSetup } from "../../pipeline/index.ts";
import { loadCatalogue } from "../../pipeline/index.ts";
import { readManifest } from "../../pipeline/index.ts";
import { snarkjsSetup } from "../../pipeline/index.ts";
import { CliError, output } from "../io.ts";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("compile circuits, make their (development) keys and verifiers, compile the contracts")
    .option("--use <uses>", "instance uses to build, comma-separated (test, demo, bench)", "test,demo")
    .option("--only <names>", "only these instances, comma-separated")
    .option("--force", "rebuild even when nothing changed", false)
    .option("--setup <kind>", "dev (fast development setup) or snarkjs (reference path)", "dev")
    .option("--json", "machine-readable output", false)
    .action(async (o: { use: string; only?: string; force: boolean; setup: string; json: boolean }) => {
      if (o.setup !== "dev" && o.setup !== "snarkjs")
        throw new CliError(`--setup must be dev or snarkjs, not "${o.setup}"`);
      const result = await build({
        uses: o.use.split(","),
        only: o.only?.split(","),
        force: o.force,
        setup: o.setup === "snarkjs" ? snarkjsSetup() : await developmentSetup(),
        log: o.json ? () => {} : undefined,
      });
      output(
        o.json,
        result,
        () =>
          `built: ${result.built.join(", ") || "none"}; up to date: ${result.skipped.join(", ") || "none"}`,
      );
    });

  program
    .command("catalogue")
    .description("list the circuit instances, and for built ones their constraints and artifact hashes")
    .option("--json", "machine-readable output", false)
    .action((o: { json: boolean }) => {
      const manifest = readManifest();
      const rows = loadCatalogue().map((c) => ({ ...c, built: manifest.instances[c.name] ?? null }));
      output(o.json, rows, () =>
        rows
          .map(
            (r) =>
              `${r.name.padEnd(28)} ${r.use.padEnd(6)} 2^${r.power}  ` +
              (r.built
                ? `${r.built.constraints} constraints, ${r.built.development ? "DEVELOPMENT keys" : "production keys"}`
                : "not built"),
          )
          .join("\n"),
      );
    });
}
