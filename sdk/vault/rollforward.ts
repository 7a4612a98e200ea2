/**
 * Submitting a proven roll-forward to the RollForwardRegistry (contracts/RollForwardRegistry.sol): each
 * chunk's RollForwardCommitment proof (submitChunk), then the RollForwardAggregation proof (submitAggregation),
 * whose `acc` the registry supplies from the chunks it chained.
 */
import type { BaseContract, TransactionReceipt } from "ethers";
import { rollForwardRegistryAt } from "../contracts/roll-forward-registry.ts";
import { registryCircuitId, toSolidityGroth16, type SnarkjsProof } from "./registry.ts";
import { invalid } from "../../verifier-api/web/errors.js";

const big = (xs: readonly (string | bigint)[]): bigint[] => xs.map((x) => BigInt(x));

/** Submits one roll-forward chunk proof (public: prevRoot, root, pool, maxAdjustment, flowCommit, rfCommit). */
export async function submitRollForwardChunk(
  registry: BaseContract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  publicSignals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (publicSignals.length !== 6)
    throw invalid("publicSignals", "expected 6 public signals", publicSignals.length);
  const tx = await rollForwardRegistryAt(registry.target, registry.runner).submitChunk(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    big(publicSignals) as [bigint, bigint, bigint, bigint, bigint, bigint],
  );
  return (await tx.wait()) as TransactionReceipt;
}

/**
 * Submits a roll-forward's aggregation proof once every chunk is accepted: `context` = (prevRoot, root, pool
 * word, maxAdjustment) the chunks share, `totals` = the pool's (rfA, rfB, rfC).
 */
export async function submitRollForwardAggregation(
  registry: BaseContract,
  circuitName: string,
  version: number,
  proof: SnarkjsProof,
  context: readonly (string | bigint)[],
  totals: readonly (string | bigint)[],
): Promise<TransactionReceipt> {
  if (context.length !== 4) throw invalid("context", "expected 4 values", context.length);
  if (totals.length !== 3) throw invalid("totals", "expected 3 words", totals.length);
  const tx = await rollForwardRegistryAt(registry.target, registry.runner).submitAggregation(
    registryCircuitId(circuitName),
    version,
    toSolidityGroth16(proof),
    big(context) as [bigint, bigint, bigint, bigint],
    big(totals) as [bigint, bigint, bigint],
  );
  return (await tx.wait()) as TransactionReceipt;
}
