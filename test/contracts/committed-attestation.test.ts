/**
 * Issue 14's case end to end: a 9-loan pool proven in chunks of 8 (`attestPool` with pool-attestation-8) is a
 * committed attestation (two PoolChunkCommitment(8) proofs and one PoolAggregation(4) proof), checked by the
 * auditor's check and submitted to the registry as the CLI submits it (chunks in the order listed, then the
 * aggregation). Neither chunk's figures appear anywhere: not in the attestation file, the transactions'
 * calldata, the registry's events, nor any storage slot the transactions write (read from the node's trace);
 * only the pool's figures, which equal the independent model's over all nine loans. The auditor's check
 * refuses the file with its chunks reordered, its figures changed or its aggregation's figure words changed.
 */
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contract, TransactionReceipt } from "ethers";
import {
  deployRegistry,
  deployVerifier,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
import {
  attestPool,
  attestationToJson,
  parseAttestation,
  verifyAttestation,
  type Attestation,
} from "../../prover/attest.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/commitment/keys.ts";
import { aggregateFigures, chunkFigures, packFigures, splitChunks } from "../../prover/model/index.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { ProverPool } from "../../prover/prove/index.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { readAttestation, submitAggregation, submitChunkCommitment } from "../../sdk/index.ts";
import { DAY, terminateCurves } from "./helpers.ts";
import { TEST_POLICY, poolTape } from "./pool-world.ts";
import { leaves, secretsOf } from "../support/chunk-secrets.ts";

const BUILT = ["pool-attestation-8", "pool-chunk-commitment-8", "pool-aggregation-4"].every(
  (n) => readManifest().instances[n] !== undefined,
);

const word = (v: bigint): string => v.toString(16).padStart(64, "0");

describe.skipIf(!BUILT)("a 9-loan pool in chunks of 8 publishes only pool-level figures", () => {
  let ethers: Awaited<ReturnType<typeof hre.network.connect>>["ethers"];
  let registry: Contract;
  let relay: Contract;
  let key: OriginatorKey;
  let today: number;
  const pool = new ProverPool();

  beforeAll(async () => {
    ({ ethers } = await hre.network.connect());
    const [gov, originator, relayer] = await ethers.getSigners();
    const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number((latest / DAY + 1n) * DAY + DAY / 2n)]);
    await ethers.provider.send("evm_mine", []);
    today = Number(latest / DAY + 1n);
    registry = await deployRegistry(gov!);
    for (const [contract, name] of [
      ["PoolChunkCommitment8Verifier", "pool-chunk-commitment-8"],
      ["PoolAggregation4Verifier", "pool-aggregation-4"],
    ])
      await deployVerifier(gov!, registry, contract!, name!);
    await registerPolicy(registry, await policyHash(TEST_POLICY), policyParamsInput(TEST_POLICY));
    key = await generateOriginatorKey();
    await onboardOriginator(
      registry,
      registry.connect(originator!) as Contract,
      { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
      [7n],
    );
    relay = registry.connect(relayer!) as Contract;
  });
  afterAll(async () => {
    await pool.close();
    await terminateCurves();
  });

  it("in the attestation file, calldata, events and storage; the auditor's check holds it", async () => {
    // the ninth loan alone in chunk 1: its balance, scheduled and collected cash and score are that chunk's
    const tape = poolTape({
      seed: 99,
      loans: 9,
      poolId: 7n,
      period: 202611,
      asOfDate: today,
      edits: { 8: { outstandingBalance: 765_432n, creditScore: 777 } },
    });
    const { attestation, openings } = await attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: (await ethers.provider.getNetwork()).chainId,
      registry: await registry.getAddress(),
      instance: "pool-attestation-8",
      pool,
    });
    expect(attestation.instance).toBe("pool-chunk-commitment-8");
    expect(attestation.aggregation?.instance).toBe("pool-aggregation-4");
    expect(attestation.chunks.map((c) => c.publicSignals.length)).toEqual([5, 5]);
    expect(openings).toHaveLength(2);

    const chunks = splitChunks(tape.loans, 8).map((loans) => chunkFigures(loans, TEST_POLICY));
    const model = aggregateFigures(chunks, TEST_POLICY);
    expect(attestation.figures).toEqual(model);
    const secrets = chunks.flatMap((c) => secretsOf(c, model));
    expect(secrets.map(String)).toContain("765432"); // the ninth loan's balance is chunk 1's outstanding
    expect(secrets.filter((v) => v > 2n ** 64n).length).toBeGreaterThanOrEqual(4); // figure words

    // the file: no value anywhere in it is a chunk's figure word or figure
    const json = attestationToJson(attestation);
    const inFile = new Set(leaves(JSON.parse(json)));
    for (const s of secrets) expect(inFile.has(String(s)), `${s} in the file`).toBe(false);
    for (const s of secrets.filter((v) => v > 2n ** 64n)) expect(json.includes(String(s))).toBe(false);

    // the auditor's check: valid, with the model's pool figures; refused when tampered
    const check = await verifyAttestation(parseAttestation(json));
    expect(check.problems).toEqual([]);
    expect(check.valid).toBe(true);
    expect(check.figures).toEqual(model);
    const tampered = (edit: (a: Attestation) => void): Promise<{ valid: boolean; problems: string[] }> => {
      const a = parseAttestation(json);
      edit(a);
      return verifyAttestation(a);
    };
    const reordered = await tampered((a) => a.chunks.reverse());
    expect(reordered.valid).toBe(false);
    expect(reordered.problems.join()).toContain("acc is not the chain");
    const claimed = await tampered(
      (a) => (a.figures = { ...a.figures, outstanding: a.figures.outstanding + 1n }),
    );
    expect(claimed.valid).toBe(false);
    const forged = await tampered((a) => {
      const packed = packFigures({ ...model, outstanding: model.outstanding + 1n });
      a.aggregation!.publicSignals[1] = String(packed.figA);
    });
    expect(forged.problems).toContain("aggregation: the proof does not verify");

    // submitted as the CLI does: the chunks in the order listed, then the aggregation
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
    expect((await readAttestation(registry, 7n))?.figures).toEqual({
      ...model,
      activeCount: BigInt(model.activeCount),
      minScore: BigInt(model.minScore),
      breaches: BigInt(model.breaches),
    });

    const poolWords = packFigures(model);
    for (const [n, r] of receipts.entries()) {
      const tx = await ethers.provider.getTransaction(r.hash);
      const calldata = tx!.data.slice(10);
      const events = r.logs
        .map((l) => [...l.topics.map((t) => t.slice(2)), l.data.slice(2)].join(""))
        .join("");
      // every value any SSTORE of the transaction wrote (the trace's stack at each SSTORE: key, value)
      const trace = (await ethers.provider.send("debug_traceTransaction", [r.hash, {}])) as {
        structLogs: { op: string; stack?: string[] }[];
      };
      const stores = trace.structLogs.filter((s) => s.op === "SSTORE");
      expect(stores.length).toBeGreaterThan(0);
      const written = stores.map((s) => BigInt("0x" + s.stack!.at(-2)!.replace(/^0x/, "")));
      // the search finds what is there: the aggregation's calldata, event and storage carry the pool's figA
      if (n === receipts.length - 1) {
        expect(calldata.includes(word(poolWords.figA))).toBe(true);
        expect(events.includes(word(poolWords.figA))).toBe(true);
        expect(written.some((w) => (w & ((1n << 255n) - 1n)) === poolWords.figA)).toBe(true);
      }
      for (const s of secrets) {
        for (let i = 0; i < calldata.length; i += 64) expect(calldata.slice(i, i + 64)).not.toBe(word(s));
        expect(events.includes(word(s)), `${s} in an event`).toBe(false);
        expect(written.includes(s), `${s} written to storage`).toBe(false);
        // packed into a storage word beside other fields (the registry keeps a marker bit in figure slots)
        expect(written.some((w) => (w & ((1n << 255n) - 1n)) === s)).toBe(false);
      }
    }
  });
});
