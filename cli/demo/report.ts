/**
 * The demo's self-contained HTML report, laid out as a monthly investor report: what is proven and what is
 * assumed, the transaction hashes, per period the pool roll-forward, delinquency and score distribution over
 * time with roll rates and realised CDR/CPR, the covenants with their thresholds and headroom, the vault's
 * waterfall at every close, tranche balances and factors, and the tranche analytics on the vault's own
 * structure. Inline SVG charts (each with labelled x and y axes and units) and tables, no script, no external
 * resource: it opens in any browser from the file system. Amounts: currency with two decimals
 * (`formatMoney`, analytics/format.ts).
 */
import type { AnalysisReport } from "../../analytics/index.ts";
import { formatMoney, realisedPerformance } from "../../analytics/index.ts";
import { counted, type Figures, type Policy, type RollForwardTotals } from "../../prover/index.ts";
import type { CloseSummary } from "../../sdk/index.ts";
import { DEFER_REASONS } from "../../sdk/index.ts";

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
  /**
   * Balance-weighted coupon (fraction a year) and remaining term (months) of active loans, computed from the
   * originator's tape: not attested (the circuit proves no rate or maturity figure).
   */
  wac?: number;
  wamMonths?: number;
}

export interface TrancheSnapshot {
  label: string;
  /** Tranche values in minor units of the vault's asset. */
  senior: bigint;
  mezzanine: bigint;
  junior: bigint;
}

/** One epoch close of the vault as its events report it, with the ledgers before it. */
export interface CloseRecord {
  title: string;
  txHash: string;
  summary: CloseSummary;
  /** Principal balances after the previous close's flows (the waterfall's starting point). */
  balancesBefore: [bigint, bigint, bigint];
  /** Collections paid into the vault since the previous close (CollectionReceived): principal, interest. */
  collectedPrincipal: bigint;
  collectedInterest: bigint;
  /** The vault's trigger flag after the close and the inputs of its test (basis points). */
  triggered: boolean;
  delinquent60Bps: number;
  lossBps: number;
}

/** One period's roll-forward as the roll-forward registry recorded it. */
export interface RollForwardRecord {
  period: number;
  /** The period it rolls forward from (the chain's last when it was accepted). */
  prevPeriod: number;
  /** The recorded totals (amounts in the tape's minor units, counts). */
  totals: RollForwardTotals;
  chunkInstance: string;
  aggregationInstance: string;
  chunkCount: number;
  proofSeconds: number;
  /** The chunk submissions in order, then the aggregation's. */
  transactions: { what: string; hash: string; gas: bigint }[];
  /**
   * The cash reconciliation after the period's remittance (vault asset units, 6 decimals): this period's due,
   * the cumulative expectation and remittances, and whether the pool is in breach.
   */
  reconciliation?: { due: bigint; expected: bigint; remitted: bigint; breached: boolean };
}

/** The vault's deployed parameters the report shows (basis points). */
export interface VaultTerms {
  seniorCouponBps: number;
  mezzanineCouponBps: number;
  minSubordinationBps: number;
  maxBucket30Bps: number;
  maxBucket60Bps: number;
  maxBucket90Bps: number;
  maxConcentrationBps: number;
  minAverageScore: number;
  triggerDelinquencyBps: number;
  triggerLossBps: number;
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
  /** The roll-forward registry, its adjustment bound, where the chain was anchored and each roll-forward. */
  rollForward?: {
    registry: string;
    maxAdjustment: bigint;
    anchorPeriod: number;
    records: RollForwardRecord[];
    /** `isContinuous(pool)` at the end: the chain reached the pool's latest attestation. */
    continuous: boolean;
  };
  tranches: TrancheSnapshot[];
  analysis?: AnalysisReport;
  /** Where the analysed tranche structure comes from (e.g. the vault's ledgers after a close). */
  analysisBasis?: string;
  steps: { title: string; detail: string }[];
  /** The policy the proofs enforce (its parameters) and its hash. */
  policy?: { hash: string; params: Readonly<Policy> };
  vaultTerms?: VaultTerms;
  closes?: CloseRecord[];
  /** On-chain steps: what, transaction hash, gas. */
  transactions?: { what: string; hash: string; gas: bigint }[];
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Formats minor units as major units with thousands separators, every decimal of the minor unit (exact). */
export function money(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const whole = (a / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals > 0 ? "." + (a % scale).toString().padStart(decimals, "0") : "";
  return `${neg ? "-" : ""}${whole}${frac}`;
}

const COLORS = ["#2f6db5", "#e3a21a", "#c0392b", "#7f8c8d", "#27ae60", "#8e44ad", "#16a085"];
const TRANCHES = ["senior", "mezzanine", "junior"] as const;

/** Round tick step for a range: 1, 2 or 5 × 10^k, about `n` ticks. */
function niceStep(max: number, n = 5): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
}

/** Title, legend, axes with ticks and axis labels; `body` is drawn in the plot area. */
function frame(
  f: Frame,
  o: {
    title: string;
    xLabel: string;
    yLabel: string;
    xTicks: { x: number; text: string }[];
    yTicks: { y: number; text: string }[];
    legend?: { name: string; color: string }[];
    body: string;
  },
): string {
  const x0 = f.left;
  const y0 = f.top + f.plotH;
  const xAxis =
    `<g class="axis x-axis"><line x1="${x0}" y1="${y0}" x2="${x0 + f.plotW}" y2="${y0}" stroke="#333"/>` +
    o.xTicks
      .map(
        (t) =>
          `<line x1="${t.x.toFixed(1)}" y1="${y0}" x2="${t.x.toFixed(1)}" y2="${y0 + 4}" stroke="#333"/>` +
          `<text class="tick" x="${t.x.toFixed(1)}" y="${y0 + 16}" font-size="11" text-anchor="middle">${esc(t.text)}</text>`,
      )
      .join("") +
    `<text class="axis-label" x="${x0 + f.plotW / 2}" y="${y0 + 36}" font-size="12" text-anchor="middle">${esc(o.xLabel)}</text></g>`;
  const yAxis =
    `<g class="axis y-axis"><line x1="${x0}" y1="${f.top}" x2="${x0}" y2="${y0}" stroke="#333"/>` +
    o.yTicks
      .map(
        (t) =>
          `<line x1="${x0 - 4}" y1="${t.y.toFixed(1)}" x2="${x0 + f.plotW}" y2="${t.y.toFixed(1)}" stroke="#e4e4e4"/>` +
          `<text class="tick" x="${x0 - 6}" y="${(t.y + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(t.text)}</text>`,
      )
      .join("") +
    `<text class="axis-label" transform="translate(14 ${f.top + f.plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(o.yLabel)}</text></g>`;
  let lx = f.left;
  const legend = (o.legend ?? [])
    .map((l) => {
      const s = `<rect x="${lx}" y="26" width="11" height="11" fill="${l.color}"/><text x="${lx + 15}" y="36" font-size="11">${esc(l.name)}</text>`;
      lx += 22 + 7 * l.name.length;
      return s;
    })
    .join("");
  return (
    `<svg role="img" aria-label="${esc(o.title)}" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="0" y="16" font-size="14" font-weight="bold">${esc(o.title)}</text>${legend}${yAxis}${o.body}${xAxis}</svg>`
  );
}

/**
 * Grouped vertical bars: one group per category, one bar per series. Values in `unit`s; each bar carries its
 * exact amount as a tooltip (the tables beside the chart give them too).
 */
export function barChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: number[]; texts: string[] }[];
  /** Formats a y tick. */
  tick?: (v: number) => string;
}): string {
  const f: Frame = { width: 680, height: 300, left: 70, top: 46, plotW: 590, plotH: 200 };
  const max = Math.max(0, ...o.series.flatMap((s) => s.values));
  const step = max > 0 ? niceStep(max) : 1;
  const top = max > 0 ? Math.ceil(max / step) * step : 1;
  const sy = (v: number): number => f.top + f.plotH - (f.plotH * v) / top;
  const groupW = f.plotW / Math.max(1, o.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, o.series.length);
  let body = "";
  o.categories.forEach((_, g) => {
    o.series.forEach((s, i) => {
      const v = s.values[g] ?? 0;
      const x = f.left + g * groupW + groupW * 0.1 + i * barW;
      body += `<rect x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${Math.max(0.5, barW - 1).toFixed(1)}" height="${(f.top + f.plotH - sy(v)).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${o.categories[g]} · ${s.name}: ${s.texts[g] ?? ""}`)}</title></rect>`;
    });
  });
  const tick = o.tick ?? ((v: number) => v.toLocaleString("en-US"));
  const yTicks: { y: number; text: string }[] = [];
  for (let v = 0; v <= top + step / 1e6; v += step) yTicks.push({ y: sy(v), text: tick(v) });
  return frame(f, {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xTicks: o.categories.map((c, g) => ({ x: f.left + (g + 0.5) * groupW, text: c })),
    yTicks,
    legend:
      o.series.length > 1
        ? o.series.map((s, i) => ({ name: s.name, color: COLORS[i % COLORS.length]! }))
        : [],
    body,
  });
}

/** Loss distribution histogram with the tranche attachment points drawn on it. */
function lossChart(a: AnalysisReport): string {
  const f: Frame = { width: 680, height: 320, left: 70, top: 46, plotW: 580, plotH: 210 };
  const h = a.histogram;
  const maxX = h.edges[h.edges.length - 1] ?? 1;
  const maxP = Math.max(1e-12, ...h.probability);
  const stepY = niceStep(maxP * 100);
  const topY = Math.ceil((maxP * 100) / stepY) * stepY;
  const sx = (x: number): number => f.left + (f.plotW * x) / maxX;
  const sy = (p: number): number => f.top + f.plotH - (f.plotH * p * 100) / topY;
  let body = "";
  h.probability.forEach((p, i) => {
    const x0 = sx(h.edges[i] ?? 0);
    const x1 = sx(h.edges[i + 1] ?? maxX);
    body += `<rect x="${x0.toFixed(1)}" y="${sy(p).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 0.5).toFixed(1)}" height="${(f.top + f.plotH - sy(p)).toFixed(1)}" fill="${COLORS[0]}"><title>${esc(`${(h.edges[i]! * 100).toFixed(2)}–${((h.edges[i + 1] ?? maxX) * 100).toFixed(2)}%: ${(p * 100).toFixed(3)}%`)}</title></rect>`;
  });
  h.tranches
    .filter((t) => t.attachment > 0 && t.attachment <= maxX)
    .forEach((t, i) => {
      const x = sx(t.attachment);
      const right = x < f.left + f.plotW / 2;
      body +=
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${f.top}" y2="${f.top + f.plotH}" stroke="#c0392b" stroke-dasharray="4 3"/>` +
        `<text x="${(x + (right ? 4 : -4)).toFixed(1)}" y="${f.top + 12 + i * 14}" font-size="11" fill="#c0392b" text-anchor="${right ? "start" : "end"}">${esc(`${t.name} attaches at ${(t.attachment * 100).toFixed(1)}%`)}</text>`;
    });
  const stepX = niceStep(maxX * 100, 6);
  const xTicks: { x: number; text: string }[] = [];
  for (let v = 0; v <= maxX * 100 + 1e-9; v += stepX)
    xTicks.push({ x: sx(v / 100), text: `${+v.toFixed(2)}%` });
  const yTicks: { y: number; text: string }[] = [];
  for (let v = 0; v <= topY + stepY / 1e6; v += stepY)
    yTicks.push({ y: sy(v / 100), text: `${+v.toFixed(3)}%` });
  return frame(f, {
    title: `Simulated pool loss distribution (tail beyond ${(maxX * 100).toFixed(1)}%: ${(h.tailProbability * 100).toFixed(3)}%)`,
    xLabel: "pool loss over the horizon (% of the pool balance)",
    yLabel: "probability per bin (%)",
    xTicks,
    yTicks,
    body,
  });
}

function table(head: string[], rows: string[][], caption?: string): string {
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

const pct = (x: number, digits = 3): string => `${(x * 100).toFixed(digits)}%`;
const bps = (b: number): string => `${(b / 100).toFixed(2)}%`;
const optPct = (x: number | null, digits = 2): string => (x === null ? "n/a" : pct(x, digits));
/** Axis ticks in thousands of the currency. */
const thousands = (v: number): string => (v / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 });

/** Renders the whole report. */
export function renderDemoReport(data: DemoReportData): string {
  const m = (v: bigint): string => formatMoney(v, data.poolDecimals);
  const mv = (v: bigint): string => formatMoney(v, data.vaultDecimals);
  const cur = data.currency;
  const poolUnit = 10 ** data.poolDecimals;
  const vaultUnit = 10 ** data.vaultDecimals;
  const sections: string[] = [];
  const periods = data.periods;
  const pLabels = periods.map((p) => `period ${p.period} (${p.asOfDate})`);

  // What the proofs cover.
  sections.push(
    `<h2>What is proven, what is not, what is assumed</h2><div class="box">` +
      `<p><strong>Proven</strong>: every pool figure marked <em>attested</em> (balances, delinquency buckets, defaulted and charged-off balances, scheduled and collected amounts, scores, largest loan, covenant breach bits) is computed by the circuit over the loan tape the originator committed to and signed; the registry contract verified each chunk proof on-chain (transaction hashes below) and the vault priced the tranches from those figures only. From the second period on, each tape is also proven to be the previous one rolled forward (the roll-forward table: opening = last closing, closing = attested outstanding, every loan added or gone explained).</p>` +
      `<p><strong>Not proven</strong>: that the committed tape matches the servicer's books and the borrowers' accounts — an auditor samples loans against source documents and checks them against the commitment. Figures marked <em>tape, not attested</em> (WAC, WAM) come from the originator's tape without a proof.</p>` +
      `<p><strong>Assumed</strong>: the tranche analytics — a one-factor Gaussian copula, its correlation ρ, the PD table by score band and the recovery assumptions — and the rate assumption behind the CPR. These are models, not facts.</p></div>`,
  );

  // Pool roll-forward and attested figures per period.
  const perf = periods
    .slice(1)
    .map((p, i) =>
      realisedPerformance(
        periods[i]!.figures,
        p.figures,
        periods[i]!.wac === undefined ? {} : { annualRate: periods[i]!.wac },
      ),
    );
  sections.push(
    `<h2>Pool: attested figures per period</h2>` +
      table(
        ["attested figure", ...pLabels],
        [
          [
            "loans on the tape (proven in chunks)",
            ...periods.map((p) => `${p.loanCount} (${counted(p.chunkCount, "chunk")})`),
          ],
          ["active loans", ...periods.map((p) => String(p.figures.activeCount))],
          [`outstanding balance (${cur})`, ...periods.map((p) => m(p.figures.outstanding))],
          [`scheduled this period (${cur})`, ...periods.map((p) => m(p.figures.scheduled))],
          [`collected this period (${cur})`, ...periods.map((p) => m(p.figures.collected))],
          [
            "collected / scheduled",
            ...periods.map((p) =>
              p.figures.scheduled > 0n
                ? pct(Number(p.figures.collected) / Number(p.figures.scheduled), 1)
                : "n/a",
            ),
          ],
          [`defaulted balance, at the date (${cur})`, ...periods.map((p) => m(p.figures.defaulted))],
          [
            `charged off, cumulative since the start (${cur})`,
            ...periods.map((p) => m(p.figures.chargedOff)),
          ],
          [
            `charged off in the period (${cur})`,
            ...periods.map((p, i) =>
              i === 0
                ? "n/a (first attestation)"
                : m(p.figures.chargedOff - periods[i - 1]!.figures.chargedOff),
            ),
          ],
          ["minimum score", ...periods.map((p) => String(p.figures.minScore))],
          [
            "balance-weighted average score",
            ...periods.map((p) =>
              p.figures.outstanding > 0n
                ? (Number(p.figures.scoreWeightedBalance) / Number(p.figures.outstanding)).toFixed(1)
                : "n/a",
            ),
          ],
          [`largest loan (${cur})`, ...periods.map((p) => m(p.figures.maxLoanBalance))],
          [
            "covenant breach bits",
            ...periods.map((p) =>
              p.figures.breaches === 0 ? "none" : `0b${p.figures.breaches.toString(2)}`,
            ),
          ],
          [
            "WAC (tape, not attested)",
            ...periods.map((p) => (p.wac === undefined ? "not attested" : pct(p.wac, 2))),
          ],
          [
            "WAM in months (tape, not attested)",
            ...periods.map((p) => (p.wamMonths === undefined ? "not attested" : p.wamMonths.toFixed(1))),
          ],
          [
            "proof time / submit gas per chunk",
            ...periods.map((p) => `${p.proofSeconds.toFixed(1)} s / ${p.submitGas.join(", ")}`),
          ],
        ],
      ) +
      `<p class="note"><strong>Charge-offs</strong>: the attested figure is <em>cumulative</em> (all loans charged off since the pool started, the basis of the vault's loss realisation); the period's charge-offs are the difference between two consecutive attestations. The defaulted balance is the balance of loans in default at the as-of date, not yet charged off.</p>` +
      `<p class="note"><strong>Collections</strong>: <em>collected</em> is everything received in the period — scheduled instalments, prepayments (partial, and full ones of loans now repaid, which leave the outstanding balance), recoveries on defaulted and charged-off loans and the catching-up of missed payments by loans that cure — while <em>scheduled</em> is only the contractual instalments due in the period. Collections above 100% of scheduled therefore mean prepayments, recoveries or cures, not an error; below 100% mean missed payments.</p>` +
      barChart({
        title: "Outstanding balance by loan status",
        xLabel: "loan status at the as-of date",
        yLabel: `outstanding (thousand ${cur})`,
        categories: periods[0]?.statuses.map((s) => s.name.replace("_", " ")) ?? [],
        series: periods.map((p, i) => ({
          name: pLabels[i]!,
          values: p.statuses.map((s) => Number(s.balance) / poolUnit),
          texts: p.statuses.map((s) => `${m(s.balance)} ${cur} (${s.count} loans)`),
        })),
        tick: thousands,
      }),
  );

  // The proven roll-forward per period.
  if (data.rollForward && data.rollForward.records.length > 0) {
    const rf = data.rollForward;
    const rs = rf.records;
    const label = (r: RollForwardRecord): string => {
      const i = periods.findIndex((p) => p.period === r.period);
      return `${r.prevPeriod} → ${i >= 0 ? pLabels[i]! : `period ${r.period}`}`;
    };
    const row = (name: string, f: (t: RollForwardTotals) => string): string[] => [
      name,
      ...rs.map((r) => f(r.totals)),
    ];
    const balances = (t: RollForwardTotals): bigint =>
      t.opening -
      t.principalCollected -
      t.chargedOff +
      t.adjustmentsUp -
      t.adjustmentsDown +
      t.originations -
      t.removedAtExit;
    sections.push(
      `<h2>Roll-forward per period (proven)</h2>` +
        `<p>Each later period's tape was proven to be the previous attested tape rolled forward, loan by loan (RollForwardCommitment proofs over chunks of loans, then one RollForwardAggregation proof), and the roll-forward registry <code>${esc(rf.registry)}</code> recorded the totals below (read back with <code>periodTotals</code>): it accepted them only with the <strong>opening balance equal to the chain's last closing balance</strong> and the <strong>closing balance equal to the period's attested outstanding balance</strong>. The chain was anchored at period ${rf.anchorPeriod}; no loan's principal adjustment may exceed ${m(rf.maxAdjustment)} ${esc(cur)} in a period. Chain continuous at the end (it reached the latest attestation): <strong>${rf.continuous ? "yes" : "NO"}</strong>.</p>` +
        table(
          ["roll-forward", ...rs.map(label)],
          [
            row(`opening balance (${cur})`, (t) => m(t.opening)),
            row(`less principal collected (${cur})`, (t) => m(t.principalCollected)),
            row(`less charge-offs (${cur})`, (t) => m(t.chargedOff)),
            row(`plus adjustments up (${cur})`, (t) => m(t.adjustmentsUp)),
            row(`less adjustments down (${cur})`, (t) => m(t.adjustmentsDown)),
            row(`plus originations (${cur})`, (t) => m(t.originations)),
            row("originations (loans)", (t) => String(t.originationCount)),
            row(`less removed at exit: sold, repurchased, transferred (${cur})`, (t) => m(t.removedAtExit)),
            row(`closing balance (${cur})`, (t) => m(t.closing)),
            row("opening − principal − charge-offs ± adjustments + originations − removed = closing", (t) =>
              balances(t) === t.closing ? "holds" : `DOES NOT HOLD (${m(balances(t))})`,
            ),
            row(`interest collected (${cur})`, (t) => m(t.interestCollected)),
            row(`recoveries on charged-off loans (${cur})`, (t) => m(t.recoveries)),
            row("exits: prepaid or matured", (t) => String(t.exitsPrepaidOrMatured)),
            row("exits: charged off", (t) => String(t.exitsChargedOff)),
            row("exits: sold", (t) => String(t.exitsSold)),
            row("exits: repurchased", (t) => String(t.exitsRepurchased)),
            row("exits: servicing transfer", (t) => String(t.exitsServicingTransfer)),
            row("loans modified", (t) => String(t.modifiedCount)),
            [
              "proofs (proof time)",
              ...rs.map(
                (r) =>
                  `${counted(r.chunkCount, "chunk")} of ${r.chunkInstance} + ${r.aggregationInstance} (${r.proofSeconds.toFixed(1)} s)`,
              ),
            ],
            [
              "cash reconciliation: due this period (vault asset)",
              ...rs.map((r) => (r.reconciliation ? formatMoney(r.reconciliation.due, 6) : "not reconciled")),
            ],
            [
              "cash reconciliation: expected / remitted so far",
              ...rs.map((r) =>
                r.reconciliation
                  ? `${formatMoney(r.reconciliation.expected, 6)} / ${formatMoney(r.reconciliation.remitted, 6)}: ${r.reconciliation.breached ? "BREACH" : "within tolerance"}`
                  : "",
              ),
            ],
            [
              "aggregation transaction",
              ...rs.map((r) => r.transactions[r.transactions.length - 1]?.hash ?? ""),
            ],
          ],
          "amounts recorded on-chain by the roll-forward registry; interest and recoveries are cash collected that does not change the balance; every chunk's transaction is in the transactions table",
        ),
    );
  }

  // Delinquency over time, roll rates, realised rates.
  // The buckets split the active loans by days past due; `defaulted` is a status (those loans are also in a
  // bucket, usually 90+), shown beside them, not added.
  const buckets = (f: Figures) => [
    f.outstanding - f.bucket30 - f.bucket60 - f.bucket90,
    f.bucket30,
    f.bucket60,
    f.bucket90,
    f.defaulted,
  ];
  const bucketNames = [
    "current (< 30 dpd)",
    "30-59 dpd",
    "60-89 dpd",
    "90+ dpd",
    "of which in default (status)",
  ];
  sections.push(
    `<h2>Delinquency and realised performance</h2>` +
      barChart({
        title: "Delinquency buckets over time (attested)",
        xLabel: "days past due",
        yLabel: `outstanding (thousand ${cur})`,
        categories: ["current", "30-59", "60-89", "90+", "in default"],
        series: periods.map((p, i) => ({
          name: pLabels[i]!,
          values: buckets(p.figures).map((b) => Number(b) / poolUnit),
          texts: buckets(p.figures).map((b) => `${m(b)} ${cur}`),
        })),
        tick: thousands,
      }) +
      table(
        [`bucket (${cur})`, ...pLabels],
        bucketNames.map((n, k) => [
          n,
          ...periods.map((p) => {
            const b = buckets(p.figures)[k]!;
            return `${m(b)} (${p.figures.outstanding > 0n ? pct(Number(b) / Number(p.figures.outstanding), 2) : "n/a"})`;
          }),
        ]),
        "share of the outstanding balance in brackets; current = outstanding less the 30/60/90+ buckets; loans in default (a status) are counted in their days-past-due bucket too",
      ) +
      (perf.length === 0
        ? "<p>One attestation only: realised rates need two.</p>"
        : table(
            ["realised between attestations", ...perf.map((_, i) => `${pLabels[i]} → ${pLabels[i + 1]}`)],
            [
              [
                `roll-forward: opening balance (${cur})`,
                ...perf.map((_, i) => m(periods[i]!.figures.outstanding)),
              ],
              [
                `less principal reduction: scheduled principal and prepayments (${cur})`,
                ...perf.map((r) => m(r.principalReduction)),
              ],
              [`less new charge-offs (${cur})`, ...perf.map((r) => m(r.newChargeOffs))],
              [`closing balance (${cur})`, ...perf.map((_, i) => m(periods[i + 1]!.figures.outstanding))],
              ["MDR (monthly default rate)", ...perf.map((r) => pct(r.mdr, 3))],
              ["CDR (annualised)", ...perf.map((r) => pct(r.cdr, 2))],
              ["CPR (annualised; rate assumption: WAC of the tape)", ...perf.map((r) => optPct(r.cpr))],
              [
                "severity (loss given default)",
                ...perf.map(() => "not attested (recoveries are not a separate attested figure)"),
              ],
              ["collected / scheduled", ...perf.map((r) => optPct(r.collectionRatio, 1))],
              ["roll rate current → 30-59", ...perf.map((r) => optPct(r.rollRates.currentTo30))],
              ["roll rate 30-59 → 60-89", ...perf.map((r) => optPct(r.rollRates.d30To60))],
              ["roll rate 60-89 → 90+", ...perf.map((r) => optPct(r.rollRates.d60To90))],
              [
                "roll rate 90+ → defaulted or charged off",
                ...perf.map((r) => optPct(r.rollRates.d90ToDefault)),
              ],
            ],
            "aggregate formulas of analytics/performance.ts (docs/ANALYTICS.md): each bucket's balance over the previous, less delinquent bucket's one period earlier (above 100% when loans skip a bucket between two attestations, e.g. from current or 30-59 to 90+ within a month of missed reporting)",
          )) +
      barChart({
        title: "Credit scores of active loans over time",
        xLabel: "credit score band",
        yLabel: "active loans (count)",
        categories: periods[0]?.scoreBands.map((b) => b.band) ?? [],
        series: periods.map((p, i) => ({
          name: pLabels[i]!,
          values: p.scoreBands.map((b) => b.count),
          texts: p.scoreBands.map((b) => `${b.count} loans`),
        })),
      }),
  );

  // Covenants.
  if (data.policy || data.vaultTerms) {
    const rows: string[][] = [];
    const last = periods[periods.length - 1];
    const ratioBps = (a: bigint, f: Figures): number =>
      f.outstanding > 0n ? (Number(a) * 10_000) / Number(f.outstanding) : 0;
    const maxRow = (name: string, limitBps: number, valueBps: number | undefined, who: string) =>
      rows.push([
        name,
        who,
        `≤ ${bps(limitBps)}`,
        valueBps === undefined ? "n/a" : bps(valueBps),
        valueBps === undefined
          ? "n/a"
          : `${bps(limitBps - valueBps)}${valueBps > limitBps ? " (BREACHED)" : ""}`,
      ]);
    if (data.policy && last) {
      const p = data.policy.params;
      const f = last.figures;
      rows.push([
        "minimum credit score",
        "policy (proven per loan)",
        `≥ ${p.minCreditScore}`,
        String(f.minScore),
        `${f.minScore - p.minCreditScore} points`,
      ]);
      rows.push([
        "maximum days past due (eligibility)",
        "policy (proven per loan)",
        `≤ ${p.maxDaysPastDue} days`,
        "per loan",
        "breach bit if exceeded",
      ]);
      rows.push([
        "maximum LTV",
        "policy (proven per loan)",
        `≤ ${bps(p.maxLtvBps)}`,
        "per loan",
        "breach bit if exceeded",
      ]);
      maxRow("30-59 dpd bucket / outstanding", p.maxBucket30Bps, ratioBps(f.bucket30, f), "policy");
      maxRow("60-89 dpd bucket / outstanding", p.maxBucket60Bps, ratioBps(f.bucket60, f), "policy");
      maxRow("90+ dpd bucket / outstanding", p.maxBucket90Bps, ratioBps(f.bucket90, f), "policy");
      maxRow("largest loan / outstanding", p.maxConcentrationBps, ratioBps(f.maxLoanBalance, f), "policy");
      rows.push([
        "minimum pool balance",
        "policy",
        `≥ ${m(p.minPoolBalance)} ${cur}`,
        `${m(f.outstanding)} ${cur}`,
        `${m(f.outstanding - p.minPoolBalance)} ${cur}`,
      ]);
    }
    const t = data.vaultTerms;
    if (t && last) {
      const f = last.figures;
      maxRow(
        "30-59 dpd bucket / outstanding",
        t.maxBucket30Bps,
        ratioBps(f.bucket30, f),
        "vault funding limit",
      );
      maxRow(
        "60-89 dpd bucket / outstanding",
        t.maxBucket60Bps,
        ratioBps(f.bucket60, f),
        "vault funding limit",
      );
      maxRow(
        "90+ dpd bucket / outstanding",
        t.maxBucket90Bps,
        ratioBps(f.bucket90, f),
        "vault funding limit",
      );
      maxRow(
        "largest loan / outstanding",
        t.maxConcentrationBps,
        ratioBps(f.maxLoanBalance, f),
        "vault funding limit",
      );
      const avg = f.outstanding > 0n ? Number(f.scoreWeightedBalance) / Number(f.outstanding) : 0;
      rows.push([
        "balance-weighted average score",
        "vault funding limit",
        `≥ ${t.minAverageScore}`,
        avg.toFixed(1),
        `${(avg - t.minAverageScore).toFixed(1)} points`,
      ]);
      const c = data.closes?.[data.closes.length - 1];
      if (c) {
        maxRow(
          "trigger: attested 60+ dpd and defaulted / funded principal",
          t.triggerDelinquencyBps,
          c.delinquent60Bps,
          "vault trigger",
        );
        maxRow("trigger: cumulative realised loss / funded", t.triggerLossBps, c.lossBps, "vault trigger");
      }
    }
    const lastClose = data.closes?.[data.closes.length - 1];
    sections.push(
      `<h2>Covenants and triggers${periods.length ? ` (at ${esc(pLabels[pLabels.length - 1]!)})` : ""}</h2>` +
        (data.policy
          ? `<p>Policy hash <code>${esc(data.policy.hash)}</code>: the circuit enforces the policy's parameters below and sets a breach bit for each one the pool fails; the registry records the bits with the attestation.</p>`
          : "") +
        table(["covenant", "source", "threshold", "value", "headroom"], rows) +
        (lastClose
          ? `<p>Trigger status after the last close: <strong>${lastClose.triggered ? "ON (principal sequential, residual trapped)" : "off"}</strong>.${t ? ` Vault coupons: senior ${bps(t.seniorCouponBps)}, mezzanine ${bps(t.mezzanineCouponBps)} of the principal balance per close (epoch), paid from income; minimum subordination ${bps(t.minSubordinationBps)}.` : ""}</p>`
          : ""),
    );
  }

  // Waterfall per close.
  if (data.closes && data.closes.length > 0) {
    const cs = data.closes;
    const rows: string[][] = [
      [`principal collected (${cur})`, ...cs.map((c) => mv(c.collectedPrincipal))],
      [
        `interest and recoveries collected = waterfall income (${cur})`,
        ...cs.map((c) => mv(c.summary.income)),
      ],
      [
        `realised loss (new charge-offs on the vault's share) (${cur})`,
        ...cs.map((c) => mv(c.summary.realisedLoss)),
      ],
      ...TRANCHES.map((n, i) => [
        `${n} ${i === 2 ? "residual" : "coupon"} credited (${cur})`,
        ...cs.map((c) => {
          const d = c.summary.balances[i]! - c.balancesBefore[i]!;
          return d >= 0n ? mv(d) : `${mv(d)} (written down)`;
        }),
      ]),
      ...TRANCHES.map((n, i) => [
        `${n} PDL after the close (${cur})`,
        ...cs.map((c) => mv(c.summary.pdl[i]!)),
      ]),
      [`trapped residual reserve (${cur})`, ...cs.map((c) => mv(c.summary.reserve))],
      [`provisional markdown (${cur})`, ...cs.map((c) => mv(c.summary.markdown))],
      ["trigger", ...cs.map((c) => (c.triggered ? "ON" : "off"))],
      [
        "deferred batches",
        ...cs.map((c) =>
          c.summary.deferred.length === 0
            ? "none"
            : c.summary.deferred
                .map(
                  (d) =>
                    `${TRANCHES[d.tranche]} ${d.deposit ? "deposits" : "redemptions"}: ${DEFER_REASONS[d.reason] ?? d.reason}`,
                )
                .join("; "),
        ),
      ],
      ["transaction", ...cs.map((c) => c.txHash)],
    ];
    sections.push(
      `<h2>Vault waterfall at each close</h2>` +
        `<p>Order of the realised waterfall (contracts/vault/TrancheVault.sol): losses to the trapped reserve, then the junior, mezzanine and senior principal-deficiency ledgers (PDL); income to the senior coupon, the mezzanine coupon, PDL cures senior first, then the residual to junior (to the reserve while the trigger is on). The provisional markdown (delinquency haircuts) lowers the tranche prices junior first without being a loss. Figures from the close's events.</p>` +
        table(["per close", ...cs.map((c) => `${c.title} (epoch ${c.summary.epoch})`)], rows),
    );
  }

  // Tranche balances and factors over time.
  const t0 = data.tranches[0];
  sections.push(
    `<h2>Vault tranches over time</h2>` +
      barChart({
        title: `Tranche values (priced claims) per snapshot`,
        xLabel: "snapshot",
        yLabel: `tranche value (thousand ${cur})`,
        categories: data.tranches.map((t) => t.label),
        series: TRANCHES.map((n) => ({
          name: n,
          values: data.tranches.map((t) => Number(t[n]) / vaultUnit),
          texts: data.tranches.map((t) => `${mv(t[n])} ${cur}`),
        })),
        tick: thousands,
      }) +
      table(
        ["snapshot", ...TRANCHES.map((n) => `${n} (${cur})`), ...TRANCHES.map((n) => `${n} factor`)],
        data.tranches.map((t) => [
          t.label,
          ...TRANCHES.map((n) => mv(t[n])),
          ...TRANCHES.map((n) => (t0 && t0[n] > 0n ? (Number(t[n]) / Number(t0[n])).toFixed(4) : "n/a")),
        ]),
        "factor = value at the snapshot / value after the deposits",
      ),
  );

  if (data.analysis) {
    const a = data.analysis;
    sections.push(
      `<h2>Tranche analytics (model, assumed: ${a.model.scenarios.toLocaleString("en-US")} scenarios, ρ ${a.model.rho}, seed ${a.model.seed})</h2>` +
        (data.analysisBasis ? `<p>${esc(data.analysisBasis)}</p>` : "") +
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
          "losses as fractions of each tranche; the CI is the Monte Carlo estimate's own uncertainty, not model error",
        ) +
        `<h3>Stress scenarios</h3>` +
        table(
          ["scenario", "PD ×", "ρ", "recovery ×", "pool EL", ...a.tranches.map((t) => `${t.name} EL`)],
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
  if (data.transactions && data.transactions.length > 0) {
    sections.push(
      `<h2>On-chain transactions (chain ${data.chainId})</h2>` +
        table(
          ["step", "transaction hash", "gas"],
          data.transactions.map((t) => [t.what, t.hash, t.gas.toString()]),
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
<html lang="en"><head><meta charset="utf-8"><title>rwa-attest demo investor report</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}caption{caption-side:bottom;font-size:12px;color:#555;text-align:left}
.warn{background:#fff3cd;padding:.6em;border:1px solid #e3a21a}.box{border:2px solid #2f6db5;padding:0 1em;background:#f4f8fd}
.note{font-size:14px}td{overflow-wrap:anywhere}svg{display:block;margin:1em 0}</style></head><body>
<h1>rwa-attest demo investor report</h1>
<p>Generated ${esc(data.generatedAt)}. Circuit <code>${esc(data.instance)}</code>; chain ${data.chainId}; registry <code>${esc(data.registry)}</code>; vault <code>${esc(data.vault)}</code>. Amounts in ${esc(cur)} with two decimals.</p>
${warning}
${sections.join("\n")}
</body></html>
`;
}
