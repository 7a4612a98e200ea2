/** `rwa-attest demo` (what `npm start` runs): the whole story end to end on embedded defaults. */
import type { Command } from "commander";
import { runDemo } from "../demo/scenario.ts";
import { CliError, output } from "../io.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "prove three periods of a synthetic pool rolling forward, verify on-chain, fund a vault, see losses hit junior first",
    )
    .option("--loans <n>", "loans in the pool", "300")
    .option(
      "--instance <name>",
      "pool circuit instance (pool-attestation-8 is the small, fast one)",
      "pool-attestation-64",
    )
    .option("--report <file>", "where to write the HTML report", "reports/demo.html")
    .option("--seed <n>", "seed of the synthetic tapes and analytics", "2026")
    .option("--scenarios <n>", "Monte Carlo scenarios of the analytics", "100000")
    .option("--json", "print a machine-readable summary at the end", false)
    .action(
      async (o: {
        loans: string;
        instance: string;
        report: string;
        seed: string;
        scenarios: string;
        json: boolean;
      }) => {
        const loans = Number(o.loans);
        if (!Number.isInteger(loans) || loans < 1)
          throw new CliError(`--loans: expected a positive integer, got ${o.loans}`);
        const { resolve } = await import("node:path");
        const t0 = performance.now();
        const r = await runDemo({
          loans,
          instance: o.instance,
          reportPath: resolve(o.report),
          seed: Number(o.seed),
          scenarios: Number(o.scenarios),
          quiet: o.json,
        });
        const seconds = (performance.now() - t0) / 1000;
        output(
          o.json,
          {
            report: r.reportPath,
            seconds,
            tranches: r.tranches,
            gas: r.gas,
            figures: r.attestations.map((a) => a.figures),
          },
          () => `\ndemo finished in ${seconds.toFixed(1)} s`,
        );
      },
    );
}
