/**
 * ScoreBacking(8) (circuits/scores/score_backing.circom) against the provider protocol of prover/scores,
 * through the typed circuit tester (test/support/circuit-tester.ts): a provider-signed chunk gives a witness
 * that satisfies the r1cs; a stale or future report, a score altered after signing, a loan missing from the
 * batch, another chunk's batch, another key and forged wires fail. One claim per test; each gets the compiled
 * circuit (once per file) and its world (a committed 11-loan tape, a provider, its score records) from the
 * test context.
 */
import { afterAll, describe, expect, test } from "vitest";
import { commitTape, deriveSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import {
  ScoreRefused,
  buildScoreBackingInput,
  buildScoreRequest,
  generateProviderKey,
  signScoreBatch,
  verifyScoreBatch,
  type ProviderKey,
  type ScoreLookup,
} from "../../prover/scores/index.ts";
import { failure, terminateCurve } from "../circuits/helpers.ts";
import { CircuitTester, type Signals } from "../support/circuit-tester.ts";

const CHUNK = 8;
const PUBLIC = ["root", "pool", "domain", "providerKeyHash", "modelId", "maxAgeDays"] as const;
const INPUTS = [
  ...PUBLIC,
  "wA",
  "wB",
  "hId",
  "wV",
  "isEmpty",
  "scoreDate",
  "Ax",
  "Ay",
  "S",
  "R8x",
  "R8y",
  "groupSiblings",
  "siblings",
  "slotRoot",
] as const;
type Input = (typeof INPUTS)[number];
type Tester = CircuitTester<Input, "root" | "providerKeyHash">;
const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const SIGNATURE = /EdDSAPoseidonVerifier|ForceEqual/;

async function commit(t: LoanTape): Promise<TapeCommitment> {
  return commitTape(t, await deriveSalts(7n, t), { chunkSize: CHUNK });
}

function lookupFor(cm: TapeCommitment): ScoreLookup {
  const scores = new Map<bigint, number>();
  cm.encoded.forEach((e, i) => scores.set(e.borrowerCommitment, cm.records[i]!.creditScore));
  return (b) => scores.get(b);
}

/** An 11-loan tape (a full chunk and a padded one), committed, its provider and the provider's records. */
interface World {
  provider: ProviderKey;
  tape: LoanTape;
  commitment: TapeCommitment;
  lookup: ScoreLookup;
  /** The circuit input of a chunk, from the provider's signed batch (options change one thing each). */
  inputFor(opts?: {
    chunk?: number;
    scoreDate?: number;
    maxAge?: number;
    key?: ProviderKey;
    cm?: TapeCommitment;
  }): Promise<{ input: Signals<Input>; publicSignals: { root: bigint; providerKeyHash: bigint } }>;
}

const it = test.extend<{ circuit: Tester; world: World }>({
  circuit: [
    async ({}, use) =>
      use(
        await CircuitTester.compile({
          file: "circuits/scores/score_backing.circom",
          template: "ScoreBacking",
          params: [CHUNK],
          publicInputs: PUBLIC,
          inputs: INPUTS,
          outputs: ["root", "providerKeyHash"],
        }),
      ),
    { scope: "file" },
  ],
  world: async ({ circuit }, use) => {
    const provider = await generateProviderKey();
    const tape = generateSyntheticTape({ seed: 5, loans: CHUNK + 3, poolId: 9n, asOfDate: 20_400 });
    const commitment = await commit(tape);
    const lookup = lookupFor(commitment);
    const inputFor: World["inputFor"] = async (opts = {}) => {
      const chunk = opts.chunk ?? 0;
      const batch = await signScoreBatch(
        opts.key ?? provider,
        buildScoreRequest(commitment, chunk, CHUNK),
        { modelId: 3, scoreDate: opts.scoreDate ?? tape.asOfDate - 10 },
        lookup,
      );
      const built = await buildScoreBackingInput(
        tape,
        opts.cm ?? commitment,
        batch,
        {
          providerPublicKey: provider.publicKey,
          chainId: 31337n,
          contract: CONTRACT,
          maxAgeDays: opts.maxAge ?? 30,
        },
        chunk,
        CHUNK,
      );
      return { input: circuit.input(built.input), publicSignals: built.publicSignals };
    };
    await use({ provider, tape, commitment, lookup, inputFor });
  },
});

afterAll(terminateCurve);

describe("ScoreBacking(8)", () => {
  it("accepts a provider-signed full chunk", async ({ circuit, world }) => {
    const { input, publicSignals } = await world.inputFor({ chunk: 0 });
    await circuit.expectPass(input, {
      root: publicSignals.root,
      providerKeyHash: publicSignals.providerKeyHash,
    });
  });

  it("accepts a provider-signed padded last chunk", async ({ circuit, world }) => {
    const { input, publicSignals } = await world.inputFor({ chunk: 1 });
    await circuit.expectPass(input, {
      root: publicSignals.root,
      providerKeyHash: publicSignals.providerKeyHash,
    });
  });

  it("accepts a report exactly maxAgeDays old, and one from asOfDate itself", async ({ circuit, world }) => {
    await circuit.expectPass((await world.inputFor({ scoreDate: world.tape.asOfDate - 30 })).input);
    await circuit.expectPass((await world.inputFor({ scoreDate: world.tape.asOfDate })).input);
  });

  it("refuses a report a day older than maxAgeDays", async ({ circuit, world }) => {
    const { input } = await world.inputFor({ scoreDate: world.tape.asOfDate - 31 });
    await circuit.expectFail(input, /ScoreBacking|Num2Bits/);
  });

  it("refuses a report dated after asOfDate", async ({ circuit, world }) => {
    const { input } = await world.inputFor({ scoreDate: world.tape.asOfDate + 1 });
    await circuit.expectFail(input, /ScoreBacking|Num2Bits/);
  });

  it("refuses a score altered after signing", async ({ circuit, world }) => {
    const altered = structuredClone(world.tape);
    altered.loans[2]!.creditScore = altered.loans[2]!.creditScore === 700 ? 701 : 700;
    const cm = await commit(altered);
    // the provider signed the original scores; the proof is about the altered tape
    const { input } = await world.inputFor({ cm });
    await circuit.expectFail({ ...input, root: String(cm.root) }, SIGNATURE);
  });

  it("refuses the signature of another chunk's batch", async ({ circuit, world }) => {
    const other = (await world.inputFor({ chunk: 1 })).input;
    const mine = (await world.inputFor({ chunk: 0 })).input;
    await circuit.expectFail({ ...mine, S: other.S, R8x: other.R8x, R8y: other.R8y }, SIGNATURE);
  });

  it("refuses a batch signed with another provider's key", async ({ circuit, world }) => {
    const { input } = await world.inputFor({ key: await generateProviderKey() });
    await circuit.expectFail(input, SIGNATURE);
  });

  it("refuses a batch with a loan missing (the provider signed an empty slot there)", async ({
    circuit,
    world,
  }) => {
    const { provider, commitment, tape, lookup } = world;
    const request = buildScoreRequest(commitment, 0, CHUNK);
    request.entries[5] = null;
    const batch = await signScoreBatch(provider, request, { modelId: 3, scoreDate: tape.asOfDate }, lookup);
    const { input } = await world.inputFor();
    await circuit.expectFail(
      {
        ...input,
        S: String(batch.signature.S),
        R8x: String(batch.signature.R8[0]),
        R8y: String(batch.signature.R8[1]),
        scoreDate: String(tape.asOfDate),
      },
      SIGNATURE,
    );
  });

  it("the provider refuses a score that is not its own, naming the slot", async ({ world }) => {
    const { provider, commitment, lookup } = world;
    const request = buildScoreRequest(commitment, 0, CHUNK);
    request.entries[3] = { ...request.entries[3]!, score: request.entries[3]!.score ^ 1 };
    const refused = await failure(signScoreBatch(provider, request, { modelId: 3, scoreDate: 1 }, lookup));
    expect(refused).toMatch(/^slot 3: score/);
  });

  it("the provider refuses an unknown borrower, naming the slot", async ({ world }) => {
    const err = await signScoreBatch(
      world.provider,
      buildScoreRequest(world.commitment, 0, CHUNK),
      { modelId: 3, scoreDate: 1 },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScoreRefused);
    expect((err as ScoreRefused).slot).toBe(0);
  });

  it("verifyScoreBatch accepts the signed batch and refuses another key, chunk, score, model or date", async ({
    world,
  }) => {
    const { provider, commitment, tape, lookup } = world;
    const request = buildScoreRequest(commitment, 0, CHUNK);
    const header = { modelId: 3, scoreDate: tape.asOfDate - 10 };
    const batch = await signScoreBatch(provider, request, header, lookup);
    expect(await verifyScoreBatch(request, batch, provider.publicKey)).toBe(true);
    const other = await generateProviderKey();
    expect(await verifyScoreBatch(request, batch, other.publicKey)).toBe(false);
    expect(await verifyScoreBatch(buildScoreRequest(commitment, 1, CHUNK), batch, provider.publicKey)).toBe(
      false,
    );
    const rescored = { ...request, entries: [...request.entries] };
    rescored.entries[2] = { ...rescored.entries[2]!, score: rescored.entries[2]!.score + 1 };
    expect(await verifyScoreBatch(rescored, batch, provider.publicKey)).toBe(false);
    expect(await verifyScoreBatch(request, { ...batch, modelId: 4 }, provider.publicKey)).toBe(false);
    expect(
      await verifyScoreBatch(request, { ...batch, scoreDate: batch.scoreDate + 1 }, provider.publicKey),
    ).toBe(false);
    const badS = { ...batch, signature: { ...batch.signature, S: 1n << 300n } };
    expect(await verifyScoreBatch(request, badS, provider.publicKey)).toBe(false);
  });

  it("every wire appears in a constraint, except the EdDSA verifier's two free IsZero inverses", ({
    circuit,
  }) => {
    const free = circuit.freeWires();
    expect(free.length).toBeLessThanOrEqual(2);
    for (const name of free) expect(name).toMatch(/^main\.sig\./);
  });

  it("a forged wire (each part of the circuit) fails the r1cs check", async ({ circuit, world }) => {
    const w = await circuit.expectPass((await world.inputFor()).input);
    await circuit.expectForgedFails(w, [
      "wB[3]",
      "hId[2]",
      "scoreDate",
      "batchDigest",
      "wBits[4].out[20]",
      "wA[6]",
      "leafHash[1].out",
      "leafTree.group.parent",
      "slackBits.out[0]",
      "msg.out",
    ]);
  });
});
