/**
 * Provider-backed score routes through `inject`: the score requests of a committed tape, the checks of
 * `POST /v1/attestations/:id/scores` on real provider keys and real signed batches (wrong role, another
 * originator's attestation, malformed numbers, another key, another chunk's batch, a missing chunk, stale
 * scores) and `GET /v1/attestations/:id/scores`. The job runner is stopped once the tape is committed, so
 * nothing is proven here (the proofs are test/api/scores-e2e.test.ts's).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { keyHash } from "../../prover/commitment/keys.ts";
import {
  generateProviderKey,
  signScoreBatch,
  type ProviderKey,
  type SignedScoreBatch,
} from "../../prover/scores/index.ts";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import type { StoredCommitment } from "../../verifier-api/jobs/handlers.ts";
import {
  batchToJson,
  scoreRequestFromJson,
  type ScoreRequestJson,
  type SignedBatchJson,
} from "../../verifier-api/scores.ts";
import { smallTape, startTestApp, waitJob, type TestApp } from "./helpers.ts";

const SCORE = "score-backing-8";
const BUILT = readManifest().instances[SCORE] !== undefined;
if (!BUILT) console.warn(`${SCORE} is not built: skipping the score submission route tests`);

let t: TestApp;
const tape = smallTape(12, "scores-routes");
let tapeId: string;
let uncommittedId: string;
let requests: ScoreRequestJson[];
let provider: ProviderKey;
let stranger: ProviderKey;
const ATT = "att_scores_a";
const ATT_B = "att_scores_b";
const ATT_64 = "att_scores_64";

type Res = { statusCode: number; headers: Record<string, unknown>; json: () => unknown };
const expectProblem = (r: Res, status: number, kind: string, field?: string) => {
  expect(r.statusCode).toBe(status);
  expect(String(r.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const body = r.json() as {
    type: string;
    status: number;
    detail?: string;
    errors?: { field: string; reason: string }[];
  };
  expect(body.type).toBe(PROBLEM_BASE + kind);
  if (field !== undefined) {
    // our own refusals start the detail with the whole path; schema refusals name at least the property
    expect(body.detail).toContain(field.split("/").pop());
    expect(body.errors?.map((e) => e.field)).toContain(field);
  }
  return body;
};

/** The provider's own records: each borrower commitment's score (here from the tape itself). */
function lookupFor(reqs: ScoreRequestJson[]): (bc: bigint) => number | undefined {
  const known = new Map<bigint, number>();
  for (const r of reqs)
    r.entries.forEach((e, j) => {
      if (e) known.set(BigInt(e.borrowerCommitment), tape.loans[r.chunkIndex * r.chunkSize + j]!.creditScore);
    });
  return (bc) => known.get(bc);
}

async function sign(
  key: ProviderKey,
  chunk: number,
  scoreDate = tape.asOfDate - 3,
): Promise<SignedScoreBatch> {
  return signScoreBatch(
    key,
    scoreRequestFromJson(requests[chunk]!),
    { modelId: 2, scoreDate },
    lookupFor(requests),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  const up = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(tape),
  });
  tapeId = up.json().id;
  const other = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(smallTape(5, "scores-uncommitted")),
  });
  uncommittedId = other.json().id;
  const c = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
  expect((await waitJob(t, t.keys.origA, c.json().id)).state).toBe("succeeded");
  // From here on jobs are only queued: the submission checks are what this file tests.
  await t.app.services.runner.stop(5_000);
  const s = t.app.services.storage;
  const base = {
    tapeId,
    poolId: "42",
    period: 202610,
    policyHash: "1",
    data: { chainId: "31337", chunkCount: 2, chunks: [] },
    createdAt: Date.now(),
  };
  await s.insertAttestation({
    ...base,
    id: ATT,
    owner: "orig-a",
    jobId: "job_sa",
    instance: "pool-attestation-8",
  });
  await s.insertAttestation({
    ...base,
    id: ATT_B,
    owner: "orig-b",
    jobId: "job_sb",
    instance: "pool-attestation-8",
  });
  await s.insertAttestation({
    ...base,
    id: ATT_64,
    owner: "orig-a",
    jobId: "job_s64",
    instance: "pool-attestation-64",
    data: { chainId: "31337", chunkCount: 1, chunks: [] },
  });
  provider = await generateProviderKey();
  stranger = await generateProviderKey();
});

afterAll(async () => {
  await t?.app.close();
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe("GET /v1/tapes/:id/score-requests", () => {
  const get = (key: string, id: string, q = `?instance=${SCORE}`) =>
    t.req(key, { url: `/v1/tapes/${id}/score-requests${q}` });

  it("gives every chunk's request: the borrower commitments, loan hashes and committed scores, nothing else", async () => {
    const r = await get(t.keys.origA, tapeId);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const commitment = (await t.app.services.storage.getTape(tapeId))!.commitment as StoredCommitment;
    expect(body).toMatchObject({
      tapeId,
      root: commitment.root,
      instance: SCORE,
      chunkSize: 8,
      chunkCount: 2,
    });
    requests = body.requests;
    expect(requests.map((q) => q.chunkIndex)).toEqual([0, 1]);
    expect(requests.map((q) => q.entries.length)).toEqual([8, 8]);
    const flat = requests.flatMap((q) => q.entries);
    expect(flat.slice(12).every((e) => e === null)).toBe(true);
    expect(flat.slice(0, 12).map((e) => e!.score)).toEqual(tape.loans.map((l) => l.creditScore));
    expect(Object.keys(flat[0]!).sort()).toEqual(["borrowerCommitment", "hLoan", "score"]);
    for (const l of tape.loans) {
      expect(r.body).not.toContain(l.borrowerRef);
      expect(r.body).not.toContain(l.loanId);
    }
    // the borrower commitments are the committed ones: an auditor's openings carry the same
    const open = (
      await t.req(t.keys.auditor, {
        method: "POST",
        url: `/v1/tapes/${tapeId}/openings`,
        payload: { seed: "score-requests-check-0001", count: 3 },
      })
    ).json();
    for (const o of open.openings) expect(flat[o.index]!.borrowerCommitment).toBe(o.borrowerCommitment);
    // the same requests again (the worker's cache must not change them)
    expect((await get(t.keys.origA, tapeId)).json().requests).toEqual(requests);
  });

  it("refuses other roles, other originators, unknown tapes and instances, uncommitted tapes, too many chunks", async () => {
    expectProblem(await get(t.keys.auditor, tapeId), 403, "forbidden");
    expectProblem(await get(t.keys.admin, tapeId), 403, "forbidden");
    expectProblem(await get(t.keys.origB, tapeId), 403, "forbidden");
    expectProblem(await get(t.keys.origA, "tape_nope"), 404, "not-found");
    expectProblem(await get(t.keys.origA, tapeId, ""), 400, "validation", "querystring/instance");
    expectProblem(
      await get(t.keys.origA, tapeId, "?instance=pool-attestation-8"),
      400,
      "validation",
      "querystring/instance",
    );
    expectProblem(
      await get(t.keys.origA, tapeId, "?instance=nope"),
      400,
      "validation",
      "querystring/instance",
    );
    expectProblem(await get(t.keys.origA, uncommittedId), 409, "conflict", "params/id");
    // 600,000 committed loans in chunks of 8 are 75,000 chunks: more than a pool word counts
    const s = t.app.services.storage;
    const real = (await s.getTape(tapeId))!;
    await s.insertTape({
      ...real,
      id: "tape_huge",
      loanCount: 600_000,
      commitment: { ...(real.commitment as StoredCommitment), loanCount: 600_000, chunkCount: 3 },
    });
    const huge = expectProblem(
      await get(t.keys.origA, "tape_huge"),
      400,
      "validation",
      "querystring/instance",
    );
    expect(huge.detail).toMatch(/75000 chunks/);
  });
});

describe.skipIf(!BUILT)("POST /v1/attestations/:id/scores", () => {
  let body: {
    instance: string;
    providerPublicKey: string[];
    maxAgeDays: number;
    contract: string;
    batches: SignedBatchJson[];
  };
  const post = (key: string, payload: object, id = ATT) =>
    t.req(key, { method: "POST", url: `/v1/attestations/${id}/scores`, payload });

  beforeAll(async () => {
    requests ??= (
      await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}/score-requests?instance=${SCORE}` })
    ).json().requests;
    body = {
      instance: SCORE,
      providerPublicKey: provider.publicKey.map(String),
      maxAgeDays: 30,
      contract: "0x" + "5c".repeat(20),
      batches: [batchToJson(await sign(provider, 0)), batchToJson(await sign(provider, 1))],
    };
  });

  it("accepts the provider's batches as a durable scores job, once per request", async () => {
    const r = await post(t.keys.origA, body);
    expect(r.statusCode).toBe(202);
    const job = r.json();
    expect(job).toMatchObject({ kind: "scores", state: "accepted" });
    expect(r.headers.location).toBe(`/v1/jobs/${job.id}`);
    const again = await post(t.keys.origA, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(job.id);
    const stored = await t.app.services.storage.getJob(job.id);
    expect(stored?.input).toMatchObject({
      attestationId: ATT,
      tapeId,
      instance: SCORE,
      chunkSize: 8,
      chainId: "31337",
      contract: body.contract,
      maxAgeDays: 30,
    });
    const other = await post(t.keys.origA, { ...body, chainId: "10" });
    expect(other.statusCode).toBe(202);
    expect(other.json().id).not.toBe(job.id);
    expect(
      ((await t.app.services.storage.getJob(other.json().id))?.input as { chainId: string }).chainId,
    ).toBe("10");
  });

  it("refuses other roles, other originators' attestations and unknown attestations", async () => {
    expectProblem(await post(t.keys.auditor, body), 403, "forbidden");
    expectProblem(await post(t.keys.admin, body), 403, "forbidden");
    expectProblem(await post(t.keys.origB, body), 403, "forbidden");
    expectProblem(await post(t.keys.origA, body, ATT_B), 403, "forbidden");
    expectProblem(await post(t.keys.origA, body, "att_nope"), 404, "not-found");
  });

  it("refuses another instance than the attestation's chunk size, and non-score instances", async () => {
    expectProblem(await post(t.keys.origA, body, ATT_64), 400, "validation", "body/instance");
    expectProblem(
      await post(t.keys.origA, { ...body, instance: "pool-attestation-8" }),
      400,
      "validation",
      "body/instance",
    );
    if (!t.app.services.verifier.key("score-backing-64")) {
      const p = expectProblem(
        await post(t.keys.origA, { ...body, instance: "score-backing-64" }),
        409,
        "conflict",
        "body/instance",
      );
      expect(p.detail).toMatch(/not built/);
    }
  });

  it("refuses a missing chunk, an extra batch and malformed numbers, naming the field", async () => {
    expectProblem(
      await post(t.keys.origA, { ...body, batches: [body.batches[0]] }),
      400,
      "validation",
      "body/batches",
    );
    expectProblem(
      await post(t.keys.origA, { ...body, batches: [...body.batches, body.batches[0]] }),
      400,
      "validation",
      "body/batches",
    );
    const b0 = body.batches[0]!;
    const withBatch = (b: object) => ({ ...body, batches: [b, body.batches[1]] });
    expectProblem(
      await post(t.keys.origA, withBatch({ ...b0, modelId: -1 })),
      400,
      "validation",
      "body/batches/0/modelId",
    );
    expectProblem(
      await post(t.keys.origA, withBatch({ ...b0, scoreDate: 70_000 })),
      400,
      "validation",
      "body/batches/0/scoreDate",
    );
    expectProblem(
      await post(t.keys.origA, withBatch({ ...b0, signature: { ...b0.signature, S: "12ab" } })),
      400,
      "validation",
      "body/batches/0/signature/S",
    );
    const p = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    expectProblem(
      await post(t.keys.origA, withBatch({ ...b0, signature: { ...b0.signature, S: p } })),
      400,
      "validation",
      "body/batches/0/signature/S",
    );
    expectProblem(
      await post(
        t.keys.origA,
        withBatch({ ...b0, signature: { ...b0.signature, R8: [b0.signature.R8[0]] } }),
      ),
      400,
      "validation",
      "body/batches/0/signature/R8",
    );
    expectProblem(
      await post(t.keys.origA, { ...body, providerPublicKey: [p, body.providerPublicKey[1]] }),
      400,
      "validation",
      "body/providerPublicKey/0",
    );
    expectProblem(
      await post(t.keys.origA, { ...body, contract: "0x12" }),
      400,
      "validation",
      "body/contract",
    );
    expectProblem(
      await post(t.keys.origA, { ...body, maxAgeDays: 1.5 }),
      400,
      "validation",
      "body/maxAgeDays",
    );
    expectProblem(
      await post(t.keys.origA, { ...body, chainId: String(2n ** 93n) }), // above 2^93 - 1: refused, never cut
      400,
      "validation",
      "body/chainId",
    );
  });

  it("refuses batches signed by another key, for another chunk, for other scores, or not fresh", async () => {
    // the stranger's batch as it comes: it names the stranger's key
    const foreign = batchToJson(await sign(stranger, 1));
    const named = expectProblem(
      await post(t.keys.origA, { ...body, batches: [body.batches[0], foreign] }),
      400,
      "validation",
      "body/batches/1/providerKeyHash",
    );
    expect(named.detail).toContain((await keyHash(stranger.publicKey)).toString());
    // the stranger's signature passed off under our provider's key hash
    const passedOff = { ...foreign, providerKeyHash: body.batches[1]!.providerKeyHash };
    const sig = expectProblem(
      await post(t.keys.origA, { ...body, batches: [body.batches[0], passedOff] }),
      400,
      "validation",
      "body/batches/1/signature",
    );
    expect(sig.errors).toHaveLength(1);
    // the stranger's key as providerPublicKey: our provider's batches name another key
    expectProblem(
      await post(t.keys.origA, { ...body, providerPublicKey: stranger.publicKey.map(String) }),
      400,
      "validation",
      "body/batches/0/providerKeyHash",
    );
    // chunk 1's batch for chunk 0 and the other way round: neither verifies for its chunk
    const swapped = expectProblem(
      await post(t.keys.origA, { ...body, batches: [body.batches[1], body.batches[0]] }),
      400,
      "validation",
      "body/batches/0/signature",
    );
    expect(swapped.errors?.map((e) => e.field)).toEqual([
      "body/batches/0/signature",
      "body/batches/1/signature",
    ]);
    // another model id or date than the provider signed
    expectProblem(
      await post(t.keys.origA, { ...body, batches: [{ ...body.batches[0]!, modelId: 3 }, body.batches[1]] }),
      400,
      "validation",
      "body/batches/0/signature",
    );
    // the provider signed other scores for chunk 0 (its records disagree with the tape on one borrower)
    const req0 = scoreRequestFromJson(requests[0]!);
    const e0 = req0.entries[0]!;
    const altered = { ...req0, entries: [{ ...e0, score: e0.score ^ 1 }, ...req0.entries.slice(1)] };
    const lookup = lookupFor(requests);
    const wrongScores = await signScoreBatch(
      provider,
      altered,
      { modelId: 2, scoreDate: tape.asOfDate - 3 },
      (bc) => (bc === e0.borrowerCommitment ? e0.score ^ 1 : lookup(bc)),
    );
    expectProblem(
      await post(t.keys.origA, { ...body, batches: [batchToJson(wrongScores), body.batches[1]] }),
      400,
      "validation",
      "body/batches/0/signature",
    );
    // scores older than maxAgeDays, and dated after the tape
    const stale = batchToJson(await sign(provider, 1, tape.asOfDate - 31));
    const old = expectProblem(
      await post(t.keys.origA, { ...body, batches: [body.batches[0], stale] }),
      400,
      "validation",
      "body/batches/1/scoreDate",
    );
    expect(old.detail).toMatch(/31 days before/);
    const future = batchToJson(await sign(provider, 0, tape.asOfDate + 1));
    expectProblem(
      await post(t.keys.origA, { ...body, batches: [future, body.batches[1]] }),
      400,
      "validation",
      "body/batches/0/scoreDate",
    );
    // with maxAgeDays 31 the stale batch is fresh enough
    expect(
      (await post(t.keys.origA, { ...body, maxAgeDays: 31, batches: [body.batches[0], stale] })).statusCode,
    ).toBe(202);
  });
});

describe("GET /v1/attestations/:id/scores", () => {
  it("serves the attestation's score proofs to its originator and auditors, checking each one", async () => {
    const empty = await t.req(t.keys.origA, { url: `/v1/attestations/${ATT}/scores` });
    expect(empty.json()).toEqual({ attestationId: ATT, chunkCount: 2, scores: [] });
    // a stored proof that is not a proof of its signals: valid false, and one chunk of two is incomplete
    const proof = {
      pi_a: ["1", "2", "1"],
      pi_b: [
        ["1", "2"],
        ["3", "4"],
        ["1", "0"],
      ],
      pi_c: ["1", "2", "1"],
      protocol: "groth16",
      curve: "bn128",
    };
    await t.app.services.storage.insertScoreProofs([
      {
        attestationId: ATT,
        jobId: "job_fake",
        chunkIndex: 0,
        instance: SCORE,
        owner: "orig-a",
        proof,
        publicSignals: ["1", "2", "3", "4", "5", "30"],
        createdAt: 1,
      },
    ]);
    const r = await t.req(t.keys.auditor, { url: `/v1/attestations/${ATT}/scores` });
    expect(r.statusCode).toBe(200);
    const set = r.json().scores[0];
    expect(set).toMatchObject({
      jobId: "job_fake",
      instance: SCORE,
      domain: "3",
      providerKeyHash: "4",
      modelId: "5",
      maxAgeDays: "30",
      complete: false,
      valid: false,
    });
    expect(set.chunks[0]).toMatchObject({ chunkIndex: 0, publicSignals: ["1", "2", "3", "4", "5", "30"] });
    expect(set.chunks[0].valid).toBe(BUILT ? false : null);
    expect(set.chunks[0].calldata.pubSignals).toEqual(["1", "2", "3", "4", "5", "30"]);
    expect((await t.req(t.keys.admin, { url: `/v1/attestations/${ATT}/scores` })).statusCode).toBe(200);
    expectProblem(await t.req(t.keys.origB, { url: `/v1/attestations/${ATT}/scores` }), 403, "forbidden");
    expectProblem(await t.req(t.keys.origA, { url: `/v1/attestations/${ATT_B}/scores` }), 403, "forbidden");
    expectProblem(await t.req(t.keys.auditor, { url: "/v1/attestations/att_nope/scores" }), 404, "not-found");
    expectProblem(await t.req(null, { url: `/v1/attestations/${ATT}/scores` }), 401, "unauthenticated");
  });
});
