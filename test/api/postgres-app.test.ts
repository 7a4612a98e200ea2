/**
 * The whole app on PostgreSQL storage (a fresh schema, dropped afterwards): keys, an encrypted tape, a
 * commitment job, openings and a real proof job go through the same routes as on SQLite. Skipped, with a
 * message, only when no PostgreSQL server answers (CI starts one).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them), each stage building on the one before: the app on PostgreSQL, a 10-loan tape uploaded by
 * originator A (`uploaded`), its commitment asked for twice (`committed`) and its job ended (`commitJob`),
 * the auditor's opening of 2 loans (`opened`), and a proof job of 3 × 11 = 33 (`proved`).
 */
import type { LightMyRequestResponse } from "fastify";
import { afterAll, describe, expect, test } from "vitest";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { postgresAppFixture, smallTape, waitJob, type PostgresTestApp } from "./helpers.ts";
import { postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the app-on-PostgreSQL test");

interface ProofResult {
  proof: object;
  publicSignals: string[];
}

const it = test.extend<{
  t: PostgresTestApp;
  /** The tape uploaded as JSON by originator A: the answer and the tape's id. */
  uploaded: { r: LightMyRequestResponse; id: string };
  /** `uploaded`'s commitment asked for, and asked for again. */
  committed: { first: LightMyRequestResponse; again: LightMyRequestResponse };
  /** `committed`'s job, ended. */
  commitJob: Record<string, unknown>;
  /** The auditor's opening of 2 loans of `committed`. */
  opened: LightMyRequestResponse;
  /** Originator A's proof job of 3 × 11 = 33, ended. */
  proved: Record<string, unknown>;
}>({
  t: postgresAppFixture("rwa_app"),
  uploaded: [
    async ({ t }, use) => {
      const r = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: formatTapeJson(smallTape(10)),
      });
      await use({ r, id: r.json().id as string });
    },
    { scope: "file" },
  ],
  committed: [
    async ({ t, uploaded: { id } }, use) => {
      const first = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${id}/commitment` });
      const again = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${id}/commitment` });
      await use({ first, again });
    },
    { scope: "file" },
  ],
  commitJob: [
    async ({ t, committed }, use) => use(await waitJob(t, t.keys.origA, committed.first.json().id)),
    { scope: "file" },
  ],
  opened: [
    async ({ t, uploaded: { id }, commitJob }, use) => {
      void commitJob;
      await use(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: `/v1/tapes/${id}/openings`,
          payload: { seed: "postgres-auditor-seed", count: 2 },
        }),
      );
    },
    { scope: "file" },
  ],
  proved: [
    async ({ t }, use) => {
      const proof = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        payload: { instance: "example-multiplier", input: { a: 3, b: 11, c: 33 } },
      });
      await use(await waitJob(t, t.keys.origA, proof.json().id));
    },
    { scope: "file" },
  ],
});

/** The auditor's verification of `proved`'s proof with `publicSignals` (by default its own). */
const verify = async (t: PostgresTestApp, proved: Record<string, unknown>, publicSignals?: string[]) => {
  const result = proved.result as ProofResult;
  const r = await t.req(t.keys.auditor, {
    method: "POST",
    url: "/v1/verify",
    payload: {
      instance: "example-multiplier",
      proof: result.proof,
      publicSignals: publicSignals ?? result.publicSignals,
    },
  });
  return r.json().valid as unknown;
};

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe.skipIf(!havePg)("the service on PostgreSQL", () => {
  it("is ready on PostgreSQL storage", async ({ t }) => {
    expect((await t.req(null, { url: "/ready" })).json().storage).toBe("postgres");
  });

  it("stores an uploaded tape", ({ uploaded }) => {
    expect(uploaded.r.statusCode).toBe(201);
  });

  it("refuses another originator the tape", async ({ t, uploaded }) => {
    expect((await t.req(t.keys.origB, { url: `/v1/tapes/${uploaded.id}` })).statusCode).toBe(403);
  });

  it("accepts the tape's commitment as a job", ({ committed }) => {
    expect(committed.first.statusCode).toBe(202);
  });

  it("answers the commitment asked for again with the same job", ({ committed }) => {
    expect(committed.again.json().id).toBe(committed.first.json().id);
  });

  it("finishes the commitment job", ({ commitJob }) => {
    expect(commitJob.state).toBe("succeeded");
  });

  it("opens the 2 loans the auditor asks for", ({ opened }) => {
    expect(opened.statusCode).toBe(200);
    expect(opened.json().openings).toHaveLength(2);
  });

  it("finishes a proof job", ({ proved }) => {
    expect(proved.state).toBe("succeeded");
  });

  it("verifies the job's proof", async ({ t, proved }) => {
    expect(await verify(t, proved)).toBe(true);
  });

  it("does not verify the job's proof with another public signal", async ({ t, proved }) => {
    expect(await verify(t, proved, ["34"])).toBe(false);
  });
});
