/**
 * Witness input of the pool attestation circuit (circuits/pool/pool_attestation.circom) for one chunk:
 * the signal names and shapes circom's witness calculator expects, as decimal strings.
 */
import type { LoanTape } from "../tape/schema.ts";
import { chunkShape, type TapeCommitment } from "../commitment/encoding.ts";
import {
  registryKeyHash,
  domainWord,
  type AttestationSignature,
  type PublicKey,
} from "../commitment/keys.ts";
import { SLOT_TREE_HEIGHT, TREE_HEIGHT, chunkPlace, slotChunkShape } from "../commitment/tree.ts";
import { policyHash, policyParams, type Policy } from "../policy/index.ts";
import { chunkFigures, publicSignals, type PoolPublicSignals } from "../model/index.ts";
import { invalid, requireField } from "../../verifier-api/web/errors.js";

/** Where the attestation is for, and by whom. */
export interface ProofContext {
  /** The originator's public key (its hash is the `keyHash` public input). */
  publicKey: PublicKey;
  /** Chain id of the registry's chain. */
  chainId: bigint;
  /** Address of the registry contract (0x + 40 hex digits). */
  registry: string;
}

/** A circom input: decimal strings, nested as the signal arrays. */
export type CircuitInput = Record<string, string | string[] | string[][]>;

/** The witness input and, for convenience, the public signals it must produce. */
export interface PoolInput {
  input: CircuitInput;
  publicSignals: PoolPublicSignals;
}

const dec = (v: bigint): string => v.toString(10);

/**
 * Builds the witness input of chunk `chunkIndex` (chunks of `chunkSize` loans, a power of two from 4 to
 * 4096; must be the circuit instance's parameter). Figures and breach bits are filled in from the
 * independent model, so a circuit that disagrees with the model fails to compute a witness.
 * Throws a TypeError naming the offending parameter.
 */
export async function buildPoolInput(
  tape: LoanTape,
  policy: Policy,
  commitment: TapeCommitment,
  signature: AttestationSignature,
  ctx: ProofContext,
  chunkIndex: number,
  chunkSize: number,
): Promise<PoolInput> {
  if (tape === null || typeof tape !== "object" || !Array.isArray(tape.loans))
    throw invalid("tape", "expected a LoanTape");
  if (commitment === null || typeof commitment !== "object" || !Array.isArray(commitment.levels))
    throw invalid("commitment", "expected a TapeCommitment");
  if (
    commitment.records.length !== tape.loans.length ||
    commitment.records.some((r, i) => r !== tape.loans[i] && r.loanId !== tape.loans[i]!.loanId)
  ) {
    throw invalid("commitment", "was not made from this tape");
  }
  const { k, m } = chunkShape(chunkSize);
  if (tape.loans.length === 0) throw invalid("tape", "holds no loan (a pool attestation needs at least one)");
  const chunkCount = Math.max(1, Math.ceil(tape.loans.length / chunkSize));
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= chunkCount) {
    throw invalid("chunkIndex", `expected an integer in [0, ${chunkCount - 1}], got ${String(chunkIndex)}`);
  }
  if (chunkCount > 0xffff)
    throw invalid("chunkSize", `${tape.loans.length} loans need ${chunkCount} chunks, more than 65535`);
  if (signature === null || typeof signature !== "object" || !Array.isArray(signature.R8))
    throw invalid("signature", "expected { R8, S }");
  if (ctx === null || typeof ctx !== "object" || !Array.isArray(ctx.publicKey))
    throw invalid("ctx", "expected { publicKey, chainId, registry }");
  const params = policyParams(policy);
  const domain = domainWord(ctx.registry, ctx.chainId);

  const first = chunkIndex * chunkSize;
  const loans = tape.loans.slice(first, first + chunkSize);
  const wA: string[] = [];
  const wB: string[] = [];
  const wV: string[] = [];
  const hId: string[] = [];
  const isEmpty: string[] = [];
  for (let i = 0; i < chunkSize; i++) {
    const e = commitment.encoded[first + i];
    if (i < loans.length && e !== undefined) {
      wA.push(dec(e.wA));
      wB.push(dec(e.wB));
      wV.push(dec(e.wV));
      hId.push(dec(e.hId));
      isEmpty.push("0");
    } else {
      wA.push("0");
      wB.push("0");
      wV.push("0");
      hId.push("0");
      isEmpty.push("1");
    }
  }
  // The chunk's place in the leaf tree and in the slot tree (docs/ENCODING.md).
  const leafPlace = chunkPlace(commitment.levels, k, m, chunkIndex, TREE_HEIGHT);
  const slot = slotChunkShape(k, m);
  const slotPlace = chunkPlace(commitment.slotLevels, slot.k, slot.m, chunkIndex, SLOT_TREE_HEIGHT);

  const signals = publicSignals({
    root: requireField("commitment.root", commitment.root),
    pool: {
      poolId: tape.poolId,
      period: tape.period,
      asOfDate: tape.asOfDate,
      chunkIndex,
      chunkCount,
      loanCount: tape.loans.length,
    },
    policyHash: await policyHash(policy),
    keyHash: await registryKeyHash(ctx.publicKey, domain),
    figures: chunkFigures(loans, policy),
  });
  const input: CircuitInput = {
    root: dec(signals.root),
    pool: dec(signals.pool),
    policyHash: dec(signals.policyHash),
    keyHash: dec(signals.keyHash),
    figA: dec(signals.figA),
    figB: dec(signals.figB),
    figC: dec(signals.figC),
    domain: dec(domain),
    wA,
    wB,
    wV,
    hId,
    isEmpty,
    policy: params.map(dec),
    Ax: dec(requireField("ctx.publicKey[0]", ctx.publicKey[0])),
    Ay: dec(requireField("ctx.publicKey[1]", ctx.publicKey[1])),
    S: dec(requireField("signature.S", signature.S)),
    R8x: dec(requireField("signature.R8[0]", signature.R8[0])),
    R8y: dec(requireField("signature.R8[1]", signature.R8[1])),
    groupSiblings: leafPlace.group,
    siblings: leafPlace.path,
    slotGroupSiblings: slotPlace.group,
    slotSiblings: slotPlace.path,
  };
  return { input, publicSignals: signals };
}
