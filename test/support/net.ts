/** Network helpers shared by tests that run real nodes or servers as child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `hardhat node` (chain 31337, Hardhat's well-known development accounts) on a free port and resolves
 * once its JSON-RPC server listens. The caller ends it with `node.kill("SIGKILL")`.
 */
export async function startHardhatNode(): Promise<{ node: ChildProcess; url: string }> {
  const port = await freePort();
  const hardhat = join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
  const node = spawn(process.execPath, [hardhat, "node", "--port", String(port)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start:\n${out}`)), 120_000);
    node.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("JSON-RPC server at")) {
        clearTimeout(timer);
        resolve();
      }
    });
    node.once("exit", (code) => reject(new Error(`hardhat node exited (${code}):\n${out}`)));
  }).catch((err: unknown) => {
    node.kill("SIGKILL");
    throw err;
  });
  return { node, url: `http://127.0.0.1:${port}` };
}
