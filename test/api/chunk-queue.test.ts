/**
 * The service with RWA_API_CHUNK_QUEUE=pg-boss on PostgreSQL storage (a fresh schema, dropped afterwards):
 * an attestation job's chunks are proven by a chunk worker (here in the test process, as `rwa-attest worker`
 * runs it), the job's stage shows pool progress, the attestation verifies; and the configuration refuses
 * pg-boss without PostgreSQL storage. Skipped, with a message, when PostgreSQL does not answer or
 * pool-attestation-8 is not built.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkCommitmentInstance, parseAttestation, verifyAttestation } from "../../prover/attest.ts";
import { openQueue, startChunkWorker, workerKeys, type WorkerEvent } from "../../prover/chunks/pgboss.ts";
import { PostgresChunkStore } from "../../prover/chunks/postgres-store.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { ConfigError } from "../../verifier-api/config.ts";
import { PostgresStorage } from "../../verifier-api/storage/index.ts";
import { dropSchemas, freshSchema, PG_URL, postgresAnswers } from "../support/pg.ts";
import { smallTape, startTestApp, testConfig, type TestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const havePg = await postgresAnswers("the chunk-queue service test");
const built = readManifest().instances[INSTANCE] !== undefined;

describe("RWA_API_CHUNK_QUEUE", () => {
  it("refuses pg-boss without PostgreSQL storage", () => {
    expect(() => testConfig({ chunkQueue: "pg-boss" })).toThrow(ConfigError);
    expect(testConfig({}).chunkQueue).toBe("in-process");
  });
});

describe.skipIf(!havePg || !built)("the service sending chunks to pg-boss workers", () => {
  const schema = freshSchema("rwa_chunkq");
  let t: TestApp;
  let storage: PostgresStorage;
  beforeAll(async () => {
    storage = new PostgresStorage(PG_URL, schema, 4);
    await storage.migrate();
    t = await startTestApp(
      { storage: "postgres", postgresUrl: PG_URL, postgresSchema: schema, chunkQueue: "pg-boss" },
      { storage },
    );
  });
  afterAll(async () => {
    await t?.app.close();
    await storage?.close();
    if (havePg) await dropSchemas(schema, `${schema}_queue`);
  });

  it("an attestation job's chunks are proven by a worker; its stage shows chunks done of all", async () => {
    const boss = await openQueue(PG_URL, `${schema}_queue`);
    const store = new PostgresChunkStore(PG_URL, schema);
    const pool = new ProverPool(1);
    const events: WorkerEvent[] = [];
    const w = await startChunkWorker({
      boss,
      store,
      pool,
      // a 3-chunk pool is attested with committed chunks (issue 14): the worker holds that instance's key
      keys: await workerKeys([INSTANCE, chunkCommitmentInstance(8)]),
      worker: "api-worker",
      emit: (e) => events.push(e),
    });
    try {
      const up = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: formatTapeJson(smallTape(20)), // 3 chunks of 8
      });
      const tapeId = up.json().id as string;
      const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      const waitFor = async (id: string, onStage?: (s: string) => void) => {
        for (const end = Date.now() + 280_000; ;) {
          const j = (await t.req(t.keys.origA, { url: `/v1/jobs/${id}` })).json();
          if (typeof j.stage === "string") onStage?.(j.stage);
          if (j.state === "succeeded" || j.state === "failed") return j;
          if (Date.now() > end) throw new Error(`job ${id} is ${JSON.stringify(j)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      expect((await waitFor(commit.json().id)).state).toBe("succeeded");
      const registry = "0x" + "ab".repeat(20);
      await t.req(t.keys.origA, { url: `/v1/originator/key?registry=${registry}&chainId=31337` });
      const sub = await t.req(t.keys.origA, {
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
      const stages = new Set<string>();
      const j = await waitFor(sub.json().id, (s) => stages.add(s));
      expect(j.state).toBe("succeeded");
      expect([...stages].some((s) => /^prove: [0-3]\/3 chunks/.test(s))).toBe(true);
      // every chunk was proven by the worker, none by the job's own process
      expect(
        events
          .filter((e) => e.event === "done")
          .map((e) => (e as { chunk: number }).chunk)
          .sort(),
      ).toEqual([0, 1, 2]);
      const attId = (j.result as { attestationId: string }).attestationId;
      const att = (await t.req(t.keys.auditor, { url: `/v1/attestations/${attId}` })).json();
      const check = await verifyAttestation(parseAttestation(JSON.stringify(att.data)));
      expect(check.problems).toEqual([]);
    } finally {
      await w.stop();
      await boss.stop({ graceful: false });
      await pool.close();
      await store.close();
    }
  });
});
