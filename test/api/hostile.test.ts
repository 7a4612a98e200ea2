/**
 * Hostile and malformed requests get the right answer: a precise 4xx problem+json, never a 500, a silent
 * rounding or a request accepted now that fails later. Each case is a defect found by testing the service
 * as an attacker would (issue 18, items 6 and 7).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the in-process app
 * (5 failed authentications a minute per client), a committed tape of originator A (the tests are refused
 * on it, or read it), and an app of the same limit on which one client has guessed six keys (the tests read
 * the answers); made for the test, an app allowing 4 requests a minute that the test spends.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { describe, expect, test } from "vitest";
import { formatTapeCsv, formatTapeJson } from "../../prover/tape/index.ts";
import { domainWord } from "../../prover/commitment/keys.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { appFixture, smallTape, startTestApp, waitJob, type TestApp } from "./helpers.ts";

type Res = { statusCode: number; headers: Record<string, unknown>; json: () => unknown; body: string };
const expectProblem = (r: Res, status: number, kind: string) => {
  expect(r.statusCode, r.body).toBe(status);
  expect(String(r.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const body = r.json() as { type: string; status: number; detail?: string; errors?: { field: string }[] };
  expect(body.type).toBe(PROBLEM_BASE + kind);
  expect(body.status).toBe(status);
  return body;
};

type Role = keyof TestApp["keys"];
const json = (t: TestApp, key: string | null, method: "POST" | "GET", url: string, payload: string) =>
  t.req(key, { method, url, headers: { "content-type": "application/json" }, payload });

const it = test.extend<{
  /** The in-process app, 5 failed authentications a minute per client, once per file. */
  t: TestApp;
  /** Originator A's committed tape of 16 loans, once per file. */
  tapeId: string;
  /** An app of the same limit on which one client guessed six keys: the six answers, once per file. */
  guessed: { app: TestApp; answers: Res[] };
  /** An app of the test's own allowing 4 requests a minute. */
  limited: TestApp;
}>({
  t: appFixture({ authFailuresPerMinute: 5 }),
  tapeId: [
    async ({ t }, use) => {
      const up = await json(t, t.keys.origA, "POST", "/v1/tapes", formatTapeJson(smallTape(16, "hostile")));
      const tapeId = up.json().id as string;
      const job = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      const done = await waitJob(t, t.keys.origA, job.json().id);
      if (done.state !== "succeeded") throw new Error(`the commitment failed: ${JSON.stringify(done.error)}`);
      await use(tapeId);
    },
    { scope: "file" },
  ],
  guessed: [
    async ({}, use) => {
      const app = await startTestApp({ authFailuresPerMinute: 5 });
      const answers: Res[] = [];
      for (let i = 0; i < 6; i++)
        answers.push(
          await app.req(`rwa_guess_${randomBytes(16).toString("hex")}`, { url: "/v1/jobs/job_x" }),
        );
      await use({ app, answers });
      await app.app.close();
    },
    { scope: "file" },
  ],
  limited: async ({}, use) => {
    const app = await startTestApp({ rateLimitPerMinute: 4 });
    await use(app);
    await app.app.close();
  },
});

describe("JSON bodies", () => {
  const deep = (n: number) =>
    `{"instance":"example-multiplier","input":{"a":${"[".repeat(n)}${"]".repeat(n)}}}`;

  it("refuses deeply nested JSON with 400 naming the limit, not a stack overflow (500)", async ({ t }) => {
    const p = expectProblem(
      await json(t, t.keys.origA, "POST", "/v1/proofs", deep(200_000)),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/nested deeper than 64/);
  });

  it("refuses a deeply nested tape with 400", async ({ t }) => {
    const tape = `{"format":"rwa-attest/tape@1","loans":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expectProblem(await json(t, t.keys.origA, "POST", "/v1/tapes", tape), 400, "validation");
  });

  it("a body within the depth limit still works", async ({ t }) => {
    expect((await json(t, t.keys.origA, "POST", "/v1/proofs", deep(10))).statusCode).not.toBe(500);
  });

  it("names a __proto__ key precisely", async ({ t, tapeId }) => {
    const p = expectProblem(
      await json(
        t,
        t.keys.auditor,
        "POST",
        `/v1/tapes/${tapeId}/openings`,
        '{"seed":"0123456789abcdef0","count":1,"__proto__":{"x":1}}',
      ),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/__proto__/);
    expect(p.detail).not.toMatch(/not valid JSON/);
  });

  // Tapes are read by their own parser (in a worker): a __proto__ key there is a named problem of the tape.
  const tape = JSON.stringify(JSON.parse(formatTapeJson(smallTape(4, "proto"))));
  it.for([
    ["at the top", tape.replace('{"format"', '{"__proto__":{"polluted":1},"format"'), null],
    ["in a loan", tape.replace('"loans":[{', '"loans":[{"__proto__":{"polluted":1},'), 1],
  ] as const)("names a __proto__ key %s of a tape, polluting nothing", async ([, bad, row], { t }) => {
    expect(bad).not.toBe(tape);
    const r = expectProblem(await json(t, t.keys.origA, "POST", "/v1/tapes", bad), 422, "tape-invalid");
    expect(r.errors).toContainEqual(expect.objectContaining({ field: "__proto__", row }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses integers beyond 2^53 rather than rounding them", async ({ t, tapeId }) => {
    const p = expectProblem(
      await json(
        t,
        t.keys.auditor,
        "POST",
        `/v1/tapes/${tapeId}/openings`,
        '{"seed":12345678901234567890,"count":1}',
      ),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/12345678901234567890 is beyond 2\^53/);
  });

  it("records no rounded integer in the opening trail", async ({ t, tapeId }) => {
    await json(
      t,
      t.keys.auditor,
      "POST",
      `/v1/tapes/${tapeId}/openings`,
      '{"seed":12345678901234567890,"count":1}',
    );
    const trail = (await t.req(t.keys.auditor, { url: `/v1/tapes/${tapeId}/openings` })).json();
    expect(JSON.stringify(trail)).not.toContain("12345678901234567000");
  });

  it("accepts null in a proof's input", async ({ t }) => {
    const a = await json(
      t,
      t.keys.origA,
      "POST",
      "/v1/proofs",
      '{"instance":"example-multiplier","input":{"a":null}}',
    );
    expect([200, 202]).toContain(a.statusCode);
  });

  it("refuses 1e400 (Infinity), so it cannot share null's idempotency key", async ({ t }) => {
    const p = expectProblem(
      await json(
        t,
        t.keys.origA,
        "POST",
        "/v1/proofs",
        '{"instance":"example-multiplier","input":{"a":1e400}}',
      ),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/1e400/);
  });

  it.for([
    ["an API key", "admin", () => "/v1/admin/api-keys", () => ({ role: "auditor", owner: "x", extra: 1 })],
    [
      "openings",
      "auditor",
      (tapeId: string) => `/v1/tapes/${tapeId}/openings`,
      () => ({ seed: "0123456789abcdef-x", count: 1, extra: 1 }),
    ],
    [
      "a verification (in the proof)",
      "auditor",
      () => "/v1/verify",
      () => ({
        instance: "x",
        publicSignals: [],
        proof: {
          pi_a: ["1", "2"],
          pi_b: [
            ["1", "2"],
            ["3", "4"],
          ],
          pi_c: ["1", "2"],
          extra: 1,
        },
      }),
    ],
    ["a proof", "origA", () => "/v1/proofs", () => ({ instance: "example-multiplier", input: {}, extra: 1 })],
    // chunkSize belongs in the query: sent in the body it was silently ignored (202 with the default)
    [
      "a commitment",
      "origA",
      (tapeId: string) => `/v1/tapes/${tapeId}/commitment`,
      () => ({ chunkSize: 8, extra: 1 }),
    ],
    [
      "an attestation",
      "origA",
      () => "/v1/attestations",
      (tapeId: string) => ({ tapeId, policy: {}, chainId: "1", registry: `0x${"11".repeat(20)}`, extra: 1 }),
    ],
  ] as const)(
    "refuses an unknown field in the body of %s, naming it",
    async ([, role, url, body], { t, tapeId }) => {
      const p = expectProblem(
        await json(t, t.keys[role as Role], "POST", url(tapeId), JSON.stringify(body(tapeId))),
        400,
        "validation",
      );
      expect(JSON.stringify(p)).toMatch(/extra/);
    },
  );

  it("a commitment request without a body, the usual one, is not a body with unknown fields", async ({
    t,
    tapeId,
  }) => {
    const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
    expect([200, 202]).toContain(commit.statusCode);
  });
});

describe("CSV tapes", () => {
  const csv = formatTapeCsv(smallTape(4, "csv-extra"));
  const postCsv = (t: TestApp, payload: string) =>
    t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "text/csv" },
      payload,
    });

  it("refuses columns the canonical tape does not have (one rule with JSON tapes)", async ({ t }) => {
    const lines = csv.split("\n");
    const h = lines.findIndex((l) => l.length > 0 && !l.startsWith("#"));
    const withExtra = lines
      .map((l, i) => (i === h ? `${l},nickname` : i > h && l.length > 0 ? `${l},bob` : l))
      .join("\n");
    const p = expectProblem(await postCsv(t, withExtra), 422, "tape-invalid");
    expect(p.errors?.map((e) => e.field)).toContain("nickname");
  });

  it("accepts the same tape without the column", async ({ t }) => {
    expect((await postCsv(t, csv)).statusCode).toBe(201);
  });
});

describe("chain ids", () => {
  const body = (chainId: string) =>
    JSON.stringify({ tapeId: "tape_nope", policy: {}, chainId, registry: `0x${"11".repeat(20)}` });
  const attest = (t: TestApp, chainId: bigint | string) =>
    json(t, t.keys.origA, "POST", "/v1/attestations", body(chainId.toString()));

  it("refuses at the edge a chain id the domain word cannot hold (2^93), naming the field and the bound", async ({
    t,
  }) => {
    const p = expectProblem(await attest(t, 1n << 93n), 400, "validation");
    expect(p.errors?.[0]?.field).toBe("body/chainId");
    expect(p.detail).toMatch(/below 2\^93/);
  });

  it("refuses a chain id of 40 digits at the edge", async ({ t }) => {
    expectProblem(await attest(t, "1".repeat(40)), 400, "validation");
  });

  // Below 2^93 the edge asks the domain word the job will use: what it holds goes on (here to the missing
  // tape, 404), what it refuses is refused now with its reason, never accepted to fail in the job.
  it.for([
    ["1", 1n],
    ["2^64 - 1", (1n << 64n) - 1n],
    ["2^64", 1n << 64n],
    ["2^93 - 1", (1n << 93n) - 1n],
  ] as const)("answers a chain id of %s as the domain word does", async ([, id], { t }) => {
    let holds = true;
    try {
      domainWord(`0x${"11".repeat(20)}`, id);
    } catch {
      holds = false;
    }
    const r = await attest(t, id);
    if (holds) expectProblem(r, 404, "not-found");
    else expect(expectProblem(r, 400, "validation").errors?.[0]?.field).toBe("body/chainId");
  });

  it("refuses a key hash in a domain of chain id 2^93", async ({ t }) => {
    const q = `registry=0x${"11".repeat(20)}&chainId=${(1n << 93n).toString()}`;
    expectProblem(await t.req(t.keys.origA, { url: `/v1/originator/key?${q}` }), 400, "validation");
  });
});

describe("authentication", () => {
  it.for([
    ["a body of unknown fields", "POST", () => "/v1/proofs", '{"nope":1}'],
    ["a body that is no JSON", "POST", () => "/v1/proofs", "{not json"],
    ["a __proto__ body", "POST", (tapeId: string) => `/v1/tapes/${tapeId}/openings`, '{"__proto__":1}'],
    ["a malformed id", "GET", () => "/v1/jobs/bad%20id", undefined],
    ["an admin request", "POST", () => "/v1/admin/api-keys", "{}"],
  ] as [string, "POST" | "GET", (tapeId: string) => string, string | undefined][])(
    "authenticates before validating: 401, not 400, for %s without a key",
    async ([, method, url, payload], { t, tapeId }) => {
      const r =
        payload === undefined
          ? await t.req(null, { method, url: url(tapeId) })
          : await json(t, null, method, url(tapeId), payload);
      expectProblem(r, 401, "unauthenticated");
    },
  );

  it("with a key of the wrong role: 403 before 400", async ({ t }) => {
    expectProblem(await json(t, t.keys.auditor, "POST", "/v1/proofs", '{"nope":1}'), 403, "forbidden");
  });

  it.for(["/health", "/ready", "/v1/catalogue"])(
    "the public route %s ignores a wrong key",
    async (url, { t }) => {
      expect((await t.req(`rwa_bogus_${randomBytes(8).toString("hex")}`, { url })).statusCode).toBe(200);
    },
  );

  it("answers a client's first 5 failed authentications a minute with 401", ({ guessed }) => {
    for (const r of guessed.answers.slice(0, 5)) expectProblem(r, 401, "unauthenticated");
  });

  it("answers the 6th with 429 and Retry-After", ({ guessed }) => {
    const r = guessed.answers[5]!;
    expectProblem(r, 429, "rate-limited");
    expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("a valid key from a client limited for its failures still works", async ({ guessed: { app } }) => {
    expect((await app.req(app.keys.origA, { url: "/v1/jobs/job_x" })).statusCode).toBe(404);
  });

  it("does not rate-limit /health: 8 requests leave the 4 a minute without a key", async ({
    limited: app,
  }) => {
    // (the admin key spends 3 of its 4 issuing the test keys; requests without a key count per client)
    for (let i = 0; i < 8; i++) expect((await app.req(null, { url: "/health" })).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await app.req(null, { url: "/v1/catalogue" })).statusCode).toBe(200);
    expectProblem(await app.req(null, { url: "/v1/catalogue" }), 429, "rate-limited");
  });
});

describe("the framework's own refusals are problem+json", () => {
  const raw = async (
    t: TestApp,
    request: string,
  ): Promise<{ status: number; type: string; body: string }> => {
    await t.app.listen({ port: 0, host: "127.0.0.1" }).catch(() => undefined);
    const port = (t.app.server.address() as net.AddressInfo).port;
    const text = await new Promise<string>((resolve) => {
      let out = "";
      const c = net.connect(port, "127.0.0.1", () => c.write(request));
      c.on("data", (d) => (out += d.toString()));
      c.on("close", () => resolve(out));
      c.on("error", () => resolve(out));
    });
    const [head, ...rest] = text.split("\r\n\r\n");
    return {
      status: Number(/^HTTP\/1\.1 (\d+)/.exec(head ?? "")?.[1]),
      type: /content-type: ([^\r\n]+)/i.exec(head ?? "")?.[1] ?? "",
      body: rest.join("\r\n\r\n"),
    };
  };

  it("414 for an overlong path parameter", async ({ t }) => {
    expectProblem(await t.req(t.keys.origA, { url: `/v1/tapes/${"a".repeat(500)}` }), 414, "uri-too-long");
  });

  it("400 for a malformed URL", async ({ t }) => {
    expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/%E0%A4%A" }), 400, "validation");
  });

  it("431 for oversized headers, written by the connection handler", async ({ t }) => {
    const big = await raw(t, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(big.body)).toMatchObject({ type: PROBLEM_BASE + "header-too-large", status: 431 });
  });

  it("400 for a malformed request line, written by the connection handler", async ({ t }) => {
    const garbage = await raw(t, "GARBAGE\r\n\r\n");
    expect(garbage.status).toBe(400);
    expect(garbage.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(garbage.body)).toMatchObject({ type: PROBLEM_BASE + "validation", status: 400 });
  });
});
