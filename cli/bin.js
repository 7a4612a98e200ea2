#!/usr/bin/env node
// The `rwa-attest` executable. The CLI is TypeScript run through Node's type stripping, which needs Node
// ≥ 22.13 (Hardhat 3 needs it too); when started by an older system Node, re-run on the project's pinned
// Node from the `node` npm package.
import { spawnSync } from "node:child_process";
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
  const r = spawnSync(nodeBin, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
