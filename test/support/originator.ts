/**
 * The originator a circuit test signs with: a fresh key, its proof context on the tests' chain and registry, the
 * attestation message it signs for a tape (the prover's `attestationMessage`) and `sign`, which
 * commits a tape and signs that message (optionally changed, or with another key, for the refusals).
 */
import { commitTape, randomSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import {
  attestationMessage,
  generateOriginatorKey,
  signAttestation,
  type AttestationMessage,
  type AttestationSignature,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import type { Policy } from "../../prover/policy/index.ts";
import type { LoanTape } from "../../prover/tape/schema.ts";
import type { ProofContext } from "../../prover/witness/index.ts";

export const CHAIN_ID = 31337n;
export const REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

export interface SignOptions {
  /** Fields of the signed message to change (a forger's message). */
  message?: Partial<AttestationMessage>;
  /** Sign with this key instead of the originator's. */
  signer?: OriginatorKey;
  /** A commitment already made (default: the tape committed with fresh salts). */
  commitment?: TapeCommitment;
}

export interface TestOriginator {
  key: OriginatorKey;
  ctx: ProofContext;
  /** The message the originator signs for `tape` under `commitment` and `policy`. */
  message(tape: LoanTape, commitment: TapeCommitment, policy: Policy): Promise<AttestationMessage>;
  /** Commits `tape` in chunks of `chunkSize` and signs its message. */
  sign(
    tape: LoanTape,
    policy: Policy,
    chunkSize: number,
    opts?: SignOptions,
  ): Promise<{ commitment: TapeCommitment; signature: AttestationSignature }>;
}

/** A fresh originator (a new Baby Jubjub key) on CHAIN_ID and REGISTRY. */
export async function testOriginator(): Promise<TestOriginator> {
  const key = await generateOriginatorKey();
  const ctx: ProofContext = { publicKey: key.publicKey, chainId: CHAIN_ID, registry: REGISTRY };
  const message: TestOriginator["message"] = (tape, commitment, policy) =>
    attestationMessage(tape, commitment, ctx, policy);
  return {
    key,
    ctx,
    message,
    async sign(tape, policy, chunkSize, opts = {}) {
      const commitment = opts.commitment ?? (await commitTape(tape, randomSalts(tape), { chunkSize }));
      const signature = await signAttestation((opts.signer ?? key).privateKey, {
        ...(await message(tape, commitment, policy)),
        ...opts.message,
      });
      return { commitment, signature };
    },
  };
}
