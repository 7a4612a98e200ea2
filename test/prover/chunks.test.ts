/**
 * The chunk-job life-cycle with the in-process transport (what `rwa-attest prove` and the embedded service
 * use): deterministic chunk ids; an attestation aborted mid-run and started again proves only the chunks
 * the store lacks; a stored chunk that is not this attestation's (tampered signals, a proof that does not
 * verify) is refused and proven again. Real Groth16 proofs of pool-attestation-8 (8-loan chunks).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all made once per file (the tests only
 * read them): the originator's key, the prover pool, a temporary directory (removed afterwards), and the two
 * scenarios' outcomes, each in a SQLite store of its own: an aborted run, its restart and a third run
 * (`resumed`); a run whose stored chunks 1 and 3 are then tampered with, and the run after it (`retampered`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  attestPool,
  chunkAttestationId,
  verifyAttestation,
  type Attestation,
  type AttestationCheck,
} from "../../prover/attest.ts";
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
const ATT = "ab".repeat(32);
const tape = generateSyntheticTape({ seed: 17, loans: 32, poolId: 7n, period: 202611 }); // 4 chunks

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

/** Attests `tape` with `key` into `store` through `transport`. */
const attest = async (
  key: OriginatorKey,
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

/** A run aborted once two chunks were done, its restart on a new store of the same file, a third run. */
interface Resumed {
  /** What the aborted run rejected with. */
  aborted: unknown;
  /** The chunks each run proved. */
  first: number[];
  second: number[];
  third: number[];
  attestation: Attestation;
  check: AttestationCheck;
  /** The third run's attestation. */
  same: Attestation;
}

/** A complete run, its stored chunks 1 and 3 tampered with, and the run after it. */
interface Retampered {
  /** The chunk indices stored by the first run. */
  stored: number[];
  redone: number[];
  valid: boolean;
}

const it = test.extend<{
  key: OriginatorKey;
  pool: ProverPool;
  dir: string;
  resumed: Resumed;
  retampered: Retampered;
}>({
  key: [async ({}, use) => use(await generateOriginatorKey()), { scope: "file" }],
  pool: [
    async ({}, use) => {
      const pool = new ProverPool(1);
      await use(pool);
      await pool.close();
    },
    { scope: "file" },
  ],
  dir: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "rwa-chunks-"));
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  resumed: [
    async ({ key, pool, dir }, use) => {
      const store = new SqliteChunkStore(join(dir, "resume.sqlite"));
      const first = counting(pool, "run-1");
      const abort = new AbortController();
      const aborted = await attest(key, store, first, abort.signal, (done) => {
        if (done >= 2) abort.abort();
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await store.close();
      // a new process's store on the same file: what a restarted `rwa-attest prove` opens
      const again = new SqliteChunkStore(join(dir, "resume.sqlite"));
      try {
        const second = counting(pool, "run-2");
        const { attestation } = await attest(key, again, second);
        const check = await verifyAttestation(attestation);
        const third = counting(pool, "run-3");
        const { attestation: same } = await attest(key, again, third);
        await use({
          aborted,
          first: first.made,
          second: second.made,
          third: third.made,
          attestation,
          check,
          same,
        });
      } finally {
        await again.close();
      }
    },
    { scope: "file" },
  ],
  retampered: [
    async ({ key, pool, dir }, use) => {
      const store = new SqliteChunkStore(join(dir, "tamper.sqlite"));
      try {
        const { attestation } = await attest(key, store, counting(pool, "run-1"));
        // tamper: chunk 1's last signal changed (the proof no longer verifies), chunk 3's proof swapped for chunk 2's
        const rows = await store.list(chunkAttestationId(attestation));
        const c1 = rows.find((c) => c.chunkIndex === 1)!;
        const c2 = rows.find((c) => c.chunkIndex === 2)!;
        const c3 = rows.find((c) => c.chunkIndex === 3)!;
        await store.remove([c1.id, c3.id]);
        const sig = [...c1.publicSignals];
        sig[sig.length - 1] = (BigInt(sig[sig.length - 1]!) + 1n).toString();
        await store.put({ ...c1, publicSignals: sig });
        await store.put({ ...c3, proof: c2.proof, publicSignals: c2.publicSignals });
        const redo = counting(pool, "run-2");
        const { attestation: again } = await attest(key, store, redo);
        await use({
          stored: rows.map((c) => c.chunkIndex),
          redone: redo.made.sort(),
          valid: (await verifyAttestation(again)).valid,
        });
      } finally {
        await store.close();
      }
    },
    { scope: "file" },
  ],
});

describe("chunk ids", () => {
  it("are fixed by the attestation and the chunk index", () => {
    expect(chunkId(ATT, 3)).toBe(chunkId(ATT, 3));
  });

  it("are UUIDs (version 8)", () => {
    expect(chunkId(ATT, 3)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("differ for another chunk index", () => {
    expect(chunkId(ATT, 4)).not.toBe(chunkId(ATT, 3));
  });

  it("differ for another attestation", () => {
    expect(chunkId("cd".repeat(32), 3)).not.toBe(chunkId(ATT, 3));
  });

  it("refuse a malformed attestation", () => {
    expect(() => chunkId("xyz", 1)).toThrow(CodedError);
  });

  it.for([-1, 1.5])("refuse the chunk index %s", (index) => {
    expect(() => chunkId(ATT, index)).toThrow(CodedError);
  });
});

describe.skipIf(!built)("chunk life-cycle, in-process transport", () => {
  it("an aborted attestation rejects as aborted", ({ resumed }) => {
    expect(String(resumed.aborted)).toMatch(/aborted/);
  });

  it("the aborted run stored some chunks but not all (at least 2 of 4)", ({ resumed }) => {
    expect(resumed.first.length).toBeGreaterThanOrEqual(2);
    expect(resumed.first.length).toBeLessThan(4);
  });

  it("started again, proves only the chunks the store lacks", ({ resumed }) => {
    expect(resumed.second.length).toBe(4 - resumed.first.length);
  });

  it("the aborted and the restarted run together proved every chunk", ({ resumed }) => {
    expect(new Set([...resumed.first, ...resumed.second])).toEqual(new Set([0, 1, 2, 3]));
  });

  it("the resumed attestation has every chunk, in order", ({ resumed }) => {
    expect(resumed.attestation.chunks.map((c) => c.chunkIndex)).toEqual([0, 1, 2, 3]);
  });

  it("the resumed attestation verifies with no problems", ({ resumed }) => {
    expect(resumed.check.problems).toEqual([]);
  });

  it("the resumed attestation is valid", ({ resumed }) => {
    expect(resumed.check.valid).toBe(true);
  });

  it("a third run finds every chunk stored and proves none", ({ resumed }) => {
    expect(resumed.third).toEqual([]);
  });

  it("a third run returns the stored proofs", ({ resumed }) => {
    expect(resumed.same.chunks.map((c) => c.proof)).toEqual(resumed.attestation.chunks.map((c) => c.proof));
  });

  it("a complete run stores every chunk", ({ retampered }) => {
    expect(retampered.stored).toEqual([0, 1, 2, 3]);
  });

  it("refuses stored chunks that are not this attestation's (a changed signal, another chunk's proof) and proves them again", ({
    retampered,
  }) => {
    expect(retampered.redone).toEqual([1, 3]);
  });

  it("the attestation with the chunks proven again verifies", ({ retampered }) => {
    expect(retampered.valid).toBe(true);
  });
});
