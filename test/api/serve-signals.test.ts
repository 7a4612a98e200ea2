/**
 * `rwa-attest serve` through `cli/bin.js` on the machine's Node 20: the wrapper re-runs the CLI on the
 * project's Node 22 as a child process, so a SIGTERM or SIGINT to the wrapper (what a supervisor sends)
 * must reach that child and the wrapper must exit with it. Without forwarding, the wrapper dies and the
 * server keeps listening. Skipped when the machine's `node` is already >= 22.13 (no re-exec then).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { ADMIN_KEY, TAPE_KEY_HEX } from "./helpers.ts";

/** The system Node (first `node` on PATH that is not the project's). */
function systemNode(): { bin: string; version: string } | undefined {
  for (const bin of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(bin)) continue;
    const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
    return { bin, version };
  }
  return undefined;
}
const sys = systemNode();
const old =
  sys !== undefined &&
  ((v) => v[0]! < 22 || (v[0] === 22 && v[1]! < 13))(sys.version.slice(1).split(".").map(Number));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe.skipIf(!old)("rwa-attest serve through cli/bin.js on an older Node", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`forwards ${signal} to the Node 22 server and exits with it`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-serve-"));
      const wrapper = spawn(sys!.bin, [join(REPO_ROOT, "cli", "bin.js"), "serve", "--port", "0"], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          RWA_API_DATA_DIR: dir,
          RWA_API_TAPE_KEY: TAPE_KEY_HEX,
          RWA_API_ADMIN_KEY: ADMIN_KEY,
          RWA_API_LOG_LEVEL: "warn",
          RWA_API_ANNOUNCE: "1",
          RWA_API_VERIFY_INSTANCES: "example-multiplier",
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((r) =>
        wrapper.on("exit", (code, sig) => r(code ?? (sig ? -1 : null))),
      );
      let server: number[] = [];
      cleanup.push(() => {
        for (const pid of server) if (alive(pid)) process.kill(pid, "SIGKILL");
        if (wrapper.exitCode === null) wrapper.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      });
      const base = await new Promise<string>((resolve, reject) => {
        createInterface({ input: wrapper.stdout! }).on("line", (line) => {
          const m = /^RWA_API_LISTENING (\S+)/.exec(line);
          if (m) resolve(m[1]!);
        });
        void exited.then((c) => reject(new Error(`wrapper exited with ${c} before listening`)));
      });
      server = childrenOf(wrapper.pid!);
      expect(server.length).toBe(1);
      expect((await fetch(`${base}/health`)).status).toBe(200);

      wrapper.kill(signal);
      const code = await exited;
      // The server shuts down cleanly (exit 0) and the wrapper reports the child's status.
      expect(code).toBe(0);
      const end = Date.now() + 5_000;
      while (server.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(server.filter(alive)).toEqual([]);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    }, 60_000);
  }
});
