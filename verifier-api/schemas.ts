/** TypeBox schemas of every request and response body; types derive from them, and so does the OpenAPI. */
import { Type, type Static } from "@sinclair/typebox";

const Decimal = (description: string) => Type.String({ pattern: "^[0-9]{1,78}$", description });
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });
export const IdParams = Type.Object({ id: Id });
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

export const Role = Type.Union([Type.Literal("originator"), Type.Literal("auditor"), Type.Literal("admin")]);

export const Groth16Proof = Type.Object(
  {
    pi_a: Type.Array(Type.String({ maxLength: 80 }), { minItems: 2, maxItems: 3 }),
    pi_b: Type.Array(Type.Array(Type.String({ maxLength: 80 }), { minItems: 2, maxItems: 2 }), {
      minItems: 2,
      maxItems: 3,
    }),
    pi_c: Type.Array(Type.String({ maxLength: 80 }), { minItems: 2, maxItems: 3 }),
    protocol: Type.Optional(Type.String()),
    curve: Type.Optional(Type.String()),
  },
  { description: "A snarkjs Groth16 proof" },
);

export const SolidityCalldata = Type.Object(
  {
    a: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
    b: Type.Array(Type.Array(Type.String(), { minItems: 2, maxItems: 2 }), { minItems: 2, maxItems: 2 }),
    c: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
    pubSignals: Type.Array(Type.String()),
  },
  { description: "Arguments of the generated verifier's verifyProof(a, b, c, pubSignals)" },
);

// ---- admin
export const CreateApiKeyBody = Type.Object({
  role: Role,
  owner: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: "^[A-Za-z0-9_.:-]+$",
    description: "Originator id (for originators) or a name",
  }),
  label: Type.Optional(Type.String({ maxLength: 200 })),
});
export const ApiKeyCreated = Type.Object({
  id: Type.String(),
  key: Type.String({ description: "Shown once; only its hash is stored" }),
  role: Role,
  owner: Type.String(),
});

// ---- tapes
export const CsvQuery = Type.Object({
  poolId: Type.Optional(Type.String({ maxLength: 40 })),
  period: Type.Optional(Type.String({ maxLength: 20 })),
  asOfDate: Type.Optional(Type.String({ maxLength: 20 })),
  currency: Type.Optional(Type.String({ maxLength: 8 })),
  decimals: Type.Optional(Type.String({ maxLength: 4 })),
});
export const TapeSummary = Type.Object({
  id: Type.String(),
  poolId: Type.String(),
  period: Type.Integer(),
  asOfDate: Type.String({ description: "ISO date" }),
  loanCount: Type.Integer(),
  format: Type.String(),
  sha256: Type.String({ description: "sha256 of the uploaded bytes" }),
  createdAt: Type.String(),
  committed: Type.Boolean(),
});
export type TapeSummary = Static<typeof TapeSummary>;

export const Commitment = Type.Object({
  tapeId: Type.String(),
  root: Decimal("Poseidon Merkle root of the salted loan leaves"),
  loanCount: Type.Integer(),
  chunkSize: Type.Integer(),
  chunkCount: Type.Integer(),
  chunkRoots: Type.Array(Type.Array(Type.String()), { description: "Per chunk, the roots of its subtrees" }),
  committedAt: Type.String(),
});
export type Commitment = Static<typeof Commitment>;

export const OpeningsBody = Type.Object({
  seed: Type.String({
    minLength: 16,
    maxLength: 256,
    description: "Auditor's seed, chosen after the commitment",
  }),
  count: Type.Integer({ minimum: 1, maximum: 64 }),
});
export const Openings = Type.Object({
  tapeId: Type.String(),
  root: Type.String(),
  rule: Type.String(),
  seed: Type.String(),
  tapeSize: Type.Integer(),
  indices: Type.Array(Type.Integer()),
  openings: Type.Array(
    Type.Object({
      index: Type.Integer(),
      record: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()])),
      borrowerCommitment: Type.String(),
      leafSalt: Type.String(),
      siblings: Type.Array(Type.Array(Type.String())),
    }),
  ),
});

// ---- jobs
export const JobView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.Union([
    Type.Literal("accepted"),
    Type.Literal("running"),
    Type.Literal("succeeded"),
    Type.Literal("failed"),
  ]),
  progress: Type.Number(),
  stage: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([
    Type.Object({ message: Type.String(), kind: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  result: Type.Unknown({ description: "Kind-specific result once succeeded" }),
});
export type JobView = Static<typeof JobView>;

export const IdempotencyHeaders = Type.Object({
  "idempotency-key": Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, pattern: "^[\\x21-\\x7e]+$" }),
  ),
});

export const ProofBody = Type.Object({
  instance: Type.String({ minLength: 1, maxLength: 100 }),
  input: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
    description: "Circuit input signals",
  }),
});

export const CommitmentRequestBody = Type.Object({});

export const AttestationBody = Type.Object({
  tapeId: Id,
  policy: Type.Record(Type.String(), Type.Unknown(), { description: "Policy JSON (see docs/POLICY.md)" }),
  /** Default: pool-attestation-16. */
  chainId: Type.String({ pattern: "^[0-9]{1,20}$" }),
  registry: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
  instance: Type.Optional(Type.String({ maxLength: 100 })),
});

export const OriginatorKeyView = Type.Object({
  owner: Type.String(),
  publicKey: Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: "[Ax, Ay], decimal" }),
  keyHash: Type.Optional(
    Type.String({
      description:
        "The key's hash in the registry given by the `registry` and `chainId` query parameters: " +
        "Poseidon(Ax, Ay, registry | chainId << 160), the hash that registry computes when the key is " +
        "proposed and that the attestations' proofs carry",
    }),
  ),
});

export const OriginatorKeyQuery = Type.Object({
  registry: Type.Optional(Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" })),
  chainId: Type.Optional(Type.String({ pattern: "^[0-9]{1,20}$" })),
});

// ---- attestations
export const AttestationView = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  tapeId: Type.Union([Type.String(), Type.Null()]),
  poolId: Type.String(),
  period: Type.Integer(),
  instance: Type.String(),
  policyHash: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  data: Type.Unknown({ description: "Proofs, public signals, figures and calldata" }),
});
export const AttestationQuery = Type.Object({
  poolId: Type.String({ pattern: "^[0-9]{1,20}$" }),
  period: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
});

// ---- verify
export const VerifyBody = Type.Object({
  instance: Type.String({ minLength: 1, maxLength: 100 }),
  publicSignals: Type.Array(Type.String({ maxLength: 80 }), { maxItems: 64 }),
  proof: Groth16Proof,
});
export const VerifyResult = Type.Object({
  valid: Type.Boolean(),
  instance: Type.String(),
  vkeySha256: Type.String(),
});

// ---- catalogue
export const CatalogueEntry = Type.Object({
  name: Type.String(),
  template: Type.String(),
  params: Type.Array(Type.Integer()),
  publicSignals: Type.Array(Type.String()),
  protocol: Type.String(),
  power: Type.Integer(),
  use: Type.String(),
  built: Type.Boolean(),
  development: Type.Optional(Type.Boolean()),
  constraints: Type.Optional(Type.Integer()),
  artifacts: Type.Record(Type.String(), Type.Object({ sha256: Type.String() })),
  vkey: Type.Optional(Type.Unknown()),
});
export const Catalogue = Type.Object({ instances: Type.Array(CatalogueEntry) });

export const Health = Type.Object({ status: Type.String() });
export const Ready = Type.Object({
  status: Type.String(),
  storage: Type.String(),
  verifyInstances: Type.Array(Type.String()),
  attestation: Type.Boolean({ description: "Whether the attestation job kind is available" }),
});
