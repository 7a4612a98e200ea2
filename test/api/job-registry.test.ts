/**
 * The typed job registry (verifier-api/jobs/registry.ts): a kind is a name, an input schema and a handler;
 * the runner refuses an unknown kind and an input that does not match its kind's schema when the job is
 * created (nothing is stored), hands the handler its checked input, and fails a stored input that does not
 * match (written by another version of the service) permanently, without retries.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, a runner on in-memory
 * SQLite with one kind, `sum`, whose handler records the inputs it is handed, and the in-process app (no job
 * runner); made for the test, the list of inputs handed to the handler (emptied for it) and the jobs it runs.
 */
import { Type } from "@sinclair/typebox";
import pino from "pino";
import { describe, expect, test } from "vitest";
import {
  defineJob,
  JobInputError,
  JobRegistry,
  UnknownJobKindError,
} from "../../verifier-api/jobs/registry.ts";
import { JobRunner } from "../../verifier-api/jobs/runner.ts";
import { SqliteStorage, type JobRecord, type NewJob } from "../../verifier-api/storage/index.ts";
import { appFixture, type TestApp } from "./helpers.ts";

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

/** A runner on in-memory SQLite with the kind `sum`; `seen` holds the inputs its handler was handed. */
interface World {
  storage: SqliteStorage;
  runner: JobRunner;
  seen: unknown[];
}

async function settled(storage: SqliteStorage, id: string): Promise<JobRecord> {
  for (let i = 0; i < 200; i++) {
    const j = await storage.getJob(id);
    if (j && (j.state === "succeeded" || j.state === "failed")) return j;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

/** `submit`'s refusal of `job` (undefined when it is accepted). */
const refusal = (runner: JobRunner, job: NewJob): Promise<unknown> =>
  runner.submit(job).then(
    () => undefined,
    (e: unknown) => e,
  );

const it = test.extend<{
  world: World;
  /** The inputs the handler is handed during the test (emptied before it). */
  seen: unknown[];
  /** A job of `sum` of 2 and 40 submitted and run: `submit`'s answer and the ended job. */
  ran: { created: boolean; done: JobRecord };
  /** A job of `sum` stored past the edge with a `b` that is no integer, run: the ended job. */
  storedBad: JobRecord;
  /** The in-process app without a job runner, once per file. */
  t: TestApp;
}>({
  world: [
    async ({}, use) => {
      const storage = new SqliteStorage(":memory:");
      await storage.migrate();
      const seen: unknown[] = [];
      const runner = new JobRunner(storage, new JobRegistry(), {
        concurrency: 1,
        leaseMs: 5_000,
        pollMs: 20,
        log,
      });
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
      await use({ storage, runner, seen });
      await runner.stop(1_000);
      await storage.close();
    },
    { scope: "file" },
  ],
  seen: async ({ world }, use) => {
    world.seen.length = 0;
    await use(world.seen);
  },
  ran: async ({ world, seen: _ }, use) => {
    const { job, created } = await world.runner.submit(newJob("sum", { a: 2, b: 40 }));
    await use({ created, done: await settled(world.storage, job.id) });
  },
  storedBad: async ({ world, seen: _ }, use) => {
    // Written past the edge (as an older version of the service might have stored it).
    const { job } = await world.storage.createJob(newJob("sum", { a: 1, b: "two" }), Date.now());
    void world.runner.poll();
    await use(await settled(world.storage, job.id));
  },
  t: appFixture({}, { runJobs: false }),
});

describe("the job registry in a runner", () => {
  it("creates a job whose input matches", ({ ran }) => {
    expect(ran.created).toBe(true);
  });

  it("runs it to the handler's result in one attempt", ({ ran }) => {
    expect(ran.done).toMatchObject({ state: "succeeded", result: { sum: 42 }, attempts: 1 });
  });

  it("hands the handler its input", ({ ran: _, seen }) => {
    expect(seen).toEqual([{ a: 2, b: 40 }]);
  });

  it("refuses an unknown kind when the job is created", async ({ world }) => {
    await expect(world.runner.submit(newJob("no-such-kind", { a: 1, b: 2 }))).rejects.toBeInstanceOf(
      UnknownJobKindError,
    );
  });

  it("stores nothing of a job of an unknown kind", async ({ world }) => {
    const j = newJob("no-such-kind", { a: 1, b: 2 });
    await refusal(world.runner, j);
    expect(await world.storage.getJob(j.id)).toBeUndefined();
  });

  const MISMATCHES = [
    ["a string for an integer", { a: 1, b: "2" }],
    ["a missing field", { a: 1 }],
    ["an extra field", { a: 1, b: 2, extra: true }],
    ["null", null],
    ["an array", [1, 2]],
  ] as const;

  it.for(MISMATCHES)(
    "refuses an input of %s when the job is created, with problems",
    async ([, input], { world }) => {
      const err = await refusal(world.runner, newJob("sum", input));
      expect(err).toBeInstanceOf(JobInputError);
      expect((err as JobInputError).problems.length).toBeGreaterThan(0);
    },
  );

  it.for(MISMATCHES)("stores nothing of a job with an input of %s", async ([, input], { world }) => {
    const j = newJob("sum", input);
    await refusal(world.runner, j);
    expect(await world.storage.getJob(j.id)).toBeUndefined();
  });

  it("names the field of an input that does not match", async ({ world }) => {
    const err = (await refusal(world.runner, newJob("sum", { a: 1, b: "2" }))) as JobInputError;
    expect(err.problems.map((p) => p.field)).toContain("input/b");
  });

  it("never hands the handler an input it refused", async ({ world, seen }) => {
    for (const [, input] of MISMATCHES) await refusal(world.runner, newJob("sum", input));
    await world.runner.poll();
    expect(seen).toEqual([]);
  });

  it("fails a stored input that does not match permanently, in one attempt", ({ storedBad }) => {
    expect(storedBad).toMatchObject({ state: "failed", attempts: 1, error: { kind: "invalid-input" } });
  });

  it("names the field of the stored input in the failure", ({ storedBad }) => {
    expect(storedBad.error!.message).toMatch(/input\/b/);
  });

  it("never hands the handler a stored input that does not match", ({ storedBad: _, seen }) => {
    expect(seen).toEqual([]);
  });

  it("refuses a kind declared twice", ({ world }) => {
    expect(() => world.runner.register(defineJob("sum", Type.Object({}), async () => null))).toThrow(
      /declared twice/,
    );
  });
});

describe("the service's job kinds", () => {
  it("declares each kind once", ({ t }) => {
    expect([...t.app.services.runner.kinds].sort()).toEqual(["attestation", "commitment", "proof", "scores"]);
  });

  const BAD: [string, string, unknown][] = [
    ["proof", "without an input", { instance: "example-multiplier" }],
    ["proof", "with an extra field", { instance: "example-multiplier", input: { a: 3 }, extra: 1 }],
    ["commitment", "with a chunk size in a string", { tapeId: "tape_1", chunkSize: "8" }],
    ["commitment", "of a tape id that is a path", { tapeId: "../etc", chunkSize: 8 }],
    [
      "attestation",
      "with a chain id that is a number",
      { tapeId: "tape_1", policy: {}, chainId: 31337, registry: "0x" + "cd".repeat(20), instance: "p" },
    ],
    [
      "attestation",
      "with a malformed registry",
      { tapeId: "tape_1", policy: {}, chainId: "31337", registry: "0xcd", instance: "p" },
    ],
    [
      "scores",
      "with a key of one coordinate",
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

  it.for(BAD)("refuses a %s job %s at creation, storing nothing", async ([kind, , input], { t }) => {
    const j = newJob(kind, input);
    await expect(t.app.services.runner.submit(j), `${kind} ${JSON.stringify(input)}`).rejects.toBeInstanceOf(
      JobInputError,
    );
    expect(await t.app.services.storage.getJob(j.id)).toBeUndefined();
  });

  it("refuses a kind the service does not declare (analytics)", async ({ t }) => {
    await expect(t.app.services.runner.submit(newJob("analytics", {}))).rejects.toBeInstanceOf(
      UnknownJobKindError,
    );
  });
});
