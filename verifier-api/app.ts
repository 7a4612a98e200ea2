/**
 * The service as one Fastify plugin-built app: `buildApp(config, deps?)` returns an app ready for `inject`
 * or `listen`. Services (storage, verifier, job runner, worker processes, metrics) are built here unless
 * given in `deps`; closing the app stops the job runner (handing unfinished jobs back as resumable and
 * killing their worker processes), the worker processes and the storage.
 */
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import underPressure from "@fastify/under-pressure";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { Authenticator, presentedKey } from "./auth.ts";
import { ComputePool } from "./compute.ts";
import { ParsePool } from "./parse-pool.ts";
import type { Config } from "./config.ts";
import { hashApiKey } from "./crypto.ts";
import { ApiError, problem, type ProblemDetail } from "./errors.ts";
import { forkAttestation, type AttestRunner } from "./attest-runner.ts";
import { attestationHandler, commitmentHandler, proofHandler, scoresHandler } from "./handlers.ts";
import { JobRunner } from "./jobs.ts";
import { Metrics } from "./metrics.ts";
import { adminRoutes } from "./routes/admin.ts";
import { analyticsRoutes } from "./routes/analytics.ts";
import { auditorRoutes } from "./routes/auditor.ts";
import { originatorRoutes } from "./routes/originator.ts";
import { publicRoutes } from "./routes/public.ts";
import { createStorage } from "./storage/index.ts";
import type { Storage } from "./storage/types.ts";
import { ResidentVerifier } from "./verifier.ts";
import { landingRoutes } from "./web/landing.ts";
import { webRoutes } from "./web/routes.ts";

export interface Services {
  config: Config;
  storage: Storage;
  verifier: ResidentVerifier;
  runner: JobRunner;
  metrics: Metrics;
  auth: Authenticator;
  /** Commitments and openings, in a worker process. */
  compute: ComputePool;
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

export interface AppDeps {
  storage?: Storage;
  verifier?: ResidentVerifier;
  /** Override (or disable with null) the attestation runner. */
  attest?: AttestRunner | null;
  /** Start the job runner when the app is ready (default true). */
  runJobs?: boolean;
}

function validationDetails(err: FastifyError): ProblemDetail[] {
  const where = err.validationContext ?? "request";
  return (err.validation ?? []).map((v) => ({
    field: `${where}${v.instancePath || ""}${
      v.keyword === "required" ? `/${(v.params as { missingProperty?: string }).missingProperty}` : ""
    }`,
    reason: v.message ?? v.keyword,
  }));
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, redact: ["req.headers.authorization", 'req.headers["x-api-key"]'] },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const storage = deps.storage ?? (await createStorage(config));
  const verifier = deps.verifier ?? (await ResidentVerifier.create(config.verifyInstances));
  const attest = deps.attest === null ? undefined : (deps.attest ?? forkAttestation);
  const runner = new JobRunner(storage, {
    concurrency: config.jobConcurrency,
    leaseMs: config.jobLeaseMs,
    pollMs: config.jobPollMs,
    log: app.log,
    onFinished: (job, outcome, ms) => metrics.jobDuration.observe({ kind: job.kind, outcome }, ms / 1000),
  });
  const metrics = new Metrics(
    () => storage.countJobs(),
    () => runner.active,
    () => verifier.batchStats,
  );
  const auth = new Authenticator(storage);
  const compute = new ComputePool();
  const parser = new ParsePool();
  const services: Services = {
    config,
    storage,
    verifier,
    runner,
    metrics,
    auth,
    compute,
    parser,
    attest,
    state: { ready: false, closing: false },
  };
  app.decorate("services", services);

  runner.register("proof", proofHandler(services));
  runner.register("commitment", commitmentHandler(services));
  if (attest) runner.register("attestation", attestationHandler(services, attest));
  runner.register("scores", scoresHandler(services));

  if (config.adminKey) {
    const keyHash = hashApiKey(config.adminKey);
    if (!(await storage.findApiKeyByHash(keyHash))) {
      await storage.insertApiKey({
        id: `key_admin_${keyHash.slice(0, 12)}`,
        keyHash,
        role: "admin",
        owner: "admin",
        label: "bootstrap admin key (RWA_API_ADMIN_KEY)",
        createdAt: Date.now(),
        revokedAt: null,
      });
    }
  }

  // ---- errors as problem+json
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let body;
    if (err instanceof ApiError) {
      body = problem(err.kind, err.message, req.url, err.errors);
      if (err.headers) void reply.headers(err.headers);
    } else if ((err as FastifyError).validation) {
      body = problem("validation", err.message, req.url, validationDetails(err as FastifyError));
    } else if (err.statusCode === 413) {
      body = problem("payload-too-large", `the body exceeds ${config.bodyLimitBytes} bytes`, req.url);
    } else if (err.statusCode === 415) {
      body = problem("unsupported-media-type", "send application/json, or text/csv for tapes", req.url);
    } else if (err.statusCode === 429) {
      body = problem("rate-limited", err.message, req.url);
    } else if (err.statusCode === 503) {
      body = problem("overloaded", undefined, req.url);
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      body = problem("validation", err.message, req.url);
      body.status = err.statusCode;
    } else {
      body = problem("internal", "see the service log", req.url);
    }
    if (body.status >= 500 && !(err instanceof ApiError)) req.log.error({ err }, "request failed");
    return reply.code(body.status).type("application/problem+json").send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type("application/problem+json")
      .send(problem("not-found", `no route ${req.method} ${req.url.split("?")[0]}`, req.url)),
  );

  // ---- authentication and metrics
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (req) => {
    const key = presentedKey(req);
    req.principal = key ? await auth.principal(key) : null;
    if (key && !req.principal) throw new ApiError("unauthenticated", "unknown or revoked API key");
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.requestDuration.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? "unmatched",
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );

  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    maxHeapUsedBytes: config.maxHeapUsedBytes,
    pressureHandler: (_req, reply, type, value) => {
      void reply
        .code(503)
        .header("retry-after", "5")
        .type("application/problem+json")
        .send(problem("overloaded", `${type} is at ${String(value)}`));
    },
  });
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const key = presentedKey(req);
      return key ? `key:${hashApiKey(key)}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => {
      const e = new ApiError(
        "rate-limited",
        `at most ${ctx.max} requests per minute per key; retry in ${ctx.after}`,
      );
      (e as unknown as { statusCode: number }).statusCode = 429;
      return e;
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "rwa-attest prover and verifier service",
        version: "1.0.0",
        description:
          "Originators upload loan tapes and obtain attestations; auditors verify proofs and sample loans. " +
          "Errors are RFC 9457 problem+json with a stable `type`.",
      },
      components: {
        securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "API key" } },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(publicRoutes);
  await app.register(webRoutes);
  await app.register(landingRoutes);
  await app.register(adminRoutes, { prefix: "/v1/admin" });
  await app.register(originatorRoutes, { prefix: "/v1" });
  await app.register(auditorRoutes, { prefix: "/v1" });
  await app.register(analyticsRoutes, { prefix: "/v1" });

  app.addHook("onReady", async () => {
    services.state.ready = true;
    if (deps.runJobs !== false) runner.start();
  });
  app.addHook("preClose", async () => {
    services.state.closing = true;
    services.state.ready = false;
  });
  app.addHook("onClose", async () => {
    const { handedBack } = await runner.stop(config.shutdownGraceMs);
    if (handedBack > 0)
      app.log.warn({ handedBack }, "unfinished jobs handed back; the next start resumes them");
    await compute.close();
    await parser.close();
    if (!deps.verifier) await verifier.close();
    if (!deps.storage) await storage.close();
  });
  return app;
}
