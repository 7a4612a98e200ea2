/**
 * One reporting period's attestation of a pool, end to end: commit the tape, sign the attestation message,
 * build each chunk's witness input, prove the chunks through the chunk-job life-cycle (prover/chunks/: every
 * proof stored as soon as it is made, stored ones reused; in this process's worker pool, or as pg-boss jobs
 * for `rwa-attest worker` processes), check each proof's public signals against the independent model, and
 * aggregate the figures.
 * `verifyAttestation` is the auditor's side: every chunk proof verifies and all chunks agree on one pool.
 */
import type { Groth16Proof } from "snarkjs";
import { findInstance, signalIndex } from "../pipeline/catalogue.ts";
import { commitTape, randomSalts, type TapeCommitment, type TapeSalts } from "./commitment/encoding.ts";
import {
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
  type ChunkTransport,
} from "./chunks/index.ts";
import { aggregateFigures, BREACH, unpackFigures, unpackPoolWord, type Figures } from "./model/index.ts";
import { policyHash, validatePolicy, type Policy } from "./policy/index.ts";
import {
  DEVELOPMENT_KEY_WARNING,
  instanceKey,
  ProverPool,
  toSolidityProof,
  verifyGroth16,
  type KeyInfo,
  type SolidityProof,
} from "./prove/index.ts";
import type { LoanTape } from "./tape/schema.ts";
import { buildPoolInput } from "./witness/index.ts";

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
  /** Aggregated over all chunks (pool-level covenant bits evaluated on the aggregate). */
  figures: Figures;
  chunks: ChunkProof[];
}

function chunkSizeOf(instance: string): number {
  const entry = findInstance(instance);
  const size = entry.params[0];
  if (entry.template !== "PoolAttestation" || size === undefined) {
    throw new TypeError(`instance: ${instance} is not a pool attestation circuit`);
  }
  return size;
}

/**
 * Proves a pool's attestation for the tape's period. Throws a TypeError naming the parameter on malformed
 * input; rejects with UnsatisfiedInputError if the circuit refuses the witness (which would mean the model
 * and circuit disagree: a bug to report).
 */
export async function attestPool(
  opts: AttestOptions,
): Promise<{ attestation: Attestation; commitment: TapeCommitment }> {
  if (opts === null || typeof opts !== "object") throw new TypeError("opts: expected AttestOptions");
  const instance = opts.instance ?? DEFAULT_POOL_INSTANCE;
  const chunkSize = chunkSizeOf(instance);
  const { tape, policy, key } = opts;
  if (!key || !(key.privateKey instanceof Uint8Array)) throw new TypeError("key: expected an OriginatorKey");
  const report = (p: Omit<AttestProgress, "fraction">, fraction: number): void =>
    opts.onProgress?.({ ...p, fraction });

  report({ stage: "commit", chunksDone: 0, chunkCount: 0 }, 0);
  const commitment =
    opts.commitment ?? (await commitTape(tape, opts.salts ?? randomSalts(tape), { chunkSize }));
  if (commitment.chunkSize !== chunkSize) {
    throw new TypeError(
      `commitment: made for chunks of ${commitment.chunkSize}, the instance needs ${chunkSize}`,
    );
  }
  const chunkCount = commitment.chunkCount;
  const domain = domainWord(opts.registry, opts.chainId);
  const pHash = await policyHash(policy);
  const signature = await signAttestation(key.privateKey, {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount,
    loanCount: tape.loans.length,
    domain,
    policyHash: pHash,
  });
  const ctx = { publicKey: key.publicKey, chainId: opts.chainId, registry: opts.registry };
  const keyHash = await registryKeyHash(key.publicKey, domain);
  const vk = await instanceKey(instance);
  const attestation = attestationId({
    instance,
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
  for (let chunkIndex = 0; chunkIndex < chunkCount; chunkIndex++) {
    const { input, publicSignals: expected } = await buildPoolInput(
      tape,
      policy,
      commitment,
      signature,
      ctx,
      chunkIndex,
      chunkSize,
    );
    tasks.push({ index: chunkIndex, id: chunkId(attestation, chunkIndex), input, expected: { ...expected } });
  }

  const pool = opts.transport ? undefined : (opts.pool ?? new ProverPool());
  const store = opts.store ?? new MemoryChunkStore();
  try {
    const stored = await proveChunks(
      { attestation, instance, verificationKey: vk.hash, vkey: vk.vkey, tasks },
      {
        store,
        transport: opts.transport ?? inProcessTransport(pool!),
        signal: opts.signal,
        onProgress: (p) =>
          report(
            { stage: "prove", chunksDone: p.done, chunkCount, chunksReused: p.reused, etaMs: p.etaMs },
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
    const figures = aggregateFigures(
      chunks.map((c) => figuresOf(instance, c.publicSignals)),
      policy,
    );
    report({ stage: "done", chunksDone: chunkCount, chunkCount }, 1);
    return {
      commitment,
      attestation: {
        format: "rwa-attest/attestation@1",
        instance,
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
      },
    };
  } finally {
    if (pool && !opts.pool) await pool.close();
    if (!opts.store) await store.close();
  }
}

/** The id its chunk jobs and stored chunk proofs are filed under (prover/chunks/). */
export function chunkAttestationId(att: Attestation): string {
  if (!att.verificationKey) throw new TypeError("attestation: names no verification key");
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
  /** The hash of the instance's verification key and whether it is a development key; throws if none. */
  key(instance: string): Promise<KeyInfo>;
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
    key: async (instance) => {
      const { hash, development } = await load(instance);
      return { hash, development };
    },
    verify: async (instance, publicSignals, proof) =>
      verifyGroth16((await load(instance)).vkey, publicSignals, proof),
  };
}

/**
 * Checks an attestation as an auditor would, trusting none of its summary fields: every chunk proof
 * verifies against the instance's verification key, the chunks are exactly 0..n-1, and every chunk carries
 * the attestation's root, pool, period, policy and key hash, which must be the hash of the attestation's
 * public key for its registry and chain. The figures are derived from the proofs' public signals (the
 * pool-level breach bits 3-7 with the policy's parameters: `policy` if given, else those the attestation
 * carries, which must hash to the proven policyHash) and every summary figure must equal its derived value.
 * A one-chunk attestation needs no parameters: its circuit evaluated every bit. The verdict warns when the
 * key is a development key, and the attestation's own `verificationKey` must name the key the proofs verify
 * against.
 */
export async function verifyAttestation(
  att: Attestation,
  policy?: Policy,
  verifier: AttestationVerifier = localVerifier(),
): Promise<AttestationCheck> {
  try {
    return await checkAttestation(att, policy, verifier);
  } catch (err) {
    // A malformed field deep inside (a null chunk, a non-numeric signal) is a refusal, never a crash.
    return {
      valid: false,
      problems: [`malformed attestation: ${(err as Error).message}`],
      figures: null,
      key: null,
      warnings: [],
    };
  }
}

/** A summary figure as given (bigint, number or decimal string), for messages. */
function shown(v: unknown): string {
  return v === undefined ? "nothing" : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** True when a summary value is exactly the derived number (a bigint, a safe integer, or a decimal string). */
function sameNumber(claimed: unknown, derived: bigint | number): boolean {
  let c: bigint;
  if (typeof claimed === "bigint") c = claimed;
  else if (typeof claimed === "number" && Number.isSafeInteger(claimed)) c = BigInt(claimed);
  else if (typeof claimed === "string" && /^(0|[1-9][0-9]{0,77})$/.test(claimed)) c = BigInt(claimed);
  else return false;
  return c === BigInt(derived);
}

/** The names of the breach bits set in `bits`, as "6 concentration, 7 minPoolBalance". */
export function breachBitNames(bits: number): string {
  return Object.entries(BREACH)
    .filter(([, bit]) => (bits & bit) !== 0)
    .map(([name, bit]) => `${Math.log2(bit)} ${name}`)
    .join(", ");
}

/**
 * Compares every summary figure with the figures derived from the proofs; one problem per field that
 * differs (naming the field and both values), and one per summary field that is not a figure.
 */
export function compareFigures(derived: Figures, claimed: unknown): string[] {
  if (claimed === null || typeof claimed !== "object" || Array.isArray(claimed)) return ["figures: missing"];
  const c = claimed as Record<string, unknown>;
  const problems: string[] = [];
  for (const [k, v] of Object.entries(derived) as [keyof Figures, bigint | number][]) {
    if (sameNumber(c[k], v)) continue;
    let detail = "";
    if (k === "breaches" && typeof c[k] === "number" && Number.isSafeInteger(c[k]))
      detail = ` (bits that differ: ${breachBitNames((c[k] as number) ^ (v as number)) || "above bit 7"})`;
    problems.push(`figures.${k}: the proofs say ${v}, the summary says ${shown(c[k])}${detail}`);
  }
  for (const k of Object.keys(c))
    if (!Object.hasOwn(derived, k))
      problems.push(`figures.${k}: not a figure of the proofs (the summary says ${shown(c[k])})`);
  return problems;
}

async function checkAttestation(
  att: Attestation,
  policy: Policy | undefined,
  verifier: AttestationVerifier,
): Promise<AttestationCheck> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const refuse = (p: string[]): AttestationCheck => ({
    valid: false,
    problems: p,
    figures: null,
    key: null,
    warnings,
  });
  if (att === null || typeof att !== "object" || !Array.isArray(att.chunks)) {
    return refuse(["not an attestation"]);
  }
  if (!Number.isInteger(att.chunkCount) || att.chunkCount < 1)
    problems.push(`chunkCount: expected a whole number of at least 1, got ${String(att.chunkCount)}`);
  let entry;
  try {
    entry = findInstance(att.instance);
  } catch (err) {
    return refuse([(err as Error).message]);
  }
  let key: KeyInfo;
  try {
    key = await verifier.key(att.instance);
  } catch (err) {
    return refuse([`instance: no verification key for "${att.instance}" (${(err as Error).message})`]);
  }
  const claimedKey = att.verificationKey as Partial<KeyInfo> | undefined;
  if (key.development || claimedKey?.development === true) warnings.push(DEVELOPMENT_KEY_WARNING);
  if (claimedKey !== undefined) {
    if (claimedKey?.hash !== key.hash)
      problems.push(
        `verificationKey.hash: the attestation names ${shown(claimedKey?.hash)}, its proofs are checked against ${key.hash} (the key of ${att.instance})`,
      );
    else if (claimedKey.development !== key.development)
      problems.push(
        `verificationKey.development: the attestation says ${shown(claimedKey.development)}, the build marks key ${key.hash} ${key.development ? "a development key" : "a production key"}`,
      );
  }
  if (!Number.isInteger(att.loanCount) || att.loanCount < 1)
    problems.push(`loanCount: expected a whole number of at least 1, got ${String(att.loanCount)}`);
  if (att.chunks.length !== att.chunkCount)
    problems.push(`has ${att.chunks.length} chunks, says ${att.chunkCount}`);
  try {
    const domain = domainWord(att.registry, BigInt(att.chainId));
    if ((await registryKeyHash(att.publicKey, domain)) !== BigInt(att.keyHash))
      problems.push("keyHash: is not the hash of publicKey for this registry and chain");
  } catch (err) {
    problems.push((err as Error).message);
  }
  const seen = new Set<number>();
  const chunkFigures = new Map<number, Figures>();
  let allVerify = true;
  let provenPolicyHash: bigint | undefined;
  for (const c of att.chunks) {
    const where = `chunk ${c.chunkIndex}`;
    if (!(await verifier.verify(att.instance, c.publicSignals, c.proof))) {
      problems.push(`${where}: the proof does not verify`);
      allVerify = false;
      continue;
    }
    const get = (name: string): bigint => BigInt(c.publicSignals[signalIndex(entry, name)] as string);
    const fields = unpackPoolWord(get("pool"));
    if (fields.chunkIndex !== c.chunkIndex) problems.push(`${where}: proves chunk ${fields.chunkIndex}`);
    if (seen.has(fields.chunkIndex)) problems.push(`${where}: duplicate chunk`);
    seen.add(fields.chunkIndex);
    chunkFigures.set(fields.chunkIndex, figuresOf(att.instance, c.publicSignals));
    provenPolicyHash ??= get("policyHash");
    if (fields.chunkCount !== att.chunkCount) problems.push(`${where}: proves ${fields.chunkCount} chunks`);
    if (fields.loanCount !== att.loanCount)
      problems.push(
        `${where}: proves ${fields.loanCount} loans, the attestation says ${String(att.loanCount)}`,
      );
    if (fields.poolId !== BigInt(att.poolId)) problems.push(`${where}: is for pool ${fields.poolId}`);
    if (fields.period !== att.period) problems.push(`${where}: is for period ${fields.period}`);
    if (fields.asOfDate !== att.asOfDate) problems.push(`${where}: is as of day ${fields.asOfDate}`);
    if (get("root") !== BigInt(att.root)) problems.push(`${where}: has another tape root`);
    if (get("policyHash") !== BigInt(att.policyHash)) problems.push(`${where}: is under another policy`);
    if (get("keyHash") !== BigInt(att.keyHash))
      problems.push(`${where}: is signed by another key, or for another chain or registry`);
  }

  if (allVerify && Number.isInteger(att.chunkCount) && att.chunkCount >= 1) {
    const missing = [...Array(Math.min(att.chunkCount, 65536)).keys()].filter((i) => !seen.has(i));
    for (const i of missing.slice(0, 8)) problems.push(`chunk ${i}: missing`);
    if (missing.length > 8) problems.push(`and ${missing.length - 8} more chunks missing`);
  }

  // The policy's parameters, checked against the policyHash the proofs carry (the summary's when none does).
  const underHash = provenPolicyHash ?? BigInt(att.policyHash);
  let params: Policy | undefined;
  if (policy !== undefined) {
    const h = await policyHash(policy);
    if (h !== underHash)
      problems.push(
        `the policy given is not the attested one: it hashes to ${h}, the proofs are under ${underHash}`,
      );
    else params = policy;
  }
  if (att.policy !== undefined) {
    let carried: Policy | undefined;
    try {
      carried = validatePolicy(att.policy);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (carried !== undefined) {
      const h = await policyHash(carried);
      if (h !== underHash)
        problems.push(`policy: the parameters hash to ${h}, the proofs are under policyHash ${underHash}`);
      else params ??= carried;
    }
  }

  // Figures, derived once every proof verifies and the chunks are exactly 0..n-1 (other problems, such as
  // a key hash for another registry, do not hide a figure the proofs contradict).
  let figures: Figures | null = null;
  const n = att.chunks.length;
  const complete =
    allVerify && n > 0 && n === att.chunkCount && seen.size === n && [...seen].every((i) => i < n);
  if (complete) {
    const ordered = [...Array(n).keys()].map((i) => chunkFigures.get(i)!);
    if (params !== undefined) figures = aggregateFigures(ordered, params);
    // one chunk: its circuit evaluated every bit, the pool-level ones with the attested policy
    else if (n === 1) figures = ordered[0]!;
    else if (policy === undefined && att.policy === undefined)
      problems.push(
        `policy: the attestation carries no policy parameters, so the pool-level breach bits 3-7 of its ${n} chunks cannot be derived from the proofs (give the policy)`,
      );
    if (figures !== null) problems.push(...compareFigures(figures, att.figures));
  }
  if (problems.length === 0 && figures === null)
    problems.push("figures: could not be derived from the proofs");
  return {
    valid: problems.length === 0,
    problems,
    figures,
    key: { instance: att.instance, ...key },
    warnings,
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
    throw new TypeError(`attestation: not JSON (${(err as Error).message})`);
  }
  if (raw?.format !== "rwa-attest/attestation@1")
    throw new TypeError("attestation.format: expected rwa-attest/attestation@1");
  const big = (name: string, v: unknown): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v))
      throw new TypeError(`attestation.${name}: expected a decimal string`);
    return BigInt(v);
  };
  const figures = raw.figures as Record<string, unknown>;
  if (!figures || typeof figures !== "object") throw new TypeError("attestation.figures: missing");
  const f = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(figures)) f[k] = typeof v === "string" ? big(`figures.${k}`, v) : v;
  if (!Array.isArray(raw.chunks)) throw new TypeError("attestation.chunks: expected an array");
  const pub = raw.publicKey;
  if (!Array.isArray(pub) || pub.length !== 2)
    throw new TypeError("attestation.publicKey: expected [Ax, Ay] as decimal strings");
  let policy: Policy | undefined;
  if (raw.policy !== undefined) {
    try {
      policy = validatePolicy(raw.policy);
    } catch (err) {
      throw new TypeError(`attestation.${(err as Error).message}`);
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
    throw new TypeError(
      "attestation.verificationKey: expected {hash: 0x + 64 hex digits, development: boolean}",
    );
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
