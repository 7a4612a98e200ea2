/**
 * What one epoch close of the tranche vault did, read from its events (contracts/vault/TrancheVault.sol), and a
 * plain-language account of it: the realised waterfall (losses into the principal-deficiency ledgers, income
 * paid as coupons, cures and residual), the provisional markdown and where it came from, the trigger, and
 * each tranche batch that did not run with the reason. The demo prints it at every close.
 */
import type { Interface, Log } from "ethers";
import type { Triple } from "./model.ts";

/** Why a batch did not execute (BatchDeferred reason codes). */
export const DEFER_REASONS = [
  "",
  "locked: a funded pool is stale or breached, or not yet attested after the epoch the requests were made in",
  "tranche impaired: it carries a PDL, a heavy markdown or (junior) a trapped residual",
  "trigger on: principal is sequential, mezzanine and junior wait",
  "not enough cash",
  "subordination would fall below the minimum",
] as const;

const TRANCHES = ["senior", "mezzanine", "junior"] as const;

export interface CloseSummary {
  epoch: bigint;
  realisedLoss: bigint;
  income: bigint;
  balances: Triple;
  pdl: Triple;
  reserve: bigint;
  markdown: bigint;
  staleOrBreached: bigint;
  /** Priced claims after the waterfall and the markdown, before the flows. */
  marked: Triple;
  trigger?: { on: boolean; delinquent60Bps: bigint; lossBps: bigint };
  deferred: { tranche: number; deposit: boolean; reason: number }[];
  nav: bigint;
  /** Claims after the flows. */
  claims: Triple;
}

/** Reads a close's events from its receipt logs (`iface`: the vault's ABI). */
export function summariseClose(iface: Interface, logs: readonly Log[]): CloseSummary {
  const parsed = logs
    .map((l) => {
      try {
        return iface.parseLog({ topics: [...l.topics], data: l.data });
      } catch {
        return null;
      }
    })
    .filter((l) => l !== null);
  const one = (name: string) => {
    const e = parsed.find((l) => l.name === name);
    if (e === undefined) throw new Error(`the close emitted no ${name}`);
    return e.args;
  };
  const triple = (x: readonly bigint[]): Triple => [x[0]!, x[1]!, x[2]!];
  const wf = one("WaterfallApplied");
  const md = one("MarkdownApplied");
  const ec = one("EpochClosed");
  const tr = parsed.find((l) => l.name === "TriggerChanged")?.args;
  return {
    epoch: ec[0] as bigint,
    realisedLoss: wf[1] as bigint,
    income: wf[2] as bigint,
    balances: triple(wf[3] as bigint[]),
    pdl: triple(wf[4] as bigint[]),
    reserve: wf[5] as bigint,
    markdown: md[1] as bigint,
    staleOrBreached: md[2] as bigint,
    marked: triple(md[3] as bigint[]),
    trigger: tr === undefined ? undefined : { on: tr[1] as boolean, delinquent60Bps: tr[2], lossBps: tr[3] },
    deferred: parsed
      .filter((l) => l.name === "BatchDeferred")
      .map((l) => ({ tranche: Number(l.args[0]), deposit: l.args[1] as boolean, reason: Number(l.args[3]) })),
    nav: ec[1] as bigint,
    claims: [ec[2] as bigint, ec[3] as bigint, ec[4] as bigint],
  };
}

/** One paragraph saying what the close did and why; `fmt` formats asset amounts. */
export function explainClose(s: CloseSummary, fmt: (v: bigint) => string): string {
  const per = (xs: Triple) => TRANCHES.map((n, i) => `${n} ${fmt(xs[i]!)}`).join(", ");
  const parts: string[] = [];
  parts.push(
    s.realisedLoss === 0n && s.income === 0n
      ? "nothing realised (no new charge-off, no collections)"
      : `realised loss ${fmt(s.realisedLoss)} written junior-first into the principal-deficiency ledgers; income ${fmt(s.income)} paid senior coupon, mezzanine coupon, PDL cures senior-first, then the residual`,
  );
  parts.push(
    `balances ${per(s.balances)}; PDL ${per(s.pdl)}` +
      (s.reserve > 0n ? `; trapped residual ${fmt(s.reserve)}` : ""),
  );
  if (s.markdown > 0n) {
    const haircut = s.markdown - s.staleOrBreached;
    const why = [
      haircut > 0n
        ? `${fmt(haircut)} from the delinquency haircuts on the attested 30/60/90+ and defaulted balances`
        : "",
      s.staleOrBreached > 0n
        ? `${fmt(s.staleOrBreached)} because an attestation is stale or reports a breach`
        : "",
    ].filter((x) => x !== "");
    parts.push(
      `provisional markdown ${fmt(s.markdown)} (${why.join("; ")}), a reserve taken junior-first from the prices, not a loss: ` +
        `it reverses when a fresh, clean attestation shows the loans cured; priced claims ${per(s.marked)}`,
    );
  } else parts.push(`no provisional markdown; priced claims ${per(s.marked)}`);
  if (s.trigger !== undefined)
    parts.push(
      `trigger ${s.trigger.on ? "ON" : "cured"} (60+ dpd ${Number(s.trigger.delinquent60Bps) / 100}%, cumulative losses ${Number(s.trigger.lossBps) / 100}%)`,
    );
  if (s.claims.some((c, i) => c !== s.marked[i]))
    parts.push(`after this close's deposits and redemptions: priced claims ${per(s.claims)}`);
  for (const d of s.deferred)
    parts.push(
      `${TRANCHES[d.tranche]} ${d.deposit ? "deposits" : "redemptions"} wait: ${DEFER_REASONS[d.reason] ?? d.reason}`,
    );
  return parts.join(". ") + ".";
}
