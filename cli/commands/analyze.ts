/**
 * `rwa-attest analyze`: tranche analytics from an attestation's figures (or a full analysis input). The
 * figures are the ones derived from the attestation's verified proofs, never its summary: a file whose
 * proofs do not verify, or whose summary disagrees with them, is refused (exit 1) before any analysis.
 * With `--deployment` (and a JSON-RPC `--network`) the tranches are the deployed vault's own structure, read
 * from its ledgers, instead of `--tranches`.
 */
import type { Command } from "commander";
import {
  analysisFromFigures,
  analyzePool,
  confidenceZ,
  formatProjection,
  formatStressTable,
  loanFromFigures,
  projectPool,
  projectVault,
  tranchesFromVaultLedgers,
  type AnalysisInput,
  type AnalysisReport,
} from "../../analytics/index.ts";
import { DEFAULT_VAULT_CONFIG, loadArtifact } from "../../deploy/index.ts";
import { modelParamsFromConfig, type ModelParams, type Triple } from "../../sdk/index.ts";
import { CliError, output, readUserJson } from "../io.ts";
import { requireVerifiedAttestation } from "./verify.ts";

type TrancheSpec = { name: string; attachment: number; detachment: number };

const DEFAULT_TRANCHES = "junior:0:0.1,mezzanine:0.1:0.2,senior:0.2:1";

function parseTranches(spec: string): TrancheSpec[] {
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

function fraction(v: string, name: string): number {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new CliError(`${name}: expected a fraction in (0, 1), got "${v}"`);
  return x;
}

/** The deployed vault's tranche structure, from its realised ledgers (read-only JSON-RPC call). */
async function tranchesFromDeployment(
  file: string,
  network: string | undefined,
): Promise<{ tranches: TrancheSpec[]; source: string; params: ModelParams; claims: Triple }> {
  const deployment = readUserJson<{ vault?: unknown; chainId?: unknown }>(file, "deployment");
  if (typeof deployment.vault !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(deployment.vault)) {
    throw new CliError(`--deployment: ${file} has no vault address`);
  }
  if (network === undefined || !/^(https?|wss?):\/\/\S+$/.test(network)) {
    throw new CliError(
      "--network: a JSON-RPC URL is needed to read the deployed vault (the in-process network keeps no deployment)",
    );
  }
  const { Contract, JsonRpcProvider } = await import("ethers");
  const provider = new JsonRpcProvider(network, undefined, { staticNetwork: true });
  try {
    const vault = new Contract(deployment.vault, loadArtifact("TrancheVault").abi, provider);
    let ledgers: [bigint[], bigint[], bigint[], bigint];
    let params: ModelParams;
    try {
      const r = (await vault.getFunction("ledgers")()) as [bigint[], bigint[], bigint[], bigint];
      ledgers = [[...r[0]], [...r[1]], [...r[2]], r[3]];
      const c = (await vault.getFunction("config")()) as { toObject(): Record<string, bigint> };
      params = modelParamsFromConfig(c.toObject() as Parameters<typeof modelParamsFromConfig>[0]);
    } catch (err) {
      throw new CliError(
        `--deployment: cannot read the vault ${deployment.vault} on ${network} (${(err as Error).message})`,
      );
    }
    const [balances, pdl] = ledgers;
    let tranches: TrancheSpec[];
    try {
      tranches = tranchesFromVaultLedgers(balances, pdl);
    } catch (err) {
      throw new CliError(`--deployment: ${(err as Error).message}; give --tranches instead`);
    }
    const claims = [2, 1, 0].map((t) => `${["senior", "mezzanine", "junior"][t]} ${balances[t]! - pdl[t]!}`);
    const realised = [0, 1, 2].map((t) => balances[t]! - pdl[t]!) as Triple;
    return {
      tranches,
      params,
      claims: realised,
      source: `the vault ${deployment.vault} (chain ${String(deployment.chainId ?? "?")}): realised claims ${claims.join(", ")} (minor units)`,
    };
  } finally {
    provider.destroy();
  }
}

const pct = (x: number, digits: number): string => `${(x * 100).toFixed(digits)}%`;

/** The text report: pool, tranches with what ± means, sizing, stress. */
export function formatAnalyzeText(report: AnalysisReport, trancheSource: string): string {
  const m = report.model;
  const z = confidenceZ(m.confidence);
  const conf = `${Math.round(m.confidence * 1000) / 10}%`;
  const pm = (se: number, digits: number) => `± ${pct(z * se, digits)}`;
  const lines = [
    `pool: ${report.pool.loanCount} loans, exposure ${report.pool.totalExposure}, expected loss ${pct(report.pool.expectedLoss, 3)} ` +
      `(simulated ${pct(report.poolLoss.expectedLoss.value, 3)} ${pm(report.poolLoss.expectedLoss.stdError, 3)}), ` +
      `VaR 99% ${pct(report.poolLoss.var99, 2)}, VaR 99.9% ${pct(report.poolLoss.var999, 2)}`,
    `model: one-factor Gaussian copula, rho ${m.rho}, ${m.scenarios} scenarios, seed ${m.seed}, ${m.horizonMonths}-month horizon`,
    `tranches from ${trancheSource}`,
    "",
    `${"tranche".padEnd(10)} ${"attach".padStart(8)} ${"detach".padStart(8)}  ${"expected loss".padEnd(22)} ${"P(impairment)".padEnd(20)} ES ${Math.round(m.esLevel * 1000) / 10}%`,
    ...report.tranches.map(
      (t) =>
        `${t.name.padEnd(10)} ${pct(t.attachment, 2).padStart(8)} ${pct(t.detachment, 2).padStart(8)}  ` +
        `${`${pct(t.expectedLoss.value, 4)} ${pm(t.expectedLoss.stdError, 4)}`.padEnd(22)} ` +
        `${`${pct(t.probabilityOfImpairment.value, 2)} ${pm(t.probabilityOfImpairment.stdError, 2)}`.padEnd(20)} ` +
        `${pct(t.expectedShortfall, 2)}`,
    ),
    "",
    `± is the half-width of the ${conf} confidence interval of the Monte Carlo estimate (${z.toFixed(2)} standard errors ` +
      `over ${m.scenarios} scenarios): the simulation's own uncertainty, which more scenarios shrink, not a range of ` +
      `outcomes or of model error (rho and the PDs are assumptions).`,
  ];
  const s = report.sizing;
  if (s) {
    lines.push(
      "",
      `sizing (${s.basis === "upperBound" ? "upper end of the confidence interval" : "point estimate"} held under the target):`,
      `  senior    ${pct(s.seniorSize, 2)} of the pool above ${pct(s.seniorAttachment, 2)} subordination (EL ${pct(s.seniorExpectedLoss.value, 4)}, target ${pct(s.seniorTargetEL, 4)})`,
      `  mezzanine ${pct(s.mezzanineSize, 2)} from ${pct(s.mezzanineAttachment, 2)} (EL ${pct(s.mezzanineExpectedLoss.value, 4)}, target ${pct(s.mezzanineTargetEL, 4)})`,
      `  equity    ${pct(s.equitySize, 2)} first loss`,
    );
  }
  if (report.stress.length > 0) {
    lines.push(
      "",
      "stress (each row a full simulation, same seed; EL and P(impairment) per tranche):",
      formatStressTable(report),
    );
  }
  return lines.join("\n");
}

function num(v: string, name: string, lo: number, hi: number): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x >= lo && x <= hi))
    throw new CliError(`${name}: expected a number in [${lo}, ${hi}], got "${v}"`);
  return x;
}

/**
 * The projection of `--project`: the pool as one level-pay loan (attested outstanding and scheduled payment,
 * or the input's total exposure), the assumptions (CDR and severity default to the analysis' weighted PD and
 * LGD), the vault's parameters and realised claims from the deployment, or DEFAULT_VAULT_CONFIG with the
 * given coupons and the tranche fractions of the pool balance.
 */
function project(
  o: {
    rate?: string;
    term?: string;
    cpr: string;
    cdr?: string;
    severity?: string;
    lag: string;
    seniorCouponBps: string;
    mezzanineCouponBps: string;
  },
  report: AnalysisReport,
  input: AnalysisInput,
  attested: { outstanding: bigint; scheduled: bigint; chargedOff: bigint } | undefined,
  fromVault: { params: ModelParams; claims: Triple } | undefined,
) {
  if (o.rate === undefined)
    throw new CliError("--rate: the pool's annual rate is needed to project (the attestation has none)");
  const annualRate = num(o.rate, "--rate", 0, 10);
  const remainingMonths = o.term === undefined ? undefined : num(o.term, "--term", 1, 1200);
  if (remainingMonths !== undefined && !Number.isInteger(remainingMonths))
    throw new CliError("--term: whole months");
  if (attested === undefined && remainingMonths === undefined)
    throw new CliError("--term: needed with --input");
  let loan;
  try {
    loan = loanFromFigures(attested ?? { outstanding: report.pool.totalExposure }, {
      annualRate,
      remainingMonths,
    });
  } catch (err) {
    throw new CliError(`projection: ${(err as Error).message}`);
  }
  const cdr = o.cdr === undefined ? report.pool.weightedAveragePd : num(o.cdr, "--cdr", 0, 1);
  const severity =
    o.severity === undefined ? report.pool.weightedAverageLgd : num(o.severity, "--severity", 0, 1);
  const cpr = num(o.cpr, "--cpr", 0, 1);
  const recoveryLag = num(o.lag, "--lag", 0, 120);
  const pool = projectPool([loan], { cpr, cdr, severity, recoveryLag: Math.round(recoveryLag) });
  const b = BigInt(Math.round(loan.balance));
  let params: ModelParams;
  let tranches: Triple;
  if (fromVault) {
    params = fromVault.params;
    tranches = fromVault.claims;
  } else {
    params = {
      ...modelParamsFromConfig(DEFAULT_VAULT_CONFIG),
      seniorCouponBps: BigInt(num(o.seniorCouponBps, "--senior-coupon-bps", 0, 10_000)),
      mezzanineCouponBps: BigInt(num(o.mezzanineCouponBps, "--mezzanine-coupon-bps", 0, 10_000)),
      minSubordinationBps: 0n,
    };
    const size = (name: string): bigint => {
      const t = input.tranches.find((x) => x.name === name);
      return t ? (b * BigInt(Math.round((t.detachment - t.attachment) * 1e6))) / 1_000_000n : 0n;
    };
    tranches = [size("senior"), size("mezzanine"), size("junior")];
    if (tranches[0] + tranches[1] + tranches[2] === 0n) {
      throw new CliError("--project: name the tranches senior, mezzanine and junior (the vault's three)");
    }
  }
  let vault;
  try {
    vault = projectVault({
      pool,
      params,
      tranches,
      startChargedOff: attested?.chargedOff ?? 0n,
    });
  } catch (err) {
    throw new CliError(`projection: ${(err as Error).message}`);
  }
  return {
    pool,
    vault,
    params,
    assumptions:
      `level-pay, ${(annualRate * 100).toFixed(2)}% a year, ${loan.remainingMonths} months; CPR ${(cpr * 100).toFixed(2)}%, ` +
      `CDR ${(cdr * 100).toFixed(2)}%, severity ${(severity * 100).toFixed(1)}%, recovery lag ${recoveryLag} months; ` +
      (fromVault
        ? "the deployed vault's parameters and realised claims"
        : "default vault parameters, coupons per monthly epoch"),
  };
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
    .option("--tranches <spec>", `tranches as name:attach:detach,... (default ${DEFAULT_TRANCHES})`)
    .option(
      "--deployment <file>",
      "deployment JSON (`rwa-attest deploy --out`): analyse the deployed vault's own tranche structure",
    )
    .option("--network <url>", "JSON-RPC URL of the deployment's chain (read only, no key needed)")
    .option("--rho <rho>", "asset correlation", "0.15")
    .option("--scenarios <n>", "Monte Carlo scenarios", "100000")
    .option("--seed <n>", "random seed", "1")
    .option(
      "--senior-target-el <x>",
      "sizing: largest senior tranche with expected loss at most this",
      "0.0005",
    )
    .option(
      "--mezzanine-target-el <x>",
      "sizing: largest mezzanine tranche with expected loss at most this",
      "0.01",
    )
    .option(
      "--project",
      "also project monthly cash flows through the vault's rules (docs/ANALYTICS.md)",
      false,
    )
    .option("--rate <annual>", "projection: the pool's annual interest rate (not attested), e.g. 0.12")
    .option(
      "--term <months>",
      "projection: remaining months (default: solved from the attested scheduled payment)",
    )
    .option("--cpr <annual>", "projection: prepayment rate", "0")
    .option("--cdr <annual>", "projection: default rate (default: the pool's weighted PD)")
    .option("--severity <x>", "projection: loss severity (default: the pool's weighted LGD)")
    .option("--lag <months>", "projection: recovery lag", "0")
    .option(
      "--senior-coupon-bps <bps>",
      "projection without --deployment: senior coupon per monthly epoch",
      "50",
    )
    .option(
      "--mezzanine-coupon-bps <bps>",
      "projection without --deployment: mezzanine coupon per epoch",
      "75",
    )
    .option("--decimals <n>", "projection: decimals of the amounts' minor unit (2: cents)", "2")
    .option("--months <n>", "projection: months printed in text mode", "12")
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        attestation?: string;
        policy?: string;
        input?: string;
        tranches?: string;
        deployment?: string;
        network?: string;
        rho: string;
        scenarios: string;
        seed: string;
        seniorTargetEl: string;
        mezzanineTargetEl: string;
        project: boolean;
        rate?: string;
        term?: string;
        cpr: string;
        cdr?: string;
        severity?: string;
        lag: string;
        seniorCouponBps: string;
        mezzanineCouponBps: string;
        decimals: string;
        months: string;
        json: boolean;
      }) => {
        if (o.deployment && o.tranches) throw new CliError("give --deployment or --tranches, not both");
        const sizing = {
          seniorTargetEL: fraction(o.seniorTargetEl, "--senior-target-el"),
          mezzanineTargetEL: fraction(o.mezzanineTargetEl, "--mezzanine-target-el"),
        };
        const fromVault = o.deployment ? await tranchesFromDeployment(o.deployment, o.network) : undefined;
        let input: AnalysisInput;
        let source: string;
        let attested: { outstanding: bigint; scheduled: bigint; chargedOff: bigint } | undefined;
        if (o.input) {
          input = readUserJson<AnalysisInput>(o.input, "input");
          source = fromVault?.source ?? (o.tranches ? "--tranches" : `the input ${o.input}`);
          const tranches = fromVault?.tranches ?? (o.tranches ? parseTranches(o.tranches) : input.tranches);
          input = { ...input, tranches, sizing: input.sizing ?? sizing };
        } else if (o.attestation) {
          const { figures } = await requireVerifiedAttestation(o.attestation, o);
          attested = figures;
          source = fromVault?.source ?? `--tranches ${o.tranches ?? DEFAULT_TRANCHES}`;
          input = analysisFromFigures(figures, {
            rho: Number(o.rho),
            tranches: fromVault?.tranches ?? parseTranches(o.tranches ?? DEFAULT_TRANCHES),
            simulation: { scenarios: Number(o.scenarios), seed: Number(o.seed) },
            sizing,
          } as Parameters<typeof analysisFromFigures>[1]);
        } else throw new CliError("give --attestation or --input");
        const report: AnalysisReport = analyzePool(input);
        const projection = o.project ? project(o, report, input, attested, fromVault) : undefined;
        output(
          o.json,
          {
            ...report,
            trancheSource: source,
            ...(projection ? { projection: { ...projection.vault, params: projection.params } } : {}),
          },
          () =>
            formatAnalyzeText(report, source) +
            (projection
              ? `\n\nprojection (${projection.assumptions}):\n` +
                formatProjection(projection.pool, projection.vault, {
                  decimals: Number(o.decimals),
                  months: Number(o.months),
                })
              : ""),
        );
      },
    );
}
