/**
 * Starts the service: `node verifier-api/server.ts` (configuration from the environment, see `.env.example`).
 * Structured JSON logs (pino); request and connection timeouts; on SIGTERM or SIGINT it stops accepting
 * connections, lets running jobs finish within RWA_API_SHUTDOWN_GRACE_MS and hands the others back as
 * resumable (the next start runs them again), then exits (see start.ts).
 */
import { ConfigError } from "./config.ts";
import { startService } from "./start.ts";

try {
  await startService();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`verifier-api: invalid configuration: ${err.message}`);
    process.exit(2);
  }
  console.error(`verifier-api: could not start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
