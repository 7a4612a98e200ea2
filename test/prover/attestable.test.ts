/**
 * A pool the chosen chunks cannot attest is refused before anything is committed or proven (issue 17: a pool
 * of 100,000 loans in chunks of 256 is 391 chunks, more than one committed attestation holds; before this it
 * was refused only after every chunk proof was made). The limit is the registry's: checked against its source.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import {
  MAX_COMMITTED_CHUNKS,
  attestPool,
  generateOriginatorKey,
  generateSyntheticTape,
  requireAttestable,
  type AttestProgress,
} from "../../prover/index.ts";
import { TEST_POLICY } from "../support/policy.ts";

describe("a pool too large for one attestation", () => {
  it("the limit is the registry's MAX_CHUNKS", () => {
    const sol = readFileSync(join(REPO_ROOT, "contracts", "AttestationRegistry.sol"), "utf8");
    expect(Number(/MAX_CHUNKS = (\d+);/.exec(sol)?.[1])).toBe(MAX_COMMITTED_CHUNKS);
  });

  it("100,000 loans in chunks of 256 (391 chunks) are refused, naming the counts and the limit", () => {
    expect(() => requireAttestable(100_000, "pool-attestation-256")).toThrow(
      /pool too large: 100000 loans in chunks of 256 are 391 chunks; an attestation holds at most 256 .* at most 65536 loans$/,
    );
  });

  it("a smaller instance is refused with the way out: the catalogue's largest chunk and what it holds", () => {
    expect(() => requireAttestable(2_049, "pool-attestation-8")).toThrow(
      /2049 loans in chunks of 8 are 257 chunks.*use a larger instance \(the catalogue's largest, of 256 loans a chunk, holds 65536\)/,
    );
  });

  it("its twin at the limit, 256 chunks, passes", () => {
    expect(requireAttestable(2_048, "pool-attestation-8")).toBe(256);
    expect(requireAttestable(65_536, "pool-attestation-256")).toBe(256);
  });

  it("attestPool refuses it with the coded error before committing anything", async () => {
    const tape = generateSyntheticTape({ seed: 5, loans: 2_049, poolId: 3n, period: 202611 });
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
    expect((err as Error).message).toMatch(/^pool too large: 2049 loans in chunks of 8 are 257 chunks/);
    expect(stages).toEqual([]);
  });
});
