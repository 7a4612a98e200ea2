/**
 * Issue 14's "nowhere", on the service's side: a 9-loan pool attested through the API in chunks of 8 (the
 * ninth loan alone in chunk 1) leaves no chunk's figure or figure word in any response the service gives
 * about it: the tape and its commitment, every state of the attestation job, the attestation (whole, listed,
 * listed with its data), its analytics, the verification of its proofs and the metrics. Only the pool's
 * figures, which equal the independent model's over all nine loans. Deliberate openings (an auditor's
 * sample) are the one way a loan's data leaves, and are not requested here.
 *
 * The search is checked to find what is there: the pool's figure words are found in the attestation, and a
 * chunk's figure is found in each form the search looks for.
 *
 * One claim per test. The tape, its chunks' figures and the values searched for are constants. Each test
 * gets the rest from `it`'s context, all once per file (the tests only read them), each stage building on
 * the one before and recording every response body it gets: the app, the tape uploaded (`uploaded`), its
 * commitment (`committed`), the attestation (`attested`), and the attestation read every way the service
 * offers (`read`).
 */
import { describe, expect, test } from "vitest";
import { aggregateFigures, chunkFigures, packFigures, splitChunks } from "../../prover/model/index.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { leaves, secretsOf } from "../support/chunk-secrets.ts";
import { appFixture, type TestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const BUILT = [INSTANCE, "pool-chunk-commitment-8", "pool-aggregation-4"].every(
  (n) => readManifest().instances[n] !== undefined,
);
const REGISTRY = "0x" + "cd".repeat(20);

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
/** What must not leave: every chunk's figures (not also the pool's) and figure words. */
const secrets = chunks.flatMap((c) => secretsOf(c, model));
const ninth = tape.loans[8]!.outstandingBalance;

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

/** The app, and every response body it gave, with what was asked. */
interface Recorder {
  t: TestApp;
  bodies: { what: string; body: string }[];
  call(what: string, key: string | null, opts: Parameters<TestApp["req"]>[1]): ReturnType<TestApp["req"]>;
  /** Polls a job (recording every state) until it ends. */
  follow(what: string, id: string): Promise<Record<string, unknown>>;
}

function recorder(t: TestApp): Recorder {
  const bodies: Recorder["bodies"] = [];
  const call: Recorder["call"] = async (what, key, opts) => {
    const r = await t.req(key, opts);
    bodies.push({ what, body: r.body });
    return r;
  };
  return {
    t,
    bodies,
    call,
    async follow(what, id) {
      for (const end = Date.now() + 240_000; ;) {
        const r = await call(what, t.keys.origA, { url: `/v1/jobs/${id}` });
        if (r.statusCode !== 200) throw new Error(`job ${id}: ${r.statusCode} ${r.body}`);
        const j = r.json();
        if (j.state === "succeeded" || j.state === "failed") return j;
        if (Date.now() > end) throw new Error(`job ${id} is ${JSON.stringify(j)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

interface Attestation {
  data: {
    instance: string;
    aggregation: { instance: string };
    chunks: { proof: unknown; publicSignals: string[] }[];
  };
}

const it = test.extend<{
  t: TestApp;
  /** The responses of the file's stages, recorded in order. */
  rec: Recorder;
  /** The tape uploaded as JSON by originator A (and read back): the upload's status and the tape's id. */
  uploaded: { status: number; tapeId: string };
  /** `uploaded` committed (and the commitment read): the commitment job's final state. */
  committed: { state: unknown };
  /** `committed` attested with pool-attestation-8 (after reading the originator's key): the answers. */
  attested: { status: number; state: unknown; attId: string };
  /**
   * `attested` read: whole (by the auditor and the owner), listed, listed with its data, its analytics, each
   * chunk proof verified, and the metrics. The attestation, its body, the analytics' status and each
   * verification's answer.
   */
  read: { att: Attestation; body: string; analyticsStatus: number; valid: unknown[] };
}>({
  t: appFixture(),
  rec: [async ({ t }, use) => use(recorder(t)), { scope: "file" }],
  uploaded: [
    async ({ rec }, use) => {
      const { t, call } = rec;
      const up = await call("POST /v1/tapes", t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: formatTapeJson(tape),
      });
      const tapeId = up.json().id as string;
      await call("GET /v1/tapes/:id", t.keys.origA, { url: `/v1/tapes/${tapeId}` });
      await use({ status: up.statusCode, tapeId });
    },
    { scope: "file" },
  ],
  committed: [
    async ({ rec, uploaded: { tapeId } }, use) => {
      const { t, call, follow } = rec;
      const commit = await call("POST commitment", t.keys.origA, {
        method: "POST",
        url: `/v1/tapes/${tapeId}/commitment`,
      });
      const job = await follow("commitment job", commit.json().id);
      await call("GET commitment", t.keys.origA, { url: `/v1/tapes/${tapeId}/commitment` });
      await use({ state: job.state });
    },
    { scope: "file" },
  ],
  attested: [
    async ({ rec, uploaded: { tapeId }, committed }, use) => {
      void committed;
      const { t, call, follow } = rec;
      await call("GET /v1/originator/key", t.keys.origA, {
        url: `/v1/originator/key?registry=${REGISTRY}&chainId=31337`,
      });
      const sub = await call("POST /v1/attestations", t.keys.origA, {
        method: "POST",
        url: "/v1/attestations",
        payload: {
          tapeId,
          policy: policyToJson(TEST_POLICY),
          chainId: "31337",
          registry: REGISTRY,
          instance: INSTANCE,
        },
      });
      const job = await follow("attestation job", sub.json().id);
      await use({
        status: sub.statusCode,
        state: job.state,
        attId: (job.result as { attestationId: string } | undefined)?.attestationId ?? "",
      });
    },
    { scope: "file" },
  ],
  read: [
    async ({ rec, attested: { attId } }, use) => {
      const { t, call } = rec;
      const whole = await call("GET /v1/attestations/:id", t.keys.auditor, {
        url: `/v1/attestations/${attId}`,
      });
      const att = whole.json() as Attestation;
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
      const valid: unknown[] = [];
      for (const c of att.data?.chunks ?? []) {
        const v = await call("POST /v1/verify", t.keys.auditor, {
          method: "POST",
          url: "/v1/verify",
          payload: { instance: att.data.instance, proof: c.proof, publicSignals: c.publicSignals },
        });
        valid.push(v.json().valid);
      }
      await call("GET /metrics", null, { url: "/metrics" });
      await use({ att, body: whole.body, analyticsStatus: analytics.statusCode, valid });
    },
    { scope: "file" },
  ],
});

describe("the values searched for", () => {
  it("the ninth loan is chunk 1's one active loan", () => {
    expect(chunks[1]!.activeCount).toBe(1);
  });

  it("include the ninth loan's balance", () => {
    expect(secrets).toContain(ninth);
  });

  it("include at least four chunk figure words", () => {
    expect(secrets.filter((v) => v > 2n ** 64n).length).toBeGreaterThanOrEqual(4);
  });

  it.for([
    ["a JSON string of minor units", JSON.stringify({ chunk: { outstanding: String(ninth) } })],
    ["a JSON number of currency units", JSON.stringify({ outstanding: Number(ninth) / 100 })],
    ["a number in metrics text", `rwa_chunk_outstanding ${ninth}\n`],
    ["a figure word in a JSON string", `{"words":"${packFigures(chunks[1]!).figA}"}`],
  ])("the search finds a chunk's figure as %s", ([, body]) => {
    expect(leaked(body!)).not.toEqual([]);
  });
});

describe.skipIf(!BUILT)("a 9-loan pool attested through the API in chunks of 8", () => {
  it("the tape is uploaded", ({ uploaded }) => {
    expect(uploaded.status).toBe(201);
  });

  it("the tape is committed", ({ committed }) => {
    expect(committed.state).toBe("succeeded");
  });

  it("the attestation is accepted", ({ attested }) => {
    expect(attested.status).toBe(202);
  });

  it("the attestation job succeeds", ({ attested }) => {
    expect(attested.state).toBe("succeeded");
  });

  it("the attestation is made of pool-chunk-commitment-8 chunks and a pool-aggregation-4 aggregation", ({
    read: { att },
  }) => {
    expect(att.data.instance).toBe("pool-chunk-commitment-8");
    expect(att.data.aggregation.instance).toBe("pool-aggregation-4");
  });

  it("its analytics are answered", ({ read }) => {
    expect(read.analyticsStatus).toBe(200);
  });

  it("each of its chunk proofs verifies", ({ read }) => {
    expect(read.valid).toEqual(read.att.data.chunks.map(() => true));
    expect(read.valid.length).toBe(2);
  });

  it("the search finds the pool's figure word in the attestation (as a value and in its body)", ({
    read,
  }) => {
    const poolWords = packFigures(model);
    expect(new Set(leaves(read.att)).has(String(poolWords.figA))).toBe(true);
    expect(read.body.includes(String(poolWords.figA))).toBe(true);
  });

  it("every stage's responses were searched (more than 12)", ({ read, rec }) => {
    void read;
    expect(rec.bodies.length).toBeGreaterThan(12);
  });

  it("no response carries a chunk's figures: tape, commitment, job, attestation, listing, analytics, verify, metrics", ({
    read,
    rec,
  }) => {
    void read;
    for (const { what, body } of rec.bodies) expect(leaked(body), `in the response to ${what}`).toEqual([]);
  });
});
