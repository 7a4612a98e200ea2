/**
 * A PostgreSQL outage, as an instance sees it (issue 18, item 5): the instance reaches the database through
 * a TCP proxy that the test cuts (closing the listener and every connection) and restores on the same
 * port; the shared PostgreSQL server itself is never touched. During the outage `POST /v1/verify` keeps
 * answering for keys seen before, `/ready` answers 503 with Retry-After, the log stays quiet (back-off), and
 * a job that finishes meanwhile keeps its result until the store is back. Skipped, with a message, when no
 * PostgreSQL server answers.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { buildApp } from "../../verifier-api/http/app.ts";
import { ADMIN_KEY, smallTape, testConfig } from "./helpers.ts";
import { PG_URL, PgProxy, postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the outage test");

const schema = `rwa_outage_${process.pid}_${randomBytes(4).toString("hex")}`;
afterAll(async () => {
  if (!havePg) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe.skipIf(!havePg)("a PostgreSQL outage", () => {
  it("verifies, reports not ready with Retry-After, logs quietly and keeps finished results", async () => {
    const proxy = new PgProxy();
    await proxy.start();
    const url = new URL(PG_URL);
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const lines: { level: number; msg: string; time: number }[] = [];
    const app = await buildApp(
      testConfig({
        storage: "postgres",
        postgresUrl: url.toString(),
        postgresSchema: schema,
        logLevel: "warn",
        verifyInstances: ["example-multiplier"],
      }),
      { logStream: { write: (l: string) => void lines.push(JSON.parse(l)) } },
    );
    try {
      await app.ready();
      const call = (key: string | null, method: "GET" | "POST", path: string, payload?: unknown) =>
        app.inject({
          method,
          url: path,
          headers: key ? { authorization: `Bearer ${key}` } : {},
          ...(payload === undefined
            ? {}
            : typeof payload === "string"
              ? { payload, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }
              : { payload: payload as object }),
        });
      const issue = async (role: string, owner: string) =>
        (await call(ADMIN_KEY, "POST", "/v1/admin/api-keys", { role, owner })).json().key as string;
      const orig = await issue("originator", "orig-a");
      const aud = await issue("auditor", "aud");
      // a real proof to verify
      const proofJob = (
        await call(orig, "POST", "/v1/proofs", {
          instance: "example-multiplier",
          input: { a: 3, b: 11, c: 33 },
        })
      ).json().id as string;
      const jobOf = async (id: string) => (await call(orig, "GET", `/v1/jobs/${id}`)).json();
      const waitFor = async (id: string, state: string, ms: number) => {
        const end = Date.now() + ms;
        for (;;) {
          const j = await jobOf(id);
          if (j.state === state) return j;
          if (Date.now() > end) throw new Error(`job ${id} is ${JSON.stringify(j)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const proved = await waitFor(proofJob, "succeeded", 120_000);
      const verifyBody = {
        instance: "example-multiplier",
        proof: proved.result.proof,
        publicSignals: ["33"],
      };
      expect((await call(aud, "POST", "/v1/verify", verifyBody)).json().valid).toBe(true);
      // a commitment of a larger tape, running when the store goes away
      const up = await call(orig, "POST", "/v1/tapes", formatTapeJson(smallTape(2500, "outage")));
      expect(up.statusCode).toBe(201);
      const commitJob = (await call(orig, "POST", `/v1/tapes/${up.json().id}/commitment`)).json()
        .id as string;
      await waitFor(commitJob, "running", 30_000);
      // its tape read and the commitment under way (the stage comes with a heartbeat)
      for (const end = Date.now() + 30_000; (await jobOf(commitJob)).stage !== "commit";) {
        if (Date.now() > end) throw new Error("the commitment did not start");
        await new Promise((r) => setTimeout(r, 50));
      }

      await proxy.cut();
      const cutAt = Date.now();
      const before = lines.length;
      // past the key cache's 5 s: the lookups now fail and the cached answers stand in
      await new Promise((r) => setTimeout(r, 6_000));
      const v = await call(aud, "POST", "/v1/verify", verifyBody);
      expect(v.statusCode, v.body).toBe(200);
      expect(v.json().valid).toBe(true);
      expect(app.services.auth.staleAnswers).toBeGreaterThan(0); // the key lookup failed; its cached answer stood in
      const bad = await call(aud, "POST", "/v1/verify", { ...verifyBody, publicSignals: ["34"] });
      expect(bad.json().valid).toBe(false);
      const ready = await call(null, "GET", "/ready");
      expect(ready.statusCode).toBe(503);
      expect(ready.headers["retry-after"]).toBe("5");
      expect(ready.headers["content-type"]).toMatch(/problem\+json/);
      // a key never seen before cannot be checked: 503 with Retry-After, not a wrong 401
      const unknown = await call(
        `rwa_auditor_${randomBytes(16).toString("hex")}`,
        "POST",
        "/v1/verify",
        verifyBody,
      );
      expect(unknown.statusCode).toBe(503);
      expect(unknown.headers["retry-after"]).toBeDefined();
      for (let i = 0; i < 10; i++) await call(null, "GET", "/ready");
      await new Promise((r) => setTimeout(r, 4_000));
      const seconds = (Date.now() - cutAt) / 1000;
      const during = lines.slice(before).filter((l) => l.level >= 40);
      // back-off: a handful of lines for the whole outage (the runner, the readiness probe), not 4 a second
      expect(during.length).toBeLessThan(seconds);
      expect(during.some((l) => /backing off/.test(l.msg))).toBe(true);

      await proxy.start(); // the same port: the store is back
      const done = await waitFor(commitJob, "succeeded", 120_000);
      expect(done.result.root).toMatch(/^[0-9]+$/);
      expect(done.attempts).toBe(1); // kept and written, not redone
      const tape = (await call(orig, "GET", `/v1/tapes/${up.json().id}/commitment`)).json();
      expect(tape.root).toBe(done.result.root);
      const end = Date.now() + 10_000;
      while ((await call(null, "GET", "/ready")).statusCode !== 200) {
        if (Date.now() > end) throw new Error("not ready after the store came back");
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(lines.some((l) => /works again/.test(l.msg))).toBe(true);
    } finally {
      await app.close();
      await proxy.cut();
    }
  }, 300_000);
});
