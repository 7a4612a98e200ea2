/**
 * Tranche analytics for auditors and operators: `POST /v1/analytics` runs the Monte Carlo loss model
 * (analytics/) on an analysis input, and `POST /v1/attestations/:id/analytics` on a stored attestation's
 * attested figures: those derived from its proofs, verified on the request with the resident verifier
 * (never the stored summary; a stored attestation whose proofs do not support its figures is a 409 naming
 * each problem). Each analysis is bounded (work per request, analyses per key) and runs in a worker process
 * killed at its deadline or when the client goes away (`analytics-runner.ts`); limits in docs/API.md.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  AnalysisInputSchema,
  AnalysisReportSchema,
  TrancheSchema,
  analysisFromFigures,
  type AnalysisInput,
} from "../../../analytics/index.ts";
import { CodedError, parseAttestation, verifyAttestation } from "../../../prover/index.ts";
import { assertOwner, requireRole } from "../../auth.ts";
import { ApiError, problemResponses } from "../errors.ts";
import { IdParams } from "../schemas.ts";
import type { Services } from "../../services.ts";
import { requestSignal } from "../../deadline.ts";
import type { FastifyReply, FastifyRequest } from "fastify";

/** The most scenarios one request may ask for: bounds the CPU a request can take. */
export const MAX_API_SCENARIOS = 1_000_000;

const FromAttestationBody = Type.Object(
  {
    tranches: Type.Array(TrancheSchema, { minItems: 1, maxItems: 32 }),
    rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    scenarios: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_API_SCENARIOS })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

function run(s: Services, req: FastifyRequest, reply: FastifyReply, input: AnalysisInput) {
  const scenarios = input.simulation?.scenarios ?? 0;
  if (scenarios > MAX_API_SCENARIOS) {
    throw new ApiError("validation", `simulation.scenarios: at most ${MAX_API_SCENARIOS} per request`);
  }
  const signal = requestSignal(reply, s.config.analyticsDeadlineMs, "the analysis");
  return s.analytics.run(input, req.principal!.keyId, signal);
}

export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;

  app.post(
    "/analytics",
    {
      onRequest: requireRole("auditor", "admin", "originator"),
      schema: {
        tags: ["auditor"],
        summary: "Tranche expected losses, sizing and stress tests from an analysis input",
        body: AnalysisInputSchema,
        response: { 200: AnalysisReportSchema, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => run(s, req, reply, req.body),
  );

  app.post(
    "/attestations/:id/analytics",
    {
      onRequest: requireRole("auditor", "admin", "originator"),
      schema: {
        tags: ["auditor"],
        summary: "Tranche analytics on a stored attestation's attested figures (no loan data needed)",
        description:
          "The figures are derived from the attestation's proofs, each verified on this request; a stored " +
          "attestation whose proofs do not verify or whose summary disagrees with them is refused (409).",
        params: IdParams,
        body: FromAttestationBody,
        response: { 200: AnalysisReportSchema, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const a = await s.storage.getAttestation(req.params.id);
      if (!a) throw new ApiError("not-found", `no attestation ${req.params.id}`);
      assertOwner(req.principal!, a.owner, ["admin", "auditor"]);
      let check;
      try {
        check = await verifyAttestation(
          parseAttestation(JSON.stringify(a.data)),
          undefined,
          s.verifier.asAttestationVerifier(),
        );
      } catch (err) {
        // a stored attestation that no longer parses: the resource's state, not the request (a bug stays a 500)
        if (!(err instanceof CodedError)) throw err;
        throw new ApiError("conflict", `attestation ${req.params.id}: ${err.message}`);
      }
      const figures = check.valid ? check.figures : null;
      if (!figures)
        throw new ApiError(
          "conflict",
          `attestation ${req.params.id}: its figures are not those of its verified proofs: ${check.problems.join("; ")}`,
        );
      // the analytics library's coded refusal is a 400 through CODE_PROBLEM
      const input: AnalysisInput = analysisFromFigures(figures, {
        tranches: req.body.tranches,
        ...(req.body.rho === undefined ? {} : { rho: req.body.rho }),
        simulation: { scenarios: req.body.scenarios ?? 100_000, seed: req.body.seed ?? 1 },
      } as Parameters<typeof analysisFromFigures>[1]);
      return run(s, req, reply, input);
    },
  );
};
