/**
 * Shared set-up of the contract tests: deploys through deploy/index.ts and produces real proofs.
 *
 * A pool of several chunks goes through the registry's committed path (submitChunkCommitment, then
 * submitAggregation): the world proves its chunks and aggregation with the stand-in circuits of five and four
 * public inputs (test/contracts/fixtures/stand-in.ts), whose verifiers it registers on first use.
 *
 * PROOF SOURCE: the tests prove with the stand-in circuit until the pool attestation circuit lands. To switch
 * to real pool proofs, replace `PROOF_SOURCE` below with the pool instance (its generated verifier contract,
 * its catalogue name and a `prove(signals, ctx)` that runs the prover on a tape giving those figures).
 */
import hre from "hardhat";
import { buildBabyjub, buildPoseidon } from "circomlibjs";
import type { Contract, TransactionReceipt } from "ethers";
import {
  deployContract,
  deployRegistry,
  deployVerifier,
  onboardOriginator,
  registerPolicy,
  circuitId,
  type PolicyParamsInput,
} from "../../deploy/index.ts";
import { packDomain, packFigures, packPool, type PoolFigures } from "../../sdk/index.ts";
import { toSolidityGroth16 } from "../../sdk/index.ts";
import {
  STAND_IN_AGGREGATION,
  STAND_IN_CHUNK_COMMITMENT,
  proveStandIn,
  type ProofWithSignals,
} from "./fixtures/stand-in.ts";

export const PROOF_SOURCE: ProofSource = {
  verifierContract: "StandInPoolVerifier",
  circuitName: "stand-in-pool",
  prove: (ctx) => proveStandIn(ctx.signals),
};

/** Where the tests' proofs come from: a verifier contract, its catalogue name, and a prover. */
export interface ProofSource {
  verifierContract: string;
  circuitName: string;
  /** A real proof whose public signals are `ctx.signals` (all context fields are resolved). */
  prove(ctx: Required<AttestContext> & { signals: bigint[] }): Promise<ProofWithSignals>;
}

/** The catalogue names under which the world registers the committed path's stand-in verifiers. */
export const CHUNK_CIRCUIT = "stand-in-chunk-commitment";
export const AGGREGATION_CIRCUIT = "stand-in-aggregation";
/** The registry's verifier kinds (AttestationRegistry.KIND_*). */
export const KIND_CHUNK_COMMITMENT = 1;
export const KIND_POOL_AGGREGATION = 2;

export type Ethers = Awaited<ReturnType<typeof hre.network.connect>>["ethers"];
export type HardhatSigner = Awaited<ReturnType<Ethers["getSigners"]>>[number];

export const DAY = 86_400n;

/**
 * Takes an EVM snapshot of the chain as it is now and returns the function that puts the chain back to it:
 * what a file fixture gives each test that changes the chain (a snapshot is used up by reverting to it, so it
 * is taken again after each revert).
 */
export async function chainSnapshot(ethers: Ethers): Promise<() => Promise<void>> {
  const send = (m: string, p: unknown[]) => ethers.provider.send(m, p);
  let snapshot = (await send("evm_snapshot", [])) as string;
  return async () => {
    if ((await send("evm_revert", [snapshot])) !== true)
      throw new Error(`evm_revert refused snapshot ${snapshot}`);
    snapshot = (await send("evm_snapshot", [])) as string;
  };
}

export const POLICY: PolicyParamsInput = {
  minCreditScore: 550n,
  maxDaysPastDue: 120n,
  maxLtvBps: 9_000n,
  maxBucket30Bps: 1_500n,
  maxBucket60Bps: 1_000n,
  maxBucket90Bps: 500n,
  maxConcentrationBps: 2_500n,
  minPoolBalance: 1_000_000_000n,
  minActiveLoans: 10n,
};

/** Figures of a healthy pool of `outstanding` minor units. */
export function healthyFigures(outstanding = 10_000_000_000n, over: Partial<PoolFigures> = {}): PoolFigures {
  return {
    outstanding,
    scheduled: outstanding / 50n,
    collected: outstanding / 50n,
    bucket30: outstanding / 100n,
    bucket60: outstanding / 200n,
    bucket90: 0n,
    defaulted: 0n,
    chargedOff: 0n,
    scoreWeightedBalance: outstanding * 700n,
    maxLoanBalance: outstanding / 100n,
    activeCount: 500n,
    minScore: 600n,
    breaches: 0n,
    ...over,
  };
}

let poseidonP: Promise<{ hash: (xs: bigint[]) => bigint }> | undefined;
/** Poseidon over field elements (circomlibjs). */
export function poseidon(): Promise<{ hash: (xs: bigint[]) => bigint }> {
  poseidonP ??= buildPoseidon().then((p) => ({ hash: (xs: bigint[]) => BigInt(p.F.toString(p(xs))) }));
  return poseidonP;
}

/** A Baby Jubjub public key from a small private scalar. */
export async function babyKey(seed: bigint): Promise<{ ax: bigint; ay: bigint }> {
  const bj = await buildBabyjub();
  const pub = bj.mulPointEscalar(bj.Base8, seed);
  return { ax: BigInt(bj.F.toString(pub[0])), ay: BigInt(bj.F.toString(pub[1])) };
}

/** The key's hash in a registry on a chain, Poseidon(Ax, Ay, domain) (docs/INTERFACES.md). */
export async function keyHashIn(
  k: { ax: bigint; ay: bigint },
  registry: string,
  chainId: bigint,
): Promise<bigint> {
  return (await poseidon()).hash([k.ax, k.ay, packDomain(registry, chainId)]);
}

/** policyHash = Poseidon(2, params...) as in docs/INTERFACES.md (an independent copy of the rule). */
export async function policyHash(p: PolicyParamsInput): Promise<bigint> {
  return (await poseidon()).hash([
    2n,
    p.minCreditScore,
    p.maxDaysPastDue,
    p.maxLtvBps,
    p.maxBucket30Bps,
    p.maxBucket60Bps,
    p.maxBucket90Bps,
    p.maxConcentrationBps,
    p.minPoolBalance,
    p.minActiveLoans,
  ]);
}

/** A Groth16 proof in the Solidity calldata layout (pi_b coordinates swapped). */
export const solidityProof = toSolidityGroth16;

/** The context of one attestation; unset fields default to the world's. */
export interface AttestContext {
  poolId: bigint;
  period: bigint;
  asOfDate?: bigint;
  chunkIndex?: bigint;
  chunkCount?: bigint;
  /** The committed loan count of the whole tape (default 0, what real proofs carry until the circuit does). */
  loanCount?: bigint;
  figures?: PoolFigures;
  root?: bigint;
  /** The registry and chain the proof is made for: they enter the default keyHash. */
  registry?: string;
  chainId?: bigint;
  policyHash?: bigint;
  /** Default: the world key's hash for `registry` and `chainId`. */
  keyHash?: bigint;
}

export interface World {
  ethers: Ethers;
  gov: HardhatSigner;
  originator: HardhatSigner;
  others: HardhatSigner[];
  registry: Contract;
  asOriginator: Contract;
  chainId: bigint;
  key: { ax: bigint; ay: bigint; keyHash: bigint };
  policyHash: bigint;
  circuitId: string;
  /** Signals for a context (defaults filled from the world and the latest block). */
  signals(ctx: AttestContext): Promise<bigint[]>;
  /** A real proof for a context. */
  attest(ctx: AttestContext): Promise<ProofWithSignals>;
  /** Submits a proof to the registry (as `from`, default a third party). */
  submit(p: ProofWithSignals, from?: HardhatSigner): Promise<unknown>;
  /**
   * A real stand-in PoolChunkCommitment proof for a context: public signals root, pool, policyHash, keyHash
   * and `figCommit` (default: Poseidon of the context's figure words and pool word, a stand-in commitment).
   */
  commitChunk(ctx: AttestContext & { figCommit?: bigint }): Promise<ProofWithSignals>;
  /** Submits a chunk proof with submitChunkCommitment (default: the stand-in chunk verifier, version 1). */
  submitChunk(
    p: ProofWithSignals,
    o?: { from?: HardhatSigner; circuit?: string; version?: number },
  ): Promise<TransactionReceipt>;
  /**
   * A real stand-in PoolAggregation proof of the public signals (acc, figA, figB, figC): by default the figure
   * words of `figures` (healthy ones if unset) and the pool's committed `acc` as the registry holds it.
   */
  proveAggregation(o: {
    poolId: bigint;
    acc?: bigint;
    figures?: PoolFigures;
    words?: readonly [bigint, bigint, bigint];
  }): Promise<ProofWithSignals>;
  /**
   * Submits an aggregation proof with submitAggregation: `chunk` is a chunk proof of the batch, whose root,
   * pool word, policy hash and key hash name it (default: the stand-in aggregation verifier, version 1).
   */
  submitAggregation(
    p: ProofWithSignals,
    chunk: ProofWithSignals,
    o?: { from?: HardhatSigner; circuit?: string; version?: number },
  ): Promise<TransactionReceipt>;
  today(): Promise<bigint>;
  increaseTime(seconds: bigint): Promise<void>;
}

/** Deploys the registry and verifier, registers a policy, onboards an originator with pools 1..3. */
export async function makeWorld(maxAgeSeconds = 45n * DAY): Promise<World> {
  const { ethers } = await hre.network.connect();
  const [gov, originator, ...others] = await ethers.getSigners();
  const registry = await deployRegistry(gov!, { maxAgeSeconds });
  await deployVerifier(gov!, registry, PROOF_SOURCE.verifierContract, PROOF_SOURCE.circuitName);
  const pHash = await policyHash(POLICY);
  await registerPolicy(registry, pHash, POLICY);
  const pub = await babyKey(123456789n);
  const asOriginator = registry.connect(originator!) as Contract;
  const keyHash = await onboardOriginator(registry, asOriginator, { ...pub, validFrom: 1 }, [1n, 2n, 3n]);
  const key = { ...pub, keyHash };
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const registryAddress = await registry.getAddress();
  const today = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp) / DAY;
  const increaseTime = async (seconds: bigint) => {
    await ethers.provider.send("evm_increaseTime", [Number(seconds)]);
    await ethers.provider.send("evm_mine", []);
  };
  // asOfDate must increase with every attestation of a pool: by default a pool's next attestation is dated
  // the day after its last recorded one (today for the first), and the chain's clock is advanced to that day
  // when it has not come yet.
  const nextAsOf = async (poolId: bigint): Promise<bigint> => {
    const now = await today();
    const last = BigInt((await registry.getFunction("attestation")(poolId)).asOfDate as bigint);
    if (last === 0n || last < now) return now;
    await increaseTime((last + 1n - now) * DAY);
    return last + 1n;
  };
  const resolve = async (ctx: AttestContext): Promise<Required<AttestContext>> => {
    const where = { registry: ctx.registry ?? registryAddress, chainId: ctx.chainId ?? chainId };
    return {
      poolId: ctx.poolId,
      period: ctx.period,
      asOfDate: ctx.asOfDate ?? (await nextAsOf(ctx.poolId)),
      chunkIndex: ctx.chunkIndex ?? 0n,
      chunkCount: ctx.chunkCount ?? 1n,
      loanCount: ctx.loanCount ?? 0n,
      figures: ctx.figures ?? healthyFigures(),
      root: ctx.root ?? 0x1234567890abcdefn,
      ...where,
      policyHash: ctx.policyHash ?? pHash,
      keyHash: ctx.keyHash ?? (await keyHashIn(pub, where.registry, where.chainId)),
    };
  };
  const signalsOf = (c: Required<AttestContext>) => {
    const [figA, figB, figC] = packFigures(c.figures);
    return [c.root, packPool(c), c.policyHash, c.keyHash, figA, figB, figC];
  };
  const signals = async (ctx: AttestContext) => signalsOf(await resolve(ctx));
  const cid = circuitId(PROOF_SOURCE.circuitName);
  // the committed path's stand-in verifiers, deployed when a test first submits through it (so that the worlds
  // of tests that never do, the gas benchmark's among them, are deployed exactly as before)
  let committed: Promise<void> | undefined;
  const committedPath = () =>
    (committed ??= (async () => {
      for (const [s, name, kind] of [
        [STAND_IN_CHUNK_COMMITMENT, CHUNK_CIRCUIT, KIND_CHUNK_COMMITMENT],
        [STAND_IN_AGGREGATION, AGGREGATION_CIRCUIT, KIND_POOL_AGGREGATION],
      ] as const) {
        const v = await deployContract(gov!, s.contract);
        await (
          await registry.getFunction("addVerifierOfKind")(circuitId(name), 1, await v.getAddress(), kind)
        ).wait();
      }
    })());
  const asSubmitter = (from?: HardhatSigner) => registry.connect(from ?? others[0]!) as Contract;
  return {
    ethers,
    gov: gov!,
    originator: originator!,
    others,
    registry,
    asOriginator,
    chainId,
    key,
    policyHash: pHash,
    circuitId: cid,
    signals,
    attest: async (ctx) => {
      const c = await resolve(ctx);
      return PROOF_SOURCE.prove({ ...c, signals: signalsOf(c) });
    },
    submit: async (p, from) => {
      const r = registry.connect(from ?? others[0]!) as Contract;
      const tx = await r.getFunction("submitAttestation")(cid, 1, solidityProof(p.proof), p.publicSignals);
      return tx.wait();
    },
    commitChunk: async (ctx) => {
      const [root, pool, policy, keyHash, figA, figB, figC] = signalsOf(await resolve(ctx)) as [
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
      ];
      const figCommit = ctx.figCommit ?? (await poseidon()).hash([figA, figB, figC, pool]);
      return proveStandIn([root, pool, policy, keyHash, figCommit], STAND_IN_CHUNK_COMMITMENT);
    },
    submitChunk: async (p, o = {}) => {
      await committedPath();
      const tx = await asSubmitter(o.from).getFunction("submitChunkCommitment")(
        circuitId(o.circuit ?? CHUNK_CIRCUIT),
        o.version ?? 1,
        solidityProof(p.proof),
        p.publicSignals,
      );
      return (await tx.wait()) as TransactionReceipt;
    },
    proveAggregation: async (o) => {
      const acc = o.acc ?? ((await registry.getFunction("committedBatch")(o.poolId)) as bigint[])[5]!;
      const words = o.words ?? packFigures(o.figures ?? healthyFigures());
      return proveStandIn([acc, ...words], STAND_IN_AGGREGATION);
    },
    submitAggregation: async (p, chunk, o = {}) => {
      await committedPath();
      const tx = await asSubmitter(o.from).getFunction("submitAggregation")(
        circuitId(o.circuit ?? AGGREGATION_CIRCUIT),
        o.version ?? 1,
        solidityProof(p.proof),
        chunk.publicSignals.slice(0, 4),
        p.publicSignals.slice(1),
      );
      return (await tx.wait()) as TransactionReceipt;
    },
    today,
    increaseTime,
  };
}

/** Ends snarkjs/ffjavascript worker threads (call in afterAll). */
export async function terminateCurves(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}

/** Awaits `p`, expecting a revert; returns the decoded custom error's name and arguments. */
export async function revertOf(p: Promise<unknown>, c: Contract): Promise<{ name: string; args: unknown[] }> {
  try {
    await p;
  } catch (e) {
    const data = findRevertData(e);
    if (data === undefined) throw e;
    const parsed = c.interface.parseError(data);
    if (parsed === null) throw new Error(`unknown revert data ${data}`, { cause: e });
    return { name: parsed.name, args: [...parsed.args] };
  }
  throw new Error("expected a revert, the call succeeded");
}

function findRevertData(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== "object" || depth > 5) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
  for (const k of ["error", "info", "cause", "data"]) {
    const d = findRevertData(o[k], depth + 1);
    if (d !== undefined) return d;
  }
  return undefined;
}
