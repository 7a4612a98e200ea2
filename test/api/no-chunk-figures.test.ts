/**
 * Issue 14's "nowhere", on the service's side: a 9-loan pool attested through the API in chunks of 8 (the
 * ninth loan alone in chunk 1) leaves no chunk's figure or figure word in any response the service gives
 * about it: the tape and its commitment, every state of the attestation job, the attestation (whole, listed,
 * listed with its data), its analytics, the verification of its proofs and the metrics. Only the pool's
 * figures, which equal the independent model's over all nine loans. Deliberate openings (an auditor's
 * sample) are the one way a loan's data leaves, and are not requested here.
 *
 * The search is checked to find what is there: the pool's figure words are found in the attestation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregateFigures, chunkFigures, packFigures, splitChunks } from "../../prover/model/index.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { leaves, secretsOf } from "../support/chunk-secrets.ts";
import { startTestApp, type TestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const BUILT = [INSTANCE, "pool-chunk-commitment-8", "pool-aggregation-4"].every(
  (n) => readManifest().instances[n] !== undefined,
);

describe.skipIf(!BUILT)("a 9-loan pool attested through the API in chunks of 8", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it("no response carries a chunk's figures: tape, commitment, job, attestation, listing, analytics, verify, metrics", async () => {
    // every loan active, so the ninth loan alone makes chunk 1's balance, cash flows, score and words
    const tape = generateSyntheticTape({
      seed: "nowhere-api",
      loans: 9,
      poolId: 4242n,
      period: 202610,
      defaultRate: 0,
      chargeOffRate: 0,
      repaidRate: 0,
    });
    const chunks = splitChunks(tape.loans, 8).map((loans) => chunkFigures(loans, TEST_POLICY));
    const model = aggregateFigures(chunks, TEST_POLICY);
    expect(chunks[1]!.activeCount).toBe(1);
    const secrets = chunks.flatMap((c) => secretsOf(c, model));
    expect(secrets).toContain(tape.loans[8]!.outstandingBalance); // the ninth loan's balance
    expect(secrets.filter((v) => v > 2n ** 64n).length).toBeGreaterThanOrEqual(4); // chunk figure words

    const bodies: { what: string; body: string }[] = [];
    const call = async (what: string, key: string | null, opts: Parameters<TestApp["req"]>[1]) => {
      const r = await t.req(key, opts);
      bodies.push({ what, body: r.body });
      return r;
    };
    const follow = async (what: string, id: string) => {
      for (const end = Date.now() + 240_000; ;) {
        const j = (await call(what, t.keys.origA, { url: `/v1/jobs/${id}` })).json();
        if (j.state === "succeeded" || j.state === "failed") return j;
        if (Date.now() > end) throw new Error(`job ${id} is ${JSON.stringify(j)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    const up = await call("POST /v1/tapes", t.keys.origA, {
      method: "POST",
      url: "/v1/tapes",
      headers: { "content-type": "application/json" },
      payload: formatTapeJson(tape),
    });
    expect(up.statusCode).toBe(201);
    const tapeId = up.json().id as string;
    await call("GET /v1/tapes/:id", t.keys.origA, { url: `/v1/tapes/${tapeId}` });
    const commit = await call("POST commitment", t.keys.origA, {
      method: "POST",
      url: `/v1/tapes/${tapeId}/commitment`,
    });
    expect((await follow("commitment job", commit.json().id)).state).toBe("succeeded");
    await call("GET commitment", t.keys.origA, { url: `/v1/tapes/${tapeId}/commitment` });

    const registry = "0x" + "cd".repeat(20);
    await call("GET /v1/originator/key", t.keys.origA, {
      url: `/v1/originator/key?registry=${registry}&chainId=31337`,
    });
    const sub = await call("POST /v1/attestations", t.keys.origA, {
      method: "POST",
      url: "/v1/attestations",
      payload: {
        tapeId,
        policy: policyToJson(TEST_POLICY),
        chainId: "31337",
        registry,
        instance: INSTANCE,
      },
    });
    expect(sub.statusCode).toBe(202);
    const job = await follow("attestation job", sub.json().id);
    expect(job.state).toBe("succeeded");
    const attId = (job.result as { attestationId: string }).attestationId;

    const whole = await call("GET /v1/attestations/:id", t.keys.auditor, {
      url: `/v1/attestations/${attId}`,
    });
    const att = whole.json();
    expect(att.data.instance).toBe("pool-chunk-commitment-8");
    expect(att.data.aggregation.instance).toBe("pool-aggregation-4");
    await call("GET /v1/attestations/:id (owner)", t.keys.origA, { url: `/v1/attestations/${attId}` });
    await call("GET /v1/attestations", t.keys.auditor, { url: `/v1/attestations?poolId=4242` });
    await call("GET /v1/attestations full", t.keys.auditor, {
      url: `/v1/attestations?poolId=4242&full=true`,
    });
    const analytics = await call("POST analytics", t.keys.auditor, {
      method: "POST",
      url: `/v1/attestations/${attId}/analytics`,
      payload: { tranches: [{ name: "all", attachment: 0, detachment: 1 }], scenarios: 200 },
    });
    expect(analytics.statusCode).toBe(200);
    for (const c of att.data.chunks as { proof: unknown; publicSignals: string[] }[]) {
      const v = await call("POST /v1/verify", t.keys.auditor, {
        method: "POST",
        url: "/v1/verify",
        payload: { instance: att.data.instance, proof: c.proof, publicSignals: c.publicSignals },
      });
      expect(v.json().valid).toBe(true);
    }
    await call("GET /metrics", null, { url: "/metrics" });

    // the search finds what is there: the pool's figure words are in the attestation's aggregation signals
    const poolWords = packFigures(model);
    expect(new Set(leaves(att)).has(String(poolWords.figA))).toBe(true);
    expect(whole.body.includes(String(poolWords.figA))).toBe(true);

    /** The chunk figures and figure words found in a response body (JSON values, or any number in text). */
    const leaked = (body: string): string[] => {
      let values: string[];
      try {
        values = leaves(JSON.parse(body));
      } catch {
        values = body.split(/[^0-9.]+/); // text (metrics): every number in it
      }
      // an amount shown in currency units (at most two decimals) counts as its minor units
      const minor = values.flatMap((v) => {
        const m = /^(\d+)\.(\d{1,2})$/.exec(v);
        return m ? [v, String(BigInt(m[1]!) * 100n + BigInt(m[2]!.padEnd(2, "0")))] : [v];
      });
      const seen = new Set(minor);
      const found = secrets.filter((s) => seen.has(String(s))).map(String);
      for (const s of secrets) if (s > 2n ** 64n && body.includes(String(s))) found.push(`word ${s}`);
      return found;
    };
    // the search finds a chunk's figure in each form it looks for
    const ninth = tape.loans[8]!.outstandingBalance;
    expect(leaked(JSON.stringify({ chunk: { outstanding: String(ninth) } }))).not.toEqual([]);
    expect(leaked(JSON.stringify({ outstanding: Number(ninth) / 100 }))).not.toEqual([]);
    expect(leaked(`rwa_chunk_outstanding ${ninth}\n`)).not.toEqual([]);
    expect(leaked(`{"words":"${packFigures(chunks[1]!).figA}"}`)).not.toEqual([]);

    expect(bodies.length).toBeGreaterThan(12);
    for (const { what, body } of bodies) expect(leaked(body), `in the response to ${what}`).toEqual([]);
  });
});
