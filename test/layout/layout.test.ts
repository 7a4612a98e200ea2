/**
 * The public-signal layout is declared once (circuits/layout.json) and every consumer is generated from it:
 * a stale generated file fails here; a hand-written packing of the documented worked example cross-checks
 * the generated codec; and the circuit's packing is checked against the declaration on real witnesses of
 * PoolAttestation(8): the declared packing is accepted, the same figures with any one field moved by one
 * bit are refused, and so is a pool word wider than declared.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLayout, placed, readLayout, REPO, width } from "../../contracts/codegen/layout.ts";
import { commitTape, randomSalts } from "../../prover/commitment/encoding.ts";
import { domainWord, generateOriginatorKey, signAttestation } from "../../prover/commitment/keys.ts";
import { chunkFigures } from "../../prover/model/index.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { generateSyntheticTape } from "../../prover/tape/index.ts";
import { buildPoolInput, type CircuitInput } from "../../prover/witness/index.ts";
import {
  packDomain,
  packFigures,
  packPoolWord,
  unpackFigures,
  unpackPoolWord,
  WORDS,
  type Figures,
} from "../../verifier-api/web/pool-codec.js";
import {
  check,
  compileCircuit,
  failure,
  terminateCurve,
  witness,
  type Compiled,
} from "../circuits/helpers.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

describe("the generated files", () => {
  it("are each the one circuits/layout.json generates (run `node contracts/codegen/run.ts` if not)", async () => {
    const files = await generateLayout();
    expect([...files.keys()].sort()).toEqual([
      "circuits/generated/pool_attestation_layout.circom",
      "contracts/generated/DomainWord.sol",
      "contracts/generated/PoolAttestationCodec.sol",
      "docs/INTERFACES.md",
      "verifier-api/web/pool-codec.d.ts",
      "verifier-api/web/pool-codec.js",
    ]);
    for (const [rel, text] of files) expect(readFileSync(join(REPO, rel), "utf8"), rel).toBe(text);
  });

  it("change with the declaration: a wider field moves every offset after it, in every consumer", async () => {
    const decl = JSON.parse(readFileSync(join(REPO, "circuits/layout.json"), "utf8")) as {
      templates: { PoolAttestation: { words: { figC: { fields: { bits: number }[] } } } };
    };
    decl.templates.PoolAttestation.words.figC.fields[1]!.bits = 49; // maxLoanBalance 48 -> 49
    const path = join(mkdtempSync(join(tmpdir(), "rwa-layout-")), "layout.json");
    writeFileSync(path, JSON.stringify(decl));
    const files = await generateLayout(path);
    for (const [rel, text] of files)
      if (rel !== "contracts/generated/DomainWord.sol")
        expect(readFileSync(join(REPO, rel), "utf8"), rel).not.toBe(text);
    expect(files.get("contracts/generated/PoolAttestationCodec.sol")).toContain("ACTIVE_COUNT_SHIFT = 121;");
    expect(files.get("circuits/generated/pool_attestation_layout.circom")).toContain(
      "function ACTIVE_COUNT_SHIFT() { return 121; }",
    );
  });

  it("refuse a declaration whose word does not fit a field element, or that names a field twice", () => {
    const dir = mkdtempSync(join(tmpdir(), "rwa-layout-"));
    const base = readFileSync(join(REPO, "circuits/layout.json"), "utf8");
    const wide = JSON.parse(base) as { templates: { PoolAttestation: { words: Record<string, unknown> } } };
    wide.templates.PoolAttestation.words.figA = {
      doc: "too wide",
      fields: [
        { name: "a", bits: 200, doc: "" },
        { name: "b", bits: 54, doc: "" },
      ],
    };
    writeFileSync(join(dir, "wide.json"), JSON.stringify(wide));
    expect(() => readLayout(join(dir, "wide.json"))).toThrow(/254 bits do not fit a field element/);
    const twice = JSON.parse(base) as {
      templates: { PoolAttestation: { words: { figB: { fields: { name: string }[] } } } };
    };
    twice.templates.PoolAttestation.words.figB.fields[0]!.name = "outstanding";
    writeFileSync(join(dir, "twice.json"), JSON.stringify(twice));
    expect(() => readLayout(join(dir, "twice.json"))).toThrow(/outstanding declared twice/);
  });

  it("keep every word below the BN254 field, and the domain word's largest chain id is 2^93 - 1", () => {
    const decl = readLayout();
    for (const w of Object.values(decl.templates.PoolAttestation!.words)) expect(width(w)).toBeLessThan(254);
    const max = (1n << 93n) - 1n;
    expect(packDomain(`0x${"f".repeat(40)}`, max)).toBeLessThan(
      21888242871839275222246405745257275088548364400416034343698204186575808495617n,
    );
    expect(() => packDomain(`0x${"0".repeat(40)}`, max + 1n)).toThrow(CodedError);
  });
});

describe("the codec against a hand-written packing (the independent cross-check)", () => {
  it("packs the worked example of docs/INTERFACES.md: pool 77, period 202611, chunk 1 of 3, 600 loans", () => {
    const fields = {
      poolId: 77n,
      period: 202611,
      asOfDate: 20422,
      chunkIndex: 1,
      chunkCount: 3,
      loanCount: 600,
    };
    const word = 77n + (202611n << 64n) + (20422n << 96n) + (1n << 112n) + (3n << 128n) + (600n << 144n);
    expect(packPoolWord(fields)).toBe(word);
    expect(unpackPoolWord(word)).toEqual(fields);
    expect(() => packPoolWord({ ...fields, chunkIndex: 1 << 16 })).toThrow(
      /chunkIndex: .* does not fit 16 bits/,
    );
  });

  it("packs figures into 62-bit slots and figC's 72/48/16/10/16-bit fields", () => {
    const f: Figures = {
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
    };
    const { figA, figB, figC } = packFigures(f);
    expect(figA).toBe(1n + (2n << 62n) + (3n << 124n) + (4n << 186n));
    expect(figB).toBe(5n + (6n << 62n) + (7n << 124n) + (((1n << 62n) - 1n) << 186n));
    expect(figC).toBe(
      (1n << 72n) - 1n + (9n << 72n) + (10n << 120n) + (1023n << 144n) + (0b1000_0001n << 154n),
    );
    expect(unpackFigures(figA, figB, figC)).toEqual(f);
    expect(() => packFigures({ ...f, minScore: 1024 })).toThrow(/minScore: 1024 does not fit 10 bits/);
  });
});

describe("the circuit's packing against the declaration (PoolAttestation(8), real witnesses)", () => {
  let circuit: Compiled;
  let input: CircuitInput;
  let model: Figures;
  beforeAll(async () => {
    circuit = await compileCircuit(
      "circuits/pool/pool_attestation.circom",
      "PoolAttestation",
      [8],
      ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"],
    );
    const tape = generateSyntheticTape({ seed: "layout", loans: 6, poolId: 9n });
    const key = await generateOriginatorKey();
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: 8 });
    const registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    const signature = await signAttestation(key.privateKey, {
      root: commitment.root,
      poolId: tape.poolId,
      period: tape.period,
      asOfDate: tape.asOfDate,
      chunkCount: 1,
      loanCount: tape.loans.length,
      domain: domainWord(registry, 31337n),
      policyHash: await policyHash(TEST_POLICY),
    });
    const ctx = { publicKey: key.publicKey, chainId: 31337n, registry };
    input = (await buildPoolInput(tape, TEST_POLICY, commitment, signature, ctx, 0, 8)).input;
    model = chunkFigures(tape.loans, TEST_POLICY);
  }, 600_000);
  afterAll(terminateCurve);

  it("accepts the figures packed as declared, and they decode to the independent model's", async () => {
    expect(await check(circuit, await witness(circuit, input))).toBe(true);
    const sig = (name: string): bigint => BigInt(input[name] as string);
    expect(unpackFigures(sig("figA"), sig("figB"), sig("figC"))).toEqual(model);
    expect(unpackPoolWord(sig("pool"))).toMatchObject({
      poolId: 9n,
      chunkIndex: 0,
      chunkCount: 1,
      loanCount: 6,
    });
  });

  it("refuses the same figures with any one nonzero field moved by one bit (the circuit's offsets are the declared ones)", async () => {
    let moved = 0;
    for (const word of ["figA", "figB", "figC"] as const) {
      const fields = WORDS[word];
      const value = BigInt(input[word] as string);
      for (const f of fields) {
        const v = (value >> BigInt(f.shift)) & ((1n << BigInt(f.bits)) - 1n);
        if (v === 0n) continue;
        const shifted = value - (v << BigInt(f.shift)) + (v << BigInt(f.shift + 1));
        const msg = await failure(witness(circuit, { ...input, [word]: shifted.toString() }));
        expect(msg, `${word}.${f.name} moved`).toMatch(/Assert Failed/);
        moved++;
      }
    }
    // the synthetic tape has active loans, so at least outstanding, scheduled, the score and count fields move
    expect(moved).toBeGreaterThanOrEqual(6);
  }, 600_000);

  it("refuses a pool word with a bit set above its declared width, and reads chunkIndex at its declared offset", async () => {
    const pool = BigInt(input.pool as string);
    const poolBits = placed(readLayout().templates.PoolAttestation!.words.pool!);
    const top = poolBits.reduce((a, f) => a + f.bits, 0);
    expect(
      await failure(witness(circuit, { ...input, pool: (pool + (1n << BigInt(top))).toString() })),
    ).toMatch(/Assert Failed/);
    // chunkIndex 1 of a 1-chunk tape: refused (chunkIndex < chunkCount), so the circuit reads it where declared
    const idx = poolBits.find((f) => f.name === "chunkIndex")!;
    expect(
      await failure(witness(circuit, { ...input, pool: (pool + (1n << BigInt(idx.shift))).toString() })),
    ).toMatch(/Assert Failed/);
  }, 600_000);
});
