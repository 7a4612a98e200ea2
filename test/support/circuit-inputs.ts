/**
 * A valid witness input for any Groth16 instance of the catalogue, by template, from seeded synthetic
 * tapes and fresh keys: what the native prover's tests (every instance) and benchmarks/prover.ts prove.
 * Pool and score instances get one full chunk; the borrower circuit one loan of a committed tape.
 */
import { borrowerKey, commitTape, randomSalts } from "../../prover/commitment/encoding.ts";
import { findInstance } from "../../pipeline/catalogue.ts";
import { TEST_POLICY } from "./policy.ts";
import { CHAIN_ID, REGISTRY, testOriginator } from "./originator.ts";
import { generateSyntheticTape } from "../../prover/tape/index.ts";
import { buildPoolInput, type CircuitInput } from "../../prover/witness/index.ts";
import {
  buildScoreBackingInput,
  buildScoreRequest,
  generateProviderKey,
  signScoreBatch,
} from "../../prover/scores/index.ts";
import {
  buildBorrowerInput,
  generateBorrowerSecret,
  openBorrowerLoan,
  signScoreReport,
} from "../../prover/borrower/index.ts";

export { CHAIN_ID, REGISTRY } from "./originator.ts";

/** Templates `sampleInput` can fill. */
export const SAMPLE_TEMPLATES = ["Multiplier", "PoolAttestation", "ScoreBacking", "BorrowerScore"];

/** Chunk 0 of a pool attestation over a synthetic tape of `loans` loans (default: one full chunk). */
export async function poolChunkInput(instance: string, seed: string, loans?: number): Promise<CircuitInput> {
  const chunkSize = findInstance(instance).params[0] as number;
  const tape = generateSyntheticTape({ seed, loans: loans ?? chunkSize, poolId: 7n });
  const originator = await testOriginator();
  const { commitment, signature } = await originator.sign(tape, TEST_POLICY, chunkSize);
  return (await buildPoolInput(tape, TEST_POLICY, commitment, signature, originator.ctx, 0, chunkSize)).input;
}

/** A valid input for the instance `name` (throws for a template not in SAMPLE_TEMPLATES). */
export async function sampleInput(name: string, seed: string): Promise<CircuitInput> {
  const instance = findInstance(name);
  const chunkSize = (instance.params[0] as number | undefined) ?? 8;
  switch (instance.template) {
    case "Multiplier": {
      const a = 3 + (seed.length % 1000);
      return { a: String(a), b: "11", c: String(a * 11) };
    }
    case "PoolAttestation":
      return poolChunkInput(name, seed);
    case "ScoreBacking":
    case "BorrowerScore": {
      const tape = generateSyntheticTape({ seed, loans: chunkSize, poolId: 7n });
      // loan 0's borrower supplied the key of its own secret (the borrower circuit proves as that borrower)
      const secret = generateBorrowerSecret();
      const borrowerKeys = new Map([[tape.loans[0]!.borrowerRef, await borrowerKey(secret)]]);
      const commitment = await commitTape(tape, randomSalts(tape, { borrowerKeys }), { chunkSize });
      const provider = await generateProviderKey();
      if (instance.template === "BorrowerScore") {
        const e = commitment.encoded[0]!;
        const report = await signScoreReport(provider, {
          borrowerCommitment: e.borrowerCommitment,
          score: commitment.records[0]!.creditScore,
          modelId: 3,
          scoreDate: tape.asOfDate - 5,
        });
        const claim = { threshold: 0, minScoreDate: tape.asOfDate - 30, scope: 99n, account: REGISTRY };
        return (await buildBorrowerInput(openBorrowerLoan(commitment, 0), secret, report, claim)).input;
      }
      const scores = new Map<bigint, number>();
      commitment.encoded.forEach((e, i) =>
        scores.set(e.borrowerCommitment, commitment.records[i]!.creditScore),
      );
      const batch = await signScoreBatch(
        provider,
        buildScoreRequest(commitment, 0, chunkSize),
        { modelId: 3, scoreDate: tape.asOfDate - 10 },
        (b) => scores.get(b),
      );
      const ctx = {
        providerPublicKey: provider.publicKey,
        chainId: CHAIN_ID,
        contract: REGISTRY,
        maxAgeDays: 30,
      };
      return (await buildScoreBackingInput(tape, commitment, batch, ctx, 0, chunkSize)).input;
    }
    default:
      throw new Error(
        `no sample input for template ${instance.template} (${name}): add it to test/support/circuit-inputs.ts`,
      );
  }
}
