import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateAll } from "../../contracts/codegen/run.ts";
import { constantName, generateSignalsLibrary, pascalName } from "../../contracts/codegen/signals.ts";
import {
  aggregateChunks,
  packDomain,
  packFigures,
  packPool,
  poolCovenantBits,
  unpackFigures,
  type PoolFigures,
} from "../../sdk/index.ts";
import { POLICY, healthyFigures } from "./helpers.ts";
import { allocateMarkdown, realisedWaterfall, type ModelParams } from "../../sdk/index.ts";
import { CodedError } from "../../verifier-api/web/errors.js";
import { WORDS } from "../../verifier-api/web/pool-codec.js";

describe("signal constants code generation", () => {
  it("names every signal by its index, in catalogue order", () => {
    const sol = generateSignalsLibrary("PoolAttestation16Signals", ["root", "pool", "policyHash", "figA"]);
    expect(sol).toContain("library PoolAttestation16Signals {");
    expect(sol).toContain("uint256 internal constant ROOT = 0;");
    expect(sol).toContain("uint256 internal constant POLICY_HASH = 2;");
    expect(sol).toContain("uint256 internal constant FIG_A = 3;");
    expect(sol).toContain("uint256 internal constant COUNT = 4;");
    expect(constantName("keyHash")).toBe("KEY_HASH");
    expect(pascalName("pool-attestation-16")).toBe("PoolAttestation16");
  });

  it("refuses bad library names, bad or duplicate signal names", () => {
    expect(() => generateSignalsLibrary("lower", ["a"])).toThrow(TypeError);
    expect(() => generateSignalsLibrary("Lib", [])).toThrow(TypeError);
    expect(() => generateSignalsLibrary("Lib", ["a-b"])).toThrow(/invalid name/);
    expect(() => generateSignalsLibrary("Lib", ["figA", "fig_a"])).toThrow(/duplicate/);
    expect(() => generateSignalsLibrary("Lib", ["count"])).toThrow(/reserved/);
  });

  it("keeps the committed PoolAttestationSignals in step with the catalogue", () => {
    const out = mkdtempSync(join(tmpdir(), "signals-"));
    generateAll(undefined, out);
    const fresh = readFileSync(join(out, "PoolAttestationSignals.sol"), "utf8");
    const committed = readFileSync(
      new URL("../../contracts/generated/PoolAttestationSignals.sol", import.meta.url),
      "utf8",
    );
    expect(committed).toBe(fresh);
  });
});

describe("signal packing (sdk/vault/signals.ts)", () => {
  it("round-trips figures and packs pool and domain per docs/INTERFACES.md", () => {
    const f = healthyFigures(2n ** 62n - 1n, {
      minScore: 1023n,
      breaches: 0xffffn,
      activeCount: 2n ** 24n - 1n,
      maxLoanBalance: 2n ** 48n - 1n,
      scoreWeightedBalance: 2n ** 72n - 1n,
      chargedOff: 2n ** 62n - 1n,
    });
    const [a, b, c] = packFigures(f);
    expect(unpackFigures(a, b, c)).toEqual(f);
    expect(c >> 170n).toBe(0n);
    expect(packPool({ poolId: 7n, period: 3n, asOfDate: 20_000n, chunkIndex: 1n, chunkCount: 2n })).toBe(
      7n | (3n << 64n) | (20_000n << 96n) | (1n << 112n) | (2n << 128n),
    );
    expect(packDomain("0x00000000000000000000000000000000000000ff", 31337n)).toBe(255n | (31337n << 160n));
  });

  it("fits figC in the registry's meta word beside period, asOfDate, policy, key, cursor and marker", () => {
    // AttestationRegistry: meta = figC | period (32) | asOfDate (16) | policy index (12) | key index (16) |
    // history cursor (9) | MARK (1), the shifts derived from Codec.FIG_C_BITS
    const registry = readFileSync("contracts/AttestationRegistry.sol", "utf8");
    const shift = (name: string): number =>
      Number(new RegExp(`constant ${name} = (\\d+);`).exec(registry)?.[1] ?? NaN);
    const figCBits = WORDS.figC.reduce((n, f) => n + f.bits, 0);
    expect(shift("PERIOD_SHIFT")).toBe(figCBits);
    expect(shift("AS_OF_SHIFT")).toBe(figCBits + 32);
    expect(shift("POLICY_SHIFT")).toBe(figCBits + 32 + 16);
    expect(shift("KEY_SHIFT")).toBe(figCBits + 32 + 16 + 12);
    expect(shift("CURSOR_SHIFT")).toBe(figCBits + 32 + 16 + 12 + 16);
    expect(shift("CURSOR_SHIFT") + 9).toBeLessThanOrEqual(255); // the cursor's 9 bits below MARK
  });

  it("refuses values that overflow their slot", () => {
    expect(() => packFigures(healthyFigures(2n ** 62n))).toThrow(CodedError);
    expect(() => packFigures(healthyFigures(1n, { minScore: 1024n }))).toThrow(/minScore/);
    expect(() =>
      packPool({ poolId: 2n ** 64n, period: 1n, asOfDate: 1n, chunkIndex: 0n, chunkCount: 1n }),
    ).toThrow(/poolId/);
    expect(() => packDomain("0x12", 1n)).toThrow(CodedError);
  });

  it("evaluates pool covenants at their exact boundaries", () => {
    const f = healthyFigures(10_000n, { bucket30: 1_500n, bucket60: 0n, maxLoanBalance: 2_500n });
    expect(
      poolCovenantBits(
        { ...f, outstanding: 10n ** 10n, bucket30: 15n * 10n ** 8n, maxLoanBalance: 1n },
        POLICY,
      ),
    ).toBe(0n);
    expect(
      poolCovenantBits(
        { ...f, outstanding: 10n ** 10n, bucket30: 15n * 10n ** 8n + 1n, maxLoanBalance: 1n },
        POLICY,
      ),
    ).toBe(8n);
    expect(
      poolCovenantBits({ ...f, outstanding: 999_999_999n, bucket30: 0n, maxLoanBalance: 0n }, POLICY),
    ).toBe(128n);
    const agg = aggregateChunks(
      [healthyFigures(10n ** 10n), healthyFigures(10n ** 10n, { breaches: 0b1001n })],
      POLICY,
    );
    expect(agg.breaches).toBe(1n); // per-loan bit 0 kept, the chunk's own pool-level bit 3 re-evaluated away
    expect(() => aggregateChunks([], POLICY)).toThrow(CodedError);
  });
});

describe("policy hash used by the contract tests", () => {
  it("matches the docs/POLICY.md test vector, and changes with any parameter", async () => {
    const { policyHash } = await import("./helpers.ts");
    const p = {
      minCreditScore: 580n,
      maxDaysPastDue: 120n,
      maxLtvBps: 9000n,
      maxBucket30Bps: 1000n,
      maxBucket60Bps: 500n,
      maxBucket90Bps: 300n,
      maxConcentrationBps: 500n,
      minPoolBalance: 0n,
      minActiveLoans: 10n,
    };
    expect(await policyHash(p)).toBe(
      1060393636377497445424408850191369547073181319417592428249255097847585175479n,
    );
    expect(await policyHash({ ...p, minPoolBalance: 1n })).not.toBe(
      1060393636377497445424408850191369547073181319417592428249255097847585175479n,
    );
    expect(await policyHash({ ...p, minActiveLoans: 9n })).not.toBe(
      1060393636377497445424408850191369547073181319417592428249255097847585175479n,
    );
  });
});

describe("waterfall model (sdk/vault/model.ts)", () => {
  const p: ModelParams = {
    seniorCouponBps: 100n,
    mezzanineCouponBps: 200n,
    minSubordinationBps: 2_000n,
    haircut30Bps: 0n,
    haircut60Bps: 0n,
    haircut90Bps: 0n,
    haircutDefaultedBps: 0n,
    staleMarkdownBps: 0n,
    triggerDelinquencyBps: 1_000n,
    triggerLossBps: 500n,
    maxAge: 1n,
  };
  const L = (
    balances: [bigint, bigint, bigint],
    pdl: [bigint, bigint, bigint] = [0n, 0n, 0n],
    reserve = 0n,
  ) => ({
    balances,
    pdl,
    reserve,
  });
  it("pays coupons senior first, residual to junior (or to the reserve under the trigger)", () => {
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 0n, 20n, false, p)).toEqual(L([1010n, 510n, 200n]));
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 0n, 15n, false, p)).toEqual(L([1010n, 505n, 200n]));
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 0n, 100n, false, p)).toEqual(L([1010n, 510n, 280n]));
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 0n, 100n, true, p)).toEqual(
      L([1010n, 510n, 200n], [0n, 0n, 0n], 80n),
    );
  });
  it("writes losses junior first into the PDLs and cures them senior first after the coupons", () => {
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 100n, 0n, false, p)).toEqual(
      L([1000n, 500n, 200n], [0n, 0n, 100n]),
    );
    expect(realisedWaterfall(L([1000n, 500n, 200n]), 800n, 0n, false, p)).toEqual(
      L([1000n, 500n, 200n], [100n, 500n, 200n]),
    );
    // income 130: coupons 10 + 10, then senior PDL 100 cured, then 10 of mezzanine's
    expect(realisedWaterfall(L([1000n, 500n, 200n], [100n, 500n, 200n]), 0n, 130n, false, p)).toEqual(
      L([1010n, 510n, 200n], [0n, 490n, 200n]),
    );
    // the trapped reserve absorbs losses first, and is released into the cures once the trigger is off
    expect(realisedWaterfall(L([1000n, 500n, 200n], [0n, 0n, 0n], 50n), 70n, 0n, true, p)).toEqual(
      L([1000n, 500n, 200n], [0n, 0n, 20n], 0n),
    );
    expect(realisedWaterfall(L([1000n, 500n, 200n], [0n, 0n, 20n], 50n), 0n, 0n, false, p)).toEqual(
      L([1000n, 500n, 230n], [0n, 0n, 0n], 0n),
    );
  });
  it("allocates the provisional markdown junior first without touching the ledgers", () => {
    expect(allocateMarkdown(L([1000n, 500n, 200n]), 100n)).toEqual({
      claims: [1000n, 500n, 100n],
      nav: 1600n,
    });
    expect(allocateMarkdown(L([1000n, 500n, 200n], [0n, 0n, 50n], 30n), 700n)).toEqual({
      claims: [980n, 0n, 0n],
      nav: 980n,
    });
  });
});

describe("cross-check with the prover's model (prover/model)", () => {
  it("packs, unpacks and aggregates chunks exactly like prover/model", async () => {
    const prover = await import("../../prover/model/index.ts");
    const { DEFAULT_POLICY } = await import("../../prover/policy/index.ts");
    const { policyParamsInput } = await import("../../deploy/index.ts");
    const params = policyParamsInput(DEFAULT_POLICY);
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 50; trial++) {
      const chunks = Array.from({ length: 1 + rnd(4) }, () => {
        const o = BigInt(rnd(2 ** 30)) * 1000n;
        return healthyFigures(o, {
          bucket30: (o * BigInt(rnd(2000))) / 10_000n,
          bucket90: (o * BigInt(rnd(800))) / 10_000n,
          maxLoanBalance: (o * BigInt(rnd(1000))) / 10_000n,
          minScore: BigInt(rnd(1024)),
          activeCount: BigInt(rnd(17)),
          breaches: BigInt(rnd(256)),
        });
      });
      const ours = aggregateChunks(chunks, params);
      const toProver = (f: PoolFigures) => ({
        ...f,
        activeCount: Number(f.activeCount),
        minScore: Number(f.minScore),
        breaches: Number(f.breaches),
      });
      const theirs = prover.aggregateFigures(chunks.map(toProver), DEFAULT_POLICY);
      expect(toProver(ours)).toEqual(theirs);
      const p = prover.packFigures(theirs);
      expect(packFigures(ours)).toEqual([p.figA, p.figB, p.figC]);
    }
  });
});
