/**
 * Issue 14's case end to end: a 9-loan pool proven in chunks of 8 (`attestPool` with pool-attestation-8) is a
 * committed attestation (two PoolChunkCommitment(8) proofs and one PoolAggregation(4) proof), checked by the
 * auditor's check and submitted to the registry as the CLI submits it (chunks in the order listed, then the
 * aggregation). Neither chunk's figures appear anywhere: not in the attestation file, the transactions'
 * calldata, the registry's events, nor any storage slot the transactions write (read from the node's trace);
 * only the pool's figures, which equal the independent model's over all nine loans. The auditor's check
 * refuses the file with its chunks reordered, its figures changed or its aggregation's figure words changed.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (nothing a test
 * does changes them): the registry deployed with the originator onboarded, the attestation and the
 * secrets it must not show, the transactions that submitted it and what each of them shows (calldata,
 * events, the values its SSTOREs wrote).
 */
import { afterAll, describe, expect, test } from "vitest";
import type { TransactionReceipt } from "ethers";
import {
  attestPool,
  attestationToJson,
  parseAttestation,
  verifyAttestation,
  type Attestation,
} from "../../prover/attest.ts";
import { aggregateFigures, chunkFigures, packFigures, splitChunks } from "../../prover/model/index.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { readAttestation, submitAggregation, submitChunkCommitment } from "../../sdk/index.ts";
import { terminateCurves } from "./helpers.ts";
import { TEST_POLICY, deployCommittedRegistry, poolTape, type CommittedRegistry } from "./pool-world.ts";
import { leaves, secretsOf } from "../support/chunk-secrets.ts";

const BUILT = ["pool-attestation-8", "pool-chunk-commitment-8", "pool-aggregation-4"].every(
  (n) => readManifest().instances[n] !== undefined,
);

const word = (v: bigint): string => v.toString(16).padStart(64, "0");

/** What a transaction shows: its calldata and events in hex, and every value its SSTOREs wrote. */
interface Shown {
  calldata: string;
  events: string;
  stores: number;
  written: bigint[];
}

const it = test.extend<{
  prover: ProverPool;
  /** The registry on the in-process network, the originator onboarded for pool 7, and the relayer's view of it. */
  deployed: CommittedRegistry;
  /** The attestation of the 9-loan pool, its openings, its file, the model's figures and the chunk secrets. */
  attested: {
    attestation: Attestation;
    openings: unknown[];
    json: string;
    model: ReturnType<typeof aggregateFigures>;
    secrets: bigint[];
  };
  /** The auditor's check of the file changed by `edit`. */
  tampered: (edit: (a: Attestation) => void) => Promise<{ valid: boolean; problems: string[] }>;
  /** The receipts of the submission as the CLI makes it: the chunks in the order listed, then the aggregation. */
  receipts: TransactionReceipt[];
  /** What each of the submission's transactions shows, in the same order. */
  shown: Shown[];
}>({
  prover: [
    async ({}, use) => {
      const prover = new ProverPool();
      await use(prover);
      await prover.close();
    },
    { scope: "file" },
  ],
  deployed: [async ({}, use) => use(await deployCommittedRegistry({ pools: [7n] })), { scope: "file" }],
  attested: [
    async ({ prover, deployed: d }, use) => {
      // the ninth loan alone in chunk 1: its balance, scheduled and collected cash and score are that chunk's
      const tape = poolTape({
        seed: 99,
        loans: 9,
        poolId: 7n,
        period: 202611,
        asOfDate: d.today,
        edits: { 8: { outstandingBalance: 765_432n, creditScore: 777 } },
      });
      const { attestation, openings } = await attestPool({
        tape,
        policy: TEST_POLICY,
        key: d.key,
        chainId: (await d.ethers.provider.getNetwork()).chainId,
        registry: await d.registry.getAddress(),
        instance: "pool-attestation-8",
        pool: prover,
      });
      const chunks = splitChunks(tape.loans, 8).map((loans) => chunkFigures(loans, TEST_POLICY));
      const model = aggregateFigures(chunks, TEST_POLICY);
      await use({
        attestation,
        openings,
        json: attestationToJson(attestation),
        model,
        secrets: chunks.flatMap((c) => secretsOf(c, model)),
      });
    },
    { scope: "file" },
  ],
  tampered: [
    async ({ attested: { json } }, use) =>
      use(async (edit) => {
        const a = parseAttestation(json);
        edit(a);
        return verifyAttestation(a);
      }),
    { scope: "file" },
  ],
  receipts: [
    async ({ deployed: { relay }, attested: { attestation } }, use) => {
      const receipts: TransactionReceipt[] = [];
      for (const c of attestation.chunks)
        receipts.push(await submitChunkCommitment(relay, attestation.instance, 1, c.proof, c.publicSignals));
      const agg = attestation.aggregation!;
      receipts.push(
        await submitAggregation(
          relay,
          agg.instance,
          1,
          agg.proof,
          attestation.chunks[0]!.publicSignals.slice(0, 4),
          agg.publicSignals.slice(1),
        ),
      );
      await use(receipts);
    },
    { scope: "file" },
  ],
  shown: [
    async ({ deployed: { ethers }, receipts }, use) => {
      const shown: Shown[] = [];
      for (const r of receipts) {
        const tx = await ethers.provider.getTransaction(r.hash);
        // every value any SSTORE of the transaction wrote (the trace's stack at each SSTORE: key, value)
        const trace = (await ethers.provider.send("debug_traceTransaction", [r.hash, {}])) as {
          structLogs: { op: string; stack?: string[] }[];
        };
        const stores = trace.structLogs.filter((s) => s.op === "SSTORE");
        shown.push({
          calldata: tx!.data.slice(10),
          events: r.logs.map((l) => [...l.topics.map((t) => t.slice(2)), l.data.slice(2)].join("")).join(""),
          stores: stores.length,
          written: stores.map((s) => BigInt("0x" + s.stack!.at(-2)!.replace(/^0x/, ""))),
        });
      }
      await use(shown);
    },
    { scope: "file" },
  ],
});

afterAll(terminateCurves);

/** A storage word without the registry's marker bit (kept in figure slots beside the figure). */
const unmarked = (w: bigint): bigint => w & ((1n << 255n) - 1n);
const wordsOf = (secrets: bigint[]) => secrets.filter((v) => v > 2n ** 64n);

describe.skipIf(!BUILT)("a 9-loan pool in chunks of 8 publishes only pool-level figures", () => {
  describe("the attestation", () => {
    it("is a committed attestation: two chunk-commitment proofs and an aggregation", ({
      attested: { attestation },
    }) => {
      expect(attestation.instance).toBe("pool-chunk-commitment-8");
      expect(attestation.aggregation?.instance).toBe("pool-aggregation-4");
      expect(attestation.chunks.map((c) => c.publicSignals.length)).toEqual([5, 5]);
    });

    it("comes with one opening per chunk", ({ attested: { openings } }) => {
      expect(openings).toHaveLength(2);
    });

    it("has the independent model's figures over all nine loans", ({ attested: { attestation, model } }) => {
      expect(attestation.figures).toEqual(model);
    });

    it("the secrets searched for include chunk 1's outstanding (the ninth loan's balance) and figure words", ({
      attested: { secrets },
    }) => {
      expect(secrets.map(String)).toContain("765432");
      expect(wordsOf(secrets).length).toBeGreaterThanOrEqual(4);
    });

    it("no value anywhere in the file is a chunk's figure or figure word", ({
      attested: { json, secrets },
    }) => {
      const inFile = new Set(leaves(JSON.parse(json)));
      for (const s of secrets) expect(inFile.has(String(s)), `${s} in the file`).toBe(false);
    });

    it("no chunk's figure word appears anywhere in the file's text", ({ attested: { json, secrets } }) => {
      for (const s of wordsOf(secrets)) expect(json.includes(String(s))).toBe(false);
    });
  });

  describe("the auditor's check", () => {
    it("holds the file valid, with the model's pool figures", async ({ attested: { json, model } }) => {
      const check = await verifyAttestation(parseAttestation(json));
      expect(check.problems).toEqual([]);
      expect(check.valid).toBe(true);
      expect(check.figures).toEqual(model);
    });

    it("refuses the chunks reordered: acc is not the chain", async ({ tampered }) => {
      const reordered = await tampered((a) => a.chunks.reverse());
      expect(reordered.valid).toBe(false);
      expect(reordered.problems.join()).toContain("acc is not the chain");
    });

    it("refuses other figures claimed", async ({ tampered }) => {
      const claimed = await tampered(
        (a) => (a.figures = { ...a.figures, outstanding: a.figures.outstanding + 1n }),
      );
      expect(claimed.valid).toBe(false);
    });

    it("refuses the aggregation's figure words changed: its proof does not verify", async ({
      tampered,
      attested: { model },
    }) => {
      const forged = await tampered((a) => {
        const packed = packFigures({ ...model, outstanding: model.outstanding + 1n });
        a.aggregation!.publicSignals[1] = String(packed.figA);
      });
      expect(forged.problems).toContain("aggregation: the proof does not verify");
    });
  });

  describe("the submission", () => {
    it("records the model's figures in the registry", async ({
      deployed: { registry },
      attested: { model },
      receipts: _,
    }) => {
      expect((await readAttestation(registry, 7n))?.figures).toEqual({
        ...model,
        activeCount: BigInt(model.activeCount),
        minScore: BigInt(model.minScore),
        breaches: BigInt(model.breaches),
      });
    });

    it("every transaction writes storage", ({ shown }) => {
      for (const s of shown) expect(s.stores).toBeGreaterThan(0);
    });

    // the search finds what is there: the aggregation's calldata, event and storage carry the pool's figA
    it("the aggregation's calldata carries the pool's figA", ({ shown, attested: { model } }) => {
      expect(shown.at(-1)!.calldata.includes(word(packFigures(model).figA))).toBe(true);
    });

    it("the aggregation's events carry the pool's figA", ({ shown, attested: { model } }) => {
      expect(shown.at(-1)!.events.includes(word(packFigures(model).figA))).toBe(true);
    });

    it("the aggregation writes the pool's figA to storage", ({ shown, attested: { model } }) => {
      expect(shown.at(-1)!.written.some((w) => unmarked(w) === packFigures(model).figA)).toBe(true);
    });

    it("no transaction's calldata has a chunk's figure or figure word as a word", ({
      shown,
      attested: { secrets },
    }) => {
      for (const { calldata } of shown)
        for (const s of secrets)
          for (let i = 0; i < calldata.length; i += 64) expect(calldata.slice(i, i + 64)).not.toBe(word(s));
    });

    it("no transaction's events carry a chunk's figure or figure word", ({
      shown,
      attested: { secrets },
    }) => {
      for (const { events } of shown)
        for (const s of secrets) expect(events.includes(word(s)), `${s} in an event`).toBe(false);
    });

    it("no transaction writes a chunk's figure or figure word to storage", ({
      shown,
      attested: { secrets },
    }) => {
      for (const { written } of shown)
        for (const s of secrets) expect(written.includes(s), `${s} written to storage`).toBe(false);
    });

    it("no transaction writes one packed beside other fields (the marker bit of figure slots)", ({
      shown,
      attested: { secrets },
    }) => {
      for (const { written } of shown)
        for (const s of secrets) expect(written.some((w) => unmarked(w) === s)).toBe(false);
    });
  });
});
