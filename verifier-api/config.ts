/**
 * Service configuration from environment variables, validated at start-up with a TypeBox schema.
 * Every variable is documented in `verifier-api/.env.example`; an invalid value stops the service with a
 * message naming the variable.
 */
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { CodedError } from "./web/errors.js";

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  dataDir: Type.String({ minLength: 1 }),
  storage: Type.Union([Type.Literal("sqlite"), Type.Literal("postgres")]),
  /** SQLite file; `:memory:` for tests. Defaults to `<dataDir>/verifier-api.sqlite`. */
  sqlitePath: Type.String({ minLength: 1 }),
  postgresUrl: Type.Optional(Type.String({ minLength: 1 })),
  /** PostgreSQL schema holding the tables (several services may share a database). */
  postgresSchema: Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$" }),
  /** AES-256-GCM key for tapes at rest: exactly 32 bytes. */
  tapeKey: Type.Unsafe<Buffer>({ description: "32-byte key" }),
  /** Bootstrap admin API key (only its sha256 is stored). */
  adminKey: Type.Optional(Type.String({ minLength: 32 })),
  bodyLimitBytes: Type.Integer({ minimum: 1024 }),
  rateLimitPerMinute: Type.Integer({ minimum: 1 }),
  /** Failed authentications (unknown or revoked keys) allowed per client address and minute. */
  authFailuresPerMinute: Type.Integer({ minimum: 1 }),
  maxEventLoopDelayMs: Type.Integer({ minimum: 0 }),
  maxHeapUsedBytes: Type.Integer({ minimum: 0 }),
  proverConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
  jobConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
  jobLeaseMs: Type.Integer({ minimum: 500 }),
  jobPollMs: Type.Integer({ minimum: 10 }),
  jobMaxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
  /** How long SIGTERM waits for running jobs before handing them back as resumable. */
  shutdownGraceMs: Type.Integer({ minimum: 0 }),
  requestTimeoutMs: Type.Integer({ minimum: 0 }),
  logLevel: Type.Union(
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
  ),
  /**
   * How an attestation's chunks are proven: `in-process` (the job's own worker process) or `pg-boss`
   * (chunk jobs on the PostgreSQL storage for `rwa-attest worker` processes; needs storage=postgres).
   */
  chunkQueue: Type.Union([Type.Literal("in-process"), Type.Literal("pg-boss")]),
  /** Niceness (0..19) of attestation worker processes, so proving yields the CPU to request handling. */
  workerNice: Type.Integer({ minimum: 0, maximum: 19 }),
  /** Per-tape budget of loans revealed to auditors, all openings together: this percent of the loans… */
  openingBudgetPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** …and at most this many (see `openingBudget` in sampling.ts). */
  openingBudgetMax: Type.Integer({ minimum: 0 }),
  /** Deadline of a request's compute work (openings, score requests): killed when it passes. */
  computeDeadlineMs: Type.Integer({ minimum: 1 }),
  /** Most loan-scenarios (loans × scenarios × simulation runs) one analytics request may ask for. */
  analyticsMaxWork: Type.Number({ minimum: 1 }),
  /** Deadline of an analytics request: its worker is killed when it passes. */
  analyticsDeadlineMs: Type.Integer({ minimum: 1 }),
  /** Analyses one key may run at once. */
  analyticsPerKey: Type.Integer({ minimum: 1 }),
  /** Analyses running at once on an instance (worker processes). */
  analyticsConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
  /** Simulation threads per analysis. */
  analyticsThreads: Type.Integer({ minimum: 1, maximum: 64 }),
  /** Circuits the verify endpoint keeps resident (comma list); empty means every built instance. */
  verifyInstances: Type.Array(Type.String()),
  /**
   * Verification processes checking batches side by side (default: one per core but one, at least 1, at most 4:
   * on 2 cores a second one made each request dearer and the p99 worse, docs/BENCHMARKS.md "Service").
   */
  verifyProcesses: Type.Integer({ minimum: 1, maximum: 16 }),
});
export type Config = Static<typeof ConfigSchema>;

/** Raised when the environment does not describe a valid configuration. */
export class ConfigError extends CodedError {
  constructor(message: string) {
    super("config-invalid", message);
    this.name = "ConfigError";
  }
}

/** One verification process per core but one (the event loop's and the provers'), at least 1, at most 4. */
export const DEFAULT_VERIFY_PROCESSES = Math.max(1, Math.min(4, availableParallelism() - 1));

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?[0-9]+$/.test(raw.trim()))
    throw new ConfigError(`${name}: expected an integer, got ${JSON.stringify(raw)}`);
  return Number(raw.trim());
}

/** Decodes a 32-byte key written as 64 hex digits or as base64. */
export function parseKey32(name: string, raw: string): Buffer {
  const text = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) key = Buffer.from(text, "base64");
  if (!key || key.length !== 32) {
    throw new ConfigError(
      `${name}: expected 32 bytes as 64 hex digits or base64, got ${key?.length ?? 0} bytes`,
    );
  }
  return key;
}

/**
 * Reads and validates the configuration. Throws ConfigError naming the variable on the first problem.
 * `overrides` (used by tests) replace values after the environment is read.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = overrides.dataDir ?? (env.RWA_API_DATA_DIR || "./data");
  const storage = env.RWA_API_STORAGE || "sqlite";
  if (storage !== "sqlite" && storage !== "postgres") {
    throw new ConfigError(`RWA_API_STORAGE: expected "sqlite" or "postgres", got ${JSON.stringify(storage)}`);
  }
  if (storage === "postgres" && !env.RWA_API_POSTGRES_URL && !overrides.postgresUrl) {
    throw new ConfigError("RWA_API_POSTGRES_URL: required when RWA_API_STORAGE=postgres");
  }
  if (!env.RWA_API_TAPE_KEY && !overrides.tapeKey) {
    throw new ConfigError(
      `RWA_API_TAPE_KEY: required${isProduction(env) ? " in production" : ""} (32 bytes, hex or base64: \`openssl rand -hex 32\`)`,
    );
  }
  const config: Config = {
    host: env.RWA_API_HOST || "127.0.0.1",
    port: int(env, "RWA_API_PORT", 8080),
    dataDir,
    storage,
    sqlitePath: env.RWA_API_SQLITE_PATH || `${dataDir}/verifier-api.sqlite`,
    postgresUrl: env.RWA_API_POSTGRES_URL || undefined,
    postgresSchema: env.RWA_API_POSTGRES_SCHEMA || "rwa_attest",
    tapeKey: env.RWA_API_TAPE_KEY ? parseKey32("RWA_API_TAPE_KEY", env.RWA_API_TAPE_KEY) : Buffer.alloc(0),
    adminKey: env.RWA_API_ADMIN_KEY || undefined,
    bodyLimitBytes: int(env, "RWA_API_BODY_LIMIT_BYTES", 8 * 1024 * 1024),
    rateLimitPerMinute: int(env, "RWA_API_RATE_LIMIT_PER_MINUTE", 6000),
    authFailuresPerMinute: int(env, "RWA_API_AUTH_FAILURES_PER_MINUTE", 30),
    maxEventLoopDelayMs: int(env, "RWA_API_MAX_EVENT_LOOP_DELAY_MS", 1000),
    maxHeapUsedBytes: int(env, "RWA_API_MAX_HEAP_USED_BYTES", 2 * 1024 * 1024 * 1024),
    proverConcurrency: int(env, "RWA_API_PROVER_CONCURRENCY", 1),
    jobConcurrency: int(env, "RWA_API_JOB_CONCURRENCY", 2),
    jobLeaseMs: int(env, "RWA_API_JOB_LEASE_MS", 30_000),
    jobPollMs: int(env, "RWA_API_JOB_POLL_MS", 250),
    jobMaxAttempts: int(env, "RWA_API_JOB_MAX_ATTEMPTS", 3),
    shutdownGraceMs: int(env, "RWA_API_SHUTDOWN_GRACE_MS", 20_000),
    requestTimeoutMs: int(env, "RWA_API_REQUEST_TIMEOUT_MS", 30_000),
    workerNice: int(env, "RWA_API_WORKER_NICE", 10),
    chunkQueue: (env.RWA_API_CHUNK_QUEUE || "in-process") as Config["chunkQueue"],
    openingBudgetPercent: int(env, "RWA_API_OPENING_BUDGET_PERCENT", 25),
    openingBudgetMax: int(env, "RWA_API_OPENING_BUDGET_MAX", 64),
    computeDeadlineMs: int(env, "RWA_API_COMPUTE_DEADLINE_MS", 30_000),
    analyticsMaxWork: int(env, "RWA_API_ANALYTICS_MAX_WORK", 500_000_000),
    analyticsDeadlineMs: int(env, "RWA_API_ANALYTICS_DEADLINE_MS", 60_000),
    analyticsPerKey: int(env, "RWA_API_ANALYTICS_PER_KEY", 1),
    analyticsConcurrency: int(env, "RWA_API_ANALYTICS_CONCURRENCY", 1),
    analyticsThreads: int(env, "RWA_API_ANALYTICS_THREADS", 2),
    logLevel: (env.RWA_API_LOG_LEVEL || "info") as Config["logLevel"],
    verifyInstances: (env.RWA_API_VERIFY_INSTANCES || "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    verifyProcesses: int(env, "RWA_API_VERIFY_PROCESSES", DEFAULT_VERIFY_PROCESSES),
    ...overrides,
  };
  if (config.tapeKey.length !== 32) throw new ConfigError("tapeKey: expected 32 bytes");
  if (config.chunkQueue === "pg-boss" && config.storage !== "postgres")
    throw new ConfigError(
      "RWA_API_CHUNK_QUEUE: pg-boss needs RWA_API_STORAGE=postgres (the queue lives there)",
    );
  if (config.adminKey !== undefined && config.adminKey.length < 32) {
    throw new ConfigError("RWA_API_ADMIN_KEY: must be at least 32 characters of high-entropy text");
  }
  const { tapeKey: _k, ...rest } = config;
  const errors = [...Value.Errors(Type.Omit(ConfigSchema, ["tapeKey"]), rest)];
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new ConfigError(`configuration ${e.path || "/"}: ${e.message} (got ${JSON.stringify(e.value)})`);
  }
  return config;
}

/** Production: `NODE_ENV=production` (or `startService`'s `production`, `rwa-attest serve --production`). No development tape key then. */
export function isProduction(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === "production";
}

/** The development tape key's file name in the data directory, next to the store whose tapes it encrypts. */
export const DEV_TAPE_KEY_FILE = "dev-tape-key";

/**
 * The tape key of a development store, for a start without RWA_API_TAPE_KEY: read from
 * `<dataDir>/dev-tape-key` (64 hex digits), or generated there (mode 0600, the folder 0700) on the first start,
 * so that a restart still reads the tapes stored before. Returns undefined when RWA_API_TAPE_KEY is set.
 * Refused (ConfigError) in production, and when the file is readable by others than its owner. `at` gives
 * the data directory and production when they do not come from the environment (`startService`'s options).
 */
export function developmentTapeKey(
  env: NodeJS.ProcessEnv,
  at: { dataDir?: string; production?: boolean } = {},
): { key: Buffer; path: string; created: boolean } | undefined {
  if (env.RWA_API_TAPE_KEY) return undefined;
  if (at.production ?? isProduction(env))
    throw new ConfigError(
      "RWA_API_TAPE_KEY: required in production (NODE_ENV=production); a development key is generated only " +
        "outside production (32 bytes, hex or base64: `openssl rand -hex 32`)",
    );
  const dataDir = at.dataDir ?? (env.RWA_API_DATA_DIR || "./data");
  const path = resolve(join(dataDir, DEV_TAPE_KEY_FILE));
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new ConfigError(
        `${path}: the development tape key is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
      );
    return { key: parseKey32(path, readFileSync(path, "utf8")), path, created: false };
  }
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  return { key, path, created: true };
}
