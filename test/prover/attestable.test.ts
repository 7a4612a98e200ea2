/**
 * A pool the chosen chunks cannot attest is refused before anything is committed or proven (issue 17; before
 * this it was refused only after every chunk proof was made). One committed attestation holds at most the
 * registry's limit (1,024 chunks: checked against the Solidity source) or the catalogue's largest aggregation
 * class (512), whichever is smaller: 100,000 loans in chunks of 256 (391 chunks) fit, in chunks of 64 (1,563)
 * do not.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import {
  MAX_COMMITTED_CHUNKS,
  aggregationInstance,
  attestationChunkLimit,
  attestPool,
  generateOriginatorKey,
  generateSyntheticTape,
  requireAttestable,
  type AttestProgress,
} from "../../prover/index.ts";
import { TEST_POLICY } from "../support/policy.ts";

describe("a pool too large for one attestation", () => {
  it("the registry's limit is ChunkSet's MAX_CHUNKS, which both registries use", () => {
    const sol = readFileSync(join(REPO_ROOT, "contracts", "libraries", "ChunkSet.sol"), "utf8");
    expect(Number(/MAX_CHUNKS = (\d+);/.exec(sol)?.[1])).toBe(MAX_COMMITTED_CHUNKS);
    for (const registry of ["AttestationRegistry.sol", "RollForwardRegistry.sol"]) {
      const src = readFileSync(join(REPO_ROOT, "contracts", registry), "utf8");
      expect(src).toContain("count > ChunkSet.MAX_CHUNKS");
      expect(src).not.toMatch(/MAX_CHUNKS = \d+/);
    }
  });

  it("the attestation's limit is the largest aggregation class, 512, below the registry's 1,024", () => {
    expect(attestationChunkLimit()).toEqual({
      chunks: 512,
      by: "the largest aggregation class, pool-aggregation-512",
    });
  });

  it("100,000 loans in chunks of 256 (391 chunks) are attestable, aggregated by pool-aggregation-512", () => {
    expect(requireAttestable(100_000, "pool-attestation-256")).toBe(391);
    expect(aggregationInstance(391)).toBe("pool-aggregation-512");
  });

  it("100,000 loans in chunks of 64 (1,563 chunks) are refused, naming the counts, the limit and the way out", () => {
    expect(() => requireAttestable(100_000, "pool-attestation-64")).toThrow(
      /^pool too large: 100000 loans in chunks of 64 are 1563 chunks; an attestation holds at most 512 \(the largest aggregation class, pool-aggregation-512\), so pool-attestation-64 attests at most 32768 loans: use a larger instance \(the catalogue's largest, of 256 loans a chunk, holds 131072\)$/,
    );
  });

  it("the largest instance past the limit is refused without a way out", () => {
    expect(() => requireAttestable(131_073, "pool-attestation-256")).toThrow(
      /^pool too large: 131073 loans in chunks of 256 are 513 chunks; .* at most 131072 loans$/,
    );
  });

  it("its twins at the limit, 512 chunks, pass", () => {
    expect(requireAttestable(4_096, "pool-attestation-8")).toBe(512);
    expect(requireAttestable(131_072, "pool-attestation-256")).toBe(512);
  });

  it("attestPool refuses it with the coded error before committing anything", async () => {
    const tape = generateSyntheticTape({ seed: 5, loans: 4_097, poolId: 3n, period: 202611 });
    const stages: AttestProgress["stage"][] = [];
    const err = await attestPool({
      tape,
      policy: TEST_POLICY,
      key: await generateOriginatorKey(),
      chainId: 31337n,
      registry: "0x" + "33".repeat(20),
      instance: "pool-attestation-8",
      onProgress: (p) => stages.push(p.stage),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "refused" });
    expect((err as Error).message).toMatch(/^pool too large: 4097 loans in chunks of 8 are 513 chunks/);
    expect(stages).toEqual([]);
  });
});
