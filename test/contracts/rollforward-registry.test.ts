/**
 * The RollForwardRegistry (issue 15, registry side) with real proofs: a pool of 10 to 20 loans attested for
 * three periods through the AttestationRegistry (committed chunks of 8 and their aggregation), its chain
 * anchored at period 1, and the roll-forward from period 1 to 2 (RollForwardCommitment(8) chunk proofs and one
 * RollForwardAggregation(4) proof) made by the prover. The accepted path records the independent model's totals
 * (test/rollforward/model.ts); every refusal names its rule: a previous root that is not the chain's last, a
 * period that is not the pool's current attestation, a replayed chunk, an aggregation before all chunks, totals
 * other than proven, an opening other than the last closing, a closing other than the attested outstanding
 * balance, another adjustment bound, a verifier of the other kind, a forged proof, and anchoring by another
 * account or twice.
 *
 * The proofs and the deployed world are file fixtures; each test runs on a snapshot of the chain taken after
 * periods 1 and 2 are attested and the chain is anchored at period 1, and reverted after it.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import {
  DEFAULT_VAULT_CONFIG,
  circuitId,
  policyParamsInput,
  registerPolicy,
  deployCashReconciler,
  deployContract,
  deployKeyHasher,
} from "../../deploy/index.ts";
import {
  ROLLFORWARD_POOL_WORD,
  ROLLFORWARD_TOTAL_WORDS,
  attestPool,
  commitTape,
  deriveSalts,
  packTotals,
  proveRollForward,
  type Attestation,
  type LoanTape,
  type RollForwardPeriod,
  type RollForwardProof,
  type RollForwardTotals,
  policyHash,
  type Policy,
} from "../../prover/index.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { submitRollForwardAggregation, submitRollForwardChunk } from "../../sdk/index.ts";
import { FIRST_AS_OF, firstTape, nextTape, rng } from "../rollforward/gen.ts";
import { modelRollForward } from "../rollforward/model.ts";
import { revertOf, terminateCurves } from "./helpers.ts";
import { USD, makePoolWorld, type PoolWorld } from "./pool-world.ts";

const SEED = 0x5eed_0f_ba5en;
const MAX_ADJ = 50_000n;
const POOL_ID = 1n;
const CHUNK_INSTANCE = "rollforward-commitment-8";
const AGG_INSTANCE = "rollforward-aggregation-4";
/**
 * A policy that the random tapes meet (no covenant limit but a minimum of one active loan): the vault funds
 * only breach-free pools, and covenants have their own tests.
 */
const LAX_POLICY: Policy = {
  minCreditScore: 0,
  maxDaysPastDue: 65_535,
  maxLtvBps: 0,
  maxBucket30Bps: 10_000,
  maxBucket60Bps: 10_000,
  maxBucket90Bps: 10_000,
  maxConcentrationBps: 10_000,
  minPoolBalance: 0n,
  minActiveLoans: 1,
};

/** The tape with every date moved by `days` (the generator's dates are of 2025; the chain's clock is now). */
function shifted(t: LoanTape, days: number): LoanTape {
  return {
    ...t,
    poolId: POOL_ID,
    asOfDate: t.asOfDate + days,
    loans: t.loans.map((l) => ({
      ...l,
      originationDate: l.originationDate + days,
      maturityDate: l.maturityDate + days,
      scoreDate: l.scoreDate + days,
      ...(l.exitDate ? { exitDate: l.exitDate + days } : {}),
    })),
  };
}

interface World {
  w: PoolWorld;
  rf: Contract;
  periods: RollForwardPeriod[];
  attestations: Attestation[];
  /** The roll-forwards 1 -> 2 and 2 -> 3. */
  roll12: RollForwardProof;
  roll23: RollForwardProof;
  model12: RollForwardTotals;
  model23: RollForwardTotals;
  /** A snapshot after periods 1 and 2 are attested, the chain anchored at 1. */
  base: string;
}

async function makeWorld(): Promise<World> {
  // Limits that a random 12-loan tape meets (the vault's own limits have their own tests): the reconciler is
  // what is under test here.
  const w = await makePoolWorld({
    ...DEFAULT_VAULT_CONFIG,
    maxBucket30Bps: 10_000,
    maxBucket60Bps: 10_000,
    maxBucket90Bps: 10_000,
    maxConcentrationBps: 10_000,
    minAverageScore: 0,
  });
  const gov = await w.gov.getAddress();
  const hasher = await deployKeyHasher(w.gov, 2);
  const rf = await deployContract(w.gov, "RollForwardRegistry", [
    gov,
    w.registryAddress,
    await hasher.getAddress(),
    MAX_ADJ,
  ]);
  for (const [contract, name, kind] of [
    ["RollforwardCommitment8Verifier", CHUNK_INSTANCE, 0],
    ["RollforwardAggregation4Verifier", AGG_INSTANCE, 1],
  ] as const) {
    const v = await deployContract(w.gov, contract);
    await (await rf.getFunction("addVerifier")(circuitId(name), 1, await v.getAddress(), kind)).wait();
  }

  const laxHash = await policyHash(LAX_POLICY);
  await registerPolicy(w.registry, laxHash, policyParamsInput(LAX_POLICY));
  await (await w.vault.getFunction("setPolicyAccepted")(laxHash, true)).wait();
  const today = await w.today();
  const r = rng(21);
  const t1 = shifted(firstTape(r, 12), today - 35 - FIRST_AS_OF);
  const t2 = nextTape(r, t1, MAX_ADJ);
  const t3 = nextTape(r, t2, MAX_ADJ);
  const prover = new ProverPool();
  try {
    const periods = await Promise.all(
      [t1, t2, t3].map(async (tape) => ({
        tape,
        commitment: await commitTape(tape, await deriveSalts(SEED, tape), { chunkSize: 8 }),
      })),
    );
    const attestations: Attestation[] = [];
    for (const p of periods) {
      const { attestation } = await attestPool({
        tape: p.tape,
        policy: LAX_POLICY,
        key: w.key,
        chainId: w.chainId,
        registry: w.registryAddress,
        instance: "pool-attestation-8",
        commitment: p.commitment,
        pool: prover,
      });
      attestations.push(attestation);
    }
    const roll12 = await proveRollForward(periods[0]!, periods[1]!, { maxAdjustment: MAX_ADJ, pool: prover });
    const roll23 = await proveRollForward(periods[1]!, periods[2]!, { maxAdjustment: MAX_ADJ, pool: prover });
    const world: World = {
      w,
      rf,
      periods,
      attestations,
      roll12,
      roll23,
      model12: modelRollForward(t1, t2),
      model23: modelRollForward(t2, t3),
      base: "",
    };
    await attest(world, 0);
    await (await (rf.connect(w.originator) as Contract).getFunction("anchor")(POOL_ID)).wait();
    await attest(world, 1);
    world.base = (await w.ethers.provider.send("evm_snapshot", [])) as string;
    return world;
  } finally {
    await prover.close();
  }
}

/** Submits period i's attestation (its committed chunks and aggregation, or its one proof). */
async function attest(x: World, i: number): Promise<void> {
  const a = x.attestations[i]!;
  for (const c of a.chunks) await x.w.submit(c);
  if (a.aggregation) await x.w.aggregate(a);
}

const relayed = (x: World): Contract => x.rf.connect(x.w.relayer) as Contract;
const submitChunk = (x: World, roll: RollForwardProof, i: number, signals?: string[]) =>
  submitRollForwardChunk(
    relayed(x),
    roll.chunkInstance,
    1,
    roll.chunks[i]!.proof,
    signals ?? roll.chunks[i]!.publicSignals,
  );
const aggregate = (x: World, roll: RollForwardProof, totals?: bigint[]) =>
  submitRollForwardAggregation(
    relayed(x),
    roll.aggregationInstance,
    1,
    roll.aggregation.proof,
    roll.context,
    totals ?? roll.aggregation.publicSignals.slice(1).map(BigInt),
  );
async function rollAll(x: World, roll: RollForwardProof): Promise<void> {
  for (let i = 0; i < roll.chunks.length; i++) await submitChunk(x, roll, i);
  await aggregate(x, roll);
}
const refusal = (x: World, p: Promise<unknown>) => revertOf(p, x.rf);
const words = (roll: RollForwardProof): bigint[] => roll.aggregation.publicSignals.slice(1).map(BigInt);

let shared: Promise<World> | undefined;
const it = test.extend<{ x: World }>({
  x: async ({}, use) => {
    const x = await (shared ??= makeWorld());
    await use(x);
    await x.w.ethers.provider.send("evm_revert", [x.base]);
    x.base = (await x.w.ethers.provider.send("evm_snapshot", [])) as string;
  },
});

afterAll(async () => {
  if (shared) await (await shared).w.close();
  await terminateCurves();
});

describe("RollForwardRegistry: the accepted roll-forward", () => {
  it("the roll-forward proves in more than one chunk", async ({ x }) => {
    expect(x.roll12.chunks.length).toBeGreaterThan(1);
    expect(x.roll12.totals).toEqual(x.model12);
  });

  it("every chunk and the aggregation accepted, the period's recorded totals are the independent model's", async ({
    x,
  }) => {
    await rollAll(x, x.roll12);
    const [recorded, t] = (await x.rf.getFunction("periodTotals")(POOL_ID, x.periods[1]!.tape.period)) as [
      boolean,
      Record<string, bigint>,
    ];
    expect(recorded).toBe(true);
    expect(Number(t.prevPeriod)).toBe(x.periods[0]!.tape.period);
    for (const f of [
      ...ROLLFORWARD_TOTAL_WORDS.rfA,
      ...ROLLFORWARD_TOTAL_WORDS.rfB,
      ...ROLLFORWARD_TOTAL_WORDS.rfC.slice(0, 2),
    ])
      expect(t[f.name], f.name).toBe(x.model12[f.name]);
    const [, a, b, c] = (await x.rf.getFunction("periodWords")(
      POOL_ID,
      x.periods[1]!.tape.period,
    )) as bigint[];
    expect([a, b, c]).toEqual(Object.values(packTotals(x.model12)));
  });

  it("the accepted roll-forward moves the chain to period 2 and the pool is continuous again", async ({
    x,
  }) => {
    expect(await x.rf.getFunction("isContinuous")(POOL_ID)).toBe(false);
    await rollAll(x, x.roll12);
    const c = (await x.rf.getFunction("chain")(POOL_ID)) as Record<string, unknown>;
    expect(c.anchored).toBe(true);
    expect(Number(c.period)).toBe(x.periods[1]!.tape.period);
    expect(c.root).toBe(x.periods[1]!.commitment.root);
    expect(c.closing).toBe(x.model12.closing);
    expect(await x.rf.getFunction("isContinuous")(POOL_ID)).toBe(true);
  });

  it("the chain anchored at period 1 holds its root and its attested outstanding balance (the first opening)", async ({
    x,
  }) => {
    const c = (await x.rf.getFunction("chain")(POOL_ID)) as Record<string, unknown>;
    expect(Number(c.period)).toBe(x.periods[0]!.tape.period);
    expect(c.root).toBe(x.periods[0]!.commitment.root);
    expect(c.closing).toBe(x.model12.opening);
  });
});

describe("RollForwardWord (contracts/libraries/RollForwardWord.sol)", () => {
  it("its pool-word offsets and totals widths are prover/rollforward/layout.ts's", () => {
    const sol = readFileSync("contracts/libraries/RollForwardWord.sol", "utf8");
    const constant = (name: string): number => Number(new RegExp(`${name} = (\\d+);`).exec(sol)?.[1]);
    const offsets: Record<string, number> = {};
    let at = 0;
    for (const f of ROLLFORWARD_POOL_WORD) {
      offsets[f.name] = at;
      at += f.bits;
    }
    expect(constant("POOL_BITS")).toBe(at);
    expect(constant("PERIOD_SHIFT")).toBe(offsets.period);
    expect(constant("PREV_PERIOD_SHIFT")).toBe(offsets.prevPeriod);
    expect(constant("AS_OF_SHIFT")).toBe(offsets.asOfDate);
    expect(constant("PREV_AS_OF_SHIFT")).toBe(offsets.prevAsOfDate);
    expect(constant("CHUNK_INDEX_SHIFT")).toBe(offsets.chunkIndex);
    expect(constant("CHUNK_COUNT_SHIFT")).toBe(offsets.chunkCount);
    const width = (w: readonly { bits: number }[]): number => w.reduce((s, f) => s + f.bits, 0);
    expect(constant("RF_A_BITS")).toBe(width(ROLLFORWARD_TOTAL_WORDS.rfA));
    expect(constant("RF_B_BITS")).toBe(width(ROLLFORWARD_TOTAL_WORDS.rfB));
    expect(constant("RF_C_BITS")).toBe(width(ROLLFORWARD_TOTAL_WORDS.rfC));
    expect(ROLLFORWARD_TOTAL_WORDS.rfA[0]!.name).toBe("opening");
    expect(ROLLFORWARD_TOTAL_WORDS.rfC[0]!.name).toBe("closing");
    expect(ROLLFORWARD_TOTAL_WORDS.rfA[0]!.bits).toBe(62);
  });
});

describe("RollForwardRegistry: refusals", () => {
  it("a previous root that is not the chain's last (the roll-forward replayed after the chain moved) is refused", async ({
    x,
  }) => {
    await rollAll(x, x.roll12);
    const e = await refusal(x, submitChunk(x, x.roll12, 0));
    expect(e.name).toBe("RollForward__PrevRootNotLast");
  });

  it("a period attested without its roll-forward is not continuous, and the next roll-forward from it is refused", async ({
    x,
  }) => {
    await x.w.increaseTime(30n * 86_400n);
    await attest(x, 2);
    expect(await x.rf.getFunction("isContinuous")(POOL_ID)).toBe(false);
    const e = await refusal(x, submitChunk(x, x.roll23, 0));
    expect(e.name).toBe("RollForward__PrevRootNotLast");
    expect(e.args[1]).toBe(x.periods[1]!.commitment.root);
    expect(e.args[2]).toBe(x.periods[0]!.commitment.root);
  });

  it("a roll-forward to a period that is no longer the pool's current attestation is refused", async ({
    x,
  }) => {
    await x.w.increaseTime(30n * 86_400n);
    await attest(x, 2);
    const e = await refusal(x, submitChunk(x, x.roll12, 0));
    expect(e.name).toBe("RollForward__NotCurrentAttestation");
  });

  it("a chunk replayed in its batch is refused", async ({ x }) => {
    await submitChunk(x, x.roll12, 0);
    expect((await refusal(x, submitChunk(x, x.roll12, 0))).name).toBe("RollForward__ChunkAlreadySubmitted");
  });

  it("the aggregation before every chunk is accepted is refused", async ({ x }) => {
    await submitChunk(x, x.roll12, 0);
    expect((await refusal(x, aggregate(x, x.roll12))).name).toBe("RollForward__ChunksMissing");
  });

  it("totals other than the proven ones are refused by the aggregation's verifier", async ({ x }) => {
    for (let i = 0; i < x.roll12.chunks.length; i++) await submitChunk(x, x.roll12, i);
    const [a, b, c] = words(x.roll12);
    const e = await refusal(x, aggregate(x, x.roll12, [a!, b! + 1n, c!]));
    expect(e.name).toBe("RollForward__InvalidAggregation");
  });

  it("an opening balance other than the chain's last closing is refused", async ({ x }) => {
    for (let i = 0; i < x.roll12.chunks.length; i++) await submitChunk(x, x.roll12, i);
    const [a, b, c] = words(x.roll12);
    const e = await refusal(x, aggregate(x, x.roll12, [a! + 1n, b!, c!]));
    expect(e.name).toBe("RollForward__OpeningNotLastClosing");
  });

  it("a closing balance other than the attested outstanding balance is refused", async ({ x }) => {
    for (let i = 0; i < x.roll12.chunks.length; i++) await submitChunk(x, x.roll12, i);
    const [a, b, c] = words(x.roll12);
    const e = await refusal(x, aggregate(x, x.roll12, [a!, b!, c! + 1n]));
    expect(e.name).toBe("RollForward__ClosingNotAttested");
  });

  it("a chunk under another adjustment bound than the registry's is refused", async ({ x }) => {
    const s = [...x.roll12.chunks[0]!.publicSignals];
    s[3] = String(MAX_ADJ + 1n);
    expect((await refusal(x, submitChunk(x, x.roll12, 0, s))).name).toBe("RollForward__WrongMaxAdjustment");
  });

  it("a chunk proof that does not verify (its flow commitment changed) is refused", async ({ x }) => {
    const s = [...x.roll12.chunks[0]!.publicSignals];
    s[4] = String(BigInt(s[4]!) + 1n);
    expect((await refusal(x, submitChunk(x, x.roll12, 0, s))).name).toBe("RollForward__InvalidProof");
  });

  it("a pool word wider than its 192 bits is refused", async ({ x }) => {
    const s = [...x.roll12.chunks[0]!.publicSignals];
    s[2] = String(BigInt(s[2]!) | (1n << 200n));
    expect((await refusal(x, submitChunk(x, x.roll12, 0, s))).name).toBe("RollForward__MalformedSignal");
  });

  it("a chunk proof through the aggregation's verifier (the other kind) is refused", async ({ x }) => {
    const e = await refusal(
      x,
      submitRollForwardChunk(
        relayed(x),
        AGG_INSTANCE,
        1,
        x.roll12.chunks[0]!.proof,
        x.roll12.chunks[0]!.publicSignals,
      ),
    );
    expect(e.name).toBe("RollForward__WrongVerifierKind");
  });

  it("anchoring by an account that is not the pool's originator is refused", async ({ x }) => {
    const e = await refusal(x, (x.rf.connect(x.w.relayer) as Contract).getFunction("anchor")(2n));
    expect(e.name).toBe("RollForward__NotOriginator");
  });

  it("anchoring a chain a second time is refused", async ({ x }) => {
    const e = await refusal(x, (x.rf.connect(x.w.originator) as Contract).getFunction("anchor")(POOL_ID));
    expect(e.name).toBe("RollForward__AlreadyAnchored");
  });
});

describe("CashReconciler over the roll-forward registry: a tape in cents, a 6-decimal asset", () => {
  /** The vault funded with deposits in all three tranches (cash to include the pool with). */
  async function fund(x: World): Promise<void> {
    const [a, b, c] = x.w.users;
    await (await x.w.as(c!).getFunction("requestDeposit")(2, 150_000n * USD)).wait();
    await (await x.w.as(b!).getFunction("requestDeposit")(1, 100_000n * USD)).wait();
    await (await x.w.as(a!).getFunction("requestDeposit")(0, 750_000n * USD)).wait();
    await (await x.w.vault.getFunction("closeEpoch")()).wait();
  }
  const reconcilerOf = (x: World) =>
    deployCashReconciler(x.w.gov, x.w.vault, {
      rollForward: String(x.rf.target),
      toleranceBps: 100,
      assetPerTapeUnit: 10_000n,
    });

  it("refuses a unit of 0 asset units per tape unit", async ({ x }) => {
    const e = await deployContract(x.w.gov, "CashReconciler", [x.w.vault.target, x.rf.target, 100, 0n]).catch(
      (err: unknown) => err,
    );
    const reconciler = await reconcilerOf(x);
    expect(await revertOf(Promise.reject(e), reconciler)).toEqual({ name: "Reconcile__BadUnit", args: [0n] });
  });

  it("funding waits for the roll-forward of the pool's latest attestation", async ({ x }) => {
    await fund(x);
    const reconciler = await reconcilerOf(x);
    const e = await revertOf(x.w.vault.getFunction("include")(POOL_ID, 100_000n * USD), reconciler);
    expect(e).toEqual({ name: "Reconcile__NotContinuous", args: [POOL_ID] });
    await rollAll(x, x.roll12);
    await (await x.w.vault.getFunction("include")(POOL_ID, 100_000n * USD)).wait();
  });

  it("the next period's due is the vault's share of the proven collections, in asset units", async ({
    x,
  }) => {
    await fund(x);
    const reconciler = await reconcilerOf(x);
    await rollAll(x, x.roll12);
    const exposure = 100_000n * USD;
    await (await x.w.vault.getFunction("include")(POOL_ID, exposure)).wait();
    await x.w.increaseTime(30n * 86_400n);
    await attest(x, 2);
    await rollAll(x, x.roll23);
    // Independently of the contract: the model's period 3 totals are in cents (the tape's minor unit); the
    // vault's 100,000 USD over the opening balance in USD, capped at 1, of the period's cash collected.
    const m = x.model23;
    const collected = m.principalCollected + m.interestCollected + m.recoveries;
    const openingAsset = m.opening * 10_000n;
    const due = ((exposure < openingAsset ? exposure : openingAsset) * collected) / m.opening;
    expect(due).toBeGreaterThan(0n);
    const token = x.w.token.connect(x.w.originator) as Contract;
    await (await token.getFunction("mint")(await x.w.originator.getAddress(), due)).wait();
    await (await token.getFunction("approve")(x.w.vault.target, due)).wait();
    await (await x.w.as(x.w.originator).getFunction("repay")(POOL_ID, due, 0n)).wait();
    const receipt = await (
      await reconciler.getFunction("reconcile")(POOL_ID, x.periods[2]!.tape.period)
    ).wait();
    const events = receipt.logs
      .map((l: { topics: string[]; data: string }) => reconciler.interface.parseLog(l))
      .filter((l: unknown) => l !== null)
      .map((l: { name: string; args: unknown[] }) => [l.name, ...l.args]);
    expect(events).toEqual([
      ["PeriodReconciled", POOL_ID, BigInt(x.periods[2]!.tape.period), exposure, due, due, due],
    ]);
  });
});
