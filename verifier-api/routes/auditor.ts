/** Auditor routes: attestations by id and by pool and period, and openings of sampled loans. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { assertOwner, requireRole } from "../auth.ts";
import { ApiError, problemResponses } from "../errors.ts";
import { openTapeLoans, type StoredCommitment } from "../handlers.ts";
import { AttestationQuery, AttestationView, IdParams, Openings, OpeningsBody } from "../schemas.ts";
import type { AttestationRecord } from "../storage/types.ts";
import { SAMPLING_RULE, sampleIndices } from "../sampling.ts";
import { ownTape } from "./originator.ts";

const view = (a: AttestationRecord) => ({
  id: a.id,
  jobId: a.jobId,
  tapeId: a.tapeId,
  poolId: a.poolId,
  period: a.period,
  instance: a.instance,
  policyHash: a.policyHash,
  createdAt: new Date(a.createdAt).toISOString(),
  data: a.data,
});

export const auditorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;

  app.get(
    "/attestations/:id",
    {
      preHandler: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["originator", "auditor"],
        summary: "An attestation: proofs, public signals, figures, Solidity calldata",
        params: IdParams,
        response: { 200: AttestationView, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const a = await s.storage.getAttestation(req.params.id);
      if (!a) throw new ApiError("not-found", `no attestation ${req.params.id}`);
      assertOwner(req.principal!, a.owner, ["admin", "auditor"]);
      return view(a);
    },
  );

  app.get(
    "/attestations",
    {
      preHandler: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["auditor"],
        summary: "Attestations of a pool (and period); originators see only their own",
        querystring: AttestationQuery,
        response: {
          200: Type.Object({ attestations: Type.Array(AttestationView) }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      const all = await s.storage.findAttestations(req.query.poolId, req.query.period);
      return { attestations: all.filter((a) => p.role !== "originator" || a.owner === p.owner).map(view) };
    },
  );

  app.post(
    "/tapes/:id/openings",
    {
      preHandler: requireRole("auditor", "admin"),
      schema: {
        tags: ["auditor"],
        summary: `Open loans of a committed tape sampled from the auditor's seed (${SAMPLING_RULE})`,
        params: IdParams,
        body: OpeningsBody,
        response: { 200: Openings, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const t = await ownTape(s, req.principal!, req.params.id, ["admin", "auditor"]);
      if (!t.commitment)
        throw new ApiError("conflict", `tape ${t.id} has no commitment: nothing to open against`);
      const c = t.commitment as StoredCommitment;
      const indices = sampleIndices(req.body.seed, t.loanCount, req.body.count);
      const openings = await openTapeLoans(s, t, indices);
      req.log.info({ tapeId: t.id, indices, auditor: req.principal!.owner }, "loans opened for an auditor");
      return {
        tapeId: t.id,
        root: c.root,
        rule: SAMPLING_RULE,
        seed: req.body.seed,
        tapeSize: t.loanCount,
        indices,
        openings,
      };
    },
  );
};
