/** Routes for everyone: health, readiness, metrics, the circuit catalogue, and proof verification. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { loadCatalogue } from "../../../pipeline/index.ts";
import { readManifest } from "../../../pipeline/index.ts";
import { requireRole } from "../../auth.ts";
import { Backoff } from "../../backoff.ts";
import { ApiError, problemResponses } from "../errors.ts";
import {
  Catalogue,
  CatalogueEntry,
  Health,
  NameParams,
  Ready,
  VerifyBody,
  VerifyResult,
} from "../schemas.ts";
import { UnknownInstanceError } from "../../verifier.ts";
import { DEVELOPMENT_KEY_WARNING } from "../../../prover/index.ts";

/**
 * Load shedding (under-pressure, app.ts) answers 503 to every route except liveness and metrics: a
 * supervisor that restarts a process whose liveness probe fails would turn a busy server into a dead one,
 * and the metrics are what shows the pressure. Readiness does shed, so balancers send work elsewhere.
 */
const notShed = { pressureHandler: () => undefined };

export const publicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;
  const storeCheck = new Backoff(app.log, "the readiness check of the store");

  app.get(
    "/health",
    {
      config: { rateLimit: false, ...notShed },
      schema: { tags: ["service"], summary: "Liveness", security: [], response: { 200: Health } },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/ready",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["service"],
        summary: "Readiness: storage answers, verification keys loaded, not shutting down",
        security: [],
        response: { 200: Ready, ...problemResponses(503) },
      },
    },
    async () => {
      const retry = { "retry-after": "5" };
      if (!s.state.ready || s.state.closing)
        throw new ApiError("not-ready", "starting or shutting down", undefined, retry);
      try {
        await s.storage.ping();
        storeCheck.ok();
      } catch (err) {
        storeCheck.failed(err); // logged with back-off: probes come every few seconds from every balancer
        throw new ApiError("not-ready", "storage does not answer", undefined, retry);
      }
      return {
        status: "ready",
        storage: s.storage.kind,
        verifyInstances: s.verifier.instances,
        attestation: !!s.attest,
      };
    },
  );

  app.get(
    "/metrics",
    {
      config: notShed,
      schema: { tags: ["service"], summary: "Prometheus metrics (text format)", security: [] },
    },
    async (_req, reply) => reply.type("text/plain; version=0.0.4").send(await s.metrics.render()),
  );

  const entries = (withVkey: boolean) => {
    const manifest = readManifest();
    return loadCatalogue().map((c) => {
      const built = manifest.instances[c.name];
      const artifacts: Record<string, { sha256: string }> = {};
      for (const [kind, a] of Object.entries(built?.artifacts ?? {}))
        if (a) artifacts[kind] = { sha256: a.sha256 };
      return {
        name: c.name,
        template: c.template,
        params: c.params,
        publicSignals: c.publicSignals,
        protocol: c.protocol,
        power: c.power,
        use: c.use,
        built: !!built,
        ...(built ? { development: built.development, constraints: built.constraints } : {}),
        artifacts,
        ...(withVkey && s.verifier.key(c.name) ? { vkey: s.verifier.key(c.name)!.vkey } : {}),
      };
    });
  };

  app.get(
    "/v1/catalogue",
    {
      schema: {
        tags: ["catalogue"],
        summary: "Every circuit instance with its artifact hashes",
        security: [],
        response: { 200: Catalogue },
      },
    },
    async () => ({ instances: entries(false) }),
  );

  app.get(
    "/v1/catalogue/:name",
    {
      schema: {
        tags: ["catalogue"],
        summary: "One circuit instance with its verification key",
        security: [],
        params: NameParams,
        response: { 200: CatalogueEntry, ...problemResponses(404) },
      },
    },
    async (req) => {
      const e = entries(true).find((x) => x.name === req.params.name);
      if (!e) throw new ApiError("not-found", `no circuit instance "${req.params.name}"`);
      return e;
    },
  );

  app.post(
    "/v1/verify",
    {
      bodyLimit: 64 * 1024,
      onRequest: requireRole("auditor", "originator", "admin"),
      schema: {
        tags: ["auditor"],
        summary: "Verify a Groth16 proof against the catalogue's verification key of an instance",
        body: VerifyBody,
        response: { 200: VerifyResult, ...problemResponses(400, 401, 403, 404, 413) },
      },
    },
    async (req) => {
      const { instance, publicSignals, proof } = req.body;
      let valid: boolean;
      try {
        valid = await s.verifier.verify(instance, publicSignals, proof);
      } catch (err) {
        if (err instanceof UnknownInstanceError) {
          throw new ApiError("not-found", `no verification key for circuit instance "${instance}"`);
        }
        throw err;
      }
      s.metrics.verifications.inc({ instance, result: valid ? "valid" : "invalid" });
      const key = s.verifier.key(instance)!;
      return {
        valid,
        instance,
        vkeySha256: key.sha256,
        vkeyHash: key.hash,
        development: key.development,
        ...(key.development ? { warning: DEVELOPMENT_KEY_WARNING } : {}),
      };
    },
  );
};
