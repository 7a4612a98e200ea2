/**
 * A world for contract tests with real pool attestation proofs: the registry with the build's generated
 * verifier of a pool instance, a policy, one originator key (a real EdDSA key, as the prover signs with),
 * a tranche vault with funded users, all deployed through deploy/index.ts; proofs come from the prover
 * (`attestPool`) over synthetic tapes made by {@link poolTape}. One worker pool proves every attestation.
 */
import hre from "hardhat";
import type { Contract, TransactionReceipt } from "ethers";
import { attestPool, type Attestation, type ChunkProof } from "../../prover/attest.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash, type Policy } from "../../prover/policy/index.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { LoanStatus, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { assertValidTape } from "../../prover/tape/validate.ts";
import { pascalName } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  DEFAULT_VAULT_CONFIG,
  deployRegistry,
  deployTestStablecoin,
  deployVault,
  deployVerifier,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
  type VaultConfig,
} from "../../deploy/index.ts";
import { submitAggregation, submitAttestation, submitChunkCommitment } from "../../sdk/index.ts";
import type { PoolFigures } from "../../sdk/index.ts";
import { DAY, type Ethers, type HardhatSigner } from "./helpers.ts";

/** The pool instance proven here (8-loan chunks: cheap proofs) and its generated verifier contract. */
export const POOL_INSTANCE = "pool-attestation-8";
export const POOL_VERIFIER = "PoolAttestation8Verifier";
export const CHUNK_SIZE = 8;
/** The committed path's instances for pools of several 8-loan chunks (at most 4: the test aggregation). */
export const CHUNK_INSTANCE = "pool-chunk-commitment-8";
export const AGGREGATION_INSTANCE = "pool-aggregation-4";

/** True when the instance's keys are built (`npm run build -- --use test`). */
export const poolInstanceBuilt = (): boolean => readManifest().instances[POOL_INSTANCE] !== undefined;

/** The registered policy: the limits of test/contracts/helpers.ts's POLICY, but no minimum pool balance. */
export const TEST_POLICY: Policy = {
  minCreditScore: 600,
  maxDaysPastDue: 90,
  maxLtvBps: 9_000,
  maxBucket30Bps: 1_500,
  maxBucket60Bps: 1_000,
  maxBucket90Bps: 500,
  maxConcentrationBps: 2_500,
  minPoolBalance: 0n,
  minActiveLoans: 4, // the worlds' tapes are 8-12 loans; the minimum itself: test/circuits/min-pool.test.ts
};

export const USD = 1_000_000n;

/** A change to one loan of a {@link poolTape}. */
export type LoanEdit = Partial<
  Pick<LoanRecord, "status" | "daysPastDue" | "creditScore" | "outstandingBalance">
>;

/**
 * A synthetic tape (prover/tape/synthetic.ts) of performing, unsecured loans made uniform enough to pass
 * TEST_POLICY and the default vault limits: balances of about 10,000.00 each, scores of at least 650. `edits`
 * then change single loans (by index) to make delinquencies or breaches; the result is validated.
 */
export function poolTape(o: {
  seed: number;
  loans: number;
  poolId: bigint;
  period: number;
  asOfDate: number;
  edits?: Record<number, LoanEdit>;
}): LoanTape {
  const base = generateSyntheticTape({
    seed: o.seed,
    loans: o.loans,
    poolId: o.poolId,
    period: o.period,
    asOfDate: o.asOfDate,
    defaultRate: 0,
    chargeOffRate: 0,
    delinquencyRate: 0,
    repaidRate: 0,
    securedRate: 0,
  });
  const loans = base.loans.map((l, i): LoanRecord => {
    const r: LoanRecord = {
      ...l,
      status: LoanStatus.Performing,
      daysPastDue: 0,
      chargedOffAmount: 0n,
      collateralValue: 0n,
      outstandingBalance: 1_000_000n + BigInt(i) * 1_000n,
      creditScore: Math.max(l.creditScore, 650),
      ...o.edits?.[i],
    };
    if (r.originalPrincipal < r.outstandingBalance) r.originalPrincipal = r.outstandingBalance;
    // a loan cannot be more days past due than it is old
    if (r.originationDate > o.asOfDate - r.daysPastDue) r.originationDate = o.asOfDate - r.daysPastDue;
    return r;
  });
  return assertValidTape({ ...base, loans });
}

/** The prover's figures (small fields as numbers) as the registry's PoolFigures (all bigint). */
export function asPoolFigures(f: Attestation["figures"]): PoolFigures {
  return {
    ...f,
    activeCount: BigInt(f.activeCount),
    minScore: BigInt(f.minScore),
    breaches: BigInt(f.breaches),
  };
}

export interface PoolWorld {
  ethers: Ethers;
  gov: HardhatSigner;
  originator: HardhatSigner;
  relayer: HardhatSigner;
  others: HardhatSigner[];
  registry: Contract;
  /** The registry connected to the relayer (the submitter). */
  relay: Contract;
  verifier: Contract;
  chainId: bigint;
  registryAddress: string;
  key: OriginatorKey;
  /** The key's hash as the registry computed it when the key was proposed. */
  keyHash: bigint;
  policy: Policy;
  policyHash: bigint;
  token: Contract;
  vault: Contract;
  tranches: Contract[];
  users: HardhatSigner[];
  config: VaultConfig;
  /** Proofs made so far (chunks). */
  proofs: number;
  /** The vault connected to `who`. */
  as(who: HardhatSigner): Contract;
  /** Proves a tape with the prover (by default with the world's key and policy, for this registry and chain). */
  prove(
    tape: LoanTape,
    over?: { key?: OriginatorKey; policy?: Policy; chainId?: bigint; registry?: string },
  ): Promise<Attestation>;
  /**
   * Submits one chunk proof as the relayer (to `registry`, default the world's): a one-chunk pool's proof
   * (submitAttestation) or a committed chunk (submitChunkCommitment).
   */
  submit(chunk: ChunkProof, registry?: Contract): Promise<TransactionReceipt>;
  /** Submits a committed attestation's aggregation proof as the relayer, once its chunks are accepted. */
  aggregate(att: Attestation): Promise<TransactionReceipt>;
  /** Calls the generated verifier directly: true when the proof verifies for its public signals. */
  verifies(chunk: ChunkProof): Promise<boolean>;
  /** The latest block's time, seconds. */
  now(): Promise<bigint>;
  /** The latest block's day number (the registry's asOfDate unit). */
  today(): Promise<number>;
  increaseTime(seconds: bigint): Promise<void>;
  /** Closes the prover's worker pool. */
  close(): Promise<void>;
}

/** A registry for committed-chunk tests: no vault, the chunk and aggregation test classes' verifiers. */
export interface CommittedRegistry {
  ethers: Ethers;
  gov: HardhatSigner;
  registry: Contract;
  /** The registry through the relayer's signer (submissions need no role), and that signer. */
  relay: Contract;
  relayer: HardhatSigner;
  /** The two verifiers, as deployed and registered. */
  chunkVerifier: Contract;
  aggregationVerifier: Contract;
  /** The onboarded originator's key. */
  key: OriginatorKey;
  /** The chain's day number (the clock is at its noon). */
  today: number;
  chainId: bigint;
  registryAddress: string;
}

/**
 * Deploys a registry for committed chunks on a fresh day (the clock moved to noon UTC of the next day, as
 * makePoolWorld does): the verifiers of `instances` (default `pool-chunk-commitment-8` and
 * `pool-aggregation-4`), `policies` registered (default TEST_POLICY), one originator onboarded for `pools`.
 */
export async function deployCommittedRegistry(o: {
  pools: bigint[];
  policies?: Policy[];
  instances?: { chunk: string; aggregation: string };
}): Promise<CommittedRegistry> {
  const { chunk, aggregation } = o.instances ?? { chunk: CHUNK_INSTANCE, aggregation: AGGREGATION_INSTANCE };
  const { ethers } = await hre.network.connect();
  const [gov, originator, relayer] = await ethers.getSigners();
  const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number((latest / DAY + 1n) * DAY + DAY / 2n)]);
  await ethers.provider.send("evm_mine", []);
  const registry = await deployRegistry(gov!);
  const chunkVerifier = await deployVerifier(gov!, registry, `${pascalName(chunk)}Verifier`, chunk);
  const aggregationVerifier = await deployVerifier(
    gov!,
    registry,
    `${pascalName(aggregation)}Verifier`,
    aggregation,
  );
  for (const policy of o.policies ?? [TEST_POLICY])
    await registerPolicy(registry, await policyHash(policy), policyParamsInput(policy));
  const key = await generateOriginatorKey();
  await onboardOriginator(
    registry,
    registry.connect(originator!) as Contract,
    { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
    o.pools,
  );
  return {
    ethers,
    gov: gov!,
    registry,
    relay: registry.connect(relayer!) as Contract,
    relayer: relayer!,
    chunkVerifier,
    aggregationVerifier,
    key,
    today: Number(latest / DAY + 1n),
    chainId: (await ethers.provider.getNetwork()).chainId,
    registryAddress: await registry.getAddress(),
  };
}

/**
 * Deploys the world. The chain's clock is first moved to noon (UTC) of the next day, so that day-valued
 * error arguments (today, minAllowed) do not depend on when the test runs.
 */
export async function makePoolWorld(config: VaultConfig = DEFAULT_VAULT_CONFIG): Promise<PoolWorld> {
  const { ethers } = await hre.network.connect();
  const [gov, originator, relayer, ...others] = await ethers.getSigners();
  const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number((latest / DAY + 1n) * DAY + DAY / 2n)]);
  await ethers.provider.send("evm_mine", []);

  const registry = await deployRegistry(gov!, { maxAgeSeconds: config.maxAge });
  const verifier = await deployVerifier(gov!, registry, POOL_VERIFIER, POOL_INSTANCE);
  const built = readManifest().instances;
  for (const [contract, name] of [
    ["PoolChunkCommitment8Verifier", CHUNK_INSTANCE],
    ["PoolAggregation4Verifier", AGGREGATION_INSTANCE],
  ] as const)
    if (built[name] !== undefined) await deployVerifier(gov!, registry, contract, name);
  const policy = TEST_POLICY;
  const pHash = await policyHash(policy);
  await registerPolicy(registry, pHash, policyParamsInput(policy));
  const key = await generateOriginatorKey();
  const keyHash = await onboardOriginator(
    registry,
    registry.connect(originator!) as Contract,
    { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
    [1n, 2n, 3n, 4n],
  );
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const registryAddress = await registry.getAddress();

  const token = await deployTestStablecoin(gov!);
  const { vault, senior, mezzanine, junior } = await deployVault(gov!, {
    asset: await token.getAddress(),
    registry: registryAddress,
    config,
    acceptedPolicies: [pHash],
  });
  const users = others.slice(0, 4);
  const vaultAddress = await vault.getAddress();
  for (const u of users) {
    const t = token.connect(u) as Contract;
    await (await t.getFunction("mint")(await u.getAddress(), 10n ** 9n * USD)).wait();
    await (await t.getFunction("approve")(vaultAddress, 2n ** 255n)).wait();
  }

  const pool = new ProverPool();
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const w: PoolWorld = {
    ethers,
    gov: gov!,
    originator: originator!,
    relayer: relayer!,
    others: others.slice(4),
    registry,
    relay: registry.connect(relayer!) as Contract,
    verifier,
    chainId,
    registryAddress,
    key,
    keyHash,
    policy,
    policyHash: pHash,
    token,
    vault,
    tranches: [senior, mezzanine, junior],
    users,
    config,
    proofs: 0,
    as: (who) => vault.connect(who) as Contract,
    prove: async (tape, over = {}) => {
      const { attestation } = await attestPool({
        tape,
        policy: over.policy ?? policy,
        key: over.key ?? key,
        chainId: over.chainId ?? chainId,
        registry: over.registry ?? registryAddress,
        instance: POOL_INSTANCE,
        pool,
      });
      w.proofs += attestation.chunks.length;
      return attestation;
    },
    submit: (chunk, r = registry) =>
      chunk.publicSignals.length === 5
        ? submitChunkCommitment(
            r.connect(relayer!) as Contract,
            CHUNK_INSTANCE,
            1,
            chunk.proof,
            chunk.publicSignals,
          )
        : submitAttestation(
            r.connect(relayer!) as Contract,
            POOL_INSTANCE,
            1,
            chunk.proof,
            chunk.publicSignals,
          ),
    aggregate: (att) =>
      submitAggregation(
        registry.connect(relayer!) as Contract,
        att.aggregation!.instance,
        1,
        att.aggregation!.proof,
        att.chunks[0]!.publicSignals.slice(0, 4),
        att.aggregation!.publicSignals.slice(1),
      ),
    verifies: async (chunk) =>
      (await verifier.getFunction("verifyProof")(
        chunk.solidity.a,
        chunk.solidity.b,
        chunk.solidity.c,
        chunk.publicSignals.map((s) => BigInt(s)),
      )) as boolean,
    now,
    today: async () => Number((await now()) / DAY),
    increaseTime: async (seconds) => {
      await ethers.provider.send("evm_increaseTime", [Number(seconds)]);
      await ethers.provider.send("evm_mine", []);
    },
    close: () => pool.close(),
  };
  return w;
}
