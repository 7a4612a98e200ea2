/**
 * The worked example of docs/CONTRACTS.md ("Tranche vault", "Worked example"), computed with the vault's
 * TypeScript model: if a rule changes, this test and the table change together. The contract agrees with the
 * model step by step in vault.property.test.ts.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_VAULT_CONFIG } from "../../deploy/index.ts";
import { VaultModel, modelParamsFromConfig, type AttestedPool, type CloseResult } from "../../sdk/index.ts";
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
