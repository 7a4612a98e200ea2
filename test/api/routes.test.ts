/**
 * Every route through `inject`: success, validation errors, authorisation refusals (no key, wrong role,
 * another originator's resource), unknown ids and oversized bodies. Proofs are real (example-multiplier,
 * proven by the service's own job runner); openings are checked against the tape root.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the in-process app, a
 * proof job and its result, an uncommitted tape, a committed tape with an auditor's opening, a committed
 * tape whose opening budget is spent, a proof job under an idempotency key, three stored attestations and an
 * app under memory pressure and one whose storage fails (the tests only read them, or are refused); made for
 * the test, what it changes (a key it issues or revokes, a tape it uploads, an app it rate-limits).
 */
import type { LightMyRequestResponse } from "fastify";
import { afterAll, describe, expect, test } from "vitest";
import { verifyOpening, type LoanOpening } from "../../prover/commitment/encoding.ts";
import { formatTapeCsv, formatTapeJson, tapeToJson } from "../../prover/tape/index.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { openingBudget } from "../../verifier-api/sampling.ts";
import { sampleIndices } from "../../prover/index.ts";
import { DEFAULT_POOL_INSTANCE } from "../../prover/attest.ts";
import { checkOpenings, openingFromJson } from "../../prover/audit.ts";
import { domainWord, registryKeyHash } from "../../prover/commitment/keys.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { buildApp } from "../../verifier-api/http/app.ts";
import {
  ADMIN_KEY,
  appFixture,
  smallTape,
  startTestApp,
  testConfig,
  waitJob,
  type TestApp,
} from "./helpers.ts";

const INSTANCE = "example-multiplier";
const tape = smallTape(20);
/** The seed of the auditor's first opening of a committed tape. */
const SEED = "auditor-seed-after-commitment-1";

interface ProofResult {
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  publicSignals: string[];
  calldata: unknown;
}

const expectProblem = (
  r: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  kind: string,
) => {
  expect(r.statusCode).toBe(status);
  expect(String(r.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const body = r.json() as { type: string; status: number };
  expect(body.type).toBe(PROBLEM_BASE + kind);
  expect(body.status).toBe(status);
  return body as {
    type: string;
    status: number;
    detail?: string;
    errors?: { row?: number | null; field: string; reason: string; value?: string }[];
  };
};

/** Uploads `tape` as JSON as originator A: the new tape's id. */
async function upload(t: TestApp): Promise<string> {
  const up = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(tape),
  });
  if (up.statusCode !== 201) throw new Error(`uploading the tape failed: ${up.body}`);
  return up.json().id as string;
}

/** A tape committed through the route, with the route's two answers and the commitment job's root. */
interface Committed {
  tapeId: string;
  first: LightMyRequestResponse;
  again: LightMyRequestResponse;
  job: Record<string, unknown>;
  root: string;
}

async function commit(t: TestApp): Promise<Committed> {
  const tapeId = await upload(t);
  const url = `/v1/tapes/${tapeId}/commitment`;
  const first = await t.req(t.keys.origA, { method: "POST", url });
  const again = await t.req(t.keys.origA, { method: "POST", url });
  const job = await waitJob(t, t.keys.origA, first.json().id);
  if (job.state !== "succeeded") throw new Error(`the commitment failed: ${JSON.stringify(job.error)}`);
  return { tapeId, first, again, job, root: (job.result as { root: string }).root };
}

const openingsOf = (t: TestApp, tapeId: string, payload: object) =>
  t.req(t.keys.auditor, { method: "POST", url: `/v1/tapes/${tapeId}/openings`, payload });

/** A seed (the sampling rule is public) whose one sampled loan of 20 is (not) in `shown`. */
const seedWhose = (shown: Set<number>, tag: string, inShown: boolean): string => {
  for (let i = 0; ; i++)
    if (shown.has(sampleIndices(`${SEED}${tag}${i}`, 20, 1)[0]!) === inShown) return `${SEED}${tag}${i}`;
};

const it = test.extend<{
  /** The in-process app (bodies up to 256 KiB), once per file. */
  t: TestApp;
  /** Originator A's proof job of 3 × 11 = 33, once per file: its id and result. */
  proof: { id: string; result: ProofResult };
  /** Originator A's tape, uploaded as JSON and never committed, once per file. */
  tapeId: string;
  /** Another upload of the tape, committed, once per file. */
  committed: Committed;
  /** The auditor's opening of 3 loans of `committed` with SEED, once per file. */
  opened: { r: LightMyRequestResponse; indices: number[]; openings: LoanOpening[] };
  /**
   * Another committed upload whose budget (5 loans) the auditor spends, once per file: SEED's 3 loans, two
   * seeds of one new loan each, one seed of a loan already shown (free), and the answers.
   */
  spent: { tapeId: string; seeds: string[]; statuses: number[]; shown: Set<number> };
  /** Originator A's proof job of 5 × 7 = 35 under an idempotency key, once per file: the key and answer. */
  keyed: { key: string; r: LightMyRequestResponse };
  /** Three attestations stored of pool 42: att_a1 (A, 202610), att_a2 (A, 202611), att_b1 (B, 202610). */
  stored: void;
  /** An app whose heap limit is 1 byte, 1.5 s after it started, once per file. */
  tight: Awaited<ReturnType<typeof buildApp>>;
  /** A CSV upload of the tape by originator A, made for the test. */
  csvUpload: LightMyRequestResponse;
  /** An auditor key issued for the test, and the same revoked (with the revocation's answer). */
  issued: { id: string; key: string };
  revoked: { id: string; key: string; status: number };
  /** An app whose storage fails to read tapes, with a secret in the error, once per file. */
  broken: TestApp;
  /** An app of the test's own allowing 3 requests a minute per key, the auditor's 3 spent: their statuses. */
  limited: { app: TestApp; statuses: number[] };
}>({
  t: appFixture({ bodyLimitBytes: 256 * 1024 }),
  proof: [
    async ({ t }, use) => {
      const r = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        payload: { instance: INSTANCE, input: { a: 3, b: 11, c: 33 } },
      });
      if (r.statusCode !== 202) throw new Error(`the proof request failed: ${r.body}`);
      const done = await waitJob(t, t.keys.origA, r.json().id);
      if (done.state !== "succeeded") throw new Error(`the proof failed: ${JSON.stringify(done.error)}`);
      await use({ id: r.json().id, result: done.result as ProofResult });
    },
    { scope: "file" },
  ],
  tapeId: [async ({ t }, use) => use(await upload(t)), { scope: "file" }],
  committed: [async ({ t }, use) => use(await commit(t)), { scope: "file" }],
  opened: [
    async ({ t, committed }, use) => {
      const r = await openingsOf(t, committed.tapeId, { seed: SEED, count: 3 });
      const o = r.json();
      await use({ r, indices: o.indices, openings: (o.openings ?? []).map(openingFromJson) });
    },
    { scope: "file" },
  ],
  spent: [
    async ({ t }, use) => {
      const { tapeId } = await commit(t);
      const seeds: string[] = [];
      const statuses: number[] = [];
      const open = async (seed: string, count: number) => {
        seeds.push(seed);
        statuses.push((await openingsOf(t, tapeId, { seed, count })).statusCode);
      };
      await open(SEED, 3);
      const shown = new Set<number>(sampleIndices(SEED, 20, 3));
      for (const tag of ["a", "b"]) {
        const s = seedWhose(shown, tag, false);
        await open(s, 1);
        shown.add(sampleIndices(s, 20, 1)[0]!);
      }
      await open(seedWhose(shown, "c", true), 1);
      await use({ tapeId, seeds, statuses, shown });
    },
    { scope: "file" },
  ],
  keyed: [
    async ({ t }, use) => {
      const key = "k-1";
      const r = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        headers: { "idempotency-key": key },
        payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
      });
      await use({ key, r });
    },
    { scope: "file" },
  ],
  stored: [
    async ({ t, tapeId, proof }, use) => {
      const s = t.app.services.storage;
      const base = {
        tapeId,
        poolId: "42",
        instance: INSTANCE,
        policyHash: "1",
        data: { proofs: [proof.result] },
        createdAt: Date.now(),
      };
      await s.insertAttestation({ ...base, id: "att_a1", owner: "orig-a", jobId: "job_x1", period: 202610 });
      await s.insertAttestation({ ...base, id: "att_a2", owner: "orig-a", jobId: "job_x2", period: 202611 });
      await s.insertAttestation({ ...base, id: "att_b1", owner: "orig-b", jobId: "job_x3", period: 202610 });
      await use();
    },
    { scope: "file" },
  ],
  tight: [
    async ({}, use) => {
      // No keys to issue first: under-pressure may already shed those requests on a loaded machine.
      const tight = await buildApp(testConfig({ maxHeapUsedBytes: 1 }), { runJobs: false });
      await tight.ready();
      await new Promise((r) => setTimeout(r, 1500));
      await use(tight);
      await tight.close();
    },
    { scope: "file" },
  ],
  csvUpload: async ({ t }, use) =>
    use(
      await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "text/csv" },
        payload: formatTapeCsv(tape),
      }),
    ),
  issued: async ({ t }, use) => {
    const r = await t.req(ADMIN_KEY, {
      method: "POST",
      url: "/v1/admin/api-keys",
      payload: { role: "auditor", owner: "tmp" },
    });
    await use(r.json());
  },
  revoked: async ({ t, issued }, use) => {
    const r = await t.req(ADMIN_KEY, { method: "DELETE", url: `/v1/admin/api-keys/${issued.id}` });
    await use({ ...issued, status: r.statusCode });
  },
  broken: [
    async ({}, use) => {
      const broken = await startTestApp();
      broken.app.services.storage.getTape = async () => {
        throw new Error("connection to db-secret-host refused");
      };
      await use(broken);
      await broken.app.close();
    },
    { scope: "file" },
  ],
  limited: async ({}, use) => {
    const small = await startTestApp({ rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await small.req(small.keys.auditor, { url: "/v1/catalogue" })).statusCode);
    await use({ app: small, statuses });
    await small.app.close();
  },
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe("public routes", () => {
  it("health answers ok without a key", async ({ t }) => {
    expect((await t.req(null, { url: "/health" })).json()).toEqual({ status: "ok" });
  });

  it("readiness answers without a key, naming the storage and the instances it verifies", async ({ t }) => {
    const ready = await t.req(null, { url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ready", storage: "sqlite" });
    expect(ready.json().verifyInstances).toContain(INSTANCE);
  });

  it("metrics answer without a key, with request durations, queue depth and job durations", async ({
    t,
    proof: _,
  }) => {
    const m = await t.req(null, { url: "/metrics" });
    expect(m.headers["content-type"]).toMatch(/^text\/plain/);
    expect(m.body).toContain("http_request_duration_seconds_bucket{");
    expect(m.body).toContain('job_queue_depth{state="succeeded"}');
    expect(m.body).toMatch(/job_duration_seconds_count\{kind="proof",outcome="succeeded"\} [1-9]/);
  });

  it("the OpenAPI document answers without a key and lists /v1/verify", async ({ t }) => {
    const docs = await t.req(null, { url: "/docs/json" });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toContain("/v1/verify");
  });

  it("an unknown route is a 404 problem", async ({ t }) => {
    expectProblem(await t.req(null, { url: "/v1/nothing-here" }), 404, "not-found");
  });

  it("the catalogue lists instances built, with artifact hashes and without vkeys", async ({ t }) => {
    const all = (await t.req(null, { url: "/v1/catalogue" })).json();
    const ex = all.instances.find((i: { name: string }) => i.name === INSTANCE);
    expect(ex.built).toBe(true);
    expect(ex.artifacts.zkey.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ex.vkey).toBeUndefined();
  });

  it("the catalogue serves one instance with its vkey", async ({ t }) => {
    const one = (await t.req(null, { url: `/v1/catalogue/${INSTANCE}` })).json();
    expect(one.vkey.protocol).toBe("groth16");
  });

  it("the catalogue answers an unknown instance with a 404 problem", async ({ t }) => {
    expectProblem(await t.req(null, { url: "/v1/catalogue/no-such-circuit" }), 404, "not-found");
  });
});

describe("keys", () => {
  it("a request without a key is refused 401", async ({ t }) => {
    expectProblem(
      await t.req(null, { method: "POST", url: "/v1/tapes", payload: {} }),
      401,
      "unauthenticated",
    );
  });

  it("an unknown key is refused 401", async ({ t, tapeId }) => {
    expectProblem(await t.req("rwa_bogus_key", { url: `/v1/tapes/${tapeId}` }), 401, "unauthenticated");
  });

  it("an auditor may not issue keys", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.auditor, {
        method: "POST",
        url: "/v1/admin/api-keys",
        payload: { role: "admin", owner: "x" },
      }),
      403,
      "forbidden",
    );
  });

  it("an issued auditor key reads a tape", async ({ t, tapeId, issued }) => {
    expect((await t.req(issued.key, { url: `/v1/tapes/${tapeId}` })).statusCode).toBe(200);
  });

  it("the admin revokes a key with a 204", ({ revoked }) => {
    expect(revoked.status).toBe(204);
  });

  it("a revoked key is refused 401", async ({ t, tapeId, revoked }) => {
    expectProblem(await t.req(revoked.key, { url: `/v1/tapes/${tapeId}` }), 401, "unauthenticated");
  });

  it("revoking a revoked key is a 404", async ({ t, revoked }) => {
    expectProblem(
      await t.req(ADMIN_KEY, { method: "DELETE", url: `/v1/admin/api-keys/${revoked.id}` }),
      404,
      "not-found",
    );
  });

  it.for([
    ["an unknown role", { role: "king", owner: "x" }],
    ["an owner with spaces and punctuation", { role: "auditor", owner: "bad owner!" }],
  ] as const)("a key of %s is refused 400", async ([, payload], { t }) => {
    expectProblem(
      await t.req(ADMIN_KEY, { method: "POST", url: "/v1/admin/api-keys", payload }),
      400,
      "validation",
    );
  });
});

describe("tapes", () => {
  it("accepts a CSV tape and answers its summary", ({ csvUpload }) => {
    expect(csvUpload.statusCode).toBe(201);
    expect(csvUpload.json()).toMatchObject({
      poolId: "42",
      period: 202610,
      loanCount: 20,
      format: "csv",
      committed: false,
    });
  });

  it("an upload's answer locates the tape", ({ csvUpload }) => {
    expect(csvUpload.headers.location).toBe(`/v1/tapes/${csvUpload.json().id}`);
  });

  it("an upload's answer has no loans", ({ csvUpload }) => {
    expect(csvUpload.body).not.toContain(tape.loans[0]!.borrowerRef);
  });

  it("a tape's summary has no loans", async ({ t, tapeId }) => {
    const json = (await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}` })).json();
    expect(JSON.stringify(json)).not.toContain(tape.loans[0]!.loanId);
  });

  it("a tape uploaded as JSON and as CSV is the same canonical tape", async ({ t, tapeId, csvUpload }) => {
    const json = (await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}` })).json();
    expect(json.sha256).toBe(csvUpload.json().sha256);
  });

  it("at rest a tape is ciphertext with no loan or borrower identifier in clear", async ({ t, tapeId }) => {
    const stored = await t.app.services.storage.getTape(tapeId);
    expect(stored!.ciphertext.includes(Buffer.from(tape.loans[0]!.borrowerRef))).toBe(false);
    expect(stored!.ciphertext.includes(Buffer.from(tape.loans[0]!.loanId))).toBe(false);
  });

  it("reports every problem of an invalid tape with row, field, value and reason", async ({ t }) => {
    const bad = tapeToJson(tape);
    (bad.loans[2] as unknown as Record<string, unknown>).outstandingBalance = "-5";
    (bad.loans[4] as unknown as Record<string, unknown>).creditScore = 5000;
    const r = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(bad),
    });
    const p = expectProblem(r, 422, "tape-invalid");
    expect(p.errors?.find((e) => e.row === 3 && e.field === "outstandingBalance")?.value).toBe("-5");
    expect(p.errors?.some((e) => e.row === 5 && e.field === "creditScore")).toBe(true);
  });

  it("refuses a CSV tape of an invalid pool id, naming the field", async ({ t }) => {
    const csv = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes?poolId=abc",
      headers: { "content-type": "text/csv" },
      payload: "loanId\nL1\n",
    });
    expect(expectProblem(csv, 422, "tape-invalid").errors?.some((e) => e.field === "poolId")).toBe(true);
  });

  it("refuses a JSON tape that is not JSON, saying so", async ({ t }) => {
    const notJson = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(expectProblem(notJson, 422, "tape-invalid").errors?.[0]?.reason).toMatch(/not JSON/);
  });

  it("refuses another content type with a 415", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/xml" },
        payload: "<tape/>",
      }),
      415,
      "unsupported-media-type",
    );
  });

  it("refuses a body over the limit with a 413", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "text/csv" },
        payload: "x".repeat(300 * 1024),
      }),
      413,
      "payload-too-large",
    );
  });

  it("refuses an auditor uploading", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.auditor, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: formatTapeJson(tape),
      }),
      403,
      "forbidden",
    );
  });

  it("refuses another originator reading", async ({ t, tapeId }) => {
    expectProblem(await t.req(t.keys.origB, { url: `/v1/tapes/${tapeId}` }), 403, "forbidden");
  });

  it("answers an unknown tape with a 404", async ({ t }) => {
    expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/tape_nope" }), 404, "not-found");
  });

  it("refuses a malformed tape id with a 400", async ({ t }) => {
    expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/bad%20id" }), 400, "validation");
  });
});

describe("commitments", () => {
  it("an uncommitted tape has no commitment", async ({ t, tapeId }) => {
    expectProblem(await t.req(t.keys.auditor, { url: `/v1/tapes/${tapeId}/commitment` }), 404, "not-found");
  });

  it("an uncommitted tape cannot be opened", async ({ t, tapeId }) => {
    expectProblem(await openingsOf(t, tapeId, { seed: "s".repeat(16), count: 2 }), 409, "conflict");
  });

  it("a commitment request is a 202 job", ({ committed }) => {
    expect(committed.first.statusCode).toBe(202);
  });

  it("the same request again is the same job (idempotent)", ({ committed }) => {
    expect(committed.again.statusCode).toBe(200);
    expect(committed.again.json().id).toBe(committed.first.json().id);
  });

  it("the auditor reads the commitment with the job's root", async ({ t, committed: c }) => {
    const r = (await t.req(t.keys.auditor, { url: `/v1/tapes/${c.tapeId}/commitment` })).json();
    expect(r).toMatchObject({ tapeId: c.tapeId, root: c.root, loanCount: 20, chunkCount: 1 });
  });

  it("the tape's summary says it is committed", async ({ t, committed }) => {
    expect((await t.req(t.keys.origA, { url: `/v1/tapes/${committed.tapeId}` })).json().committed).toBe(true);
  });

  it("refuses another originator reading the commitment", async ({ t, committed }) => {
    const url = `/v1/tapes/${committed.tapeId}/commitment`;
    expectProblem(await t.req(t.keys.origB, { url }), 403, "forbidden");
  });

  it.for([
    ["another originator", "origB"],
    ["an auditor", "auditor"],
  ] as const)("refuses %s committing", async ([, who], { t, committed }) => {
    const url = `/v1/tapes/${committed.tapeId}/commitment`;
    expectProblem(await t.req(t.keys[who], { method: "POST", url }), 403, "forbidden");
  });

  it("answers a commitment of an unknown tape with a 404", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, { method: "POST", url: "/v1/tapes/tape_nope/commitment" }),
      404,
      "not-found",
    );
  });

  it("refuses an invalid chunk size (17)", async ({ t, committed }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: `/v1/tapes/${committed.tapeId}/commitment?chunkSize=17`,
      }),
      400,
      "validation",
    );
  });
});

describe("openings", () => {
  it("opens the loans the auditor's seed samples, under the commitment's root", ({ committed, opened }) => {
    expect(opened.r.statusCode).toBe(200);
    expect(opened.indices).toEqual(sampleIndices(SEED, 20, 3));
    expect(opened.r.json().root).toBe(committed.root);
  });

  it("an opening's answer has no borrower identifier", ({ opened }) => {
    expect(opened.r.body).not.toContain(tape.loans[opened.indices[0]!]!.borrowerRef);
  });

  it("each opened record is the tape's loan without its borrower", ({ opened }) => {
    expect(opened.openings).toHaveLength(3);
    for (const o of opened.openings) {
      const { borrowerRef: _b, ...record } = tape.loans[o.index]!;
      expect(o.record).toEqual(record);
    }
  });

  it("each opening verifies against the root", async ({ committed, opened }) => {
    for (const o of opened.openings) expect(await verifyOpening(BigInt(committed.root), o)).toBe(true);
    expect((await checkOpenings(BigInt(committed.root), opened.openings)).length).toBe(0);
  });

  it("an opening with another leaf salt does not verify", async ({ committed, opened }) => {
    for (const o of opened.openings)
      expect(await verifyOpening(BigInt(committed.root), { ...o, leafSalt: o.leafSalt + 1n })).toBe(false);
  });

  it("an opening of another record does not verify", async ({ committed, opened }) => {
    for (const o of opened.openings)
      expect(
        await verifyOpening(BigInt(committed.root), {
          ...o,
          record: { ...o.record, creditScore: o.record.creditScore ^ 1 },
        }),
      ).toBe(false);
  });

  it("the same seed again is the same opening", async ({ t, committed, opened }) => {
    const r = await openingsOf(t, committed.tapeId, { seed: SEED, count: 3 });
    expect(r.json().indices).toEqual(opened.indices);
  });

  it("the same seed with another count is refused", async ({ t, committed, opened: _ }) => {
    expectProblem(await openingsOf(t, committed.tapeId, { seed: SEED, count: 4 }), 409, "conflict");
  });

  it("a tape's budget is 25 % of its 20 loans: 5", () => {
    expect(openingBudget(20, 25, 64)).toBe(5);
  });

  it("openings within the budget are served, and one of a loan already shown is free", ({ spent }) => {
    expect(spent.statuses).toEqual([200, 200, 200, 200]);
  });

  it("an opening of a new loan beyond the budget is refused, saying so", async ({ t, spent }) => {
    const r = await openingsOf(t, spent.tapeId, { seed: seedWhose(spent.shown, "d", false), count: 1 });
    expect(expectProblem(r, 409, "conflict").detail).toMatch(
      /at most 5 of its 20 loans; 5 are revealed and this opening would make it 6/,
    );
  });

  it("the originator reads the trail: the budget, the loans revealed, every seed", async ({ t, spent }) => {
    const trail = (await t.req(t.keys.origA, { url: `/v1/tapes/${spent.tapeId}/openings` })).json();
    expect(trail).toMatchObject({ budget: 5, revealed: 5 });
    expect(trail.openings.map((x: { seed: string }) => x.seed).sort()).toEqual([...spent.seeds].sort());
  });

  it("the trail names the auditor of each opening", async ({ t, spent }) => {
    const trail = (await t.req(t.keys.origA, { url: `/v1/tapes/${spent.tapeId}/openings` })).json();
    expect(trail.openings.find((x: { seed: string }) => x.seed === SEED).auditor).toBe("audit-co");
  });

  it("refuses another originator reading the trail", async ({ t, committed }) => {
    expectProblem(
      await t.req(t.keys.origB, { url: `/v1/tapes/${committed.tapeId}/openings` }),
      403,
      "forbidden",
    );
  });

  it("refuses the originator opening its own tape", async ({ t, committed }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: `/v1/tapes/${committed.tapeId}/openings`,
        payload: { seed: SEED, count: 3 },
      }),
      403,
      "forbidden",
    );
  });

  it.for([
    ["a short seed", { seed: "short", count: 3 }],
    ["a count of 0", { seed: SEED, count: 0 }],
  ] as const)("refuses %s", async ([, payload], { t, committed }) => {
    expectProblem(await openingsOf(t, committed.tapeId, payload), 400, "validation");
  });

  it("answers an opening of an unknown tape with a 404", async ({ t }) => {
    expectProblem(await openingsOf(t, "tape_nope", { seed: SEED, count: 1 }), 404, "not-found");
  });
});

describe("proof jobs", () => {
  it("a job answers its state, progress and attempts", async ({ t, proof }) => {
    const j = (await t.req(t.keys.origA, { url: `/v1/jobs/${proof.id}` })).json();
    expect(j).toMatchObject({ kind: "proof", state: "succeeded", progress: 1, attempts: 1 });
  });

  it("a proof's public signals are the circuit's output", ({ proof }) => {
    expect(proof.result.publicSignals).toEqual(["33"]);
  });

  it("a proof comes with Solidity calldata of the same signals", ({ proof }) => {
    expect((proof.result.calldata as { pubSignals: string[] }).pubSignals).toEqual(["33"]);
  });

  it("the same request again is the same job", async ({ t, proof }) => {
    const body = { instance: INSTANCE, input: { a: 3, b: 11, c: 33 } };
    const same = await t.req(t.keys.origA, { method: "POST", url: "/v1/proofs", payload: body });
    expect(same.statusCode).toBe(200);
    expect(same.json().id).toBe(proof.id);
  });

  it("a request under an idempotency key is a 202 job that succeeds", async ({ t, keyed }) => {
    expect(keyed.r.statusCode).toBe(202);
    expect((await waitJob(t, t.keys.origA, keyed.r.json().id)).state).toBe("succeeded");
  });

  it("the same key with the same request is the same job", async ({ t, keyed }) => {
    const r = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/proofs",
      headers: { "idempotency-key": keyed.key },
      payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
    });
    expect(r.json().id).toBe(keyed.r.json().id);
  });

  it("the same key with another request is refused", async ({ t, keyed }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        headers: { "idempotency-key": keyed.key },
        payload: { instance: INSTANCE, input: { a: 5, b: 9, c: 45 } },
      }),
      409,
      "idempotency-conflict",
    );
  });

  it("another originator's same key is its own job", async ({ t, keyed }) => {
    const b = await t.req(t.keys.origB, {
      method: "POST",
      url: "/v1/proofs",
      headers: { "idempotency-key": keyed.key },
      payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
    });
    expect(b.statusCode).toBe(202);
    expect(b.json().id).not.toBe(keyed.r.json().id);
    expect((await waitJob(t, t.keys.origB, b.json().id)).state).toBe("succeeded");
  });

  it("fails an input the circuit refuses, without retrying", async ({ t }) => {
    const r = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/proofs",
      payload: { instance: INSTANCE, input: { a: 1, b: 33, c: 33 } },
    });
    const j = await waitJob(t, t.keys.origA, r.json().id);
    expect(j).toMatchObject({ state: "failed", attempts: 1, result: null });
    expect((j.error as { kind: string }).kind).toBe("unsatisfied-input");
  });

  it("answers a proof of an unknown instance with a 404", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        payload: { instance: "nope", input: {} },
      }),
      404,
      "not-found",
    );
  });

  it("refuses a proof request without an instance", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, { method: "POST", url: "/v1/proofs", payload: { input: {} } }),
      400,
      "validation",
    );
  });

  it("refuses an auditor's proof request", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.auditor, {
        method: "POST",
        url: "/v1/proofs",
        payload: { instance: INSTANCE, input: {} },
      }),
      403,
      "forbidden",
    );
  });

  it.for([
    ["another originator", "origB"],
    ["an auditor", "auditor"],
  ] as const)("refuses %s reading a job", async ([, who], { t, proof }) => {
    expectProblem(await t.req(t.keys[who], { url: `/v1/jobs/${proof.id}` }), 403, "forbidden");
  });

  it("the admin reads any job", async ({ t, proof }) => {
    expect((await t.req(t.keys.admin, { url: `/v1/jobs/${proof.id}` })).statusCode).toBe(200);
  });

  it("answers an unknown job with a 404", async ({ t }) => {
    expectProblem(await t.req(t.keys.origA, { url: "/v1/jobs/job_nope" }), 404, "not-found");
  });
});

describe("verify", () => {
  // What /v1/verify takes of a proof job's result (it refuses unknown fields such as calldata).
  const proved = (p: ProofResult) => ({ proof: p.proof, publicSignals: p.publicSignals });
  const verify = (t: TestApp, key: string | null, payload: unknown) =>
    t.req(key, { method: "POST", url: "/v1/verify", payload: payload as object });
  const FIELD = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

  it("accepts the real proof, naming the instance and the vkey's hash", async ({ t, proof }) => {
    const ok = await verify(t, t.keys.auditor, { instance: INSTANCE, ...proved(proof.result) });
    expect(ok.json()).toMatchObject({ valid: true, instance: INSTANCE });
    expect(ok.json().vkeySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts the real proof from another originator", async ({ t, proof }) => {
    expect(
      (await verify(t, t.keys.origB, { instance: INSTANCE, ...proved(proof.result) })).json().valid,
    ).toBe(true);
  });

  it.for([
    ["other public signals", (p: ProofResult) => ({ ...proved(p), publicSignals: ["34"] })],
    [
      "a tampered proof",
      (p: ProofResult) => {
        const tampered = structuredClone(p.proof);
        tampered.pi_a[0] = (BigInt(tampered.pi_a[0]!) + 1n).toString();
        return { ...proved(p), proof: tampered };
      },
    ],
    ["no public signals", (p: ProofResult) => ({ ...proved(p), publicSignals: [] })],
    ["a public signal of the field's size", (p: ProofResult) => ({ ...proved(p), publicSignals: [FIELD] })],
  ] as const)("finds %s invalid", async ([, change], { t, proof }) => {
    const r = await verify(t, t.keys.auditor, { instance: INSTANCE, ...change(proof.result) });
    expect(r.json().valid).toBe(false);
  });

  it("counts invalid proofs in the metrics", async ({ t, proof }) => {
    await verify(t, t.keys.auditor, { instance: INSTANCE, ...proved(proof.result), publicSignals: ["34"] });
    const m = (await t.req(null, { url: "/metrics" })).body;
    expect(m).toMatch(/proof_verifications_total\{instance="example-multiplier",result="invalid"\} [1-9]/);
  });

  it("answers an unknown instance with a 404", async ({ t, proof }) => {
    expectProblem(
      await verify(t, t.keys.auditor, { ...proved(proof.result), instance: "nope" }),
      404,
      "not-found",
    );
  });

  it.for([
    ["a malformed proof", (_: ProofResult) => ({ publicSignals: ["1"], proof: { pi_a: "x" } })],
    ["public signals that are no list", (p: ProofResult) => ({ publicSignals: { s: "33" }, proof: p.proof })],
  ] as const)("refuses %s with a 400", async ([, body], { t, proof }) => {
    expectProblem(
      await verify(t, t.keys.auditor, { instance: INSTANCE, ...body(proof.result) }),
      400,
      "validation",
    );
  });

  it("refuses a request without a key", async ({ t, proof }) => {
    expectProblem(
      await verify(t, null, { instance: INSTANCE, ...proved(proof.result) }),
      401,
      "unauthenticated",
    );
  });

  it("refuses a body over the limit with a 413", async ({ t, proof }) => {
    expectProblem(
      await verify(t, t.keys.auditor, {
        instance: INSTANCE,
        ...proved(proof.result),
        pad: "x".repeat(70 * 1024),
      }),
      413,
      "payload-too-large",
    );
  });
});

describe("attestation requests", () => {
  const body = (tapeId: string) => ({
    tapeId,
    policy: policyToJson(TEST_POLICY),
    chainId: "31337",
    registry: "0x" + "11".repeat(20),
  });
  const post = (t: TestApp, key: string, payload: object) =>
    t.req(key, { method: "POST", url: "/v1/attestations", payload });

  it.for([
    ["another originator", "origB"],
    ["an auditor", "auditor"],
  ] as const)("refuses %s requesting an attestation of a tape", async ([, who], { t, tapeId }) => {
    expectProblem(await post(t, t.keys[who], body(tapeId)), 403, "forbidden");
  });

  it.for([
    ["a malformed registry", { registry: "0x12" }],
    ["a negative chain id", { chainId: "-1" }],
    ["an unknown instance", { instance: "example-multiplier-x" }],
    ["an instance that is no pool attestation", { instance: INSTANCE }],
  ] as const)("refuses %s with a 400", async ([, change], { t, tapeId }) => {
    expectProblem(await post(t, t.keys.origA, { ...body(tapeId), ...change }), 400, "validation");
  });

  it("refuses an invalid policy with a 400 naming the parameter", async ({ t, tapeId }) => {
    const r = await post(t, t.keys.origA, { ...body(tapeId), policy: { minCreditScore: 5000 } });
    expect(expectProblem(r, 400, "validation").detail).toMatch(/minCreditScore/);
  });

  it("answers an unknown tape with a 404", async ({ t, tapeId }) => {
    expectProblem(await post(t, t.keys.origA, { ...body(tapeId), tapeId: "tape_nope" }), 404, "not-found");
  });

  it("refuses an attestation while the pool instance is not built", async ({ t, tapeId, skip }) => {
    skip(t.app.services.verifier.key(DEFAULT_POOL_INSTANCE) !== undefined, "the pool instance is built");
    expect(expectProblem(await post(t, t.keys.origA, body(tapeId)), 409, "conflict").detail).toMatch(
      /not built/,
    );
  });
});

describe("originator keys", () => {
  it("serves an originator a signing key, without a key hash", async ({ t }) => {
    const a = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
    expect(a.publicKey).toHaveLength(2);
    expect(a.keyHash).toBeUndefined();
  });

  it("serves an originator the same key each time", async ({ t }) => {
    const a1 = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
    const a2 = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
    expect(a2).toEqual(a1);
  });

  it("serves each originator its own key", async ({ t }) => {
    const a = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
    const b = (await t.req(t.keys.origB, { url: "/v1/originator/key" })).json();
    expect(b.publicKey).not.toEqual(a.publicKey);
  });

  it("serves the key's hash in a registry's domain", async ({ t }) => {
    const a = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
    const registry = "0x" + "cd".repeat(20);
    const inReg = (
      await t.req(t.keys.origA, { url: `/v1/originator/key?registry=${registry}&chainId=31337` })
    ).json();
    const pub = [BigInt(a.publicKey[0]), BigInt(a.publicKey[1])] as const;
    expect(BigInt(inReg.keyHash)).toBe(await registryKeyHash(pub, domainWord(registry, 31337n)));
  });

  it("refuses a registry without a chain id", async ({ t }) => {
    expectProblem(
      await t.req(t.keys.origA, { url: `/v1/originator/key?registry=0x${"cd".repeat(20)}` }),
      400,
      "validation",
    );
  });

  it("refuses an auditor", async ({ t }) => {
    expectProblem(await t.req(t.keys.auditor, { url: "/v1/originator/key" }), 403, "forbidden");
  });

  it("refuses a request without a key", async ({ t }) => {
    expectProblem(await t.req(null, { url: "/v1/originator/key" }), 401, "unauthenticated");
  });
});

describe("stored attestations", () => {
  const ids = async (t: TestApp, key: string, q: string) =>
    ((await t.req(key, { url: `/v1/attestations?${q}` })).json().attestations as { id: string }[]).map(
      (a) => a.id,
    );

  it("serves an attestation to its originator with its proofs", async ({ t, stored: _ }) => {
    expect((await t.req(t.keys.origA, { url: "/v1/attestations/att_a1" })).json()).toMatchObject({
      id: "att_a1",
      poolId: "42",
      period: 202610,
      data: { proofs: [{ publicSignals: ["33"] }] },
    });
  });

  it("serves any attestation to an auditor", async ({ t, stored: _ }) => {
    expect((await t.req(t.keys.auditor, { url: "/v1/attestations/att_b1" })).statusCode).toBe(200);
  });

  it("refuses another originator's attestation", async ({ t, stored: _ }) => {
    expectProblem(await t.req(t.keys.origA, { url: "/v1/attestations/att_b1" }), 403, "forbidden");
  });

  it("answers an unknown attestation with a 404", async ({ t, stored: _ }) => {
    expectProblem(await t.req(t.keys.auditor, { url: "/v1/attestations/att_nope" }), 404, "not-found");
  });

  it.for([
    ["a pool", "auditor", "poolId=42", ["att_a1", "att_b1", "att_a2"]],
    ["a pool and period", "auditor", "poolId=42&period=202610", ["att_a1", "att_b1"]],
    ["a pool and period, to an originator its own", "origA", "poolId=42&period=202610", ["att_a1"]],
    ["a pool of none", "auditor", "poolId=43", []],
    ["a pool id with a leading zero", "auditor", "poolId=042", ["att_a1", "att_b1", "att_a2"]],
  ] as const)("lists the attestations of %s", async ([, who, q, expected], { t, stored: _ }) => {
    expect(await ids(t, t.keys[who], q)).toEqual(expected);
  });

  it("a list names each attestation's owner, leaves the proofs out and has no next page", async ({
    t,
    stored: _,
  }) => {
    const listed = (await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42" })).json();
    expect(listed.attestations.map((a: { owner: string }) => a.owner)).toEqual([
      "orig-a",
      "orig-b",
      "orig-a",
    ]);
    expect(listed.attestations[0].data).toBeUndefined();
    expect(listed.next).toBeNull();
  });

  it("a list with full=true brings the proofs", async ({ t, stored: _ }) => {
    const full = (await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42&full=true" })).json();
    expect(full.attestations[0]).toMatchObject({ id: "att_a1", owner: "orig-a", data: { proofs: [{}] } });
  });

  it("pages of one, followed by `next` until it is null, are the whole list", async ({ t, stored: _ }) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/attestations?poolId=42&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await t.req(t.keys.auditor, { url })).json();
      expect(page.attestations).toHaveLength(1);
      seen.push(page.attestations[0].id);
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(["att_a1", "att_b1", "att_a2"]);
  });

  it.for([
    ["a full page over 10", "poolId=42&full=true&limit=11"],
    ["a page over 100", "poolId=42&limit=101"],
    ["a cursor that is none of the service's", "poolId=42&cursor=bm9wZQ"],
    ["no pool", ""],
    ["a pool id that is no number", "poolId=x"],
  ] as const)("refuses %s with a 400", async ([, q], { t, stored: _ }) => {
    expectProblem(
      await t.req(t.keys.auditor, { url: q ? `/v1/attestations?${q}` : "/v1/attestations" }),
      400,
      "validation",
    );
  });

  it("refuses a list without a key", async ({ t }) => {
    expectProblem(await t.req(null, { url: "/v1/attestations?poolId=42" }), 401, "unauthenticated");
  });
});

describe("internal errors", () => {
  it("answer 500 internal, detail pointing to the log", async ({ broken }) => {
    const p = expectProblem(
      await broken.req(broken.keys.origA, { url: "/v1/tapes/tape_x" }),
      500,
      "internal",
    );
    expect(p.detail).toBe("see the service log");
  });

  it("answer without the error's message", async ({ broken }) => {
    const r = await broken.req(broken.keys.origA, { url: "/v1/tapes/tape_x" });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain("db-secret-host");
  });
});

describe("limits", () => {
  it("rate-limits a key beyond its requests a minute with a problem", async ({
    limited: { app, statuses },
  }) => {
    expect(statuses).toEqual([200, 200, 200]);
    expectProblem(await app.req(app.keys.auditor, { url: "/v1/catalogue" }), 429, "rate-limited");
  });

  it("another key has its own budget", async ({ limited: { app } }) => {
    expect((await app.req(app.keys.auditor, { url: "/v1/catalogue" })).statusCode).toBe(429);
    // the admin key used 3 to issue keys, so use origA, which used none
    expect((await app.req(app.keys.origA, { url: "/v1/catalogue" })).statusCode).toBe(200);
  });

  it("sheds load under memory pressure with a 503 problem and a retry-after", async ({ tight }) => {
    const r = await tight.inject({ url: "/v1/catalogue" });
    expectProblem(r, 503, "overloaded");
    expect(r.headers["retry-after"]).toBe("5");
  });

  it("under memory pressure readiness sheds too (balancers route elsewhere)", async ({ tight }) => {
    expectProblem(await tight.inject({ url: "/ready" }), 503, "overloaded");
  });

  it("under memory pressure liveness and metrics still answer", async ({ tight }) => {
    expect((await tight.inject({ url: "/health" })).statusCode).toBe(200);
    expect((await tight.inject({ url: "/metrics" })).statusCode).toBe(200);
  });
});
