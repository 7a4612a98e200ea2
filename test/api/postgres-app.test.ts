/**
 * The whole app on PostgreSQL storage (a fresh schema, dropped afterwards): keys, an encrypted tape, a
 * commitment job, openings and a real proof job go through the same routes as on SQLite. Skipped, with a
 * message, only when no PostgreSQL server answers (CI starts one).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { PostgresStorage } from "../../verifier-api/storage/index.ts";
import { smallTape, startTestApp, waitJob, type TestApp } from "./helpers.ts";
import { PG_URL, postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the app-on-PostgreSQL test");

describe.skipIf(!havePg)("the service on PostgreSQL", () => {
  let t: TestApp;
  let storage: PostgresStorage;
  beforeAll(async () => {
    storage = new PostgresStorage(PG_URL, `rwa_app_${process.pid}_${randomBytes(4).toString("hex")}`, 4);
    await storage.migrate();
    t = await startTestApp({ storage: "postgres" }, { storage });
  });
  afterAll(async () => {
    await t?.app.close();
    await storage.dropSchema();
    await storage.close();
    await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
  });

  it("uploads, commits, opens and proves", async () => {
    expect((await t.req(null, { url: "/ready" })).json().storage).toBe("postgres");
    const up = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "application/json" },
      payload: formatTapeJson(smallTape(10)),
    });
    expect(up.statusCode).toBe(201);
    const id = up.json().id as string;
    expect((await t.req(t.keys.origB, { url: `/v1/tapes/${id}` })).statusCode).toBe(403);
    const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${id}/commitment` });
    expect(commit.statusCode).toBe(202);
    expect((await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${id}/commitment` })).json().id).toBe(
      commit.json().id,
    );
    expect((await waitJob(t, t.keys.origA, commit.json().id)).state).toBe("succeeded");
    const open = await t.req(t.keys.auditor, {
      method: "POST",
      url: `/v1/tapes/${id}/openings`,
      payload: { seed: "postgres-auditor-seed", count: 2 },
    });
    expect(open.statusCode).toBe(200);
    expect(open.json().openings).toHaveLength(2);
    const proof = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/proofs",
      payload: { instance: "example-multiplier", input: { a: 3, b: 11, c: 33 } },
    });
    const done = await waitJob(t, t.keys.origA, proof.json().id);
    expect(done.state).toBe("succeeded");
    const result = done.result as { proof: object; publicSignals: string[] };
    const r = { proof: result.proof, publicSignals: result.publicSignals };
    const v = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/verify",
      payload: { instance: "example-multiplier", ...r },
    });
    expect(v.json().valid).toBe(true);
    expect(
      (
        await t.req(t.keys.auditor, {
          method: "POST",
          url: "/v1/verify",
          payload: { instance: "example-multiplier", ...r, publicSignals: ["34"] },
        })
      ).json().valid,
    ).toBe(false);
  });
});
