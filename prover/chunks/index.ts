/**
 * The chunk-job life-cycle of a pool attestation, one interface for every transport.
 *
 * An attestation is a parent with one child per chunk. Each child has a deterministic id (`chunkId`): the
 * attestation's key (pool, period, tape root, instance, and every other public input a chunk proof binds:
 * as-of day, loan count, policy hash, signing key hash, the verification key) and the chunk index, so a
 * resubmitted chunk is the same job, never a second one. A chunk proof is written to a `ChunkStore` as soon
 * as it is made (by whichever process made it), so a crash, a lost worker or a store outage loses at most
 * the chunks in flight. `proveChunks` first takes every stored chunk that is valid for this attestation
 * (its proof verifies and its public signals are the model's), hands only the missing ones to the transport,
 * and returns the complete set once every child has succeeded; the parent (`attestPool`) then assembles.
 *
 * Transports: `inProcessTransport` (this process's prover pool: `rwa-attest prove`, the embedded service)
 * and `PgBossTransport` (`pgboss.ts`: chunk jobs on PostgreSQL for `rwa-attest worker` processes anywhere).
 * Stores: `MemoryChunkStore`, `SqliteChunkStore` (`sqlite-store.ts`), `PostgresChunkStore`
 * (`postgres-store.ts`).
 */
import { createHash } from "node:crypto";
import type { Groth16Proof, VerificationKey } from "snarkjs";
import { findInstance, signalIndex } from "../../pipeline/catalogue.ts";
import { instanceProver, verifyGroth16, type ProverPool } from "../prove/index.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** Everything a chunk proof of one attestation binds; two attestations share chunks only if all agree. */
export interface AttestationKey {
  instance: string;
  poolId: bigint;
  period: number;
  asOfDate: number;
  loanCount: number;
  root: bigint;
  policyHash: bigint;
  /** The originator key's registry hash (binds the key, the registry and the chain). */
  keyHash: bigint;
  /** `verificationKeyHash` of the instance's key: proofs of another key are other proofs. */
  verificationKey: string;
}

/** The attestation's id among chunk jobs: sha256 of its key, 64 hex digits. */
export function attestationId(k: AttestationKey): string {
  const text = [
    "rwa-attest/chunks@1",
    k.instance,
    k.poolId,
    k.period,
    k.asOfDate,
    k.loanCount,
    k.root,
    k.policyHash,
    k.keyHash,
    k.verificationKey,
  ].join("|");
  return createHash("sha256").update(text).digest("hex");
}

/** A chunk's job id: a UUID (version 8, the queue's id type) from sha256(attestation id, chunk index). */
export function chunkId(attestation: string, chunkIndex: number): string {
  if (!/^[0-9a-f]{64}$/.test(attestation)) throw invalid("attestation", "expected 64 hex digits");
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > 0xffff)
    throw invalid("chunkIndex", `expected an integer in [0, 65535], got ${String(chunkIndex)}`);
  const h = createHash("sha256").update(`${attestation}|${chunkIndex}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** One chunk's proof as a store holds it. */
export interface StoredChunk {
  id: string;
  attestation: string;
  chunkIndex: number;
  proof: Groth16Proof;
  /** Decimal strings, in the instance's `publicSignals` order. */
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
  /** Who made it (a worker id, or `in-process`). */
  worker: string;
  createdAt: number;
}

/** Where chunk proofs are kept as soon as they are made. */
export interface ChunkStore {
  readonly kind: "memory" | "sqlite" | "postgres";
  /** Stores the chunk unless one with its id is stored (the first one stays); true when stored now. */
  put(chunk: StoredChunk): Promise<boolean>;
  /** The stored chunks of an attestation, by chunk index. */
  list(attestation: string): Promise<StoredChunk[]>;
  /** How many chunks of the attestation are stored (cheaper than `list`). */
  count(attestation: string): Promise<number>;
  /** Removes chunks (a stored chunk found invalid, an attestation assembled and no longer needed). */
  remove(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A store in this process's memory: chunks survive an aborted run of the same process, not a crash. */
export class MemoryChunkStore implements ChunkStore {
  readonly kind = "memory";
  private readonly chunks = new Map<string, StoredChunk>();
  async put(chunk: StoredChunk): Promise<boolean> {
    if (this.chunks.has(chunk.id)) return false;
    this.chunks.set(chunk.id, structuredClone(chunk));
    return true;
  }
  async list(attestation: string): Promise<StoredChunk[]> {
    return [...this.chunks.values()]
      .filter((c) => c.attestation === attestation)
      .sort((a, b) => a.chunkIndex - b.chunkIndex)
      .map((c) => structuredClone(c));
  }
  async count(attestation: string): Promise<number> {
    return [...this.chunks.values()].filter((c) => c.attestation === attestation).length;
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.chunks.delete(id);
  }
  async close(): Promise<void> {}
}

/** One child: its index, id, witness input, and the public signals the independent model expects. */
export interface ChunkTask {
  index: number;
  id: string;
  input: Record<string, unknown>;
  expected: Record<string, bigint>;
}

/** The parent: which attestation, which circuit and key, and all its chunks. */
export interface ChunkPlan {
  attestation: string;
  instance: string;
  /** `verificationKeyHash` of the key the proofs must verify against (a worker with another refuses). */
  verificationKey: string;
  vkey: VerificationKey;
  tasks: ChunkTask[];
}

/** Pool progress: chunks done of all, and the time left from this run's measured chunk times. */
export interface ChunkProgress {
  done: number;
  total: number;
  /** Chunks taken from the store at the start (made by an earlier run). */
  reused: number;
  /** Estimated milliseconds left (null until a chunk of this run finished). */
  etaMs: number | null;
  /** Fraction of the remaining proving of this run, counting chunks in flight (0..1). */
  fraction: number;
  /** Set while no worker has taken any chunk of this run (a distributed transport): what it waits for. */
  waiting?: ChunkWait;
}

/** A distributed run whose chunks no worker has taken: the queue, the key a worker must hold, for how long. */
export interface ChunkWait {
  queue: string;
  instance: string;
  verificationKey: string;
  /** Milliseconds since the chunks were queued. */
  sinceMs: number;
}

/** What a transport gets for one run: the chunks to prove and where to put them. */
export interface ChunkRun {
  plan: ChunkPlan;
  tasks: ChunkTask[];
  store: ChunkStore;
  signal: AbortSignal;
  /**
   * Hands a stored chunk to the life-cycle, which checks it (`verified`: the maker verified the proof
   * against the plan's key in this process's trust, so only the model's signals are checked); resolves
   * false when it is refused (removed from the store).
   */
  onChunk(chunk: StoredChunk, verified: boolean): Promise<boolean>;
  /** Progress of a chunk in flight (0..1). */
  onChunkProgress?(index: number, fraction: number): void;
  /** No worker has taken a chunk yet (a distributed transport), or, with undefined, one has. */
  onWaiting?(wait: ChunkWait | undefined): void;
}

export interface ChunkTransport {
  readonly name: string;
  /** Proves the run's tasks; resolves when each is stored and handed over, rejects on the first failure. */
  run(run: ChunkRun): Promise<void>;
}

/** The chunk's figures as the model expects them, compared with the proof's public signals. */
export function signalMismatch(
  instance: string,
  publicSignals: readonly string[],
  expected: Record<string, bigint>,
): string | undefined {
  const entry = findInstance(instance);
  for (const [name, value] of Object.entries(expected)) {
    const got = publicSignals[signalIndex(entry, name)];
    if (got !== value.toString()) return `public signal ${name} is ${got}, the model says ${value}`;
  }
  return undefined;
}

export interface ProveChunksOptions {
  store: ChunkStore;
  transport: ChunkTransport;
  signal?: AbortSignal;
  onProgress?: (p: ChunkProgress) => void;
}

/**
 * Proves every chunk of the plan that the store does not already hold (valid for this plan) through the
 * transport, and returns all of them by chunk index once every child has succeeded.
 */
export async function proveChunks(plan: ChunkPlan, opts: ProveChunksOptions): Promise<StoredChunk[]> {
  const { store, transport } = opts;
  const total = plan.tasks.length;
  const tasksByIndex = new Map(plan.tasks.map((t) => [t.index, t]));
  const have = new Map<number, StoredChunk>();

  /** Why a stored chunk is not this plan's chunk (undefined: it is). */
  const problem = async (c: StoredChunk, verified: boolean): Promise<string | undefined> => {
    const task = tasksByIndex.get(c.chunkIndex);
    if (!task || task.id !== c.id || c.attestation !== plan.attestation) return "not a chunk of this plan";
    const mismatch = signalMismatch(plan.instance, c.publicSignals, task.expected);
    if (mismatch) return mismatch;
    if (!verified && !(await verifyGroth16(plan.vkey, c.publicSignals, c.proof)))
      return "the proof does not verify against the instance's key";
    return undefined;
  };

  const invalid: string[] = [];
  for (const c of await store.list(plan.attestation)) {
    if (have.has(c.chunkIndex) || (await problem(c, false)) !== undefined) invalid.push(c.id);
    else have.set(c.chunkIndex, c);
  }
  if (invalid.length > 0) await store.remove(invalid);
  const reused = have.size;
  const missing = plan.tasks.filter((t) => !have.has(t.index));

  const started = performance.now();
  let doneThisRun = 0;
  const inFlight = new Map<number, number>();
  let waiting: ChunkWait | undefined;
  const report = (): void => {
    if (!opts.onProgress) return;
    const done = have.size;
    const elapsed = performance.now() - started;
    const etaMs = doneThisRun > 0 ? Math.round(((total - done) * elapsed) / doneThisRun) : null;
    const partial = [...inFlight.values()].reduce((a, b) => a + b, 0);
    const fraction = missing.length === 0 ? 1 : Math.min(1, (doneThisRun + partial) / missing.length);
    opts.onProgress({ done, total, reused, etaMs, fraction, ...(waiting ? { waiting } : {}) });
  };
  report();

  if (missing.length > 0) {
    const signal = opts.signal ?? new AbortController().signal;
    const refused: string[] = [];
    await transport.run({
      plan,
      tasks: missing,
      store,
      signal,
      onChunk: async (c, verified) => {
        if (have.has(c.chunkIndex)) return true;
        const why = await problem(c, verified);
        if (why !== undefined) {
          refused.push(`chunk ${c.chunkIndex} (by ${c.worker}): ${why}`);
          await store.remove([c.id]);
          return false;
        }
        have.set(c.chunkIndex, c);
        inFlight.delete(c.chunkIndex);
        doneThisRun++;
        report();
        return true;
      },
      onChunkProgress: (index, fraction) => {
        if (have.has(index)) return;
        inFlight.set(index, fraction);
        report();
      },
      onWaiting: (wait) => {
        if (wait === undefined && waiting === undefined) return;
        waiting = wait;
        report();
      },
    });
    if (have.size < total) {
      const lost = plan.tasks.filter((t) => !have.has(t.index)).map((t) => t.index);
      throw new Error(
        `chunks ${lost.slice(0, 8).join(", ")}${lost.length > 8 ? ` and ${lost.length - 8} more` : ""} ` +
          `were not proven${refused.length > 0 ? `; refused: ${refused.slice(0, 3).join("; ")}` : ""}`,
      );
    }
  }
  return plan.tasks.map((t) => have.get(t.index)!);
}

/**
 * Runs chunks in this process's prover pool: each proof is stored the moment it is made, then handed over.
 * An aborted run stops its proofs in flight (the pool kills their workers).
 */
export function inProcessTransport(pool: ProverPool, worker = "in-process"): ChunkTransport {
  return {
    name: "in-process",
    async run(run) {
      // the instance's files are checked against the manifest once for the run, not once per chunk
      const prove = await instanceProver(pool, run.plan.instance);
      const results = await Promise.allSettled(
        run.tasks.map(async (t) => {
          const r = await prove(t.input, (p) => run.onChunkProgress?.(t.index, p.fraction), run.signal);
          const chunk: StoredChunk = {
            id: t.id,
            attestation: run.plan.attestation,
            chunkIndex: t.index,
            proof: r.proof,
            publicSignals: r.publicSignals,
            witnessMs: r.witnessMs,
            proveMs: r.proveMs,
            worker,
            createdAt: Date.now(),
          };
          await run.store.put(chunk);
          // the pool's worker verified the proof against the instance's hash-checked key
          if (!(await run.onChunk(chunk, true)))
            throw new Error(`chunk ${t.index}: the proof's public signals are not the model's`);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
