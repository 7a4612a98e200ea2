/**
 * Provider-backed scores end to end over real HTTP: the server process (`verifier-api/server.ts`) on a
 * loopback port with SQLite on disk. An originator commits and attests a 12-loan tape (pool-attestation-8,
 * two chunks), fetches the score requests, a provider with a real key (generateProviderKey) signs each
 * chunk's batch, the service proves score-backing-8 for both chunks in a job; the proofs verify off-chain
 * (snarkjs against the catalogue's vkey) and bind the attestation's root and pool words, the provider's key,
 * the model, the freshness bound and the ScoreAttestations domain; a public signal tampered with in the
 * database makes `valid` false. Skipped, with a warning, when either instance is not built.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file, each stage
 * building on the one before: the server with an originator's and an auditor's key, the tape uploaded,
 * committed and attested (`attested`), the score requests (`requests`), the provider's signed batches as the
 * submission's body (`submission`), the scores job (`scored`), the same submission again (`again`), the
 * auditor's read of the scores (`read`), and last, a public signal tampered with in the database and the
 * scores read again (`tampered`; it changes the stored proofs, so it builds on `read`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, test } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { domainWord, keyHash } from "../../prover/commitment/keys.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { scorePoolWord } from "../../prover/model/index.ts";
import { generateProviderKey, signScoreBatch } from "../../prover/scores/index.ts";
import { formatTapeCsv } from "../../prover/tape/index.ts";
import { batchToJson, scoreRequestFromJson, type ScoreRequestJson } from "../../verifier-api/scores.ts";
import { ADMIN_KEY, smallTape } from "./helpers.ts";
import { callServer, ended, startServerProcess, waitForJob, type ServerProcess } from "./process.ts";

const POOL = "pool-attestation-8";
const SCORE = "score-backing-8";
const BUILT = [POOL, SCORE].every((n) => readManifest().instances[n] !== undefined);
if (!BUILT) console.warn(`${POOL} or ${SCORE} is not built: skipping the score end-to-end test`);

const tape = smallTape(12, "scores-e2e");
const CONTRACT = "0x" + "c0".repeat(20);
const DOMAIN = domainWord(CONTRACT, 31337n).toString();

type Answer = Awaited<ReturnType<typeof callServer>>;

/** The server process on a data directory of its own, with an originator's and an auditor's key. */
interface Served {
  dir: string;
  server: ServerProcess;
  orig: string;
  aud: string;
  call(key: string | null, method: string, path: string, body?: unknown, type?: string): Promise<Answer>;
  finished(key: string, id: string): Promise<Record<string, unknown>>;
}

interface AttestedChunk {
  chunkIndex: number;
  publicSignals: string[];
}

/** A chunk of a score set as the service serves it. */
interface ScoreChunk {
  chunkIndex: number;
  proof: object;
  publicSignals: string[];
  valid: boolean;
}

const it = test.extend<{
  s: Served;
  /** The tape uploaded as CSV, committed and attested with pool-attestation-8: the answers, the attestation. */
  attested: {
    upload: number;
    commit: Record<string, unknown>;
    submit: number;
    job: Record<string, unknown>;
    tapeId: string;
    attId: string;
    att: { root: string; chunkCount: number; chunks: AttestedChunk[] };
  };
  /** The originator's fetch of the attestation's score requests. */
  requests: Answer;
  /** Each chunk's batch signed by a provider with a real key, as the body of a scores submission. */
  submission: { providerHash: string; body: Record<string, unknown> };
  /** The originator's scores submission, and its job ended (and how long it took). */
  scored: { job: Answer; done: Record<string, unknown>; ms: number };
  /** The same submission again. */
  again: Answer;
  /** The auditor's read of the attestation's scores, once the job ended, and the score instance's vkey. */
  read: { r: Answer; set: Record<string, unknown> & { chunks: ScoreChunk[] }; vkey: object };
  /** After `read`, chunk 1's freshness bound (signal 5) changed to 3650 in the database: the set read again. */
  tampered: { valid: boolean; chunks: ScoreChunk[] };
}>({
  s: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-api-scores-"));
      try {
        const server = await startServerProcess(dir);
        const call: Served["call"] = (key, method, path, body, type) =>
          callServer(server, key, method, path, body, type);
        const issue = async (role: string, owner: string): Promise<string> =>
          (await call(ADMIN_KEY, "POST", "/v1/admin/api-keys", { role, owner })).body.key as string;
        await use({
          dir,
          server,
          orig: await issue("originator", "orig-sc"),
          aud: await issue("auditor", "aud-sc"),
          call,
          finished: (key, id) => waitForJob(server, key, id, ended, 300_000),
        });
        if (server.proc.exitCode === null) {
          server.proc.kill("SIGTERM");
          await server.exited;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: "file" },
  ],
  attested: [
    async ({ s }, use) => {
      const up = await s.call(s.orig, "POST", "/v1/tapes", formatTapeCsv(tape), "text/csv");
      const tapeId = up.body.id as string;
      const commit = await s.call(s.orig, "POST", `/v1/tapes/${tapeId}/commitment`);
      const committed = await s.finished(s.orig, commit.body.id);
      const sub = await s.call(s.orig, "POST", "/v1/attestations", {
        tapeId,
        policy: policyToJson(TEST_POLICY),
        chainId: "31337",
        registry: "0x" + "ab".repeat(20),
        instance: POOL,
      });
      const job = await s.finished(s.orig, sub.body.id);
      const attId = (job.result as { attestationId: string }).attestationId;
      const att = (await s.call(s.aud, "GET", `/v1/attestations/${attId}`)).body.data;
      await use({ upload: up.status, commit: committed, submit: sub.status, job, attId, att, tapeId });
    },
    { scope: "file" },
  ],
  requests: [
    async ({ s, attested: { tapeId } }, use) =>
      use(await s.call(s.orig, "GET", `/v1/tapes/${tapeId}/score-requests?instance=${SCORE}`)),
    { scope: "file" },
  ],
  submission: [
    async ({ requests }, use) => {
      // The provider checks the requests against its records and signs each.
      const reqs = requests.body.requests as ScoreRequestJson[];
      const records = new Map<bigint, number>();
      reqs.forEach((r) =>
        r.entries.forEach((e, j) => {
          if (e) records.set(BigInt(e.borrowerCommitment), tape.loans[r.chunkIndex * 8 + j]!.creditScore);
        }),
      );
      const provider = await generateProviderKey();
      const header = { modelId: 7, scoreDate: tape.asOfDate - 4 };
      const batches = await Promise.all(
        reqs.map(async (r) =>
          batchToJson(
            await signScoreBatch(provider, scoreRequestFromJson(r), header, (bc) => records.get(bc)),
          ),
        ),
      );
      await use({
        providerHash: (await keyHash(provider.publicKey)).toString(),
        body: {
          instance: SCORE,
          providerPublicKey: provider.publicKey.map(String),
          maxAgeDays: 30,
          contract: CONTRACT,
          batches,
        },
      });
    },
    { scope: "file" },
  ],
  scored: [
    async ({ s, attested: { attId }, submission: { body } }, use) => {
      const t0 = Date.now();
      const job = await s.call(s.orig, "POST", `/v1/attestations/${attId}/scores`, body);
      const done = await s.finished(s.orig, job.body.id);
      const ms = Date.now() - t0;
      console.log(`scores job: 2 score-backing-8 proofs in ${ms} ms`);
      await use({ job, done, ms });
    },
    { scope: "file" },
  ],
  again: [
    async ({ s, attested: { attId }, submission: { body }, scored }, use) => {
      void scored;
      await use(await s.call(s.orig, "POST", `/v1/attestations/${attId}/scores`, body));
    },
    { scope: "file" },
  ],
  read: [
    async ({ s, attested: { attId }, scored }, use) => {
      void scored;
      const r = await s.call(s.aud, "GET", `/v1/attestations/${attId}/scores`);
      const vkey = (await s.call(null, "GET", `/v1/catalogue/${SCORE}`)).body.vkey as object;
      await use({ r, set: r.body.scores?.[0], vkey });
    },
    { scope: "file" },
  ],
  tampered: [
    async ({ s, attested: { attId }, scored: { job }, read }, use) => {
      void read;
      // node:sqlite without its one-time ExperimentalWarning (as verifier-api/storage/sqlite.ts loads it)
      const emit = process.emitWarning;
      process.emitWarning = (() => {}) as typeof process.emitWarning;
      const { DatabaseSync } = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
      process.emitWarning = emit;
      const db = new DatabaseSync(join(s.dir, "verifier-api.sqlite"));
      try {
        const row = db
          .prepare("SELECT public_signals FROM score_proofs WHERE job_id = ? AND chunk_index = 1")
          .get(job.body.id) as { public_signals: string };
        const signals = JSON.parse(row.public_signals) as string[];
        signals[5] = "3650";
        db.prepare("UPDATE score_proofs SET public_signals = ? WHERE job_id = ? AND chunk_index = 1").run(
          JSON.stringify(signals),
          job.body.id,
        );
      } finally {
        db.close();
      }
      await use((await s.call(s.orig, "GET", `/v1/attestations/${attId}/scores`)).body.scores[0]);
    },
    { scope: "file" },
  ],
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

/** Chunk `i` of the score set `read` served. */
const chunkOf = (read: { set: { chunks: ScoreChunk[] } }, i: number): ScoreChunk =>
  read.set.chunks.find((c) => c.chunkIndex === i)!;

describe.skipIf(!BUILT)("provider-backed scores over HTTP", { timeout: 600_000 }, () => {
  describe("the attested pool", () => {
    it("the tape is uploaded", ({ attested }) => {
      expect(attested.upload).toBe(201);
    });

    it("the tape is committed", ({ attested }) => {
      expect(attested.commit.state).toBe("succeeded");
    });

    it("the attestation is accepted", ({ attested }) => {
      expect(attested.submit).toBe(202);
    });

    it("the attestation job succeeds", ({ attested }) => {
      expect(attested.job.state).toBe("succeeded");
    });

    it("the attestation has two chunks", ({ attested }) => {
      expect(attested.att.chunkCount).toBe(2);
    });
  });

  describe("the score requests", () => {
    it("are served to the originator", ({ requests }) => {
      expect(requests.status).toBe(200);
    });

    it("are of the attestation's root", ({ attested, requests }) => {
      expect(requests.body.root).toBe(attested.att.root);
    });
  });

  describe("the scores job", () => {
    it("refuses the submission from an auditor", async ({ s, attested: { attId }, submission: { body } }) => {
      expect((await s.call(s.aud, "POST", `/v1/attestations/${attId}/scores`, body)).status).toBe(403);
    });

    it("accepts the originator's submission as a scores job", ({ scored: { job } }) => {
      expect(job.status).toBe(202);
      expect(job.body.kind).toBe("scores");
    });

    it("succeeds", ({ scored: { done } }) => {
      expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    });

    it("names the attestation, the instance and two chunks in its result", ({
      attested,
      scored: { done },
    }) => {
      expect(done.result).toMatchObject({ attestationId: attested.attId, instance: SCORE, chunkCount: 2 });
    });

    it("is the answer to the same submission again, not a second proof", ({ scored: { job }, again }) => {
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(job.body.id);
    });
  });

  describe("the scores read by an auditor", () => {
    it("are served", ({ read }) => {
      expect(read.r.status).toBe(200);
    });

    it("are one score set over the attestation's two chunks", ({ read }) => {
      expect(read.r.body.chunkCount).toBe(2);
      expect(read.r.body.scores).toHaveLength(1);
    });

    it("bind the job, the instance, the provider's key, the model, the freshness bound and the domain; complete and valid", ({
      read,
      scored: { job },
      submission: { providerHash },
    }) => {
      expect(read.set).toMatchObject({
        jobId: job.body.id,
        instance: SCORE,
        providerKeyHash: providerHash,
        modelId: "7",
        maxAgeDays: "30",
        domain: DOMAIN,
        complete: true,
        valid: true,
      });
    });

    it("have chunks 0 and 1", ({ read }) => {
      expect(read.set.chunks.map((c) => c.chunkIndex)).toEqual([0, 1]);
    });

    it.for([0, 1])("chunk %i is valid", (i, { read }) => {
      expect(chunkOf(read, i).valid).toBe(true);
    });

    // bound to the attested chunk: the same root and pool word (pool, period, asOfDate, chunk, count),
    // without the loan count, which the score circuit's pool word does not carry (docs/SCORES.md)
    it.for([0, 1])(
      "chunk %i's public signals are the attested chunk's root and pool word, the domain, the provider's key, the model and the freshness bound",
      (i, { read, attested, submission: { providerHash } }) => {
        const pool = attested.att.chunks.find((x) => x.chunkIndex === i)!;
        expect(chunkOf(read, i).publicSignals).toEqual([
          pool.publicSignals[0],
          String(scorePoolWord(BigInt(pool.publicSignals[1]!))),
          DOMAIN,
          providerHash,
          "7",
          "30",
        ]);
      },
    );

    it.for([0, 1])(
      "chunk %i's proof verifies with snarkjs against the catalogue's vkey",
      async (i, { read }) => {
        const c = chunkOf(read, i);
        expect(await snarkjs.groth16.verify(read.vkey, c.publicSignals, c.proof as never)).toBe(true);
      },
    );

    it.for([0, 1])("chunk %i's proof does not verify with a laxer freshness bound", async (i, { read }) => {
      const c = chunkOf(read, i);
      const bad = [...c.publicSignals];
      bad[5] = "3650";
      expect(await snarkjs.groth16.verify(read.vkey, bad, c.proof as never)).toBe(false);
    });
  });

  describe("a public signal tampered with in the database (chunk 1's freshness bound)", () => {
    it("makes the score set invalid", ({ tampered }) => {
      expect(tampered.valid).toBe(false);
    });

    it("makes chunk 1, and only chunk 1, invalid", ({ tampered }) => {
      expect(tampered.chunks.map((c) => c.valid)).toEqual([true, false]);
    });

    it("is what the service serves", ({ tampered }) => {
      expect(tampered.chunks[1]!.publicSignals[5]).toBe("3650");
    });
  });
});
