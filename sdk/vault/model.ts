/**
 * An independent TypeScript model of the tranche vault's accounting (contracts/vault/TrancheVault.sol):
 * pool values from attested figures, charge-off realisation, the per-epoch waterfall and the execution of
 * requests at epoch prices. The contract tests drive both with the same actions and require equal results.
 */
import type { PoolFigures } from "./signals.ts";

/** Tranche claims in asset units: [senior, mezzanine, junior]. */
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
  maxAge: bigint;
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

/** Value of a position: principal less bucket haircuts, marked down when stale or breached. */
export function poolValue(principal: bigint, a: AttestedPool, p: ModelParams, now: bigint): bigint {
  const f = a.figures;
  if (f.outstanding === 0n || principal === 0n) return 0n;
  const weighted =
    p.haircut30Bps * f.bucket30 +
    p.haircut60Bps * f.bucket60 +
    p.haircut90Bps * f.bucket90 +
    p.haircutDefaultedBps * f.defaulted;
  const cut = mulDivUp(principal, weighted, BPS * f.outstanding);
  let value = cut >= principal ? 0n : principal - cut;
  if (!isFresh(a, p, now) || f.breaches !== 0n) value = (value * (BPS - p.staleMarkdownBps)) / BPS;
  return value;
}

/**
 * The waterfall on a change of NAV: a gain pays the senior coupon, then the mezzanine coupon (each on the
 * tranche's claim, floor), junior takes the residual; a loss hits junior, then mezzanine, then senior.
 */
export function waterfall(claims: Triple, nav: bigint, p: ModelParams): Triple {
  const c: Triple = [...claims];
  const prev = c[0] + c[1] + c[2];
  if (nav >= prev) {
    let gain = nav - prev;
    const s = min(gain, (c[0] * p.seniorCouponBps) / BPS);
    c[0] += s;
    gain -= s;
    const m = min(gain, (c[1] * p.mezzanineCouponBps) / BPS);
    c[1] += m;
    c[2] += gain - m;
  } else {
    let loss = prev - nav;
    for (const i of [2, 1, 0] as const) {
      const hit = min(loss, c[i]);
      c[i] -= hit;
      loss -= hit;
    }
  }
  return c;
}

/** Junior + mezzanine at least `minBps` of the total (an empty vault satisfies it). */
export function subordinationOk(v: Triple, minBps: bigint): boolean {
  const total = v[0] + v[1] + v[2];
  return total === 0n || (v[1] + v[2]) * BPS >= minBps * total;
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
}

/** Result of one epoch close. */
export interface CloseResult {
  nav: bigint;
  afterWaterfall: Triple;
  claims: Triple;
  supplies: Triple;
  deferredDeposits: boolean[];
  deferredRedemptions: boolean[];
}

/** The vault's aggregate state and its transitions, mirroring the contract step by step. */
export class VaultModel {
  claims: Triple = [0n, 0n, 0n];
  supplies: Triple = [0n, 0n, 0n];
  cash = 0n;
  pendingDeposits: Triple = [0n, 0n, 0n];
  pendingRedeemShares: Triple = [0n, 0n, 0n];
  readonly positions = new Map<bigint, ModelPosition>();
  readonly params: ModelParams;

  constructor(params: ModelParams) {
    this.params = params;
  }

  private realise(pos: ModelPosition, a: AttestedPool): void {
    pos.principal -= chargeOffLoss(pos.principal, a.figures, pos.chargedOffSeen);
    pos.lastPeriod = a.period;
    pos.chargedOffSeen = a.figures.chargedOff;
  }

  /** Funds `amount` into a pool (eligibility is the contract's; call only after it accepted). */
  include(poolId: bigint, amount: bigint, a: AttestedPool): void {
    let pos = this.positions.get(poolId);
    if (pos !== undefined && a.period > pos.lastPeriod) this.realise(pos, a);
    if (pos === undefined) {
      pos = { principal: 0n, lastPeriod: a.period, chargedOffSeen: a.figures.chargedOff };
      this.positions.set(poolId, pos);
    }
    pos.principal += amount;
    this.cash -= amount;
  }

  /** Collections paid in: `principal` (capped at the position) reduces it, the rest is interest. */
  repay(poolId: bigint, principal: bigint, interest: bigint): void {
    const pos = this.positions.get(poolId);
    if (pos === undefined) throw new RangeError(`poolId: ${poolId} not funded`);
    if (principal > pos.principal) {
      interest += principal - pos.principal;
      principal = pos.principal;
    }
    pos.principal -= principal;
    this.cash += principal + interest;
  }

  /** Whether a request would keep the projected subordination (the contract refuses it otherwise). */
  requestAllowed(t: 0 | 1 | 2, addAssets: bigint, addShares: bigint): boolean {
    if (t === 0 && addShares > 0n) return true;
    if (t !== 0 && addAssets > 0n) return true;
    const v = [0, 1, 2].map((i) => {
      const shares = this.pendingRedeemShares[i]! + (i === t ? addShares : 0n);
      const out = redeemValue(this.claims[i]!, this.supplies[i]!, shares);
      return this.claims[i]! + this.pendingDeposits[i]! + (i === t ? addAssets : 0n) - out;
    }) as Triple;
    return subordinationOk(v, this.params.minSubordinationBps);
  }

  requestDeposit(t: 0 | 1 | 2, assets: bigint): void {
    this.pendingDeposits[t] += assets;
  }

  requestRedeem(t: 0 | 1 | 2, shares: bigint): void {
    this.pendingRedeemShares[t] += shares;
  }

  /** A pending (not executed) deposit of `assets` withdrawn by its requester. */
  cancelDeposit(t: 0 | 1 | 2, assets: bigint): void {
    if (assets > this.pendingDeposits[t])
      throw new RangeError(`assets: ${assets} exceeds the pending deposits`);
    this.pendingDeposits[t] -= assets;
  }

  /** A pending (not executed) redemption of `shares` withdrawn by its requester. */
  cancelRedeem(t: 0 | 1 | 2, shares: bigint): void {
    if (shares > this.pendingRedeemShares[t])
      throw new RangeError(`shares: ${shares} exceeds the pending shares`);
    this.pendingRedeemShares[t] -= shares;
  }

  /** Closes an epoch at time `now` given each funded pool's latest attestation. */
  closeEpoch(attestations: ReadonlyMap<bigint, AttestedPool>, now: bigint): CloseResult {
    let poolsValue = 0n;
    for (const [id, pos] of this.positions) {
      if (pos.principal === 0n) continue;
      const a = attestations.get(id);
      if (a === undefined) throw new RangeError(`attestations: missing pool ${id}`);
      if (a.period > pos.lastPeriod) this.realise(pos, a);
      poolsValue += poolValue(pos.principal, a, this.params, now);
    }
    const nav = this.cash + poolsValue;
    this.claims = waterfall(this.claims, nav, this.params);
    const afterWaterfall: Triple = [...this.claims];
    const snapC: Triple = [...this.claims];
    const snapS: Triple = [...this.supplies];
    const deferredDeposits = [false, false, false];
    const deferredRedemptions = [false, false, false];
    const deposit = (t: 0 | 1 | 2, check: boolean) => {
      const assets = this.pendingDeposits[t];
      if (assets === 0n) return;
      if (check) {
        const v: Triple = [...this.claims];
        v[t] += assets;
        if (!subordinationOk(v, this.params.minSubordinationBps)) return void (deferredDeposits[t] = true);
      }
      this.supplies[t] += depositShares(snapC[t], snapS[t], assets);
      this.claims[t] += assets;
      this.cash += assets;
      this.pendingDeposits[t] = 0n;
    };
    const redeem = (t: 0 | 1 | 2, check: boolean) => {
      const shares = this.pendingRedeemShares[t];
      if (shares === 0n) return;
      let assets = redeemValue(snapC[t], snapS[t], shares);
      if (assets > this.claims[t]) assets = this.claims[t];
      if (assets > this.cash) return void (deferredRedemptions[t] = true);
      if (check) {
        const v: Triple = [...this.claims];
        v[t] -= assets;
        if (!subordinationOk(v, this.params.minSubordinationBps)) return void (deferredRedemptions[t] = true);
      }
      this.claims[t] -= assets;
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
    return {
      nav,
      afterWaterfall,
      claims: [...this.claims],
      supplies: [...this.supplies],
      deferredDeposits,
      deferredRedemptions,
    };
  }
}
