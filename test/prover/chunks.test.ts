/**
 * The chunk-job life-cycle with the in-process transport (what `rwa-attest prove` and the embedded service
 * use): deterministic chunk ids; an attestation aborted mid-run and started again proves only the chunks
 * the store lacks; a stored chunk that is not this attestation's (tampered signals, a proof that does not
 * verify) is refused and proven again. Real Groth16 proofs of pool-attestation-8 (8-loan chunks).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attestPool, chunkAttestationId, verifyAttestation } from "../../prover/attest.ts";
import {
  chunkId,
  inProcessTransport,
  type ChunkStore,
  type ChunkTransport,
} from "../../prover/chunks/index.ts";
import { SqliteChunkStore } from "../../prover/chunks/sqlite-store.ts";
import { deriveSalts } from "../../prover/commitment/encoding.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/commitment/keys.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

const INSTANCE = "pool-attestation-8";
const built = readManifest().instances[INSTANCE] !== undefined;
if (!built) console.warn(`${INSTANCE} is not built: skipping the chunk life-cycle tests`);

/** An in-process transport that counts the proofs it makes. */
function counting(pool: ProverPool, worker: string): ChunkTransport & { made: number[] } {
  const inner = inProcessTransport(pool, worker);
  const made: number[] = [];
  return {
    name: inner.name,
    made,
    run: (run) =>
      inner.run({
        ...run,
        onChunk: async (c, verified) => {
          made.push(c.chunkIndex);
          return run.onChunk(c, verified);
        },
      }),
  };
}

describe("chunk ids", () => {
  const att = "ab".repeat(32);
  it("are UUIDs fixed by the attestation and the chunk index", () => {
    expect(chunkId(att, 3)).toBe(chunkId(att, 3));
    expect(chunkId(att, 3)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chunkId(att, 4)).not.toBe(chunkId(att, 3));
    expect(chunkId("cd".repeat(32), 3)).not.toBe(chunkId(att, 3));
  });
  it("refuse a malformed attestation or index", () => {
    expect(() => chunkId("xyz", 1)).toThrow(CodedError);
    expect(() => chunkId(att, -1)).toThrow(CodedError);
    expect(() => chunkId(att, 1.5)).toThrow(CodedError);
  });
});

describe.skipIf(!built)("chunk life-cycle, in-process transport", () => {
  const tape = generateSyntheticTape({ seed: 17, loans: 32, poolId: 7n, period: 202611 }); // 4 chunks
  let key: OriginatorKey;
  let pool: ProverPool;
  let dir: string;
  beforeAll(async () => {
    key = await generateOriginatorKey();
    pool = new ProverPool(1);
    dir = mkdtempSync(join(tmpdir(), "rwa-chunks-"));
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const attest = async (
    store: ChunkStore,
    transport: ChunkTransport,
    signal?: AbortSignal,
    onDone?: (n: number) => void,
  ) =>
    attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: 31337n,
      registry: "0x" + "11".repeat(20),
      instance: INSTANCE,
      salts: await deriveSalts(99n, tape),
      // committed chunks' salts from the same seed: a restarted run makes the same commitments
      chunkSaltSeed: 99n,
      store,
      transport,
      signal,
      onProgress: (p) => onDone?.(p.chunksDone),
    });

  it("resumes an aborted attestation, proving only the chunks the store lacks", async () => {
    const store = new SqliteChunkStore(join(dir, "resume.sqlite"));
    const first = counting(pool, "run-1");
    const abort = new AbortController();
    await expect(
      attest(store, first, abort.signal, (done) => {
        if (done >= 2) abort.abort();
      }),
    ).rejects.toThrow(/aborted/);
    await store.close();

    // a new process's store on the same file: what a restarted `rwa-attest prove` opens
    const again = new SqliteChunkStore(join(dir, "resume.sqlite"));
    const storedBefore = first.made.length;
    expect(storedBefore).toBeGreaterThanOrEqual(2);
    expect(storedBefore).toBeLessThan(4);
    const second = counting(pool, "run-2");
    const { attestation } = await attest(again, second);
    expect(second.made.length).toBe(4 - storedBefore);
    expect(new Set([...first.made, ...second.made])).toEqual(new Set([0, 1, 2, 3]));
    expect(attestation.chunks.map((c) => c.chunkIndex)).toEqual([0, 1, 2, 3]);
    const check = await verifyAttestation(attestation);
    expect(check.problems).toEqual([]);
    expect(check.valid).toBe(true);

    // a third run finds every chunk stored and proves none
    const third = counting(pool, "run-3");
    const { attestation: same } = await attest(again, third);
    expect(third.made).toEqual([]);
    expect(same.chunks.map((c) => c.proof)).toEqual(attestation.chunks.map((c) => c.proof));
    await again.close();
  });

  it("refuses stored chunks that are not this attestation's and proves them again", async () => {
    const store = new SqliteChunkStore(join(dir, "tamper.sqlite"));
    const { attestation } = await attest(store, counting(pool, "run-1"));
    // tamper: chunk 1's last signal changed (the proof no longer verifies), chunk 3's proof swapped for chunk 2's
    const rows = await store.list(chunkAttestationId(attestation));
    expect(rows.map((c) => c.chunkIndex)).toEqual([0, 1, 2, 3]);
    const c1 = rows.find((c) => c.chunkIndex === 1)!;
    const c2 = rows.find((c) => c.chunkIndex === 2)!;
    const c3 = rows.find((c) => c.chunkIndex === 3)!;
    await store.remove([c1.id, c3.id]);
    const sig = [...c1.publicSignals];
    sig[sig.length - 1] = (BigInt(sig[sig.length - 1]!) + 1n).toString();
    await store.put({ ...c1, publicSignals: sig });
    await store.put({ ...c3, proof: c2.proof, publicSignals: c2.publicSignals });

    const redo = counting(pool, "run-2");
    const { attestation: again } = await attest(store, redo);
    expect(redo.made.sort()).toEqual([1, 3]);
    expect((await verifyAttestation(again)).valid).toBe(true);
    await store.close();
  });
});
