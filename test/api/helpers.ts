/** Shared set-up of the service tests: an app on in-memory SQLite with keys of every role. */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { generateSyntheticTape, type LoanTape } from "../../prover/tape/index.ts";
import { buildApp, type AppDeps } from "../../verifier-api/http/app.ts";
import { loadConfig, type Config } from "../../verifier-api/config.ts";
import { PostgresStorage } from "../../verifier-api/storage/index.ts";
import { PG_URL, dropSchemas, freshSchema } from "../support/pg.ts";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef0123456789";
export const TAPE_KEY_HEX = "5a".repeat(32);

export function testConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig(
    { RWA_API_TAPE_KEY: TAPE_KEY_HEX, RWA_API_ADMIN_KEY: ADMIN_KEY, RWA_API_LOG_LEVEL: "silent", ...env },
    {
      sqlitePath: ":memory:",
      jobPollMs: 50,
      jobLeaseMs: 5_000,
      shutdownGraceMs: 5_000,
      // CI runs test files side by side on two cores: event-loop delay there says nothing about the app.
      maxEventLoopDelayMs: 0,
      ...overrides,
    },
  );
}

export interface TestApp {
  app: FastifyInstance;
  keys: { admin: string; origA: string; origB: string; auditor: string };
  req(key: string | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
}

export async function startTestApp(overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const app = await buildApp(testConfig(overrides), deps);
  await app.ready();
  const req = (key: string | null, opts: InjectOptions) =>
    app.inject({ ...opts, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers } });
  const issue = async (role: string, owner: string): Promise<string> => {
    const r = await req(ADMIN_KEY, { method: "POST", url: "/v1/admin/api-keys", payload: { role, owner } });
    if (r.statusCode !== 201) throw new Error(`issuing a key failed: ${r.body}`);
    return r.json().key as string;
  };
  const keys = {
    admin: ADMIN_KEY,
    origA: await issue("originator", "orig-a"),
    origB: await issue("originator", "orig-b"),
    auditor: await issue("auditor", "audit-co"),
  };
  return { app, keys, req };
}

export function smallTape(loans = 20, seed: number | string = 7): LoanTape {
  return generateSyntheticTape({ seed, loans, poolId: 42n, period: 202610 });
}

/** Polls a job until it ends. */
export async function waitJob(
  t: TestApp,
  key: string,
  id: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.req(key, { url: `/v1/jobs/${id}` });
    const j = r.json() as Record<string, unknown>;
    // an unknown job (404) or a refused key will not change by waiting: fail now, with the problem
    if (r.statusCode !== 200) throw new Error(`job ${id}: ${r.statusCode} ${JSON.stringify(j)}`);
    if (j.state === "succeeded" || j.state === "failed") return j;
    if (Date.now() > end) throw new Error(`job ${id} still ${String(j.state)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * A vitest fixture (for `test.extend`): an in-process app started once per file, closed after the file's
 * last test.
 */
export function appFixture(
  overrides: Partial<Config> = {},
  deps: AppDeps = {},
): [(context: object, use: (t: TestApp) => Promise<void>) => Promise<void>, { scope: "file" }] {
  return [
    // vitest reads a fixture's dependencies from its first parameter: it must be a destructuring pattern
    async ({}, use) => {
      const t = await startTestApp(overrides, deps);
      await use(t);
      await t.app.close();
    },
    { scope: "file" },
  ];
}

/** An in-process app on PostgreSQL storage in a schema of its own. */
export interface PostgresTestApp extends TestApp {
  schema: string;
  storage: PostgresStorage;
}

/**
 * A vitest fixture (for `test.extend`): an app on PostgreSQL storage in a fresh schema `<prefix>_…`
 * (migrated first; `overrides(schema)` adds to the configuration), started once per file. After the file's
 * last test the app and its storage are closed and the schema (and a pg-boss queue schema `<schema>_queue`,
 * if one was made) dropped.
 */
export function postgresAppFixture(
  prefix: string,
  overrides: (schema: string) => Partial<Config> = () => ({}),
): [(context: object, use: (t: PostgresTestApp) => Promise<void>) => Promise<void>, { scope: "file" }] {
  return [
    async ({}, use) => {
      const schema = freshSchema(prefix);
      const storage = new PostgresStorage(PG_URL, schema, 4);
      try {
        await storage.migrate();
        const t = await startTestApp({ storage: "postgres", ...overrides(schema) }, { storage });
        await use({ ...t, schema, storage });
        await t.app.close();
      } finally {
        await storage.close();
        await dropSchemas(schema, `${schema}_queue`);
      }
    },
    { scope: "file" },
  ];
}
