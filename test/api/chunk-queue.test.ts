/**
 * The service with RWA_API_CHUNK_QUEUE=pg-boss on PostgreSQL storage (a fresh schema, dropped afterwards):
 * an attestation job's chunks are proven by a chunk worker (here in the test process, as `rwa-attest worker`
 * runs it), the job's stage shows pool progress, the attestation verifies; and the configuration refuses
 * pg-boss without PostgreSQL storage. Skipped, with a message, when PostgreSQL does not answer or
 * pool-attestation-8 is not built.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them): the app on PostgreSQL sending chunks to pg-boss, a chunk worker on its queue with the events
 * it emitted, a 20-loan tape (3 chunks of 8) uploaded and committed, and that tape attested (the job, with
 * every stage it showed while polled) and the attestation fetched and checked.
 */
import { describe, expect, test } from "vitest";
import { chunkCommitmentInstance, parseAttestation, verifyAttestation } from "../../prover/attest.ts";
import { openQueue, startChunkWorker, workerKeys, type WorkerEvent } from "../../prover/chunks/pgboss.ts";
import { PostgresChunkStore } from "../../prover/chunks/postgres-store.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { ConfigError } from "../../verifier-api/config.ts";
import { PG_URL, postgresAnswers } from "../support/pg.ts";
import { postgresAppFixture, smallTape, testConfig, type PostgresTestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const REGISTRY = "0x" + "ab".repeat(20);
const havePg = await postgresAnswers("the chunk-queue service test");
const built = readManifest().instances[INSTANCE] !== undefined;

/** Polls a job of originator A until it ends, passing each stage it shows to `onStage`. */
async function waitFor(
  t: PostgresTestApp,
  id: string,
  onStage?: (s: string) => void,
): Promise<Record<string, unknown>> {
  for (const end = Date.now() + 280_000; ;) {
    const r = await t.req(t.keys.origA, { url: `/v1/jobs/${id}` });
    if (r.statusCode !== 200) throw new Error(`job ${id}: ${r.statusCode} ${r.body}`);
    const j = r.json();
    if (typeof j.stage === "string") onStage?.(j.stage);
    if (j.state === "succeeded" || j.state === "failed") return j;
    if (Date.now() > end) throw new Error(`job ${id} is ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const it = test.extend<{
  /** The app on PostgreSQL storage with RWA_API_CHUNK_QUEUE=pg-boss. */
  t: PostgresTestApp;
  /** A chunk worker on the app's queue (one prover), holding the pool's keys: the events it emitted. */
  worker: { events: WorkerEvent[] };
  /** A 20-loan tape (3 chunks of 8) uploaded and committed by originator A: its id and the commitment job. */
  committed: { tapeId: string; job: Record<string, unknown> };
  /** `committed` attested with pool-attestation-8: the submission's status, the ended job, its stages. */
  attested: { status: number; job: Record<string, unknown>; stages: Set<string> };
  /** The attestation `attested` made, as the auditor fetches it, checked: the checker's problems. */
  problems: string[];
}>({
  t: postgresAppFixture("rwa_chunkq", (schema) => ({
    postgresUrl: PG_URL,
    postgresSchema: schema,
    chunkQueue: "pg-boss",
  })),
  worker: [
    async ({ t }, use) => {
      const boss = await openQueue(PG_URL, `${t.schema}_queue`);
      const store = new PostgresChunkStore(PG_URL, t.schema);
      const pool = new ProverPool(1);
      const events: WorkerEvent[] = [];
      try {
        const w = await startChunkWorker({
          boss,
          store,
          pool,
          // a 3-chunk pool is attested with committed chunks (issue 14): the worker holds that instance's key
          keys: await workerKeys([INSTANCE, chunkCommitmentInstance(8)]),
          worker: "api-worker",
          emit: (e) => events.push(e),
        });
        await use({ events });
        await w.stop();
      } finally {
        await boss.stop({ graceful: false });
        await pool.close();
        await store.close();
      }
    },
    { scope: "file" },
  ],
  committed: [
    async ({ t }, use) => {
      const up = await t.req(t.keys.origA, {
        method: "POST",
        url: "/v1/tapes",
        headers: { "content-type": "application/json" },
        payload: formatTapeJson(smallTape(20)), // 3 chunks of 8
      });
      const tapeId = up.json().id as string;
      const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeId}/commitment` });
      await use({ tapeId, job: await waitFor(t, commit.json().id) });
    },
    { scope: "file" },
  ],
  attested: [
    async ({ t, worker, committed: { tapeId } }, use) => {
      void worker;
      await t.req(t.keys.origA, { url: `/v1/originator/key?registry=${REGISTRY}&chainId=31337` });
      const sub = await t.req(t.keys.origA, {
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
      const stages = new Set<string>();
      const job = await waitFor(t, sub.json().id, (s) => stages.add(s));
      await use({ status: sub.statusCode, job, stages });
    },
    { scope: "file" },
  ],
  problems: [
    async ({ t, attested: { job } }, use) => {
      const attId = (job.result as { attestationId: string }).attestationId;
      const att = (await t.req(t.keys.auditor, { url: `/v1/attestations/${attId}` })).json();
      await use((await verifyAttestation(parseAttestation(JSON.stringify(att.data)))).problems);
    },
    { scope: "file" },
  ],
});

describe("RWA_API_CHUNK_QUEUE", () => {
  it("refuses pg-boss without PostgreSQL storage", () => {
    expect(() => testConfig({ chunkQueue: "pg-boss" })).toThrow(ConfigError);
  });

  it("is in-process by default", () => {
    expect(testConfig({}).chunkQueue).toBe("in-process");
  });
});

describe.skipIf(!havePg || !built)("the service sending chunks to pg-boss workers", () => {
  it("the tape is committed", ({ committed }) => {
    expect(committed.job.state).toBe("succeeded");
  });

  it("the attestation is accepted", ({ attested }) => {
    expect(attested.status).toBe(202);
  });

  it("the attestation job succeeds", ({ attested }) => {
    expect(attested.job.state).toBe("succeeded");
  });

  it("the job's stage shows chunks done of all three", ({ attested }) => {
    expect([...attested.stages].some((s) => /^prove: [0-3]\/3 chunks/.test(s))).toBe(true);
  });

  it("every chunk is proven by the worker, none by the job's own process", ({ attested, worker }) => {
    void attested;
    expect(
      worker.events
        .filter((e) => e.event === "done")
        .map((e) => (e as { chunk: number }).chunk)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it("the attestation verifies", ({ problems }) => {
    expect(problems).toEqual([]);
  });
});
