// The roll-forward's public layout is declared once (prover/rollforward/layout.ts): the catalogue's entries
// use the same signal names, the words round-trip, and the flow word has a fixed test vector (docs/CIRCUITS.md).
import { describe, expect, it } from "vitest";
import { loadCatalogue } from "../../pipeline/catalogue.ts";
import {
  FLOW_WORD,
  ROLLFORWARD_PUBLIC_SIGNALS,
  packFlows,
  packTotals,
  unpackTotals,
  unpackWord,
  zeroTotals,
  type LoanRecord,
} from "../../prover/index.ts";

describe("roll-forward layout", () => {
  it("every RollForwardChunk instance of circuits/circuits.json has the declared public signals", () => {
    const entries = loadCatalogue().filter((c) => c.template === "RollForwardChunk");
    expect(entries.map((c) => c.name).sort()).toEqual(["rollforward-chunk-256", "rollforward-chunk-8"]);
    for (const c of entries) expect(c.publicSignals).toEqual([...ROLLFORWARD_PUBLIC_SIGNALS]);
  });

  it("totals round-trip through rfA, rfB, rfC and refuse what does not fit", () => {
    const t = {
      ...zeroTotals(),
      opening: (1n << 62n) - 1n,
      recoveries: 5n,
      originations: 7n,
      exitsServicingTransfer: 3n,
      modifiedCount: 65_535n,
    };
    const w = packTotals(t);
    expect(unpackTotals(w.rfA, w.rfB, w.rfC)).toEqual(t);
    expect(() => packTotals({ ...t, exitsSold: 65_536n })).toThrow(/exitsSold: 65536 does not fit 16 bits/);
  });

  it("flow word test vector: the period fields packed from bit 0 (adjustment as magnitude and sign)", () => {
    const r = {
      principalCollected: 25_000n,
      interestCollected: 6_000n,
      recoveries: 0n,
      principalAdjustment: -1_500n,
      adjustmentReason: 3,
      exitCode: 1,
      exitDate: 20_746,
      modified: true,
    } as LoanRecord;
    const w = packFlows(r);
    expect(w).toBe(
      25_000n |
        (6_000n << 48n) |
        (1_500n << 144n) |
        (1n << 192n) |
        (3n << 193n) |
        (1n << 196n) |
        (20_746n << 199n) |
        (1n << 215n),
    );
    expect(unpackWord(FLOW_WORD, w)).toMatchObject({
      adjustmentMagnitude: 1_500n,
      adjustmentNegative: 1n,
      exitDate: 20_746n,
    });
    expect(packFlows(undefined)).toBe(0n);
  });
});
