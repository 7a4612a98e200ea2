/**
 * One reporting period's attestation of a pool, end to end: commit the tape, sign the attestation message,
 * build each chunk's witness input, prove the chunks through the chunk-job life-cycle (prover/chunks/: every
 * proof stored as soon as it is made, stored ones reused; in this process's worker pool, or as pg-boss jobs
 * for `rwa-attest worker` processes), check each proof's public signals against the independent model, and
 * aggregate the figures. A pool of one chunk is one PoolAttestation proof with the pool's figures. A pool of
 * several chunks publishes nothing finer than the pool (issue 14, docs/CIRCUITS.md "Chunk commitments and
 * the pool aggregation"): each chunk is a PoolChunkCommitment proof, a hiding commitment to its figures with
 * a fresh salt, and one PoolAggregation proof over the chunks' openings, in the order the chunks are listed
 * (the order they are to be submitted, which the registry chains them in), gives the pool's figures. The
 * openings (figures and salts) are returned to the originator, never put in the attestation.
 * `verifyAttestation` is the auditor's side, a thin Node wrapper over the browser-safe checker
 * (verifier-api/web/check-attestation.js): every chunk proof verifies and all chunks agree on one pool.
 */
import { createHash } from "node:crypto";
import type { Groth16Proof, VerificationKey } from "snarkjs";
import {
  checkAttestation,
  type CheckResult,
  type VerificationKey as CheckVerificationKey,
} from "../verifier-api/web/check-attestation.js";
import { getPoseidon } from "./commitment/poseidon.ts";
import { findInstance, instanceSize, signalIndex } from "../pipeline/catalogue.ts";
import {
  commitTape,
  deriveChunkSalts,
  randomSalts,
  type TapeCommitment,
  type TapeSalts,
} from "./commitment/encoding.ts";
import {
  attestationMessage,
  domainWord,
  registryKeyHash,
  signAttestation,
  type OriginatorKey,
  type PublicKey,
} from "./commitment/keys.ts";
import {
  attestationId,
  chunkId,
  inProcessTransport,
  MemoryChunkStore,
  proveChunks,
  type ChunkStore,
  type ChunkTask,
  type ChunkWait,
  type ChunkTransport,
} from "./chunks/index.ts";
import { aggregateFigures, requirePoolSize, unpackFigures, type Figures } from "./model/index.ts";
import { policyHash, validatePolicy, type Policy } from "./policy/index.ts";
import {
  instanceKey,
  ProverPool,
  toSolidityProof,
  verifyGroth16,
  type KeyInfo,
  type SolidityProof,
} from "./prove/index.ts";
import type { LoanTape } from "./tape/schema.ts";
import { buildPoolInput } from "./witness/index.ts";
import { CodedError, invalid, within, type Problem } from "../verifier-api/web/errors.js";
import { buildAggregationInput, buildChunkCommitmentInput } from "./witness/aggregation.ts";
import type { ChunkOpening } from "./commitment/figure-commitment.ts";
import { loadCatalogue } from "../pipeline/catalogue.ts";
import { readManifest } from "../pipeline/manifest.ts";
import { proveInstance } from "./prove/index.ts";

/** The default pool attestation instance: 64-loan chunks (larger pools are proven chunk by chunk). */
export const DEFAULT_POOL_INSTANCE = "pool-attestation-64";

export interface AttestOptions {
  tape: LoanTape;
  policy: Policy;
  key: OriginatorKey;
  /** Chain and registry the attestation is for (bound into every proof). */
  chainId: bigint;
  registry: string;
  /** Catalogue instance of the pool circuit; its parameter is the chunk size. */
  instance?: string;
  /** Salts (default: fresh random ones). Keep them: openings for auditors need them. */
  salts?: TapeSalts;
  /**
   * The originator's secret seed the committed chunks' salts are derived from (`deriveChunkSalts`: fresh for
   * each tape commitment, re-derivable, so a retried attestation reuses the chunk proofs it stored and the
   * openings need not be kept). Default: fresh random salts, returned as `openings` and kept nowhere else.
   */
  chunkSaltSeed?: bigint;
  /** A commitment already made for this tape (its salts are used). */
  commitment?: TapeCommitment;
  /** Worker pool to prove in (default: a pool made and closed for this call; unused with `transport`). */
  pool?: ProverPool;
  /**
   * Where each chunk proof is kept as soon as it is made, and where a retried attestation finds the chunks
   * an earlier run made (default: this call's memory). See prover/chunks/.
   */
  store?: ChunkStore;
  /** How chunks are proven (default: in this process's prover pool; `PgBossTransport` for workers). */
  transport?: ChunkTransport;
  /** Stops the attestation: chunks in flight are stopped, stored ones stay stored. */
  signal?: AbortSignal;
  onProgress?: (p: AttestProgress) => void;
}

export interface AttestProgress {
  stage: "commit" | "prove" | "done";
  chunksDone: number;
  chunkCount: number;
  /** Fraction of the whole attestation, 0..1. */
  fraction: number;
  /** Chunks taken from the store, made by an earlier run. */
  chunksReused?: number;
  /** Estimated milliseconds left, from this run's measured chunk times (null before the first chunk). */
  etaMs?: number | null;
  /** Set while no worker has taken any chunk (chunks sent to workers): the queue and key it waits for. */
  waiting?: ChunkWait;
}

/** One chunk's proof. */
export interface ChunkProof {
  chunkIndex: number;
  proof: Groth16Proof;
  /** Decimal strings, in the order of the instance's `publicSignals`. */
  publicSignals: string[];
  /** The same proof as the Solidity verifier's arguments. */
  solidity: SolidityProof;
  witnessMs: number;
  proveMs: number;
}

/**
 * The pool aggregation proof of a committed multi-chunk attestation (a PoolAggregation instance): public
 * signals (acc, figA, figB, figC), acc the chain of the chunks' commitments in the order of `chunks`.
 */
export interface AggregationProof {
  instance: string;
  proof: Groth16Proof;
  publicSignals: string[];
  solidity: SolidityProof;
  witnessMs: number;
  proveMs: number;
}

/** A pool attestation for one period: what an originator publishes and submits on-chain. */
export interface Attestation {
  format: "rwa-attest/attestation@1";
  instance: string;
  poolId: bigint;
  period: number;
  asOfDate: number;
  chainId: bigint;
  registry: string;
  root: bigint;
  policyHash: bigint;
  /**
   * The policy's parameters. They hash to `policyHash`, so a verifier checks them rather than trusts them,
   * and with them derives the pool-level breach bits of a multi-chunk attestation from the proofs alone.
   * (Absent from files made before it was added: those need the policy from elsewhere.)
   */
  policy?: Policy;
  /**
   * The verification key the proofs were made for: its hash (prover/prove/key.ts) and whether the build
   * marks it a development key. A verifier checks it against the key the proofs verify with. (Absent from
   * files made before it was added.)
   */
  verificationKey?: KeyInfo;
  /** The originator's Baby Jubjub public key [Ax, Ay]. */
  publicKey: PublicKey;
  /** The key's hash in the registry, Poseidon(Ax, Ay, domain): binds the key, the registry and the chain. */
  keyHash: bigint;
  chunkCount: number;
  /**
   * Loans of the whole tape, committed in every chunk's `pool` signal (the circuit proves that the tape's
   * slots below it are loans and the rest empty). Audit samples are drawn over it and nothing else.
   */
  loanCount: number;
  /** The pool's figures (pool-level covenant bits evaluated on the pool's totals). */
  figures: Figures;
  /**
   * The chunk proofs. One chunk: a PoolAttestation proof with the pool's figures. Several: PoolChunkCommitment
   * proofs (root, pool, policyHash, keyHash, figCommit: no figures), in the order they are to be submitted
   * and chained, which `aggregation`'s acc follows.
   */
  chunks: ChunkProof[];
  /** The pool aggregation proof of a committed (multi-chunk) attestation; absent for one chunk. */
  aggregation?: AggregationProof;
}

/** The PoolChunkCommitment instance for chunks of `chunkSize` loans (the catalogue's). */
export function chunkCommitmentInstance(chunkSize: number): string {
  const entry = loadCatalogue().find(
    (c) => c.template === "PoolChunkCommitment" && c.params[0] === chunkSize,
  );
  if (!entry)
    throw invalid(
      "instance",
      `the catalogue has no PoolChunkCommitment(${chunkSize})`,
      undefined,
      "not-found",
    );
  return entry.name;
}

/**
 * The most chunks the registry takes in one committed batch: `ChunkSet.MAX_CHUNKS` (contracts/libraries/ChunkSet.sol;
 * test/prover/attestable.test.ts checks the two agree).
 */
export const MAX_COMMITTED_CHUNKS = 1024;

/**
 * The most chunks one committed attestation may have: the registry's limit or the catalogue's largest
 * PoolAggregation size class, whichever is smaller, and which of the two it is.
 */
export function attestationChunkLimit(): { chunks: number; by: string } {
  const largest = largestOf("PoolAggregation");
  return largest.size >= MAX_COMMITTED_CHUNKS
    ? { chunks: MAX_COMMITTED_CHUNKS, by: "the registry's limit" }
    : { chunks: largest.size, by: `the largest aggregation class, ${largest.name}` };
}

/** The catalogue's instance of `template` with the largest size parameter (size 0 when it has none). */
function largestOf(template: string): { size: number; name: string } {
  return loadCatalogue()
    .filter((c) => c.template === template)
    .reduce((m, c) => ((c.params[0] ?? 0) > m.size ? { size: c.params[0]!, name: c.name } : m), {
      size: 0,
      name: "",
    });
}

/**
 * Refuses, before anything is committed or proven, a pool that `instance`'s chunks cannot attest: more chunks
 * than one committed attestation holds (attestationChunkLimit), or (several chunks) no aggregation class in the
 * catalogue for them. A pool that failed only here would otherwise be refused after every chunk was proven.
 * Returns the chunk count.
 */
export function requireAttestable(loanCount: number, instance: string): number {
  const chunkSize = chunkSizeOf(instance);
  const chunkCount = Math.max(1, Math.ceil(loanCount / chunkSize));
  const largest = largestOf("PoolAttestation").size;
  const limit = attestationChunkLimit();
  if (chunkCount > limit.chunks) {
    const reason =
      `${loanCount} loans in chunks of ${chunkSize} are ${chunkCount} chunks; an attestation holds at most ` +
      `${limit.chunks} (${limit.by}), so ${instance} attests at most ${limit.chunks * chunkSize} loans` +
      (chunkSize < largest
        ? `: use a larger instance (the catalogue's largest, of ${largest} loans a chunk, holds ${limit.chunks * largest})`
        : "");
    throw new CodedError("refused", `pool too large: ${reason}`, [
      { field: "instance", value: instance, reason },
    ]);
  }
  if (chunkCount > 1) aggregationInstance(chunkCount);
  return chunkCount;
}

/**
 * The PoolAggregation instance for `chunkCount` chunks: the smallest size class N >= chunkCount that this
 * machine has built (else the smallest in the catalogue, whose missing keys are then reported by name).
 */
export function aggregationInstance(chunkCount: number): string {
  return sizeClassFor("PoolAggregation", chunkCount);
}

/**
 * The instance of an aggregation `template` (PoolAggregation, RollForwardAggregation) for `chunkCount` chunks:
 * the smallest size class N >= chunkCount that this machine has built, else the smallest in the catalogue.
 */
export function sizeClassFor(template: string, chunkCount: number): string {
  const fits = loadCatalogue()
    .filter((c) => c.template === template && (c.params[0] ?? 0) >= chunkCount)
    .sort((a, b) => a.params[0]! - b.params[0]!);
  if (fits.length === 0)
    throw invalid("chunkCount", `no ${template} size class holds ${chunkCount} chunks`, chunkCount);
  const built = readManifest().instances;
  return (fits.find((c) => built[c.name] !== undefined) ?? fits[0]!).name;
}

const chunkSizeOf = (instance: string): number =>
  instanceSize(instance, "PoolAttestation", "a pool attestation circuit");

/**
 * Proves a pool's attestation for the tape's period. Throws a TypeError naming the parameter on malformed
 * input; rejects with UnsatisfiedInputError if the circuit refuses the witness (which would mean the model
 * and circuit disagree: a bug to report).
 */
export async function attestPool(
  opts: AttestOptions,
): Promise<{ attestation: Attestation; commitment: TapeCommitment; openings: ChunkOpening[] }> {
  if (opts === null || typeof opts !== "object") throw invalid("opts", "expected AttestOptions");
  const instance = opts.instance ?? DEFAULT_POOL_INSTANCE;
  const chunkSize = chunkSizeOf(instance);
  const { tape, policy, key } = opts;
  if (!key || !(key.privateKey instanceof Uint8Array)) throw invalid("key", "expected an OriginatorKey");
  const report = (p: Omit<AttestProgress, "fraction">, fraction: number): void =>
    opts.onProgress?.({ ...p, fraction });

  requirePoolSize(tape.loans, policy);
  requireAttestable(tape.loans.length, instance);
  report({ stage: "commit", chunksDone: 0, chunkCount: 0 }, 0);
  const commitment =
    opts.commitment ?? (await commitTape(tape, opts.salts ?? randomSalts(tape), { chunkSize }));
  if (commitment.chunkSize !== chunkSize) {
    throw invalid(
      "commitment",
      `made for chunks of ${commitment.chunkSize}, the instance needs ${chunkSize}`,
    );
  }
  const chunkCount = commitment.chunkCount;
  const domain = domainWord(opts.registry, opts.chainId);
  const pHash = await policyHash(policy);
  const signature = await signAttestation(
    key.privateKey,
    await attestationMessage(tape, commitment, opts, policy),
  );
  const ctx = { publicKey: key.publicKey, chainId: opts.chainId, registry: opts.registry };
  const keyHash = await registryKeyHash(key.publicKey, domain);
  // several chunks: committed chunk proofs and one aggregation (nothing finer than the pool is published)
  const committed = chunkCount > 1;
  const proofInstance = committed ? chunkCommitmentInstance(chunkSize) : instance;
  const chunkSalts =
    committed && opts.chunkSaltSeed !== undefined
      ? await deriveChunkSalts(opts.chunkSaltSeed, commitment.root, chunkCount)
      : undefined;
  const vk = await instanceKey(proofInstance);
  // the aggregation's keys too, before any chunk is proven (a missing build is reported now, not after)
  if (committed) await instanceKey(aggregationInstance(chunkCount));
  const attestation = attestationId({
    instance: proofInstance,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    loanCount: tape.loans.length,
    root: commitment.root,
    policyHash: pHash,
    keyHash,
    verificationKey: vk.hash,
  });
  const tasks: ChunkTask[] = [];
  const openings: ChunkOpening[] = [];
  for (let chunkIndex = 0; chunkIndex < chunkCount; chunkIndex++) {
    const { input, publicSignals: expected } = committed
      ? await buildChunkCommitmentInput(
          tape,
          policy,
          commitment,
          signature,
          ctx,
          chunkIndex,
          chunkSize,
          ...(chunkSalts ? [chunkSalts[chunkIndex]!] : []),
        ).then((b) => (openings.push(b.opening), b))
      : await buildPoolInput(tape, policy, commitment, signature, ctx, chunkIndex, chunkSize);
    tasks.push({ index: chunkIndex, id: chunkId(attestation, chunkIndex), input, expected: { ...expected } });
  }

  // the aggregation is proven in this process (one proof), also when the chunks go to workers
  const pool = opts.transport && !committed ? undefined : (opts.pool ?? new ProverPool());
  const store = opts.store ?? new MemoryChunkStore();
  try {
    const stored = await proveChunks(
      { attestation, instance: proofInstance, verificationKey: vk.hash, vkey: vk.vkey, tasks },
      {
        store,
        transport: opts.transport ?? inProcessTransport(pool!),
        signal: opts.signal,
        onProgress: (p) =>
          report(
            {
              stage: "prove",
              chunksDone: p.done,
              chunkCount,
              chunksReused: p.reused,
              etaMs: p.etaMs,
              ...(p.waiting ? { waiting: p.waiting } : {}),
            },
            0.02 + 0.98 * (p.reused / chunkCount + (1 - p.reused / chunkCount) * p.fraction),
          ),
      },
    );
    const chunks: ChunkProof[] = stored.map((c) => ({
      chunkIndex: c.chunkIndex,
      proof: c.proof,
      publicSignals: c.publicSignals,
      solidity: toSolidityProof(c.proof, c.publicSignals),
      witnessMs: c.witnessMs,
      proveMs: c.proveMs,
    }));
    let figures: Figures;
    let aggregation: AggregationProof | undefined;
    if (committed) {
      aggregation = await proveAggregation(pool!, {
        root: commitment.root,
        policyHash: pHash,
        keyHash,
        policy,
        openings: chunks.map((c) => openings[c.chunkIndex]!),
      });
      figures = figuresOf(aggregation.instance, aggregation.publicSignals);
    } else figures = aggregateFigures([figuresOf(instance, chunks[0]!.publicSignals)], policy);
    report({ stage: "done", chunksDone: chunkCount, chunkCount }, 1);
    return {
      commitment,
      openings,
      attestation: {
        format: "rwa-attest/attestation@1",
        instance: proofInstance,
        poolId: tape.poolId,
        period: tape.period,
        asOfDate: tape.asOfDate,
        chainId: opts.chainId,
        registry: opts.registry,
        root: commitment.root,
        policyHash: pHash,
        policy: validatePolicy(policy),
        verificationKey: { hash: vk.hash, development: vk.development },
        publicKey: key.publicKey,
        keyHash,
        chunkCount,
        loanCount: tape.loans.length,
        figures,
        chunks,
        ...(aggregation ? { aggregation } : {}),
      },
    };
  } finally {
    if (pool && !opts.pool) await pool.close();
    if (!opts.store) await store.close();
  }
}

/**
 * Proves a committed pool's aggregation over its chunks' openings in acceptance order (the order the registry
 * chained them: `acceptedChunks` in sdk/vault/registry.ts reads it from the chain), with the smallest built
 * size class that holds them; the proof's public signals are checked against the model's. Use it again with
 * the on-chain order when the chunks were accepted in another order than the attestation lists them.
 */
export async function proveAggregation(
  pool: ProverPool,
  args: {
    root: bigint;
    policyHash: bigint;
    keyHash: bigint;
    policy: Policy;
    openings: readonly ChunkOpening[];
  },
): Promise<AggregationProof> {
  const instance = aggregationInstance(args.openings.length);
  const slots = findInstance(instance).params[0]!;
  const a = await buildAggregationInput(args, slots);
  const r = await proveInstance(pool, instance, a.input);
  const expected = [a.publicSignals.acc, a.publicSignals.figA, a.publicSignals.figB, a.publicSignals.figC];
  if (r.publicSignals.join() !== expected.join())
    throw new Error(
      `${instance}: the proof's public signals are not the model's (${r.publicSignals.join()})`,
    );
  return {
    instance,
    proof: r.proof,
    publicSignals: r.publicSignals,
    solidity: toSolidityProof(r.proof, r.publicSignals),
    witnessMs: r.witnessMs,
    proveMs: r.proveMs,
  };
}

/** The id its chunk jobs and stored chunk proofs are filed under (prover/chunks/). */
export function chunkAttestationId(att: Attestation): string {
  if (!att.verificationKey) throw invalid("attestation", "names no verification key");
  return attestationId({
    instance: att.instance,
    poolId: BigInt(att.poolId),
    period: att.period,
    asOfDate: att.asOfDate,
    loanCount: att.loanCount,
    root: BigInt(att.root),
    policyHash: BigInt(att.policyHash),
    keyHash: BigInt(att.keyHash),
    verificationKey: att.verificationKey.hash,
  });
}

/** The chunk figures a proof's public signals carry. */
export function figuresOf(instance: string, publicSignals: readonly string[]): Figures {
  const entry = findInstance(instance);
  const get = (name: string): bigint => BigInt(publicSignals[signalIndex(entry, name)] as string);
  return unpackFigures(get("figA"), get("figB"), get("figC"));
}

/** What an auditor learns from checking an attestation. */
export interface AttestationCheck {
  valid: boolean;
  /** Why it is not valid (empty when valid); a figure's problem names the field and both values. */
  problems: string[];
  /** The same, structured (`{field, reason}`, the error model's problem shape), one per problem. */
  findings: Problem[];
  /**
   * The pool's figures derived from the verified proofs' public signals (never from the summary): null when
   * a proof does not verify, the chunks are not exactly 0..n-1, or the pool-level breach bits of a
   * multi-chunk attestation cannot be evaluated for want of the policy's parameters.
   */
  figures: Figures | null;
  /** The verification key the proofs were checked against (null when the instance has none). */
  key: (KeyInfo & { instance: string }) | null;
  /** What a valid verdict must not hide: `DEVELOPMENT_KEY_WARNING` when the key is a development key. */
  warnings: string[];
}

/** What `verifyAttestation` checks proofs with: by default this machine's hash-checked build. */
export interface AttestationVerifier {
  /** The instance's verification key, its hash and whether it is a development key; throws if none. */
  key(instance: string): Promise<KeyInfo & { vkey: VerificationKey }>;
  /** True when `proof` verifies for `publicSignals` against the instance's key (malformed input: false). */
  verify(instance: string, publicSignals: string[], proof: unknown): Promise<boolean>;
}

/** The verifier of this machine's build: keys through the hash-checked manifest, snarkjs's Groth16 check. */
export function localVerifier(): AttestationVerifier {
  const keys = new Map<string, ReturnType<typeof instanceKey>>();
  const load = (instance: string): ReturnType<typeof instanceKey> => {
    let k = keys.get(instance);
    if (!k) keys.set(instance, (k = instanceKey(instance)));
    return k;
  };
  return {
    key: load,
    verify: async (instance, publicSignals, proof) =>
      verifyGroth16((await load(instance)).vkey, publicSignals, proof),
  };
}

/**
 * Checks an attestation as an auditor would, trusting none of its summary fields: the auditor's check of
 * verifier-api/web/check-attestation.js (the one implementation, browser-safe: the cryptography is passed
 * in), run here with Node's: the verifier's keys and Groth16 check, circomlibjs's Poseidon, node:crypto's
 * SHA-256. `policy`, when given, must hash to the proven policyHash and is used for the pool-level breach
 * bits of a multi-chunk attestation (else the parameters the attestation carries). Never throws.
 */
export async function verifyAttestation(
  att: Attestation,
  policy?: Policy,
  given?: AttestationVerifier,
): Promise<AttestationCheck> {
  const verifier = given ?? localVerifier();
  const keys = new Map<string, Promise<KeyInfo & { vkey: VerificationKey }>>();
  const key = (instance: string): Promise<KeyInfo & { vkey: VerificationKey }> => {
    let k = keys.get(instance);
    if (!k) keys.set(instance, (k = verifier.key(instance)));
    return k;
  };
  let r: CheckResult;
  try {
    const poseidon = await getPoseidon();
    // the checker verifies each proof against the key it fetched for that proof's instance (the chunks',
    // or a committed attestation's aggregation)
    const instanceOf = new Map<unknown, string>();
    r = await checkAttestation(att, {
      groth16Verify: (vkey, publicSignals, proof) =>
        verifier.verify(String(instanceOf.get(vkey)), publicSignals, proof),
      poseidon: (inputs) => poseidon(inputs),
      fetchVkey: async (i) => {
        const vkey = (await key(i)).vkey as unknown as CheckVerificationKey;
        instanceOf.set(vkey, i);
        return vkey;
      },
      isDevelopmentKey: async (i) => (await key(i)).development,
      keySource: given === undefined ? "the build" : "the service",
      sha256: async (data) => new Uint8Array(createHash("sha256").update(data).digest()),
      ...(policy === undefined ? {} : { policy }),
    });
  } catch (err) {
    // a coded refusal (a malformed key, a policy) keeps its problems; anything else is one finding
    const findings: Problem[] =
      err instanceof CodedError ? err.problems : [{ field: "attestation", reason: (err as Error).message }];
    return {
      valid: false,
      problems: [`malformed attestation: ${(err as Error).message}`],
      findings,
      figures: null,
      key: null,
      warnings: [],
    };
  }
  return {
    valid: r.valid,
    problems: r.problems,
    findings: r.findings,
    figures: r.figures,
    key:
      r.vkeyHash === null ? null : { instance: att.instance, hash: r.vkeyHash, development: r.development },
    warnings: r.warnings,
  };
}

/** An attestation as JSON: bigints become decimal strings (see `parseAttestation` for the way back). */
export function attestationToJson(att: Attestation): string {
  return JSON.stringify(att, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Reads an attestation from JSON text, restoring bigints; throws a TypeError naming a malformed field. */
export function parseAttestation(text: string): Attestation {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw invalid("attestation", `not JSON (${(err as Error).message})`);
  }
  if (raw?.format !== "rwa-attest/attestation@1")
    throw invalid("attestation.format", "expected rwa-attest/attestation@1");
  const big = (name: string, v: unknown): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v))
      throw invalid(`attestation.${name}`, "expected a decimal string");
    return BigInt(v);
  };
  const figures = raw.figures as Record<string, unknown>;
  if (!figures || typeof figures !== "object") throw invalid("attestation.figures", "missing");
  const f = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(figures)) f[k] = typeof v === "string" ? big(`figures.${k}`, v) : v;
  if (!Array.isArray(raw.chunks)) throw invalid("attestation.chunks", "expected an array");
  const pub = raw.publicKey;
  if (!Array.isArray(pub) || pub.length !== 2)
    throw invalid("attestation.publicKey", "expected [Ax, Ay] as decimal strings");
  let policy: Policy | undefined;
  if (raw.policy !== undefined) {
    try {
      policy = validatePolicy(raw.policy);
    } catch (err) {
      throw within("attestation.", err);
    }
  }
  const vk = raw.verificationKey as Record<string, unknown> | undefined;
  if (
    vk !== undefined &&
    (vk === null ||
      typeof vk !== "object" ||
      typeof vk.hash !== "string" ||
      !/^0x[0-9a-f]{64}$/.test(vk.hash) ||
      typeof vk.development !== "boolean")
  )
    throw invalid("attestation.verificationKey", "expected {hash: 0x + 64 hex digits, development: boolean}");
  return {
    ...(raw as unknown as Attestation),
    ...(policy === undefined ? {} : { policy }),
    poolId: big("poolId", raw.poolId),
    chainId: big("chainId", raw.chainId),
    root: big("root", raw.root),
    policyHash: big("policyHash", raw.policyHash),
    publicKey: [big("publicKey[0]", pub[0]), big("publicKey[1]", pub[1])],
    keyHash: big("keyHash", raw.keyHash),
    figures: f as unknown as Figures,
  };
}
