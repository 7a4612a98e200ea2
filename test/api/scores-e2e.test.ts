/**
 * Provider-backed scores end to end over real HTTP: the server process (`verifier-api/server.ts`) on a
 * loopback port with SQLite on disk. An originator commits and attests a 12-loan tape (pool-attestation-8,
 * two chunks), fetches the score requests, a provider with a real key (generateProviderKey) signs each
 * chunk's batch, the service proves score-backing-8 for both chunks in a job; the proofs verify off-chain
 * (snarkjs against the catalogue's vkey) and bind the attestation's root and pool words, the provider's key,
 * the model, the freshness bound and the ScoreAttestations domain; a public signal tampered with in the
 * database makes `valid` false. Skipped, with a warning, when either instance is not built.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const dir = mkdtempSync(join(tmpdir(), "rwa-api-scores-"));

let server: ServerProcess | undefined;
const startServer = () => startServerProcess(dir);
const call = (key: string | null, method: string, path: string, body?: unknown, type?: string) =>
  callServer(server!, key, method, path, body, type);
const finished = (key: string, id: string, ms = 300_000) => waitForJob(server!, key, id, ended, ms);

beforeAll(async () => {
  if (BUILT) server = await startServer();
});

afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    server.proc.kill("SIGTERM");
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

describe.skipIf(!BUILT)("provider-backed scores over HTTP", () => {
  it("proves every chunk's scores from a real provider's signed batches; the proofs verify, a tampered signal does not", async () => {
    const orig = (
      await call(ADMIN_KEY, "POST", "/v1/admin/api-keys", { role: "originator", owner: "orig-sc" })
    ).body.key as string;
    const aud = (await call(ADMIN_KEY, "POST", "/v1/admin/api-keys", { role: "auditor", owner: "aud-sc" }))
      .body.key as string;
    const tape = smallTape(12, "scores-e2e");
    const up = await call(orig, "POST", "/v1/tapes", formatTapeCsv(tape), "text/csv");
    expect(up.status).toBe(201);
    const tapeId = up.body.id as string;
    const commit = await call(orig, "POST", `/v1/tapes/${tapeId}/commitment`);
    expect((await finished(orig, commit.body.id)).state).toBe("succeeded");
    const registry = "0x" + "ab".repeat(20);
    const sub = await call(orig, "POST", "/v1/attestations", {
      tapeId,
      policy: policyToJson(TEST_POLICY),
      chainId: "31337",
      registry,
      instance: POOL,
    });
    expect(sub.status).toBe(202);
    const aj = await finished(orig, sub.body.id);
    expect(aj.state).toBe("succeeded");
    const attId = (aj.result as { attestationId: string }).attestationId;
    const att = (await call(aud, "GET", `/v1/attestations/${attId}`)).body.data as {
      root: string;
      chunkCount: number;
      chunks: { chunkIndex: number; publicSignals: string[] }[];
    };
    expect(att.chunkCount).toBe(2);

    // The originator fetches the requests; the provider checks them against its records and signs each.
    const reqs = await call(orig, "GET", `/v1/tapes/${tapeId}/score-requests?instance=${SCORE}`);
    expect(reqs.status).toBe(200);
    expect(reqs.body.root).toBe(att.root);
    const requests = reqs.body.requests as ScoreRequestJson[];
    const records = new Map<bigint, number>();
    requests.forEach((r) =>
      r.entries.forEach((e, j) => {
        if (e) records.set(BigInt(e.borrowerCommitment), tape.loans[r.chunkIndex * 8 + j]!.creditScore);
      }),
    );
    const provider = await generateProviderKey();
    const header = { modelId: 7, scoreDate: tape.asOfDate - 4 };
    const batches = await Promise.all(
      requests.map(async (r) =>
        batchToJson(await signScoreBatch(provider, scoreRequestFromJson(r), header, (bc) => records.get(bc))),
      ),
    );
    const contract = "0x" + "c0".repeat(20);
    const body = {
      instance: SCORE,
      providerPublicKey: provider.publicKey.map(String),
      maxAgeDays: 30,
      contract,
      batches,
    };
    expect((await call(aud, "POST", `/v1/attestations/${attId}/scores`, body)).status).toBe(403);
    const t0 = Date.now();
    const job = await call(orig, "POST", `/v1/attestations/${attId}/scores`, body);
    expect(job.status).toBe(202);
    expect(job.body.kind).toBe("scores");
    const done = await finished(orig, job.body.id);
    const ms = Date.now() - t0;
    expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.result).toMatchObject({ attestationId: attId, instance: SCORE, chunkCount: 2 });
    console.log(`scores job: 2 score-backing-8 proofs in ${ms} ms`);
    // the same submission again is the same job, not a second proof
    const again = await call(orig, "POST", `/v1/attestations/${attId}/scores`, body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(job.body.id);

    const read = await call(aud, "GET", `/v1/attestations/${attId}/scores`);
    expect(read.status).toBe(200);
    expect(read.body.chunkCount).toBe(2);
    expect(read.body.scores).toHaveLength(1);
    const set = read.body.scores[0];
    const providerHash = (await keyHash(provider.publicKey)).toString();
    const domain = domainWord(contract, 31337n).toString();
    expect(set).toMatchObject({
      jobId: job.body.id,
      instance: SCORE,
      providerKeyHash: providerHash,
      modelId: "7",
      maxAgeDays: "30",
      domain,
      complete: true,
      valid: true,
    });
    const vkey = (await call(null, "GET", `/v1/catalogue/${SCORE}`)).body.vkey;
    for (const c of set.chunks as {
      chunkIndex: number;
      proof: object;
      publicSignals: string[];
      valid: boolean;
    }[]) {
      expect(c.valid).toBe(true);
      const pool = att.chunks.find((x) => x.chunkIndex === c.chunkIndex)!;
      // bound to the attested chunk: the same root and pool word (pool, period, asOfDate, chunk, count),
      // without the loan count, which the score circuit's pool word does not carry (docs/SCORES.md)
      expect(c.publicSignals).toEqual([
        pool.publicSignals[0],
        String(scorePoolWord(BigInt(pool.publicSignals[1]!))),
        domain,
        providerHash,
        "7",
        "30",
      ]);
      expect(await snarkjs.groth16.verify(vkey, c.publicSignals, c.proof as never)).toBe(true);
      const bad = [...c.publicSignals];
      bad[5] = "3650";
      expect(await snarkjs.groth16.verify(vkey, bad, c.proof as never)).toBe(false);
    }
    expect(set.chunks.map((c: { chunkIndex: number }) => c.chunkIndex)).toEqual([0, 1]);

    // Tamper with one public signal at rest (a laxer freshness bound for chunk 1): the service says invalid.
    // node:sqlite without its one-time ExperimentalWarning (as verifier-api/storage/sqlite.ts loads it)
    const emit = process.emitWarning;
    process.emitWarning = (() => {}) as typeof process.emitWarning;
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
    process.emitWarning = emit;
    const db = new DatabaseSync(join(dir, "verifier-api.sqlite"));
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
    const after = (await call(orig, "GET", `/v1/attestations/${attId}/scores`)).body.scores[0];
    expect(after.valid).toBe(false);
    expect(after.chunks.map((c: { valid: boolean }) => c.valid)).toEqual([true, false]);
    expect(after.chunks[1].publicSignals[5]).toBe("3650");
  }, 600_000);
});
