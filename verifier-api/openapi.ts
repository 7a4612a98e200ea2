/**
 * Writes the service's OpenAPI document (generated from the routes' TypeBox schemas) to `docs/openapi.json`:
 *   node verifier-api/openapi.ts [out.json]
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../pipeline/index.ts";
import { buildApp } from "./http/app.ts";
import { loadConfig } from "./config.ts";

const out = process.argv[2] ?? join(REPO_ROOT, "docs", "openapi.json");
const config = loadConfig(
  { RWA_API_TAPE_KEY: randomBytes(32).toString("hex"), RWA_API_LOG_LEVEL: "silent" },
  { sqlitePath: ":memory:" },
);
const app = await buildApp(config, { runJobs: false });
await app.ready();
writeFileSync(out, JSON.stringify(app.swagger(), null, 2) + "\n");
await app.close();
console.log(`wrote ${out}`);
