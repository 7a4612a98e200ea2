/**
 * One reporting period's attestation of a pool, end to end: commit the tape, sign the attestation message,
 * build each chunk's witness input, prove every chunk in the worker pool (in parallel up to the pool's
 * concurrency), check each proof's public signals against the independent model, and aggregate the figures.
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
import { aggregateFigures, unpackFigures, unpackPoolWord, type Figures } from "./model/index.ts";
import { policyHash, type Policy } from "./policy/index.ts";
import {
  ProverPool,
  proveInstance,
  toSolidityProof,
  verifyGroth16,
  loadVerificationKey,
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
  /** Worker pool to prove in (default: a pool made and closed for this call). */
  pool?: ProverPool;
  onProgress?: (p: AttestProgress) => void;
}

export interface AttestProgress {
  stage: "commit" | "prove" | "done";
  chunksDone: number;
  chunkCount: number;
  /** Fraction of the whole attestation, 0..1. */
  fraction: number;
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

  const pool = opts.pool ?? new ProverPool();
  const fractions = new Array<number>(chunkCount).fill(0);
  let done = 0;
  try {
    const chunks = await Promise.all(
      Array.from({ length: chunkCount }, async (_, chunkIndex): Promise<ChunkProof> => {
        const { input, publicSignals: expected } = await buildPoolInput(
          tape,
          policy,
          commitment,
          signature,
          ctx,
          chunkIndex,
          chunkSize,
        );
        const result = await proveInstance(pool, instance, input, (p) => {
          fractions[chunkIndex] = p.fraction;
          const total = fractions.reduce((a, b) => a + b, 0) / chunkCount;
          report({ stage: "prove", chunksDone: done, chunkCount }, 0.02 + 0.98 * total);
        });
        const entry = findInstance(instance);
        for (const [name, value] of Object.entries(expected)) {
          const got = result.publicSignals[signalIndex(entry, name)];
          if (got !== value.toString()) {
            throw new Error(`chunk ${chunkIndex}: public signal ${name} is ${got}, the model says ${value}`);
          }
        }
        done++;
        return {
          chunkIndex,
          proof: result.proof,
          publicSignals: result.publicSignals,
          solidity: toSolidityProof(result.proof, result.publicSignals),
          witnessMs: result.witnessMs,
          proveMs: result.proveMs,
        };
      }),
    );
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
        publicKey: key.publicKey,
        keyHash: await registryKeyHash(key.publicKey, domain),
        chunkCount,
        loanCount: tape.loans.length,
        figures,
        chunks,
      },
    };
  } finally {
    if (!opts.pool) await pool.close();
  }
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
  /** Why it is not valid (empty when valid). */
  problems: string[];
}

/**
 * Checks an attestation as an auditor would, without trusting its summary fields: every chunk proof
 * verifies against the instance's hash-checked verification key, the chunks are exactly 0..n-1, and every
 * chunk carries the attestation's root, pool, period, policy and key hash, which must be the hash of the
 * attestation's public key for its registry and chain. Figures are recomputed from
 * the proofs' public signals and must match the summary.
 */
export async function verifyAttestation(att: Attestation, policy?: Policy): Promise<AttestationCheck> {
  try {
    return await checkAttestation(att, policy);
  } catch (err) {
    // A malformed field deep inside (a null chunk, a non-numeric signal) is a refusal, never a crash.
    return { valid: false, problems: [`malformed attestation: ${(err as Error).message}`] };
  }
}

async function checkAttestation(att: Attestation, policy?: Policy): Promise<AttestationCheck> {
  const problems: string[] = [];
  if (att === null || typeof att !== "object" || !Array.isArray(att.chunks)) {
    return { valid: false, problems: ["not an attestation"] };
  }
  if (!Number.isInteger(att.chunkCount) || att.chunkCount < 1)
    problems.push(`chunkCount: expected a whole number of at least 1, got ${String(att.chunkCount)}`);
  let entry;
  try {
    entry = findInstance(att.instance);
  } catch (err) {
    return { valid: false, problems: [(err as Error).message] };
  }
  const vkey = await loadVerificationKey(att.instance);
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
  for (const c of att.chunks) {
    const where = `chunk ${c.chunkIndex}`;
    if (!(await verifyGroth16(vkey, c.publicSignals, c.proof))) {
      problems.push(`${where}: the proof does not verify`);
      continue;
    }
    const get = (name: string): bigint => BigInt(c.publicSignals[signalIndex(entry, name)] as string);
    const fields = unpackPoolWord(get("pool"));
    if (fields.chunkIndex !== c.chunkIndex) problems.push(`${where}: proves chunk ${fields.chunkIndex}`);
    if (seen.has(fields.chunkIndex)) problems.push(`${where}: duplicate chunk`);
    seen.add(fields.chunkIndex);
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
  if (policy && problems.length === 0) {
    if ((await policyHash(policy)) !== BigInt(att.policyHash))
      problems.push("the policy given is not the attested one");
    else {
      const agg = aggregateFigures(
        att.chunks.map((c) => figuresOf(att.instance, c.publicSignals)),
        policy,
      );
      for (const [k, v] of Object.entries(agg)) {
        const claimed = (att.figures as unknown as Record<string, unknown>)[k];
        if (String(claimed) !== String(v))
          problems.push(`figures.${k}: the proofs say ${v}, the summary says ${String(claimed)}`);
      }
    }
  }
  return { valid: problems.length === 0, problems };
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
  return {
    ...(raw as unknown as Attestation),
    poolId: big("poolId", raw.poolId),
    chainId: big("chainId", raw.chainId),
    root: big("root", raw.root),
    policyHash: big("policyHash", raw.policyHash),
    publicKey: [big("publicKey[0]", pub[0]), big("publicKey[1]", pub[1])],
    keyHash: big("keyHash", raw.keyHash),
    figures: f as unknown as Figures,
  };
}
