/**
 * Shared on-chain set-up of the score tests: an AttestationRegistry with the real pool-attestation-8
 * verifier, a policy and an originator, the ProviderRegistry, ScoreAttestations with the score-backing-8
 * verifier, and a way to record a real pool attestation (prover/attest.ts) for a tape.
 */
import hre from "hardhat";
import type { Contract } from "ethers";
import { attestPool, type Attestation } from "../../prover/attest.ts";
import type { TapeCommitment } from "../../prover/commitment/encoding.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  deployRegistry,
  deployScores,
  deployVerifier,
  onboardOriginator,
  registerPolicy,
  policyParamsInput,
} from "../../deploy/index.ts";
import { submitAggregation, submitAttestation, submitChunkCommitment } from "../../sdk/index.ts";

export const POOL_INSTANCE = "pool-attestation-8";
export const SCORE_INSTANCE = "score-backing-8";

/** True when the instances the on-chain score tests prove with are built. */
export function instancesBuilt(...names: string[]): boolean {
  const m = readManifest();
  return [POOL_INSTANCE, SCORE_INSTANCE, ...names].every((n) => m.instances[n] !== undefined);
}

type Ethers = Awaited<ReturnType<typeof hre.network.connect>>["ethers"];
export type Signer = Awaited<ReturnType<Ethers["getSigners"]>>[number];

export interface ScoreWorld {
  /** The network connection everything is deployed on (each hre.network.connect() is a new chain). */
  ethers: Ethers;
  signers: Signer[];
  gov: Signer;
  chainId: bigint;
  today: number;
  registry: Contract;
  providers: Contract;
  scores: Contract;
  originatorKey: OriginatorKey;
  /** Proves and records the pool attestation of a tape (its commitment's salts, chunks of 8). */
  attest(tape: LoanTape, commitment: TapeCommitment): Promise<void>;
  /** Proves the pool attestation of a tape, for `record` (a proof depends on no state of the chain). */
  prove(tape: LoanTape, commitment: TapeCommitment): Promise<Attestation>;
  /** Records a proven pool attestation: its chunks, then its aggregation if it has one. */
  record(attestation: Attestation): Promise<void>;
}

export async function makeScoreWorld(poolIds: bigint[], maxScoreAgeDays = 30): Promise<ScoreWorld> {
  const { ethers } = await hre.network.connect();
  const signers = await ethers.getSigners();
  const gov = signers[0]!;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const today = Number(BigInt((await ethers.provider.getBlock("latest"))!.timestamp) / 86_400n);
  const registry = await deployRegistry(gov);
  await deployVerifier(gov, registry, "PoolAttestation8Verifier", POOL_INSTANCE);
  // pools of more than one chunk are proven on the committed path: chunk commitments and their aggregation
  await deployVerifier(gov, registry, "PoolChunkCommitment8Verifier", "pool-chunk-commitment-8");
  await deployVerifier(gov, registry, "PoolAggregation4Verifier", "pool-aggregation-4");
  await registerPolicy(registry, await policyHash(TEST_POLICY), policyParamsInput(TEST_POLICY));
  const originatorKey = await generateOriginatorKey();
  await onboardOriginator(
    registry,
    registry.connect(signers[1]!) as Contract,
    {
      ax: originatorKey.publicKey[0],
      ay: originatorKey.publicKey[1],
      validFrom: 1,
    },
    poolIds,
  );
  const { providers, scores } = await deployScores(gov, {
    registry: await registry.getAddress(),
    verifiers: [["ScoreBacking8Verifier", SCORE_INSTANCE]],
    maxScoreAgeDays,
  });
  const registryAddress = await registry.getAddress();
  const prove = async (tape: LoanTape, commitment: TapeCommitment): Promise<Attestation> =>
    (
      await attestPool({
        tape,
        policy: TEST_POLICY,
        key: originatorKey,
        chainId,
        registry: registryAddress,
        instance: POOL_INSTANCE,
        commitment,
      })
    ).attestation;
  const record = async (attestation: Attestation): Promise<void> => {
    const relayer = registry.connect(signers[3]!) as Contract;
    const agg = attestation.aggregation;
    if (!agg) {
      for (const c of attestation.chunks)
        await submitAttestation(relayer, attestation.instance, 1, c.proof, c.publicSignals);
      return;
    }
    // chunks in the order listed (the order the aggregation chains them in), then the aggregation
    for (const c of attestation.chunks)
      await submitChunkCommitment(relayer, attestation.instance, 1, c.proof, c.publicSignals);
    const first = attestation.chunks[0]!.publicSignals;
    await submitAggregation(
      relayer,
      agg.instance,
      1,
      agg.proof,
      first.slice(0, 4),
      agg.publicSignals.slice(1),
    );
  };
  return {
    ethers,
    signers,
    gov,
    chainId,
    today,
    registry,
    providers,
    scores,
    originatorKey,
    attest: async (tape, commitment) => record(await prove(tape, commitment)),
    prove,
    record,
  };
}
