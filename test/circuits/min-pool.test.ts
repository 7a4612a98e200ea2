/**
 * The minimum pool size (docs/POLICY.md, "Minimum pool size"; issue 14, item 2) and PoolAttestation's
 * one-chunk rule (issue 14, item 1): a pool with fewer active loans than the policy's `minActiveLoans` has no
 * proof, neither as one chunk (PoolAttestation) nor as several (PoolAggregation over PoolChunkCommitment
 * chunks), and the prover refuses it before any work; a pool of several chunks has no PoolAttestation proof
 * at all, so no chunk's figures are ever published. Each refusal is pinned to the constraint that must fail.
 *
 * One claim per test, through the typed circuit tester (test/support/circuit-tester.ts); each test gets its
 * fixtures from `it`'s context: the compiled circuits (once per file) and an originator (a key, the proof
 * context and the inputs it builds for a tape), made for the test.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { OriginatorKey } from "../../prover/commitment/keys.ts";
import { attestPool } from "../../prover/attest.ts";
import { aggregateFigures, chunkFigures, requirePoolSize, splitChunks } from "../../prover/model/index.ts";
import { DEFAULT_POLICY, policyParams, type Policy } from "../../prover/policy/index.ts";
import { LoanStatus, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { assertValidTape } from "../../prover/tape/validate.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../../prover/witness/aggregation.ts";
import { buildPoolInput, type ProofContext } from "../../prover/witness/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";
import { withElement, type Signals } from "../support/circuit-tester.ts";
import { testOriginator } from "../support/originator.ts";
import {
  CHUNK,
  POOL_PUBLIC,
  SLOTS,
  compileAggregation,
  compileChunkCommitment,
  compilePool,
  figuresOf,
  type AggregationInputName,
  type AggregationTester,
  type ChunkCommitmentTester,
  type PoolInputName,
  type PoolTester,
} from "../support/pool-circuits.ts";
import { AS_OF, loan } from "./gen.ts";
import { failsAt, terminateCurve } from "./helpers.ts";

const POOL = "pool/pool_attestation.circom";
const AGG = "aggregation/pool_aggregation.circom";
const ONE_CHUNK = (): RegExp => failsAt("PoolAttestation", POOL, "chunk.chunks === 1;");
const TOO_FEW = (): RegExp => failsAt("PoolAttestation", POOL, "tooFew.out === 0;");
const AGG_TOO_FEW = (): RegExp => failsAt("PoolAggregation", AGG, "tooFew.out === 0;");
/** The policy word that holds minActiveLoans (docs/POLICY.md). */
const MIN_ACTIVE_LOANS = 8;

/** A valid tape of `total` loans: the first `active` performing, the others repaid (not active). */
function tapeOf(active: number, total: number): LoanTape {
  const loans = Array.from({ length: total }, (_, i): LoanRecord =>
    i < active
      ? loan({ outstandingBalance: 800_000n + BigInt(i) }, i)
      : loan({ status: LoanStatus.Repaid, outstandingBalance: 0n }, i),
  );
  return assertValidTape({
    poolId: 5n,
    period: 202611,
    asOfDate: AS_OF,
    currency: "USD",
    decimals: 2,
    loans,
  });
}

/** A policy with no covenant that could fail these tapes, and the given minimum. */
const withMinimum = (minActiveLoans: number): Policy => ({ ...DEFAULT_POLICY, minActiveLoans });

/** An originator: its key, the proof context, and the circuit inputs it builds for a tape under a policy. */
interface Originator {
  key: OriginatorKey;
  ctx: ProofContext;
  /** PoolAttestation(8)'s input for chunk `chunkIndex` of `tape`. */
  attestationInput(tape: LoanTape, policy: Policy, chunkIndex?: number): Promise<Signals<PoolInputName>>;
  /** PoolAggregation(4)'s input over the tape's PoolChunkCommitment chunks (each chunk's witness checked). */
  aggregationInput(tape: LoanTape, policy: Policy): Promise<Signals<AggregationInputName>>;
}

const it = test.extend<{
  attestation: PoolTester;
  chunkCircuit: ChunkCommitmentTester;
  aggCircuit: AggregationTester;
  originator: Originator;
}>({
  attestation: [async ({}, use) => use(await compilePool("PoolAttestation")), { scope: "file" }],
  chunkCircuit: [async ({}, use) => use(await compileChunkCommitment()), { scope: "file" }],
  aggCircuit: [async ({}, use) => use(await compileAggregation()), { scope: "file" }],
  originator: async ({ attestation, chunkCircuit, aggCircuit }, use) => {
    const { key, ctx, sign } = await testOriginator();
    const signed = (tape: LoanTape, policy: Policy) => sign(tape, policy, CHUNK);
    await use({
      key,
      ctx,
      async attestationInput(tape, policy, chunkIndex = 0) {
        const { commitment, signature } = await signed(tape, policy);
        const built = await buildPoolInput(tape, policy, commitment, signature, ctx, chunkIndex, CHUNK);
        return attestation.input(built.input);
      },
      async aggregationInput(tape, policy) {
        const { commitment, signature } = await signed(tape, policy);
        const chunks = [];
        for (let c = 0; c < commitment.chunkCount; c++) {
          const built = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, c, CHUNK);
          await chunkCircuit.expectPass(chunkCircuit.input(built.input));
          chunks.push(built);
        }
        const { root, policyHash: pHash, keyHash } = chunks[0]!.publicSignals;
        const built = await buildAggregationInput(
          { root, policyHash: pHash, keyHash, policy, openings: chunks.map((c) => c.opening) },
          SLOTS,
        );
        return aggCircuit.input(built.input);
      },
    });
  },
});

afterAll(terminateCurve);

describe("PoolAttestation(8): a pool of one chunk, with at least minActiveLoans active loans", () => {
  it("has the 7 public inputs of docs/INTERFACES.md and no other public signal", ({ attestation }) => {
    expect(attestation.compiled.header.nPubIn).toBe(POOL_PUBLIC.length);
    expect(attestation.compiled.header.nPubOut).toBe(0);
  });

  it("proves a pool exactly at the minimum (6 active loans of 8 under 6), with the model's figures", async ({
    attestation,
    originator,
  }) => {
    const tape = tapeOf(6, 8);
    const policy = withMinimum(6);
    const w = await attestation.expectPass(await originator.attestationInput(tape, policy));
    const fig = figuresOf(attestation, w);
    expect(fig).toEqual(chunkFigures(tape.loans, policy));
    expect(fig.activeCount).toBe(6);
  });

  // One active loan below the minimum, whatever the number of loans on the tape.
  const below = [
    { what: "5 active loans of 8 under a minimum of 6", active: 5, total: 8, policy: withMinimum(6) },
    {
      what: "2 active loans of 2 under the default minimum (10)",
      active: 2,
      total: 2,
      policy: DEFAULT_POLICY,
    },
    { what: "0 active loans of 3 under a minimum of 1", active: 0, total: 3, policy: withMinimum(1) },
  ];
  for (const { what, active, total, policy } of below)
    it(`has no proof for ${what}, at the tooFew check`, async ({ attestation, originator }) => {
      await attestation.expectFail(
        await originator.attestationInput(tapeOf(active, total), policy),
        TOO_FEW(),
      );
    });

  for (const chunkIndex of [0, 1])
    it(`has no proof for chunk ${chunkIndex} of a pool of two chunks, though it is a valid chunk`, async ({
      attestation,
      originator,
    }) => {
      const input = await originator.attestationInput(tapeOf(12, 12), withMinimum(1), chunkIndex);
      await attestation.expectFail(input, ONE_CHUNK());
    });

  it("range-checks the minimum: a policy of 2^16 has no proof, at PolicyParams' range check", async ({
    attestation,
    originator,
  }) => {
    const input = await originator.attestationInput(tapeOf(8, 8), withMinimum(8));
    // PolicyParams' range check of each word refuses it.
    await attestation.expectFail(
      withElement(input, "policy", MIN_ACTIVE_LOANS, 1n << 16n),
      failsAt("PolicyParams", "lib/covenants.circom", "bits[i].in <== policy[i]"),
    );
  });
});

describe("PoolAggregation(4): the minimum applies to the pool, not to its chunks", () => {
  it("proves 10 active loans in chunks of 8 and 2 under a minimum of 10, with the model's figures", async ({
    aggCircuit,
    originator,
  }) => {
    const tape = tapeOf(10, 10);
    const policy = withMinimum(10);
    const w = await aggCircuit.expectPass(await originator.aggregationInput(tape, policy));
    const model = aggregateFigures(
      splitChunks(tape.loans, CHUNK).map((l) => chunkFigures(l, policy)),
      policy,
    );
    expect(figuresOf(aggCircuit, w)).toEqual(model);
  });

  it("has no proof for 9 active loans of 12 (3 repaid) under the default minimum of 10", async ({
    aggCircuit,
    originator,
  }) => {
    await aggCircuit.expectFail(
      await originator.aggregationInput(tapeOf(9, 12), DEFAULT_POLICY),
      AGG_TOO_FEW(),
    );
  });

  it("the committed policy's word 8 is its minimum (the default's 10)", () => {
    expect(policyParams(DEFAULT_POLICY)[MIN_ACTIVE_LOANS]).toBe(10n);
  });

  it("uses the committed policy's minimum: a prover that lowers it to 9 breaks policyHash", async ({
    aggCircuit,
    originator,
  }) => {
    const input = await originator.aggregationInput(tapeOf(9, 12), DEFAULT_POLICY);
    await aggCircuit.expectFail(
      withElement(input, "policy", MIN_ACTIVE_LOANS, "9"),
      failsAt("PoolAggregation", AGG, "policyParams.hash === policyHash"),
    );
  });
});

describe("the prover refuses a pool below the minimum before any work", () => {
  it("requirePoolSize counts active loans only (10 of 12, 2 repaid)", () => {
    expect(requirePoolSize(tapeOf(10, 12).loans, DEFAULT_POLICY)).toBe(10);
  });

  it("requirePoolSize refuses 9 active loans under the default, naming both numbers", () => {
    expect(() => requirePoolSize(tapeOf(9, 12).loans, DEFAULT_POLICY)).toThrow(/9 active loans.*at least 10/);
  });

  it("attestPool throws `refused` naming policy.minActiveLoans and the 9 active loans, before any work", async ({
    originator,
  }) => {
    const err = await attestPool({
      tape: tapeOf(9, 12),
      policy: DEFAULT_POLICY,
      key: originator.key,
      chainId: originator.ctx.chainId,
      registry: originator.ctx.registry,
      instance: "pool-attestation-8",
      onProgress: () => {
        throw new Error("no work may start");
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodedError);
    expect((err as CodedError).code).toBe("refused");
    expect((err as CodedError).problems[0]).toMatchObject({ field: "policy.minActiveLoans", value: "9" });
  });
});
