/**
 * The PostgreSQL server the tests use (127.0.0.1:5432 on the project's machines; `.ci/run` starts it), and
 * the one probe every PostgreSQL test runs first: a test file skips its PostgreSQL cases, with a message
 * naming what is skipped, only when no server answers.
 */
import pg from "pg";

export const PG_URL = process.env.RWA_API_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** True when a server answers a query at PG_URL within 2 s; otherwise warns that `skipping` is skipped. */
export async function postgresAnswers(skipping: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    console.warn(`PostgreSQL does not answer at ${PG_URL}: skipping ${skipping}`);
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
