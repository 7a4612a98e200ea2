/**
 * A witness input for one chunk of a pool-attestation instance, from a seeded synthetic tape of `loans`
 * loans (default: one full chunk) signed by a fresh originator key: what the native prover's tests and
 * benchmarks/prover.ts prove.
 */
import { commitTape, randomSalts } from "../../prover/commitment/encoding.ts";
import { domainWord, generateOriginatorKey, signAttestation } from "../../prover/commitment/keys.ts";
import { findInstance } from "../../pipeline/catalogue.ts";
import { DEFAULT_POLICY, policyHash } from "../../prover/policy/index.ts";
import { generateSyntheticTape } from "../../prover/tape/index.ts";
import { buildPoolInput, type CircuitInput } from "../../prover/witness/index.ts";

export const CHAIN_ID = 31337n;
export const REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

export async function poolChunkInput(
  instance: string,
  seed: string,
  loans?: number,
): Promise<{ input: CircuitInput; publicSignals: Record<string, bigint> }> {
  const chunkSize = findInstance(instance).params[0] as number;
  const tape = generateSyntheticTape({ seed, loans: loans ?? chunkSize, poolId: 7n });
  const key = await generateOriginatorKey();
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize });
  const signature = await signAttestation(key.privateKey, {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
    domain: domainWord(REGISTRY, CHAIN_ID),
    policyHash: await policyHash(DEFAULT_POLICY),
  });
  const ctx = { publicKey: key.publicKey, chainId: CHAIN_ID, registry: REGISTRY };
  const { input, publicSignals } = await buildPoolInput(tape, DEFAULT_POLICY, commitment, signature, ctx, 0, chunkSize);
  return { input, publicSignals: publicSignals as unknown as Record<string, bigint> };
}
