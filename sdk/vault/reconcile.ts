/**
 * An independent TypeScript model of the vault's cash reconciliation (contracts/vault/CashReconciler.sol),
 * written from docs/CONTRACTS.md ("Cash reconciliation"): per pool, from its first funding after the
 * reconciler was set, the roll-forward chain's periods in order, each period's collections attributed to the
 * vault's exposure, the cumulative expectation against the cumulative remittances, and the breach that stops
 * new funding. The contract tests drive both with the same actions and require equal results.
 */

/** The period totals the reconciliation reads (IRollForwardRegistry.PeriodTotals, the fields it uses). */
export interface ReconcileTotals {
  prevPeriod: bigint;
  opening: bigint;
  principalCollected: bigint;
  interestCollected: bigint;
  recoveries: bigint;
}

/** A pool's reconciliation (ICashReconciler.Reconciliation). */
export interface ModelReconciliation {
  remitted: bigint;
  since: bigint;
  lastPeriod: bigint;
  breached: boolean;
  expected: bigint;
  exposure: bigint;
}

/** A refusal, named as the contract's custom error, with its arguments. */
export interface Refusal {
  name: string;
  args: (bigint | boolean)[];
}

/** What one reconciliation did (the contract's PeriodReconciled, and RemittanceBreach/Cured on a change). */
export interface ReconcileResult {
  exposure: bigint;
  due: bigint;
  expected: bigint;
  remitted: bigint;
  breached: boolean;
  /** "breach" or "cure" when the flag changed, else undefined. */
  change?: "breach" | "cure";
}

const BPS = 10_000n;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The period's collections attributed to `exposure` (vault asset units): floor(min(exposure, opening · unit) ·
 * (principal + interest + recoveries) / opening), 0 when opening is 0, with `unit` the asset units per minor
 * unit of the tape (the totals are in the tape's). Rounded down (in the originator's favour): a breach is an
 * accusation, so rounding never makes one.
 */
export function attributableCollections(
  exposure: bigint,
  t: Omit<ReconcileTotals, "prevPeriod">,
  unit: bigint,
): bigint {
  if (t.opening === 0n) return 0n;
  return (
    (min(exposure, t.opening * unit) * (t.principalCollected + t.interestCollected + t.recoveries)) /
    t.opening
  );
}

/** True when the cumulative shortfall is beyond `toleranceBps` of the cumulative expectation. */
export function isRemittanceBreach(expected: bigint, remitted: bigint, toleranceBps: bigint): boolean {
  return expected > remitted && (expected - remitted) * BPS > toleranceBps * expected;
}

/** The reconciliation of every pool of one vault. */
export class ReconciliationModel {
  readonly toleranceBps: bigint;
  /** Units of the vault's asset per minor unit of the tape (the contract's assetPerTapeUnit). */
  readonly assetPerTapeUnit: bigint;
  readonly pools = new Map<bigint, ModelReconciliation>();

  constructor(toleranceBps: bigint, assetPerTapeUnit: bigint) {
    this.toleranceBps = toleranceBps;
    this.assetPerTapeUnit = assetPerTapeUnit;
  }

  /** A pool's record (all zero before its reconciliation starts). */
  of(poolId: bigint): ModelReconciliation {
    return (
      this.pools.get(poolId) ?? {
        remitted: 0n,
        since: 0n,
        lastPeriod: 0n,
        breached: false,
        expected: 0n,
        exposure: 0n,
      }
    );
  }

  /** A funding on the attestation of `period`, leaving the vault's principal at `principal`. */
  fund(poolId: bigint, period: bigint, principal: bigint): void {
    if (this.of(poolId).since !== 0n) return;
    this.pools.set(poolId, { ...this.of(poolId), since: period, exposure: principal });
  }

  /** Cash remitted through the vault's repay (counted once the pool's reconciliation has started). */
  remit(poolId: bigint, amount: bigint): void {
    const r = this.pools.get(poolId);
    if (r !== undefined && r.since !== 0n) r.remitted += amount;
  }

  /** Why the vault may not fund the pool (breach first, then continuity), or undefined. */
  fundingRefusal(poolId: bigint, continuous: boolean): Refusal | undefined {
    const r = this.of(poolId);
    if (r.breached) return { name: "Reconcile__RemittanceShortfall", args: [poolId, r.expected, r.remitted] };
    if (!continuous) return { name: "Reconcile__NotContinuous", args: [poolId] };
    return undefined;
  }

  /** Why `reconcile(poolId, period)` is refused, given the period's recorded totals (undefined: not recorded). */
  refusal(poolId: bigint, period: bigint, totals: ReconcileTotals | undefined): Refusal | undefined {
    const r = this.of(poolId);
    if (r.since === 0n) return { name: "Reconcile__NotStarted", args: [poolId] };
    if (period <= r.since) return { name: "Reconcile__PeriodBeforeFunding", args: [poolId, period, r.since] };
    if (period <= r.lastPeriod)
      return { name: "Reconcile__AlreadyReconciled", args: [poolId, period, r.lastPeriod] };
    if (totals === undefined) return { name: "Reconcile__PeriodNotRecorded", args: [poolId, period] };
    const prev = r.lastPeriod === 0n ? r.since : r.lastPeriod;
    if (totals.prevPeriod !== prev)
      return { name: "Reconcile__OutOfOrder", args: [poolId, period, totals.prevPeriod, prev] };
    return undefined;
  }

  /**
   * Reconciles `period` (call only when `refusal` is undefined); `principalNow` is the vault's principal in
   * the pool now, the exposure the next period is attributed at.
   */
  reconcile(poolId: bigint, period: bigint, totals: ReconcileTotals, principalNow: bigint): ReconcileResult {
    const why = this.refusal(poolId, period, totals);
    if (why !== undefined) throw new Error(`${why.name}(${why.args.join(", ")})`);
    const r = this.pools.get(poolId)!;
    const exposure = r.exposure;
    const due = attributableCollections(exposure, totals, this.assetPerTapeUnit);
    r.expected += due;
    r.lastPeriod = period;
    r.exposure = principalNow;
    const breached = isRemittanceBreach(r.expected, r.remitted, this.toleranceBps);
    const change = breached === r.breached ? undefined : breached ? "breach" : "cure";
    r.breached = breached;
    return { exposure, due, expected: r.expected, remitted: r.remitted, breached, change };
  }
}
