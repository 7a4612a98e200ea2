/**
 * The minimum pool size (docs/POLICY.md, "Minimum pool size"; issue 14, item 2) and PoolAttestation's
 * one-chunk rule (issue 14, item 1): a pool with fewer active loans than the policy's `minActiveLoans` has no
 * proof, neither as one chunk (PoolAttestation) nor as several (PoolAggregation over PoolChunkCommitment
 * chunks), and the prover refuses it before any work; a pool of several chunks has no PoolAttestation proof
 * at all, so no chunk's figures are ever published. Each refusal is pinned to the constraint that must fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitTape, randomSalts } from "../../prover/commitment/encoding.ts";
import {
  domainWord,
  generateOriginatorKey,
  signAttestation,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import { attestPool } from "../../prover/attest.ts";
import {
  aggregateFigures,
  chunkFigures,
  requirePoolSize,
  splitChunks,
  unpackFigures,
} from "../../prover/model/index.ts";
import { AGGREGATION_SIGNAL_NAMES, CHUNK_COMMITMENT_SIGNAL_NAMES } from "../../prover/model/aggregation.ts";
import { DEFAULT_POLICY, policyHash, policyParams, type Policy } from "../../prover/policy/index.ts";
import { LoanStatus, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { assertValidTape } from "../../prover/tape/validate.ts";
import { buildAggregationInput, buildChunkCommitmentInput } from "../../prover/witness/aggregation.ts";
import { buildPoolInput, type CircuitInput, type ProofContext } from "../../prover/witness/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";
import { AS_OF } from "./gen.ts";
import {
  check,
  compileCircuit,
  failsAt,
  failure,
  readWire,
  terminateCurve,
  witness,
  type Compiled,
} from "./helpers.ts";

const CHUNK = 8;
const SLOTS = 4;
const POOL = "pool/pool_attestation.circom";
const AGG = "aggregation/pool_aggregation.circom";
const PUBLIC = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"];
const ONE_CHUNK = (): RegExp => failsAt("PoolAttestation", POOL, "chunk.chunks === 1;");
const TOO_FEW = (): RegExp => failsAt("PoolAttestation", POOL, "tooFew.out === 0;");
const AGG_TOO_FEW = (): RegExp => failsAt("PoolAggregation", AGG, "tooFew.out === 0;");

let attestation: Compiled;
let chunkCircuit: Compiled;
let aggCircuit: Compiled;
let key: OriginatorKey;
let ctx: ProofContext;

beforeAll(async () => {
  [attestation, chunkCircuit, aggCircuit] = await Promise.all([
    compileCircuit("circuits/pool/pool_attestation.circom", "PoolAttestation", [CHUNK], PUBLIC),
    compileCircuit(
      "circuits/aggregation/chunk_commitment.circom",
      "PoolChunkCommitment",
      [CHUNK],
      [...CHUNK_COMMITMENT_SIGNAL_NAMES],
    ),
    compileCircuit(
      "circuits/aggregation/pool_aggregation.circom",
      "PoolAggregation",
      [SLOTS],
      [...AGGREGATION_SIGNAL_NAMES],
    ),
  ]);
  key = await generateOriginatorKey();
  ctx = { publicKey: key.publicKey, chainId: 31337n, registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
});

afterAll(async () => {
  await terminateCurve();
});

/** A valid tape of `total` loans: the first `active` performing, the others repaid (not active). */
function tapeOf(active: number, total: number): LoanTape {
  const loans = Array.from({ length: total }, (_, i): LoanRecord => {
    const base: LoanRecord = {
      loanId: `L${i}`,
      borrowerRef: `B${i}`,
      originationDate: 19000,
      maturityDate: 21000,
      originalPrincipal: 1_000_000n,
      outstandingBalance: 800_000n + BigInt(i),
      interestRateBps: 700,
      scheduledPayment: 20_000n,
      collectedAmount: 20_000n,
      daysPastDue: 0,
      status: LoanStatus.Performing,
      chargedOffAmount: 0n,
      creditScore: 700,
      scoreProviderId: 1,
      scoreDate: 20400,
      collateralValue: 0n,
    };
    return i < active ? base : { ...base, status: LoanStatus.Repaid, outstandingBalance: 0n };
  });
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

async function signed(tape: LoanTape, policy: Policy) {
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
  const signature = await signAttestation(key.privateKey, {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
    loanCount: tape.loans.length,
    domain: domainWord(ctx.registry, ctx.chainId),
    policyHash: await policyHash(policy),
  });
  return { commitment, signature };
}

/** PoolAttestation(8)'s input for chunk `chunkIndex` of `tape`. */
async function attestationInput(tape: LoanTape, policy: Policy, chunkIndex = 0): Promise<CircuitInput> {
  const { commitment, signature } = await signed(tape, policy);
  return (await buildPoolInput(tape, policy, commitment, signature, ctx, chunkIndex, CHUNK)).input;
}

/** PoolAggregation(4)'s input over the tape's PoolChunkCommitment chunks (each witness computed and checked). */
async function aggregationInput(tape: LoanTape, policy: Policy): Promise<CircuitInput> {
  const { commitment, signature } = await signed(tape, policy);
  const chunks = [];
  for (let c = 0; c < commitment.chunkCount; c++) {
    const built = await buildChunkCommitmentInput(tape, policy, commitment, signature, ctx, c, CHUNK);
    expect(await check(chunkCircuit, await witness(chunkCircuit, built.input))).toBe(true);
    chunks.push(built);
  }
  const { root, policyHash: pHash, keyHash } = chunks[0]!.publicSignals;
  const built = await buildAggregationInput(
    { root, policyHash: pHash, keyHash, policy, openings: chunks.map((c) => c.opening) },
    SLOTS,
  );
  return built.input;
}

async function rejectWith(c: Compiled, input: CircuitInput, reason: RegExp): Promise<void> {
  const msg = await failure(witness(c, input));
  expect(msg, "witness unexpectedly computed").not.toBe("");
  expect(msg).toMatch(reason);
}

describe("PoolAttestation(8): a pool of one chunk, with at least minActiveLoans active loans", () => {
  it("has the 7 public inputs of docs/INTERFACES.md and no other public signal", () => {
    expect(attestation.header.nPubIn).toBe(PUBLIC.length);
    expect(attestation.header.nPubOut).toBe(0);
  });

  it("proves a pool exactly at the minimum, with the model's figures", async () => {
    const tape = tapeOf(6, 8);
    const policy = withMinimum(6);
    const w = await witness(attestation, await attestationInput(tape, policy));
    expect(await check(attestation, w)).toBe(true);
    const fig = unpackFigures(readWire(w, 5), readWire(w, 6), readWire(w, 7));
    expect(fig).toEqual(chunkFigures(tape.loans, policy));
    expect(fig.activeCount).toBe(6);
  });

  it("has no proof one active loan below the minimum, whatever the number of loans on the tape", async () => {
    await rejectWith(attestation, await attestationInput(tapeOf(5, 8), withMinimum(6)), TOO_FEW());
    await rejectWith(attestation, await attestationInput(tapeOf(2, 2), DEFAULT_POLICY), TOO_FEW());
    await rejectWith(attestation, await attestationInput(tapeOf(0, 3), withMinimum(1)), TOO_FEW());
  });

  it("has no proof for any chunk of a pool of several chunks, though each is a valid chunk", async () => {
    const tape = tapeOf(12, 12);
    const policy = withMinimum(1);
    for (const chunkIndex of [0, 1]) {
      await rejectWith(attestation, await attestationInput(tape, policy, chunkIndex), ONE_CHUNK());
    }
  });

  it("range-checks the minimum (a policy of 2^16 cannot be proven against)", async () => {
    const input = await attestationInput(tapeOf(8, 8), withMinimum(8));
    const policy = (input.policy as string[]).slice();
    policy[8] = (1n << 16n).toString();
    const msg = await failure(witness(attestation, { ...input, policy }));
    expect(msg).not.toBe("");
  });
});

describe("PoolAggregation(4): the minimum applies to the pool, not to its chunks", () => {
  it("proves 10 active loans in chunks of 8 and 2 under a minimum of 10, with the model's figures", async () => {
    const tape = tapeOf(10, 10);
    const policy = withMinimum(10);
    const input = await aggregationInput(tape, policy);
    const w = await witness(aggCircuit, input);
    expect(await check(aggCircuit, w)).toBe(true);
    const model = aggregateFigures(
      splitChunks(tape.loans, CHUNK).map((l) => chunkFigures(l, policy)),
      policy,
    );
    expect(unpackFigures(readWire(w, 2), readWire(w, 3), readWire(w, 4))).toEqual(model);
  });

  it("has no proof for 9 active loans of 12 (3 repaid) under the default minimum of 10", async () => {
    await rejectWith(aggCircuit, await aggregationInput(tapeOf(9, 12), DEFAULT_POLICY), AGG_TOO_FEW());
  });

  it("uses the committed policy's minimum: the prover cannot lower it without changing policyHash", async () => {
    const input = await aggregationInput(tapeOf(9, 12), DEFAULT_POLICY);
    const lowered = (input.policy as string[]).slice();
    lowered[8] = "9";
    await rejectWith(
      aggCircuit,
      { ...input, policy: lowered },
      failsAt("PoolAggregation", AGG, "policyParams.hash === policyHash"),
    );
    expect(policyParams(DEFAULT_POLICY)[8]).toBe(10n);
  });
});

describe("the prover refuses a pool below the minimum before any work", () => {
  it("requirePoolSize counts active loans only, and attestPool throws `refused` naming both numbers", async () => {
    expect(requirePoolSize(tapeOf(10, 12).loans, DEFAULT_POLICY)).toBe(10);
    const small = tapeOf(9, 12);
    expect(() => requirePoolSize(small.loans, DEFAULT_POLICY)).toThrow(/9 active loans.*at least 10/);
    const err = await attestPool({
      tape: small,
      policy: DEFAULT_POLICY,
      key,
      chainId: ctx.chainId,
      registry: ctx.registry,
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
