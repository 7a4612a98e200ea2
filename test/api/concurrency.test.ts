/**
 * Two service instances on one store, as a deployment runs them: started together on a fresh store (the
 * numbered migrations and the bootstrap admin key, under a lock), and auditors' openings fired at both at
 * once (the per-tape budget of revealed loans, decided and recorded in one atomic step). On PostgreSQL (a
 * fresh schema per case, dropped afterwards; skipped with a message when no server answers) and on one
 * SQLite file.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { buildApp } from "../../verifier-api/http/app.ts";
import type { Config } from "../../verifier-api/config.ts";
import { openingBudget } from "../../verifier-api/sampling.ts";
import { ADMIN_KEY, smallTape, testConfig } from "./helpers.ts";
import { PG_URL, postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the PostgreSQL cases");

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  if (havePg && schemas.length > 0) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Store = { name: string; enabled: boolean; fresh: () => Partial<Config> };
const stores: Store[] = [
  {
    name: "postgres",
    enabled: havePg,
    fresh: () => {
      const schema = `rwa_conc_${process.pid}_${randomBytes(4).toString("hex")}`;
      schemas.push(schema);
      return { storage: "postgres", postgresUrl: PG_URL, postgresSchema: schema };
    },
  },
  {
    name: "sqlite",
    enabled: true,
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-conc-"));
      dirs.push(dir);
      return { storage: "sqlite", sqlitePath: join(dir, "api.sqlite") };
    },
  },
];

const inject = (app: FastifyInstance, key: string, method: "GET" | "POST", url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(typeof payload === "string" ? { "content-type": "application/json" } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });

for (const store of stores) {
  describe.skipIf(!store.enabled)(`two instances on one ${store.name} store`, () => {
    it("both come up when started together on a fresh store (five times)", async () => {
      for (let round = 0; round < 5; round++) {
        const cfg = testConfig(store.fresh());
        const results = await Promise.allSettled([buildApp(cfg), buildApp(cfg)]);
        const apps = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
        try {
          expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "up"))).toEqual([
            "up",
            "up",
          ]);
          for (const app of apps) {
            await app.ready();
            expect((await app.inject({ url: "/ready" })).statusCode).toBe(200);
            // the bootstrap admin key works on both (inserted once)
            const r = await inject(app, ADMIN_KEY, "POST", "/v1/admin/api-keys", {
              role: "auditor",
              owner: "a",
            });
            expect(r.statusCode).toBe(201);
          }
        } finally {
          for (const app of apps) await app.close();
        }
      }
    }, 120_000);

    it("never reveals more loans of a tape than its budget, whatever the interleaving of 20 requests", async () => {
      // A small cap, so 20 one-loan requests ask for five times the budget.
      const cfg = testConfig({ ...store.fresh(), openingBudgetPercent: 25, openingBudgetMax: 4 });
      const a = await buildApp(cfg);
      const b = await buildApp(cfg);
      try {
        await a.ready();
        await b.ready();
        const key = async (role: string, owner: string) =>
          (await inject(a, ADMIN_KEY, "POST", "/v1/admin/api-keys", { role, owner })).json().key as string;
        const orig = await key("originator", "orig-a");
        const auditors = [await key("auditor", "aud-1"), await key("auditor", "aud-2")];
        const loans = 64;
        const up = await inject(a, orig, "POST", "/v1/tapes", formatTapeJson(smallTape(loans, "race")));
        expect(up.statusCode).toBe(201);
        const tapeId = up.json().id as string;
        const job = (await inject(a, orig, "POST", `/v1/tapes/${tapeId}/commitment`)).json().id as string;
        for (let i = 0; ; i++) {
          const j = (await inject(a, orig, "GET", `/v1/jobs/${job}`)).json();
          if (j.state === "succeeded") break;
          if (i > 600 || j.state === "failed") throw new Error(`commitment ${JSON.stringify(j)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const budget = openingBudget(loans, 25, 4);
        expect(budget).toBe(4);
        // One request for the whole tape is one seed, but 64 loans: refused, nothing recorded.
        const whole = await inject(b, auditors[0]!, "POST", `/v1/tapes/${tapeId}/openings`, {
          seed: "one-seed-for-all-the-loans",
          count: 64,
        });
        expect(whole.statusCode).toBe(409);
        expect(whole.json().detail).toMatch(
          /at most 4 of its 64 loans; 0 are revealed and this opening would make it 64/,
        );
        // 20 distinct seeds of one loan each, alternating instances and auditors, all at once.
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            inject(i % 2 ? b : a, auditors[i % 2]!, "POST", `/v1/tapes/${tapeId}/openings`, {
              seed: `race-seed-${String(i).padStart(8, "0")}`,
              count: 1,
            }),
          ),
        );
        const served = responses.filter((r) => r.statusCode === 200);
        const refused = responses.filter((r) => r.statusCode !== 200);
        for (const r of refused) expect(r.json().detail).toMatch(/at most 4 of its 64 loans/);
        const seen = new Set(served.flatMap((r) => r.json().indices as number[]));
        expect(seen.size).toBeLessThanOrEqual(budget);
        expect(served.length).toBeGreaterThan(0);
        // The audit trail holds exactly the openings served.
        const trail = (await inject(b, orig, "GET", `/v1/tapes/${tapeId}/openings`)).json();
        expect(trail.openings).toHaveLength(served.length);
        expect(trail).toMatchObject({ budget, revealed: seen.size });
      } finally {
        await a.close();
        await b.close();
      }
    }, 120_000);
  });
}
