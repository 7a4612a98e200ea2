/**
 * `POST /v1/analytics` and `POST /v1/attestations/:id/analytics`: the analytics SDK behind the service,
 * with its validation, role and size refusals. The report must equal the SDK's own for the same input.
 *
 * One claim per test; the app is a fixture from `it`'s context (once per file).
 */
import { describe, expect, test } from "vitest";
import { analyzePool, type AnalysisInput } from "../../analytics/index.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { appFixture, type TestApp } from "./helpers.ts";

const input: AnalysisInput = {
  loans: Array.from({ length: 40 }, (_, i) => ({
    exposure: 1_000 + 37 * i,
    pd: 0.02 + (i % 5) * 0.01,
    lgd: 0.6,
  })),
  rho: 0.15,
  tranches: [
    { name: "junior", attachment: 0, detachment: 0.1 },
    { name: "senior", attachment: 0.1, detachment: 1 },
  ],
  simulation: { scenarios: 4_000, seed: 7 },
} as AnalysisInput;

const it = test.extend<{
  /** The in-process app (no job runner), once per file: the tests only read through it. */
  t: TestApp;
}>({
  t: appFixture({}, { runJobs: false }),
});

describe("analytics routes", () => {
  it("returns the same report as the SDK for the same input and seed", async ({ t }) => {
    const r = await t.req(t.keys.auditor, { method: "POST", url: "/v1/analytics", payload: input });
    expect(r.statusCode).toBe(200);
    const expected = JSON.parse(JSON.stringify(analyzePool(input)));
    expect(r.json()).toEqual(expected);
  });

  it("refuses a request without a key", async ({ t }) => {
    expect((await t.req(null, { method: "POST", url: "/v1/analytics", payload: input })).statusCode).toBe(
      401,
    );
  });

  it("refuses a malformed input as a validation problem", async ({ t }) => {
    const bad = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/analytics",
      payload: { ...input, tranches: [{ name: "x", attachment: 0.5, detachment: 0.2 }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().type).toBe(PROBLEM_BASE + "validation");
  });

  it("refuses too many scenarios", async ({ t }) => {
    const big = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/analytics",
      payload: { ...input, simulation: { scenarios: 2_000_000, seed: 1 } },
    });
    expect(big.statusCode).toBe(400);
  });

  it("answers 404 for an unknown attestation", async ({ t }) => {
    const r = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/attestations/no-such-attestation/analytics",
      payload: { tranches: [{ name: "all", attachment: 0, detachment: 1 }] },
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().type).toBe(PROBLEM_BASE + "not-found");
  });
});
