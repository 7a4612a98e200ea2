/**
 * Starting the service from code: `startService(options)` reads the configuration (the RWA_API_* environment,
 * see `.env.example`, with `options.config` taking precedence), builds the app, listens, and by default stops
 * gracefully on SIGTERM or SIGINT: no new connections, running jobs get RWA_API_SHUTDOWN_GRACE_MS and the
 * others are handed back as resumable (the next start runs them again), then the process exits.
 * `node verifier-api/server.ts` and `rwa-attest serve` both start the service through it.
 */
import type { FastifyInstance } from "fastify";
import { developmentTapeKey, isProduction, loadConfig, type Config } from "./config.ts";

export interface ServiceOptions {
  /** Environment the settings not given in `config` are read from (RWA_API_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Settings that take precedence over the environment (e.g. the command line's --port, --host, --data-dir). */
  config?: Partial<Config>;
  /**
   * Production: RWA_API_TAPE_KEY is required and no development key is made. Default: NODE_ENV=production
   * in `env`.
   */
  production?: boolean;
  /** Stop gracefully on SIGTERM and SIGINT, then exit the process (default true). */
  handleSignals?: boolean;
  /** Write `RWA_API_LISTENING <address>` on stdout once listening (default: RWA_API_ANNOUNCE=1 in `env`). */
  announce?: boolean;
  /** Where lines for a person at the console go (the development key, where the pages are); default stderr. */
  notice?: (line: string) => void;
}

export interface RunningService {
  app: FastifyInstance;
  /** The bound address, e.g. `http://127.0.0.1:8080` (port 0 picks a free port). */
  address: string;
  config: Config;
  /** Stops the service as a signal does (without exiting the process). */
  close(): Promise<void>;
}

/**
 * Starts the service. Throws ConfigError (naming the setting) when the configuration is invalid, before
 * anything is started; throws what stopped it otherwise (a store that cannot open, an address in use: the
 * app is closed first).
 */
export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const production = options.production ?? isProduction(env);
  // Without RWA_API_TAPE_KEY outside production: a development store's key, kept in the data directory.
  const devKey = options.config?.tapeKey
    ? undefined
    : developmentTapeKey(env, { production, dataDir: options.config?.dataDir });
  const config = loadConfig(env, { ...(devKey ? { tapeKey: devKey.key } : {}), ...options.config });
  const notice = options.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (devKey)
    notice(
      `verifier-api: RWA_API_TAPE_KEY is not set: tapes are encrypted with the development key in ${devKey.path} ` +
        `(${devKey.created ? "generated now" : "kept from an earlier start"}, mode 0600; losing it loses the stored tapes). ` +
        "Production (NODE_ENV=production) requires RWA_API_TAPE_KEY.",
    );

  const { buildApp } = await import("./http/app.ts"); // the whole service: loaded only when it starts
  const app = await buildApp(config);
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return;
    app.log.info({ signal }, "shutting down: no new requests; running jobs get the grace period");
    // A second timer guards against a close that hangs (a stuck connection): exit after grace + 10 s.
    const guard = setTimeout(() => {
      app.log.error("shutdown did not complete in time; exiting");
      process.exit(1);
    }, config.shutdownGraceMs + 10_000);
    guard.unref();
    (closing = app.close()).then(
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
  // Closed from code: the signals get their default action back (a second signal during a signal's
  // shutdown stays ignored: the grace period is the supervisor's contract).
  const close = (): Promise<void> => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    return (closing ??= app.close());
  };
  if (options.handleSignals ?? true) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await close();
    throw err;
  }
  app.log.info({ address, storage: config.storage, verify: app.services.verifier.instances }, "listening");
  // For a person at the console (log level info or finer; tests run at warn): where the pages are.
  if (["info", "debug", "trace"].includes(config.logLevel))
    notice(
      `verifier-api: listening on ${address}: start page ${address}/, API docs ${address}/docs, ` +
        `verify an attestation in the browser at ${address}/verify`,
    );
  // Tests and supervisors read the bound address (port 0 picks a free one) from this line on stdout.
  if (options.announce ?? env.RWA_API_ANNOUNCE === "1")
    process.stdout.write(`RWA_API_LISTENING ${address}\n`);
  return { app, address, config, close };
}
