/** The service's small pure parts: configuration, tape encryption, key hashing, the sampling rule. */
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../verifier-api/config.ts";
import { canonicalJson, decrypt, encrypt, hashApiKey, newApiKey } from "../../verifier-api/crypto.ts";
import { sampleIndices } from "../../prover/index.ts";

const KEY = "ab".repeat(32);

describe("configuration", () => {
  it("reads defaults and typed values from the environment", () => {
    const c = loadConfig({ RWA_API_TAPE_KEY: KEY, RWA_API_PORT: "9090", RWA_API_VERIFY_INSTANCES: "a, b" });
    expect(c).toMatchObject({
      port: 9090,
      host: "127.0.0.1",
      storage: "sqlite",
      verifyInstances: ["a", "b"],
    });
    // one verification process per core but one by default (at least 1, at most 4), or as many as set
    expect(c.verifyProcesses).toBe(Math.max(1, Math.min(4, availableParallelism() - 1)));
    expect(loadConfig({ RWA_API_TAPE_KEY: KEY, RWA_API_VERIFY_PROCESSES: "3" }).verifyProcesses).toBe(3);
    expect(c.tapeKey.equals(Buffer.from(KEY, "hex"))).toBe(true);
    expect(loadConfig({ RWA_API_TAPE_KEY: Buffer.alloc(32, 7).toString("base64") }).tapeKey).toEqual(
      Buffer.alloc(32, 7),
    );
  });

  it("refuses a missing or short tape key, bad numbers, unknown storage, postgres without a URL", () => {
    const bad = (env: NodeJS.ProcessEnv, re: RegExp) => expect(() => loadConfig(env)).toThrow(re);
    bad({}, /RWA_API_TAPE_KEY: required/);
    bad({ RWA_API_TAPE_KEY: "ab".repeat(16) }, /RWA_API_TAPE_KEY: expected 32 bytes/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_PORT: "80x" }, /RWA_API_PORT: expected an integer/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_PORT: "70000" }, /\/port/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_STORAGE: "mysql" }, /RWA_API_STORAGE/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_STORAGE: "postgres" }, /RWA_API_POSTGRES_URL: required/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_ADMIN_KEY: "short" }, /RWA_API_ADMIN_KEY/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_LOG_LEVEL: "loud" }, /logLevel/);
    bad({ RWA_API_TAPE_KEY: KEY, RWA_API_VERIFY_PROCESSES: "0" }, /verifyProcesses/);
    bad(
      { RWA_API_TAPE_KEY: KEY, RWA_API_VERIFY_PROCESSES: "two" },
      /RWA_API_VERIFY_PROCESSES: expected an integer/,
    );
    expect(() => loadConfig({})).toThrow(ConfigError);
  });
});

describe("tape encryption", () => {
  const key = Buffer.alloc(32, 1);
  it("round-trips, and refuses another key, another record or a flipped byte", () => {
    const plain = Buffer.from('{"loans":[{"borrowerRef":"B-0001"}]}');
    const blob = encrypt(key, plain, "tape:t1:orig-a");
    expect(blob.includes(Buffer.from("B-0001"))).toBe(false);
    expect(decrypt(key, blob, "tape:t1:orig-a").equals(plain)).toBe(true);
    expect(encrypt(key, plain, "tape:t1:orig-a").equals(blob)).toBe(false); // fresh IV each time
    expect(() => decrypt(Buffer.alloc(32, 2), blob, "tape:t1:orig-a")).toThrow();
    expect(() => decrypt(key, blob, "tape:t1:orig-b")).toThrow();
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => decrypt(key, flipped, "tape:t1:orig-a")).toThrow();
    expect(() => decrypt(key, Buffer.from([9, 9]), "x")).toThrow(/not an encrypted tape/);
  });

  it("API keys are random and stored as distinct hashes; canonical JSON sorts keys", () => {
    const a = newApiKey("auditor");
    expect(a).toMatch(/^rwa_auditor_[A-Za-z0-9_-]{43}$/);
    expect(newApiKey("auditor")).not.toBe(a);
    expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(a)).not.toBe(hashApiKey(`${a}x`));
    expect(canonicalJson({ b: 1, a: { d: 2n, c: [3] } })).toBe('{"a":{"c":[3],"d":"2"},"b":1}');
  });
});

describe("sampling rule", () => {
  it("is deterministic, distinct, within the tape, and depends on seed and size", () => {
    const s = sampleIndices("seed-after-commitment", 1000, 20);
    expect(sampleIndices("seed-after-commitment", 1000, 20)).toEqual(s);
    expect(new Set(s).size).toBe(20);
    expect(s.every((i) => Number.isInteger(i) && i >= 0 && i < 1000)).toBe(true);
    expect(sampleIndices("seed-after-commitment", 1000, 5)).toEqual(s.slice(0, 5)); // a prefix of the draw
    expect(sampleIndices("seed-after-commitment!", 1000, 20)).not.toEqual(s);
    expect(sampleIndices("seed-after-commitment", 1001, 20)).not.toEqual(s);
    expect(sampleIndices("x", 5, 50).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices("x", 1, 3)).toEqual([0]);
  });

  it("matches the rule's published vector", () => {
    // SHA-256("rwa-attest/sample@1" | u32be(4) | "test" | u32be(10) | u32be(k)) mod 10, repeats skipped.
    // Computed independently with node:crypto from the rule's text: [1, 4, 6].
    expect(sampleIndices("test", 10, 3)).toEqual([1, 4, 6]);
    expect(sampleIndices("test", 10, 10).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refuses bad arguments with a coded error naming them", () => {
    expect(() => sampleIndices("", 10, 1)).toThrow(/seed/);
    expect(() => sampleIndices("s", 0, 1)).toThrow(/size/);
    expect(() => sampleIndices("s", 10, 0)).toThrow(/count/);
    expect(() => sampleIndices("s", 1.5, 1)).toThrow(/size/);
  });
});
