/**
 * `rwa-attest analyze`: tranche analytics from an attestation's figures (or a full analysis input). The
 * figures are the ones derived from the attestation's verified proofs, never its summary: a file whose
 * proofs do not verify, or whose summary disagrees with them, is refused (exit 1) before any analysis.
 */
import type { Command } from "commander";
import { analysisFromFigures, analyzePool, type AnalysisInput } from "../../analytics/index.ts";
import { CliError, output, readUserJson } from "../io.ts";
import { requireVerifiedAttestation } from "./verify.ts";

function parseTranches(spec: string): { name: string; attachment: number; detachment: number }[] {
  // "junior:0:0.1,mezzanine:0.1:0.2,senior:0.2:1"
  return spec.split(",").map((part) => {
    const [name, a, d] = part.split(":");
    const attachment = Number(a);
    const detachment = Number(d);
    if (!name || !Number.isFinite(attachment) || !Number.isFinite(detachment)) {
      throw new CliError(`--tranches: expected name:attach:detach,..., got "${part}"`);
    }
    return { name, attachment, detachment };
  });
}

export function registerAnalyze(program: Command): void {
  program
    .command("analyze")
    .description("tranche expected losses, sizing and stress from attested figures (Vasicek Monte Carlo)")
    .option(
      "--attestation <file>",
      "attestation JSON whose figures to analyse (every proof is verified first)",
    )
    .option("--policy <file>", "policy JSON, for an attestation file that does not carry its parameters")
    .option("--input <file>", "a full analysis input JSON instead (see docs/ANALYTICS.md)")
    .option(
      "--tranches <spec>",
      "tranches as name:attach:detach,...",
      "junior:0:0.1,mezzanine:0.1:0.2,senior:0.2:1",
    )
    .option("--rho <rho>", "asset correlation", "0.15")
    .option("--scenarios <n>", "Monte Carlo scenarios", "100000")
    .option("--seed <n>", "random seed", "1")
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        attestation?: string;
        policy?: string;
        input?: string;
        tranches: string;
        rho: string;
        scenarios: string;
        seed: string;
        json: boolean;
      }) => {
        let input: AnalysisInput;
        if (o.input) input = readUserJson<AnalysisInput>(o.input, "input");
        else if (o.attestation) {
          const { figures } = await requireVerifiedAttestation(o.attestation, o);
          input = analysisFromFigures(figures, {
            rho: Number(o.rho),
            tranches: parseTranches(o.tranches),
            simulation: { scenarios: Number(o.scenarios), seed: Number(o.seed) },
          } as Parameters<typeof analysisFromFigures>[1]);
        } else throw new CliError("give --attestation or --input");
        const report = analyzePool(input);
        output(o.json, report, () =>
          [
            `pool expected loss ${(report.poolLoss.expectedLoss.value * 100).toFixed(3)}%  VaR99.9 ${(report.poolLoss.var999 * 100).toFixed(2)}%`,
            ...report.tranches.map(
              (t) =>
                `${t.name.padEnd(10)} [${(t.attachment * 100).toFixed(1)}%, ${(t.detachment * 100).toFixed(1)}%)  EL ${(t.expectedLoss.value * 100).toFixed(4)}% ± ${(t.expectedLoss.stdError * 196).toFixed(4)}%  P(hit) ${(t.probabilityOfImpairment.value * 100).toFixed(3)}%`,
            ),
            ...(report.sizing
              ? [
                  `sizing: senior attaches at ${(report.sizing.seniorAttachment * 100).toFixed(2)}%, mezzanine at ${(report.sizing.mezzanineAttachment * 100).toFixed(2)}%`,
                ]
              : []),
          ].join("\n"),
        );
      },
    );
}
