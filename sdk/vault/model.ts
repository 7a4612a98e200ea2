/**
 * An independent TypeScript model of the tranche vault's accounting (contracts/vault/TrancheVault.sol), written
 * from the rules in docs/CONTRACTS.md: pool values from attested figures, charge-off realisation, the realised
 * waterfall over principal balances and principal-deficiency ledgers (PDL), the provisional markdown
 * allocated junior first, the trigger, and the execution (or deferral, with its reason) of each tranche's
 * batch at a close. The contract tests drive both with the same actions and require equal results.
 */
import type { PoolFigures } from "./signals.ts";
import { refused } from "../../verifier-api/web/errors.js";

/** Per-tranche amounts in asset units: [senior, mezzanine, junior]. */
export type Triple = [bigint, bigint, bigint];

/** The vault parameters the accounting uses (ITrancheVault.Config, bps and seconds). */
export interface ModelParams {
  seniorCouponBps: bigint;
  mezzanineCouponBps: bigint;
  minSubordinationBps: bigint;
  haircut30Bps: bigint;
  haircut60Bps: bigint;
  haircut90Bps: bigint;
  haircutDefaultedBps: bigint;
  staleMarkdownBps: bigint;
  triggerDelinquencyBps: bigint;
  triggerLossBps: bigint;
  maxAge: bigint;
}

/** The accounting parameters of a vault configuration (deploy/index.ts VaultConfig, numbers or bigints). */
export function modelParamsFromConfig(c: {
  [K in keyof ModelParams]: bigint | number;
}): ModelParams {
  return {
    seniorCouponBps: BigInt(c.seniorCouponBps),
    mezzanineCouponBps: BigInt(c.mezzanineCouponBps),
    minSubordinationBps: BigInt(c.minSubordinationBps),
    haircut30Bps: BigInt(c.haircut30Bps),
    haircut60Bps: BigInt(c.haircut60Bps),
    haircut90Bps: BigInt(c.haircut90Bps),
    haircutDefaultedBps: BigInt(c.haircutDefaultedBps),
    staleMarkdownBps: BigInt(c.staleMarkdownBps),
    triggerDelinquencyBps: BigInt(c.triggerDelinquencyBps),
    triggerLossBps: BigInt(c.triggerLossBps),
    maxAge: BigInt(c.maxAge),
  };
}

/** A pool's latest complete attestation as the vault reads it. */
export interface AttestedPool {
  period: bigint;
  asOfDate: bigint;
  figures: PoolFigures;
}

const BPS = 10_000n;
const DAY = 86_400n;
export const VIRTUAL_SHARES = 1_000_000n;
export const VIRTUAL_ASSETS = 1n;
/** A tranche whose claim is below this share of its realised claim takes no deposits. */
export const IMPAIRED_CLAIM_BPS = 5_000n;
export const MAX_ACTIVE_POOLS = 32;

/** Why a batch did not execute (the contract's BatchDeferred reason codes). */
export const DEFER = { locked: 1, impaired: 2, trigger: 3, cash: 4, subordination: 5 } as const;

const min = (a: bigint, b: bigint) => (a < b ? a : b);
/** floor(a * b / d) */
export const mulDiv = (a: bigint, b: bigint, d: bigint) => (a * b) / d;
/** ceil(a * b / d) */
export const mulDivUp = (a: bigint, b: bigint, d: bigint) => (a * b + d - 1n) / d;

/**
 * Loss realised when a newer period reports charge-offs. The attested chargedOff is cumulative over the
 * tape's loans, so only its increase since the position last saw the pool is new:
 * delta = max(chargedOff - seen, 0), loss = ceil(principal * delta / (outstanding + delta)).
 */
export function chargeOffLoss(principal: bigint, f: PoolFigures, seen = 0n): bigint {
  const delta = f.chargedOff > seen ? f.chargedOff - seen : 0n;
  const base = f.outstanding + delta;
  return base === 0n ? 0n : mulDivUp(principal, delta, base);
}

/** True when the attestation's asOfDate is within maxAge of `now` (seconds). */
export function isFresh(a: AttestedPool, p: ModelParams, now: bigint): boolean {
  return a.asOfDate * DAY + p.maxAge >= now;
}

/**
 * Provisional value of a position: principal less bucket haircuts, times (1 - staleMarkdownBps) when the
 * attestation is stale or breached; `staleCut` is the part of the cut due to staleness or the breach.
 */
export function poolMark(
  principal: bigint,
  a: AttestedPool,
  p: ModelParams,
  now: bigint,
): { value: bigint; staleCut: bigint } {
  const f = a.figures;
  if (f.outstanding === 0n || principal === 0n) return { value: 0n, staleCut: 0n };
  const weighted =
    p.haircut30Bps * f.bucket30 +
    p.haircut60Bps * f.bucket60 +
    p.haircut90Bps * f.bucket90 +
    p.haircutDefaultedBps * f.defaulted;
  const cut = mulDivUp(principal, weighted, BPS * f.outstanding);
  const value = cut >= principal ? 0n : principal - cut;
  if (isFresh(a, p, now) && f.breaches === 0n) return { value, staleCut: 0n };
  const marked = (value * (BPS - p.staleMarkdownBps)) / BPS;
  return { value: marked, staleCut: value - marked };
}

/** Value of a position (see poolMark). */
export function poolValue(principal: bigint, a: AttestedPool, p: ModelParams, now: bigint): bigint {
  return poolMark(principal, a, p, now).value;
}

/** The realised ledgers: principal balances, principal deficiencies, the trapped-residual reserve. */
export interface Ledgers {
  balances: Triple;
  pdl: Triple;
  reserve: bigint;
}

/**
 * The realised waterfall of one close. Loss: reserve, then junior, mezzanine, senior PDLs (each up to the
 * tranche's realised claim, balance - PDL). Income: senior coupon then mezzanine coupon (bps of the principal
 * balance), then - with the reserve released when the trigger is off - PDL cures senior first, then the
 * residual to junior, or to the reserve while the trigger is on.
 */
export function realisedWaterfall(
  l: Ledgers,
  loss: bigint,
  income: bigint,
  triggered: boolean,
  p: ModelParams,
): Ledgers {
  const b: Triple = [...l.balances];
  const d: Triple = [...l.pdl];
  let r = l.reserve;
  let hit = min(loss, r);
  r -= hit;
  loss -= hit;
  for (const i of [2, 1, 0] as const) {
    hit = min(loss, b[i] - d[i]);
    d[i] += hit;
    loss -= hit;
  }
  income -= min(loss, income);
  let pay = min(income, (b[0] * p.seniorCouponBps) / BPS);
  b[0] += pay;
  income -= pay;
  pay = min(income, (b[1] * p.mezzanineCouponBps) / BPS);
  b[1] += pay;
  income -= pay;
  if (!triggered) {
    income += r;
    r = 0n;
  }
  for (const i of [0, 1, 2] as const) {
    pay = min(income, d[i]);
    d[i] -= pay;
    income -= pay;
  }
  if (triggered) r += income;
  else b[2] += income;
  return { balances: b, pdl: d, reserve: r };
}

/**
 * The provisional markdown allocated junior first over the reserve and the realised claims: returns each
 * tranche's marked claim (the price basis) and the marked NAV.
 */
export function allocateMarkdown(l: Ledgers, markdown: bigint): { claims: Triple; nav: bigint } {
  let left = markdown;
  const hit = min(left, l.reserve);
  left -= hit;
  let nav = l.reserve - hit;
  const c: Triple = [0n, 0n, 0n];
  for (const i of [2, 1, 0] as const) {
    const realised = l.balances[i] - l.pdl[i];
    const h = min(left, realised);
    left -= h;
    c[i] = realised - h;
    nav += c[i];
  }
  return { claims: c, nav };
}

/** Junior + mezzanine at least `minBps` of the total (an empty vault satisfies it). */
export function subordinationOk(v: Triple, minBps: bigint): boolean {
  const total = v[0] + v[1] + v[2];
  return total === 0n || (v[1] + v[2]) * BPS >= minBps * total;
}

/** Subordination in bps, floor (10,000 for an empty vault). */
export function subordinationBps(v: Triple): bigint {
  const total = v[0] + v[1] + v[2];
  return total === 0n ? BPS : ((v[1] + v[2]) * BPS) / total;
}

/** Assets paid for `shares` at a tranche's price (claim, supply), floor, never above the claim. */
export function redeemValue(claim: bigint, supply: bigint, shares: bigint): bigint {
  const v = mulDiv(shares, claim + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);
  return v > claim ? claim : v;
}

/** Shares minted for `assets` at a tranche's price (claim, supply), floor. */
export function depositShares(claim: bigint, supply: bigint, assets: bigint): bigint {
  return mulDiv(assets, supply + VIRTUAL_SHARES, claim + VIRTUAL_ASSETS);
}

/** A pool position of the model. */
export interface ModelPosition {
  principal: bigint;
  lastPeriod: bigint;
  /** The pool's cumulative chargedOff when the position last realised or was funded. */
  chargedOffSeen: bigint;
  listed: boolean;
}

/** Result of one epoch close. */
export interface CloseResult {
  realisedLoss: bigint;
  income: bigint;
  markdown: bigint;
  staleCut: bigint;
  triggered: boolean;
  /** Marked NAV and claims after the waterfall and markdown, before the flows. */
  nav: bigint;
  afterWaterfall: Triple;
  ledgers: Ledgers;
  claims: Triple;
  supplies: Triple;
  /** Reason code per tranche when its batch was deferred (0: executed or empty). */
  deferredDeposits: number[];
  deferredRedemptions: number[];
}

type T = 0 | 1 | 2;

/** The vault's aggregate state and its transitions, mirroring the contract step by step. */
export class VaultModel {
  balances: Triple = [0n, 0n, 0n];
  pdl: Triple = [0n, 0n, 0n];
  claims: Triple = [0n, 0n, 0n];
  reserve = 0n;
  supplies: Triple = [0n, 0n, 0n];
  cash = 0n;
  pendingIncome = 0n;
  pendingLoss = 0n;
  cumulativeLoss = 0n;
  cumulativeFunded = 0n;
  triggered = false;
  lastCloseAt: bigint;
  pendingDeposits: Triple = [0n, 0n, 0n];
  pendingRedeemShares: Triple = [0n, 0n, 0n];
  depositInfoDay: Triple = [0n, 0n, 0n];
  redeemInfoDay: Triple = [0n, 0n, 0n];
  readonly positions = new Map<bigint, ModelPosition>();
  readonly params: ModelParams;

  constructor(params: ModelParams, deployedAt: bigint) {
    this.params = params;
    this.lastCloseAt = deployedAt;
  }

  private realise(pos: ModelPosition, a: AttestedPool): void {
    const loss = chargeOffLoss(pos.principal, a.figures, pos.chargedOffSeen);
    pos.principal -= loss;
    pos.lastPeriod = a.period;
    pos.chargedOffSeen = a.figures.chargedOff;
    this.pendingLoss += loss;
  }

  /**
   * An independent copy of the model (ledgers, requests, positions): what-if runs, e.g. the price a close
   * would set before deciding a request (analytics/projection.ts).
   */
  clone(): VaultModel {
    const c = new VaultModel(this.params, this.lastCloseAt);
    c.balances = [...this.balances];
    c.pdl = [...this.pdl];
    c.claims = [...this.claims];
    c.reserve = this.reserve;
    c.supplies = [...this.supplies];
    c.cash = this.cash;
    c.pendingIncome = this.pendingIncome;
    c.pendingLoss = this.pendingLoss;
    c.cumulativeLoss = this.cumulativeLoss;
    c.cumulativeFunded = this.cumulativeFunded;
    c.triggered = this.triggered;
    c.pendingDeposits = [...this.pendingDeposits];
    c.pendingRedeemShares = [...this.pendingRedeemShares];
    c.depositInfoDay = [...this.depositInfoDay];
    c.redeemInfoDay = [...this.redeemInfoDay];
    for (const [id, pos] of this.positions) c.positions.set(id, { ...pos });
    return c;
  }

  /** Active (listed) pools. */
  activePools(): number {
    return [...this.positions.values()].filter((p) => p.listed).length;
  }

  /** Funds `amount` into a pool (eligibility is the contract's; call only after it accepted). */
  include(poolId: bigint, amount: bigint, a: AttestedPool): void {
    let pos = this.positions.get(poolId);
    if (pos?.listed && a.period > pos.lastPeriod) this.realise(pos, a);
    if (pos === undefined || !pos.listed) {
      pos = {
        principal: pos?.principal ?? 0n,
        lastPeriod: a.period,
        chargedOffSeen: a.figures.chargedOff,
        listed: true,
      };
      this.positions.set(poolId, pos);
    }
    pos.principal += amount;
    this.cash -= amount;
    this.cumulativeFunded += amount;
  }

  /** Removes a pool (repaid, or written off when its attestation has no outstanding balance left). */
  removePool(poolId: bigint, a: AttestedPool): bigint {
    const pos = this.positions.get(poolId);
    if (pos === undefined || !pos.listed) throw refused("poolId", `${poolId} not listed`);
    const newLoss =
      a.period > pos.lastPeriod ? chargeOffLoss(pos.principal, a.figures, pos.chargedOffSeen) : 0n;
    if (pos.principal - newLoss !== 0n && a.figures.outstanding !== 0n)
      throw refused("poolId", `${poolId} is still active`);
    if (a.period > pos.lastPeriod) this.realise(pos, a);
    const written = pos.principal;
    this.pendingLoss += written;
    pos.principal = 0n;
    pos.listed = false;
    return written;
  }

  /** Collections paid in: `principal` (capped at the position) reduces it, the rest is income. */
  repay(poolId: bigint, principal: bigint, interest: bigint): void {
    const pos = this.positions.get(poolId);
    if (pos === undefined) throw refused("poolId", `${poolId} not funded`);
    if (principal > pos.principal) {
      interest += principal - pos.principal;
      principal = pos.principal;
    }
    pos.principal -= principal;
    this.cash += principal + interest;
    this.pendingIncome += interest;
  }

  /**
   * Whether the contract accepts a request: it must keep subordination at current prices even if every
   * pending request that helps it executed (mezzanine/junior deposits, senior redemptions) and none that
   * hurts it did; a pending, cancellable request never blocks another one.
   */
  requestAllowed(t: T, addAssets: bigint, redeemShares: bigint): boolean {
    if (t === 0 && redeemShares > 0n) return true;
    if (t !== 0 && addAssets > 0n) return true;
    const v: Triple = [...this.claims];
    v[0] -= redeemValue(this.claims[0], this.supplies[0], this.pendingRedeemShares[0]);
    v[1] += this.pendingDeposits[1];
    v[2] += this.pendingDeposits[2];
    const out = redeemValue(this.claims[t], this.supplies[t], redeemShares);
    v[t] = v[t] + addAssets - (out < v[t] ? out : v[t]);
    return subordinationOk(v, this.params.minSubordinationBps);
  }

  requestDeposit(t: T, assets: bigint): void {
    this.pendingDeposits[t] += assets;
    this.depositInfoDay[t] = this.lastCloseAt / DAY;
  }

  requestRedeem(t: T, shares: bigint): void {
    this.pendingRedeemShares[t] += shares;
    this.redeemInfoDay[t] = this.lastCloseAt / DAY;
  }

  /** A pending (not executed) deposit of `assets` withdrawn by its requester. */
  cancelDeposit(t: T, assets: bigint): void {
    if (assets > this.pendingDeposits[t]) throw refused("assets", `${assets} exceeds the pending deposits`);
    this.pendingDeposits[t] -= assets;
  }

  /** A pending (not executed) redemption of `shares` withdrawn by its requester. */
  cancelRedeem(t: T, shares: bigint): void {
    if (shares > this.pendingRedeemShares[t]) throw refused("shares", `${shares} exceeds the pending shares`);
    this.pendingRedeemShares[t] -= shares;
  }

  private impaired(t: T, claim: bigint, supply: bigint): boolean {
    // a PDL on this tranche or a senior one (cures go senior first)
    for (let i = 0; i <= t; i++) if (this.pdl[i] !== 0n) return true;
    if (t === 2 && (this.triggered || this.reserve !== 0n)) return true;
    if (supply === 0n) return false;
    return claim === 0n || claim * BPS < this.balances[t] * IMPAIRED_CLAIM_BPS;
  }

  /** Closes an epoch at time `now` given each funded pool's latest attestation. */
  closeEpoch(attestations: ReadonlyMap<bigint, AttestedPool>, now: bigint): CloseResult {
    const p = this.params;
    let principal = 0n;
    let value = 0n;
    let staleCut = 0n;
    let delinquent60 = 0n;
    let minAsOf: bigint | undefined;
    let locked = false;
    for (const [id, pos] of this.positions) {
      if (!pos.listed || pos.principal === 0n) continue;
      const a = attestations.get(id);
      if (a === undefined) throw refused("attestations", `missing pool ${id}`);
      if (a.period > pos.lastPeriod) this.realise(pos, a);
      const m = poolMark(pos.principal, a, p, now);
      principal += pos.principal;
      value += m.value;
      staleCut += m.staleCut;
      const f = a.figures;
      delinquent60 +=
        f.outstanding === 0n
          ? pos.principal
          : mulDiv(pos.principal, f.bucket60 + f.bucket90 + f.defaulted, f.outstanding);
      if (minAsOf === undefined || a.asOfDate < minAsOf) minAsOf = a.asOfDate;
      if (!isFresh(a, p, now) || f.breaches !== 0n) locked = true;
    }
    const loss = this.pendingLoss;
    const income = this.pendingIncome;
    this.pendingLoss = 0n;
    this.pendingIncome = 0n;
    this.cumulativeLoss += loss;
    const dBps = principal === 0n ? 0n : (delinquent60 * BPS) / principal;
    const lBps = this.cumulativeFunded === 0n ? 0n : (this.cumulativeLoss * BPS) / this.cumulativeFunded;
    this.triggered = dBps > p.triggerDelinquencyBps || lBps > p.triggerLossBps;
    const l = realisedWaterfall(
      { balances: this.balances, pdl: this.pdl, reserve: this.reserve },
      loss,
      income,
      this.triggered,
      p,
    );
    this.balances = [...l.balances];
    this.pdl = [...l.pdl];
    this.reserve = l.reserve;
    const markdown = principal - value;
    const { claims, nav } = allocateMarkdown(l, markdown);
    this.claims = [...claims];
    const snapC: Triple = [...claims];
    const snapS: Triple = [...this.supplies];
    // 0 = locked; no funded pool = no constraint
    const infoDay = locked ? 0n : (minAsOf ?? 2n ** 64n - 1n);
    const deferredDeposits = [0, 0, 0];
    const deferredRedemptions = [0, 0, 0];
    const deposit = (t: T, check: boolean) => {
      const assets = this.pendingDeposits[t];
      if (assets === 0n) return;
      if (infoDay <= this.depositInfoDay[t]) return void (deferredDeposits[t] = DEFER.locked);
      if (this.impaired(t, snapC[t], snapS[t])) return void (deferredDeposits[t] = DEFER.impaired);
      if (check) {
        const v: Triple = [...this.claims];
        v[t] += assets;
        if (!subordinationOk(v, p.minSubordinationBps))
          return void (deferredDeposits[t] = DEFER.subordination);
      }
      this.supplies[t] += depositShares(snapC[t], snapS[t], assets);
      this.claims[t] += assets;
      this.balances[t] += assets;
      this.cash += assets;
      this.pendingDeposits[t] = 0n;
    };
    const redeem = (t: T, check: boolean) => {
      const shares = this.pendingRedeemShares[t];
      if (shares === 0n) return;
      if (infoDay <= this.redeemInfoDay[t]) return void (deferredRedemptions[t] = DEFER.locked);
      if (t !== 0 && this.triggered) return void (deferredRedemptions[t] = DEFER.trigger);
      let assets = redeemValue(snapC[t], snapS[t], shares);
      if (assets > this.claims[t]) assets = this.claims[t];
      if (assets > this.cash) return void (deferredRedemptions[t] = DEFER.cash);
      if (check) {
        const v: Triple = [...this.claims];
        v[t] -= assets;
        if (!subordinationOk(v, p.minSubordinationBps))
          return void (deferredRedemptions[t] = DEFER.subordination);
      }
      this.claims[t] -= assets;
      this.balances[t] -= assets;
      this.cash -= assets;
      this.supplies[t] -= shares;
      this.pendingRedeemShares[t] = 0n;
    };
    deposit(2, false);
    deposit(1, false);
    redeem(0, false);
    deposit(0, true);
    redeem(1, true);
    redeem(2, true);
    this.lastCloseAt = now;
    return {
      realisedLoss: loss,
      income,
      markdown,
      staleCut,
      triggered: this.triggered,
      nav,
      afterWaterfall: snapC,
      ledgers: { balances: [...l.balances], pdl: [...l.pdl], reserve: l.reserve },
      claims: [...this.claims],
      supplies: [...this.supplies],
      deferredDeposits,
      deferredRedemptions,
    };
  }
}
