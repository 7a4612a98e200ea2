/**
 * Auditor routes: attestations by id and by pool and period, their provider-backed score proofs (checked by
 * the resident verifier on every read), and openings of sampled loans.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { assertOwner, ownTape, requireRole } from "../../auth.ts";
import { ApiError, problemResponses } from "../errors.ts";
import { openTapeLoans, type StoredCommitment } from "../../jobs/handlers.ts";
import {
  ATTESTATION_PAGE,
  AttestationPage,
  AttestationQuery,
  AttestationView,
  IdParams,
  Openings,
  OpeningsBody,
  ScoresView,
} from "../schemas.ts";
import { toSolidityProof } from "../../../prover/index.ts";
import type { Groth16Proof } from "snarkjs";
import { poolChunkSize } from "../../scores.ts";
import { chunkCountFor, SAMPLING_RULE, sampleIndices } from "../../../prover/index.ts";
import type { AttestationCursor, AttestationRecord, ScoreProofRecord } from "../../storage/types.ts";
import { decideOpening, openingBudget, type OpeningDecision } from "../../sampling.ts";
import { requestSignal } from "../../deadline.ts";
import type { Services } from "../../services.ts";

const summary = (a: AttestationRecord) => ({
  id: a.id,
  owner: a.owner,
  jobId: a.jobId,
  tapeId: a.tapeId,
  poolId: a.poolId,
  period: a.period,
  instance: a.instance,
  policyHash: a.policyHash,
  createdAt: new Date(a.createdAt).toISOString(),
});
const view = (a: AttestationRecord) => ({ ...summary(a), data: a.data });

/** A page cursor: base64url of `[period, createdAt, id]` of the page's last attestation. */
const cursorOf = (a: AttestationRecord): string =>
  Buffer.from(JSON.stringify([a.period, a.createdAt, a.id])).toString("base64url");

function parseCursor(text: string): AttestationCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    v = undefined;
  }
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    !Number.isSafeInteger(v[0]) ||
    !Number.isSafeInteger(v[1]) ||
    typeof v[2] !== "string"
  ) {
    const reason = "not a cursor of this listing (send the `next` of the previous page)";
    throw new ApiError("validation", `querystring/cursor: ${reason}`, [
      { field: "querystring/cursor", reason },
    ]);
  }
  return { period: v[0] as number, createdAt: v[1] as number, id: v[2] as string };
}

const tapeBudget = (s: Services, loanCount: number): number =>
  openingBudget(loanCount, s.config.openingBudgetPercent, s.config.openingBudgetMax);

export const auditorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;

  app.get(
    "/attestations/:id",
    {
      onRequest: requireRole("originator", "auditor", "admin"),
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
      onRequest: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["auditor"],
        summary: "Attestations of a pool (and period), a page at a time; originators see only their own",
        description:
          `Summaries (no proofs) in (period, creation time) order, ${ATTESTATION_PAGE.default} a page by default ` +
          `(\`limit\` up to ${ATTESTATION_PAGE.max}); \`full=true\` adds each attestation's data, at most ` +
          `${ATTESTATION_PAGE.maxFull} a page; \`GET /v1/attestations/{id}\` serves one whole. Follow \`next\` ` +
          "(as `cursor`) until it is null.",
        querystring: AttestationQuery,
        response: { 200: AttestationPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const q = req.query;
      const full = q.full === true;
      const limit = q.limit ?? (full ? ATTESTATION_PAGE.maxFull : ATTESTATION_PAGE.default);
      if (full && limit > ATTESTATION_PAGE.maxFull) {
        const reason = `at most ${ATTESTATION_PAGE.maxFull} with full=true`;
        throw new ApiError("validation", `querystring/limit: ${reason}`, [
          { field: "querystring/limit", reason },
        ]);
      }
      const poolId = BigInt(q.poolId).toString(); // "007" is pool 7
      const mine = p.role === "originator" ? p.owner : undefined;
      const rows = await s.storage.listAttestations({
        poolId,
        period: q.period,
        owner: mine,
        after: q.cursor === undefined ? undefined : parseCursor(q.cursor),
        limit: limit + 1, // one more tells whether a next page exists
        withData: full,
      });
      const page = rows.slice(0, limit);
      const pool = await s.storage.getPool(poolId);
      return {
        poolId,
        owner: pool && (mine === undefined || pool.owner === mine) ? pool.owner : null,
        attestations: page.map(full ? view : summary),
        next: rows.length > limit ? cursorOf(page[page.length - 1]!) : null,
      };
    },
  );

  app.get(
    "/attestations/:id/scores",
    {
      onRequest: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["originator", "auditor"],
        summary: "An attestation's provider-backed score proofs per chunk, each verified now",
        description:
          "One entry per `scores` job (a submission of provider batches), with every chunk's ScoreBacking " +
          "proof, public signals and Solidity calldata; `valid` is the resident verifier's check of the " +
          "stored proof against the instance's verification key, made on this request.",
        params: IdParams,
        response: { 200: ScoresView, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const a = await s.storage.getAttestation(req.params.id);
      if (!a) throw new ApiError("not-found", `no attestation ${req.params.id}`);
      assertOwner(req.principal!, a.owner, ["admin", "auditor"]);
      const recs = await s.storage.listScoreProofs(a.id);
      const t = a.tapeId ? await s.storage.getTape(a.tapeId) : undefined;
      const size = poolChunkSize(a.instance);
      const chunkCount =
        (a.data as { chunkCount?: number } | null)?.chunkCount ??
        (t && size ? chunkCountFor(t.loanCount, size) : 0);
      const byJob = new Map<string, ScoreProofRecord[]>();
      for (const r of recs) byJob.set(r.jobId, [...(byJob.get(r.jobId) ?? []), r]);
      const checked = async (r: ScoreProofRecord): Promise<boolean | null> =>
        s.verifier.key(r.instance) ? s.verifier.verify(r.instance, r.publicSignals, r.proof) : null;
      const scores = await Promise.all(
        [...byJob.entries()].map(async ([jobId, chunks]) => {
          const valid = await Promise.all(chunks.map(checked));
          const first = chunks[0]!.publicSignals;
          const indices = new Set(chunks.map((c) => c.chunkIndex));
          const complete =
            chunkCount > 0 && indices.size === chunkCount && [...indices].every((i) => i < chunkCount);
          return {
            jobId,
            instance: chunks[0]!.instance,
            createdAt: new Date(chunks[0]!.createdAt).toISOString(),
            domain: first[2] ?? "",
            providerKeyHash: first[3] ?? "",
            modelId: first[4] ?? "",
            maxAgeDays: first[5] ?? "",
            complete,
            valid: complete && valid.every((v) => v === true),
            chunks: chunks.map((c, i) => {
              let calldata;
              try {
                calldata = toSolidityProof(c.proof as Groth16Proof, c.publicSignals);
              } catch {
                calldata = { a: [], b: [], c: [], pubSignals: c.publicSignals };
              }
              return {
                chunkIndex: c.chunkIndex,
                proof: c.proof as Groth16Proof,
                publicSignals: c.publicSignals,
                calldata,
                valid: valid[i]!,
              };
            }),
          };
        }),
      );
      return { attestationId: a.id, chunkCount, scores };
    },
  );

  app.post(
    "/tapes/:id/openings",
    {
      onRequest: requireRole("auditor", "admin"),
      schema: {
        tags: ["auditor"],
        summary: `Open loans of a committed tape sampled from the auditor's seed (${SAMPLING_RULE})`,
        params: IdParams,
        body: OpeningsBody,
        response: { 200: Openings, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (req, reply) => {
      const t = await ownTape(s, req.principal!, req.params.id, ["admin", "auditor"]);
      if (!t.commitment)
        throw new ApiError("conflict", `tape ${t.id} has no commitment: nothing to open against`);
      const c = t.commitment as StoredCommitment;
      const { seed, count } = req.body;
      // Drawn over the tape's loan count (the count every attestation of its root commits and proves
      // packed), never over a count typed by anyone.
      const indices = sampleIndices(seed, t.loanCount, count);
      const budget = tapeBudget(s, t.loanCount);
      const refuse = (d: OpeningDecision): void => {
        if (d.status === "seed-reused") {
          throw new ApiError(
            "conflict",
            `this seed was already used on tape ${t.id} with count ${d.previousCount}`,
          );
        }
        if (d.status === "over-budget") {
          throw new ApiError(
            "conflict",
            `tape ${t.id} may show auditors at most ${budget} of its ${t.loanCount} loans; ${d.revealed} are ` +
              `revealed and this opening would make it ${d.wouldReveal}: ask the originator for more`,
          );
        }
      };
      // A first look, so a refused request costs no compute; the decision that counts comes after.
      refuse(decideOpening(await s.storage.listOpenings(t.id), { seed, indices }, budget));
      // The openings lane, under the request's deadline: work for a request that is gone is killed, and
      // nothing is recorded for it.
      const openings = await openTapeLoans(
        s,
        t,
        indices,
        requestSignal(reply, s.config.computeDeadlineMs, "opening the loans"),
      );
      // Decided and recorded in one step under the tape's lock, before anything is revealed: the audit
      // trail holds every opening served, and no interleaving of requests passes the budget.
      refuse(
        await s.storage.recordOpening(
          { tapeId: t.id, auditor: req.principal!.owner, seed, indices, createdAt: Date.now() },
          budget,
        ),
      );
      req.log.info({ tapeId: t.id, indices, auditor: req.principal!.owner }, "loans opened for an auditor");
      return {
        tapeId: t.id,
        root: c.root,
        rule: SAMPLING_RULE,
        seed,
        tapeSize: c.loanCount,
        indices,
        openings,
      };
    },
  );

  app.get(
    "/tapes/:id/openings",
    {
      onRequest: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["originator", "auditor"],
        summary: "The audit trail of a tape's openings: who opened which loans, with which seed, when",
        params: IdParams,
        response: {
          200: Type.Object({
            tapeId: Type.String(),
            budget: Type.Integer({ description: "Most distinct loans auditors may see on this tape" }),
            revealed: Type.Integer({ description: "Distinct loans revealed so far" }),
            openings: Type.Array(
              Type.Object({
                auditor: Type.String(),
                seed: Type.String(),
                indices: Type.Array(Type.Integer()),
                createdAt: Type.String(),
              }),
            ),
          }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const t = await ownTape(s, req.principal!, req.params.id, ["admin", "auditor"]);
      const list = await s.storage.listOpenings(t.id);
      return {
        tapeId: t.id,
        budget: tapeBudget(s, t.loanCount),
        revealed: new Set(list.flatMap((o) => o.indices)).size,
        openings: list.map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString() })),
      };
    },
  );
};
