/**
 * The service's error edges (docs/ARCHITECTURE.md, "Errors"): a library's coded error becomes the problem
 * type of `CODE_PROBLEM` with its problems as `errors`, also when it comes back from a worker process; a
 * TypeError from a bug is a 500 whose detail stays in the log; the job runner fails a coded error for good
 * (`JOB_FAILURE`) and retries anything else.
 *
 * One claim per test; the apps are fixtures from `it`'s context: one per file to read through, and one of
 * the test's own to break.
 */
import { describe, expect, test } from "vitest";
import type { AnalysisInput } from "../../analytics/index.ts";
import { CodedError, validatePolicy } from "../../prover/index.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { JOB_FAILURE, PermanentJobError, permanentKind } from "../../verifier-api/jobs/runner.ts";
import { appFixture, startTestApp, type TestApp } from "./helpers.ts";

const input = {
  loans: Array.from({ length: 10 }, () => ({ exposure: 1_000, pd: 0.02, lgd: 0.6 })),
  rho: 0.15,
  tranches: [
    { name: "junior", attachment: 0, detachment: 0.1 },
    { name: "senior", attachment: 0.1, detachment: 1 },
  ],
  simulation: { scenarios: 1_000, seed: 7 },
} as AnalysisInput;

const it = test.extend<{
  /** The in-process app (no job runner), once per file: the tests only read through it. */
  t: TestApp;
  /** An app of the test's own, to break. */
  own: TestApp;
}>({
  t: appFixture({}, { runJobs: false }),
  own: async ({}, use) => {
    const own = await startTestApp({}, { runJobs: false });
    await use(own);
    await own.app.close();
  },
});

describe("the HTTP edge", () => {
  it("a coded error thrown in the analytics worker process is a 400 with the library's problem", async ({
    t,
  }) => {
    const r = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/analytics",
      payload: { ...input, tranches: [{ name: "x", attachment: 0.5, detachment: 0.2 }] },
    });
    expect(r.statusCode).toBe(400);
    const body = r.json() as { type: string; errors?: { field: string; reason: string }[] };
    expect(body.type).toBe(PROBLEM_BASE + "validation");
    // the analytics library's own words, carried across the process boundary with their field
    expect(body.errors).toEqual([{ field: "tranches[0].detachment", reason: "must be in (attachment, 1]" }]);
  });

  it("a TypeError from a bug is a 500 internal, its message kept out of the response", async ({ own }) => {
    own.app.services.storage.getTape = async () =>
      (undefined as unknown as { secretFieldOfABug: () => never }).secretFieldOfABug();
    const r = await own.req(own.keys.origA, { url: "/v1/tapes/tape_x" });
    expect(r.statusCode).toBe(500);
    expect((r.json() as { type: string }).type).toBe(PROBLEM_BASE + "internal");
    expect(r.body).not.toContain("secretFieldOfABug");
  });
});

describe("the job edge", () => {
  it("a coded error fails the job for good under its code", () => {
    let policyError: unknown;
    try {
      validatePolicy({ maxLtvBps: -1 });
    } catch (err) {
      policyError = err;
    }
    expect(policyError).toBeInstanceOf(CodedError);
    expect(JOB_FAILURE["policy-invalid"]).toBe("permanent");
    expect(permanentKind(policyError)).toBe("policy-invalid");
  });

  it("a PermanentJobError fails the job for good under its kind", () => {
    expect(permanentKind(new PermanentJobError("not-committed", "no commitment"))).toBe("not-committed");
  });

  it("a bug or a transient error is retried", () => {
    expect(permanentKind(new TypeError("cannot read properties of undefined"))).toBeUndefined();
    expect(permanentKind(new Error("connection reset"))).toBeUndefined();
  });
});
