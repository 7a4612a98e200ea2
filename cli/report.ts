/**
 * The demo's self-contained HTML report: inline SVG charts and tables, no script, no external resource, so
 * it opens in any browser from the file system.
 */
import type { AnalysisReport } from "../analytics/index.ts";
import { counted, type Figures } from "../prover/index.ts";

export interface PeriodSummary {
  period: number;
  asOfDate: string;
  loanCount: number;
  chunkCount: number;
  /** Loans and outstanding balance (minor units) per status name. */
  statuses: { name: string; count: number; balance: bigint }[];
  /** Credit-score bands of active loans: count per band. */
  scoreBands: { band: string; count: number }[];
  figures: Figures;
  proofSeconds: number;
  submitGas: bigint[];
}

export interface TrancheSnapshot {
  label: string;
  /** Tranche values in minor units of the vault's asset. */
  senior: bigint;
  mezzanine: bigint;
  junior: bigint;
}

export interface DemoReportData {
  generatedAt: string;
  currency: string;
  /** Minor-unit decimals of the tape's amounts (pool figures). */
  poolDecimals: number;
  /** Decimals of the vault's asset (tranche values). */
  vaultDecimals: number;
  chainId: bigint;
  registry: string;
  vault: string;
  instance: string;
  development: boolean;
  periods: PeriodSummary[];
  tranches: TrancheSnapshot[];
  analysis?: AnalysisReport;
  steps: { title: string; detail: string }[];
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Formats minor units as major units with thousands separators. */
export function money(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const whole = (a / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals > 0 ? "." + (a % scale).toString().padStart(decimals, "0") : "";
  return `${neg ? "-" : ""}${whole}${frac}`;
}

const COLORS = ["#2f6db5", "#e3a21a", "#c0392b", "#7f8c8d", "#27ae60", "#8e44ad", "#16a085"];

/** A horizontal bar chart as inline SVG. */
export function barChart(
  title: string,
  rows: { label: string; value: number; text: string }[],
  color = COLORS[0]!,
): string {
  const width = 640;
  const rowH = 26;
  const labelW = 170;
  const max = Math.max(1e-12, ...rows.map((r) => r.value));
  const bars = rows
    .map((r, i) => {
      const w = Math.max(0, ((width - labelW - 150) * r.value) / max);
      const y = 30 + i * rowH;
      return (
        `<text x="0" y="${y + 16}" font-size="13">${esc(r.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}"/>` +
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 16}" font-size="12">${esc(r.text)}</text>`
      );
    })
    .join("");
  const h = 40 + rows.length * rowH;
  return `<svg role="img" aria-label="${esc(title)}" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="15" font-weight="bold">${esc(title)}</text>${bars}</svg>`;
}

/** Grouped bars: tranche values per snapshot. */
function trancheChart(data: DemoReportData): string {
  const names = ["senior", "mezzanine", "junior"] as const;
  const width = 640;
  const groupW = Math.min(180, (width - 40) / Math.max(1, data.tranches.length));
  const max = Math.max(1, ...data.tranches.flatMap((t) => names.map((n) => Number(t[n]))));
  const plotH = 220;
  let body = "";
  data.tranches.forEach((t, g) => {
    names.forEach((n, i) => {
      const v = Number(t[n]);
      const h = (plotH * v) / max;
      const x = 40 + g * groupW + i * (groupW / 3.4);
      body += `<rect x="${x.toFixed(1)}" y="${(30 + plotH - h).toFixed(1)}" width="${(groupW / 3.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[i]}"><title>${n}: ${money(t[n], data.vaultDecimals)}</title></rect>`;
    });
    body += `<text x="${40 + g * groupW}" y="${30 + plotH + 18}" font-size="12">${esc(t.label)}</text>`;
  });
  const legend = names
    .map(
      (n, i) =>
        `<rect x="${360 + i * 95}" y="4" width="12" height="12" fill="${COLORS[i]}"/><text x="${376 + i * 95}" y="15" font-size="12">${n}</text>`,
    )
    .join("");
  const h = plotH + 60;
  return `<svg role="img" aria-label="Tranche values" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="15" font-weight="bold">Tranche values (${esc(data.currency)})</text>${legend}${body}</svg>`;
}

/** Loss distribution histogram with the tranche boundaries drawn on it. */
function lossChart(a: AnalysisReport): string {
  const width = 640;
  const plotH = 200;
  const h = a.histogram;
  const maxX = h.edges[h.edges.length - 1] ?? 1;
  const maxP = Math.max(1e-12, ...h.probability);
  const sx = (x: number): number => 40 + ((width - 60) * x) / maxX;
  let bars = "";
  h.probability.forEach((p, i) => {
    const x0 = sx(h.edges[i] ?? 0);
    const x1 = sx(h.edges[i + 1] ?? maxX);
    const bh = (plotH * p) / maxP;
    bars += `<rect x="${x0.toFixed(1)}" y="${(30 + plotH - bh).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLORS[0]}"/>`;
  });
  const lines = h.tranches
    .filter((t) => t.attachment > 0 && t.attachment <= maxX)
    .map(
      (t) =>
        `<line x1="${sx(t.attachment).toFixed(1)}" x2="${sx(t.attachment).toFixed(1)}" y1="24" y2="${30 + plotH}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${(sx(t.attachment) + 3).toFixed(1)}" y="36" font-size="11" fill="#c0392b">${esc(t.name)} attaches ${(t.attachment * 100).toFixed(1)}%</text>`,
    )
    .join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${sx(f * maxX).toFixed(1)}" y="${30 + plotH + 16}" font-size="11">${(f * maxX * 100).toFixed(1)}%</text>`,
    )
    .join("");
  const H = plotH + 56;
  return `<svg role="img" aria-label="Pool loss distribution" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="15" font-weight="bold">Pool loss distribution (fraction of pool; tail beyond the last bin: ${(h.tailProbability * 100).toFixed(3)}%)</text>${bars}${lines}${ticks}</svg>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;

/** Renders the whole report. */
export function renderDemoReport(data: DemoReportData): string {
  const m = (v: bigint): string => money(v, data.poolDecimals);
  const mv = (v: bigint): string => money(v, data.vaultDecimals);
  const sections: string[] = [];
  for (const p of data.periods) {
    const f = p.figures;
    sections.push(
      `<h2>Period ${p.period} (as of ${esc(p.asOfDate)})</h2>` +
        `<p>${counted(p.loanCount, "loan")} proven in ${counted(p.chunkCount, "chunk proof")} in ${p.proofSeconds.toFixed(1)} s; submitted on-chain with ${p.submitGas
          .map((g) => g.toString())
          .join(", ")} gas.</p>` +
        barChart(
          "Pool composition: outstanding balance by status",
          p.statuses.map((s) => ({
            label: `${s.name} (${s.count})`,
            value: Number(s.balance),
            text: m(s.balance),
          })),
        ) +
        barChart(
          "Delinquency buckets (outstanding of active loans)",
          [
            {
              label: "current (< 30 dpd)",
              value: Number(f.outstanding - f.bucket30 - f.bucket60 - f.bucket90),
              text: m(f.outstanding - f.bucket30 - f.bucket60 - f.bucket90),
            },
            { label: "30-59 dpd", value: Number(f.bucket30), text: m(f.bucket30) },
            { label: "60-89 dpd", value: Number(f.bucket60), text: m(f.bucket60) },
            { label: "90+ dpd", value: Number(f.bucket90), text: m(f.bucket90) },
          ],
          COLORS[1],
        ) +
        barChart(
          "Credit scores of active loans",
          p.scoreBands.map((b) => ({ label: b.band, value: b.count, text: String(b.count) })),
          COLORS[4],
        ) +
        table(
          ["attested figure", "value"],
          [
            ["outstanding balance", m(f.outstanding)],
            ["scheduled / collected", `${m(f.scheduled)} / ${m(f.collected)}`],
            ["defaulted balance", m(f.defaulted)],
            ["charged off", m(f.chargedOff)],
            ["active loans", String(f.activeCount)],
            ["minimum score", String(f.minScore)],
            [
              "balance-weighted average score",
              f.outstanding > 0n
                ? (Number(f.scoreWeightedBalance) / Number(f.outstanding)).toFixed(1)
                : "n/a",
            ],
            ["largest loan", m(f.maxLoanBalance)],
            ["covenant breach bits", f.breaches === 0 ? "none" : `0b${f.breaches.toString(2)}`],
          ],
        ),
    );
  }
  sections.push(
    `<h2>Vault tranches</h2>` +
      trancheChart(data) +
      table(
        ["snapshot", "senior", "mezzanine", "junior"],
        data.tranches.map((t) => [t.label, mv(t.senior), mv(t.mezzanine), mv(t.junior)]),
      ),
  );
  if (data.analysis) {
    const a = data.analysis;
    sections.push(
      `<h2>Tranche analytics (${a.model.scenarios.toLocaleString("en-US")} scenarios, rho ${a.model.rho}, seed ${a.model.seed})</h2>` +
        lossChart(a) +
        table(
          ["tranche", "attach", "detach", "expected loss", "95% CI", "P(impairment)", "expected shortfall"],
          a.tranches.map((t) => [
            t.name,
            pct(t.attachment),
            pct(t.detachment),
            pct(t.expectedLoss.value),
            `${pct(t.expectedLoss.ciLow)} – ${pct(t.expectedLoss.ciHigh)}`,
            pct(t.probabilityOfImpairment.value),
            pct(t.expectedShortfall),
          ]),
        ) +
        `<h3>Stress scenarios</h3>` +
        table(
          ["scenario", "PD ×", "rho", "recovery ×", "pool EL", ...a.tranches.map((t) => `${t.name} EL`)],
          a.stress.map((s) => [
            s.name,
            String(s.pdMultiplier),
            String(s.rho),
            String(s.recoveryMultiplier),
            pct(s.poolExpectedLoss),
            ...s.tranches.map((t) => pct(t.expectedLoss)),
          ]),
        ),
    );
  }
  sections.push(
    `<h2>Steps</h2><ol>${data.steps.map((s) => `<li><strong>${esc(s.title)}</strong>: ${esc(s.detail)}</li>`).join("")}</ol>`,
  );
  const warning = data.development
    ? `<p class="warn">Development keys: the trusted setup's secret is known on the machine that ran this demo. These proofs show the flow; they secure nothing.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rwa-attest demo report</title>
<style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.warn{background:#fff3cd;padding:.6em;border:1px solid #e3a21a}
svg{display:block;margin:1em 0}</style></head><body>
<h1>rwa-attest demo report</h1>
<p>Generated ${esc(data.generatedAt)}. Circuit <code>${esc(data.instance)}</code>; chain ${data.chainId}; registry <code>${esc(data.registry)}</code>; vault <code>${esc(data.vault)}</code>.</p>
${warning}
${sections.join("\n")}
</body></html>
`;
}
