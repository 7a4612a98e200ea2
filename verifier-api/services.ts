/**
 * What the app gives its routes and job handlers: the services `buildApp` (app.ts) builds, and the
 * `app.services` declaration Fastify's type needs. Routes and handlers import this type, never the app.
 */
import type { AnalyticsRunner } from "./analytics-runner.ts";
import type { AttestRunner } from "./attest-runner.ts";
import type { Authenticator } from "./auth.ts";
import type { ComputePool } from "./compute.ts";
import type { Config } from "./config.ts";
import type { JobRunner } from "./jobs/runner.ts";
import type { Metrics } from "./metrics.ts";
import type { ParsePool } from "./parse-pool.ts";
import type { Storage } from "./storage/types.ts";
import type { ResidentVerifier } from "./verifier.ts";

export interface Services {
  config: Config;
  storage: Storage;
  verifier: ResidentVerifier;
  runner: JobRunner;
  metrics: Metrics;
  auth: Authenticator;
  /** Commitments and openings, in a worker process. */
  compute: ComputePool;
  /** Tranche analytics, bounded and cancellable, in worker processes. */
  analytics: AnalyticsRunner;
  /** Reading uploaded tapes, in a worker process. */
  parser: ParsePool;
  /** Runs a pool attestation (`attestPool` of `prover/attest.ts`, in a worker process), unless disabled. */
  attest: AttestRunner | undefined;
  state: { ready: boolean; closing: boolean };
}

declare module "fastify" {
  interface FastifyInstance {
    services: Services;
  }
}
