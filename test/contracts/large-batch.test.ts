/**
 * A committed batch of more than one word of chunks (issue 17: 100,000 loans are 391 chunks of 256; the
 * registry took at most 256 chunks, one bitmap word, and now takes 1,024 through ChunkSet). Real
 * PoolChunkCommitment(8) proofs of a 2,400-loan pool (300 chunks) against the generated verifier: chunks 0, 230
 * and 299 (in the first, second and second storage words of ChunkSet; the first and second 256-bit words of
 * `committedBatch`'s bitmap) are accepted, replays of the high ones are refused, the aggregation is refused
 * while chunks are missing, and a chunk past index 255 costs what any later chunk costs (at most 300,000 gas).
 *
 * One claim per test. Fixtures from `it`'s context: once per file, the deployed registry with its verifiers and
 * the three chunk proofs, and the registry with the three chunks accepted in the order 0, 230, 299 (with their
 * receipts); the claims about refusals revert to that state before they run.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Contract, TransactionReceipt } from "ethers";
import { commitTape, randomSalts } from "../../prover/commitment/encoding.ts";
import { attestationMessage, signAttestation } from "../../prover/commitment/keys.ts";
import { ProverPool, proveInstance } from "../../prover/prove/index.ts";
import { buildChunkCommitmentInput } from "../../prover/witness/aggregation.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { submitAggregation, submitChunkCommitment, type SnarkjsProof } from "../../sdk/index.ts";
import { unpackPoolWord } from "../../verifier-api/web/pool-codec.js";
import { chainSnapshot, revertOf, terminateCurves } from "./helpers.ts";
import {
  AGGREGATION_INSTANCE as AGG_INSTANCE,
  CHUNK_INSTANCE,
  TEST_POLICY,
  deployCommittedRegistry,
  poolTape,
} from "./pool-world.ts";

const CHUNK = 8;
const LOANS = 2_400;
const CHUNKS = LOANS / CHUNK;
const PERIOD = 202611n;
/** The chunks proven and accepted, in acceptance order. */
const ACCEPTED = [0, 230, 299] as const;
const built = (): boolean =>
  readManifest().instances[CHUNK_INSTANCE] !== undefined &&
  readManifest().instances[AGG_INSTANCE] !== undefined;

interface ChunkProof {
  index: number;
  proof: SnarkjsProof;
  publicSignals: string[];
}

interface World {
  registry: Contract;
  relay: Contract;
  chunks: ChunkProof[];
  /** The receipts of the three acceptances, in ACCEPTED's order. */
  receipts: TransactionReceipt[];
  /** Puts the chain back to the three chunks accepted. */
  reset(): Promise<void>;
}

async function makeWorld(): Promise<World> {
  const { ethers, registry, relay, key, today, chainId, registryAddress } = await deployCommittedRegistry({
    pools: [1n],
  });
  const tape = poolTape({ seed: 17, loans: LOANS, poolId: 1n, period: Number(PERIOD), asOfDate: today });
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
  const ctx = { publicKey: key.publicKey, chainId, registry: registryAddress };
  const signature = await signAttestation(
    key.privateKey,
    await attestationMessage(tape, commitment, ctx, TEST_POLICY),
  );
  const prover = new ProverPool();
  const chunks: ChunkProof[] = [];
  try {
    for (const index of ACCEPTED) {
      const b = await buildChunkCommitmentInput(tape, TEST_POLICY, commitment, signature, ctx, index, CHUNK);
      const r = await proveInstance(prover, CHUNK_INSTANCE, b.input);
      chunks.push({ index, proof: r.proof as SnarkjsProof, publicSignals: r.publicSignals });
    }
  } finally {
    await prover.close();
  }
  const receipts: TransactionReceipt[] = [];
  for (const c of chunks) {
    receipts.push(await submitChunkCommitment(relay, CHUNK_INSTANCE, 1, c.proof, c.publicSignals));
  }
  const reset = await chainSnapshot(ethers);
  return {
    registry,
    relay,
    chunks,
    receipts,
    reset,
  };
}

const it = test.extend<{ deployed: World; world: World }>({
  deployed: [async ({}, use) => use(await makeWorld()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
});

afterAll(terminateCurves);

describe.skipIf(!built())(
  `a committed batch of ${CHUNKS} chunks (${LOANS} loans in chunks of ${CHUNK})`,
  () => {
    it("each proof's pool word says 300 chunks and its own index", ({ deployed }) => {
      const words = deployed.chunks.map((c) => unpackPoolWord(BigInt(c.publicSignals[1]!)));
      expect(words.map((w) => [Number(w.chunkIndex), Number(w.chunkCount)])).toEqual(
        ACCEPTED.map((i) => [i, CHUNKS]),
      );
    });

    it("after chunks 0, 230 and 299 the batch is open with those three bits, 3 seen of 300", async ({
      deployed,
    }) => {
      const [open, period, received, seen, count] = [
        ...(await deployed.registry.getFunction("committedBatch")(1n)),
      ];
      expect([open, period, [...(received as bigint[])], seen, count]).toEqual([
        true,
        PERIOD,
        [1n | (1n << 230n), 1n << BigInt(299 - 256), 0n, 0n],
        3n,
        BigInt(CHUNKS),
      ]);
    });

    it("each acceptance emits ChunkCommitted with its index, in acceptance order", ({ deployed }) => {
      const indices = deployed.receipts.map((r) => {
        const ev = r.logs
          .map((l) => deployed.registry.interface.parseLog(l))
          .find((e) => e?.name === "ChunkCommitted");
        return Number(ev?.args.chunkIndex);
      });
      expect(indices).toEqual([...ACCEPTED]);
    });

    it("a chunk past index 255 costs at most 300,000 gas, as any later chunk", ({ deployed }) => {
      for (const r of deployed.receipts.slice(1)) expect(r.gasUsed).toBeLessThanOrEqual(300_000n);
    });

    it.for([
      { k: 2, index: 299 },
      { k: 1, index: 230 },
    ])("refuses chunk $index replayed", async ({ k, index }, { world }) => {
      const c = world.chunks[k]!;
      expect(
        await revertOf(
          submitChunkCommitment(world.relay, CHUNK_INSTANCE, 1, c.proof, c.publicSignals),
          world.registry,
        ),
      ).toEqual({ name: "Registry__ChunkAlreadySubmitted", args: [1n, PERIOD, BigInt(index)] });
    });

    it("refuses the aggregation while 297 chunks are missing, counting the 3 received", async ({ world }) => {
      const s = world.chunks[0]!.publicSignals.map(BigInt);
      const anyProof = world.chunks[0]!.proof;
      expect(
        await revertOf(
          submitAggregation(
            world.relay,
            AGG_INSTANCE,
            1,
            anyProof,
            [s[0]!, s[1]!, s[2]!, s[3]!],
            [0n, 0n, 0n],
          ),
          world.registry,
        ),
      ).toEqual({ name: "Registry__ChunksMissing", args: [1n, PERIOD, 3n, BigInt(CHUNKS)] });
    });
  },
);
