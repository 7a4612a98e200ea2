#!/usr/bin/env node
// The `rwa-attest` executable. The CLI is TypeScript run through Node's type stripping, which needs Node
// ≥ 22.13 (Hardhat 3 needs it too); when started by an older system Node, re-run on the project's pinned
// Node from the `node` npm package. The wrapper then stays as the child's stand-in: it forwards the signals a
// supervisor or a terminal sends (SIGTERM, SIGINT, SIGHUP) to the child and exits with the child's status (or
// dies of the child's signal), so stopping the wrapper stops the real process (`rwa-attest serve` included).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const [major, minor] = process.versions.node.split(".").map(Number);
if (major > 22 || (major === 22 && minor >= 13)) {
  await import(main);
} else {
  const require = createRequire(import.meta.url);
  let nodeBin;
  try {
    nodeBin = require.resolve("node/bin/node");
  } catch {
    console.error("rwa-attest needs Node >= 22.13; run `npm run setup` in the project first.");
    process.exit(2);
  }
  const child = spawn(nodeBin, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  const forwarded = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const signal of forwarded) process.on(signal, () => child.kill(signal));
  child.on("error", (err) => {
    console.error(`rwa-attest: could not start ${nodeBin}: ${err.message}`);
    process.exit(2);
  });
  child.on("exit", (code, signal) => {
    if (code !== null) process.exit(code);
    // Killed by a signal: die of the same one (handlers removed), so the caller sees what the child saw.
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal ?? "SIGTERM");
  });
}
