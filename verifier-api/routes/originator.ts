/**
 * Originator routes: upload tapes, commit to them, request proofs and attestations, follow jobs.
 * An originator sees only its own tapes, jobs and attestations; admins see everything.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { domainWord, registryKeyHash } from "../../prover/commitment/keys.ts";
import { daysToIso } from "../../prover/tape/index.ts";
import type { Services } from "../app.ts";
import { assertOwner, requireRole, type Principal } from "../auth.ts";
import { canonicalJson, encrypt, newId, sha256Hex } from "../crypto.ts";
import { ApiError, problemResponses } from "../errors.ts";
import { originatorKey, tapeAad, type StoredCommitment } from "../handlers.ts";
import { loadCatalogue } from "../../pipeline/catalogue.ts";
import { DEFAULT_POOL_INSTANCE } from "../../prover/attest.ts";
import { policyToJson, validatePolicy } from "../../prover/policy/index.ts";
import {
  AttestationBody,
  Commitment,
  CsvQuery,
  IdParams,
  IdempotencyHeaders,
  JobView,
  OriginatorKeyQuery,
  OriginatorKeyView,
  ProofBody,
  TapeSummary,
} from "../schemas.ts";
import type { JobRecord, TapeRecord } from "../storage/types.ts";
import { TapeValidationError, type CsvHeaderQuery } from "../tapes.ts";

/** Chunk sizes the commitment accepts: powers of two from 4 to 4096. */
const CHUNK_SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobView(j: JobRecord): JobView {
  return {
    id: j.id,
    kind: j.kind,
    state: j.state,
    progress: j.progress,
    stage: j.stage,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    createdAt: iso(j.createdAt)!,
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    error: j.error,
    result: j.state === "succeeded" ? j.result : null,
  };
}

export function tapeSummary(t: TapeRecord): TapeSummary {
  return {
    id: t.id,
    poolId: t.poolId,
    period: t.period,
    asOfDate: daysToIso(t.asOfDate),
    loanCount: t.loanCount,
    format: t.format,
    sha256: t.sha256,
    createdAt: iso(t.createdAt)!,
    committed: t.commitment !== null,
  };
}

/** The tape, or 404; 403 when it is another originator's and the caller may not see it. */
export async function ownTape(
  s: Services,
  p: Principal,
  id: string,
  alsoRoles: Principal["role"][] = ["admin"],
) {
  const t = await s.storage.getTape(id);
  if (!t) throw new ApiError("not-found", `no tape ${id}`);
  assertOwner(p, t.owner, alsoRoles);
  return t;
}

/**
 * Creates a job idempotently: the `Idempotency-Key` header (or, without one, the hash of the request)
 * names it; the same key with another request is a conflict.
 */
async function submit(s: Services, req: FastifyRequest, kind: string, input: unknown) {
  const p = req.principal!;
  const requestHash = sha256Hex(canonicalJson({ kind, input }));
  const header = req.headers["idempotency-key"];
  const key = typeof header === "string" ? `key:${header}` : `auto:${requestHash}`;
  const { job, created } = await s.storage.createJob(
    {
      id: newId("job"),
      kind,
      owner: p.owner,
      idempotencyKey: key,
      requestHash,
      input,
      maxAttempts: s.config.jobMaxAttempts,
    },
    Date.now(),
  );
  if (!created && job.requestHash !== requestHash) {
    throw new ApiError("idempotency-conflict", "this Idempotency-Key was used for a different request");
  }
  if (created) void s.runner.poll();
  return { job, created };
}

const Accepted = { 200: JobView, 202: JobView };

export const originatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;
  const originator = requireRole("originator");

  // Tape bodies stay raw text here (their own parser in this encapsulated context): they are read and
  // validated in a worker process, not on the event loop.
  await app.register(async (sub) => {
    sub.removeContentTypeParser("application/json");
    sub.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    sub.post(
      "/tapes",
      {
        preHandler: originator,
        schema: {
          tags: ["originator"],
          summary: "Upload a loan tape (JSON rwa-attest/tape@1, or canonical CSV); 422 lists every problem",
          querystring: CsvQuery,
          body: {
            content: {
              "application/json": {
                schema: Type.Unknown({ description: "A rwa-attest/tape@1 tape (docs/TAPE.md)" }),
              },
              "text/csv": { schema: Type.String({ description: "Canonical CSV tape (docs/TAPE.md)" }) },
            },
          },
          response: { 201: TapeSummary, ...problemResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (req, reply) => {
        const type = String(req.headers["content-type"] ?? "")
          .split(";")[0]!
          .trim();
        const format =
          type === "application/json" ? "json" : type === "text/csv" || type === "text/plain" ? "csv" : null;
        if (!format) throw new ApiError("unsupported-media-type", "send application/json or text/csv");
        let tape;
        try {
          tape = await s.parser.parse(format, String(req.body), req.query as CsvHeaderQuery);
        } catch (err) {
          if (err instanceof TapeValidationError) {
            throw new ApiError(
              "tape-invalid",
              `${err.problems.length} problem(s) in the tape`,
              err.problems
                .slice(0, 1000)
                .map((p) => ({ row: p.row, field: p.field, value: p.value, reason: p.reason })),
            );
          }
          throw err;
        }
        const plain = Buffer.from(tape.canonical, "utf8");
        const rec: TapeRecord = {
          id: newId("tape"),
          owner: req.principal!.owner,
          poolId: tape.poolId,
          period: tape.period,
          asOfDate: tape.asOfDate,
          loanCount: tape.loanCount,
          format,
          sha256: sha256Hex(plain),
          ciphertext: Buffer.alloc(0),
          createdAt: Date.now(),
          commitment: null,
          committedAt: null,
        };
        rec.ciphertext = encrypt(s.config.tapeKey, plain, tapeAad(rec));
        await s.storage.insertTape(rec);
        return reply.code(201).header("location", `/v1/tapes/${rec.id}`).send(tapeSummary(rec));
      },
    );
  });

  app.get(
    "/tapes/:id",
    {
      preHandler: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["originator"],
        summary: "A tape's summary (never its loans)",
        params: IdParams,
        response: { 200: TapeSummary, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => tapeSummary(await ownTape(s, req.principal!, req.params.id, ["admin", "auditor"])),
  );

  app.post(
    "/tapes/:id/commitment",
    {
      preHandler: originator,
      schema: {
        tags: ["originator"],
        summary: "Commit to a tape (a job): Poseidon Merkle root over salted leaves",
        params: IdParams,
        headers: IdempotencyHeaders,
        querystring: Type.Object({
          chunkSize: Type.Optional(
            Type.Union(
              CHUNK_SIZES.map((n) => Type.Literal(n)),
              {
                description: "Chunk size the commitment is summarised for (the root does not depend on it)",
              },
            ),
          ),
        }),
        response: { ...Accepted, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const t = await ownTape(s, req.principal!, req.params.id, []);
      const { job, created } = await submit(s, req, "commitment", {
        tapeId: t.id,
        chunkSize: req.query.chunkSize ?? 256,
      });
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/jobs/${job.id}`)
        .send(jobView(job));
    },
  );

  app.get(
    "/tapes/:id/commitment",
    {
      preHandler: requireRole("originator", "auditor", "admin"),
      schema: {
        tags: ["originator", "auditor"],
        summary: "A tape's commitment (root and chunk roots)",
        params: IdParams,
        response: { 200: Commitment, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const t = await ownTape(s, req.principal!, req.params.id, ["admin", "auditor"]);
      if (!t.commitment) throw new ApiError("not-found", `tape ${t.id} has no commitment yet`);
      const c = t.commitment as StoredCommitment;
      return {
        tapeId: t.id,
        root: c.root,
        loanCount: c.loanCount,
        chunkSize: c.chunkSize,
        chunkCount: c.chunkCount,
        chunkRoots: c.chunkRoots,
        committedAt: iso(t.committedAt)!,
      };
    },
  );

  app.post(
    "/proofs",
    {
      preHandler: requireRole("originator", "admin"),
      schema: {
        tags: ["originator"],
        summary: "Prove an input for a catalogue instance (a job)",
        headers: IdempotencyHeaders,
        body: ProofBody,
        response: { ...Accepted, ...problemResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (req, reply) => {
      if (!s.verifier.key(req.body.instance)) {
        throw new ApiError("not-found", `circuit instance "${req.body.instance}" is not built here`);
      }
      const { job, created } = await submit(s, req, "proof", req.body);
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/jobs/${job.id}`)
        .send(jobView(job));
    },
  );

  app.post(
    "/attestations",
    {
      preHandler: originator,
      schema: {
        tags: ["originator"],
        summary: "Request the attestation of a committed tape under a policy (a job)",
        headers: IdempotencyHeaders,
        body: AttestationBody,
        response: { ...Accepted, ...problemResponses(400, 401, 403, 404, 409, 501) },
      },
    },
    async (req, reply) => {
      const t = await ownTape(s, req.principal!, req.body.tapeId, []);
      if (!s.attest) throw new ApiError("not-implemented", "pool attestations are disabled in this service");
      let policy;
      try {
        policy = validatePolicy(req.body.policy);
      } catch (err) {
        throw new ApiError("validation", (err as Error).message, [
          { field: "body/policy", reason: (err as Error).message },
        ]);
      }
      const instance = req.body.instance ?? DEFAULT_POOL_INSTANCE;
      const entry = loadCatalogue().find((c) => c.name === instance);
      if (!entry || entry.template !== "PoolAttestation") {
        throw new ApiError("validation", `"${instance}" is not a pool attestation circuit of the catalogue`, [
          { field: "body/instance", reason: "not a PoolAttestation instance" },
        ]);
      }
      if (!s.verifier.key(instance)) {
        throw new ApiError(
          "conflict",
          `circuit instance "${instance}" is not built on this service (npm run build)`,
        );
      }
      if (!t.commitment)
        throw new ApiError("conflict", `commit to tape ${t.id} first (POST /v1/tapes/${t.id}/commitment)`);
      const input = {
        tapeId: t.id,
        policy: policyToJson(policy),
        chainId: BigInt(req.body.chainId).toString(),
        registry: req.body.registry.toLowerCase(),
        instance,
      };
      const { job, created } = await submit(s, req, "attestation", input);
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/jobs/${job.id}`)
        .send(jobView(job));
    },
  );

  app.get(
    "/originator/key",
    {
      preHandler: originator,
      schema: {
        tags: ["originator"],
        summary: "The originator's attestation signing key (Baby Jubjub public key; its hash in a registry)",
        description:
          "The service holds the originator's EdDSA-Poseidon key (private part encrypted at rest) and signs " +
          "attestations with it; propose `publicKey` in the on-chain registry (`proposeKey(Ax, Ay, validFrom)`). " +
          "With `registry` and `chainId`, the response also carries the key's hash in that registry, which " +
          "governance approves and every proof for that registry carries.",
        querystring: OriginatorKeyQuery,
        response: { 200: OriginatorKeyView, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const k = await originatorKey(s, req.principal!.owner);
      const { registry, chainId } = req.query;
      if ((registry === undefined) !== (chainId === undefined))
        throw new ApiError("validation", "registry and chainId go together");
      let keyHash: string | undefined;
      if (registry !== undefined && chainId !== undefined) {
        if (BigInt(chainId) >= 1n << 64n) throw new ApiError("validation", "chainId: above 2^64 - 1");
        keyHash = (await registryKeyHash(k.publicKey, domainWord(registry, BigInt(chainId)))).toString();
      }
      return {
        owner: req.principal!.owner,
        publicKey: [k.publicKey[0].toString(), k.publicKey[1].toString()],
        ...(keyHash === undefined ? {} : { keyHash }),
      };
    },
  );

  app.get(
    "/jobs/:id",
    {
      preHandler: requireRole("originator", "admin"),
      schema: {
        tags: ["originator"],
        summary: "A job's state, progress and result",
        params: IdParams,
        response: { 200: JobView, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const j = await s.storage.getJob(req.params.id);
      if (!j) throw new ApiError("not-found", `no job ${req.params.id}`);
      assertOwner(req.principal!, j.owner);
      return jobView(j);
    },
  );
};
