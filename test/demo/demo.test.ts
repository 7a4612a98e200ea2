/**
 * The demo (`npm start`) at a small size: its attested figures must be what the independent model predicts
 * from the tapes, its report must show them, and the second period's losses must reach junior first.
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "../../cli/demo.ts";
import { money, renderDemoReport } from "../../cli/report.ts";
import { terminateCurves } from "../../pipeline/build.ts";

const reportPath = join(tmpdir(), `rwa-demo-${process.pid}.html`);
let result: DemoResult;

afterAll(async () => {
  rmSync(reportPath, { force: true });
  await terminateCurves();
});

describe("demo at a small size", () => {
  it("runs end to end", async () => {
    result = await runDemo({
      loans: 24,
      instance: "pool-attestation-8",
      reportPath,
      scenarios: 5_000,
      quiet: true,
    });
    expect(result.attestations).toHaveLength(2);
  });

  it("attests exactly the figures the TypeScript model predicts", () => {
    for (const [i, att] of result.attestations.entries()) {
      expect(att.figures).toEqual(result.modelFigures[i]);
      expect(att.chunkCount).toBe(3);
    }
  });

  it("writes a report that shows the attested figures and tranche values", () => {
    const html = readFileSync(reportPath, "utf8");
    for (const att of result.attestations) {
      expect(html).toContain(money(att.figures.outstanding, 2));
      expect(html).toContain(money(att.figures.defaulted, 2));
    }
    const last = result.tranches[result.tranches.length - 1]!;
    expect(html).toContain(money(last.junior, 6));
    expect(html).toContain("<svg");
    expect(html).toContain("Development keys");
    expect(html).toContain("<p>24 loans proven in 3 chunk proofs in ");
  });

  it("counts one loan and one chunk proof in the singular", () => {
    const att = result.attestations[0]!;
    const html = renderDemoReport({
      generatedAt: "2026-12-03T00:00:00Z",
      currency: "USD",
      poolDecimals: 2,
      vaultDecimals: 6,
      chainId: 31337n,
      registry: att.registry,
      vault: att.registry,
      instance: "pool-attestation-8",
      development: true,
      periods: [
        {
          period: att.period,
          asOfDate: "2026-01-31",
          loanCount: 1,
          chunkCount: 1,
          statuses: [{ name: "performing", count: 1, balance: 100_00n }],
          scoreBands: [{ band: "700-749", count: 1 }],
          figures: att.figures,
          proofSeconds: 1,
          submitGas: [250_000n],
        },
      ],
      tranches: result.tranches,
      steps: [],
    });
    expect(html).toContain("<p>1 loan proven in 1 chunk proof in ");
  });

  it("loses junior first: a senior loss only once junior and mezzanine are gone", () => {
    const [, p1, p2] = result.tranches;
    expect(p1 && p2).toBeTruthy();
    expect(p2!.junior).toBeLessThanOrEqual(p1!.junior);
    if (p2!.mezzanine < p1!.mezzanine) expect(p2!.junior).toBe(0n);
    if (p2!.senior < p1!.senior) expect(p2!.mezzanine).toBe(0n);
    const lost = p1!.junior + p1!.mezzanine + p1!.senior - (p2!.junior + p2!.mezzanine + p2!.senior);
    expect(lost).toBeGreaterThanOrEqual(0n);
  });

  it("every chunk submission was verified on-chain and cost gas", () => {
    expect(result.gas.submitPerChunk).toHaveLength(6);
    for (const g of result.gas.submitPerChunk) expect(g).toBeGreaterThan(200_000n);
  });
});
