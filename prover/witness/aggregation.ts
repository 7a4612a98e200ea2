/**
 * Witness inputs of the committed-chunk path: PoolChunkCommitment (circuits/aggregation/chunk_commitment.circom),
 * a chunk proof that publishes a commitment to its figures, and PoolAggregation
 * (circuits/aggregation/pool_aggregation.circom), the pool's figures from the chunks' openings.
 */
import type { LoanTape } from "../tape/schema.ts";
import type { TapeCommitment } from "../commitment/encoding.ts";
import { randomFieldElement } from "../commitment/encoding.ts";
import type { AttestationSignature } from "../commitment/keys.ts";
import {
  chainCommitments,
  commitmentContext,
  figureCommitment,
  type ChunkOpening,
} from "../commitment/figure-commitment.ts";
import { policyParams, type Policy } from "../policy/index.ts";
import { packPoolWord, unpackPoolWord, type Figures } from "../model/index.ts";
import {
  aggregateChunkWords,
  aggregationSignals,
  type AggregationSignals,
  type ChunkCommitmentSignals,
} from "../model/aggregation.ts";
import { buildPoolInput, type CircuitInput, type ProofContext } from "./index.ts";
import { invalid } from "../../verifier-api/web/errors.js";

const dec = (v: bigint): string => v.toString(10);

/** A chunk-commitment witness input, its public signals, and the opening the aggregation needs (private). */
export interface ChunkCommitmentInput {
  input: CircuitInput;
  publicSignals: ChunkCommitmentSignals;
  opening: ChunkOpening;
}

/**
 * Builds the PoolChunkCommitment(chunkSize) input of chunk `chunkIndex`: the PoolAttestation input (same
 * arguments and checks as `buildPoolInput`) with the figures private, a fresh `salt` (random unless given)
 * and the commitment as the public `figCommit`.
 */
export async function buildChunkCommitmentInput(
  tape: LoanTape,
  policy: Policy,
  commitment: TapeCommitment,
  signature: AttestationSignature,
  ctx: ProofContext,
  chunkIndex: number,
  chunkSize: number,
  salt: bigint = randomFieldElement(),
): Promise<ChunkCommitmentInput> {
  const { input, publicSignals: s } = await buildPoolInput(
    tape,
    policy,
    commitment,
    signature,
    ctx,
    chunkIndex,
    chunkSize,
  );
  const opening: ChunkOpening = { figA: s.figA, figB: s.figB, figC: s.figC, salt, pool: s.pool };
  const figCommit = await figureCommitment(opening, await commitmentContext(s.root, s.policyHash, s.keyHash));
  return {
    input: { ...input, salt: dec(salt), figCommit: dec(figCommit) },
    publicSignals: { root: s.root, pool: s.pool, policyHash: s.policyHash, keyHash: s.keyHash, figCommit },
    opening,
  };
}

/** What the aggregation proves over: the attestation's context and the chunks' openings in acceptance order. */
export interface AggregationArgs {
  root: bigint;
  policyHash: bigint;
  keyHash: bigint;
  policy: Policy;
  /** Every chunk's opening, in the order the registry accepted (and chained) their commitments. */
  openings: readonly ChunkOpening[];
}

export interface AggregationInput {
  input: CircuitInput;
  publicSignals: AggregationSignals;
  /** The pool's figures (the model's aggregate of the openings). */
  figures: Figures;
}

/**
 * Builds the PoolAggregation(slots) input. The openings must be the chunks 0 .. chunkCount - 1 of one pool
 * word (any order, each once) with 1 <= chunkCount <= slots; the pool figures come from the independent
 * model, so a circuit that disagrees with it computes no witness. Throws a TypeError naming what is wrong.
 */
export async function buildAggregationInput(args: AggregationArgs, slots: number): Promise<AggregationInput> {
  const { openings } = args;
  if (!Array.isArray(openings) || openings.length === 0)
    throw invalid("openings", "expected at least one chunk opening");
  if (!Number.isInteger(slots) || slots < openings.length)
    throw invalid("slots", `${String(slots)} cannot hold ${openings.length} chunks`);
  const words = openings.map((o) => unpackPoolWord(o.pool));
  const chunkCount = words[0]!.chunkCount;
  const base = packPoolWord({ ...words[0]!, chunkIndex: 0 });
  const seen = new Set<number>();
  for (const [i, w] of words.entries()) {
    if (packPoolWord({ ...w, chunkIndex: 0 }) !== base)
      throw invalid(`openings[${i}]`, "belongs to another pool word than openings[0]");
    if (w.chunkIndex >= chunkCount || seen.has(w.chunkIndex))
      throw invalid(`openings[${i}]`, `chunk ${w.chunkIndex} is outside 0..${chunkCount - 1} or repeated`);
    seen.add(w.chunkIndex);
  }
  if (seen.size !== chunkCount)
    throw invalid("openings", `${seen.size} chunks given, the pool word has ${chunkCount}`);
  const context = await commitmentContext(args.root, args.policyHash, args.keyHash);
  const commitments = await Promise.all(openings.map((o) => figureCommitment(o, context)));
  const figures = aggregateChunkWords(openings, args.policy);
  const publicSignals = aggregationSignals(await chainCommitments(commitments), figures);
  const pad = (xs: bigint[]): string[] => [...xs, ...Array<bigint>(slots - xs.length).fill(0n)].map(dec);
  const input: CircuitInput = {
    acc: dec(publicSignals.acc),
    figA: dec(publicSignals.figA),
    figB: dec(publicSignals.figB),
    figC: dec(publicSignals.figC),
    root: dec(args.root),
    pool: dec(base),
    policyHash: dec(args.policyHash),
    keyHash: dec(args.keyHash),
    policy: policyParams(args.policy).map(dec),
    chunkFigA: pad(openings.map((o) => o.figA)),
    chunkFigB: pad(openings.map((o) => o.figB)),
    chunkFigC: pad(openings.map((o) => o.figC)),
    salt: pad(openings.map((o) => o.salt)),
    chunkIndex: pad(words.map((w) => BigInt(w.chunkIndex))),
  };
  return { input, publicSignals, figures };
}
