/**
 * Witness input of the roll-forward chunk circuit (circuits/rollforward/rollforward_chunk.circom) for one
 * chunk: the previous and the current tape, each with its commitment, in stable slots (slots.ts): each
 * slot's identity (hId) and state word from both tapes' slot trees. The
 * totals are computed here slot by slot; the circuit recomputes them from the opened words, and the tests
 * compare both with an independent model (test/rollforward/model.ts).
 */
import { invalid } from "../../verifier-api/web/errors.js";
import { chunkShape, type TapeCommitment } from "../commitment/encoding.ts";
import { FIELD_P, getPoseidon } from "../commitment/poseidon.ts";
import { SLOT_TREE_HEIGHT, chunkPlace, slotChunkShape } from "../commitment/tree.ts";
import { ExitCode, LoanStatus, periodFlows, type LoanRecord, type LoanTape } from "../tape/schema.ts";
import { packFlows } from "./flows.ts";
import { ROLLFORWARD_POOL_WORD, packTotals, packWord, zeroTotals, type RollForwardTotals } from "./layout.ts";

/** One period of a pool: its tape (in stable slots) and the originator's commitment to it. */
export interface RollForwardPeriod {
  tape: LoanTape;
  commitment: TapeCommitment;
}

/** The public signals of a roll-forward chunk, by name (layout.ts). */
export interface RollForwardPublicSignals {
  prevRoot: bigint;
  root: bigint;
  pool: bigint;
  maxAdjustment: bigint;
  flowCommit: bigint;
  rfA: bigint;
  rfB: bigint;
  rfC: bigint;
}

/**
 * The private inputs of RollForwardChunk, in the circuit's order: the leaf trees' roots, each slot's
 * identity and state word in both tapes, the new-loan flags, flow words and removals, the flow salt, and the
 * chunk's place in both tapes' slot trees.
 */
export const ROLLFORWARD_PRIVATE_INPUTS = [
  "prevLeafRoot",
  "leafRoot",
  "idP",
  "stP",
  "idN",
  "stN",
  "fresh",
  "wD",
  "removed",
  "flowSalt",
  "prevSlotGroupSiblings",
  "prevSlotSiblings",
  "slotGroupSiblings",
  "slotSiblings",
] as const;

/** A circom input: decimal strings, nested as the signal arrays. */
export type RollForwardCircuitInput = Record<string, string | string[] | string[][]>;

/** The witness input, the public signals it must produce and the chunk's totals. */
export interface RollForwardInput {
  input: RollForwardCircuitInput;
  publicSignals: RollForwardPublicSignals;
  totals: RollForwardTotals;
}

/** Options of {@link buildRollForwardInput}. */
export interface RollForwardOptions {
  chunkIndex: number;
  /** The circuit instance's chunk size (a power of two from 4 to 4096). */
  chunkSize: number;
  /** The policy's bound on one loan's |adjustment| in a period, minor units. */
  maxAdjustment: bigint;
  /** The salt of the chunk's flow commitment (a field element the originator keeps). */
  flowSalt: bigint;
}

const dec = (v: bigint): string => v.toString(10);
const REMOVAL_EXITS = new Set<number>([ExitCode.Sold, ExitCode.Repurchased, ExitCode.ServicingTransfer]);
const outstanding = (r: LoanRecord | undefined): bigint =>
  r === undefined || r.status === LoanStatus.ChargedOff || r.status === LoanStatus.Repaid
    ? 0n
    : r.outstandingBalance;
const EXIT_TOTALS = [
  "exitsPrepaidOrMatured",
  "exitsSold",
  "exitsRepurchased",
  "exitsChargedOff",
  "exitsServicingTransfer",
] as const;

/** The flow commitment of a chunk: Poseidon(flowSalt, w0..w14), then Poseidon(previous, w15..w29), ... */
export async function flowCommitment(flowSalt: bigint, words: readonly bigint[]): Promise<bigint> {
  const poseidon = await getPoseidon();
  let acc = flowSalt;
  for (let c = 0; c * 15 < Math.max(words.length, 1); c++) {
    const block = Array.from({ length: 15 }, (_, j) => words[15 * c + j] ?? 0n);
    acc = poseidon([acc, ...block]);
  }
  return acc;
}

/**
 * Builds the witness input of roll-forward chunk `chunkIndex` from last period (`prev`) to this one (`next`),
 * both in stable slots (slot g is loan g of each tape). A slot holds a new loan when this period's loan id
 * differs from last period's (or the slot was empty). The chunk count covers the longer tape. Throws a
 * TypeError naming a bad parameter; a tape that does not roll forward still gets an input, which the circuit
 * refuses (that is the point of the statement).
 */
export async function buildRollForwardInput(
  prev: RollForwardPeriod,
  next: RollForwardPeriod,
  options: RollForwardOptions,
): Promise<RollForwardInput> {
  const { chunkIndex, chunkSize, maxAdjustment, flowSalt } = options;
  const { k, m } = chunkShape(chunkSize);
  for (const [name, p] of [
    ["prev", prev],
    ["next", next],
  ] as const) {
    if (p.commitment.records.length !== p.tape.loans.length)
      throw invalid(name, "the commitment was not made from this tape");
  }
  const slotCount = Math.max(prev.tape.loans.length, next.tape.loans.length);
  const chunkCount = Math.max(1, Math.ceil(slotCount / chunkSize));
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= chunkCount)
    throw invalid("chunkIndex", `expected an integer in [0, ${chunkCount - 1}]`, chunkIndex);
  if (typeof maxAdjustment !== "bigint" || maxAdjustment < 0n || maxAdjustment >= 1n << 48n)
    throw invalid("maxAdjustment", "expected an amount below 2^48", maxAdjustment);
  if (typeof flowSalt !== "bigint" || flowSalt < 0n || flowSalt >= FIELD_P)
    throw invalid("flowSalt", "expected a field element");

  const names = ["idP", "stP", "idN", "stN", "fresh", "wD", "removed"];
  const arrays: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, [] as string[]]));
  const push = (values: Record<string, bigint>): void => {
    for (const [n, v] of Object.entries(values)) arrays[n]!.push(dec(v));
  };
  const totals = zeroTotals();
  const flowWords: bigint[] = [];
  for (let i = 0; i < chunkSize; i++) {
    const g = chunkIndex * chunkSize + i;
    const p = prev.tape.loans[g];
    const n = next.tape.loans[g];
    const pe = p === undefined ? undefined : prev.commitment.encoded[g]!;
    const ne = n === undefined ? undefined : next.commitment.encoded[g]!;
    const fresh = n !== undefined && (p === undefined || p.loanId !== n.loanId);
    const flows = n === undefined ? periodFlows({}) : periodFlows(n);
    const wD = packFlows(n);
    flowWords.push(wD);
    // The period's movements of this slot.
    const outP = outstanding(p);
    const outN = outstanding(n);
    const coN = n?.status === LoanStatus.ChargedOff ? n.chargedOffAmount : 0n;
    const keptCo = !fresh && p?.status === LoanStatus.ChargedOff ? p.chargedOffAmount : 0n;
    const charged = coN - keptCo;
    const adj = flows.principalAdjustment;
    let removed = 0n;
    if (n !== undefined && !fresh && REMOVAL_EXITS.has(flows.exitCode)) {
      removed = outP - flows.principalCollected + adj - outN - charged;
      if (removed < 0n) removed = 0n; // does not balance: the circuit refuses the slot
    }
    const entry = fresh ? outN + charged + flows.principalCollected - adj : 0n;
    push({
      idP: pe?.hId ?? 0n,
      stP: pe?.state ?? 0n,
      idN: ne?.hId ?? 0n,
      stN: ne?.state ?? 0n,
      fresh: fresh ? 1n : 0n,
      wD,
      removed,
    });
    totals.opening += outP;
    totals.closing += outN;
    totals.principalCollected += flows.principalCollected;
    totals.interestCollected += flows.interestCollected;
    totals.recoveries += flows.recoveries;
    totals.chargedOff += charged;
    if (adj > 0n) totals.adjustmentsUp += adj;
    else totals.adjustmentsDown += -adj;
    totals.originations += entry;
    totals.removedAtExit += removed;
    if (fresh) totals.originationCount += 1n;
    if (flows.exitCode >= 1 && flows.exitCode <= 5) totals[EXIT_TOTALS[flows.exitCode - 1]!] += 1n;
    if (flows.modified) totals.modifiedCount += 1n;
  }
  const slot = slotChunkShape(k, m);
  const prevSlots = chunkPlace(prev.commitment.slotLevels, slot.k, slot.m, chunkIndex, SLOT_TREE_HEIGHT);
  const slots = chunkPlace(next.commitment.slotLevels, slot.k, slot.m, chunkIndex, SLOT_TREE_HEIGHT);
  const pool = packWord(ROLLFORWARD_POOL_WORD, {
    poolId: next.tape.poolId,
    period: BigInt(next.tape.period),
    prevPeriod: BigInt(prev.tape.period),
    asOfDate: BigInt(next.tape.asOfDate),
    prevAsOfDate: BigInt(prev.tape.asOfDate),
    chunkIndex: BigInt(chunkIndex),
    chunkCount: BigInt(chunkCount),
  });
  // A tape that does not roll forward can make a total negative: it is packed as 0, and the circuit refuses
  // the chunk at the rule the tape breaks (checked before the totals).
  const words = packTotals(
    Object.fromEntries(Object.entries(totals).map(([n, v]) => [n, v < 0n ? 0n : v])) as RollForwardTotals,
  );
  const publicSignals: RollForwardPublicSignals = {
    prevRoot: prev.commitment.root,
    root: next.commitment.root,
    pool,
    maxAdjustment,
    flowCommit: await flowCommitment(flowSalt, flowWords),
    ...words,
  };
  const input: RollForwardCircuitInput = {
    ...Object.fromEntries(Object.entries(publicSignals).map(([n, v]) => [n, dec(v)])),
    prevLeafRoot: dec(prev.commitment.leafRoot),
    leafRoot: dec(next.commitment.leafRoot),
    ...arrays,
    flowSalt: dec(flowSalt),
    prevSlotGroupSiblings: prevSlots.group,
    prevSlotSiblings: prevSlots.path,
    slotGroupSiblings: slots.group,
    slotSiblings: slots.path,
  };
  return { input, publicSignals, totals };
}
