/**
 * The public-signal layout is declared once (circuits/layout.json) and every consumer is generated from it:
 * a stale generated file fails here; a hand-written packing of the documented worked example cross-checks
 * the generated codec; and the circuit's packing is checked against the declaration on real witnesses of
 * PoolAttestation(8): the declared packing is accepted, the same figures with any one field moved by one
 * bit are refused, and so is a pool word wider than declared.
 *
 * One claim per test; the circuit through the typed circuit tester (test/support/circuit-tester.ts). Each
 * test gets its fixtures from `it`'s context: the compiled circuit (once per file), and, made for the test,
 * a copy of the declaration to change, the codec's examples, and a signed one-chunk tape's circuit input
 * with the independent model's figures.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { generateLayout, placed, readLayout, REPO, width } from "../../contracts/codegen/layout.ts";
import { chunkFigures } from "../../prover/model/index.ts";
import { LoanStatus, type LoanTape } from "../../prover/tape/schema.ts";
import { assertValidTape } from "../../prover/tape/validate.ts";
import { buildPoolInput } from "../../prover/witness/index.ts";
import {
  packDomain,
  packFigures,
  packPoolWord,
  unpackFigures,
  unpackPoolWord,
  WORDS,
  type Figures,
} from "../../verifier-api/web/pool-codec.js";
import { CodedError } from "../../verifier-api/web/errors.js";
import { type Signals } from "../support/circuit-tester.ts";
import { testOriginator } from "../support/originator.ts";
import { CHUNK, compilePool, type PoolInputName, type PoolTester } from "../support/pool-circuits.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { AS_OF, loan } from "../circuits/gen.ts";
import { failsAt, terminateCurve } from "../circuits/helpers.ts";

/** The BN254 scalar field's modulus. */
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** The generated files, from the repository root. */
const GENERATED = [
  "circuits/generated/pool_attestation_layout.circom",
  "contracts/generated/DomainWord.sol",
  "contracts/generated/PoolAttestationCodec.sol",
  "docs/INTERFACES.md",
  "verifier-api/web/pool-codec.d.ts",
  "verifier-api/web/pool-codec.js",
];

const POOL = "pool/pool_attestation.circom";
/** Where PoolChunk checks each figure word against its fields, and the pool word's width and chunk index. */
const PACKED: Record<"figA" | "figB" | "figC", () => RegExp> = {
  figA: () => failsAt("PoolChunk", POOL, "figA === outstanding"),
  figB: () => failsAt("PoolChunk", POOL, "figB === bucket60"),
  figC: () => failsAt("PoolChunk", POOL, "figC === weighted"),
};
const POOL_WIDTH = (): RegExp => failsAt("PoolChunk", POOL, "poolBits.in <== pool");
const CHUNK_INDEX = (): RegExp => failsAt("PoolChunk", POOL, "inRange.out === 1");

/** circuits/layout.json as parsed JSON, the shape the tests change. */
interface Declaration {
  templates: {
    PoolAttestation: {
      words: Record<string, unknown> & {
        figB: { fields: { name: string }[] };
        figC: { fields: { bits: number }[] };
      };
    };
  };
}

/**
 * A one-chunk pool (6 loans, pool 9) on which every figure is nonzero: a performing loan, one in each
 * delinquency bucket, a defaulted and a charged-off one (the buckets breach the policy, so breaches is
 * nonzero too). Moving a zero field changes nothing, so each field needs a loan that makes it nonzero.
 */
const everyFigureTape = (): LoanTape =>
  assertValidTape({
    poolId: 9n,
    period: 202611,
    asOfDate: AS_OF,
    currency: "USD",
    decimals: 2,
    loans: [
      loan({}, 0),
      loan({ status: LoanStatus.Delinquent, daysPastDue: 35 }, 1),
      loan({ status: LoanStatus.Delinquent, daysPastDue: 65 }, 2),
      loan({ status: LoanStatus.Delinquent, daysPastDue: 95 }, 3),
      loan({ status: LoanStatus.Defaulted, daysPastDue: 200 }, 4),
      loan(
        {
          status: LoanStatus.ChargedOff,
          daysPastDue: 300,
          outstandingBalance: 0n,
          chargedOffAmount: 500_000n,
        },
        5,
      ),
    ],
  });

/** `word` with the field at `shift` of width `bits` moved up one bit (its value shifted, the others kept). */
function moveUp(word: bigint, shift: number, bits: number): bigint {
  const v = (word >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
  return word - (v << BigInt(shift)) + (v << BigInt(shift + 1));
}

/** Every field of the figure words, by word (the declaration's, through the generated codec). */
const FIGURE_FIELDS = (["figA", "figB", "figC"] as const).flatMap((word) =>
  WORDS[word].map((f) => ({ word, field: f.name, shift: f.shift, bits: f.bits })),
);

const it = test.extend<{
  /** The declaration (circuits/layout.json), parsed afresh for the test to change. */
  declaration: Declaration;
  /** A directory of the test's own. */
  scratch: string;
  /** The files the declaration generates with figC's maxLoanBalance 49 bits wide instead of 48. */
  wider: Map<string, string>;
  /** The worked example of docs/INTERFACES.md: pool 77, period 202611, chunk 1 of 3, 600 loans. */
  workedExample: Parameters<typeof packPoolWord>[0];
  /** Figures with each field distinct and the widest at its maximum. */
  figures: Figures;
  circuit: PoolTester;
  /** The signed one-chunk pool's PoolAttestation(8) input, and its tape. */
  pool: { tape: LoanTape; input: Signals<PoolInputName> };
}>({
  declaration: async ({}, use) =>
    use(JSON.parse(readFileSync(join(REPO, "circuits/layout.json"), "utf8")) as Declaration),
  scratch: async ({}, use) => use(mkdtempSync(join(tmpdir(), "rwa-layout-"))),
  wider: async ({ declaration, scratch }, use) => {
    declaration.templates.PoolAttestation.words.figC.fields[1]!.bits = 49; // maxLoanBalance 48 -> 49
    const path = join(scratch, "layout.json");
    writeFileSync(path, JSON.stringify(declaration));
    await use(await generateLayout(path));
  },
  workedExample: async ({}, use) =>
    use({ poolId: 77n, period: 202611, asOfDate: 20422, chunkIndex: 1, chunkCount: 3, loanCount: 600 }),
  figures: async ({}, use) =>
    use({
      outstanding: 1n,
      scheduled: 2n,
      collected: 3n,
      bucket30: 4n,
      bucket60: 5n,
      bucket90: 6n,
      defaulted: 7n,
      chargedOff: (1n << 62n) - 1n,
      scoreWeightedBalance: (1n << 72n) - 1n,
      maxLoanBalance: 9n,
      activeCount: 10,
      minScore: 1023,
      breaches: 0b1000_0001,
    }),
  circuit: [async ({}, use) => use(await compilePool("PoolAttestation")), { scope: "file" }],
  pool: async ({ circuit }, use) => {
    const tape = everyFigureTape();
    const { ctx, sign } = await testOriginator();
    const { commitment, signature } = await sign(tape, TEST_POLICY, CHUNK);
    const built = await buildPoolInput(tape, TEST_POLICY, commitment, signature, ctx, 0, CHUNK);
    await use({ tape, input: circuit.input(built.input) });
  },
});

afterAll(terminateCurve);

/** A signal of the input as a bigint. */
const big = (input: Signals<PoolInputName>, name: PoolInputName): bigint => BigInt(input[name] as string);

describe("the generated files", () => {
  it("are the six consumers of the declaration", async () => {
    expect([...(await generateLayout()).keys()].sort()).toEqual(GENERATED);
  });

  it("are each the one circuits/layout.json generates (run `node contracts/codegen/run.ts` if not)", async () => {
    for (const [rel, text] of await generateLayout())
      expect(readFileSync(join(REPO, rel), "utf8"), rel).toBe(text);
  });

  it("change with the declaration: a wider field changes every consumer but DomainWord.sol", ({ wider }) => {
    for (const [rel, text] of wider)
      if (rel !== "contracts/generated/DomainWord.sol")
        expect(readFileSync(join(REPO, rel), "utf8"), rel).not.toBe(text);
  });

  it("move every offset after a wider field in the Solidity codec (activeCount at 121)", ({ wider }) => {
    expect(wider.get("contracts/generated/PoolAttestationCodec.sol")).toContain("ACTIVE_COUNT_SHIFT = 121;");
  });

  it("move every offset after a wider field in the circuit's layout (activeCount at 121)", ({ wider }) => {
    expect(wider.get("circuits/generated/pool_attestation_layout.circom")).toContain(
      "function ACTIVE_COUNT_SHIFT() { return 121; }",
    );
  });

  it("are refused for a declaration whose word does not fit a field element", ({ declaration, scratch }) => {
    declaration.templates.PoolAttestation.words.figA = {
      doc: "too wide",
      fields: [
        { name: "a", bits: 200, doc: "" },
        { name: "b", bits: 54, doc: "" },
      ],
    };
    writeFileSync(join(scratch, "wide.json"), JSON.stringify(declaration));
    expect(() => readLayout(join(scratch, "wide.json"))).toThrow(/254 bits do not fit a field element/);
  });

  it("are refused for a declaration that names a field twice", ({ declaration, scratch }) => {
    declaration.templates.PoolAttestation.words.figB.fields[0]!.name = "outstanding";
    writeFileSync(join(scratch, "twice.json"), JSON.stringify(declaration));
    expect(() => readLayout(join(scratch, "twice.json"))).toThrow(/outstanding declared twice/);
  });
});

describe("the declaration's words", () => {
  it("are each narrower than 254 bits (below the BN254 field)", () => {
    for (const [name, w] of Object.entries(readLayout().templates.PoolAttestation!.words))
      expect(width(w), name).toBeLessThan(254);
  });

  it("hold the largest registry address and chain id 2^93 - 1 in a domain word below the field", () => {
    expect(packDomain(`0x${"f".repeat(40)}`, (1n << 93n) - 1n)).toBeLessThan(FIELD);
  });

  it("refuse chain id 2^93 in a domain word", () => {
    expect(() => packDomain(`0x${"0".repeat(40)}`, 1n << 93n)).toThrow(CodedError);
  });
});

describe("the codec against a hand-written packing (the independent cross-check)", () => {
  it("packs the worked example of docs/INTERFACES.md: pool 77, period 202611, chunk 1 of 3, 600 loans", ({
    workedExample,
  }) => {
    const word = 77n + (202611n << 64n) + (20422n << 96n) + (1n << 112n) + (3n << 128n) + (600n << 144n);
    expect(packPoolWord(workedExample)).toBe(word);
  });

  it("unpacks the worked example's pool word to its fields", ({ workedExample }) => {
    expect(unpackPoolWord(packPoolWord(workedExample))).toEqual(workedExample);
  });

  it("refuses a chunk index that does not fit its 16 bits", ({ workedExample }) => {
    expect(() => packPoolWord({ ...workedExample, chunkIndex: 1 << 16 })).toThrow(
      /chunkIndex: .* does not fit 16 bits/,
    );
  });

  it("packs figA into four 62-bit slots", ({ figures }) => {
    expect(packFigures(figures).figA).toBe(1n + (2n << 62n) + (3n << 124n) + (4n << 186n));
  });

  it("packs figB into four 62-bit slots", ({ figures }) => {
    expect(packFigures(figures).figB).toBe(5n + (6n << 62n) + (7n << 124n) + (((1n << 62n) - 1n) << 186n));
  });

  it("packs figC into its 72/48/24/10/16-bit fields", ({ figures }) => {
    expect(packFigures(figures).figC).toBe(
      (1n << 72n) - 1n + (9n << 72n) + (10n << 120n) + (1023n << 144n) + (0b1000_0001n << 154n),
    );
  });

  it("unpacks the three figure words to the same figures", ({ figures }) => {
    const { figA, figB, figC } = packFigures(figures);
    expect(unpackFigures(figA, figB, figC)).toEqual(figures);
  });

  it("refuses a minimum score that does not fit its 10 bits", ({ figures }) => {
    expect(() => packFigures({ ...figures, minScore: 1024 })).toThrow(/minScore: 1024 does not fit 10 bits/);
  });
});

describe("the circuit's packing against the declaration (PoolAttestation(8), real witnesses)", () => {
  it("accepts the figures packed as declared", async ({ circuit, pool }) => {
    await circuit.expectPass(pool.input);
  });

  it("publishes figures that decode to the independent model's", ({ pool }) => {
    const { input } = pool;
    expect(unpackFigures(big(input, "figA"), big(input, "figB"), big(input, "figC"))).toEqual(
      chunkFigures(pool.tape.loans, TEST_POLICY),
    );
  });

  it("publishes a pool word that decodes to pool 9, chunk 0 of 1, 6 loans", ({ pool }) => {
    expect(unpackPoolWord(big(pool.input, "pool"))).toMatchObject({
      poolId: 9n,
      chunkIndex: 0,
      chunkCount: 1,
      loanCount: 6,
    });
  });

  it("is given a pool on which every figure field is nonzero (so each can be moved)", ({ pool }) => {
    const zero = FIGURE_FIELDS.filter(
      ({ word, shift, bits }) =>
        ((big(pool.input, word) >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n)) === 0n,
    );
    expect(zero.map((z) => `${z.word}.${z.field}`)).toEqual([]);
  });

  // The circuit's offsets are the declared ones: each field moved up one bit, the others kept, is refused.
  for (const { word, field, shift, bits } of FIGURE_FIELDS)
    it(`refuses the same figures with ${word}.${field} moved up one bit`, async ({ circuit, pool }) => {
      const moved = moveUp(big(pool.input, word), shift, bits);
      await circuit.expectFail({ ...pool.input, [word]: moved.toString() }, PACKED[word]());
    });

  it("refuses a pool word with a bit set above its declared width", async ({ circuit, pool }) => {
    const top = placed(readLayout().templates.PoolAttestation!.words.pool!).reduce((a, f) => a + f.bits, 0);
    const wide = big(pool.input, "pool") + (1n << BigInt(top));
    await circuit.expectFail({ ...pool.input, pool: wide.toString() }, POOL_WIDTH());
  });

  // chunkIndex 1 of a one-chunk tape is refused (chunkIndex < chunkCount): the circuit reads it where declared.
  it("reads chunkIndex at its declared offset", async ({ circuit, pool }) => {
    const idx = placed(readLayout().templates.PoolAttestation!.words.pool!).find(
      (f) => f.name === "chunkIndex",
    )!;
    const next = big(pool.input, "pool") + (1n << BigInt(idx.shift));
    await circuit.expectFail({ ...pool.input, pool: next.toString() }, CHUNK_INDEX());
  });
});
