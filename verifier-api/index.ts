/**
 * rwa-attest's prover and verifier service (entry point): start it with {@link startService} (the
 * command line's `rwa-attest serve` does); its configuration and the standalone verification page
 * (`rwa-attest verify-page`). The app itself (`app.ts`) is loaded only when the service starts.
 *
 * Plain re-exports only, one line per module, so adding a module is adding a line.
 */
export * from "./start.ts";
export { ConfigError, loadConfig, isProduction, developmentTapeKey, DEV_TAPE_KEY_FILE } from "./config.ts";
export type { Config } from "./config.ts";
export { standalonePage } from "./web/standalone.ts";
export type { EmbeddedKey } from "./web/standalone.ts";
