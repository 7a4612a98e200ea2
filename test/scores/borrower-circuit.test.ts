/**
 * BorrowerScore() at the witness level, through the typed circuit tester (test/support/circuit-tester.ts):
 * a valid claim satisfies the r1cs, every wire is constrained (but the EdDSA verifier's free IsZero
 * inverses), forged wires of each part fail, and a wrong nullifier, another loan's path, a threshold of 1024
 * and another provider key give no witness. The borrower secret (issue 14): a wrong secret, another loan's
 * borrower's secret and the borrower salt (the key the provider is given) used as the secret give no
 * witness, each with the nullifier it would imply; a second loan of the same borrower gives the same
 * nullifier in a scope and another in another scope.
 *
 * One claim per test; each test gets its fixtures from `it`'s context: the compiled circuit (once per file),
 * and the world (a committed 40-loan tape, a provider's signed report, the claim), built for the test.
 */
import { afterAll, describe, expect, test } from "vitest";
import {
  borrowerKey,
  commitTape,
  deriveBorrowerSecret,
  deriveSalts,
  type TapeCommitment,
} from "../../prover/commitment/encoding.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import { generateProviderKey } from "../../prover/scores/index.ts";
import {
  borrowerNullifier,
  buildBorrowerInput,
  generateBorrowerSecret,
  openBorrowerLoan,
  signScoreReport,
  type BorrowerClaim,
  type SignedScoreReport,
} from "../../prover/borrower/index.ts";
import { failsAt, terminateCurve } from "../circuits/helpers.ts";
import { CircuitTester, type Signals } from "../support/circuit-tester.ts";

const PUBLIC = [
  "root",
  "providerKeyHash",
  "modelId",
  "threshold",
  "minScoreDate",
  "scope",
  "nullifier",
  "account",
] as const;
const INPUTS = [
  ...PUBLIC,
  "borrowerRef",
  "borrowerSecret",
  "hLoan",
  "wA",
  "wB",
  "wV",
  "index",
  "siblings",
  "slotRoot",
  "scoreDate",
  "Ax",
  "Ay",
  "S",
  "R8x",
  "R8y",
] as const;
type Input = (typeof INPUTS)[number];
type Tester = CircuitTester<Input, "nullifier" | "root">;

const INDEX = 18;
const SECOND = 27; // a second loan of INDEX's borrower
const OTHER = 5; // another borrower's loan (custodial: its secret derives from the originator's seed)
const SEED = 3n;

/** A committed tape whose loan INDEX's borrower holds its own secret, a provider's report on it, a claim. */
interface World {
  tape: LoanTape;
  commitment: TapeCommitment;
  secret: bigint;
  report: SignedScoreReport;
  claim: BorrowerClaim;
  /** The claim's input for loan INDEX, typed by the circuit's inputs. */
  valid: Signals<Input>;
}

const it = test.extend<{ circuit: Tester; world: World }>({
  circuit: [
    async ({}, use) =>
      use(
        await CircuitTester.compile({
          file: "circuits/borrower/borrower_score.circom",
          template: "BorrowerScore",
          publicInputs: PUBLIC,
          inputs: INPUTS,
          outputs: ["nullifier", "root"],
        }),
      ),
    { scope: "file" },
  ],
  world: async ({ circuit }, use) => {
    const provider = await generateProviderKey();
    const tape = generateSyntheticTape({ seed: 30, loans: 40, poolId: 1n, asOfDate: 20_500 });
    // one borrower, one score: the provider's report is on the borrower commitment, which both loans share
    const { borrowerRef, creditScore } = tape.loans[INDEX]!;
    tape.loans[SECOND] = { ...tape.loans[SECOND]!, borrowerRef, creditScore };
    // INDEX's borrower supplied its key; the others are custodial
    const secret = generateBorrowerSecret();
    const borrowerKeys = new Map([[tape.loans[INDEX]!.borrowerRef, await borrowerKey(secret)]]);
    const commitment = await commitTape(tape, await deriveSalts(SEED, tape, { borrowerKeys }), {
      chunkSize: 8,
    });
    const report = await signScoreReport(provider, {
      borrowerCommitment: commitment.encoded[INDEX]!.borrowerCommitment,
      score: tape.loans[INDEX]!.creditScore,
      modelId: 1,
      scoreDate: 20_490,
    });
    const claim: BorrowerClaim = {
      threshold: tape.loans[INDEX]!.creditScore,
      minScoreDate: 20_490,
      scope: 12345n,
      account: "0x00000000000000000000000000000000000000b0",
    };
    const { input } = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, claim);
    await use({ tape, commitment, secret, report, claim, valid: circuit.input(input) });
  },
});

afterAll(terminateCurve);

describe("BorrowerScore()", () => {
  it("accepts a valid claim at exactly the score and the report date", async ({ circuit, world }) => {
    await circuit.expectPass(world.valid, { root: world.commitment.root });
  });

  it("gives no witness for a wrong nullifier", async ({ circuit, world }) => {
    const nullifier = String(BigInt(world.valid.nullifier as string) + 1n);
    await circuit.expectFail({ ...world.valid, nullifier }, /BorrowerScore/);
  });

  it("gives no witness for another loan's index under the same path", async ({ circuit, world }) => {
    await circuit.expectFail({ ...world.valid, index: String(INDEX + 1) }, /BorrowerScore/);
  });

  it("gives no witness for a threshold of 1024 (scores are 10 bits)", async ({ circuit, world }) => {
    await circuit.expectFail({ ...world.valid, threshold: "1024" }, /Num2Bits|BorrowerScore/);
  });

  it("gives no witness for a slot root or period terms other than the tape's", async ({ circuit, world }) => {
    const tapeRoot = failsAt("BorrowerScore", "borrower/borrower_score.circom", "tapeRoot.root === root");
    const plus1 = (name: "slotRoot" | "wV"): string => (BigInt(world.valid[name] as string) + 1n).toString();
    await circuit.expectFail({ ...world.valid, slotRoot: plus1("slotRoot") }, tapeRoot);
    await circuit.expectFail({ ...world.valid, wV: plus1("wV") }, tapeRoot);
  });

  it("gives no witness for another provider's key", async ({ circuit, world }) => {
    const other = await generateProviderKey();
    await circuit.expectFail(
      { ...world.valid, Ax: String(other.publicKey[0]), Ay: String(other.publicKey[1]) },
      /BorrowerScore|EdDSA|ForceEqual/,
    );
  });

  // each secret below comes with the nullifier it implies, so only the secret's binding to the leaf can fail
  const withSecret = async (w: World, s: bigint): Promise<Signals<Input>> => ({
    ...w.valid,
    borrowerSecret: String(s),
    nullifier: String(await borrowerNullifier(s, w.claim.scope)),
  });

  it("gives no witness for a wrong secret", async ({ circuit, world }) => {
    await circuit.expectFail(await withSecret(world, world.secret + 1n), /BorrowerScore/);
  });

  it("gives no witness for another loan's borrower's secret", async ({ circuit, world }) => {
    const otherSecret = await deriveBorrowerSecret(SEED, world.tape.loans[OTHER]!.borrowerRef);
    expect(world.commitment.salts.borrower[OTHER]).toBe(await borrowerKey(otherSecret)); // it is that loan's secret
    await circuit.expectFail(await withSecret(world, otherSecret), /BorrowerScore/);
  });

  it("gives no witness for the borrower salt (the key the provider is given) used as the secret", async ({
    circuit,
    world,
  }) => {
    const salt = world.commitment.salts.borrower[INDEX]!;
    expect(salt).toBe(await borrowerKey(world.secret));
    await circuit.expectFail(await withSecret(world, salt), /BorrowerScore/);
  });

  it("the prover refuses another borrower's secret, an opening off its root and a moved loan up front", async ({
    world,
  }) => {
    const { commitment, secret, report, claim, tape } = world;
    const otherSecret = await deriveBorrowerSecret(SEED, tape.loans[OTHER]!.borrowerRef);
    await expect(
      buildBorrowerInput(openBorrowerLoan(commitment, INDEX), otherSecret, report, claim),
    ).rejects.toThrow(/borrowerSecret: its key and the borrowerRef/);
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

  it("a second loan of the same borrower gives the same nullifier in a scope", async ({ circuit, world }) => {
    const { commitment, secret, report, claim } = world;
    expect(commitment.encoded[SECOND]!.borrowerCommitment).toBe(
      commitment.encoded[INDEX]!.borrowerCommitment,
    );
    const first = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, claim);
    const second = await buildBorrowerInput(openBorrowerLoan(commitment, SECOND), secret, report, claim);
    const w = await circuit.expectPass(circuit.input(second.input));
    expect(circuit.read(w, "nullifier")).toBe(BigInt(first.publicSignals.nullifier));
  });

  it("the same loan gives another nullifier in another scope", async ({ circuit, world }) => {
    const { commitment, secret, report, claim } = world;
    const first = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, claim);
    const elsewhere = await buildBorrowerInput(openBorrowerLoan(commitment, INDEX), secret, report, {
      ...claim,
      scope: claim.scope + 1n,
    });
    const w = await circuit.expectPass(circuit.input(elsewhere.input));
    expect(circuit.read(w, "nullifier")).not.toBe(BigInt(first.publicSignals.nullifier));
  });

  it("every wire appears in a constraint, except the EdDSA verifier's free IsZero inverses", ({
    circuit,
  }) => {
    const free = circuit.freeWires();
    expect(free.length).toBeLessThanOrEqual(2);
    for (const name of free) expect(name).toMatch(/^main\.sig\./);
  });

  it("a forged wire (each part of the circuit) fails the r1cs check", async ({ circuit, world }) => {
    const w = await circuit.expectPass(world.valid);
    await circuit.expectForgedFails(w, [
      "borrowerSecret",
      "key.pEx.ark[2].out[0]",
      "hLoan",
      "wB",
      "index",
      "siblings[3][7]",
      "wV",
      "slotRoot",
      "scoreDate",
      "bc.out",
      "leaf.out",
      "level[2].parent",
      "below.n2b.out[3]",
      "thresholdBits.out[2]",
      "msg.out",
    ]);
  });

  it("the tester's claims fail when they are false (its failing twins)", async ({ circuit, world }) => {
    await expect(circuit.expectPass({ ...world.valid, threshold: "1024" })).rejects.toThrow();
    await expect(circuit.expectFail(world.valid, /BorrowerScore/)).rejects.toThrow(/the input was accepted/);
    await expect(circuit.expectPass(world.valid, { root: world.commitment.root + 1n })).rejects.toThrow(
      /output root/,
    );
    const w = await circuit.calculateWitness(world.valid);
    await expect(circuit.expectConstraintFail(w)).rejects.toThrow(/passes the r1cs check/);
    await circuit.expectConstraintFail(circuit.edit(w, { hLoan: circuit.read(w, "hLoan") + 1n }));
  });

  it("refuses a builder's input that does not match the circuit's signals, naming them", ({
    circuit,
    world,
  }) => {
    const { siblings: _dropped, ...rest } = world.valid;
    expect(() => circuit.input(rest)).toThrow(/missing siblings/);
    expect(() => circuit.input({ ...world.valid, leafSalt: "1" })).toThrow(
      /not inputs of the circuit leafSalt/,
    );
  });
});
