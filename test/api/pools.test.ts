/**
 * Pools belong to their originator in the service as in the registry (issue 14, item 6). The defect: B got
 * a signed attestation for A's pool id, and the listing mixed both. Now the first originator to commit a
 * tape of a pool id, or request its attestation, owns it (an atomic claim on either store); another
 * originator's upload, commitment and attestation of it are 409 `pool-owned`, and an attestation job of
 * theirs queued before pools were owned fails. Run on SQLite and on PostgreSQL (skipped, with a message,
 * only when no server answers), each with two app instances sharing one store; the real attestation on
 * SQLite only (proving is the slow part and does not depend on the store).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { formatTapeJson, generateSyntheticTape } from "../../prover/tape/index.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { PostgresStorage, SqliteStorage, type Storage } from "../../verifier-api/storage/index.ts";
import { startTestApp, waitJob, type TestApp } from "./helpers.ts";
import { PG_URL, postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the pools-on-PostgreSQL run");

const POOL_INSTANCE = "pool-attestation-8";
const poolBuilt = readManifest().instances[POOL_INSTANCE] !== undefined;
if (!poolBuilt) console.warn(`${POOL_INSTANCE} is not built: skipping the real attestation of the pool test`);

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

const stores: [string, boolean, () => Promise<Storage>][] = [
  [
    "sqlite",
    true,
    async () => new SqliteStorage(join(mkdtempSync(join(tmpdir(), "rwa-pools-app-")), "store.db")),
  ],
  [
    "postgres",
    havePg,
    async () => new PostgresStorage(PG_URL, `rwa_pools_${process.pid}_${randomBytes(4).toString("hex")}`, 6),
  ],
];

/** Two app instances on one store (each with its own job runner and keys for orig-a, orig-b, an auditor). */
async function twoInstances(open: () => Promise<Storage>): Promise<[TestApp, TestApp]> {
  const storage = await open();
  await storage.migrate();
  const one = await startTestApp({}, { storage });
  const two = await startTestApp({}, { storage });
  cleanup.push(async () => {
    await one.app.close();
    await two.app.close();
    if (storage instanceof PostgresStorage) await storage.dropSchema();
    await storage.close();
  });
  return [one, two];
}

const upload = (t: TestApp, key: string, poolId: bigint, loans = 6, seed = "pools") =>
  t.req(key, {
    method: "POST",
    url: "/v1/tapes",
    headers: { "content-type": "application/json" },
    payload: formatTapeJson(generateSyntheticTape({ seed, loans, poolId, period: 202610 })),
  });

function expectPoolOwned(r: { statusCode: number; json(): unknown; body: string }): void {
  expect(r.statusCode).toBe(409);
  const p = r.json() as { type: string; detail: string };
  expect(p.type).toBe(PROBLEM_BASE + "pool-owned");
  expect(p.detail).toMatch(/belongs to another originator/);
  expect(r.body).not.toContain("orig-a"); // the owner is not named to another originator
}

const attestBody = (tapeId: string) => ({
  tapeId,
  policy: policyToJson(TEST_POLICY),
  chainId: "31337",
  registry: "0x" + "ab".repeat(20),
  instance: POOL_INSTANCE,
});

for (const [name, enabled, open] of stores) {
  describe.skipIf(!enabled)(`pool ownership on ${name}`, () => {
    it("gives a pool to its first user and refuses another originator's upload, commitment and attestation", async () => {
      const [one, two] = await twoInstances(open);
      // Both upload before anyone uses pool 42: an upload checks, it does not claim.
      const tapeA = (await upload(one, one.keys.origA, 42n)).json().id as string;
      const up = await upload(two, two.keys.origB, 42n);
      expect(up.statusCode).toBe(201);
      const tapeB = up.json().id as string;
      // A commits first (on one instance) and owns pool 42; B's commitment (on the other) is refused.
      const commitA = await one.req(one.keys.origA, { method: "POST", url: `/v1/tapes/${tapeA}/commitment` });
      expect(commitA.statusCode).toBe(202);
      expectPoolOwned(
        await two.req(two.keys.origB, { method: "POST", url: `/v1/tapes/${tapeB}/commitment` }),
      );
      expectPoolOwned(
        await two.req(two.keys.origB, {
          method: "POST",
          url: "/v1/attestations",
          payload: attestBody(tapeB),
        }),
      );
      expectPoolOwned(
        await one.req(one.keys.origB, { method: "POST", url: `/v1/tapes/${tapeB}/commitment` }),
      );
      expectPoolOwned(await upload(one, one.keys.origB, 42n, 6, "again"));
      // A's further tapes of its pool, and B's own pool, go through.
      expect((await upload(two, two.keys.origA, 42n, 6, "more")).statusCode).toBe(201);
      const tape43 = (await upload(two, two.keys.origB, 43n)).json().id as string;
      const commit43 = await two.req(two.keys.origB, {
        method: "POST",
        url: `/v1/tapes/${tape43}/commitment`,
      });
      expect(commit43.statusCode).toBe(202);
      expect((await waitJob(one, one.keys.origA, commitA.json().id)).state).toBe("succeeded");
      expect((await waitJob(two, two.keys.origB, commit43.json().id)).state).toBe("succeeded");
      // The listing names the pool's owner to auditors, and to no other originator.
      const list = (t: TestApp, key: string, pool: string) =>
        t.req(key, { url: `/v1/attestations?poolId=${pool}` }).then((r) => r.json());
      expect(await list(one, one.keys.auditor, "42")).toMatchObject({ owner: "orig-a", attestations: [] });
      expect(await list(two, two.keys.origA, "42")).toMatchObject({ owner: "orig-a" });
      expect(await list(two, two.keys.origB, "42")).toMatchObject({ owner: null });
      expect(await list(one, one.keys.auditor, "43")).toMatchObject({ owner: "orig-b" });
      expect(await list(one, one.keys.auditor, "44")).toMatchObject({ owner: null });
    });

    it("of concurrent first commitments of a free pool by two originators over two instances, one wins", async () => {
      const [one, two] = await twoInstances(open);
      const tapes = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const [t, key] = i % 2 ? [one, one.keys.origA] : [two, two.keys.origB];
          const id = (await upload(t, key, 77n, 4, `race-${i}`)).json().id as string;
          return { t, key, id, owner: i % 2 ? "orig-a" : "orig-b" };
        }),
      );
      const answers = await Promise.all(
        tapes.map(({ t, key, id }) => t.req(key, { method: "POST", url: `/v1/tapes/${id}/commitment` })),
      );
      const won = tapes.filter((_, i) => answers[i]!.statusCode === 202).map((x) => x.owner);
      const lost = tapes.filter((_, i) => answers[i]!.statusCode === 409).map((x) => x.owner);
      expect(won.length + lost.length).toBe(8);
      expect(new Set(won).size).toBe(1);
      expect(won).toHaveLength(4);
      expect(new Set(lost)).toEqual(new Set(["orig-a", "orig-b"].filter((o) => o !== won[0])));
      const pool = (await one.req(one.keys.auditor, { url: "/v1/attestations?poolId=77" })).json();
      expect(pool.owner).toBe(won[0]);
    });
  });
}

describe.skipIf(!poolBuilt)("the defect: originator B attesting originator A's pool", () => {
  it("A's attestation is made and listed with its owner; B's request is refused and B's queued job fails", async () => {
    const [t] = await twoInstances(stores[0]![2]);
    const tapeB = (await upload(t, t.keys.origB, 42n, 11, "b")).json().id as string;
    const tapeA = (await upload(t, t.keys.origA, 42n, 11, "a")).json().id as string;
    const commit = await t.req(t.keys.origA, { method: "POST", url: `/v1/tapes/${tapeA}/commitment` });
    expect((await waitJob(t, t.keys.origA, commit.json().id)).state).toBe("succeeded");
    const sub = await t.req(t.keys.origA, {
      method: "POST",
      url: "/v1/attestations",
      payload: attestBody(tapeA),
    });
    expect(sub.statusCode).toBe(202);
    const done = await waitJob(t, t.keys.origA, sub.json().id, 600_000);
    expect(done.state).toBe("succeeded");
    const attId = (done.result as { attestationId: string }).attestationId;

    // B asks for a signed attestation of pool 42: refused before any job.
    expectPoolOwned(
      await t.req(t.keys.origB, { method: "POST", url: "/v1/attestations", payload: attestBody(tapeB) }),
    );
    // B's attestation job queued before pools were owned (written to the store as the old route did) fails
    // for the pool, signing nothing.
    const { job } = await t.app.services.storage.createJob(
      {
        id: "job_legacy_b",
        kind: "attestation",
        owner: "orig-b",
        idempotencyKey: "legacy",
        requestHash: "legacy",
        input: { ...attestBody(tapeB), policy: policyToJson(TEST_POLICY) },
        maxAttempts: 2,
      },
      Date.now(),
    );
    void t.app.services.runner.poll();
    const failed = await waitJob(t, t.keys.origB, job.id, 60_000);
    expect(failed).toMatchObject({ state: "failed", attempts: 1, error: { kind: "pool-owned" } });

    // The listing: A's attestation only, with its owner, as a summary without the proofs.
    const page = (await t.req(t.keys.auditor, { url: "/v1/attestations?poolId=42" })).json();
    expect(page).toMatchObject({ poolId: "42", owner: "orig-a", next: null });
    expect(page.attestations).toHaveLength(1);
    expect(page.attestations[0]).toMatchObject({ id: attId, owner: "orig-a", tapeId: tapeA });
    expect(page.attestations[0].data).toBeUndefined();
    const whole = (await t.req(t.keys.auditor, { url: `/v1/attestations/${attId}` })).json();
    expect(whole).toMatchObject({ id: attId, owner: "orig-a", data: { format: "rwa-attest/attestation@1" } });
    const summaryBytes = JSON.stringify(page.attestations[0]).length;
    expect(summaryBytes).toBeLessThan(1000);
    expect(JSON.stringify(whole).length).toBeGreaterThan(10 * summaryBytes);
  });
});
