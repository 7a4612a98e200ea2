/**
 * Provider-backed score routes through `inject`: the score requests of a committed tape, the checks of
 * `POST /v1/attestations/:id/scores` on real provider keys and real signed batches (wrong role, another
 * originator's attestation, malformed numbers, another key, another chunk's batch, a missing chunk, stale
 * scores) and `GET /v1/attestations/:id/scores`. The job runner is stopped once the tape is committed, so
 * nothing is proven here (the proofs are test/api/scores-e2e.test.ts's).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, once per file (the tests read them,
 * are refused on them, or add jobs no other test looks at): the in-process app with its committed and
 * uncommitted tapes and three stored attestations (the job runner stopped), the score requests, a provider's
 * and a stranger's key, the provider's submission and its accepted job, a tape of too many chunks, and the
 * attestation's scores read before and after a stored score proof.
 */
import { afterAll, describe, expect, test } from "vitest";
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
import type { LightMyRequestResponse } from "fastify";
import {
  batchToJson,
  scoreRequestFromJson,
  type ScoreRequestJson,
  type SignedBatchJson,
} from "../../verifier-api/scores.ts";
import { appFixture, smallTape, waitJob, type TestApp } from "./helpers.ts";

const SCORE = "score-backing-8";
const BUILT = readManifest().instances[SCORE] !== undefined;
if (!BUILT) console.warn(`${SCORE} is not built: skipping the score submission route tests`);

const tape = smallTape(12, "scores-routes");
const ATT = "att_scores_a";
const ATT_B = "att_scores_b";
const ATT_64 = "att_scores_64";
/** The scalar field's order: no signature scalar or key coordinate may be it. */
const P = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

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
  requests: ScoreRequestJson[],
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

const upload = async (t: TestApp, payload: string): Promise<string> =>
  (
    await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "application/json" },
      payload,
    })
  ).json().id;

const getRequests = (t: TestApp, key: string, id: string, q = `?instance=${SCORE}`) =>
  t.req(key, { url: `/v1/tapes/${id}/score-requests${q}` });

/** The provider's submission of scores for the attestation. */
interface Submission {
  instance: string;
  providerPublicKey: string[];
  maxAgeDays: number;
  contract: string;
  batches: SignedBatchJson[];
}

const post = (t: TestApp, key: string, payload: object, id = ATT) =>
  t.req(key, { method: "POST", url: `/v1/attestations/${id}/scores`, payload });

const it = test.extend<{
  /** The in-process app, once per file. */
  t: TestApp;
  /**
   * Originator A's committed tape of 12 loans and an uncommitted one; then the job runner stopped (jobs are
   * only queued: the submission checks are what this file tests) and three attestations stored: ATT and
   * ATT_B (two chunks of 8, A's and B's) and ATT_64 (A's, one chunk of 64).
   */
  world: { tapeId: string; uncommittedId: string };
  /** Originator A's answer to GET score-requests of the committed tape, and its requests. */
  asked: { r: LightMyRequestResponse; requests: ScoreRequestJson[] };
  provider: ProviderKey;
  stranger: ProviderKey;
  /** The provider's batches of both chunks, signed for the attestation. */
  body: Submission;
  /** The submission's first answer: a scores job. */
  accepted: LightMyRequestResponse;
  /** A stored tape of 600,000 committed loans (75,000 chunks of 8): its id. */
  huge: string;
  /** The attestation's scores as read before any score proof is stored. */
  unscored: LightMyRequestResponse;
  /** A stored score proof of chunk 0 that is no proof of its signals; the auditor's read after it. */
  faked: LightMyRequestResponse;
}>({
  t: appFixture(),
  world: [
    async ({ t }, use) => {
      const tapeId = await upload(t, formatTapeJson(tape));
      const uncommittedId = await upload(t, formatTapeJson(smallTape(5, "scores-uncommitted")));
      const c = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      const done = await waitJob(t, t.keys.origA, c.json().id);
      if (done.state !== "succeeded") throw new Error(`the commitment failed: ${JSON.stringify(done.error)}`);
      await t.app.services.runner.stop(5_000);
      const s = t.app.services.storage;
      const base = {
        tapeId,
        poolId: "42",
        period: 202610,
        policyHash: "1",
        data: { chainId: "31337", chunkCount: 2, chunks: [] },
        createdAt: Date.now(),
        instance: "pool-attestation-8",
      };
      await s.insertAttestation({ ...base, id: ATT, owner: "orig-a", jobId: "job_sa" });
      await s.insertAttestation({ ...base, id: ATT_B, owner: "orig-b", jobId: "job_sb" });
      await s.insertAttestation({
        ...base,
        id: ATT_64,
        owner: "orig-a",
        jobId: "job_s64",
        instance: "pool-attestation-64",
        data: { chainId: "31337", chunkCount: 1, chunks: [] },
      });
      await use({ tapeId, uncommittedId });
    },
    { scope: "file" },
  ],
  asked: [
    async ({ t, world }, use) => {
      const r = await getRequests(t, t.keys.origA, world.tapeId);
      await use({ r, requests: r.json().requests ?? [] });
    },
    { scope: "file" },
  ],
  provider: [async ({}, use) => use(await generateProviderKey()), { scope: "file" }],
  stranger: [async ({}, use) => use(await generateProviderKey()), { scope: "file" }],
  body: [
    async ({ asked: { requests }, provider }, use) =>
      use({
        instance: SCORE,
        providerPublicKey: provider.publicKey.map(String),
        maxAgeDays: 30,
        contract: "0x" + "5c".repeat(20),
        batches: [
          batchToJson(await sign(provider, requests, 0)),
          batchToJson(await sign(provider, requests, 1)),
        ],
      }),
    { scope: "file" },
  ],
  accepted: [async ({ t, body }, use) => use(await post(t, t.keys.origA, body)), { scope: "file" }],
  huge: [
    async ({ t, world }, use) => {
      const s = t.app.services.storage;
      const real = (await s.getTape(world.tapeId))!;
      await s.insertTape({
        ...real,
        id: "tape_huge",
        loanCount: 600_000,
        commitment: { ...(real.commitment as StoredCommitment), loanCount: 600_000, chunkCount: 3 },
      });
      await use("tape_huge");
    },
    { scope: "file" },
  ],
  unscored: [
    async ({ t, world: _ }, use) => use(await t.req(t.keys.origA, { url: `/v1/attestations/${ATT}/scores` })),
    { scope: "file" },
  ],
  faked: [
    async ({ t, unscored: _ }, use) => {
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
      await use(await t.req(t.keys.auditor, { url: `/v1/attestations/${ATT}/scores` }));
    },
    { scope: "file" },
  ],
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe("GET /v1/tapes/:id/score-requests", () => {
  const flat = (requests: ScoreRequestJson[]) => requests.flatMap((q) => q.entries);

  it("answers the committed tape's root, the instance and its chunking", async ({ t, world, asked }) => {
    expect(asked.r.statusCode).toBe(200);
    const commitment = (await t.app.services.storage.getTape(world.tapeId))!.commitment as StoredCommitment;
    expect(asked.r.json()).toMatchObject({
      tapeId: world.tapeId,
      root: commitment.root,
      instance: SCORE,
      chunkSize: 8,
      chunkCount: 2,
    });
  });

  it("gives one request of 8 entries per chunk", ({ asked: { requests } }) => {
    expect(requests.map((q) => q.chunkIndex)).toEqual([0, 1]);
    expect(requests.map((q) => q.entries.length)).toEqual([8, 8]);
  });

  it("the entries past the tape's loans are empty", ({ asked: { requests } }) => {
    expect(
      flat(requests)
        .slice(12)
        .every((e) => e === null),
    ).toBe(true);
  });

  it("each loan's entry carries its committed score", ({ asked: { requests } }) => {
    expect(
      flat(requests)
        .slice(0, 12)
        .map((e) => e!.score),
    ).toEqual(tape.loans.map((l) => l.creditScore));
  });

  it("an entry is the borrower commitment, the loan hash and the score, nothing else", ({
    asked: { requests },
  }) => {
    expect(Object.keys(flat(requests)[0]!).sort()).toEqual(["borrowerCommitment", "hLoan", "score"]);
  });

  it("the answer has no borrower or loan identifier", ({ asked: { r } }) => {
    for (const l of tape.loans) {
      expect(r.body).not.toContain(l.borrowerRef);
      expect(r.body).not.toContain(l.loanId);
    }
  });

  it("the borrower commitments are the committed ones: an auditor's openings carry the same", async ({
    t,
    world,
    asked: { requests },
  }) => {
    const open = (
      await t.req(t.keys.auditor, {
        method: "POST",
        url: `/v1/tapes/${world.tapeId}/openings`,
        payload: { seed: "score-requests-check-0001", count: 3 },
      })
    ).json();
    expect(open.openings).toHaveLength(3);
    for (const o of open.openings)
      expect(flat(requests)[o.index]!.borrowerCommitment).toBe(o.borrowerCommitment);
  });

  it("the same requests again (the worker's cache must not change them)", async ({ t, world, asked }) => {
    expect((await getRequests(t, t.keys.origA, world.tapeId)).json().requests).toEqual(asked.requests);
  });

  it.for([
    ["an auditor", "auditor"],
    ["the admin", "admin"],
    ["another originator", "origB"],
  ] as const)("refuses %s", async ([, who], { t, world }) => {
    expectProblem(await getRequests(t, t.keys[who], world.tapeId), 403, "forbidden");
  });

  it("answers an unknown tape with a 404", async ({ t }) => {
    expectProblem(await getRequests(t, t.keys.origA, "tape_nope"), 404, "not-found");
  });

  it.for([
    ["no instance", ""],
    ["an instance that is no score instance", "?instance=pool-attestation-8"],
    ["an unknown instance", "?instance=nope"],
  ] as const)("refuses %s, naming the field", async ([, q], { t, world }) => {
    expectProblem(
      await getRequests(t, t.keys.origA, world.tapeId, q),
      400,
      "validation",
      "querystring/instance",
    );
  });

  it("refuses an uncommitted tape, naming the field", async ({ t, world }) => {
    expectProblem(await getRequests(t, t.keys.origA, world.uncommittedId), 409, "conflict", "params/id");
  });

  it("refuses more chunks than a pool word counts: 600,000 loans in chunks of 8", async ({ t, huge }) => {
    const p = expectProblem(
      await getRequests(t, t.keys.origA, huge),
      400,
      "validation",
      "querystring/instance",
    );
    expect(p.detail).toMatch(/75000 chunks/);
  });
});

describe.skipIf(!BUILT)("POST /v1/attestations/:id/scores", () => {
  it("accepts the provider's batches as a durable scores job", ({ accepted }) => {
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toMatchObject({ kind: "scores", state: "accepted" });
  });

  it("locates the job", ({ accepted }) => {
    expect(accepted.headers.location).toBe(`/v1/jobs/${accepted.json().id}`);
  });

  it("answers the same request again with the same job", async ({ t, body, accepted }) => {
    const again = await post(t, t.keys.origA, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(accepted.json().id);
  });

  it("stores the job's input: the attestation, tape, instance, chunking, chain, contract and age", async ({
    t,
    world,
    body,
    accepted,
  }) => {
    expect((await t.app.services.storage.getJob(accepted.json().id))?.input).toMatchObject({
      attestationId: ATT,
      tapeId: world.tapeId,
      instance: SCORE,
      chunkSize: 8,
      chainId: "31337",
      contract: body.contract,
      maxAgeDays: 30,
    });
  });

  it("a request for another chain is another job of that chain", async ({ t, body, accepted }) => {
    const other = await post(t, t.keys.origA, { ...body, chainId: "10" });
    expect(other.statusCode).toBe(202);
    expect(other.json().id).not.toBe(accepted.json().id);
    expect(
      ((await t.app.services.storage.getJob(other.json().id))?.input as { chainId: string }).chainId,
    ).toBe("10");
  });

  it.for([
    ["an auditor", "auditor", ATT],
    ["the admin", "admin", ATT],
    ["another originator", "origB", ATT],
    ["another originator's attestation", "origA", ATT_B],
  ] as const)("refuses %s", async ([, who, id], { t, world: _, body }) => {
    expectProblem(await post(t, t.keys[who], body, id), 403, "forbidden");
  });

  it("answers an unknown attestation with a 404", async ({ t, body }) => {
    expectProblem(await post(t, t.keys.origA, body, "att_nope"), 404, "not-found");
  });

  it("refuses another instance than the attestation's chunk size", async ({ t, world: _, body }) => {
    expectProblem(await post(t, t.keys.origA, body, ATT_64), 400, "validation", "body/instance");
  });

  it("refuses an instance that is no score instance", async ({ t, world: _, body }) => {
    expectProblem(
      await post(t, t.keys.origA, { ...body, instance: "pool-attestation-8" }),
      400,
      "validation",
      "body/instance",
    );
  });

  it("refuses a score instance that is not built", async ({ t, world: _, body, skip }) => {
    skip(t.app.services.verifier.key("score-backing-64") !== undefined, "score-backing-64 is built");
    const p = expectProblem(
      await post(t, t.keys.origA, { ...body, instance: "score-backing-64" }),
      409,
      "conflict",
      "body/instance",
    );
    expect(p.detail).toMatch(/not built/);
  });

  it.for([
    ["a missing chunk", (b: Submission) => ({ ...b, batches: [b.batches[0]] }), "body/batches"],
    ["an extra batch", (b: Submission) => ({ ...b, batches: [...b.batches, b.batches[0]] }), "body/batches"],
    ["a negative model id", (b: Submission) => withBatch0(b, { modelId: -1 }), "body/batches/0/modelId"],
    [
      "a score date out of range",
      (b: Submission) => withBatch0(b, { scoreDate: 70_000 }),
      "body/batches/0/scoreDate",
    ],
    [
      "a signature scalar in hex",
      (b: Submission) => withBatch0(b, { signature: { ...b.batches[0]!.signature, S: "12ab" } }),
      "body/batches/0/signature/S",
    ],
    [
      "a signature scalar of the field's order",
      (b: Submission) => withBatch0(b, { signature: { ...b.batches[0]!.signature, S: P } }),
      "body/batches/0/signature/S",
    ],
    [
      "a signature point of one coordinate",
      (b: Submission) =>
        withBatch0(b, { signature: { ...b.batches[0]!.signature, R8: [b.batches[0]!.signature.R8[0]] } }),
      "body/batches/0/signature/R8",
    ],
    [
      "a key coordinate of the field's order",
      (b: Submission) => ({ ...b, providerPublicKey: [P, b.providerPublicKey[1]] }),
      "body/providerPublicKey/0",
    ],
    ["a malformed contract", (b: Submission) => ({ ...b, contract: "0x12" }), "body/contract"],
    ["a fractional age", (b: Submission) => ({ ...b, maxAgeDays: 1.5 }), "body/maxAgeDays"],
    // above 2^93 - 1: refused, never cut
    ["a chain id of 2^93", (b: Submission) => ({ ...b, chainId: String(2n ** 93n) }), "body/chainId"],
  ] as const)("refuses %s, naming the field", async ([, change, field], { t, world: _, body }) => {
    expectProblem(await post(t, t.keys.origA, change(body)), 400, "validation", field);
  });

  it("refuses a stranger's batch as it comes, naming the stranger's key", async ({
    t,
    world: _,
    body,
    asked: { requests },
    stranger,
  }) => {
    const foreign = batchToJson(await sign(stranger, requests, 1));
    const named = expectProblem(
      await post(t, t.keys.origA, { ...body, batches: [body.batches[0], foreign] }),
      400,
      "validation",
      "body/batches/1/providerKeyHash",
    );
    expect(named.detail).toContain((await keyHash(stranger.publicKey)).toString());
  });

  it("refuses a stranger's signature passed off under the provider's key hash, that one signature", async ({
    t,
    world: _,
    body,
    asked: { requests },
    stranger,
  }) => {
    const passedOff = {
      ...batchToJson(await sign(stranger, requests, 1)),
      providerKeyHash: body.batches[1]!.providerKeyHash,
    };
    const sig = expectProblem(
      await post(t, t.keys.origA, { ...body, batches: [body.batches[0], passedOff] }),
      400,
      "validation",
      "body/batches/1/signature",
    );
    expect(sig.errors).toHaveLength(1);
  });

  it("refuses the stranger's key as the provider's: the batches name another key", async ({
    t,
    world: _,
    body,
    stranger,
  }) => {
    expectProblem(
      await post(t, t.keys.origA, { ...body, providerPublicKey: stranger.publicKey.map(String) }),
      400,
      "validation",
      "body/batches/0/providerKeyHash",
    );
  });

  it("refuses chunk 1's batch for chunk 0 and the other way round: neither verifies for its chunk", async ({
    t,
    world: _,
    body,
  }) => {
    const swapped = expectProblem(
      await post(t, t.keys.origA, { ...body, batches: [body.batches[1], body.batches[0]] }),
      400,
      "validation",
      "body/batches/0/signature",
    );
    expect(swapped.errors?.map((e) => e.field)).toEqual([
      "body/batches/0/signature",
      "body/batches/1/signature",
    ]);
  });

  it("refuses another model id than the provider signed", async ({ t, world: _, body }) => {
    expectProblem(
      await post(t, t.keys.origA, withBatch0(body, { modelId: 3 })),
      400,
      "validation",
      "body/batches/0/signature",
    );
  });

  it("refuses other scores than the tape's (the provider's records disagree on one borrower)", async ({
    t,
    world: _,
    body,
    asked: { requests },
    provider,
  }) => {
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
      await post(t, t.keys.origA, { ...body, batches: [batchToJson(wrongScores), body.batches[1]] }),
      400,
      "validation",
      "body/batches/0/signature",
    );
  });

  it("refuses scores older than maxAgeDays, saying how old", async ({
    t,
    world: _,
    body,
    asked: { requests },
    provider,
  }) => {
    const stale = batchToJson(await sign(provider, requests, 1, tape.asOfDate - 31));
    const old = expectProblem(
      await post(t, t.keys.origA, { ...body, batches: [body.batches[0], stale] }),
      400,
      "validation",
      "body/batches/1/scoreDate",
    );
    expect(old.detail).toMatch(/31 days before/);
  });

  it("refuses scores dated after the tape", async ({ t, world: _, body, asked: { requests }, provider }) => {
    const future = batchToJson(await sign(provider, requests, 0, tape.asOfDate + 1));
    expectProblem(
      await post(t, t.keys.origA, { ...body, batches: [future, body.batches[1]] }),
      400,
      "validation",
      "body/batches/0/scoreDate",
    );
  });

  it("accepts scores 31 days old with maxAgeDays 31", async ({
    t,
    world: _,
    body,
    asked: { requests },
    provider,
  }) => {
    const stale = batchToJson(await sign(provider, requests, 1, tape.asOfDate - 31));
    expect(
      (await post(t, t.keys.origA, { ...body, maxAgeDays: 31, batches: [body.batches[0], stale] }))
        .statusCode,
    ).toBe(202);
  });
});

/** `b` with batch 0 changed by `change`. */
function withBatch0(b: Submission, change: object): object {
  return { ...b, batches: [{ ...b.batches[0]!, ...change }, b.batches[1]] };
}

describe("GET /v1/attestations/:id/scores", () => {
  const read = (t: TestApp, key: string | null, id = ATT) =>
    t.req(key, { url: `/v1/attestations/${id}/scores` });
  const SIGNALS = ["1", "2", "3", "4", "5", "30"];

  it("serves an attestation without score proofs an empty list", ({ unscored }) => {
    expect(unscored.json()).toEqual({ attestationId: ATT, chunkCount: 2, scores: [] });
  });

  it("serves a stored score proof to an auditor with the figures of its signals", ({ faked }) => {
    expect(faked.statusCode).toBe(200);
    expect(faked.json().scores[0]).toMatchObject({
      jobId: "job_fake",
      instance: SCORE,
      domain: "3",
      providerKeyHash: "4",
      modelId: "5",
      maxAgeDays: "30",
    });
  });

  it("a set of one chunk of two is incomplete, and one that is no proof of its signals invalid", ({
    faked,
  }) => {
    expect(faked.json().scores[0]).toMatchObject({ complete: false, valid: false });
  });

  it("serves each chunk's signals, checked (or null when the instance is not built)", ({ faked }) => {
    const chunk = faked.json().scores[0].chunks[0];
    expect(chunk).toMatchObject({ chunkIndex: 0, publicSignals: SIGNALS });
    expect(chunk.valid).toBe(BUILT ? false : null);
  });

  it("serves each chunk's Solidity calldata", ({ faked }) => {
    expect(faked.json().scores[0].chunks[0].calldata.pubSignals).toEqual(SIGNALS);
  });

  it("serves the admin", async ({ t, world: _ }) => {
    expect((await read(t, t.keys.admin)).statusCode).toBe(200);
  });

  it.for([
    ["another originator", "origB", ATT],
    ["an originator another's attestation", "origA", ATT_B],
  ] as const)("refuses %s", async ([, who, id], { t, world: _ }) => {
    expectProblem(await read(t, t.keys[who], id), 403, "forbidden");
  });

  it("answers an unknown attestation with a 404", async ({ t }) => {
    expectProblem(await read(t, t.keys.auditor, "att_nope"), 404, "not-found");
  });

  it("refuses a request without a key", async ({ t }) => {
    expectProblem(await read(t, null), 401, "unauthenticated");
  });
});
