/**
 * ScoreBacking(8) (circuits/scores/score_backing.circom) against the provider protocol of prover/scores:
 * a provider-signed chunk gives a witness that satisfies the r1cs; a stale or future report, a score altered
 * after signing, a loan missing from the batch, another chunk's batch, another key and forged wires fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import {
  check,
  compileCircuit,
  editWire,
  failure,
  freeWires,
  readWire,
  terminateCurve,
  witness,
  wireOf,
  type Compiled,
} from "../circuits/helpers.ts";

const CHUNK = 8;
const PUBLIC = ["root", "pool", "domain", "providerKeyHash", "modelId", "maxAgeDays"];
const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

let c: Compiled;
let provider: ProviderKey;
let tape: LoanTape;
let commitment: TapeCommitment;
let lookup: ScoreLookup;

async function commit(t: LoanTape): Promise<TapeCommitment> {
  return commitTape(t, await deriveSalts(7n, t), { chunkSize: CHUNK });
}

function lookupFor(cm: TapeCommitment): ScoreLookup {
  const scores = new Map<bigint, number>();
  cm.encoded.forEach((e, i) => scores.set(e.borrowerCommitment, cm.records[i]!.creditScore));
  return (b) => scores.get(b);
}

async function inputFor(
  opts: { chunk?: number; scoreDate?: number; maxAge?: number; key?: ProviderKey; cm?: TapeCommitment } = {},
) {
  const chunk = opts.chunk ?? 0;
  const cm = opts.cm ?? commitment;
  const batch = await signScoreBatch(
    opts.key ?? provider,
    buildScoreRequest(commitment, chunk, CHUNK),
    { modelId: 3, scoreDate: opts.scoreDate ?? tape.asOfDate - 10 },
    lookup,
  );
  return buildScoreBackingInput(
    tape,
    cm,
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
}

beforeAll(async () => {
  c = await compileCircuit("circuits/scores/score_backing.circom", "ScoreBacking", [CHUNK], PUBLIC);
  provider = await generateProviderKey();
  tape = generateSyntheticTape({ seed: 5, loans: CHUNK + 3, poolId: 9n, asOfDate: 20_400 });
  commitment = await commit(tape);
  lookup = lookupFor(commitment);
}, 120_000);

afterAll(terminateCurve);

describe("ScoreBacking(8)", () => {
  it("accepts a provider-signed full chunk and a padded last chunk", async () => {
    for (const chunk of [0, 1]) {
      const { input, publicSignals } = await inputFor({ chunk });
      const w = await witness(c, input);
      expect(await check(c, w)).toBe(true);
      expect(readWire(w, 1)).toBe(publicSignals.root);
      expect(readWire(w, 4)).toBe(publicSignals.providerKeyHash);
    }
  });

  it("accepts a report exactly maxAgeDays old and from asOfDate itself; refuses older and future reports", async () => {
    expect(await failure(inputFor({ scoreDate: tape.asOfDate - 30 }).then((i) => witness(c, i.input)))).toBe(
      "",
    );
    expect(await failure(inputFor({ scoreDate: tape.asOfDate }).then((i) => witness(c, i.input)))).toBe("");
    expect(
      await failure(inputFor({ scoreDate: tape.asOfDate - 31 }).then((i) => witness(c, i.input))),
    ).toMatch(/ScoreBacking|Num2Bits/);
    expect(
      await failure(inputFor({ scoreDate: tape.asOfDate + 1 }).then((i) => witness(c, i.input))),
    ).toMatch(/ScoreBacking|Num2Bits/);
  });

  it("refuses a score altered after signing, a batch of another chunk and another provider's key", async () => {
    const altered = structuredClone(tape);
    altered.loans[2]!.creditScore = altered.loans[2]!.creditScore === 700 ? 701 : 700;
    const cm = await commit(altered);
    // the provider signed the original scores; the proof is about the altered tape
    expect(
      await failure(inputFor({ cm }).then((i) => witness(c, { ...i.input, root: String(cm.root) }))),
    ).toMatch(/EdDSAPoseidonVerifier|ForceEqual/);
    const other = await inputFor({ chunk: 1 });
    const mine = await inputFor({ chunk: 0 });
    expect(
      await failure(
        witness(c, { ...mine.input, S: other.input.S!, R8x: other.input.R8x!, R8y: other.input.R8y! }),
      ),
    ).toMatch(/EdDSAPoseidonVerifier|ForceEqual/);
    const stranger = await generateProviderKey();
    expect(await failure(inputFor({ key: stranger }).then((i) => witness(c, i.input)))).toMatch(
      /EdDSAPoseidonVerifier|ForceEqual/,
    );
  });

  it("refuses a batch with a loan missing (the provider signed an empty slot there)", async () => {
    const request = buildScoreRequest(commitment, 0, CHUNK);
    request.entries[5] = null;
    const batch = await signScoreBatch(provider, request, { modelId: 3, scoreDate: tape.asOfDate }, lookup);
    const { input } = await inputFor();
    expect(
      await failure(
        witness(c, {
          ...input,
          S: String(batch.signature.S),
          R8x: String(batch.signature.R8[0]),
          R8y: String(batch.signature.R8[1]),
          scoreDate: String(tape.asOfDate),
        }),
      ),
    ).toMatch(/EdDSAPoseidonVerifier|ForceEqual/);
  });

  it("the provider refuses unknown borrowers and scores that are not its own, naming the slot", async () => {
    const request = buildScoreRequest(commitment, 0, CHUNK);
    request.entries[3] = { ...request.entries[3]!, score: request.entries[3]!.score ^ 1 };
    const refused = await failure(signScoreBatch(provider, request, { modelId: 3, scoreDate: 1 }, lookup));
    expect(refused).toMatch(/^slot 3: score/);
    const err = await signScoreBatch(
      provider,
      buildScoreRequest(commitment, 0, CHUNK),
      { modelId: 3, scoreDate: 1 },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScoreRefused);
    expect((err as ScoreRefused).slot).toBe(0);
  });

  it("verifyScoreBatch accepts the signed batch and refuses another key, chunk, score, model or date", async () => {
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

  it("every wire appears in a constraint, except the EdDSA verifier's two free IsZero inverses", () => {
    const free = freeWires(c);
    expect(free.length).toBeLessThanOrEqual(2);
    for (const name of free) expect(name).toMatch(/^main\.sig\./);
  });

  it("a forged wire (each part of the circuit) fails the r1cs check", async () => {
    const { input } = await inputFor();
    const w = await witness(c, input);
    const names = [
      "main.wB[3]",
      "main.hId[2]",
      "main.scoreDate",
      "main.batchDigest",
      "main.wBits[4].out[20]",
      "main.wA[6]",
      "main.leafHash[1].out",
      "main.group.parent",
      "main.slackBits.out[0]",
      "main.msg.out",
    ];
    for (const name of names) {
      const i = wireOf(c, name);
      expect(i, name).toBeGreaterThan(0);
      expect(await check(c, editWire(w, i, readWire(w, i) + 1n)), name).toBe(false);
    }
  });
});
