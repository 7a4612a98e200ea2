/**
 * Plain-text (Markdown) rendering of an analysis report: the tranche table, the sizing and the stress table,
 * for the CLI and for documents.
 */
import type { PoolProjection } from "./cashflow.ts";
import type { VaultProjection } from "./projection.ts";
import type { AnalysisReport } from "./schema.ts";

const pct = (x: number, digits = 3): string => `${(x * 100).toFixed(digits)}%`;

/** Markdown table of tranche losses per stress scenario (EL and probability of impairment). */
export function formatStressTable(report: AnalysisReport): string {
  const names = report.tranches.map((t) => t.name);
  const head = `| scenario | PD × | ρ | recoveries × | pool EL | ${names.map((n) => `${n} EL | ${n} P(impair)`).join(" | ")} |`;
  const sep = `|---|---:|---:|---:|---:|${names.map(() => "---:|---:").join("|")}|`;
  const rows = report.stress.map(
    (s) =>
      `| ${s.name} | ${s.pdMultiplier} | ${s.rho.toFixed(3)} | ${s.recoveryMultiplier} | ${pct(s.poolExpectedLoss)} | ${s.tranches
        .map((t) => `${pct(t.expectedLoss)} | ${pct(t.probabilityOfImpairment)}`)
        .join(" | ")} |`,
  );
  return [head, sep, ...rows].join("\n");
}

/** Markdown summary of a report: model, tranche metrics with confidence intervals, sizing, stress table. */
export function formatReport(report: AnalysisReport): string {
  const m = report.model;
  const lines = [
    `Pool: ${report.pool.loanCount} loans, exposure ${report.pool.totalExposure}, expected loss ${pct(report.pool.expectedLoss)} ` +
      `(simulated ${pct(report.poolLoss.expectedLoss.value)} ± ${pct(report.poolLoss.expectedLoss.stdError)}), ` +
      `VaR 99.9% ${pct(report.poolLoss.var999)}.`,
    `Model: one-factor Gaussian copula, ρ = ${m.rho}, ${m.scenarios} scenarios, seed ${m.seed}, ` +
      `importance shift ${m.importanceShift} (mix ${m.importanceMix}), ${m.horizonMonths}-month horizon.`,
    "",
    `| tranche | attach | detach | EL | ${Math.round(m.confidence * 100)}% CI | P(impair) | ES ${Math.round(m.esLevel * 1000) / 10}% |`,
    "|---|---:|---:|---:|---|---:|---:|",
    ...report.tranches.map(
      (t) =>
        `| ${t.name} | ${pct(t.attachment, 2)} | ${pct(t.detachment, 2)} | ${pct(t.expectedLoss.value, 4)} | ` +
        `[${pct(t.expectedLoss.ciLow, 4)}, ${pct(t.expectedLoss.ciHigh, 4)}] | ${pct(t.probabilityOfImpairment.value)} | ` +
        `${pct(t.expectedShortfall, 2)} |`,
    ),
  ];
  const s = report.sizing;
  if (s) {
    lines.push(
      "",
      `Sizing (${s.basis === "upperBound" ? "upper confidence bound" : "point estimate"} under target): ` +
        `senior ${pct(s.seniorSize, 2)} above ${pct(s.seniorAttachment, 2)} (EL ${pct(s.seniorExpectedLoss.value, 4)} ≤ ${pct(s.seniorTargetEL, 4)}), ` +
        `mezzanine ${pct(s.mezzanineSize, 2)} (EL ${pct(s.mezzanineExpectedLoss.value, 4)} ≤ ${pct(s.mezzanineTargetEL, 4)}), ` +
        `equity ${pct(s.equitySize, 2)}.`,
    );
  }
  if (report.stress.length > 0) lines.push("", formatStressTable(report));
  return lines.join("\n");
}

/** An amount in minor units as currency with two decimals and thousands separators (minor unit 10^-decimals). */
export function formatMoney(x: bigint | number, decimals: number): string {
  const v = Number(x) / 10 ** decimals;
  return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * Plain-text rendering of a projection: the tranche summary (WAL, IRR, loss, first impairment) and the first
 * `months` months of the pool and of each tranche (coupon credited, paid, PDL), amounts in currency.
 */
export function formatProjection(
  pool: PoolProjection,
  v: VaultProjection,
  options: { decimals: number; months?: number },
): string {
  const money = (x: bigint | number) => formatMoney(x, options.decimals);
  const n = Math.min(options.months ?? 12, v.periods.length);
  const lines = [
    `pool: ${pool.periods.length} months, WAL ${pool.wal.toFixed(3)} years, interest ${money(pool.totals.interest)}, ` +
      `principal ${money(pool.totals.principal)}, defaults ${money(pool.totals.defaults)}, recoveries ${money(pool.totals.recovery)}, ` +
      `losses ${money(pool.totals.loss)}; the vault funds ${money(v.funded)}`,
    "",
    "| tranche | initial | interest paid | principal paid | claim at end | WAL (years) | IRR (a year) | loss at end | first impaired |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...v.tranches.map(
      (t) =>
        `| ${t.name} | ${money(t.initial)} | ${money(t.totalInterest)} | ${money(t.totalPrincipal)} | ${money(t.terminalClaim)} | ` +
        `${t.wal === null ? "-" : t.wal.toFixed(3)} | ${t.irr === null ? "-" : `${(t.irr * 100).toFixed(3)}%`} | ${money(t.loss)} | ` +
        `${t.firstImpairedMonth === null ? "never" : `month ${t.firstImpairedMonth}`} |`,
    ),
    "",
    `first ${n} months (credited: coupon, junior: residual; paid: redemptions; PDL after the close):`,
    "| month | defaults | collections | trigger | senior credited / paid | mezzanine credited / paid | junior credited / paid | junior PDL | mezzanine PDL |",
    "|---:|---:|---:|---|---:|---:|---:|---:|---:|",
  ];
  for (let k = 0; k < n; k++) {
    const p = pool.periods[k]!;
    const q = v.periods[k]!;
    const [s, m, j] = v.tranches.map((t) => t.periods[k]!);
    lines.push(
      `| ${k + 1} | ${money(p.defaults)} | ${money(q.repayPrincipal + q.repayIncome)} | ${q.triggered ? "on" : "off"} | ` +
        `${money(s!.credited)} / ${money(s!.paid)} | ${money(m!.credited)} / ${money(m!.paid)} | ${money(j!.credited)} / ${money(j!.paid)} | ` +
        `${money(j!.pdl)} | ${money(m!.pdl)} |`,
    );
  }
  return lines.join("\n");
}
