/**
 * Tranche projections: a pool cash-flow projection (analytics/cashflow.ts) run through the tranche vault's
 * own rules, month by month, by driving the vault's TypeScript model (sdk/vault/model.ts, which the contract
 * tests hold equal to contracts/vault/TrancheVault.sol): collections paid in with `repay`, one attestation
 * per month (outstanding, cumulative charge-offs, delinquency buckets), one `closeEpoch` per month (charge-off
 * realisation, trigger, coupons, PDLs and cures, residual or trapped reserve, markdown), and investors'
 * redemption requests executed by the close under the contract's conditions (information date, trigger, cash,
 * subordination). No waterfall rule is written here: this file only schedules the vault's actions and reads
 * its ledgers. See docs/ANALYTICS.md, "Cash-flow projections".
 *
 * No Node API (browser-safe).
 */
import {
  redeemValue,
  VaultModel,
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
  type AttestedPool,
  type ModelParams,
  type Triple,
} from "../sdk/index.ts";
import type { PoolFigures } from "../sdk/index.ts";
import { ANALYSIS_DEFAULTS, poolArraysFromInput, validateAnalysisInput } from "./analyze.ts";
import { projectPool } from "./cashflow.ts";
import type { AmortisingLoan, CashflowAssumptions, PoolProjection } from "./cashflow.ts";
import { DEFAULT_PD_TABLE } from "./pd-table.ts";
import { compilePool } from "./pool.ts";
import type { AnalysisInput } from "./schema.ts";
import { simulateLosses } from "./simulate.ts";
import { lossOrder, lossQuantile } from "./tranche.ts";
import { invalid, refused } from "../verifier-api/web/errors.js";

const DAY = 86_400n;
export const TRANCHE_NAMES = ["senior", "mezzanine", "junior"] as const;

/** The vault and investor assumptions of a projection. */
export interface VaultProjectionInput {
  /** The pool's projected cash flows (the whole pool; the vault holds `funded` of it). */
  pool: PoolProjection;
  /** The vault's accounting parameters (`modelParamsFromConfig(deployment config)`). */
  params: ModelParams;
  /** Initial tranche investments, minor units: [senior, mezzanine, junior]. */
  tranches: Triple;
  /** Principal of the pool the vault buys (default: the smaller of the tranches' total and the pool balance). */
  funded?: bigint;
  /**
   * Investors' redemptions: "sequential" (default): every month, requests for the vault's free cash, senior
   * first, the next tranche only once the one above is fully requested; "none": nobody redeems (the whole
   * value is the claim at the end).
   */
  redemptions?: "sequential" | "none";
  /**
   * Attested delinquency as a pipeline of the projected defaults (default true): the balance charged off in
   * month k+1 is 90+ days past due in month k's attestation, k+2's is 60-89, k+3's is 30-59 (drives the
   * markdown haircuts and the 60+ trigger). false: all buckets 0.
   */
  delinquencyPipeline?: boolean;
  /** Static attested fields: average and minimum score, largest loan, loan count (eligibility, not accounting). */
  averageScore?: number;
  minScore?: number;
  activeCount?: number;
  /** The pool's cumulative charge-offs before the projection starts (default 0). */
  startChargedOff?: bigint;
  /** First attestation: period number and date (days since 1970-01-01); months are `epochDays` apart. */
  startPeriod?: number;
  startDay?: number;
  epochDays?: number;
}

/** One tranche in one month (minor units). */
export interface TranchePeriod {
  month: number;
  /** Credited to the balance by this close's waterfall: the coupon (junior: the residual). */
  credited: bigint;
  /** Paid to the tranche's holders by redemptions executed at this close. */
  paid: bigint;
  /** `paid` split interest first (credited and not yet paid), then principal. */
  interestPaid: bigint;
  principalPaid: bigint;
  /** Ledgers after the close and its flows. */
  balance: bigint;
  pdl: bigint;
  /** The priced claim (balance − PDL − share of the provisional markdown). */
  claim: bigint;
  /** The contract's deferral reason of this tranche's redemption batch (0: none or executed). */
  deferred: number;
}

/** A tranche over the whole projection. */
export interface TrancheProjection {
  name: (typeof TRANCHE_NAMES)[number];
  initial: bigint;
  periods: TranchePeriod[];
  totalInterest: bigint;
  totalPrincipal: bigint;
  /** The claim left at the end, valued as paid at the last month in WAL and IRR. */
  terminalClaim: bigint;
  /** Weighted average life of principal returned (redemptions and the terminal claim), years; null if none. */
  wal: number | null;
  /** Internal rate of return per month and annualised ((1 + m)^12 − 1) of −initial, the payments, the terminal claim. */
  monthlyIrr: number | null;
  irr: number | null;
  /** Uncured realised loss (PDL) at the end, minor units and fraction of the initial investment. */
  loss: bigint;
  lossFraction: number;
  /** First month whose close left a PDL on the tranche (realised impairment); null if never. */
  firstImpairedMonth: number | null;
}

/** What the vault saw and did in one month. */
export interface VaultPeriod {
  month: number;
  /** The attestation of the month (as the contract would record it). */
  attestation: AttestedPool;
  /** Collections paid in before the close: principal (reduces the position) and income (interest, recoveries). */
  repayPrincipal: bigint;
  repayIncome: bigint;
  /** Pending redemption requests cancelled before this month's requests (shares; deferred at the last close). */
  cancelledShares: Triple;
  /** Redemption requests made before the close (shares, [senior, mezzanine, junior]). */
  redeemShares: Triple;
  realisedLoss: bigint;
  triggered: boolean;
  reserve: bigint;
  markdown: bigint;
  /** Free cash after the close. */
  cash: bigint;
}

export interface VaultProjection {
  funded: bigint;
  /** The funding attestation (month 0). */
  start: AttestedPool;
  periods: VaultPeriod[];
  tranches: TrancheProjection[];
}

/** Rounds a running float total to integers so the per-month integer amounts add up to the rounded total. */
function increments(xs: readonly number[], scale: number): bigint[] {
  let cum = 0;
  let prev = 0n;
  return xs.map((x) => {
    cum += x * scale;
    const now = BigInt(Math.round(cum));
    const d = now - prev;
    prev = now;
    return d < 0n ? 0n : d;
  });
}

/**
 * Internal rate of return per period of cash flows at periods 0, 1, 2, … (bisection on the NPV, which is
 * decreasing in the rate when only the first flow is negative); null when it has no sign change.
 */
export function irr(flows: readonly number[]): number | null {
  const npv = (r: number) => flows.reduce((s, f, k) => s + f / (1 + r) ** k, 0);
  let lo = -0.999999;
  let hi = 10;
  if (npv(lo) < 0 || npv(hi) > 0) return flows.slice(1).every((f) => f === 0) ? -1 : null;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (npv(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Runs a pool projection through the vault's rules; see {@link VaultProjectionInput} for the assumptions. */
export function projectVault(input: VaultProjectionInput): VaultProjection {
  const { pool, params } = input;
  const periods = pool.periods;
  if (periods.length === 0) throw invalid("pool", "no period to project");
  const b0 = BigInt(Math.round(periods[0]!.beginBalance));
  const total = input.tranches[0] + input.tranches[1] + input.tranches[2];
  if (input.tranches.some((x) => x < 0n) || total === 0n) {
    throw invalid("tranches", "amounts must be ≥ 0 with a positive total");
  }
  const funded = input.funded ?? (total < b0 ? total : b0);
  if (funded <= 0n || funded > total || funded > b0) {
    throw invalid("funded", "must be positive, at most the tranches' total and the pool balance");
  }
  const share = Number(funded) / Number(b0);
  const epochDays = BigInt(input.epochDays ?? 30);
  const startDay = BigInt(input.startDay ?? 20_000);
  const startPeriod = BigInt(input.startPeriod ?? 1);
  const pipeline = input.delinquencyPipeline ?? true;
  const score = BigInt(input.averageScore ?? 700);
  const minScore = BigInt(input.minScore ?? 600);
  const activeCount = BigInt(input.activeCount ?? 1000);
  const c0 = input.startChargedOff ?? 0n;

  // the whole pool's integer figures: outstanding = b0 − cumulative principal − cumulative defaults, exactly
  const prin = increments(
    periods.map((p) => p.scheduledPrincipal + p.prepayment),
    1,
  );
  const defs = increments(
    periods.map((p) => p.defaults),
    1,
  );
  // the vault's share of the collections
  const vPrin = increments(
    periods.map((p) => p.scheduledPrincipal + p.prepayment),
    share,
  );
  const vInc = increments(
    periods.map((p) => p.interest + p.recovery),
    share,
  );
  const outstanding: bigint[] = [b0];
  const charged: bigint[] = [c0];
  for (let k = 1; k <= periods.length; k++) {
    const o = outstanding[k - 1]! - prin[k - 1]! - defs[k - 1]!;
    outstanding.push(o < 0n ? 0n : o);
    charged.push(charged[k - 1]! + defs[k - 1]!);
  }
  const figuresAt = (k: number): PoolFigures => {
    const o = outstanding[k]!;
    let left = o;
    const take = (j: number): bigint => {
      if (!pipeline || j > periods.length) return 0n;
      const x = defs[j - 1]! < left ? defs[j - 1]! : left;
      left -= x;
      return x;
    };
    const bucket90 = take(k + 1);
    const bucket60 = take(k + 2);
    const bucket30 = take(k + 3);
    const p = k === 0 ? undefined : periods[k - 1]!;
    const sched = p ? BigInt(Math.round(p.interest + p.scheduledPrincipal)) : 0n;
    const coll = p ? BigInt(Math.round(p.interest + p.scheduledPrincipal + p.prepayment + p.recovery)) : 0n;
    return {
      outstanding: o,
      scheduled: sched,
      collected: coll,
      bucket30,
      bucket60,
      bucket90,
      defaulted: 0n,
      chargedOff: charged[k]!,
      scoreWeightedBalance: o * score,
      maxLoanBalance: o / activeCount,
      activeCount: o === 0n ? 0n : activeCount,
      minScore,
      breaches: 0n,
    };
  };
  const attestationAt = (k: number): AttestedPool => ({
    period: startPeriod + BigInt(k),
    asOfDate: startDay + BigInt(k) * epochDays,
    figures: figuresAt(k),
  });

  const POOL = 1n;
  const m = new VaultModel(params, startDay * DAY);
  for (const t of [2, 1, 0] as const) if (input.tranches[t] > 0n) m.requestDeposit(t, input.tranches[t]);
  m.closeEpoch(new Map(), startDay * DAY);
  for (const t of [0, 1, 2] as const) {
    if (m.pendingDeposits[t] !== 0n) {
      throw refused("tranches", `the vault refuses the ${TRANCHE_NAMES[t]} deposit (subordination)`);
    }
  }
  const start = attestationAt(0);
  m.include(POOL, funded, start);

  const rows: [TranchePeriod[], TranchePeriod[], TranchePeriod[]] = [[], [], []];
  const accrued: Triple = [0n, 0n, 0n];
  const vaultPeriods: VaultPeriod[] = [];
  const atts = new Map<bigint, AttestedPool>();
  for (let k = 1; k <= periods.length; k++) {
    const att = attestationAt(k);
    atts.set(POOL, att);
    const now = att.asOfDate * DAY + DAY / 2n;
    m.repay(POOL, vPrin[k - 1]!, vInc[k - 1]!);
    // a request deferred at the last close is withdrawn and sized again on this close's prices
    const cancelledShares: Triple = [...m.pendingRedeemShares];
    for (const t of [0, 1, 2] as const) {
      if (cancelledShares[t] !== 0n) m.cancelRedeem(t, cancelledShares[t]);
    }
    if ((input.redemptions ?? "sequential") === "sequential") {
      // the prices this close will set, from a copy of the vault
      const snap = m.clone().closeEpoch(atts, now).afterWaterfall;
      let available = m.cash;
      for (const t of [0, 1, 2] as const) {
        const supply = m.supplies[t];
        if (available <= 0n) break;
        if (supply === 0n) continue;
        const all = redeemValue(snap[t], supply, supply);
        const shares =
          available >= all ? supply : (available * (supply + VIRTUAL_SHARES)) / (snap[t] + VIRTUAL_ASSETS);
        if (shares > 0n && m.requestAllowed(t, 0n, shares)) {
          m.requestRedeem(t, shares);
          available -= redeemValue(snap[t], supply, shares);
        }
        if (shares < supply) break;
      }
    }
    const redeemShares: Triple = [...m.pendingRedeemShares];
    const before: Triple = [...m.balances];
    const r = m.closeEpoch(atts, now);
    for (const t of [0, 1, 2] as const) {
      const credited = r.ledgers.balances[t] - before[t];
      const paid = r.ledgers.balances[t] - m.balances[t];
      accrued[t] += credited;
      const interestPaid = paid < accrued[t] ? paid : accrued[t];
      accrued[t] -= interestPaid;
      rows[t].push({
        month: k,
        credited,
        paid,
        interestPaid,
        principalPaid: paid - interestPaid,
        balance: m.balances[t],
        pdl: m.pdl[t],
        claim: m.claims[t],
        deferred: r.deferredRedemptions[t]!,
      });
    }
    vaultPeriods.push({
      month: k,
      attestation: att,
      repayPrincipal: vPrin[k - 1]!,
      repayIncome: vInc[k - 1]!,
      cancelledShares,
      redeemShares,
      realisedLoss: r.realisedLoss,
      triggered: r.triggered,
      reserve: m.reserve,
      markdown: r.markdown,
      cash: m.cash,
    });
  }

  const H = periods.length;
  const tranches = ([0, 1, 2] as const).map((t): TrancheProjection => {
    const ps = rows[t];
    const initial = input.tranches[t];
    const terminalClaim = m.claims[t];
    const terminalInterest = terminalClaim < accrued[t] ? terminalClaim : accrued[t];
    const terminalPrincipal = terminalClaim - terminalInterest;
    let totalInterest = terminalInterest;
    let totalPrincipal = terminalPrincipal;
    let wk = H * Number(terminalPrincipal);
    for (const p of ps) {
      totalInterest += p.interestPaid;
      totalPrincipal += p.principalPaid;
      wk += p.month * Number(p.principalPaid);
    }
    const flows = [-Number(initial), ...ps.map((p) => Number(p.paid))];
    flows[H] = flows[H]! + Number(terminalClaim);
    const monthly = initial > 0n ? irr(flows) : null;
    const loss = m.pdl[t];
    const first = ps.find((p) => p.pdl > 0n);
    return {
      name: TRANCHE_NAMES[t],
      initial,
      periods: ps,
      totalInterest,
      totalPrincipal,
      terminalClaim,
      wal: totalPrincipal > 0n ? wk / Number(totalPrincipal) / 12 : null,
      monthlyIrr: monthly,
      irr: monthly === null ? null : (1 + monthly) ** 12 - 1,
      loss,
      lossFraction: initial > 0n ? Number(loss) / Number(initial) : 0,
      firstImpairedMonth: first?.month ?? null,
    };
  });
  return { funded, start, periods: vaultPeriods, tranches };
}

/** A stochastic projection: the Vasicek scenarios of the one-period model drive each path's default rate. */
export interface ScenarioProjectionInput {
  /**
   * The credit model (loans or groups with PD and LGD, ρ, simulation settings; tranches are not used here):
   * each simulated scenario's horizon loss L becomes that path's default rate.
   */
  credit: Omit<AnalysisInput, "tranches"> & { tranches?: AnalysisInput["tranches"] };
  /** The amortising loans to project (loan-level data, or the pool as one loan). */
  loans: readonly AmortisingLoan[];
  /** Prepayment and recovery-lag assumptions (cdr and severity come from the scenario). */
  assumptions?: Omit<CashflowAssumptions, "cdr" | "severity">;
  /** The vault side, as in {@link projectVault} without the pool. */
  vault: Omit<VaultProjectionInput, "pool">;
  /** Paths to project (default 100); the pool-loss quantiles to keep whole paths for (default 0.5, 0.95, 0.99). */
  paths?: number;
  keepQuantiles?: readonly number[];
}

/** Per tranche statistics over the paths (self-normalised weights of the simulation). */
export interface TrancheScenarioStats {
  name: (typeof TRANCHE_NAMES)[number];
  /** Mean uncured loss at the end, fraction of the initial investment. */
  expectedLoss: number;
  /** Probability that some close leaves a PDL on the tranche (realised impairment at any time). */
  probabilityImpaired: number;
  /** Probability of an uncured loss at the end. */
  probabilityLoss: number;
  /** Mean annualised IRR over the paths where it exists. */
  meanIrr: number | null;
  /** Mean WAL, years. */
  meanWal: number | null;
}

export interface ScenarioProjection {
  paths: number;
  horizonMonths: number;
  /** Exposure-weighted LGD: each path's severity; its default rate is min(1, L / severity) over the horizon. */
  severity: number;
  tranches: TrancheScenarioStats[];
  /** Whole projections at pool-loss quantiles: the quantile, the horizon loss, the annual CDR, the projection. */
  quantilePaths: { quantile: number; horizonLoss: number; cdr: number; projection: VaultProjection }[];
}

/** Annual CDR of a path whose horizon loss is `loss` at severity `severity` over `horizonMonths`. */
export function cdrFromHorizonLoss(loss: number, severity: number, horizonMonths: number): number {
  const d = severity > 0 ? Math.min(1, loss / severity) : 0;
  return d >= 1 ? 1 : 1 - (1 - d) ** (12 / horizonMonths);
}

/**
 * Projects the vault along Vasicek paths: the one-period simulation (analytics/simulate.ts, same seed and
 * streams as the tranche analysis) gives each path a pool loss L over the PD horizon; the path's loans default
 * at the constant annual rate that loses L over the horizon at the pool's exposure-weighted LGD (held for the
 * whole projection), and the vault runs its rules on that path. Statistics use the simulation's weights,
 * self-normalised.
 */
export function projectScenarios(input: ScenarioProjectionInput): ScenarioProjection {
  const credit = {
    ...input.credit,
    tranches: input.credit.tranches ?? [{ name: "pool", attachment: 0, detachment: 1 }],
  };
  validateAnalysisInput(credit);
  const paths = input.paths ?? 100;
  if (!Number.isSafeInteger(paths) || paths < 1 || paths > 100_000) {
    throw invalid("paths", "must be an integer in [1, 100000]");
  }
  const { arrays } = poolArraysFromInput(credit);
  const pool = compilePool(arrays);
  let wl = 0;
  let we = 0;
  for (let i = 0; i < arrays.exposure.length; i++) {
    wl += arrays.exposure[i]! * arrays.lgd[i]!;
    we += arrays.exposure[i]!;
  }
  const severity = wl / we;
  const horizonMonths = (credit.pdTable ?? DEFAULT_PD_TABLE).horizonMonths;
  const sim = simulateLosses(pool, {
    rho: credit.rho ?? ANALYSIS_DEFAULTS.rho,
    scenarios: paths,
    seed: credit.simulation?.seed ?? ANALYSIS_DEFAULTS.seed,
    shift: credit.simulation?.importanceShift ?? 0,
    mix: credit.simulation?.importanceShift
      ? (credit.simulation.importanceMix ?? ANALYSIS_DEFAULTS.importanceMix)
      : 0,
  });
  const run = (loss: number): { cdr: number; projection: VaultProjection } => {
    const cdr = cdrFromHorizonLoss(loss, severity, horizonMonths);
    const pp = projectPool(input.loans, { ...input.assumptions, cdr, severity });
    return { cdr, projection: projectVault({ ...input.vault, pool: pp }) };
  };
  // paths with the same loss (e.g. no default) share one projection
  const cache = new Map<number, VaultProjection>();
  const acc = TRANCHE_NAMES.map(() => ({ el: 0, imp: 0, loss: 0, irr: 0, wIrr: 0, wal: 0, wWal: 0 }));
  let sw = 0;
  for (let i = 0; i < paths; i++) {
    const l = sim.loss[i]!;
    const w = sim.weight[i]!;
    let proj = cache.get(l);
    if (proj === undefined) {
      proj = run(l).projection;
      cache.set(l, proj);
    }
    sw += w;
    proj.tranches.forEach((t, k) => {
      const a = acc[k]!;
      a.el += w * t.lossFraction;
      a.imp += t.firstImpairedMonth !== null ? w : 0;
      a.loss += t.loss > 0n ? w : 0;
      if (t.irr !== null) {
        a.irr += w * t.irr;
        a.wIrr += w;
      }
      if (t.wal !== null) {
        a.wal += w * t.wal;
        a.wWal += w;
      }
    });
  }
  const order = lossOrder(sim);
  const quantilePaths = (input.keepQuantiles ?? [0.5, 0.95, 0.99]).map((q) => {
    const horizonLoss = lossQuantile(sim, order, q);
    return { quantile: q, horizonLoss, ...run(horizonLoss) };
  });
  return {
    paths,
    horizonMonths,
    severity,
    tranches: TRANCHE_NAMES.map((name, k) => {
      const a = acc[k]!;
      return {
        name,
        expectedLoss: a.el / sw,
        probabilityImpaired: a.imp / sw,
        probabilityLoss: a.loss / sw,
        meanIrr: a.wIrr > 0 ? a.irr / a.wIrr : null,
        meanWal: a.wWal > 0 ? a.wal / a.wWal : null,
      };
    }),
    quantilePaths,
  };
}

/**
 * The capital structure of a vault as analysis tranches (fractions of the capital, junior first): each
 * tranche's realised claim (balance − PDL, [senior, mezzanine, junior]) over their total. Empty tranches are
 * left out. Assumes the vault's capital is invested in the pool analysed, so a pool loss fraction is a loss
 * fraction of the vault's capital (cash not invested makes the real structure safer).
 */
export function tranchesFromVaultLedgers(
  balances: readonly bigint[],
  pdl: readonly bigint[],
): { name: string; attachment: number; detachment: number }[] {
  if (balances.length !== 3 || pdl.length !== 3) throw invalid("ledgers", "three tranches expected");
  const realised = [0, 1, 2].map((t) => (balances[t]! > pdl[t]! ? balances[t]! - pdl[t]! : 0n));
  const total = realised[0]! + realised[1]! + realised[2]!;
  if (total === 0n) throw refused("ledgers", "the vault holds no capital yet (no tranche to analyse)");
  const out: { name: string; attachment: number; detachment: number }[] = [];
  let below = 0n;
  for (const t of [2, 1, 0] as const) {
    if (realised[t] === 0n) continue;
    const top = below + realised[t]!;
    out.push({
      name: TRANCHE_NAMES[t],
      attachment: Number(below) / Number(total),
      detachment: top === total ? 1 : Number(top) / Number(total),
    });
    below = top;
  }
  return out;
}
