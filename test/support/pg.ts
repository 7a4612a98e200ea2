/**
 * The real PostgreSQL server tests use (127.0.0.1:5432, database `test`, or RWA_API_TEST_POSTGRES_URL;
 * `.ci/run` starts it), whether it answers (tests skip with a message when not), fresh schema names, and a
 * TCP proxy to it that a test cuts and restores on the same port: the shared server itself is never
 * restarted (other suites use it at the same time).
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";

export const PG_URL = process.env.RWA_API_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * True when the server answers a query within 2 s; otherwise warns that `skipping` is skipped. Every
 * PostgreSQL test file asks this first and skips its PostgreSQL cases, with that message, only when no
 * server answers.
 */
export async function postgresAnswers(skipping: string, url: string = PG_URL): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    console.warn(`PostgreSQL does not answer at ${url}: skipping ${skipping}`);
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A schema name no other test run uses. */
export function freshSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Drops the schemas (and everything in them). */
export async function dropSchemas(...schemas: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end();
  }
}

/** A TCP proxy to the PostgreSQL server that can be cut and restored on the same port. */
export class PgProxy {
  port = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly target = new URL(PG_URL);

  /** Starts listening (again, on the same port after a cut). */
  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The server's URL through the proxy. */
  get url(): string {
    const u = new URL(PG_URL);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /** Closes the listener and every connection through it. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }
}
