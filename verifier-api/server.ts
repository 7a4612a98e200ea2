/**
 * Starts the service: `node verifier-api/server.ts` (configuration from the environment, see `.env.example`).
 * Structured JSON logs (pino); request and connection timeouts; on SIGTERM or SIGINT it stops accepting
 * connections, lets running jobs finish within RWA_API_SHUTDOWN_GRACE_MS and hands the others back as
 * resumable (the next start runs them again), then exits.
 */
import { buildApp } from "./app.ts";
import { ConfigError, developmentTapeKey, loadConfig } from "./config.ts";

let config;
try {
  // Without RWA_API_TAPE_KEY outside production: a development store's key, kept in the data directory.
  const devKey = developmentTapeKey(process.env);
  if (devKey)
    process.stderr.write(
      `verifier-api: RWA_API_TAPE_KEY is not set: tapes are encrypted with the development key in ${devKey.path} ` +
        `(${devKey.created ? "generated now" : "kept from an earlier start"}, mode 0600; losing it loses the stored tapes). ` +
        "Production (NODE_ENV=production) requires RWA_API_TAPE_KEY.\n",
    );
  config = loadConfig(process.env, devKey ? { tapeKey: devKey.key } : {});
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`verifier-api: invalid configuration: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const app = await buildApp(config);
let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down: no new requests; running jobs get the grace period");
  // A second timer guards against a close that hangs (a stuck connection): exit after grace + 10 s.
  const guard = setTimeout(() => {
    app.log.error("shutdown did not complete in time; exiting");
    process.exit(1);
  }, config.shutdownGraceMs + 10_000);
  guard.unref();
  app.close().then(
    () => {
      app.log.info("stopped");
      process.exit(0);
    },
    (err: unknown) => {
      app.log.error({ err }, "error while shutting down");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

try {
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address, storage: config.storage, verify: app.services.verifier.instances }, "listening");
  // For a person at the console (log level info or finer; tests run at warn): where the pages are.
  if (["info", "debug", "trace"].includes(config.logLevel))
    process.stderr.write(
      `verifier-api: listening on ${address}: start page ${address}/, API docs ${address}/docs, ` +
        `verify an attestation in the browser at ${address}/verify\n`,
    );
  // Tests and supervisors read the bound address (port 0 picks a free one) from this line on stdout.
  if (process.env.RWA_API_ANNOUNCE === "1") process.stdout.write(`RWA_API_LISTENING ${address}\n`);
} catch (err) {
  app.log.fatal({ err }, "could not start");
  process.exit(1);
}
