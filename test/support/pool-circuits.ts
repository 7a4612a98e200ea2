/**
 * The pool circuits as typed circuit testers (test/support/circuit-tester.ts), for the suites of
 * test/circuits/: PoolChunk(8) and PoolAttestation(8) (circuits/pool/pool_attestation.circom),
 * PoolChunkCommitment(8) and PoolAggregation(4) (circuits/aggregation/), each with its input signals
 * declared once, and the figures a witness publishes read by name.
 */
import { unpackFigures, type Figures } from "../../prover/model/index.ts";
import { AGGREGATION_SIGNAL_NAMES, CHUNK_COMMITMENT_SIGNAL_NAMES } from "../../prover/model/aggregation.ts";
import { CircuitTester, type Witness } from "./circuit-tester.ts";

/** The chunk size of the test instances, and the slots of the aggregation's. */
export const CHUNK = 8;
export const SLOTS = 4;

/** PoolAttestation's (and PoolChunk's) public inputs, in order (docs/INTERFACES.md). */
export const POOL_PUBLIC = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"] as const;
/** The private inputs of a chunk statement: the chunk's words, the policy, the signature and the paths. */
const CHUNK_PRIVATE = [
  "domain",
  "wA",
  "wB",
  "hId",
  "wV",
  "isEmpty",
  "policy",
  "Ax",
  "Ay",
  "S",
  "R8x",
  "R8y",
  "groupSiblings",
  "siblings",
  "slotGroupSiblings",
  "slotSiblings",
] as const;
const POOL_INPUTS = [...POOL_PUBLIC, ...CHUNK_PRIVATE] as const;
export type PoolInputName = (typeof POOL_INPUTS)[number];
/** The figure words, by name. */
export type FigureWord = "figA" | "figB" | "figC";
export type PoolTester = CircuitTester<PoolInputName, FigureWord | "root">;

const CHUNK_COMMITMENT_INPUTS = [
  ...CHUNK_COMMITMENT_SIGNAL_NAMES,
  "figA",
  "figB",
  "figC",
  "salt",
  ...CHUNK_PRIVATE,
] as const;
export type ChunkCommitmentInputName = (typeof CHUNK_COMMITMENT_INPUTS)[number];
export type ChunkCommitmentTester = CircuitTester<
  ChunkCommitmentInputName,
  (typeof CHUNK_COMMITMENT_SIGNAL_NAMES)[number]
>;

const AGGREGATION_INPUTS = [
  ...AGGREGATION_SIGNAL_NAMES,
  "root",
  "pool",
  "policyHash",
  "keyHash",
  "policy",
  "chunkFigA",
  "chunkFigB",
  "chunkFigC",
  "salt",
  "chunkIndex",
] as const;
export type AggregationInputName = (typeof AGGREGATION_INPUTS)[number];
export type AggregationTester = CircuitTester<
  AggregationInputName,
  (typeof AGGREGATION_SIGNAL_NAMES)[number]
>;

/**
 * PoolChunk(8), the statement both chunk circuits make (its two outputs, activeLoans and chunks, are for
 * the wrappers), or PoolAttestation(8), which adds the one-chunk and minimum-size rules; `chunkSize` for
 * another size (the constraint budget compiles PoolAttestation(256)).
 */
export function compilePool(
  template: "PoolChunk" | "PoolAttestation",
  chunkSize: number = CHUNK,
): Promise<PoolTester> {
  return CircuitTester.compile({
    file: "circuits/pool/pool_attestation.circom",
    template,
    params: [chunkSize],
    publicInputs: POOL_PUBLIC,
    inputs: POOL_INPUTS,
    outputs: ["figA", "figB", "figC", "root"],
  });
}

/** PoolChunkCommitment(8): a chunk proof that publishes a commitment to its figures. */
export function compileChunkCommitment(): Promise<ChunkCommitmentTester> {
  return CircuitTester.compile({
    file: "circuits/aggregation/chunk_commitment.circom",
    template: "PoolChunkCommitment",
    params: [CHUNK],
    publicInputs: CHUNK_COMMITMENT_SIGNAL_NAMES,
    inputs: CHUNK_COMMITMENT_INPUTS,
    outputs: CHUNK_COMMITMENT_SIGNAL_NAMES,
  });
}

/** PoolAggregation(4): the pool's figures from the openings of up to 4 chunk commitments. */
export function compileAggregation(): Promise<AggregationTester> {
  return CircuitTester.compile({
    file: "circuits/aggregation/pool_aggregation.circom",
    template: "PoolAggregation",
    params: [SLOTS],
    publicInputs: AGGREGATION_SIGNAL_NAMES,
    inputs: AGGREGATION_INPUTS,
    outputs: AGGREGATION_SIGNAL_NAMES,
  });
}

/** The figures a witness publishes (figA, figB, figC read by name, unpacked). */
export function figuresOf(
  circuit: { readSignals<N extends string>(w: Witness, names: readonly N[]): Record<N, bigint> },
  w: Witness,
): Figures {
  const { figA, figB, figC } = circuit.readSignals(w, ["figA", "figB", "figC"]);
  return unpackFigures(figA, figB, figC);
}
