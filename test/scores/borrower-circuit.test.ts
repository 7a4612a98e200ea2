/**
 * BorrowerScore() at the witness level: a valid claim satisfies the r1cs, every wire is constrained (but the
 * EdDSA verifier's free IsZero inverses), forged wires of each part fail, and a wrong nullifier, another
 * loan's path, a threshold of 1024 and another provider key give no witness. The borrower secret (issue 14):
 * a wrong secret, another loan's borrower's secret and the borrower salt (the key the provider is given) used
 * as the secret give no witness, each with the nullifier it would imply; a second loan of the same borrower
 * gives the same nullifier in a scope and another in another scope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  borrowerKey,
  commitTape,
  deriveBorrowerSecret,
  deriveSalts,
  type TapeCommitment,
} from "../../prover/commitment/encoding.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { generateProviderKey, type ProviderKey } from "../../prover/scores/index.ts";
import {
  borrowerNullifier,
  buildBorrowerInput,
  generateBorrowerSecret,
  openBorrowerLoan,
  signScoreReport,
  type BorrowerClaim,
  type SignedScoreReport,
} from "../../prover/borrower/index.ts";
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
let secret: bigint;
let report: SignedScoreReport;
let claim: BorrowerClaim;
const INDEX = 18;
const SECOND = 27; // a second loan of INDEX's borrower
const OTHER = 5; // another borrower's loan (custodial: its secret derives from the originator's seed)
const SEED = 3n;

beforeAll(async () => {
  c = await compileCircuit("circuits/borrower/borrower_score.circom", "BorrowerScore", [], PUBLIC);
  provider = await generateProviderKey();
  tape = generateSyntheticTape({ seed: 30, loans: 40, poolId: 1n, asOfDate: 20_500 });
  // one borrower, one score: the provider's report is on the borrower commitment, which both loans share
  const { borrowerRef, creditScore } = tape.loans[INDEX]!;
  tape.loans[SECOND] = { ...tape.loans[SECOND]!, borrowerRef, creditScore };
  // INDEX's borrower supplied its key; the others are custodial
  secret = generateBorrowerSecret();
  const borrowerKeys = new Map([[tape.loans[INDEX]!.borrowerRef, await borrowerKey(secret)]]);
  commitment = await commitTape(tape, await deriveSalts(SEED, tape, { borrowerKeys }), { chunkSize: 8 });
  report = await signScoreReport(provider, {
    borrowerCommitment: commitment.encoded[INDEX]!.borrowerCommitment,
    score: tape.loans[INDEX]!.creditScore,
    modelId: 1,
    scoreDate: 20_490,
  });
  claim = {
    threshold: tape.loans[INDEX]!.creditScore,
    minScoreDate: 20_490,
    scope: 12345n,
    account: "0x00000000000000000000000000000000000000b0",
  };
  ({ input: valid } = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, claim));
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

  it("gives no witness for a wrong secret, another loan's borrower's secret, or the key as the secret", async () => {
    // each with the nullifier it implies, so only the secret's binding to the leaf can fail
    const as = async (s: bigint) =>
      failure(
        witness(c, {
          ...valid,
          borrowerSecret: String(s),
          nullifier: String(await borrowerNullifier(s, claim.scope)),
        }),
      );
    expect(await as(secret + 1n)).toMatch(/BorrowerScore/);
    const otherSecret = await deriveBorrowerSecret(SEED, tape.loans[OTHER]!.borrowerRef);
    expect(commitment.salts.borrower[OTHER]).toBe(await borrowerKey(otherSecret)); // it is that loan's secret
    expect(await as(otherSecret)).toMatch(/BorrowerScore/);
    // the provider, given the borrower salt to open the commitment, proves nothing with it
    expect(commitment.salts.borrower[INDEX]).toBe(await borrowerKey(secret));
    expect(await as(commitment.salts.borrower[INDEX]!)).toMatch(/BorrowerScore/);
    // and the prover refuses them up front
    await expect(
      buildBorrowerInput(openBorrowerLoan(commitment, INDEX), otherSecret, report, claim),
    ).rejects.toThrow(/borrowerSecret: its key and the borrowerRef/);
    // as they refuse an opening that does not lead to its root, and the right secret with another borrowerRef
    const opening = openBorrowerLoan(commitment, INDEX);
    await expect(
      buildBorrowerInput({ ...opening, root: opening.root + 1n }, secret, report, claim),
    ).rejects.toThrow(/opening: the loan does not open to the root/);
    const moved = { ...opening.loan, record: { ...opening.loan.record, collectedAmount: 1n } };
    await expect(buildBorrowerInput({ ...opening, loan: moved }, secret, report, claim)).rejects.toThrow(
      /opening: the loan does not open/,
    );
    await expect(
      buildBorrowerInput({ ...opening, borrowerRef: tape.loans[OTHER]!.borrowerRef }, secret, report, claim),
    ).rejects.toThrow(/borrowerSecret: its key and the borrowerRef/);
  });

  it("a second loan of the same borrower: the same nullifier in a scope, another in another scope", async () => {
    expect(commitment.encoded[SECOND]!.borrowerCommitment).toBe(
      commitment.encoded[INDEX]!.borrowerCommitment,
    );
    const first = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, claim);
    const second = await buildBorrowerInput(openBorrowerLoan(commitment, SECOND), secret, report, claim);
    expect(await check(c, await witness(c, first.input))).toBe(true);
    expect(await check(c, await witness(c, second.input))).toBe(true);
    expect(second.publicSignals.nullifier).toBe(first.publicSignals.nullifier);
    const elsewhere = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, {
      ...claim,
      scope: claim.scope + 1n,
    });
    expect(await check(c, await witness(c, elsewhere.input))).toBe(true);
    expect(elsewhere.publicSignals.nullifier).not.toBe(first.publicSignals.nullifier);
  });

  it("every wire appears in a constraint, except the EdDSA verifier's free IsZero inverses", () => {
    const free = freeWires(c);
    expect(free.length).toBeLessThanOrEqual(2);
    for (const name of free) expect(name).toMatch(/^main\.sig\./);
  });

  it("a forged wire (each part of the circuit) fails the r1cs check", async () => {
    const w = await witness(c, valid);
    const names = [
      "main.borrowerSecret",
      "main.key.pEx.ark[2].out[0]",
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
