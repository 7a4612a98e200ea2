/**
 * Originator routes: upload tapes, commit to them, request proofs and attestations, have an attestation's
 * scores backed by a provider (score requests out, signed batches in, score-backing proofs as a job), follow
 * jobs.
 * An originator sees only its own tapes, jobs and attestations; admins see everything.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { domainWord, registryKeyHash } from "../../../prover/index.ts";
import { daysToIso } from "../../../prover/index.ts";
import type { Services } from "../../services.ts";
import { assertOwner, ownTape, requireRole } from "../../auth.ts";
import { checkJsonDepth } from "../body.ts";
import { requestSignal } from "../../deadline.ts";
import { canonicalJson, encrypt, newId, sha256Hex } from "../../crypto.ts";
import { ApiError, problemResponses } from "../errors.ts";
import {
  checkTapeScoreBatches,
  claimPool,
  originatorKey,
  poolOwnedMessage,
  tapeAad,
  tapeScoreRequests,
  type ScoresJobInput,
  type StoredCommitment,
} from "../../jobs/handlers.ts";
import { JobInputError, UnknownJobKindError } from "../../jobs/registry.ts";
import { chunkCountFor } from "../../../prover/index.ts";
import { keyHash } from "../../../prover/index.ts";
import { isFieldElement, poolChunkSize, scoreChunkSize, type SignedBatchJson } from "../../scores.ts";
import { loadCatalogue } from "../../../pipeline/index.ts";
import { DEFAULT_POOL_INSTANCE } from "../../../prover/index.ts";
import { CodedError, invalid, policyToJson, validatePolicy, within } from "../../../prover/index.ts";
import {
  AttestationBody,
  Commitment,
  CommitmentRequestBody,
  CsvQuery,
  IdParams,
  IdempotencyHeaders,
  JobView,
  OriginatorKeyQuery,
  OriginatorKeyView,
  ProofBody,
  ScoreRequests,
  ScoreRequestsQuery,
  ScoresBody,
  TapeSummary,
} from "../schemas.ts";
import type { JobRecord, TapeRecord } from "../../storage/types.ts";
import type { CsvHeaderQuery } from "../../tapes.ts";

/** Chunk sizes the commitment accepts: powers of two from 4 to 4096. */
const CHUNK_SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

/** Most chunks a proof's pool word can count (16 bits). */
const MAX_CHUNKS = 0xffff;

/** Chain ids stop below 2^93: the domain word `address | chainId << 160` must stay below the field (~2^253.6). */
export const CHAIN_ID_LIMIT = 1n << 93n;

/**
 * A chain id checked at the edge, where the job that uses it would fail later: below 2^93, and one the
 * domain word (`domainWord` of prover/commitment/keys.ts, which the jobs call) accepts with `address`.
 */
export function chainIdOf(field: string, text: string, address: string): bigint {
  if (!/^[0-9]{1,28}$/.test(text)) throw invalid(field, `expected a decimal chain id, got "${text}"`);
  const id = BigInt(text);
  if (id >= CHAIN_ID_LIMIT) {
    throw invalid(
      field,
      `must be below 2^93 (address | chainId << 160 must stay below the field), got ${text}`,
    );
  }
  try {
    domainWord(address, id);
  } catch (err) {
    if (!(err instanceof CodedError)) throw err;
    throw invalid(field, err.message);
  }
  return id;
}

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

/**
 * Creates a job idempotently: the `Idempotency-Key` header (or, without one, the hash of the request)
 * names it; the same key with another request is a conflict.
 */
async function submit(s: Services, req: FastifyRequest, kind: string, input: unknown) {
  const p = req.principal!;
  const requestHash = sha256Hex(canonicalJson({ kind, input }));
  const header = req.headers["idempotency-key"];
  const key = typeof header === "string" ? `key:${header}` : `auto:${requestHash}`;
  try {
    const { job, created } = await s.runner.submit({
      id: newId("job"),
      kind,
      owner: p.owner,
      idempotencyKey: key,
      requestHash,
      input,
      maxAttempts: s.config.jobMaxAttempts,
    });
    if (!created && job.requestHash !== requestHash) {
      throw new ApiError("idempotency-conflict", "this Idempotency-Key was used for a different request");
    }
    return { job, created };
  } catch (err) {
    if (err instanceof UnknownJobKindError) throw new ApiError("not-implemented", err.message);
    if (err instanceof JobInputError) throw new ApiError("validation", err.message, err.problems);
    throw err;
  }
}

const Accepted = { 200: JobView, 202: JobView };

/** 409 `pool-owned`: the tape's pool id belongs to another originator. */
const poolOwned = (poolId: string, field: string): ApiError =>
  new ApiError("pool-owned", poolOwnedMessage(poolId), [
    { field, reason: `pool ${poolId} belongs to another originator` },
  ]);

/** Refuses with 409 `pool-owned` when another originator owns the pool (claims nothing). */
async function refuseOthersPool(s: Services, poolId: string, owner: string, field: string): Promise<void> {
  const pool = await s.storage.getPool(poolId);
  if (pool && pool.owner !== owner) throw poolOwned(poolId, field);
}

/** Claims the pool for the caller (first use wins, atomically), or refuses with 409 `pool-owned`. */
async function claimOrRefuse(s: Services, poolId: string, owner: string, field: string): Promise<void> {
  if (await claimPool(s, poolId, owner)) throw poolOwned(poolId, field);
}

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
        onRequest: originator,
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
          response: { 201: TapeSummary, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
        },
      },
      async (req, reply) => {
        const type = String(req.headers["content-type"] ?? "")
          .split(";")[0]!
          .trim();
        const format =
          type === "application/json" ? "json" : type === "text/csv" || type === "text/plain" ? "csv" : null;
        if (!format) throw new ApiError("unsupported-media-type", "send application/json or text/csv");
        // The tape is read in a worker; its nesting is bounded here first, like every JSON body's.
        if (format === "json") checkJsonDepth(String(req.body));
        let tape;
        try {
          tape = await s.parser.parse(format, String(req.body), req.query as CsvHeaderQuery);
        } catch (err) {
          if (err instanceof CodedError && err.code === "tape-invalid") {
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
        // Checked, not claimed: an upload publishes nothing; the commitment or attestation request claims.
        await refuseOthersPool(s, tape.poolId, req.principal!.owner, "body/poolId");
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
      onRequest: requireRole("originator", "auditor", "admin"),
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
      onRequest: originator,
      // No body is the usual request: validated as the empty object it stands for.
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: {
        tags: ["originator"],
        summary: "Commit to a tape (a job): Poseidon Merkle root over salted leaves",
        params: IdParams,
        headers: IdempotencyHeaders,
        body: CommitmentRequestBody,
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
      await claimOrRefuse(s, t.poolId, req.principal!.owner, "params/id");
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
      onRequest: requireRole("originator", "auditor", "admin"),
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
      onRequest: requireRole("originator", "admin"),
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
      onRequest: originator,
      schema: {
        tags: ["originator"],
        summary: "Request the attestation of a committed tape under a policy (a job)",
        headers: IdempotencyHeaders,
        body: AttestationBody,
        response: { ...Accepted, ...problemResponses(400, 401, 403, 404, 409, 501) },
      },
    },
    async (req, reply) => {
      const chainId = chainIdOf("body/chainId", req.body.chainId, req.body.registry);
      const t = await ownTape(s, req.principal!, req.body.tapeId, []);
      await refuseOthersPool(s, t.poolId, req.principal!.owner, "body/tapeId");
      if (!s.attest) throw new ApiError("not-implemented", "pool attestations are disabled in this service");
      // The one validation of the policy: the job gets its canonical form.
      let policy;
      try {
        policy = validatePolicy(req.body.policy);
      } catch (err) {
        throw within("body/", err);
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
      await claimOrRefuse(s, t.poolId, req.principal!.owner, "body/tapeId");
      const input = {
        tapeId: t.id,
        policy: policyToJson(policy),
        chainId: chainId.toString(),
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
    "/tapes/:id/score-requests",
    {
      onRequest: originator,
      schema: {
        tags: ["originator"],
        summary: "Every chunk's score request for a score-backing instance (what the provider signs)",
        description:
          "Per chunk of the instance's size, in tape order: each slot's borrower commitment, opaque loan hash " +
          "hLoan and committed score (null for padding), as `buildScoreRequest` of prover/scores makes them. " +
          "Nothing else about the borrowers or loans leaves the service. The provider signs each request " +
          "(`signScoreBatch`); send the signed batches to `POST /v1/attestations/{id}/scores`.",
        params: IdParams,
        querystring: ScoreRequestsQuery,
        response: { 200: ScoreRequests, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const t = await ownTape(s, req.principal!, req.params.id, []);
      const { instance } = req.query;
      const size = scoreChunkSize(instance);
      if (size === undefined)
        throw invalid(
          "querystring/instance",
          `"${instance}" is not a ScoreBacking instance of the catalogue`,
        );
      if (!t.commitment) {
        throw new ApiError(
          "conflict",
          `params/id: tape ${t.id} has no commitment; commit first (POST /v1/tapes/${t.id}/commitment)`,
          [{ field: "params/id", reason: "the tape is not committed" }],
        );
      }
      const c = t.commitment as StoredCommitment;
      const chunkCount = chunkCountFor(c.loanCount, size);
      if (chunkCount > MAX_CHUNKS) {
        throw invalid(
          "querystring/instance",
          `chunks of ${size} split the ${c.loanCount} committed loans into ${chunkCount} chunks; ` +
            `a proof's pool word counts at most ${MAX_CHUNKS}: use a larger score-backing instance`,
        );
      }
      const requests = await tapeScoreRequests(
        s,
        t,
        size,
        requestSignal(reply, s.config.computeDeadlineMs, "building the score requests"),
      );
      return { tapeId: t.id, root: c.root, instance, chunkSize: size, chunkCount, requests };
    },
  );

  app.post(
    "/attestations/:id/scores",
    {
      onRequest: originator,
      schema: {
        tags: ["originator"],
        summary: "Prove an attestation's scores provider-backed, from the provider's signed batches (a job)",
        description:
          "Checks every batch against the committed tape's request of its chunk (provider key, freshness, " +
          "signature) before queueing the `scores` job, which proves ScoreBacking for every chunk; " +
          "`GET /v1/attestations/{id}/scores` serves the proofs.",
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ScoresBody,
        response: { ...Accepted, ...problemResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (req, reply) => {
      const a = await s.storage.getAttestation(req.params.id);
      if (!a) throw new ApiError("not-found", `no attestation ${req.params.id}`);
      assertOwner(req.principal!, a.owner, []);
      const body = req.body;
      const size = scoreChunkSize(body.instance);
      if (size === undefined)
        throw invalid("body/instance", `"${body.instance}" is not a ScoreBacking instance of the catalogue`);
      if (!s.verifier.key(body.instance)) {
        throw new ApiError(
          "conflict",
          `body/instance: circuit instance "${body.instance}" is not built on this service (npm run build)`,
          [{ field: "body/instance", reason: "not built here" }],
        );
      }
      const poolSize = poolChunkSize(a.instance);
      if (poolSize === undefined)
        throw new ApiError("conflict", `attestation ${a.id} is not a pool attestation (${a.instance})`);
      if (size !== poolSize) {
        throw invalid(
          "body/instance",
          `proves chunks of ${size}; attestation ${a.id} (${a.instance}) has chunks of ${poolSize}`,
        );
      }
      const t = a.tapeId ? await s.storage.getTape(a.tapeId) : undefined;
      if (!t?.commitment)
        throw new ApiError("conflict", `attestation ${a.id} has no committed tape in this service`);
      const chunkCount = chunkCountFor(t.loanCount, size);
      if (body.batches.length !== chunkCount) {
        throw invalid(
          "body/batches",
          `expected ${chunkCount} signed batches (one per chunk of the attestation, in order), got ${body.batches.length}`,
        );
      }
      const pub = body.providerPublicKey as [string, string];
      for (const i of [0, 1] as const)
        if (!isFieldElement(pub[i])) throw invalid(`body/providerPublicKey/${i}`, "not a field element");
      const providerKeyHash = (await keyHash([BigInt(pub[0]), BigInt(pub[1])])).toString();
      const chainId = chainIdOf(
        "body/chainId",
        body.chainId ?? String((a.data as { chainId?: unknown } | null)?.chainId ?? ""),
        body.contract,
      );
      for (const [i, b] of body.batches.entries()) {
        const at = `body/batches/${i}`;
        if (b.providerKeyHash !== providerKeyHash) {
          throw invalid(
            `${at}/providerKeyHash`,
            `${b.providerKeyHash} is not Poseidon(providerPublicKey) = ${providerKeyHash}: signed by another key`,
          );
        }
        for (const [name, v] of [
          ["signature/R8/0", b.signature.R8[0]],
          ["signature/R8/1", b.signature.R8[1]],
          ["signature/S", b.signature.S],
        ] as const) {
          if (!isFieldElement(v!)) throw invalid(`${at}/${name}`, "not a field element");
        }
        const age = t.asOfDate - b.scoreDate;
        if (age < 0 || age > body.maxAgeDays) {
          throw invalid(
            `${at}/scoreDate`,
            `day ${b.scoreDate} is ${age < 0 ? "after the tape's asOfDate" : `${age} days before the tape's asOfDate`} ` +
              `(${t.asOfDate}); maxAgeDays is ${body.maxAgeDays}`,
          );
        }
      }
      const problems = await checkTapeScoreBatches(
        s,
        t,
        size,
        pub,
        body.batches as SignedBatchJson[],
        requestSignal(reply, s.config.computeDeadlineMs, "checking the signed batches"),
      );
      if (problems.length > 0) {
        throw new ApiError(
          "validation",
          `${problems[0]!.field}: ${problems[0]!.reason}` +
            (problems.length > 1 ? ` (and ${problems.length - 1} more batch(es))` : ""),
          problems,
        );
      }
      const input: ScoresJobInput = {
        attestationId: a.id,
        tapeId: t.id,
        instance: body.instance,
        chunkSize: size,
        providerPublicKey: [BigInt(pub[0]).toString(), BigInt(pub[1]).toString()],
        maxAgeDays: body.maxAgeDays,
        contract: body.contract.toLowerCase(),
        chainId: chainId.toString(),
        batches: body.batches,
      };
      const { job, created } = await submit(s, req, "scores", input);
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/jobs/${job.id}`)
        .send(jobView(job));
    },
  );

  app.get(
    "/originator/key",
    {
      onRequest: originator,
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
        const id = chainIdOf("querystring/chainId", chainId, registry);
        keyHash = (await registryKeyHash(k.publicKey, domainWord(registry, id))).toString();
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
      onRequest: requireRole("originator", "admin"),
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
