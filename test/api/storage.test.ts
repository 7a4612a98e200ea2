/**
 * One storage suite, run against SQLite (in memory) and a real PostgreSQL server (127.0.0.1:5432, a fresh
 * schema per run, dropped afterwards). The PostgreSQL run is skipped, with a message, only when no server
 * answers; CI starts one.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  PostgresStorage,
  SqliteStorage,
  type AttestationCursor,
  type AttestationListQuery,
  type NewJob,
  type Storage,
} from "../../verifier-api/storage/index.ts";
import { PG_URL, postgresAnswers } from "../support/pg.ts";

const havePg = await postgresAnswers("the PostgreSQL storage run");

const opened: Storage[] = [];
afterAll(async () => {
  for (const s of opened) {
    if (s instanceof PostgresStorage) await s.dropSchema();
    await s.close();
  }
});

function job(over: Partial<NewJob> = {}): NewJob {
  return {
    id: `job_${randomBytes(6).toString("hex")}`,
    kind: "proof",
    owner: "orig-a",
    idempotencyKey: randomBytes(6).toString("hex"),
    requestHash: "h1",
    input: { a: 1 },
    maxAttempts: 2,
    ...over,
  };
}

const backends: [string, boolean, () => Promise<Storage>][] = [
  ["sqlite", true, async () => new SqliteStorage(":memory:")],
  [
    "postgres",
    havePg,
    async () => new PostgresStorage(PG_URL, `rwa_test_${process.pid}_${randomBytes(4).toString("hex")}`, 4),
  ],
];

for (const [name, enabled, open] of backends) {
  describe.skipIf(!enabled)(`storage: ${name}`, () => {
    let s: Storage;
    beforeEach(async () => {
      s = await open();
      opened.push(s);
      await s.migrate();
      await s.migrate(); // idempotent
    });

    it("stores api keys by hash and revokes them once", async () => {
      await s.insertApiKey({
        id: "k1",
        keyHash: "hash1",
        role: "auditor",
        owner: "aud",
        label: "x",
        createdAt: 1,
        revokedAt: null,
      });
      expect((await s.findApiKeyByHash("hash1"))?.role).toBe("auditor");
      expect(await s.findApiKeyByHash("hash2")).toBeUndefined();
      expect(await s.revokeApiKey("k1", 5)).toBe(true);
      expect(await s.revokeApiKey("k1", 6)).toBe(false);
      expect((await s.findApiKeyByHash("hash1"))?.revokedAt).toBe(5);
      await expect(
        s.insertApiKey({
          id: "k2",
          keyHash: "hash1",
          role: "admin",
          owner: "a",
          label: "",
          createdAt: 1,
          revokedAt: null,
        }),
      ).rejects.toThrow();
    });

    it("stores tapes with their ciphertext and sets a commitment only once", async () => {
      const ct = randomBytes(64);
      await s.insertTape({
        id: "t1",
        owner: "orig-a",
        poolId: "18446744073709551615",
        period: 202611,
        asOfDate: 20000,
        loanCount: 3,
        format: "json",
        sha256: "ab",
        ciphertext: ct,
        createdAt: 10,
        commitment: null,
        committedAt: null,
      });
      const t = await s.getTape("t1");
      expect(t?.ciphertext.equals(ct)).toBe(true);
      expect(t?.poolId).toBe("18446744073709551615");
      expect(t?.commitment).toBeNull();
      expect(await s.setTapeCommitment("t1", { root: "123" }, 11)).toBe(true);
      expect(await s.setTapeCommitment("t1", { root: "456" }, 12)).toBe(false);
      expect(await s.setTapeCommitment("nope", { root: "456" }, 12)).toBe(false);
      expect((await s.getTape("t1"))?.commitment).toEqual({ root: "123" });
      expect(await s.getTape("nope")).toBeUndefined();
    });

    it("creates one job per idempotency key and owner", async () => {
      const a = await s.createJob(job({ idempotencyKey: "same" }), 1);
      const b = await s.createJob(job({ idempotencyKey: "same", requestHash: "h2" }), 2);
      const c = await s.createJob(job({ idempotencyKey: "same", owner: "orig-b" }), 3);
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.job.id).toBe(a.job.id);
      expect(b.job.requestHash).toBe("h1");
      expect(c.created).toBe(true);
      expect(c.job.id).not.toBe(a.job.id);
      const [x, y] = await Promise.all([
        s.createJob(job({ idempotencyKey: "race" }), 4),
        s.createJob(job({ idempotencyKey: "race" }), 4),
      ]);
      expect([x.created, y.created].sort()).toEqual([false, true]);
      expect(x.job.id).toBe(y.job.id);
    });

    it("claims jobs in order, one worker at a time, and completes them", async () => {
      const { job: j1 } = await s.createJob(job({ input: { n: 1 } }), 1);
      const { job: j2 } = await s.createJob(job({ input: { n: 2 } }), 2);
      await s.createJob(job({ kind: "other" }), 0);
      const c1 = await s.claimJob("w1", ["proof"], 1000, 10);
      const c2 = await s.claimJob("w2", ["proof"], 1000, 10);
      expect(c1?.id).toBe(j1.id);
      expect(c1?.state).toBe("running");
      expect(c1?.attempts).toBe(1);
      expect(c1?.input).toEqual({ n: 1 });
      expect(c2?.id).toBe(j2.id);
      expect(await s.claimJob("w3", ["proof"], 1000, 10)).toBeUndefined();
      expect(await s.claimJob("w3", [], 1000, 10)).toBeUndefined();
      expect(await s.heartbeat(j1.id, "w1", 1000, 0.5, "prove", 20)).toBe(true);
      expect(await s.heartbeat(j1.id, "w2", 1000, 0.5, "prove", 20)).toBe(false);
      expect((await s.getJob(j1.id))?.progress).toBe(0.5);
      expect(await s.completeJob(j1.id, "w2", { x: 1 }, 30)).toBe(false);
      expect(await s.completeJob(j1.id, "w1", { x: 1 }, 30)).toBe(true);
      expect(await s.completeJob(j1.id, "w1", { x: 2 }, 31)).toBe(false);
      const done = await s.getJob(j1.id);
      expect(done?.state).toBe("succeeded");
      expect(done?.result).toEqual({ x: 1 });
      expect(done?.finishedAt).toBe(30);
      expect(await s.countJobs()).toEqual({ accepted: 1, running: 1, succeeded: 1, failed: 0 });
    });

    it("never hands one job to two concurrent claimers", async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) ids.add((await s.createJob(job({ kind: "race" }), i)).job.id);
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, w) => s.claimJob(`w${w}`, ["race"], 10_000, 100)),
      );
      const got = claims.filter((c) => c !== undefined).map((c) => c!.id);
      expect(got.length).toBe(6);
      expect(new Set(got)).toEqual(ids);
    });

    it("retries a job whose lease expired, and fails it when no attempts are left", async () => {
      const { job: j } = await s.createJob(job({ maxAttempts: 2 }), 1);
      expect((await s.claimJob("dead1", ["proof"], 100, 10))?.attempts).toBe(1);
      expect(await s.claimJob("w2", ["proof"], 100, 50)).toBeUndefined(); // lease still valid
      const again = await s.claimJob("w2", ["proof"], 100, 200);
      expect(again?.id).toBe(j.id);
      expect(again?.attempts).toBe(2);
      expect(await s.heartbeat(j.id, "dead1", 100, 0.1, null, 201)).toBe(false); // the old worker lost it
      expect(await s.claimJob("w3", ["proof"], 100, 400)).toBeUndefined();
      const failed = await s.getJob(j.id);
      expect(failed?.state).toBe("failed");
      expect(failed?.error?.kind).toBe("lease-expired");
    });

    it("a retried job starts its attempt afresh and, once succeeded, keeps nothing of the failed attempt", async () => {
      const { job: j } = await s.createJob(job({ maxAttempts: 3 }), 1);
      await s.claimJob("w", ["proof"], 100, 10);
      expect(await s.heartbeat(j.id, "w", 100, 0.6, "prove", 11)).toBe(true);
      expect(await s.failJob(j.id, "w", { message: "boom", kind: "internal" }, true, 12)).toBe(true);
      const retried = await s.claimJob("w", ["proof"], 100, 13);
      expect(retried).toMatchObject({ state: "running", progress: 0, stage: null, attempts: 2 });
      expect(retried?.error).toEqual({ message: "boom", kind: "internal" }); // why it is being retried
      expect(await s.completeJob(j.id, "w", { ok: 1 }, 14)).toBe(true);
      const done = await s.getJob(j.id);
      expect(done).toMatchObject({
        state: "succeeded",
        progress: 1,
        stage: "done",
        error: null,
        result: { ok: 1 },
      });
    });

    it("does not count an attempt when a runner takes back its own job whose lease lapsed", async () => {
      const { job: j } = await s.createJob(job({ maxAttempts: 3 }), 1);
      await s.claimJob("w", ["proof"], 100, 10);
      expect(await s.heartbeat(j.id, "w", 100, 0.4, "prove", 20)).toBe(true);
      const mine = await s.claimJob("w", ["proof"], 100, 200); // lease lapsed at 120
      expect(mine).toMatchObject({ id: j.id, attempts: 1, progress: 0.4, stage: "prove" });
      const theirs = await s.claimJob("w2", ["proof"], 100, 400);
      expect(theirs).toMatchObject({ id: j.id, attempts: 2, progress: 0, stage: null, leaseOwner: "w2" });
    });

    it("fails with or without retry, and releases without counting the attempt", async () => {
      const { job: j } = await s.createJob(job({ maxAttempts: 2 }), 1);
      await s.claimJob("w", ["proof"], 100, 10);
      expect(await s.failJob(j.id, "w", { message: "boom" }, true, 11)).toBe(true);
      expect((await s.getJob(j.id))?.state).toBe("accepted");
      await s.claimJob("w", ["proof"], 100, 12);
      expect(await s.releaseJob(j.id, "other", 13)).toBe(false);
      expect(await s.releaseJob(j.id, "w", 13)).toBe(true);
      const released = await s.getJob(j.id);
      expect(released?.state).toBe("accepted");
      expect(released?.attempts).toBe(1);
      await s.claimJob("w", ["proof"], 100, 14);
      expect(await s.failJob(j.id, "w", { message: "boom again", kind: "x" }, true, 15)).toBe(true);
      const failed = await s.getJob(j.id);
      expect(failed?.state).toBe("failed");
      expect(failed?.error).toEqual({ message: "boom again", kind: "x" });
      const { job: k } = await s.createJob(job(), 20);
      await s.claimJob("w", ["proof"], 100, 21);
      expect(await s.failJob(k.id, "w", { message: "bad input" }, false, 22)).toBe(true);
      expect((await s.getJob(k.id))?.state).toBe("failed");
    });

    it("keeps one originator key per originator", async () => {
      const k = {
        owner: "orig-a",
        publicKey: ["1", "2"] as [string, string],
        privateKeyCiphertext: randomBytes(61),
        createdAt: 3,
      };
      expect(await s.getOriginatorKey("orig-a")).toBeUndefined();
      const first = await s.insertOriginatorKey(k);
      expect(first.privateKeyCiphertext.equals(k.privateKeyCiphertext)).toBe(true);
      const second = await s.insertOriginatorKey({
        ...k,
        publicKey: ["3", "4"],
        privateKeyCiphertext: randomBytes(61),
      });
      expect(second.publicKey).toEqual(["1", "2"]);
      expect(second.privateKeyCiphertext.equals(k.privateKeyCiphertext)).toBe(true);
      expect((await s.getOriginatorKey("orig-a"))?.publicKey).toEqual(["1", "2"]);
      expect(await s.getOriginatorKey("orig-b")).toBeUndefined();
    });

    it("records openings once per (tape, seed) within the tape's budget of revealed loans, and lists them", async () => {
      const o = { tapeId: "t1", auditor: "aud", seed: "seed-1", indices: [3, 1], createdAt: 5 };
      expect(await s.recordOpening(o, 4)).toEqual({ status: "recorded", revealed: 2 });
      expect(await s.recordOpening(o, 4)).toEqual({ status: "repeat", revealed: 2 });
      expect(await s.recordOpening({ ...o, auditor: "other", indices: [9], createdAt: 6 }, 4)).toEqual({
        status: "seed-reused",
        revealed: 2,
        previousCount: 2,
      });
      // Loans already revealed cost nothing again; new ones count until the budget is spent.
      expect(await s.recordOpening({ ...o, seed: "seed-2", indices: [1, 0], createdAt: 7 }, 4)).toEqual({
        status: "recorded",
        revealed: 3,
      });
      expect(await s.recordOpening({ ...o, seed: "seed-3", indices: [5, 6], createdAt: 8 }, 4)).toEqual({
        status: "over-budget",
        revealed: 3,
        wouldReveal: 5,
      });
      expect(await s.recordOpening({ ...o, tapeId: "t2", createdAt: 8 }, 4)).toMatchObject({
        status: "recorded",
      });
      expect((await s.listOpenings("t1")).map((x) => x.seed)).toEqual(["seed-1", "seed-2"]);
      expect(await s.listOpenings("t3")).toEqual([]);
    });

    it("migrates idempotently (numbered versions) and inserts the bootstrap key once", async () => {
      await s.migrate();
      await s.migrate();
      const k = {
        id: "key_boot",
        keyHash: "h-boot",
        role: "admin" as const,
        owner: "admin",
        label: "boot",
        createdAt: 1,
        revokedAt: null,
      };
      const both = await Promise.all([s.ensureApiKey(k), s.ensureApiKey(k)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect((await s.findApiKeyByHash("h-boot"))?.id).toBe("key_boot");
    });

    it("stores one attestation per job and finds them by pool and period", async () => {
      const base = {
        owner: "orig-a",
        tapeId: "t1",
        poolId: "7",
        instance: "pool-attestation-16",
        policyHash: "9",
        data: { proofs: [1] },
        createdAt: 5,
      };
      const a = await s.insertAttestation({ ...base, id: "a1", jobId: "j1", period: 202610 });
      const again = await s.insertAttestation({ ...base, id: "a2", jobId: "j1", period: 202610 });
      expect(again.id).toBe(a.id);
      await s.insertAttestation({ ...base, id: "a3", jobId: "j3", period: 202611 });
      expect((await s.getAttestation("a1"))?.data).toEqual({ proofs: [1] });
      expect(await s.getAttestation("a2")).toBeUndefined();
      const list = (q: Partial<AttestationListQuery> = {}) =>
        s.listAttestations({ poolId: "7", limit: 10, withData: false, ...q });
      expect((await list()).map((x) => x.id)).toEqual(["a1", "a3"]);
      expect((await list({ period: 202611 })).map((x) => x.id)).toEqual(["a3"]);
      expect(await list({ poolId: "8" })).toEqual([]);
      // Summaries leave the data out; withData brings it.
      expect((await list())[0]).toMatchObject({ id: "a1", owner: "orig-a", jobId: "j1", data: null });
      expect((await list({ withData: true }))[0]!.data).toEqual({ proofs: [1] });
      await s.ping();
    });

    it("pages a pool's attestations in (period, time, id) order after a cursor, by owner when asked", async () => {
      const base = {
        tapeId: "t1",
        poolId: "7",
        instance: "i",
        policyHash: null,
        data: { big: "x".repeat(100) },
      };
      // Inserted out of order; two share a period and a time, so the id breaks the tie.
      const rows: [string, string, number, number][] = [
        ["e", "orig-b", 202611, 1],
        ["c", "orig-a", 202610, 9],
        ["b", "orig-a", 202610, 3],
        ["a", "orig-b", 202610, 3],
        ["d", "orig-a", 202611, 1],
      ];
      for (const [id, owner, period, createdAt] of rows)
        await s.insertAttestation({ ...base, id, owner, jobId: `job-${id}`, period, createdAt });
      const page = async (limit: number, after?: AttestationCursor, owner?: string) =>
        (await s.listAttestations({ poolId: "7", limit, after, owner, withData: false })).map((x) => x.id);
      expect(await page(10)).toEqual(["a", "b", "c", "d", "e"]);
      expect(await page(2)).toEqual(["a", "b"]);
      expect(await page(2, { period: 202610, createdAt: 3, id: "b" })).toEqual(["c", "d"]);
      expect(await page(2, { period: 202611, createdAt: 1, id: "d" })).toEqual(["e"]);
      expect(await page(2, { period: 202611, createdAt: 1, id: "e" })).toEqual([]);
      expect(await page(10, undefined, "orig-a")).toEqual(["b", "c", "d"]);
      expect(await page(10, { period: 202610, createdAt: 3, id: "b" }, "orig-b")).toEqual(["e"]);
    });

    it("gives a pool id to the first originator that claims it, and keeps it", async () => {
      expect(await s.getPool("42")).toBeUndefined();
      expect(await s.claimPool("42", "orig-a", 10)).toEqual({ poolId: "42", owner: "orig-a", claimedAt: 10 });
      expect(await s.claimPool("42", "orig-b", 11)).toEqual({ poolId: "42", owner: "orig-a", claimedAt: 10 });
      expect(await s.claimPool("42", "orig-a", 12)).toEqual({ poolId: "42", owner: "orig-a", claimedAt: 10 });
      expect(await s.claimPool("43", "orig-b", 13)).toMatchObject({ owner: "orig-b" });
      expect(await s.getPool("42")).toMatchObject({ owner: "orig-a" });
    });

    it("stores one job's score proofs at once, never twice, and lists an attestation's by time, job and chunk", async () => {
      const rec = (jobId: string, chunkIndex: number, createdAt: number, attestationId = "att1") => ({
        attestationId,
        jobId,
        chunkIndex,
        instance: "score-backing-8",
        owner: "orig-a",
        proof: { pi_a: [String(chunkIndex), "2", "1"], protocol: "groth16" },
        publicSignals: ["1", String(100 + chunkIndex), "3", "4", "5", "30"],
        createdAt,
      });
      expect(await s.listScoreProofs("att1")).toEqual([]);
      const first = await s.insertScoreProofs([rec("j2", 1, 10), rec("j2", 0, 10)]);
      expect(first.map((r) => r.chunkIndex)).toEqual([0, 1]);
      expect(first[0]).toEqual(rec("j2", 0, 10));
      // the same job again (a retry): the stored proofs stay and come back
      const again = await s.insertScoreProofs([rec("j2", 0, 20), rec("j2", 1, 20), rec("j2", 2, 20)]);
      expect(again).toEqual([rec("j2", 0, 10), rec("j2", 1, 10)]);
      // concurrent inserts of one job store it once
      const [x, y] = await Promise.all([
        s.insertScoreProofs([rec("j3", 0, 30), rec("j3", 1, 30)]),
        s.insertScoreProofs([rec("j3", 0, 31), rec("j3", 1, 31)]),
      ]);
      expect(x).toEqual(y);
      await s.insertScoreProofs([rec("j1", 0, 5)]);
      await s.insertScoreProofs([rec("j9", 0, 1, "att2")]);
      expect((await s.listScoreProofs("att1")).map((r) => `${r.jobId}/${r.chunkIndex}`)).toEqual([
        "j1/0",
        "j2/0",
        "j2/1",
        "j3/0",
        "j3/1",
      ]);
      expect((await s.listScoreProofs("att2"))[0]).toEqual(rec("j9", 0, 1, "att2"));
      expect(await s.listScoreProofs("att3")).toEqual([]);
      await expect(s.insertScoreProofs([rec("j4", 0, 1), rec("j5", 0, 1)])).rejects.toThrow(/one job/);
      await expect(s.insertScoreProofs([])).rejects.toThrow(/one job/);
    });
  });
}

/**
 * Two instances on one store (two SQLite connections to one file; two PostgreSQL pools on one schema), with
 * a raw connection for what the interface does not do (rolling the schema back a version).
 */
const rawClose: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of rawClose) await close();
});
const shared: [string, boolean, () => Promise<[Storage, Storage, (sql: string) => Promise<void>]>][] = [
  [
    "sqlite",
    true,
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), "rwa-pools-")), "store.db");
      const [a, b] = [new SqliteStorage(file), new SqliteStorage(file)];
      const { DatabaseSync } = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
      const raw = new DatabaseSync(file);
      rawClose.push(async () => raw.close());
      return [a, b, async (sql) => raw.exec(sql)];
    },
  ],
  [
    "postgres",
    havePg,
    async () => {
      const schema = `rwa_test_${process.pid}_${randomBytes(4).toString("hex")}`;
      const [a, b] = [new PostgresStorage(PG_URL, schema, 4), new PostgresStorage(PG_URL, schema, 4)];
      const raw = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
      rawClose.push(() => raw.end());
      return [a, b, async (sql) => void (await raw.query(sql))];
    },
  ],
];

for (const [name, enabled, open] of shared) {
  describe.skipIf(!enabled)(`pools on one ${name} store shared by two instances`, () => {
    it("of 20 concurrent claims of one pool id by 20 originators over two instances, exactly one wins", async () => {
      const [a, b] = await open();
      opened.push(a, b);
      await Promise.all([a.migrate(), b.migrate()]);
      for (const pool of ["1", "2", "3"]) {
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimPool(pool, `orig-${i}`, 100 + i)),
        );
        const owners = new Set(claims.map((c) => c.owner));
        expect(owners.size).toBe(1);
        expect((await a.getPool(pool))?.owner).toBe([...owners][0]);
        expect((await b.getPool(pool))?.owner).toBe([...owners][0]);
      }
    });

    it("a store from before pools were owned gives each pool to its earliest attestation's, else committed tape's, originator", async () => {
      const [a, b, raw] = await open();
      opened.push(a, b);
      await a.migrate();
      // Back to version 1: the store as it was, where B attested A's pool.
      await raw(
        "DROP TABLE pools; DROP INDEX attestations_page; DELETE FROM schema_migrations WHERE version = 2",
      );
      const att = { tapeId: null, period: 202610, instance: "i", policyHash: null, data: {} };
      await a.insertAttestation({
        ...att,
        id: "x2",
        owner: "orig-b",
        jobId: "j2",
        poolId: "7",
        createdAt: 20,
      });
      await a.insertAttestation({
        ...att,
        id: "x1",
        owner: "orig-a",
        jobId: "j1",
        poolId: "7",
        createdAt: 10,
      });
      const tape = (id: string, owner: string, poolId: string) => ({
        id,
        owner,
        poolId,
        period: 202610,
        asOfDate: 1,
        loanCount: 1,
        format: "json",
        sha256: "s",
        ciphertext: Buffer.from("c"),
        createdAt: 1,
        commitment: null,
        committedAt: null,
      });
      await a.insertTape(tape("t1", "orig-b", "7"));
      await a.setTapeCommitment("t1", { root: "1" }, 5); // committed before A's attestation: attestations rule
      await a.insertTape(tape("t2", "orig-b", "8"));
      await a.insertTape(tape("t3", "orig-a", "8"));
      await a.setTapeCommitment("t3", { root: "1" }, 30);
      await a.setTapeCommitment("t2", { root: "1" }, 40);
      await a.insertTape(tape("t4", "orig-c", "9")); // uploaded, never committed: no claim
      await b.migrate();
      expect(await b.getPool("7")).toEqual({ poolId: "7", owner: "orig-a", claimedAt: 10 });
      expect(await b.getPool("8")).toEqual({ poolId: "8", owner: "orig-a", claimedAt: 30 });
      expect(await b.getPool("9")).toBeUndefined();
    });
  });
}
