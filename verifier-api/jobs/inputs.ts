/**
 * The input schemas of the job kinds (TypeBox), one per kind; `handlers.ts` declares each kind with its
 * schema and handler (`defineJob`), and the handler's input type derives from the schema. Routes build
 * these inputs; the runner checks them when the job is created and when it runs.
 */
import { Type, type Static } from "@sinclair/typebox";

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });
const Decimal = Type.String({ pattern: "^[0-9]{1,78}$" });
const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" });
const InstanceName = Type.String({ minLength: 1, maxLength: 100 });

/** `proof`: prove an input for a catalogue instance (the body of `POST /v1/proofs`). */
export const ProofJobInput = Type.Object(
  {
    instance: InstanceName,
    input: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
      description: "Circuit input signals",
    }),
  },
  { additionalProperties: false },
);
export type ProofJobInput = Static<typeof ProofJobInput>;

/** `commitment`: commit to an uploaded tape in chunks of `chunkSize` loans. */
export const CommitmentJobInput = Type.Object(
  { tapeId: Id, chunkSize: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type CommitmentJobInput = Static<typeof CommitmentJobInput>;

/** `attestation`: attest a committed tape under a policy (checked again by `validatePolicy` in the job). */
export const AttestationJobInput = Type.Object(
  {
    tapeId: Id,
    policy: Type.Unknown({ description: "The policy as policyToJson writes it" }),
    chainId: Decimal,
    registry: Address,
    instance: InstanceName,
  },
  { additionalProperties: false },
);
export type AttestationJobInput = Static<typeof AttestationJobInput>;

/** `scores`: the score-backing proofs of an attestation's chunks (checked by its route before it is queued). */
export const ScoresJobInput = Type.Object(
  {
    attestationId: Id,
    tapeId: Id,
    instance: InstanceName,
    chunkSize: Type.Integer({ minimum: 1 }),
    providerPublicKey: Type.Tuple([Decimal, Decimal]),
    maxAgeDays: Type.Integer({ minimum: 0 }),
    contract: Address,
    chainId: Decimal,
    batches: Type.Array(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type ScoresJobInput = Static<typeof ScoresJobInput>;
