/**
 * The first start of the service: without RWA_API_TAPE_KEY outside production, a development tape key is
 * generated in the data directory (mode 0600), said on stderr and reused on restart; production refuses to
 * start without the variable. GET / is a landing page whose links (API docs, /verify, health) all answer.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import {
  ConfigError,
  DEV_TAPE_KEY_FILE,
  developmentTapeKey,
  type Config,
} from "../../verifier-api/config.ts";
import { startService } from "../../verifier-api/index.ts";
import { LANDING_LINKS } from "../../verifier-api/web/landing.ts";
import { startTestApp } from "./helpers.ts";
import { NODE } from "./process.ts";

const tmp = mkdtempSync(join(tmpdir(), "rwa-landing-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the development tape key", () => {
  it("is generated with mode 0600 in the data directory, then reused; not used when the variable is set", () => {
    const dataDir = join(tmp, "unit", "data");
    const first = developmentTapeKey({ RWA_API_DATA_DIR: dataDir })!;
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dataDir, DEV_TAPE_KEY_FILE));
    expect(first.key).toHaveLength(32);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const again = developmentTapeKey({ RWA_API_DATA_DIR: dataDir })!;
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
    expect(developmentTapeKey({ RWA_API_DATA_DIR: dataDir, RWA_API_TAPE_KEY: "ab".repeat(32) })).toBe(
      undefined,
    );
  });

  it("is refused in production, even when a development key file exists", () => {
    const dataDir = join(tmp, "prod", "data");
    developmentTapeKey({ RWA_API_DATA_DIR: dataDir });
    const prod = { RWA_API_DATA_DIR: dataDir, NODE_ENV: "production" };
    expect(() => developmentTapeKey(prod)).toThrow(ConfigError);
    expect(() => developmentTapeKey(prod)).toThrow(/RWA_API_TAPE_KEY: required in production/);
  });

  it("is refused when others can read its file, or when the file is not a 32-byte key", () => {
    const dataDir = join(tmp, "loose", "data");
    const { path } = developmentTapeKey({ RWA_API_DATA_DIR: dataDir })!;
    chmodSync(path, 0o644);
    expect(() => developmentTapeKey({ RWA_API_DATA_DIR: dataDir })).toThrow(
      /readable by others \(mode 644\)/,
    );
    chmodSync(path, 0o600);
    writeFileSync(path, "ab".repeat(16));
    expect(() => developmentTapeKey({ RWA_API_DATA_DIR: dataDir })).toThrow(/expected 32 bytes/);
  });
});

describe("GET /", () => {
  it("is an HTML page linking the API docs, /verify and the health route", async () => {
    const t = await startTestApp({}, { attest: null, runJobs: false });
    try {
      const r = await t.req(null, { method: "GET", url: "/" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(r.headers["content-security-policy"]).toContain("default-src 'none'");
      for (const href of ["docs", "verify", "health"]) expect(r.body).toContain(`<a href="${href}">`);
      // every link answers
      for (const l of LANDING_LINKS) {
        const page = await t.req(null, { method: "GET", url: `/${l.href}` });
        expect([200, 302], l.href).toContain(page.statusCode);
      }
    } finally {
      await t.app.close();
    }
  });
});

/** Starts `verifier-api/server.ts` with `env`; resolves with its address and stderr once it listens, or its exit. */
function startServer(env: Record<string, string>, args = [join(REPO_ROOT, "verifier-api", "server.ts")]) {
  const proc = spawn(NODE, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      RWA_API_PORT: "0",
      RWA_API_HOST: "127.0.0.1",
      RWA_API_LOG_LEVEL: "info", // as a person runs it: the pages line is written at info
      RWA_API_ANNOUNCE: "1",
      RWA_API_VERIFY_INSTANCES: "",
      // test files run side by side on two cores: event-loop delay there says nothing about the service
      RWA_API_MAX_EVENT_LOOP_DELAY_MS: "0",
      RWA_API_TAPE_KEY: "",
      NODE_ENV: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const started = new Promise<{ base?: string; code?: number | null }>((resolve) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^RWA_API_LISTENING (\S+)/.exec(line);
      // the pages line is written to stderr just before; the pipes may deliver it a moment later
      const waitForStderr = (tries: number): void => {
        if (stderr.includes("listening on") || tries === 0) resolve({ base: m![1]! });
        else setTimeout(() => waitForStderr(tries - 1), 50);
      };
      if (m) waitForStderr(100);
    });
    void exited.then((code) => resolve({ code }));
  });
  return {
    started,
    stderr: () => stderr,
    stop: async () => {
      proc.kill("SIGTERM");
      return exited;
    },
  };
}

describe("rwa-attest's service process without RWA_API_TAPE_KEY", () => {
  const dataDir = join(tmp, "server", "data");

  it("generates the development key, says so and where the pages are; a restart keeps it", async () => {
    const first = startServer({ RWA_API_DATA_DIR: dataDir });
    const s1 = await first.started;
    try {
      expect(s1.base, first.stderr()).toBeDefined();
      const keyFile = join(dataDir, DEV_TAPE_KEY_FILE);
      expect(first.stderr()).toContain(`the development key in ${keyFile} (generated now, mode 0600`);
      expect(first.stderr()).toContain("Production (NODE_ENV=production) requires RWA_API_TAPE_KEY");
      expect(first.stderr()).toContain(`API docs ${s1.base}/docs`);
      expect(first.stderr()).toContain(`${s1.base}/verify`);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const landing = await fetch(`${s1.base}/`);
      expect(landing.status).toBe(200);
      expect(await landing.text()).toContain('<a href="verify">');
      expect((await fetch(`${s1.base}/docs`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const key = readFileSync(join(dataDir, DEV_TAPE_KEY_FILE), "utf8");
    const second = startServer({ RWA_API_DATA_DIR: dataDir });
    const s2 = await second.started;
    try {
      expect(s2.base, second.stderr()).toBeDefined();
      expect(second.stderr()).toContain("(kept from an earlier start, mode 0600");
      expect(readFileSync(join(dataDir, DEV_TAPE_KEY_FILE), "utf8")).toBe(key);
    } finally {
      await second.stop();
    }
  });

  it("refuses to start in production (exit 2, naming the variable)", async () => {
    const prod = startServer({ RWA_API_DATA_DIR: dataDir, NODE_ENV: "production" });
    const r = await prod.started;
    expect(r.code).toBe(2);
    expect(prod.stderr()).toContain("RWA_API_TAPE_KEY: required in production");
  });

  it("`rwa-attest serve --production` sets production: refused without the variable", async () => {
    const cli = startServer({}, [
      join(REPO_ROOT, "cli", "bin.js"),
      "serve",
      "--production",
      "--data-dir",
      dataDir,
    ]);
    const r = await cli.started;
    expect(r.code).toBe(2);
    expect(cli.stderr()).toContain("RWA_API_TAPE_KEY: required in production");
  });

  it("`rwa-attest serve --port` takes a port number only (exit 2)", async () => {
    const cli = startServer({}, [
      join(REPO_ROOT, "cli", "bin.js"),
      "serve",
      "--port",
      "80x",
      "--data-dir",
      dataDir,
    ]);
    expect((await cli.started).code).toBe(2);
    expect(cli.stderr()).toContain('--port: expected a port number (0 to 65535), got "80x"');
  });
});

describe("startService, the service's entry point", () => {
  const settings: Partial<Config> = {
    port: 0,
    host: "127.0.0.1",
    logLevel: "warn",
    verifyInstances: [],
    maxEventLoopDelayMs: 0,
  };

  it("starts from its options alone: port, host and data directory given, process.env untouched", async () => {
    const dataDir = join(tmp, "entry", "data");
    const envBefore = JSON.stringify(process.env);
    const sigterms = process.listenerCount("SIGTERM");
    const notices: string[] = [];
    const notice = (line: string) => notices.push(line);
    const s = await startService({ env: {}, config: { ...settings, dataDir }, announce: false, notice });
    try {
      expect(notices).toEqual([
        expect.stringContaining(`development key in ${join(dataDir, DEV_TAPE_KEY_FILE)}`),
      ]);
      expect(s.config.dataDir).toBe(dataDir);
      expect(s.config.sqlitePath).toBe(`${dataDir}/verifier-api.sqlite`);
      expect(statSync(join(dataDir, DEV_TAPE_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(s.address).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
      expect((await fetch(`${s.address}/health`)).status).toBe(200);
      expect(process.listenerCount("SIGTERM")).toBe(sigterms + 1);
    } finally {
      await s.close();
    }
    expect(JSON.stringify(process.env)).toBe(envBefore);
    expect(process.listenerCount("SIGTERM")).toBe(sigterms);
    await expect(fetch(`${s.address}/health`)).rejects.toThrow();
  });

  it("production from its option refuses to start without a tape key, before writing anything", async () => {
    const dataDir = join(tmp, "entry", "production");
    const started = startService({
      env: {},
      production: true,
      config: { ...settings, dataDir },
      notice: () => {},
    });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/RWA_API_TAPE_KEY: required in production/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
