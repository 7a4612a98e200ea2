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
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { Authenticator, presentedKey } from "../auth.ts";
import { ComputePool } from "../compute.ts";
import { AnalyticsRunner } from "../analytics-runner.ts";
import { ParsePool } from "../parse-pool.ts";
import type { Config } from "../config.ts";
import { hashApiKey } from "../crypto.ts";
import { ApiError, CODE_PROBLEM, PROBLEMS, problem, type ProblemDetail } from "./errors.ts";
import { CodedError } from "../../prover/index.ts";
import { parseJsonBody } from "./body.ts";
import { STATUS_CODES } from "node:http";
import { forkAttestation, type AttestRunner } from "../attest-runner.ts";
import { attestationJob, commitmentJob, proofJob, scoresJob } from "../jobs/handlers.ts";
import { JobRegistry } from "../jobs/registry.ts";
import { JobRunner } from "../jobs/runner.ts";
import { Metrics } from "../metrics.ts";
import { adminRoutes } from "./routes/admin.ts";
import { analyticsRoutes } from "./routes/analytics.ts";
import { auditorRoutes } from "./routes/auditor.ts";
import { originatorRoutes } from "./routes/originator.ts";
import { publicRoutes } from "./routes/public.ts";
import { createStorage } from "../storage/index.ts";
import type { Storage } from "../storage/types.ts";
import { ResidentVerifier } from "../verifier.ts";
import type { Services } from "../services.ts";
import { landingRoutes } from "../web/landing.ts";
import { webRoutes } from "../web/routes.ts";

export interface AppDeps {
  storage?: Storage;
  verifier?: ResidentVerifier;
  /** Override (or disable with null) the attestation runner. */
  attest?: AttestRunner | null;
  /** Start the job runner when the app is ready (default true). */
  runJobs?: boolean;
  /** Where the JSON log lines go (default stdout); tests read them. */
  logStream?: { write(line: string): void };
}

function validationDetails(err: FastifyError): ProblemDetail[] {
  const where = err.validationContext ?? "request";
  return (err.validation ?? []).map((v) => {
    const params = v.params as { missingProperty?: string; additionalProperty?: string };
    const named =
      v.keyword === "required"
        ? `/${params.missingProperty}`
        : v.keyword === "additionalProperties"
          ? `/${params.additionalProperty}`
          : "";
    return {
      field: `${where}${v.instancePath || ""}${named}`,
      reason: v.keyword === "additionalProperties" ? "unknown field: not allowed" : (v.message ?? v.keyword),
    };
  });
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ["req.headers.authorization", 'req.headers["x-api-key"]'],
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: true } },
    // The router's own refusals (malformed URL, overlong path parameter), as problems.
    frameworkErrors: (err, req, reply) => {
      const kind = err.code === "FST_ERR_MAX_PARAM_LENGTH" ? "uri-too-long" : "validation";
      const body = problem(kind, err.message, req.url);
      void (reply as unknown as FastifyReply).code(body.status).type("application/problem+json").send(body);
    },
    // What Node's HTTP parser refuses before any route runs (oversized headers, a malformed request line,
    // a request that does not arrive in time), as problems written straight to the socket.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const kind =
        err.code === "HPE_HEADER_OVERFLOW"
          ? "header-too-large"
          : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? "request-timeout"
            : "validation";
      const body = JSON.stringify(
        problem(kind, kind === "validation" ? "malformed HTTP request" : undefined),
      );
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${PROBLEMS[kind].status} ${STATUS_CODES[PROBLEMS[kind].status]}\r\nConnection: close\r\n` +
            `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
      socket.destroy(err);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const storage = deps.storage ?? (await createStorage(config));
  const verifier =
    deps.verifier ?? (await ResidentVerifier.create(config.verifyInstances, config.verifyProcesses));
  const attest = deps.attest === null ? undefined : (deps.attest ?? forkAttestation);
  const runner = new JobRunner(storage, new JobRegistry(), {
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
  const auth = new Authenticator(storage, config.authFailuresPerMinute);
  const compute = new ComputePool();
  const analytics = new AnalyticsRunner({
    maxWork: config.analyticsMaxWork,
    perKey: config.analyticsPerKey,
    concurrency: config.analyticsConcurrency,
    threads: config.analyticsThreads,
  });
  const parser = new ParsePool();
  const services: Services = {
    config,
    storage,
    verifier,
    runner,
    metrics,
    auth,
    compute,
    analytics,
    parser,
    attest,
    state: { ready: false, closing: false },
  };
  app.decorate("services", services);

  runner.register(proofJob(services));
  runner.register(commitmentJob(services));
  if (attest) runner.register(attestationJob(services, attest));
  runner.register(scoresJob(services));

  if (config.adminKey) {
    const keyHash = hashApiKey(config.adminKey);
    // Idempotent: instances started together each try, one inserts.
    await storage.ensureApiKey({
      id: `key_admin_${keyHash.slice(0, 12)}`,
      keyHash,
      role: "admin",
      owner: "admin",
      label: "bootstrap admin key (RWA_API_ADMIN_KEY)",
      createdAt: Date.now(),
      revokedAt: null,
    });
  }

  // ---- errors as problem+json
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let body;
    if (err instanceof ApiError) {
      body = problem(err.kind, err.message, req.url, err.errors);
      if (err.headers) void reply.headers(err.headers);
    } else if (err instanceof CodedError) {
      const kind = CODE_PROBLEM[err.code];
      body =
        PROBLEMS[kind].status >= 500
          ? problem(kind, "see the service log", req.url)
          : problem(kind, err.message, req.url, err.problems.length > 0 ? err.problems : undefined);
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

  // ---- authentication (looked up here; refused by each route's requireRole, see auth.ts) and metrics
  app.decorateRequest("principal", null);
  app.decorateRequest("authProblem", null);
  app.addHook("onRequest", async (req) => {
    const key = presentedKey(req);
    if (!key) return;
    try {
      req.principal = await auth.principal(key);
    } catch (err) {
      req.authProblem = err instanceof ApiError ? err : new ApiError("internal");
    }
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
  // Every JSON body read strictly: depth, __proto__, numbers that would not survive (body.ts).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

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
    // Per valid key; requests without one (or with an unknown one) count per client address, so rotating
    // made-up keys does not buy fresh budgets.
    keyGenerator: (req) => (req.principal ? `key:${req.principal.keyId}` : `ip:${req.ip}`),
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
    await analytics.close();
    await parser.close();
    if (!deps.verifier) await verifier.close();
    if (!deps.storage) await storage.close();
  });
  return app;
}
