/**
 * Hostile and malformed requests get the right answer: a precise 4xx problem+json, never a 500, a silent
 * rounding or a request accepted now that fails later. Each case is a defect found by testing the service
 * as an attacker would (issue 18, items 6 and 7).
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatTapeCsv, formatTapeJson } from "../../prover/tape/index.ts";
import { domainWord } from "../../prover/commitment/keys.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { smallTape, startTestApp, waitJob, type TestApp } from "./helpers.ts";

type Res = { statusCode: number; headers: Record<string, unknown>; json: () => unknown; body: string };
const expectProblem = (r: Res, status: number, kind: string) => {
  expect(r.statusCode, r.body).toBe(status);
  expect(String(r.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const body = r.json() as { type: string; status: number; detail?: string; errors?: { field: string }[] };
  expect(body.type).toBe(PROBLEM_BASE + kind);
  expect(body.status).toBe(status);
  return body;
};

let t: TestApp;
let tapeId: string;
beforeAll(async () => {
  t = await startTestApp({ authFailuresPerMinute: 5 });
  const up = await t.req(t.keys.origA, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(smallTape(16, "hostile")),
  });
  tapeId = up.json().id;
  const job = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
  expect((await waitJob(t, t.keys.origA, job.json().id)).state).toBe("succeeded");
});
afterAll(async () => {
  await t?.app.close();
});

const json = (key: string | null, method: "POST" | "GET", url: string, payload: string) =>
  t.req(key, { method, url, headers: { "content-type": "application/json" }, payload });

describe("JSON bodies", () => {
  const deep = (n: number) =>
    `{"instance":"example-multiplier","input":{"a":${"[".repeat(n)}${"]".repeat(n)}}}`;

  it("refuses deeply nested JSON with 400, not a stack overflow (500)", async () => {
    const p = expectProblem(await json(t.keys.origA, "POST", "/v1/proofs", deep(200_000)), 400, "validation");
    expect(p.detail).toMatch(/nested deeper than 64/);
    const tape = `{"format":"rwa-attest/tape@1","loans":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expectProblem(await json(t.keys.origA, "POST", "/v1/tapes", tape), 400, "validation");
    // and a body within the depth limit still works
    expect((await json(t.keys.origA, "POST", "/v1/proofs", deep(10))).statusCode).not.toBe(500);
  });

  it("names a __proto__ key precisely", async () => {
    const p = expectProblem(
      await json(
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
    // Tapes are read by their own parser (in a worker): a __proto__ key there, at the top or in a loan, is
    // a named problem of the tape too.
    const tape = JSON.stringify(JSON.parse(formatTapeJson(smallTape(4, "proto"))));
    for (const [bad, row] of [
      [tape.replace('{"format"', '{"__proto__":{"polluted":1},"format"'), null],
      [tape.replace('"loans":[{', '"loans":[{"__proto__":{"polluted":1},'), 1],
    ] as const) {
      expect(bad).not.toBe(tape);
      const r = expectProblem(await json(t.keys.origA, "POST", "/v1/tapes", bad), 422, "tape-invalid");
      expect(r.errors).toContainEqual(expect.objectContaining({ field: "__proto__", row }));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it("refuses integers beyond 2^53 rather than rounding them", async () => {
    const p = expectProblem(
      await json(
        t.keys.auditor,
        "POST",
        `/v1/tapes/${tapeId}/openings`,
        '{"seed":12345678901234567890,"count":1}',
      ),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/12345678901234567890 is beyond 2\^53/);
    const trail = (await t.req(t.keys.auditor, { url: `/v1/tapes/${tapeId}/openings` })).json();
    expect(JSON.stringify(trail)).not.toContain("12345678901234567000");
  });

  it("refuses 1e400 (Infinity), so it cannot share null's idempotency key", async () => {
    const a = await json(
      t.keys.origA,
      "POST",
      "/v1/proofs",
      '{"instance":"example-multiplier","input":{"a":null}}',
    );
    expect([200, 202]).toContain(a.statusCode);
    const p = expectProblem(
      await json(t.keys.origA, "POST", "/v1/proofs", '{"instance":"example-multiplier","input":{"a":1e400}}'),
      400,
      "validation",
    );
    expect(p.detail).toMatch(/1e400/);
  });

  it("refuses unknown fields in POST bodies", async () => {
    const cases: [string, string, string, object][] = [
      [t.keys.admin, "POST", "/v1/admin/api-keys", { role: "auditor", owner: "x", extra: 1 }],
      [
        t.keys.auditor,
        "POST",
        `/v1/tapes/${tapeId}/openings`,
        { seed: "0123456789abcdef-x", count: 1, extra: 1 },
      ],
      [
        t.keys.auditor,
        "POST",
        "/v1/verify",
        {
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
        },
      ],
      [t.keys.origA, "POST", "/v1/proofs", { instance: "example-multiplier", input: {}, extra: 1 }],
      // chunkSize belongs in the query: sent in the body it was silently ignored (202 with the default)
      [t.keys.origA, "POST", `/v1/tapes/${tapeId}/commitment`, { chunkSize: 8, extra: 1 }],
      [
        t.keys.origA,
        "POST",
        "/v1/attestations",
        { tapeId, policy: {}, chainId: "1", registry: `0x${"11".repeat(20)}`, extra: 1 },
      ],
    ];
    for (const [key, method, url, body] of cases) {
      const p = expectProblem(
        await json(key, method as "POST", url, JSON.stringify(body)),
        400,
        "validation",
      );
      expect(JSON.stringify(p)).toMatch(/extra/);
    }
    // A commitment request without a body, the usual one, is not a body with unknown fields.
    const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
    expect([200, 202]).toContain(commit.statusCode);
  });
});

describe("CSV tapes", () => {
  it("refuses columns the canonical tape does not have (one rule with JSON tapes)", async () => {
    const csv = formatTapeCsv(smallTape(4, "csv-extra"));
    const lines = csv.split("\n");
    const h = lines.findIndex((l) => l.length > 0 && !l.startsWith("#"));
    const withExtra = lines
      .map((l, i) => (i === h ? `${l},nickname` : i > h && l.length > 0 ? `${l},bob` : l))
      .join("\n");
    const r = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "text/csv" },
      payload: withExtra,
    });
    const p = expectProblem(r, 422, "tape-invalid");
    expect(p.errors?.map((e) => e.field)).toContain("nickname");
    // the same tape without the column is accepted
    const ok = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "text/csv" },
      payload: csv,
    });
    expect(ok.statusCode).toBe(201);
  });
});

describe("chain ids", () => {
  it("refuses at the edge a chain id the domain word cannot hold (2^93 and above)", async () => {
    const body = (chainId: string) =>
      JSON.stringify({ tapeId: "tape_nope", policy: {}, chainId, registry: `0x${"11".repeat(20)}` });
    const p = expectProblem(
      await json(t.keys.origA, "POST", "/v1/attestations", body((1n << 93n).toString())),
      400,
      "validation",
    );
    expect(p.errors?.[0]?.field).toBe("body/chainId");
    expect(p.detail).toMatch(/below 2\^93/);
    expectProblem(
      await json(t.keys.origA, "POST", "/v1/attestations", body("1".repeat(40))),
      400,
      "validation",
    );
    // Below 2^93 the edge asks the domain word the job will use: what it holds goes on (here to the missing
    // tape, 404), what it refuses is refused now with its reason, never accepted to fail in the job.
    for (const id of [1n, (1n << 64n) - 1n, 1n << 64n, (1n << 93n) - 1n]) {
      let holds = true;
      try {
        domainWord(`0x${"11".repeat(20)}`, id);
      } catch {
        holds = false;
      }
      const r = await json(t.keys.origA, "POST", "/v1/attestations", body(id.toString()));
      if (holds) expectProblem(r, 404, "not-found");
      else expect(expectProblem(r, 400, "validation").errors?.[0]?.field).toBe("body/chainId");
    }
    const q = `registry=0x${"11".repeat(20)}&chainId=${(1n << 93n).toString()}`;
    expectProblem(await t.req(t.keys.origA, { url: `/v1/originator/key?${q}` }), 400, "validation");
  });
});

describe("authentication", () => {
  it("authenticates before validating: 401, not 400, for a bad request without a valid key", async () => {
    expectProblem(await json(null, "POST", "/v1/proofs", '{"nope":1}'), 401, "unauthenticated");
    expectProblem(await json(null, "POST", "/v1/proofs", "{not json"), 401, "unauthenticated");
    expectProblem(
      await json(null, "POST", `/v1/tapes/${tapeId}/openings`, '{"__proto__":1}'),
      401,
      "unauthenticated",
    );
    expectProblem(await t.req(null, { url: "/v1/jobs/bad%20id" }), 401, "unauthenticated");
    expectProblem(await json(null, "POST", "/v1/admin/api-keys", "{}"), 401, "unauthenticated");
    // with a key of the wrong role: 403 before 400
    expectProblem(await json(t.keys.auditor, "POST", "/v1/proofs", '{"nope":1}'), 403, "forbidden");
  });

  it("public routes ignore a wrong key", async () => {
    for (const url of ["/health", "/ready", "/v1/catalogue"])
      expect((await t.req(`rwa_bogus_${randomBytes(8).toString("hex")}`, { url })).statusCode).toBe(200);
  });

  it("limits failed authentications per client (5 a minute here) with 429 and Retry-After", async () => {
    const app = await startTestApp({ authFailuresPerMinute: 5 });
    try {
      const bad = () => app.req(`rwa_guess_${randomBytes(16).toString("hex")}`, { url: "/v1/jobs/job_x" });
      for (let i = 0; i < 5; i++) expectProblem(await bad(), 401, "unauthenticated");
      const r = await bad();
      expectProblem(r, 429, "rate-limited");
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      // a valid key from the same client still works
      expect((await app.req(app.keys.origA, { url: "/v1/jobs/job_x" })).statusCode).toBe(404);
    } finally {
      await app.app.close();
    }
  });

  it("does not rate-limit /health", async () => {
    // (the admin key spends 3 of its 4 issuing the test keys; requests without a key count per client)
    const app = await startTestApp({ rateLimitPerMinute: 4 });
    try {
      for (let i = 0; i < 8; i++) expect((await app.req(null, { url: "/health" })).statusCode).toBe(200);
      for (let i = 0; i < 4; i++)
        expect((await app.req(null, { url: "/v1/catalogue" })).statusCode).toBe(200);
      expectProblem(await app.req(null, { url: "/v1/catalogue" }), 429, "rate-limited");
    } finally {
      await app.app.close();
    }
  });
});

describe("the framework's own refusals are problem+json", () => {
  const raw = async (request: string): Promise<{ status: number; type: string; body: string }> => {
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

  it("414 for an overlong path parameter, 400 for a malformed URL", async () => {
    expectProblem(await t.req(t.keys.origA, { url: `/v1/tapes/${"a".repeat(500)}` }), 414, "uri-too-long");
    expectProblem(await t.req(t.keys.origA, { url: "/v1/tapes/%E0%A4%A" }), 400, "validation");
  });

  it("431 for oversized headers and 400 for a malformed request line, written by the connection handler", async () => {
    const big = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(big.body)).toMatchObject({ type: PROBLEM_BASE + "header-too-large", status: 431 });
    const garbage = await raw("GARBAGE\r\n\r\n");
    expect(garbage.status).toBe(400);
    expect(garbage.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(garbage.body)).toMatchObject({ type: PROBLEM_BASE + "validation", status: 400 });
  });
});
