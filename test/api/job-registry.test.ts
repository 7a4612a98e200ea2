/**
 * The typed job registry (verifier-api/jobs/registry.ts): a kind is a name, an input schema and a handler;
 * the runner refuses an unknown kind and an input that does not match its kind's schema when the job is
 * created (nothing is stored), hands the handler its checked input, and fails a stored input that does not
 * match (written by another version of the service) permanently, without retries.
 */
import { Type } from "@sinclair/typebox";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  defineJob,
  JobInputError,
  JobRegistry,
  UnknownJobKindError,
} from "../../verifier-api/jobs/registry.ts";
import { JobRunner } from "../../verifier-api/jobs/runner.ts";
import { SqliteStorage, type NewJob } from "../../verifier-api/storage/index.ts";
import { startTestApp, type TestApp } from "./helpers.ts";

const log = pino({ level: "silent" });
let n = 0;
const newJob = (kind: string, input: unknown): NewJob => ({
  id: `job_reg_${++n}`,
  kind,
  owner: "orig-a",
  idempotencyKey: `key:${n}`,
  requestHash: `hash-${n}`,
  input,
  maxAttempts: 3,
});

describe("the job registry in a runner", () => {
  let storage: SqliteStorage;
  let runner: JobRunner;
  const seen: unknown[] = [];

  beforeAll(async () => {
    storage = new SqliteStorage(":memory:");
    await storage.migrate();
    runner = new JobRunner(storage, new JobRegistry(), { concurrency: 1, leaseMs: 5_000, pollMs: 20, log });
    runner.register(
      defineJob(
        "sum",
        Type.Object({ a: Type.Integer(), b: Type.Integer() }, { additionalProperties: false }),
        async (input) => {
          seen.push(input);
          return { sum: input.a + input.b }; // typed: a and b are numbers here, no cast
        },
      ),
    );
    runner.start();
  });

  afterAll(async () => {
    await runner.stop(1_000);
    await storage.close();
  });

  afterEach(() => {
    seen.length = 0;
  });

  async function settled(id: string) {
    for (let i = 0; i < 200; i++) {
      const j = await storage.getJob(id);
      if (j && (j.state === "succeeded" || j.state === "failed")) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it("runs a job whose input matches, handing the handler its input", async () => {
    const { job, created } = await runner.submit(newJob("sum", { a: 2, b: 40 }));
    expect(created).toBe(true);
    const done = await settled(job.id);
    expect(done).toMatchObject({ state: "succeeded", result: { sum: 42 }, attempts: 1 });
    expect(seen).toEqual([{ a: 2, b: 40 }]);
  });

  it("refuses an unknown kind when the job is created, storing nothing", async () => {
    const j = newJob("no-such-kind", { a: 1, b: 2 });
    await expect(runner.submit(j)).rejects.toBeInstanceOf(UnknownJobKindError);
    expect(await storage.getJob(j.id)).toBeUndefined();
  });

  it("refuses an input that does not match its schema when the job is created, naming the field", async () => {
    for (const input of [{ a: 1, b: "2" }, { a: 1 }, { a: 1, b: 2, extra: true }, null, [1, 2]]) {
      const j = newJob("sum", input);
      const err = await runner.submit(j).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobInputError);
      expect((err as JobInputError).problems.length).toBeGreaterThan(0);
      expect(await storage.getJob(j.id)).toBeUndefined();
    }
    const err = (await runner
      .submit(newJob("sum", { a: 1, b: "2" }))
      .catch((e: unknown) => e)) as JobInputError;
    expect(err.problems.map((p) => p.field)).toContain("input/b");
    expect(seen).toEqual([]);
  });

  it("fails a stored input that does not match permanently, without calling the handler or retrying", async () => {
    // Written past the edge (as an older version of the service might have stored it).
    const { job } = await storage.createJob(newJob("sum", { a: 1, b: "two" }), Date.now());
    void runner.poll();
    const done = await settled(job.id);
    expect(done).toMatchObject({ state: "failed", attempts: 1, error: { kind: "invalid-input" } });
    expect(done.error!.message).toMatch(/input\/b/);
    expect(seen).toEqual([]);
  });

  it("refuses a kind declared twice", () => {
    expect(() => runner.register(defineJob("sum", Type.Object({}), async () => null))).toThrow(
      /declared twice/,
    );
  });
});

describe("the service's job kinds", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { runJobs: false });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it("declares each kind once, and checks each kind's input at creation", async () => {
    const runner = t.app.services.runner;
    expect(runner.kinds.sort()).toEqual(["attestation", "commitment", "proof", "scores"]);
    const bad: [string, unknown][] = [
      ["proof", { instance: "example-multiplier" }],
      ["proof", { instance: "example-multiplier", input: { a: 3 }, extra: 1 }],
      ["commitment", { tapeId: "tape_1", chunkSize: "8" }],
      ["commitment", { tapeId: "../etc", chunkSize: 8 }],
      [
        "attestation",
        { tapeId: "tape_1", policy: {}, chainId: 31337, registry: "0x" + "cd".repeat(20), instance: "p" },
      ],
      ["attestation", { tapeId: "tape_1", policy: {}, chainId: "31337", registry: "0xcd", instance: "p" }],
      [
        "scores",
        {
          attestationId: "att_1",
          tapeId: "tape_1",
          instance: "s",
          chunkSize: 8,
          providerPublicKey: ["1"],
          maxAgeDays: 30,
          contract: "0x" + "ab".repeat(20),
          chainId: "1",
          batches: [],
        },
      ],
    ];
    for (const [kind, input] of bad) {
      const j = newJob(kind, input);
      await expect(runner.submit(j), `${kind} ${JSON.stringify(input)}`).rejects.toBeInstanceOf(
        JobInputError,
      );
      expect(await t.app.services.storage.getJob(j.id)).toBeUndefined();
    }
    await expect(runner.submit(newJob("analytics", {}))).rejects.toBeInstanceOf(UnknownJobKindError);
  });
});
