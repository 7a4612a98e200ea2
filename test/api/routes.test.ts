/**
 * Every route through `inject`: success, validation errors, authorisation refusals (no key, wrong role,
 * another originator's resource), unknown ids and oversized bodies. Proofs are real (example-multiplier,
 * proven by the service's own job runner); openings are checked against the tape root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyOpening } from "../../prover/commitment/encoding.ts";
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
import { ADMIN_KEY, smallTape, startTestApp, testConfig, waitJob, type TestApp } from "./helpers.ts";

const INSTANCE = "example-multiplier";
let t: TestApp;
let proofResult: {
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  publicSignals: string[];
  calldata: unknown;
};
let proofJobId: string;
const tape = smallTape(20);
let tapeId: string;

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

beforeAll(async () => {
  t = await startTestApp({ bodyLimitBytes: 256 * 1024 });
  const r = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/proofs",
    payload: { instance: INSTANCE, input: { a: 3, b: 11, c: 33 } },
  });
  expect(r.statusCode).toBe(202);
  proofJobId = r.json().id;
  const done = await waitJob(t, t.keys.origA, proofJobId);
  expect(done.state).toBe("succeeded");
  proofResult = done.result as typeof proofResult;
  const up = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(tape),
  });
  expect(up.statusCode).toBe(201);
  tapeId = up.json().id;
});

afterAll(async () => {
  await t?.app.close();
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe("service routes", () => {
  it("health, readiness, metrics and docs answer without a key", async () => {
    expect((await t.req(null, { url: "/health" })).json()).toEqual({ status: "ok" });
    const ready = await t.req(null, { url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ready", storage: "sqlite" });
    expect(ready.json().verifyInstances).toContain(INSTANCE);
    const m = await t.req(null, { url: "/metrics" });
    expect(m.headers["content-type"]).toMatch(/^text\/plain/);
    expect(m.body).toContain("http_request_duration_seconds_bucket{");
    expect(m.body).toContain('job_queue_depth{state="succeeded"}');
    expect(m.body).toMatch(/job_duration_seconds_count\{kind="proof",outcome="succeeded"\} [1-9]/);
    const docs = await t.req(null, { url: "/docs/json" });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toContain("/v1/verify");
    expectProblem(await t.req(null, { url: "/v1/nothing-here" }), 404, "not-found");
  });

  it("the catalogue lists instances with artifact hashes, and one instance with its vkey", async () => {
    const all = (await t.req(null, { url: "/v1/catalogue" })).json();
    const ex = all.instances.find((i: { name: string }) => i.name === INSTANCE);
    expect(ex.built).toBe(true);
    expect(ex.artifacts.zkey.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ex.vkey).toBeUndefined();
    const one = (await t.req(null, { url: `/v1/catalogue/${INSTANCE}` })).json();
    expect(one.vkey.protocol).toBe("groth16");
    expectProblem(await t.req(null, { url: "/v1/catalogue/no-such-circuit" }), 404, "not-found");
  });

  it("refuses missing, unknown and revoked keys, and wrong roles", async () => {
    expectProblem(
      await t.req(null, { method: "POST", url: "/v1/tapes", payload: {} }),
      401,
      "unauthenticated",
    );
    expectProblem(await t.req("rwa_bogus_key", { url: `/v1/tapes/${tapeId}` }), 401, "unauthenticated");
    expectProblem(
      await t.req(t.keys.auditor, {
        method: "POST",
        url: "/v1/admin/api-keys",
        payload: { role: "admin", owner: "x" },
      }),
      403,
      "forbidden",
    );
    const issued = (
      await t.req(ADMIN_KEY, {
        method: "POST",
        url: "/v1/admin/api-keys",
        payload: { role: "auditor", owner: "tmp" },
      })
    ).json();
    expect((await t.req(issued.key, { url: `/v1/tapes/${tapeId}` })).statusCode).toBe(200);
    expect(
      (await t.req(ADMIN_KEY, { method: "DELETE", url: `/v1/admin/api-keys/${issued.id}` })).statusCode,
    ).toBe(204);
    expectProblem(await t.req(issued.key, { url: `/v1/tapes/${tapeId}` }), 401, "unauthenticated");
    expectProblem(
      await t.req(ADMIN_KEY, { method: "DELETE", url: `/v1/admin/api-keys/${issued.id}` }),
      404,
      "not-found",
    );
    expectProblem(
      await t.req(ADMIN_KEY, {
        method: "POST",
        url: "/v1/admin/api-keys",
        payload: { role: "king", owner: "x" },
      }),
      400,
      "validation",
    );
    expectProblem(
      await t.req(ADMIN_KEY, {
        method: "POST",
        url: "/v1/admin/api-keys",
        payload: { role: "auditor", owner: "bad owner!" },
      }),
      400,
      "validation",
    );
  });

  describe("tapes", () => {
    it("accepts JSON and CSV tapes and never returns loans in the summary", async () => {
      const csv = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "text/csv" },
        payload: formatTapeCsv(tape),
      });
      expect(csv.statusCode).toBe(201);
      const s = csv.json();
      expect(s).toMatchObject({
        poolId: "42",
        period: 202610,
        loanCount: 20,
        format: "csv",
        committed: false,
      });
      expect(csv.body).not.toContain(tape.loans[0]!.borrowerRef);
      expect(csv.headers.location).toBe(`/v1/tapes/${s.id}`);
      const json = (await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}` })).json();
      expect(json.sha256).toBe(s.sha256); // same canonical tape from either format
      expect(JSON.stringify(json)).not.toContain(tape.loans[0]!.loanId);
      // At rest: AES-256-GCM ciphertext, no loan or borrower identifier in clear.
      const stored = await t.app.services.storage.getTape(tapeId);
      expect(stored!.ciphertext.includes(Buffer.from(tape.loans[0]!.borrowerRef))).toBe(false);
      expect(stored!.ciphertext.includes(Buffer.from(tape.loans[0]!.loanId))).toBe(false);
    });

    it("reports every problem of an invalid tape with row, field, value and reason", async () => {
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
      const csv = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes?poolId=abc",
        headers: { "content-type": "text/csv" },
        payload: "loanId\nL1\n",
      });
      expect(expectProblem(csv, 422, "tape-invalid").errors?.some((e) => e.field === "poolId")).toBe(true);
      const notJson = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: "{not json",
      });
      expect(expectProblem(notJson, 422, "tape-invalid").errors?.[0]?.reason).toMatch(/not JSON/);
    });

    it("refuses other content types, oversized bodies, auditors uploading, and strangers reading", async () => {
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
      expectProblem(await t.req(t.keys.origB, { url: `/v1/tapes/${tapeId}` }), 403, "forbidden");
      expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/tape_nope" }), 404, "not-found");
      expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/bad%20id" }), 400, "validation");
    });
  });

  describe("commitments and openings", () => {
    let root: string;
    it("commits once per request (idempotent) and serves the root to owner and auditors", async () => {
      expectProblem(await t.req(t.keys.auditor, { url: `/v1/tapes/${tapeId}/commitment` }), 404, "not-found");
      expectProblem(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: `/v1/tapes/${tapeId}/openings`,
          payload: { seed: "s".repeat(16), count: 2 },
        }),
        409,
        "conflict",
      );
      const first = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      expect(first.statusCode).toBe(202);
      const again = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(first.json().id);
      const job = await waitJob(t, t.keys.origA, first.json().id);
      expect(job.state).toBe("succeeded");
      root = (job.result as { root: string }).root;
      const c = (await t.req(t.keys.auditor, { url: `/v1/tapes/${tapeId}/commitment` })).json();
      expect(c).toMatchObject({ tapeId, root, loanCount: 20, chunkCount: 1 });
      expect((await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}` })).json().committed).toBe(true);
      expectProblem(await t.req(t.keys.origB, { url: `/v1/tapes/${tapeId}/commitment` }), 403, "forbidden");
      expectProblem(
        await t.req(t.keys.origB, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` }),
        403,
        "forbidden",
      );
      expectProblem(
        await t.req(t.keys.auditor, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` }),
        403,
        "forbidden",
      );
      expectProblem(
        await t.req(t.keys.origA, { method: "POST", url: "/v1/tapes/tape_nope/commitment" }),
        404,
        "not-found",
      );
      expectProblem(
        await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment?chunkSize=17` }),
        400,
        "validation",
      );
    });

    it("opens the loans the auditor's seed samples, each verifying against the root", async () => {
      const seed = "auditor-seed-after-commitment-1";
      const r = await t.req(t.keys.auditor, {
        method: "POST",
        url: `/v1/tapes/${tapeId}/openings`,
        payload: { seed, count: 3 },
      });
      expect(r.statusCode).toBe(200);
      const o = r.json();
      expect(o.indices).toEqual(sampleIndices(seed, 20, 3));
      expect(o.root).toBe(root);
      expect(r.body).not.toContain(tape.loans[o.indices[0]]!.borrowerRef);
      for (const op of o.openings) {
        const opening = openingFromJson(op);
        const { borrowerRef: _b, ...record } = tape.loans[op.index]!;
        expect(opening.record).toEqual(record);
        expect(await verifyOpening(BigInt(root), opening)).toBe(true);
        expect(await verifyOpening(BigInt(root), { ...opening, leafSalt: opening.leafSalt + 1n })).toBe(
          false,
        );
        expect(
          await verifyOpening(BigInt(root), {
            ...opening,
            record: { ...record, creditScore: record.creditScore ^ 1 },
          }),
        ).toBe(false);
      }
      expect((await checkOpenings(BigInt(root), o.openings.map(openingFromJson))).length).toBe(0);
      const open = (payload: object) =>
        t.req(t.keys.auditor, { method: "POST", url: `/v1/tapes/${tapeId}/openings`, payload });
      // The same seed again is the same opening (not counted again); with another count it is refused.
      expect((await open({ seed, count: 3 })).json().indices).toEqual(o.indices);
      expectProblem(await open({ seed, count: 4 }), 409, "conflict");
      // The tape's budget: 25 % of its 20 loans, 5 distinct loans over all openings. Find seeds (the rule is
      // public) whose one loan is new, then one whose loan is already shown (free).
      expect(openingBudget(20, 25, 64)).toBe(5);
      const fresh = (shown: Set<number>, tag: string): string => {
        for (let i = 0; ; i++)
          if (!shown.has(sampleIndices(`${seed}${tag}${i}`, 20, 1)[0]!)) return `${seed}${tag}${i}`;
      };
      const shown = new Set<number>(o.indices);
      const s4 = fresh(shown, "a");
      expect((await open({ seed: s4, count: 1 })).statusCode).toBe(200);
      shown.add(sampleIndices(s4, 20, 1)[0]!);
      const s5 = fresh(shown, "b");
      expect((await open({ seed: s5, count: 1 })).statusCode).toBe(200);
      shown.add(sampleIndices(s5, 20, 1)[0]!);
      let again = "";
      for (let i = 0; !again; i++)
        if (shown.has(sampleIndices(`${seed}c${i}`, 20, 1)[0]!)) again = `${seed}c${i}`;
      expect((await open({ seed: again, count: 1 })).statusCode).toBe(200);
      expect(
        expectProblem(await open({ seed: fresh(shown, "d"), count: 1 }), 409, "conflict").detail,
      ).toMatch(/at most 5 of its 20 loans; 5 are revealed and this opening would make it 6/);
      const trail = (await t.req(t.keys.origA, { url: `/v1/tapes/${tapeId}/openings` })).json();
      expect(trail).toMatchObject({ budget: 5, revealed: 5 });
      expect(trail.openings.map((x: { seed: string }) => x.seed).sort()).toEqual(
        [seed, s4, s5, again].sort(),
      );
      expect(trail.openings.find((x: { seed: string }) => x.seed === seed).auditor).toBe("audit-co");
      expectProblem(await t.req(t.keys.origB, { url: `/v1/tapes/${tapeId}/openings` }), 403, "forbidden");
      expectProblem(
        await t.req(t.keys.origA, {
          method: "POST",
          url: `/v1/tapes/${tapeId}/openings`,
          payload: { seed, count: 3 },
        }),
        403,
        "forbidden",
      );
      expectProblem(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: `/v1/tapes/${tapeId}/openings`,
          payload: { seed: "short", count: 3 },
        }),
        400,
        "validation",
      );
      expectProblem(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: `/v1/tapes/${tapeId}/openings`,
          payload: { seed, count: 0 },
        }),
        400,
        "validation",
      );
      expectProblem(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: "/v1/tapes/tape_nope/openings",
          payload: { seed, count: 1 },
        }),
        404,
        "not-found",
      );
    });
  });

  describe("proof jobs", () => {
    it("returned a real proof with Solidity calldata and progress", async () => {
      const j = (await t.req(t.keys.origA, { url: `/v1/jobs/${proofJobId}` })).json();
      expect(j).toMatchObject({ kind: "proof", state: "succeeded", progress: 1, attempts: 1 });
      expect(proofResult.publicSignals).toEqual(["33"]);
      expect((proofResult.calldata as { pubSignals: string[] }).pubSignals).toEqual(["33"]);
    });

    it("is idempotent per key and refuses a reused key with another request", async () => {
      const body = { instance: INSTANCE, input: { a: 3, b: 11, c: 33 } };
      const same = await t.req(t.keys.origA, { method: "POST", url: "/v1/proofs", payload: body });
      expect(same.statusCode).toBe(200);
      expect(same.json().id).toBe(proofJobId);
      const k1 = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        headers: { "idempotency-key": "k-1" },
        payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
      });
      expect(k1.statusCode).toBe(202);
      const k1b = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        headers: { "idempotency-key": "k-1" },
        payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
      });
      expect(k1b.json().id).toBe(k1.json().id);
      expectProblem(
        await t.req(t.keys.origA, {
          method: "POST",
          url: "/v1/proofs",
          headers: { "idempotency-key": "k-1" },
          payload: { instance: INSTANCE, input: { a: 5, b: 9, c: 45 } },
        }),
        409,
        "idempotency-conflict",
      );
      // Another originator's same key is its own job.
      const b = await t.req(t.keys.origB, {
        method: "POST",
        url: "/v1/proofs",
        headers: { "idempotency-key": "k-1" },
        payload: { instance: INSTANCE, input: { a: 5, b: 7, c: 35 } },
      });
      expect(b.statusCode).toBe(202);
      expect(b.json().id).not.toBe(k1.json().id);
      expect((await waitJob(t, t.keys.origA, k1.json().id)).state).toBe("succeeded");
      expect((await waitJob(t, t.keys.origB, b.json().id)).state).toBe("succeeded");
    });

    it("fails an input the circuit refuses, without retrying", async () => {
      const r = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/proofs",
        payload: { instance: INSTANCE, input: { a: 1, b: 33, c: 33 } },
      });
      const j = await waitJob(t, t.keys.origA, r.json().id);
      expect(j).toMatchObject({ state: "failed", attempts: 1, result: null });
      expect((j.error as { kind: string }).kind).toBe("unsatisfied-input");
    });

    it("refuses unknown instances, auditors, strangers' jobs and unknown jobs", async () => {
      expectProblem(
        await t.req(t.keys.origA, {
          method: "POST",
          url: "/v1/proofs",
          payload: { instance: "nope", input: {} },
        }),
        404,
        "not-found",
      );
      expectProblem(
        await t.req(t.keys.origA, { method: "POST", url: "/v1/proofs", payload: { input: {} } }),
        400,
        "validation",
      );
      expectProblem(
        await t.req(t.keys.auditor, {
          method: "POST",
          url: "/v1/proofs",
          payload: { instance: INSTANCE, input: {} },
        }),
        403,
        "forbidden",
      );
      expectProblem(await t.req(t.keys.origB, { url: `/v1/jobs/${proofJobId}` }), 403, "forbidden");
      expectProblem(await t.req(t.keys.auditor, { url: `/v1/jobs/${proofJobId}` }), 403, "forbidden");
      expect((await t.req(t.keys.admin, { url: `/v1/jobs/${proofJobId}` })).statusCode).toBe(200);
      expectProblem(await t.req(t.keys.origA, { url: "/v1/jobs/job_nope" }), 404, "not-found");
    });
  });

  describe("verify", () => {
    // What /v1/verify takes of a proof job's result (it refuses unknown fields such as calldata).
    const proved = () => ({
      proof: proofResult.proof as (typeof proofResult)["proof"],
      publicSignals: proofResult.publicSignals,
    });
    const verify = (key: string | null, payload: unknown) =>
      t.req(key, { method: "POST", url: "/v1/verify", payload: payload as object });
    it("accepts the real proof and refuses tampered ones and other signals", async () => {
      const ok = await verify(t.keys.auditor, { instance: INSTANCE, ...proved() });
      expect(ok.json()).toMatchObject({ valid: true, instance: INSTANCE });
      expect(ok.json().vkeySha256).toMatch(/^[0-9a-f]{64}$/);
      expect((await verify(t.keys.origB, { instance: INSTANCE, ...proved() })).json().valid).toBe(true);
      expect(
        (await verify(t.keys.auditor, { instance: INSTANCE, ...proved(), publicSignals: ["34"] })).json()
          .valid,
      ).toBe(false);
      const tampered = structuredClone(proofResult.proof);
      tampered.pi_a[0] = (BigInt(tampered.pi_a[0]!) + 1n).toString();
      expect(
        (await verify(t.keys.auditor, { instance: INSTANCE, ...proved(), proof: tampered })).json().valid,
      ).toBe(false);
      expect(
        (await verify(t.keys.auditor, { instance: INSTANCE, ...proved(), publicSignals: [] })).json().valid,
      ).toBe(false);
      const field = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
      expect(
        (await verify(t.keys.auditor, { instance: INSTANCE, ...proved(), publicSignals: [field] })).json()
          .valid,
      ).toBe(false);
      const m = (await t.req(null, { url: "/metrics" })).body;
      expect(m).toMatch(/proof_verifications_total\{instance="example-multiplier",result="invalid"\} [1-9]/);
    });

    it("refuses unknown instances, malformed bodies, missing keys and oversized bodies", async () => {
      expectProblem(await verify(t.keys.auditor, { ...proved(), instance: "nope" }), 404, "not-found");
      expectProblem(
        await verify(t.keys.auditor, { instance: INSTANCE, publicSignals: ["1"], proof: { pi_a: "x" } }),
        400,
        "validation",
      );
      expectProblem(
        await verify(t.keys.auditor, {
          instance: INSTANCE,
          publicSignals: { s: "33" },
          proof: proofResult.proof,
        }),
        400,
        "validation",
      );
      expectProblem(await verify(null, { instance: INSTANCE, ...proved() }), 401, "unauthenticated");
      expectProblem(
        await verify(t.keys.auditor, { instance: INSTANCE, ...proved(), pad: "x".repeat(70 * 1024) }),
        413,
        "payload-too-large",
      );
    });
  });

  describe("attestations", () => {
    it("checks attestation requests: owner, role, body, policy, built instance, commitment", async () => {
      const body = {
        tapeId,
        policy: policyToJson(TEST_POLICY),
        chainId: "31337",
        registry: "0x" + "11".repeat(20),
      };
      const post = (key: string, payload: object) =>
        t.req(key, { method: "POST", url: "/v1/attestations", payload });
      expectProblem(await post(t.keys.origB, body), 403, "forbidden");
      expectProblem(await post(t.keys.auditor, body), 403, "forbidden");
      expectProblem(await post(t.keys.origA, { ...body, registry: "0x12" }), 400, "validation");
      expectProblem(await post(t.keys.origA, { ...body, chainId: "-1" }), 400, "validation");
      expectProblem(await post(t.keys.origA, { ...body, tapeId: "tape_nope" }), 404, "not-found");
      const badPolicy = expectProblem(
        await post(t.keys.origA, { ...body, policy: { minCreditScore: 5000 } }),
        400,
        "validation",
      );
      expect(badPolicy.detail).toMatch(/minCreditScore/);
      expectProblem(
        await post(t.keys.origA, { ...body, instance: "example-multiplier-x" }),
        400,
        "validation",
      );
      expectProblem(await post(t.keys.origA, { ...body, instance: INSTANCE }), 400, "validation");
      if (!t.app.services.verifier.key(DEFAULT_POOL_INSTANCE)) {
        expect(expectProblem(await post(t.keys.origA, body), 409, "conflict").detail).toMatch(/not built/);
      }
    });

    it("serves each originator its own signing key, made once", async () => {
      const a1 = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
      const a2 = (await t.req(t.keys.origA, { url: "/v1/originator/key" })).json();
      const b = (await t.req(t.keys.origB, { url: "/v1/originator/key" })).json();
      expect(a1.publicKey).toHaveLength(2);
      expect(a2).toEqual(a1);
      expect(b.publicKey).not.toEqual(a1.publicKey);
      expect(a1.keyHash).toBeUndefined();
      const registry = "0x" + "cd".repeat(20);
      const inReg = (
        await t.req(t.keys.origA, { url: `/v1/originator/key?registry=${registry}&chainId=31337` })
      ).json();
      const pub = [BigInt(a1.publicKey[0]), BigInt(a1.publicKey[1])] as const;
      expect(BigInt(inReg.keyHash)).toBe(await registryKeyHash(pub, domainWord(registry, 31337n)));
      expectProblem(
        await t.req(t.keys.origA, { url: `/v1/originator/key?registry=${registry}` }),
        400,
        "validation",
      );
      expectProblem(await t.req(t.keys.auditor, { url: "/v1/originator/key" }), 403, "forbidden");
      expectProblem(await t.req(null, { url: "/v1/originator/key" }), 401, "unauthenticated");
    });

    it("serves stored attestations to their originator and auditors, by id and by pool and period", async () => {
      const s = t.app.services.storage;
      const base = {
        tapeId,
        poolId: "42",
        instance: INSTANCE,
        policyHash: "1",
        data: { proofs: [proofResult] },
        createdAt: Date.now(),
      };
      await s.insertAttestation({ ...base, id: "att_a1", owner: "orig-a", jobId: "job_x1", period: 202610 });
      await s.insertAttestation({ ...base, id: "att_a2", owner: "orig-a", jobId: "job_x2", period: 202611 });
      await s.insertAttestation({ ...base, id: "att_b1", owner: "orig-b", jobId: "job_x3", period: 202610 });
      const own = await t.req(t.keys.origA, { url: "/v1/attestations/att_a1" });
      expect(own.json()).toMatchObject({
        id: "att_a1",
        poolId: "42",
        period: 202610,
        data: { proofs: [{ publicSignals: ["33"] }] },
      });
      expect((await t.req(t.keys.auditor, { url: "/v1/attestations/att_b1" })).statusCode).toBe(200);
      expectProblem(await t.req(t.keys.origA, { url: "/v1/attestations/att_b1" }), 403, "forbidden");
      expectProblem(await t.req(t.keys.auditor, { url: "/v1/attestations/att_nope" }), 404, "not-found");
      const ids = async (key: string, q: string) =>
        ((await t.req(key, { url: `/v1/attestations?${q}` })).json().attestations as { id: string }[]).map(
          (a) => a.id,
        );
      expect(await ids(t.keys.auditor, "poolId=42")).toEqual(["att_a1", "att_b1", "att_a2"]);
      expect(await ids(t.keys.auditor, "poolId=42&period=202610")).toEqual(["att_a1", "att_b1"]);
      expect(await ids(t.keys.origA, "poolId=42&period=202610")).toEqual(["att_a1"]);
      expect(await ids(t.keys.auditor, "poolId=43")).toEqual([]);
      expect(await ids(t.keys.auditor, "poolId=042")).toEqual(["att_a1", "att_b1", "att_a2"]);
      // Summaries name their owner and leave the proofs out; full=true brings them.
      const listed = (await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42" })).json();
      expect(listed.attestations.map((a: { owner: string }) => a.owner)).toEqual([
        "orig-a",
        "orig-b",
        "orig-a",
      ]);
      expect(listed.attestations[0].data).toBeUndefined();
      expect(listed.next).toBeNull();
      const full = (await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42&full=true" })).json();
      expect(full.attestations[0]).toMatchObject({ id: "att_a1", owner: "orig-a", data: { proofs: [{}] } });
      // Pages: follow `next` until it is null.
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
      expectProblem(
        await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42&full=true&limit=11" }),
        400,
        "validation",
      );
      expectProblem(
        await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42&limit=101" }),
        400,
        "validation",
      );
      expectProblem(
        await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42&cursor=bm9wZQ" }),
        400,
        "validation",
      );
      expectProblem(await t.req(t.keys.auditor, { url: "/v1/attestations" }), 400, "validation");
      expectProblem(await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=x" }), 400, "validation");
      expectProblem(await t.req(null, { url: "/v1/attestations?poolId=42" }), 401, "unauthenticated");
    });
  });
});

describe("internal errors", () => {
  it("answer 500 internal without details (they go to the log)", async () => {
    const broken = await startTestApp();
    try {
      broken.app.services.storage.getTape = async () => {
        throw new Error("connection to db-secret-host refused");
      };
      const r = await broken.req(broken.keys.origA, { url: "/v1/tapes/tape_x" });
      const p = expectProblem(r, 500, "internal");
      expect(r.body).not.toContain("db-secret-host");
      expect(p.detail).toBe("see the service log");
    } finally {
      await broken.app.close();
    }
  });
});

describe("limits", () => {
  it("rate-limits per key with a problem", async () => {
    const small = await startTestApp({ rateLimitPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++)
        expect((await small.req(small.keys.auditor, { url: "/v1/catalogue" })).statusCode).toBe(200);
      expectProblem(await small.req(small.keys.auditor, { url: "/v1/catalogue" }), 429, "rate-limited");
      // Another key has its own budget (the admin key used 3 to issue keys, so use origA, which used none).
      expect((await small.req(small.keys.origA, { url: "/v1/catalogue" })).statusCode).toBe(200);
    } finally {
      await small.app.close();
    }
  });

  it("sheds load under memory pressure with a 503 problem", async () => {
    // No keys to issue first: under-pressure may already shed those requests on a loaded machine.
    const tight = await buildApp(testConfig({ maxHeapUsedBytes: 1 }), { runJobs: false });
    try {
      await tight.ready();
      await new Promise((r) => setTimeout(r, 1500));
      const r = await tight.inject({ url: "/v1/catalogue" });
      expectProblem(r, 503, "overloaded");
      expect(r.headers["retry-after"]).toBe("5");
      // Readiness sheds too (balancers route elsewhere); liveness and metrics still answer.
      expectProblem(await tight.inject({ url: "/ready" }), 503, "overloaded");
      expect((await tight.inject({ url: "/health" })).statusCode).toBe(200);
      expect((await tight.inject({ url: "/metrics" })).statusCode).toBe(200);
    } finally {
      await tight.close();
    }
  });
});
