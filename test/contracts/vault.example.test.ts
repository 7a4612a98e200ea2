/**
 * The worked examples of docs/CONTRACTS.md ("Tranche vault", "Worked example"; "Cash reconciliation"), computed
 * with the vault's TypeScript models: if a rule changes, this test and the table change together. The contracts
 * agree with the models step by step in vault.property.test.ts and vault.reconcile.property.test.ts; the
 * reconciliation example is also run against the contracts in vault.reconcile.test.ts.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import {
  ReconciliationModel,
  VaultModel,
  modelParamsFromConfig,
  type AttestedPool,
  type CloseResult,
} from "../../sdk/index.ts";
import { healthyFigures } from "./helpers.ts";

const U = 1_000_000n;
const DAY = 86_400n;
/** USD rounded to cents, as the table prints it. */
const usd = (x: bigint) => Math.round(Number(x) / 1e4) / 100;

describe("the worked example of docs/CONTRACTS.md", () => {
  it("reproduces the table", () => {
    let now = 20_000n * DAY;
    const m = new VaultModel(modelParamsFromConfig(DEFAULT_VAULT_CONFIG), now);
    const atts = new Map<bigint, AttestedPool>();
    const fig = (o: Partial<ReturnType<typeof healthyFigures>> = {}) =>
      healthyFigures(10_000_000n, { bucket30: 200_000n, bucket60: 100_000n, ...o });
    let period = 0n;
    const attest = (days: bigint, o: Partial<ReturnType<typeof healthyFigures>> = {}) => {
      now += days * DAY;
      atts.set(1n, { period: ++period, asOfDate: now / DAY, figures: fig(o) });
    };
    const row = (r: CloseResult) => [
      r.ledgers.balances.map(usd),
      usd(r.ledgers.pdl[2]),
      usd(r.markdown),
      r.afterWaterfall.map(usd),
    ];
    m.requestDeposit(2, 150_000n * U);
    m.requestDeposit(1, 100_000n * U);
    m.requestDeposit(0, 750_000n * U);
    m.closeEpoch(atts, now);
    attest(1n);
    m.include(1n, 800_000n * U, atts.get(1n)!);
    attest(30n);
    m.repay(1n, 0n, 12_000n * U);
    expect(row(m.closeEpoch(atts, now))).toEqual([
      [757_500, 102_000, 152_500],
      0,
      8_000,
      [757_500, 102_000, 144_500],
    ]);
    attest(30n, { breaches: 8n });
    m.requestDeposit(1, 5_000n * U);
    const c2 = m.closeEpoch(atts, now);
    expect(row(c2)).toEqual([[757_500, 102_000, 152_500], 0, 404_000, [608_000, 0, 0]]);
    expect([usd(c2.staleCut), c2.deferredDeposits[1]]).toEqual([396_000, 1]);
    attest(1n);
    const c3 = m.closeEpoch(atts, now);
    expect(row(c3)).toEqual([[757_500, 102_000, 152_500], 0, 8_000, [757_500, 102_000, 144_500]]);
    expect(c3.deferredDeposits).toEqual([0, 0, 0]);
    attest(30n, { outstanding: 9_700_000n, chargedOff: 300_000n });
    m.repay(1n, 0n, 10_000n * U);
    m.requestDeposit(2, 1_000n * U);
    const c4 = m.closeEpoch(atts, now);
    expect(usd(c4.realisedLoss)).toBe(24_000);
    expect(row(c4)).toEqual([[765_075, 109_140, 152_500], 23_715, 8_000, [765_075, 109_140, 120_785]]);
    expect(c4.deferredDeposits[2]).toBe(2);
    attest(30n, { outstanding: 9_700_000n, chargedOff: 300_000n });
    m.repay(1n, 0n, 40_000n * U);
    const c5 = m.closeEpoch(atts, now);
    expect(row(c5)).toEqual([
      [772_725.75, 111_322.8, 158_951.45],
      0,
      8_000,
      [772_725.75, 111_322.8, 150_951.45],
    ]);
    expect(c5.deferredDeposits[2]).toBe(0);
    attest(30n, { outstanding: 9_700_000n, chargedOff: 300_000n, bucket60: 800_000n, bucket90: 400_000n });
    m.repay(1n, 0n, 12_000n * U);
    const c6 = m.closeEpoch(atts, now);
    expect([c6.triggered, usd(c6.ledgers.reserve)]).toEqual([true, 2_046.29]);
    expect(row(c6)).toEqual([
      [780_453.01, 113_549.26, 159_951.45],
      0,
      60_000,
      [780_453.01, 113_549.26, 101_997.74],
    ]);
    attest(30n, { outstanding: 9_700_000n, chargedOff: 300_000n });
    const c7 = m.closeEpoch(atts, now);
    expect([c7.triggered, usd(c7.ledgers.reserve)]).toEqual([false, 0]);
    expect(row(c7)).toEqual([
      [780_453.01, 113_549.26, 161_997.74],
      0,
      8_000,
      [780_453.01, 113_549.26, 153_997.74],
    ]);
  });
});

describe('the cash reconciliation example of docs/CONTRACTS.md ("Cash reconciliation")', () => {
  it("reproduces the table", () => {
    const m = new ReconciliationModel(100n, 1n);
    const totals = (opening: bigint, principal: bigint, interest: bigint, recoveries = 0n, prev = 0n) => ({
      prevPeriod: prev,
      opening: opening * U,
      principalCollected: principal * U,
      interestCollected: interest * U,
      recoveries: recoveries * U,
    });
    let principal = 400_000n * U;
    const repay = (p: bigint, i: bigint) => {
      principal -= p;
      m.remit(1n, p + i);
    };
    const row = (r: ReturnType<ReconciliationModel["reconcile"]>) => [
      usd(r.exposure),
      usd(r.due),
      usd(r.expected),
      usd(r.remitted),
      r.breached,
      r.change ?? "",
    ];
    m.fund(1n, 1n, principal);
    expect(m.fundingRefusal(1n, true)).toBeUndefined();
    repay(20_000n * U, 3_800n * U);
    const p2 = m.reconcile(1n, 2n, totals(4_000_000n, 200_000n, 30_000n, 10_000n, 1n), principal);
    expect(row(p2)).toEqual([400_000, 24_000, 24_000, 23_800, false, ""]);
    repay(19_000n * U, 1_000n * U);
    const p3 = m.reconcile(1n, 3n, totals(3_800_000n, 190_000n, 28_500n, 0n, 2n), principal);
    expect(row(p3)).toEqual([380_000, 21_850, 45_850, 43_800, true, "breach"]);
    expect(m.fundingRefusal(1n, true)).toEqual({
      name: "Reconcile__RemittanceShortfall",
      args: [1n, 45_850n * U, 43_800n * U],
    });
    repay(18_050n * U, 4_450n * U);
    const p4 = m.reconcile(1n, 4n, totals(3_610_000n, 180_500n, 27_075n, 0n, 3n), principal);
    expect(row(p4)).toEqual([361_000, 20_757.5, 66_607.5, 66_300, false, "cure"]);
    expect(m.fundingRefusal(1n, true)).toBeUndefined();
    expect(m.fundingRefusal(1n, false)).toEqual({ name: "Reconcile__NotContinuous", args: [1n] });
  });
});
