/**
 * The attestation registry with the stand-in circuits (test/contracts/fixtures/stand-in.ts), whose public
 * signals are free: what it records of an accepted attestation (figures, the tape root, eligibility read within
 * a gas bound), how it binds a pool's committed chunks to one chunk count and one instance, and each refusal
 * (replayed or older periods, plain proofs of chunked pools, malformed figure words, invalid proofs, unknown,
 * unapproved, foreign, not yet valid or revoked keys, unknown policies, pools and verifiers, stale and future
 * dates, governance-only calls), each before any state change. pool-refusals.test.ts shows the refusals with
 * real proofs; committed-chunks.test.ts the committed path's ordering and aggregation refusals.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the world (registry,
 * stand-in verifier, policy, originator with pools 1..3; an EVM snapshot the chain is put back to before each
 * test that changes it) and the proofs several tests share (dated the day the world was deployed, so they do
 * not depend on the chain's state); made for the test, the registry at the stage the claim is about (pool 1
 * recorded, a committed batch opened or complete, a key rotated or revoked).
 */
import { afterAll, describe, expect, test } from "vitest";
import { Contract, ZeroAddress, type TransactionReceipt } from "ethers";
import { circuitId, deployContract, deployRegistry } from "../../deploy/index.ts";
import { packFigures, readAttestation, submitAttestation } from "../../sdk/index.ts";
import { domainWord, registryKeyHash } from "../../prover/commitment/keys.ts";
import {
  babyKey,
  chainSnapshot,
  CHUNK_CIRCUIT,
  DAY,
  healthyFigures,
  keyHashIn,
  KIND_CHUNK_COMMITMENT,
  makeWorld,
  POLICY,
  poseidon,
  revertOf,
  solidityProof,
  terminateCurves,
  type World,
} from "./helpers.ts";
import type { ProofWithSignals } from "./fixtures/stand-in.ts";

/** The BN254 scalar field modulus. */
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Pool 3's committed batch of period 2: three chunks of tape root 777. */
const BATCH3 = { poolId: 3n, period: 2n, chunkCount: 3n, root: 777n };
/** Pool 2's committed batch of period 4: two chunks of tape root 9. */
const BATCH2 = { poolId: 2n, period: 4n, chunkCount: 2n, root: 9n };
/** Chunk index and count of plain proofs of pools of several chunks (and of none). */
const CHUNKED: readonly (readonly [bigint, bigint])[] = [
  [0n, 2n],
  [1n, 2n],
  [2n, 3n],
  [255n, 256n],
  [0n, 0n],
];
const [figA, figB, figC] = packFigures(healthyFigures());
/** Figure words wider than their packing, and the public signal index each is refused at. */
const OVERFLOWS = [
  [4n, [1n << 248n, figB, figC]],
  [5n, [figA, (1n << 248n) | figB, figC]],
  [6n, [figA, figB, 1n << 170n]],
] as const;
type K3 = { ax: bigint; ay: bigint; keyHash: bigint; first: ProofWithSignals };
type Receipt = { logs: { topics: string[]; data: string }[] };
/** committedBatch: open, period, received bits (four words), seen, count, acc. */
type Batch = [boolean, bigint, bigint[], bigint, bigint, bigint];

/** The world as deployed and the day it was deployed; `reset` puts the chain back to it. */
interface Deployed {
  w: World;
  today: bigint;
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const w = await makeWorld();
  const today = await w.today();
  // the committed path's stand-in verifiers are deployed on the world's first submission through it: make it
  // before the snapshot (a refused one, through a circuit id no verifier has), so that every test has them
  const none = {
    pi_a: ["1", "2", "1"],
    pi_b: [
      ["1", "2"],
      ["3", "4"],
      ["1", "0"],
    ],
    pi_c: ["1", "2", "1"],
  };
  await w
    .submitChunk({ proof: none, publicSignals: ["0", "0", "0", "0", "0"] }, { circuit: "none" })
    .catch(() => undefined);
  expect((await w.registry.getFunction("verifierRecord")(circuitId(CHUNK_CIRCUIT), 1)).verifier).not.toBe(
    ZeroAddress,
  );
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    today,
    reset,
  };
}

/** A fixture made once per file from the deployed world (a proof: it depends on nothing a test changes). */
const file = <T>(
  f: (d: Deployed) => Promise<T>,
): [
  ({ deployed }: { deployed: Deployed }, use: (v: T) => Promise<void>) => Promise<void>,
  { scope: "file" },
] => [
  // vitest reads a fixture's dependencies from its first parameter: it must be a destructuring pattern
  async ({ deployed }, use) => use(await f(deployed)),
  { scope: "file" },
];

const batchOf = async (w: World, poolId: bigint): Promise<Batch> =>
  [...((await w.registry.getFunction("committedBatch")(poolId)) as unknown[])] as Batch;
const tampered = (p: ProofWithSignals): ProofWithSignals => ({
  ...p,
  proof: { ...p.proof, pi_c: [p.proof.pi_a[0]!, p.proof.pi_a[1]!, "1"] },
});
const waitFor = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: World;
  /** Pool 1, period 1, healthy figures. */
  p1: ProofWithSignals;
  /** `world` with p1 submitted: the receipt. */
  recorded: Receipt;
  /** Pool 2, period 1, reporting a breach. */
  breaching: ProofWithSignals;
  /** Plain proofs of pool 3, period 1, one for each chunk index and count of CHUNKED. */
  chunkedPlain: ProofWithSignals[];
  /**
   * `world` after every plain proof of a chunked pool 3 was refused (and a tampered one, and one of pool 9),
   * and pool 3's attestation record read before them.
   */
  afterPlainRefusals: { w: World; before: unknown };
  /** Pool 3's chunks of BATCH3: 0, 1 and 2, chunk 1 said to be of 4 chunks, and an index at the count. */
  batch3: Record<"c0" | "c1" | "c2" | "count4" | "past", ProofWithSignals>;
  /** `world` with BATCH3's chunk 0 accepted: the receipt and the batch. */
  opened: { receipt: TransactionReceipt; batch: Batch };
  /** `opened` with chunks 1 and 2 accepted. */
  complete: World;
  /** `world` with both chunks of BATCH2 accepted: its chunk 0. */
  /** BATCH2's two chunks, its aggregations with each overflowing figure word, and with healthy figures. */
  batch2Proofs: Record<"c0" | "c1" | "good", ProofWithSignals> & { overflows: ProofWithSignals[] };
  /** `world` with both chunks of BATCH2 accepted. */
  batch2: Record<"c0" | "c1" | "good", ProofWithSignals> & { overflows: ProofWithSignals[] };
  /** Pool 2, period 5, healthy figures. */
  p2: ProofWithSignals;
  /** `world` with pool 4 registered, and its proofs of period 12: 46, 44 days old and dated 2 days ahead. */
  pool4: Record<"stale" | "fresh" | "future", ProofWithSignals>;
  /** Pool 4's proofs of period 12: 46, 44 days old and dated 2 days ahead. */
  pool4Proofs: Record<"stale" | "fresh" | "future", ProofWithSignals>;
  /** A second key of the originator, and pool 1's period 20 under it, dated the day after tomorrow. */
  k3: K3;
  /** Pool 9 (never registered), chunk 0 of 2. */
  unknownPoolChunked: ProofWithSignals;
  /** `world` with a key proposed by the originator to be valid from the day after tomorrow, and approved. */
  rotating: { k3: K3; today: bigint };
  /** `rotating` two days on, with pool 1's period 20 recorded under the new key. */
  rotated: { k3: K3; today: bigint };
  /** `rotated` with the new key revoked by the originator. */
  revoked: { k3: K3; today: bigint };
  /** `world` with the stand-in verifier retired. */
  retired: World;
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed.w);
  },
  p1: file(({ w, today }) => w.attest({ poolId: 1n, period: 1n, asOfDate: today })),
  recorded: async ({ world, p1 }, use) => use((await world.submit(p1)) as Receipt),
  breaching: file(({ w, today }) =>
    w.attest({
      poolId: 2n,
      period: 1n,
      asOfDate: today,
      figures: healthyFigures(10n ** 10n, { breaches: 1n }),
    }),
  ),
  chunkedPlain: file(async ({ w, today }) => {
    const out: ProofWithSignals[] = [];
    for (const [chunkIndex, chunkCount] of CHUNKED)
      out.push(await w.attest({ poolId: 3n, period: 1n, asOfDate: today, chunkIndex, chunkCount }));
    return out;
  }),
  unknownPoolChunked: file(({ w, today }) =>
    w.attest({ poolId: 9n, period: 1n, asOfDate: today, chunkIndex: 0n, chunkCount: 2n }),
  ),
  afterPlainRefusals: async ({ world: w, chunkedPlain, unknownPoolChunked }, use) => {
    const before: unknown = await w.registry.getFunction("attestation")(3n);
    for (const p of chunkedPlain) await revertOf(w.submit(p), w.registry);
    await revertOf(w.submit(tampered(chunkedPlain[0]!)), w.registry);
    await revertOf(w.submit(unknownPoolChunked), w.registry);
    await use({ w, before });
  },
  batch3: file(async ({ w, today }) => {
    const ctx = { ...BATCH3, asOfDate: today };
    return {
      c0: await w.commitChunk({ ...ctx, chunkIndex: 0n }),
      c1: await w.commitChunk({ ...ctx, chunkIndex: 1n }),
      c2: await w.commitChunk({ ...ctx, chunkIndex: 2n }),
      count4: await w.commitChunk({ ...ctx, chunkCount: 4n, chunkIndex: 1n }),
      past: await w.commitChunk({ ...ctx, chunkIndex: 3n }),
    };
  }),
  opened: async ({ world, batch3 }, use) => {
    const receipt = await world.submitChunk(batch3.c0);
    await use({ receipt, batch: await batchOf(world, 3n) });
  },
  complete: async ({ world, batch3, opened }, use) => {
    void opened;
    await world.submitChunk(batch3.c1);
    await world.submitChunk(batch3.c2);
    await use(world);
  },
  batch2Proofs: file(async ({ w, today }) => {
    const ctx = { ...BATCH2, asOfDate: today };
    const c0 = await w.commitChunk({ ...ctx, chunkIndex: 0n });
    const c1 = await w.commitChunk({ ...ctx, chunkIndex: 1n });
    // the batch's acc once both chunks are accepted: Poseidon(figCommit_1, figCommit_2)
    const acc = (await poseidon()).hash([BigInt(c0.publicSignals[4]!), BigInt(c1.publicSignals[4]!)]);
    const overflows: ProofWithSignals[] = [];
    for (const [, words] of OVERFLOWS) overflows.push(await w.proveAggregation({ poolId: 2n, acc, words }));
    return { c0, c1, overflows, good: await w.proveAggregation({ poolId: 2n, acc }) };
  }),
  batch2: async ({ world, batch2Proofs: b }, use) => {
    await world.submitChunk(b.c0);
    await world.submitChunk(b.c1);
    await use(b);
  },
  p2: file(({ w, today }) => w.attest({ poolId: 2n, period: 5n, asOfDate: today })),
  pool4Proofs: file(async ({ w, today }) => ({
    stale: await w.attest({ poolId: 4n, period: 12n, asOfDate: today - 46n }),
    fresh: await w.attest({ poolId: 4n, period: 12n, asOfDate: today - 44n }),
    future: await w.attest({ poolId: 4n, period: 12n, asOfDate: today + 2n }),
  })),
  pool4: async ({ world: w, pool4Proofs }, use) => {
    await waitFor(w.asOriginator.getFunction("registerPool")(4n)); // a pool with no attestation yet
    await use(pool4Proofs);
  },
  k3: file(async ({ w, today }) => {
    const k3 = { ...(await babyKey(777n)), keyHash: 0n };
    k3.keyHash = await keyHashIn(k3, await w.registry.getAddress(), w.chainId);
    const first = await w.attest({ poolId: 1n, period: 20n, asOfDate: today + 2n, keyHash: k3.keyHash });
    return { ...k3, first };
  }),
  rotating: async ({ world: w, k3 }, use) => {
    const today = await w.today();
    await waitFor(w.asOriginator.getFunction("proposeKey")(k3.ax, k3.ay, today + 2n));
    await waitFor(w.registry.getFunction("approveKey")(w.originator.address, k3.keyHash));
    await use({ k3, today });
  },
  rotated: async ({ world: w, rotating }, use) => {
    await w.increaseTime(2n * DAY);
    await w.submit(rotating.k3.first);
    await use(rotating);
  },
  revoked: async ({ world: w, rotated }, use) => {
    await waitFor(w.asOriginator.getFunction("revokeKey")(rotated.k3.keyHash));
    await use(rotated);
  },
  retired: async ({ world: w }, use) => {
    await waitFor(w.registry.getFunction("retireVerifier")(w.circuitId, 1));
    await use(w);
  },
});

afterAll(terminateCurves);

describe("AttestationRegistry: a recorded single-chunk attestation", () => {
  it("is announced by AttestationRecorded with its pool", ({ world: w, recorded }) => {
    const ev = recorded.logs
      .map((l) => w.registry.interface.parseLog(l))
      .find((l) => l?.name === "AttestationRecorded");
    expect(ev?.args.poolId).toBe(1n);
  });

  it("is read back with its period, policy and figures", async ({ world: w, recorded }) => {
    void recorded;
    const a = await readAttestation(w.registry, 1n);
    expect(a?.period).toBe(1n);
    expect(a?.policyHash).toBe(w.policyHash);
    expect(a?.figures).toEqual(healthyFigures());
  });

  it("a pool never attested reads as no attestation", async ({ world: w, recorded }) => {
    void recorded;
    expect(await readAttestation(w.registry, 2n)).toBeUndefined();
  });

  it("keeps the tape root and its period, for companion proofs about the same tape", async ({
    world: w,
    p1,
    recorded,
  }) => {
    void recorded;
    const [root, period] = (await w.registry.getFunction("attestedRoot")(1n)) as [bigint, bigint];
    expect(root).toBe(BigInt(p1.publicSignals[0] as string | bigint));
    expect(period).toBe(1n);
  });

  it("a pool never attested has no tape root", async ({ world: w, recorded }) => {
    void recorded;
    expect(await w.registry.getFunction("attestedRoot")(2n)).toEqual([0n, 0n]);
  });

  it("makes the pool eligible under its policy", async ({ world: w, recorded }) => {
    void recorded;
    expect(await w.registry.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
  });

  it("does not make the pool eligible under another policy", async ({ world: w, recorded }) => {
    void recorded;
    expect(await w.registry.getFunction("isEligible")(1n, w.policyHash + 1n)).toBe(false);
  });

  it("a pool never attested is not eligible", async ({ world: w, recorded }) => {
    void recorded;
    expect(await w.registry.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
  });

  it("another contract reads eligibility within 11k gas", async ({ world: w, recorded }) => {
    void recorded;
    // cold account and three slots: the pool header, the policy, the key's revocation word (10k before
    // revocation ended eligibility, issue 12)
    const probe = await deployContract(w.gov, "EligibilityProbe");
    const pr = (await (
      await probe.getFunction("probe")(await w.registry.getAddress(), 1n, w.policyHash)
    ).wait()) as TransactionReceipt;
    const measured = pr.logs
      .map((l) => probe.interface.parseLog(l))
      .find((l) => l?.name === "EligibilityMeasured");
    expect(measured?.args.eligible).toBe(true);
    expect(measured?.args.gasUsed).toBeLessThanOrEqual(11_000n);
  });

  it("refuses its replay: the period is not after the last", async ({ world: w, p1, recorded }) => {
    void recorded;
    expect(await revertOf(w.submit(p1), w.registry)).toEqual({
      name: "Registry__PeriodNotAfterLast",
      args: [1n, 1n, 1n],
    });
  });

  it("accepts a later period", async ({ world: w, recorded }) => {
    void recorded;
    await w.submit(await w.attest({ poolId: 1n, period: 3n }));
    expect((await readAttestation(w.registry, 1n))?.period).toBe(3n);
  });

  it("refuses an older period than the last recorded", async ({ world: w, recorded }) => {
    void recorded;
    await w.submit(await w.attest({ poolId: 1n, period: 3n }));
    expect((await revertOf(w.submit(await w.attest({ poolId: 1n, period: 2n })), w.registry)).name).toBe(
      "Registry__PeriodNotAfterLast",
    );
  });
});

describe("AttestationRegistry: a pool reporting a breach", () => {
  it("is recorded from anyone (a relayer through the SDK client) and is fresh", async ({
    world: w,
    breaching: p,
  }) => {
    // anyone may submit an originator's proof
    await submitAttestation(
      w.registry.connect(w.others[5]!) as Contract,
      "stand-in-pool",
      1,
      p.proof,
      p.publicSignals,
    );
    expect(await w.registry.getFunction("isFresh")(2n)).toBe(true);
  });

  it("is not eligible", async ({ world: w, breaching: p }) => {
    await submitAttestation(
      w.registry.connect(w.others[5]!) as Contract,
      "stand-in-pool",
      1,
      p.proof,
      p.publicSignals,
    );
    expect(await w.registry.getFunction("isEligible")(2n, w.policyHash)).toBe(false);
  });
});

describe("AttestationRegistry: a plain proof of a pool of several chunks", () => {
  // issue 14: a plain PoolAttestation proof publishes its chunk's figures, so only a pool of one chunk may
  // submit one
  it.for(CHUNKED.map((c, i) => [i, ...c] as const))(
    "of chunk %i (index %i of %i) is a valid stand-in proof: the verifier alone accepts it",
    async ([i], { world: w, chunkedPlain }) => {
      const { verifier } = (await w.registry.getFunction("verifierRecord")(w.circuitId, 1)) as {
        verifier: string;
      };
      const asVerifier = new Contract(
        verifier,
        ["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7]) view returns (bool)"],
        w.ethers.provider,
      );
      const p = chunkedPlain[i]!;
      const sp = solidityProof(p.proof);
      expect(await asVerifier.getFunction("verifyProof")(sp.a, sp.b, sp.c, p.publicSignals)).toBe(true);
    },
  );

  it.for(CHUNKED.map((c, i) => [i, ...c] as const))(
    "of chunk %i (index %i of %i) is refused, naming the chunk count",
    async ([i, , chunkCount], { world: w, chunkedPlain }) => {
      expect(await revertOf(w.submit(chunkedPlain[i]!), w.registry)).toEqual({
        name: "Registry__ChunkedPlainAttestation",
        args: [chunkCount],
      });
    },
  );

  it("is refused before the proof is checked: a tampered one gets the same refusal, not InvalidProof", async ({
    world: w,
    chunkedPlain,
  }) => {
    expect((await revertOf(w.submit(tampered(chunkedPlain[0]!)), w.registry)).name).toBe(
      "Registry__ChunkedPlainAttestation",
    );
  });

  it("is refused before the context is checked: an unknown pool gets the same refusal, not UnknownPool", async ({
    world: w,
    unknownPoolChunked: unknown,
  }) => {
    expect((await revertOf(w.submit(unknown), w.registry)).name).toBe("Registry__ChunkedPlainAttestation");
  });

  it("the refusals record no attestation", async ({ afterPlainRefusals: { w, before } }) => {
    expect(await w.registry.getFunction("attestation")(3n)).toEqual(before);
    expect(await readAttestation(w.registry, 3n)).toBeUndefined();
  });

  it("the refusals open no committed batch", async ({ afterPlainRefusals: { w } }) => {
    expect((await batchOf(w, 3n))[0]).toBe(false);
  });

  it("after the refusals, the pool's one-chunk proof of the same period is recorded", async ({
    afterPlainRefusals: { w },
    deployed: { today },
  }) => {
    const figures = healthyFigures(5_400_000_000n);
    await w.submit(await w.attest({ poolId: 3n, period: 1n, asOfDate: today, figures }));
    const a = await readAttestation(w.registry, 3n);
    expect([a?.period, a?.chunkCount]).toEqual([1n, 1n]);
    expect(a?.figures).toEqual(figures);
  });
});

describe("AttestationRegistry: a pool's committed chunks are bound to one chunk count and one instance", () => {
  // any order, replays, another root or policy and the aggregation's refusals: committed-chunks.test.ts
  // (real proofs); here what it does not cover, with the stand-in circuits
  it("the chunk that opens a batch is announced by ChunkCommitted: pool, period, index, figure commitment", ({
    world: w,
    batch3: { c0 },
    opened,
  }) => {
    const ev = opened.receipt.logs
      .map((l) => w.registry.interface.parseLog(l))
      .find((e) => e?.name === "ChunkCommitted");
    expect([...ev!.args]).toEqual([3n, 2n, 0n, BigInt(c0.publicSignals[4]!)]);
  });

  it("the chunk that opens a batch opens it: period, received bits, seen and count", ({ opened }) => {
    expect(opened.batch.slice(0, 5).map((x) => (Array.isArray(x) ? [...(x as unknown[])] : x))).toEqual([
      true,
      2n,
      [1n, 0n, 0n, 0n],
      1n,
      3n,
    ]);
  });

  it("the chunk that opens a batch starts the chain unhashed, as the circuit does: acc_1 = figCommit_1", ({
    batch3: { c0 },
    opened,
  }) => {
    expect(opened.batch[5]).toBe(BigInt(c0.publicSignals[4]!));
  });

  it("refuses a chunk of the same tape said to be in 4 chunks (another pool word)", async ({
    world: w,
    batch3: { count4 },
    opened,
  }) => {
    void opened;
    expect(await revertOf(w.submitChunk(count4), w.registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [3n, 2n, 1n],
    });
  });

  it("refuses the batch's next chunk through another chunk-commitment instance (another chunk size)", async ({
    world: w,
    batch3: { c1 },
    opened,
  }) => {
    void opened;
    await addAnotherChunkInstance(w);
    expect(await revertOf(w.submitChunk(c1, { circuit: "another-chunk-instance" }), w.registry)).toEqual({
      name: "Registry__ChunkMismatch",
      args: [3n, 2n, 1n],
    });
  });

  it("refuses a chunk index at the chunk count", async ({ world: w, batch3: { past }, opened }) => {
    void opened;
    expect(await revertOf(w.submitChunk(past), w.registry)).toEqual({
      name: "Registry__BadChunk",
      args: [3n, 3n],
    });
  });

  it("refuses to open a batch with a chunk index at the chunk count", async ({
    world: w,
    batch3: { past },
  }) => {
    expect(await revertOf(w.submitChunk(past), w.registry)).toEqual({
      name: "Registry__BadChunk",
      args: [3n, 3n],
    });
  });

  it("refuses to open a batch of more than 1,024 chunks, and opens one of 1,024", async ({
    world: w,
    deployed,
  }) => {
    const ctx = { ...BATCH3, asOfDate: deployed.today };
    const over = await w.commitChunk({ ...ctx, chunkCount: 1025n, chunkIndex: 1024n });
    expect(await revertOf(w.submitChunk(over), w.registry)).toEqual({
      name: "Registry__BadChunk",
      args: [1024n, 1025n],
    });
    await w.submitChunk(await w.commitChunk({ ...ctx, chunkCount: 1024n, chunkIndex: 1023n }));
    const [open, , , seen, count] = await batchOf(w, 3n);
    expect([open, seen, count]).toEqual([true, 1n, 1024n]);
  });

  it("the refusals leave the batch as it was", async ({ world: w, batch3, opened }) => {
    await addAnotherChunkInstance(w);
    await revertOf(w.submitChunk(batch3.count4), w.registry);
    await revertOf(w.submitChunk(batch3.c1, { circuit: "another-chunk-instance" }), w.registry);
    await revertOf(w.submitChunk(batch3.past), w.registry);
    expect(await batchOf(w, 3n)).toEqual(opened.batch);
  });

  it("every later chunk is chained: acc_3 = Poseidon(Poseidon(figCommit_1, figCommit_2), figCommit_3)", async ({
    batch3,
    complete: w,
  }) => {
    const h = (await poseidon()).hash;
    const [f0, f1, f2] = [batch3.c0, batch3.c1, batch3.c2].map((c) => BigInt(c.publicSignals[4]!));
    expect((await batchOf(w, 3n))[5]).toBe(h([h([f0!, f1!]), f2!]));
  });

  it("the complete batch's aggregation is recorded with the batch's period, chunk count and the figures", async ({
    batch3: { c0 },
    complete: w,
  }) => {
    const figures = healthyFigures(5_400_000_000n, { breaches: 1n });
    await w.submitAggregation(await w.proveAggregation({ poolId: 3n, figures }), c0);
    const a = await readAttestation(w.registry, 3n);
    expect([a?.period, a?.chunkCount]).toEqual([2n, 3n]);
    expect(a?.figures).toEqual(figures);
  });
});

/** Registers the stand-in chunk verifier again under another circuit id ("another-chunk-instance"). */
async function addAnotherChunkInstance(w: World): Promise<void> {
  const v = (await w.registry.getFunction("verifierRecord")(circuitId(CHUNK_CIRCUIT), 1)) as {
    verifier: string;
  };
  await waitFor(
    w.registry.getFunction("addVerifierOfKind")(
      circuitId("another-chunk-instance"),
      1,
      v.verifier,
      KIND_CHUNK_COMMITMENT,
    ),
  );
}

describe("AttestationRegistry: refusals, each before state changes", () => {
  // the aggregation circuit proves every pool total within its field; the registry refuses figure words wider
  // than their packing (a field element can be), before the proof and before the batch is closed
  it.for(OVERFLOWS.map(([index, words], i) => [index, words, i] as const))(
    "refuses a pool aggregation whose figure word at signal %i overflows its packing",
    async ([index, words, i], { world: w, batch2: b }) => {
      expect(await revertOf(w.submitAggregation(b.overflows[i]!, b.c0), w.registry)).toEqual({
        name: "Registry__MalformedSignal",
        args: [index, words[Number(index) - 4]],
      });
    },
  );

  it("the overflow refusals leave the batch open", async ({ world: w, batch2: b }) => {
    for (const p of b.overflows) await revertOf(w.submitAggregation(p, b.c0), w.registry);
    expect(
      (await batchOf(w, 2n)).slice(0, 5).map((x) => (Array.isArray(x) ? [...(x as unknown[])] : x)),
    ).toEqual([true, 4n, [3n, 0n, 0n, 0n], 2n, 2n]);
  });

  it("after the overflow refusals, the batch's own aggregation is recorded", async ({
    world: w,
    batch2: b,
  }) => {
    for (const p of b.overflows) await revertOf(w.submitAggregation(p, b.c0), w.registry);
    await w.submitAggregation(b.good, b.c0);
    expect((await w.registry.getFunction("attestation")(2n)).period).toBe(4n);
  });

  it("refuses a proof whose signals were changed after proving, as an invalid proof of its pool and period", async ({
    world: w,
    p2: p,
  }) => {
    const changed = { ...p, publicSignals: [...p.publicSignals] };
    changed.publicSignals[5] = String(BigInt(p.publicSignals[5]!) + 1n);
    expect(await revertOf(w.submit(changed), w.registry)).toEqual({
      name: "Registry__InvalidProof",
      args: [2n, 5n, 0n],
    });
  });

  it("refuses a proof with a tampered point as an invalid proof", async ({ world: w, p2: p }) => {
    expect((await revertOf(w.submit(tampered(p)), w.registry)).name).toBe("Registry__InvalidProof");
  });

  it("after the invalid-proof refusals the genuine proof is recorded: they recorded nothing", async ({
    world: w,
    p2: p,
  }) => {
    const changed = { ...p, publicSignals: [...p.publicSignals] };
    changed.publicSignals[5] = String(BigInt(p.publicSignals[5]!) + 1n);
    await revertOf(w.submit(changed), w.registry);
    await revertOf(w.submit(tampered(p)), w.registry);
    await w.submit(p);
    expect((await readAttestation(w.registry, 2n))?.period).toBe(5n);
  });

  it("refuses an unknown key", async ({ world: w }) => {
    const unknown = await keyHashIn(await babyKey(99n), await w.registry.getAddress(), w.chainId);
    const r = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: unknown })),
      w.registry,
    );
    expect(r).toEqual({ name: "Registry__UnknownKey", args: [unknown] });
  });

  it("refuses a key proposed by another account and not approved: unknown to this pool's originator", async ({
    world: w,
  }) => {
    const k2 = await babyKey(555n);
    const k2Hash = await keyHashIn(k2, await w.registry.getAddress(), w.chainId);
    await waitFor((w.registry.connect(w.others[1]!) as Contract).getFunction("proposeKey")(k2.ax, k2.ay, 1));
    const r = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: k2Hash })),
      w.registry,
    );
    expect(r).toEqual({ name: "Registry__UnknownKey", args: [k2Hash] });
  });

  it("refuses another originator's approved key", async ({ world: w }) => {
    const other = w.others[1]!;
    const k2 = await babyKey(555n);
    const k2Hash = await keyHashIn(k2, await w.registry.getAddress(), w.chainId);
    await waitFor((w.registry.connect(other) as Contract).getFunction("proposeKey")(k2.ax, k2.ay, 1));
    await waitFor(w.registry.getFunction("approveKey")(other.address, k2Hash));
    const r = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: k2Hash })),
      w.registry,
    );
    expect(r).toEqual({
      name: "Registry__KeyNotForOriginator",
      args: [k2Hash, other.address, w.originator.address],
    });
  });

  it("records the originator's proposal of a key", async ({ world: w }) => {
    const k = await babyKey(4343n);
    const h = await keyHashIn(k, await w.registry.getAddress(), w.chainId);
    await waitFor(w.asOriginator.getFunction("proposeKey")(k.ax, k.ay, 1));
    expect([...(await w.registry.getFunction("proposal")(w.originator.address, h))]).toEqual([true, 1n]);
  });

  it("refuses a key the originator proposed but governance has not approved", async ({ world: w }) => {
    const k = await babyKey(4343n);
    const h = await keyHashIn(k, await w.registry.getAddress(), w.chainId);
    await waitFor(w.asOriginator.getFunction("proposeKey")(k.ax, k.ay, 1));
    const r = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 10n, keyHash: h })), w.registry);
    expect(r).toEqual({ name: "Registry__KeyNotApproved", args: [h] });
  });

  it("refuses to approve a proposal nobody made", async ({ world: w }) => {
    const k = await babyKey(4343n);
    const h = await keyHashIn(k, await w.registry.getAddress(), w.chainId);
    await waitFor(w.asOriginator.getFunction("proposeKey")(k.ax, k.ay, 1));
    const stranger = w.others[4]!.address;
    const none = await revertOf(w.registry.getFunction("approveKey")(stranger, h), w.registry);
    expect(none).toEqual({ name: "Registry__NoProposal", args: [stranger, h] });
  });

  describe("a key proposed first by another account (front-running)", () => {
    const frontRun = async (w: World) => {
      const [squatter, holder] = [w.others[5]!, w.others[6]!];
      const k = await babyKey(5151n);
      const h = await keyHashIn(k, await w.registry.getAddress(), w.chainId);
      await waitFor((w.registry.connect(squatter) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1));
      await waitFor((w.registry.connect(holder) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1));
      await waitFor(w.registry.getFunction("approveKey")(holder.address, h));
      return { squatter, holder, k, h };
    };

    it("does not block its holder: approved for the holder, the key is the holder's", async ({
      world: w,
    }) => {
      const { holder, h } = await frontRun(w);
      expect((await w.registry.getFunction("keyRecord")(h)).originator).toBe(holder.address);
    });

    it("once the holder's, the squatter's proposal can no longer be approved", async ({ world: w }) => {
      const { squatter, h } = await frontRun(w);
      const late = await revertOf(w.registry.getFunction("approveKey")(squatter.address, h), w.registry);
      expect(late).toEqual({ name: "Registry__KeyExists", args: [h] });
    });

    it("once the holder's, the squatter cannot propose it again", async ({ world: w }) => {
      const { squatter, k, h } = await frontRun(w);
      const again = await revertOf(
        (w.registry.connect(squatter) as Contract).getFunction("proposeKey")(k.ax, k.ay, 1),
        w.registry,
      );
      expect(again).toEqual({ name: "Registry__KeyExists", args: [h] });
    });
  });

  it("refuses an unregistered policy", async ({ world: w }) => {
    const r = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, policyHash: 42n })),
      w.registry,
    );
    expect(r).toEqual({ name: "Registry__UnknownPolicy", args: [42n] });
  });

  it("refuses a proof made for another chain: its key hash is unknown here", async ({ world: w }) => {
    const otherChain = await keyHashIn(w.key, await w.registry.getAddress(), w.chainId + 1n);
    const r = await revertOf(
      w.submit(await w.attest({ poolId: 1n, period: 10n, chainId: w.chainId + 1n })),
      w.registry,
    );
    expect(r).toEqual({ name: "Registry__UnknownKey", args: [otherChain] });
  });

  describe("the same originator key approved in a second registry", () => {
    const second = async (w: World) => {
      const reg2 = await deployRegistry(w.gov);
      const address = await reg2.getAddress();
      const hash = await keyHashIn(w.key, address, w.chainId);
      await waitFor(
        (reg2.connect(w.originator) as Contract).getFunction("proposeKey")(w.key.ax, w.key.ay, 1),
      );
      await waitFor(reg2.getFunction("approveKey")(w.originator.address, hash));
      return { reg2, address, hash };
    };

    it("is approved there under another hash", async ({ world: w }) => {
      const { reg2, hash } = await second(w);
      expect(hash).not.toBe(w.key.keyHash);
      expect((await reg2.getFunction("keyRecord")(hash)).approved).toBe(true);
    });

    it("a proof made for the second registry is refused here: its key hash is unknown", async ({
      world: w,
    }) => {
      const { address, hash } = await second(w);
      const r = await revertOf(
        w.submit(await w.attest({ poolId: 1n, period: 10n, registry: address })),
        w.registry,
      );
      expect(r).toEqual({ name: "Registry__UnknownKey", args: [hash] });
    });
  });

  it.for([1n, 2n, 987654321n])(
    "computes the key hash of the key of seed %i on-chain as the prover does",
    async (seed, { deployed: { w } }) => {
      const k = await babyKey(seed);
      const onChain = (await w.registry.getFunction("keyHashOf")(k.ax, k.ay)) as bigint;
      expect(onChain).toBe(
        await registryKeyHash([k.ax, k.ay], domainWord(await w.registry.getAddress(), w.chainId)),
      );
    },
  );

  it("the originator's key hash is the registry's domain hash of its key", async ({ deployed: { w } }) => {
    expect(w.key.keyHash).toBe(await keyHashIn(w.key, await w.registry.getAddress(), w.chainId));
  });

  it("refuses a public key outside the field", async ({ world: w }) => {
    const k = await babyKey(4242n);
    const r = await revertOf(w.asOriginator.getFunction("proposeKey")(k.ax + FIELD, k.ay, 1), w.registry);
    expect(r).toEqual({ name: "Registry__NotFieldElement", args: [k.ax + FIELD, k.ay] });
  });

  it("refuses an unknown pool", async ({ world: w, deployed: { today } }) => {
    expect(
      (await revertOf(w.submit(await w.attest({ poolId: 9n, period: 1n, asOfDate: today })), w.registry))
        .name,
    ).toBe("Registry__UnknownPool");
  });

  it("refuses an unknown verifier version", async ({ world: w, p1 }) => {
    const other = w.registry.getFunction("submitAttestation")(
      w.circuitId,
      2,
      solidityProof(p1.proof),
      p1.publicSignals,
    );
    expect((await revertOf(other, w.registry)).name).toBe("Registry__UnknownVerifier");
  });

  it("refuses a period older than the maximum age, naming its date and the oldest accepted", async ({
    world: w,
    deployed: { today },
    pool4,
  }) => {
    const r = await revertOf(w.submit(pool4.stale), w.registry);
    expect(r.name).toBe("Registry__StalePeriod");
    expect(r.args[0]).toBe(today - 46n);
    expect(r.args[1] as bigint).toBeGreaterThan(today - 46n);
  });

  it("refuses a future asOfDate", async ({ world: w, pool4 }) => {
    expect((await revertOf(w.submit(pool4.future), w.registry)).name).toBe("Registry__FutureAsOf");
  });

  it("records a period within the maximum age as fresh", async ({ world: w, pool4 }) => {
    await w.submit(pool4.fresh);
    expect(await w.registry.getFunction("isFresh")(4n)).toBe(true);
  });

  it("a recorded attestation goes stale with time", async ({ world: w, pool4 }) => {
    await w.submit(pool4.fresh);
    await w.increaseTime(2n * DAY);
    expect(await w.registry.getFunction("isFresh")(4n)).toBe(false);
  });

  it("a stale attestation is not eligible", async ({ world: w, pool4 }) => {
    await w.submit(pool4.fresh);
    await w.increaseTime(2n * DAY);
    expect(await w.registry.getFunction("isEligible")(4n, w.policyHash)).toBe(false);
  });

  describe("key rotation by day, across all pools", () => {
    it("approving a key valid from a later day ends the old key the day before", async ({
      world: w,
      rotating: { today },
    }) => {
      expect((await w.registry.getFunction("keyRecord")(w.key.keyHash)).validUntil).toBe(today + 1n);
    });

    it("refuses the new key before its first day, naming the day and the key's bounds", async ({
      world: w,
      rotating: { k3, today },
    }) => {
      const early = await revertOf(
        w.submit(await w.attest({ poolId: 1n, period: 19n, keyHash: k3.keyHash })),
        w.registry,
      );
      expect(early).toEqual({
        name: "Registry__KeyNotValidOn",
        args: [k3.keyHash, today, today + 2n, 2n ** 32n - 1n],
      });
    });

    it("from the new key's first day the old key signs nothing, for any pool, however far behind", async ({
      world: w,
      rotating: { today },
    }) => {
      await w.increaseTime(2n * DAY);
      const old = await revertOf(w.submit(await w.attest({ poolId: 1n, period: 20n })), w.registry);
      expect(old).toEqual({
        name: "Registry__KeyNotValidOn",
        args: [w.key.keyHash, today + 2n, 1n, today + 1n],
      });
    });

    it("an attestation under the new key from its first day is recorded and eligible", async ({
      world: w,
      rotated,
    }) => {
      void rotated;
      expect(await w.registry.getFunction("isEligible")(1n, w.policyHash)).toBe(true);
    });

    it("the revoked key's recorded attestation stops being eligible from revocation on", async ({
      world: w,
      revoked,
    }) => {
      void revoked;
      expect(await w.registry.getFunction("isEligible")(1n, w.policyHash)).toBe(false);
    });

    it("refuses a revoked key's later attestations", async ({ world: w, revoked: { k3 } }) => {
      const r = await revertOf(
        w.submit(await w.attest({ poolId: 1n, period: 21n, keyHash: k3.keyHash })),
        w.registry,
      );
      expect(r).toEqual({ name: "Registry__KeyRevoked", args: [k3.keyHash] });
    });

    it("an originator whose current key is revoked cannot register new pools", async ({
      world: w,
      revoked: { k3 },
    }) => {
      const r = await revertOf(w.asOriginator.getFunction("registerPool")(77n), w.registry);
      expect(r).toEqual({ name: "Registry__KeyRevoked", args: [k3.keyHash] });
    });
  });

  it("lets only governance retire a verifier", async ({ deployed: { w } }) => {
    const asOther = w.registry.connect(w.others[2]!) as Contract;
    const r = await revertOf(asOther.getFunction("retireVerifier")(w.circuitId, 1), w.registry);
    expect(r.name).toBe("OwnableUnauthorizedAccount");
  });

  it("a retired verifier's proofs are refused", async ({ retired: w, p2 }) => {
    expect((await revertOf(w.submit(p2), w.registry)).name).toBe("Registry__VerifierRetired");
  });

  it("refuses to register a policy twice", async ({ deployed: { w } }) => {
    expect(
      (await revertOf(w.registry.getFunction("registerPolicy")(w.policyHash, POLICY), w.registry)).name,
    ).toBe("Registry__PolicyExists");
  });
});
