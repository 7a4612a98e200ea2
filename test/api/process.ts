/**
 * The service as a real process for end-to-end tests: `verifier-api/server.ts` on a random loopback port
 * with SQLite in `dataDir`, announced on stdout; JSON calls over HTTP; waiting for a job.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { ADMIN_KEY, TAPE_KEY_HEX } from "./helpers.ts";

export const NODE = join(REPO_ROOT, "node_modules", ".bin", "node");

export interface ServerProcess {
  proc: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

/** Starts the server process; resolves once it listens. `env` adds or overrides RWA_API_* settings. */
export async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const proc = spawn(NODE, [join(REPO_ROOT, "verifier-api", "server.ts")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      RWA_API_PORT: "0",
      RWA_API_HOST: "127.0.0.1",
      RWA_API_DATA_DIR: dataDir,
      RWA_API_TAPE_KEY: TAPE_KEY_HEX,
      RWA_API_ADMIN_KEY: ADMIN_KEY,
      RWA_API_LOG_LEVEL: "warn",
      RWA_API_JOB_POLL_MS: "50",
      RWA_API_ANNOUNCE: "1",
      RWA_API_MAX_EVENT_LOOP_DELAY_MS: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^RWA_API_LISTENING (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  return { proc, base, exited };
}

/** One HTTP call with an API key (or none); the body is sent as JSON unless it is a string. */
export async function callServer(
  s: ServerProcess,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  type = "application/json",
) {
  const res = await fetch(s.base + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { "content-type": type } : {}),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A job that succeeded or failed. */
export const ended = (j: Record<string, unknown>): boolean => j.state === "succeeded" || j.state === "failed";

/** Polls a job until `until` holds; throws after `ms`. */
export async function waitForJob(
  s: ServerProcess,
  key: string,
  id: string,
  until: (j: Record<string, unknown>) => boolean = ended,
  ms = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + ms;
  for (;;) {
    const j = (await callServer(s, key, "GET", `/v1/jobs/${id}`)).body;
    if (until(j)) return j;
    if (Date.now() > end) throw new Error(`job ${id}: gave up in state ${String(j.state)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
