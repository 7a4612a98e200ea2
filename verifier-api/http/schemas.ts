/** TypeBox schemas of every request and response body; types derive from them, and so does the OpenAPI. */
import { Type, type Static } from "@sinclair/typebox";
import { ProofJobInput } from "../jobs/inputs.ts";

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
  { description: "A snarkjs Groth16 proof", additionalProperties: false },
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
export const CreateApiKeyBody = Type.Object(
  {
    role: Role,
    owner: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Za-z0-9_.:-]+$",
      description: "Originator id (for originators) or a name",
    }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
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

export const OpeningsBody = Type.Object(
  {
    seed: Type.String({
      minLength: 16,
      maxLength: 256,
      description: "Auditor's seed, chosen after the commitment",
    }),
    count: Type.Integer({ minimum: 1, maximum: 64 }),
  },
  { additionalProperties: false },
);
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
      asOfDate: Type.Integer({
        description: "The tape's as-of date (day number): the leaf's date slack counts from it",
      }),
      record: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()])),
      borrowerCommitment: Type.String(),
      leafSalt: Type.String({ description: "The loan's salt, the same in every period" }),
      siblings: Type.Array(Type.Array(Type.String()), {
        description: "The leaf's path to the leaf tree's root",
      }),
      slotRoot: Type.String({ description: "The slot tree's root: root = Poseidon(leafRoot, slotRoot)" }),
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

/** The body of `POST /v1/proofs` is the `proof` job's input. */
export const ProofBody = ProofJobInput;

/**
 * `POST /v1/tapes/{id}/commitment` takes no body (its one option, `chunkSize`, is in the query): an empty
 * object at most, so a `{"chunkSize": 8}` sent as a body is refused rather than silently ignored.
 */
export const CommitmentRequestBody = Type.Object(
  {},
  { additionalProperties: false, description: "Nothing: chunkSize goes in the query" },
);

/**
 * A chain id as decimal text. The registry binds keys to `registry | chainId << 160` (the domain word), a
 * field element: chainId must be below 2^93 (checked by `chainIdOf` in routes/originator.ts).
 */
const ChainId = (description?: string) =>
  Type.String({ pattern: "^[0-9]{1,28}$", ...(description ? { description } : {}) });

export const AttestationBody = Type.Object(
  {
    tapeId: Id,
    policy: Type.Record(Type.String(), Type.Unknown(), { description: "Policy JSON (see docs/POLICY.md)" }),
    chainId: ChainId("below 2^93 (the domain word registry | chainId << 160 is a field element)"),
    registry: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
    /** Default: pool-attestation-64 (DEFAULT_POOL_INSTANCE). */
    instance: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

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
  chainId: Type.Optional(ChainId()),
});

// ---- attestations
const attestationSummary = {
  id: Type.String(),
  owner: Type.String({ description: "The originator whose attestation it is (the pool's owner)" }),
  jobId: Type.String(),
  tapeId: Type.Union([Type.String(), Type.Null()]),
  poolId: Type.String(),
  period: Type.Integer(),
  instance: Type.String(),
  policyHash: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
};
const attestationData = Type.Unknown({ description: "Proofs, public signals, figures and calldata" });
export const AttestationView = Type.Object({ ...attestationSummary, data: attestationData });

/** Attestations per page of `GET /v1/attestations`: by default, at most, and at most with `full=true`. */
export const ATTESTATION_PAGE = { default: 20, max: 100, maxFull: 10 } as const;

export const AttestationQuery = Type.Object({
  poolId: Type.String({ pattern: "^[0-9]{1,20}$" }),
  period: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: ATTESTATION_PAGE.max,
      description: `Attestations per page (default ${ATTESTATION_PAGE.default}; at most ${ATTESTATION_PAGE.maxFull} with full=true)`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 400,
      pattern: "^[A-Za-z0-9_-]+$",
      description: "The `next` of the previous page",
    }),
  ),
  full: Type.Optional(
    Type.Boolean({ description: "Each attestation with its data (proofs…); summaries otherwise" }),
  ),
});
export const AttestationPage = Type.Object({
  poolId: Type.String(),
  owner: Type.Union([Type.String(), Type.Null()], {
    description:
      "The pool's owner (the first originator to commit a tape of it or request its attestation); null when " +
      "no one owns it, or for an originator that does not",
  }),
  attestations: Type.Array(Type.Object({ ...attestationSummary, data: Type.Optional(attestationData) })),
  next: Type.Union([Type.String(), Type.Null()], {
    description: "The cursor of the next page; null on the last",
  }),
});

// ---- verify
export const VerifyBody = Type.Object(
  {
    instance: Type.String({ minLength: 1, maxLength: 100 }),
    publicSignals: Type.Array(Type.String({ maxLength: 80 }), { maxItems: 64 }),
    proof: Groth16Proof,
  },
  { additionalProperties: false },
);
export const VerifyResult = Type.Object({
  valid: Type.Boolean(),
  instance: Type.String(),
  vkeySha256: Type.String({ description: "sha256 of the verification key file" }),
  vkeyHash: Type.String({ description: "Hash of the key's points, as attestations name it (docs/API.md)" }),
  development: Type.Boolean({ description: "The key is a development key: the proof proves nothing" }),
  warning: Type.Optional(
    Type.String({ description: "Present for development keys: what the verdict must not hide" }),
  ),
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

// ---- provider-backed scores (docs/SCORES.md)
export const ScoreRequestsQuery = Type.Object({
  instance: Type.String({
    minLength: 1,
    maxLength: 100,
    description: "A ScoreBacking catalogue instance (e.g. score-backing-8): its parameter is the chunk size",
  }),
});
const ScoreEntry = Type.Union([
  Type.Object({
    borrowerCommitment: Decimal("Poseidon(idToField(borrowerRef), borrowerSalt): the borrower, hidden"),
    hLoan: Decimal("Poseidon(loanId, wC, leafSalt): opaque to the provider"),
    score: Type.Integer({ description: "The committed credit score the provider is asked to back" }),
  }),
  Type.Null(),
]);
export const ScoreRequests = Type.Object({
  tapeId: Type.String(),
  root: Decimal("The tape root the requests are for"),
  instance: Type.String(),
  chunkSize: Type.Integer(),
  chunkCount: Type.Integer(),
  requests: Type.Array(
    Type.Object({
      chunkIndex: Type.Integer(),
      chunkSize: Type.Integer(),
      entries: Type.Array(ScoreEntry, { description: "Per slot in tape order; null for a padding slot" }),
    }),
    { description: "One ScoreRequest per chunk: send each to the provider, which signs it (signScoreBatch)" },
  ),
});

export const SignedBatch = Type.Object(
  {
    modelId: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    scoreDate: Type.Integer({ minimum: 0, maximum: 65535, description: "Days since 1970-01-01" }),
    providerKeyHash: Decimal("Poseidon(Ax, Ay) of the signing key"),
    signature: Type.Object(
      {
        R8: Type.Array(Decimal("R8 coordinate"), { minItems: 2, maxItems: 2 }),
        S: Decimal("S"),
      },
      { additionalProperties: false },
    ),
  },
  {
    description: "A provider's signed batch for one chunk (SignedScoreBatch, field elements as decimals)",
    additionalProperties: false,
  },
);
export type SignedBatch = Static<typeof SignedBatch>;

export const ScoresBody = Type.Object(
  {
    instance: Type.String({ minLength: 1, maxLength: 100, description: "A built ScoreBacking instance" }),
    providerPublicKey: Type.Array(Decimal("coordinate"), {
      minItems: 2,
      maxItems: 2,
      description: "The provider's Baby Jubjub public key [Ax, Ay], decimal",
    }),
    maxAgeDays: Type.Integer({
      minimum: 0,
      maximum: 65535,
      description: "Freshness bound proven: every batch's scoreDate at most this many days before asOfDate",
    }),
    contract: Type.String({
      pattern: "^0x[0-9a-fA-F]{40}$",
      description: "The ScoreAttestations contract the proofs are for (bound as the `domain` signal)",
    }),
    chainId: Type.Optional(ChainId("Its chain (default: the attestation's)")),
    batches: Type.Array(SignedBatch, {
      maxItems: 65535,
      description: "One signed batch per chunk, in order",
    }),
  },
  { additionalProperties: false },
);

const ScoreChunkView = Type.Object({
  chunkIndex: Type.Integer(),
  proof: Groth16Proof,
  publicSignals: Type.Array(Type.String(), {
    description: "root, pool, domain, providerKeyHash, modelId, maxAgeDays",
  }),
  calldata: SolidityCalldata,
  valid: Type.Union([Type.Boolean(), Type.Null()], {
    description: "The proof verifies against the instance's verification key (null: key not loaded here)",
  }),
});
export const ScoresView = Type.Object({
  attestationId: Type.String(),
  chunkCount: Type.Integer({ description: "Chunks of the attestation" }),
  scores: Type.Array(
    Type.Object({
      jobId: Type.String({ description: "The scores job (one per submission of provider batches)" }),
      instance: Type.String(),
      createdAt: Type.String(),
      providerKeyHash: Type.String(),
      modelId: Type.String(),
      maxAgeDays: Type.String(),
      domain: Type.String(),
      complete: Type.Boolean({ description: "A proof for every chunk of the attestation" }),
      valid: Type.Boolean({ description: "Complete and every chunk's proof valid" }),
      chunks: Type.Array(ScoreChunkView),
    }),
  ),
});
