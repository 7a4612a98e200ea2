/**
 * BorrowerScore() at the witness level: a valid claim satisfies the r1cs, every wire is constrained (but the
 * EdDSA verifier's free IsZero inverses), forged wires of each part fail, and a wrong nullifier, another
 * loan's path, a threshold of 1024 and another provider key give no witness.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitTape, deriveSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { generateProviderKey, type ProviderKey } from "../../prover/scores/index.ts";
import { buildBorrowerInput, signScoreReport } from "../../prover/borrower/index.ts";
import type { CircuitInput } from "../../prover/witness/index.ts";
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

const PUBLIC = [
  "root",
  "providerKeyHash",
  "modelId",
  "threshold",
  "minScoreDate",
  "scope",
  "nullifier",
  "account",
];
let c: Compiled;
let provider: ProviderKey;
let tape: LoanTape;
let commitment: TapeCommitment;
let valid: CircuitInput;
const INDEX = 18;

beforeAll(async () => {
  c = await compileCircuit("circuits/borrower/borrower_score.circom", "BorrowerScore", [], PUBLIC);
  provider = await generateProviderKey();
  tape = generateSyntheticTape({ seed: 30, loans: 40, poolId: 1n, asOfDate: 20_500 });
  commitment = await commitTape(tape, await deriveSalts(3n, tape), { chunkSize: 8 });
  const report = await signScoreReport(provider, {
    borrowerCommitment: commitment.encoded[INDEX]!.borrowerCommitment,
    score: tape.loans[INDEX]!.creditScore,
    modelId: 1,
    scoreDate: 20_490,
  });
  ({ input: valid } = await buildBorrowerInput(commitment, INDEX, report, {
    threshold: tape.loans[INDEX]!.creditScore,
    minScoreDate: 20_490,
    scope: 12345n,
    account: "0x00000000000000000000000000000000000000b0",
  }));
}, 120_000);

afterAll(terminateCurve);

describe("BorrowerScore()", () => {
  it("accepts a valid claim at exactly the score and the report date", async () => {
    const w = await witness(c, valid);
    expect(await check(c, w)).toBe(true);
    expect(readWire(w, 1)).toBe(commitment.root);
  });

  it("gives no witness for a wrong nullifier, another loan's index, a threshold of 1024 or another key", async () => {
    const bad = (over: Partial<CircuitInput>) => failure(witness(c, { ...valid, ...over }));
    expect(await bad({ nullifier: String(BigInt(valid.nullifier as string) + 1n) })).toMatch(/BorrowerScore/);
    expect(await bad({ index: String(INDEX + 1) })).toMatch(/BorrowerScore/);
    expect(await bad({ threshold: "1024" })).toMatch(/Num2Bits|BorrowerScore/);
    const other = await generateProviderKey();
    expect(await bad({ Ax: String(other.publicKey[0]), Ay: String(other.publicKey[1]) })).toMatch(
      /BorrowerScore|EdDSA|ForceEqual/,
    );
  });

  it("every wire appears in a constraint, except the EdDSA verifier's free IsZero inverses", () => {
    const free = freeWires(c);
    expect(free.length).toBeLessThanOrEqual(2);
    for (const name of free) expect(name).toMatch(/^main\.sig\./);
  });

  it("a forged wire (each part of the circuit) fails the r1cs check", async () => {
    const w = await witness(c, valid);
    const names = [
      "main.borrowerSalt",
      "main.hLoan",
      "main.wB",
      "main.index",
      "main.siblings[3][7]",
      "main.scoreDate",
      "main.bc.out",
      "main.leaf.out",
      "main.level[2].parent",
      "main.below.n2b.out[3]",
      "main.thresholdBits.out[2]",
      "main.msg.out",
    ];
    for (const name of names) {
      const i = wireOf(c, name);
      expect(i, name).toBeGreaterThan(0);
      expect(await check(c, editWire(w, i, readWire(w, i) + 1n)), name).toBe(false);
    }
  });
});
