/**
 * The browser verifier: `verifier-api/web/check-attestation.js` run in Node with the real dependencies
 * (snarkjs's groth16.verify, poseidon-lite, the verification key from the service's catalogue) on a real
 * two-chunk attestation of pool-attestation-8 made by `attestPool`; tampered and malformed attestations must
 * be refused by both the checker and the prover's `parseAttestation` + `verifyAttestation`, the checker
 * naming the problem. Then the page's routes in the in-process app: GET /verify, its assets, and no others.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the in-process app,
 * the attestation (and its JSON), the checker's dependencies on that app and the checker's verdict on the
 * untouched attestation; made for the test, a fresh parsed copy to tamper with and a scratch directory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as poseidonLite from "poseidon-lite";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, test } from "vitest";
import { REPO_ROOT, findInstance } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  attestPool,
  attestationToJson,
  parseAttestation,
  verifyAttestation,
  type Attestation,
} from "../../prover/attest.ts";
import { domainWord, generateOriginatorKey, registryKeyHash } from "../../prover/commitment/keys.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { DEVELOPMENT_KEY_WARNING, instanceKey, verificationKeyHash } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { CHECKER_DTS, checkerDeclarations } from "../../verifier-api/web/declarations.ts";
import { CONTENT_SECURITY_POLICY } from "../../verifier-api/web/routes.ts";
import { POOL_SIGNALS } from "../../verifier-api/web/pool-codec.js";
import {
  DEVELOPMENT_KEY_WARNING as CHECKER_WARNING,
  checkAttestation,
  verificationKeyHash as checkerVkeyHash,
  registryKeyHash as checkerKeyHash,
  type CheckDeps,
  type CheckResult,
  type VerificationKey,
} from "../../verifier-api/web/check-attestation.js";
import { terminateCurve } from "../circuits/helpers.ts";
import { appFixture, type TestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const CHAIN_ID = 31337n;
const sha256 = async (d: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(d)));
const built = readManifest().instances[INSTANCE] !== undefined;
if (!built) console.warn(`${INSTANCE} is not built: skipping the browser verifier tests`);

/** A parsed attestation JSON, changed at will by the tamperings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * The prover's verdict on the same JSON: parseAttestation (which throws a TypeError on a malformed field: a
 * refusal) + verifyAttestation (with the policy), which must never throw.
 */
async function proverVerdict(a: unknown, withPolicy = true): Promise<{ valid: boolean; problems: string[] }> {
  let parsed;
  try {
    parsed = parseAttestation(JSON.stringify(a));
  } catch (err) {
    return { valid: false, problems: [`refused: ${(err as Error).message}`] };
  }
  return verifyAttestation(parsed, withPolicy ? TEST_POLICY : undefined);
}

/** The checker's dependencies: snarkjs, poseidon-lite, and the verification key from `t`'s catalogue. */
function checkDeps(t: TestApp): CheckDeps {
  return {
    groth16Verify: (vkey, signals, proof) => snarkjs.groth16.verify(vkey as never, signals, proof as never),
    // two inputs: the chain of a committed attestation's commitments (12 loans are two committed chunks)
    // three: key hashes; ten: policy hashes (the version and the nine parameters)
    poseidon: (inputs) =>
      (poseidonLite as Record<string, (x: bigint[]) => bigint>)[`poseidon${inputs.length}`]!(inputs),
    fetchVkey: async (instance) => {
      const r = await t.app.inject({ url: `/v1/catalogue/${encodeURIComponent(instance)}` });
      if (r.statusCode !== 200) throw new Error(`the catalogue answered ${r.statusCode}`);
      const vkey = (r.json() as { vkey?: VerificationKey }).vkey;
      if (!vkey) throw new Error("no verification key loaded");
      return vkey;
    },
    isDevelopmentKey: async (instance) => {
      const r = await t.app.inject({ url: `/v1/catalogue/${encodeURIComponent(instance)}` });
      return (r.json() as { development?: boolean }).development ?? null;
    },
  };
}

const it = test.extend<{
  /** The in-process app (its catalogue serves the verification keys). */
  t: TestApp;
  /** A two-chunk committed attestation of 12 loans of pool 77, made by `attestPool`. */
  att: Attestation;
  /** `att` as the file an auditor is given. */
  json: string;
  deps: CheckDeps;
  /** The checker's verdict on the untouched attestation, and the progress stages it reported. */
  accepted: { r: CheckResult; stages: string[] };
  /** A fresh copy of the attestation as parsed JSON (decimal strings), changed by `change`. */
  tampered: (change: (a: Json) => void) => Json;
  /** A directory of the test's own. */
  scratch: string;
}>({
  t: appFixture(),
  att: [
    async ({}, use) => {
      const tape = generateSyntheticTape({ seed: 23, loans: 12, poolId: 77n, asOfDate: 20400 });
      const key = await generateOriginatorKey();
      const { attestation } = await attestPool({
        tape,
        policy: TEST_POLICY,
        key,
        chainId: CHAIN_ID,
        registry: REGISTRY,
        instance: INSTANCE,
      });
      await use(attestation);
    },
    { scope: "file" },
  ],
  json: [async ({ att }, use) => use(attestationToJson(att)), { scope: "file" }],
  deps: [async ({ t }, use) => use(checkDeps(t)), { scope: "file" }],
  accepted: [
    async ({ json, deps }, use) => {
      const stages: string[] = [];
      const r = await checkAttestation(JSON.parse(json), {
        ...deps,
        onProgress: (p) => stages.push(p.stage),
      });
      await use({ r, stages });
    },
    { scope: "file" },
  ],
  tampered: async ({ json }, use) =>
    use((change) => {
      const a = JSON.parse(json);
      change(a);
      return a;
    }),
  scratch: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), "rwa-web-test-"));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
});

afterAll(terminateCurve);

describe("the checker module", () => {
  it("type-checks (strict, browser lib) and its check-attestation.d.ts is the one generated from its JSDoc", async () => {
    expect(readFileSync(CHECKER_DTS, "utf8")).toBe(await checkerDeclarations());
  });
});

describe.skipIf(!built)("the browser checker on a real attestation", () => {
  it("is given a committed attestation of two chunks", ({ att }) => {
    expect(att.chunks.length).toBe(2);
  });

  it("accepts the attestation, chunk by chunk, without problems", ({ accepted: { r } }) => {
    expect(r.problems).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.chunks.map((c) => [c.position, c.chunkIndex, c.proofValid, c.problems])).toEqual([
      [0, 0, true, []],
      [1, 1, true, []],
    ]);
  });

  it("reads each chunk's pool word: pool, period, date, index, count and loans", ({
    att,
    accepted: { r },
  }) => {
    expect(r.chunks[1]!.pool).toEqual({
      poolId: 77n,
      period: att.period,
      asOfDate: 20400,
      chunkIndex: 1,
      chunkCount: 2,
      loanCount: att.loanCount,
    });
  });

  it("derives the figures the prover aggregated, every breach bit included, with the carried policy parameters", ({
    att,
    accepted: { r },
  }) => {
    expect(r.figures).toEqual(att.figures);
  });

  it("reports its progress: the key, each chunk, the figures, done", ({ accepted: { stages } }) => {
    expect(stages).toEqual(["key", "chunk", "chunk", "figures", "done"]);
  });

  it("names the key, and says a development key is one", ({ att, accepted: { r } }) => {
    expect(r.vkeyHash).toBe(att.verificationKey!.hash);
    expect(r.development).toBe(true);
    expect(r.warnings).toEqual([DEVELOPMENT_KEY_WARNING]);
  });

  it("the prover's verifyAttestation accepts it too, with and without the policy", async ({ json }) => {
    expect(await proverVerdict(JSON.parse(json))).toMatchObject({ valid: true, problems: [] });
    expect(await proverVerdict(JSON.parse(json), false)).toMatchObject({ valid: true, problems: [] });
  });

  // 12 loans are two committed chunks (issue 14): the file lists them in the order the registry chains them
  it("takes the chunks in the order listed: the aggregation's chain of commitments follows it", async ({
    deps,
    tampered,
  }) => {
    expect(
      (
        await checkAttestation(
          tampered((x) => x.chunks.reverse()),
          deps,
        )
      ).problems,
    ).toEqual([
      "aggregation: its acc is not the chain of the listed chunks' commitments (other chunks, or another order)",
    ]);
  });

  it("the prover refuses the chunks in another order too", async ({ tampered }) => {
    expect((await proverVerdict(tampered((x) => x.chunks.reverse()))).valid).toBe(false);
  });

  it("takes the public signal order of the catalogue", () => {
    expect([...POOL_SIGNALS]).toEqual(findInstance(INSTANCE).publicSignals);
  });

  it("poseidon-lite's hash of the key and domain is the registry's key hash, the attestation's keyHash", async ({
    att,
  }) => {
    const [ax, ay] = att.publicKey;
    const domain = domainWord(REGISTRY, CHAIN_ID);
    const expected = await registryKeyHash(att.publicKey, domain);
    expect(poseidonLite.poseidon3([ax, ay, domain])).toBe(expected);
    expect(expected).toBe(att.keyHash);
  });

  it("the checker's key hash, from decimal strings, is the registry's", async ({ att, deps }) => {
    const [ax, ay] = att.publicKey;
    const expected = await registryKeyHash(att.publicKey, domainWord(REGISTRY, CHAIN_ID));
    expect(checkerKeyHash(deps.poseidon, [String(ax), String(ay)], REGISTRY, String(CHAIN_ID))).toBe(
      expected,
    );
  });

  it("the checker's key hash for another registry or chain is another hash", async ({ att, deps }) => {
    const expected = await registryKeyHash(att.publicKey, domainWord(REGISTRY, CHAIN_ID));
    expect(checkerKeyHash(deps.poseidon, att.publicKey, REGISTRY.replace("aa3", "aa4"), CHAIN_ID)).not.toBe(
      expected,
    );
    expect(checkerKeyHash(deps.poseidon, att.publicKey, REGISTRY, 1n)).not.toBe(expected);
  });

  const other = (n: string): string => String(BigInt(n) + 1n);
  const cases: [string, (a: Json) => void, RegExp][] = [
    [
      "a changed figure signal (the aggregation's figA)",
      (a) => (a.aggregation.publicSignals[1] = other(a.aggregation.publicSignals[1])),
      /^aggregation: the proof does not verify$/,
    ],
    [
      "a changed root signal",
      (a) => (a.chunks[0].publicSignals[0] = other(a.chunks[0].publicSignals[0])),
      /^chunk 0: the proof does not verify$/,
    ],
    [
      "swapped chunk indices",
      (a) => ([a.chunks[0].chunkIndex, a.chunks[1].chunkIndex] = [1, 0]),
      /^chunk 1: proves chunk 0$/,
    ],
    ["a dropped chunk", (a) => a.chunks.pop(), /^has 1 chunks, says 2$/],
    [
      "a dropped chunk and a lowered count",
      (a) => {
        a.chunks.pop();
        a.chunkCount = 1;
      },
      /^chunk 0: proves 2 chunks$/,
    ],
    ["a duplicated chunk", (a) => (a.chunks[1] = a.chunks[0]), /^chunk 0: duplicate chunk$/],
    [
      "another registry in the summary",
      (a) => (a.registry = "0x" + "11".repeat(20)),
      /^keyHash: is not the hash of publicKey/,
    ],
    ["another chain in the summary", (a) => (a.chainId = "1"), /^keyHash: is not the hash of publicKey/],
    [
      "another publicKey",
      (a) => (a.publicKey[0] = other(a.publicKey[0])),
      /^keyHash: is not the hash of publicKey/,
    ],
    [
      "another keyHash in the summary",
      (a) => (a.keyHash = other(a.keyHash)),
      /^chunk 0: is signed by another key/,
    ],
    ["a changed root in the summary", (a) => (a.root = other(a.root)), /^chunk 0: has another tape root$/],
    ["another pool in the summary", (a) => (a.poolId = "78"), /^chunk 1: is for pool 77$/],
    ["another period in the summary", (a) => (a.period += 1), /^chunk 0: is for period /],
    ["another date in the summary", (a) => (a.asOfDate -= 1), /^chunk 0: is as of day 20400$/],
    [
      "another policy in the summary",
      (a) => (a.policyHash = other(a.policyHash)),
      /^chunk 0: is under another policy$/,
    ],
    [
      "a changed summary figure",
      (a) => (a.figures.outstanding = other(a.figures.outstanding)),
      /^figures\.outstanding: the proofs say /,
    ],
    [
      "a changed summary count",
      (a) => (a.figures.activeCount += 1),
      /^figures\.activeCount: the proofs say /,
    ],
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((bit): [string, (a: Json) => void, RegExp] => [
      `breach bit ${bit} flipped`,
      (a) => (a.figures.breaches ^= 1 << bit),
      new RegExp(
        `^figures\\.breaches: the proofs say \\d+, the summary says \\d+ \\(bits that differ: ${bit} [a-zA-Z0-9]+\\)$`,
      ),
    ]),
    ...[
      "outstanding",
      "scheduled",
      "collected",
      "bucket30",
      "bucket60",
      "bucket90",
      "defaulted",
      "chargedOff",
      "scoreWeightedBalance",
      "maxLoanBalance",
      "minScore",
    ].map((k): [string, (a: Json) => void, RegExp] => [
      `figures.${k} edited`,
      (a) => (a.figures[k] = typeof a.figures[k] === "number" ? a.figures[k] + 1 : other(a.figures[k])),
      new RegExp(`^figures\\.${k}: the proofs say \\d+, the summary says \\d+$`),
    ]),
    [
      "a summary field that is no figure",
      (a) => (a.figures.recovered = "1"),
      /^figures\.recovered: not a figure of the proofs \(the summary says 1\)$/,
    ],
    [
      "a summary field named like an inherited property",
      (a) => (a.figures.toString = "1"),
      /^figures\.toString: not a figure of the proofs \(the summary says 1\)$/,
    ],
    [
      "relaxed policy parameters hiding a pool-level bit",
      (a) => {
        a.policy.maxConcentrationBps = 10000;
        a.figures.breaches &= ~(1 << 6);
      },
      /^policy: the parameters hash to \d+, the proofs are under policyHash \d+$/,
    ],
    [
      "malformed policy parameters",
      (a) => (a.policy.maxBucket30Bps = 10001),
      /^policy\.maxBucket30Bps: expected an integer in \[0, 10000\]$/,
    ],
    [
      "another verification key named",
      (a) => (a.verificationKey.hash = "0x" + "ab".repeat(32)),
      /^verificationKey\.hash: the attestation names 0xabab.*, its proofs are checked against 0x[0-9a-f]{64} \(the key of pool-chunk-commitment-8\)$/,
    ],
    [
      "a development key said to be a production key",
      (a) => (a.verificationKey.development = false),
      /^verificationKey\.development: the attestation says false, the (service|build) marks (the key|key 0x[0-9a-f]{64}) a development key$/,
    ],
    // malformed shapes
    ["no chunks array", (a) => (a.chunks = "none"), /^not an attestation$/],
    [
      "no chunks at all",
      (a) => {
        a.chunks = [];
        a.chunkCount = 0;
      },
      /^chunkCount: expected a positive integer, got 0$/,
    ],
    [
      "an unknown instance",
      (a) => (a.instance = "no-such-circuit"),
      /^instance: no verification key for "no-such-circuit"/,
    ],
    [
      "another circuit's instance",
      (a) => (a.instance = "example-multiplier"),
      /is not a chunk commitment circuit$/,
    ],
    ["a null chunk", (a) => (a.chunks[0] = null), /^chunks\[0\]: not a chunk proof$/],
    ["a proof without points", (a) => (a.chunks[0].proof = {}), /^chunk 0: the proof does not verify$/],
    [
      "public signals not a list",
      (a) => (a.chunks[1].publicSignals = "1,2,3"),
      /^chunk 1: the proof does not verify$/,
    ],
    [
      "a public signal that is not a number",
      (a) => (a.chunks[1].publicSignals[2] = "0xabc"),
      /^chunk 1: the proof does not verify$/,
    ],
    [
      "a public signal above the field",
      (a) => (a.chunks[1].publicSignals[2] = "9".repeat(78)),
      /^chunk 1: the proof does not verify$/,
    ],
    [
      "too few public signals",
      (a) => a.chunks[1].publicSignals.pop(),
      /^chunk 1: the proof does not verify$/,
    ],
    [
      "a poolId that is not a number",
      (a) => (a.poolId = "seventy-seven"),
      /^poolId: expected a decimal string/,
    ],
    ["a publicKey of one coordinate", (a) => a.publicKey.pop(), /^publicKey: expected \[Ax, Ay\]$/],
    [
      "a registry that is not an address",
      (a) => (a.registry = "registry"),
      /^registry: expected a 20-byte hex address/,
    ],
    [
      // the domain word's chainId field (circuits/layout.json): 93 bits, as the registry and the prover
      "a chain id beyond 93 bits",
      (a) => (a.chainId = String(1n << 93n)),
      /^chainId: \d+ does not fit 93 bits/,
    ],
    [
      "a chunk count as text",
      (a) => (a.chunkCount = "2"),
      /^chunkCount: expected a positive integer, got 2$/,
    ],
    ["no summary figures", (a) => delete a.figures, /^figures: missing$/],
  ];

  it.for(cases)("refuses %s, naming the problem", async ([, change, problem], { deps, tampered }) => {
    let r: CheckResult | undefined;
    await expect((async () => (r = await checkAttestation(tampered(change), deps)))()).resolves.toBeDefined();
    expect(r!.valid).toBe(false);
    expect(
      r!.problems.some((p) => problem.test(p)),
      r!.problems.join(" | "),
    ).toBe(true);
  });

  // the prover's verifyAttestation, as `verify-attestation` runs it without --policy
  it.for(cases)("the prover refuses %s too", async ([, change], { tampered }) => {
    const prover = await proverVerdict(tampered(change), false);
    expect(prover.valid, "the prover's verifyAttestation accepts it").toBe(false);
  });

  it("hashes the verification key as the prover does", async () => {
    const { vkey, hash, development } = await instanceKey(INSTANCE);
    expect(development).toBe(true);
    expect(verificationKeyHash(vkey)).toBe(hash);
    expect(await checkerVkeyHash(vkey as unknown as VerificationKey, sha256)).toBe(hash);
  });

  it("another key (one IC point changed) has another hash, the same in the checker and the prover", async () => {
    const { vkey, hash } = await instanceKey(INSTANCE);
    const changed = JSON.parse(JSON.stringify(vkey));
    changed.IC[1][0] = String(BigInt(changed.IC[1][0]) + 1n);
    expect(verificationKeyHash(changed)).not.toBe(hash);
    expect(await checkerVkeyHash(changed, sha256)).toBe(verificationKeyHash(changed));
  });

  it("warns of development keys in the prover's words", () => {
    expect(CHECKER_WARNING).toBe(DEVELOPMENT_KEY_WARNING);
  });

  it("the attestation's policyHash is the prover's hash of the policy", async ({ att }) => {
    expect(att.policyHash).toBe(await policyHash(TEST_POLICY));
  });

  it("warns of a development key the attestation names when the service does not say", async ({
    json,
    deps,
  }) => {
    const claimsDev = await checkAttestation(JSON.parse(json), { ...deps, isDevelopmentKey: undefined });
    expect(claimsDev).toMatchObject({ valid: true, development: true, warnings: [DEVELOPMENT_KEY_WARNING] });
  });

  it("warns of a development key the attestation hides: the catalogue says so, and the mismatch is a problem", async ({
    deps,
    tampered,
  }) => {
    const hidden = await checkAttestation(
      tampered((a) => (a.verificationKey.development = false)),
      deps,
    );
    expect(hidden.development).toBe(true);
    expect(hidden.warnings).toEqual([DEVELOPMENT_KEY_WARNING]);
    expect(hidden.problems).toEqual([
      "verificationKey.development: the attestation says false, the service marks the key a development key",
    ]);
  });

  it("derives every breach bit of a committed two-chunk attestation without policy parameters: the aggregation proves them", async ({
    att,
    deps,
    tampered,
  }) => {
    const r = await checkAttestation(
      tampered((a) => delete a.policy),
      deps,
    );
    expect(r.figures!.breaches).toBe(att.figures.breaches);
    expect(r.problems).toEqual([]);
  });

  // A plain attestation is one chunk: the registry accepts no other, and a pool of several chunks is proven as
  // chunk commitments and an aggregation. The file of a plain two-chunk attestation: no aggregation, the
  // pool circuit's instance, two chunks.
  const plainTwoChunks = (a: Json): void => {
    delete a.aggregation;
    a.instance = INSTANCE;
  };

  it("refuses a plain attestation of two chunks with a chunkCount finding", async ({ deps, tampered }) => {
    const r = await checkAttestation(tampered(plainTwoChunks), deps);
    expect(r.findings).toContainEqual({
      field: "chunkCount",
      reason:
        "a plain attestation proves one chunk, this one says 2 (a pool of several chunks is attested by chunk commitment proofs and an aggregation proof, which it does not carry)",
    });
  });

  it("derives no figures from a plain attestation of two chunks", async ({ deps, tampered }) => {
    const r = await checkAttestation(tampered(plainTwoChunks), deps);
    expect([r.valid, r.figures]).toEqual([false, null]);
  });

  it("a plain attestation of two chunks is refused by the prover's verifyAttestation too", async ({
    tampered,
  }) => {
    const v = await proverVerdict(tampered(plainTwoChunks));
    expect(v.valid).toBe(false);
    expect(v.problems.join("\n")).toMatch(
      /chunkCount: a plain attestation proves one chunk, this one says 2/,
    );
  });

  it("names every problem: a figure the proofs contradict is reported next to a wrong key hash", async ({
    att,
    deps,
    tampered,
  }) => {
    const a = tampered((x) => {
      x.registry = "0x" + "11".repeat(20);
      x.figures.collected = other(x.figures.collected);
    });
    const r = await checkAttestation(a, deps);
    expect(r.problems).toEqual([
      "keyHash: is not the hash of publicKey for this registry and chain",
      `figures.collected: the proofs say ${att.figures.collected}, the summary says ${other(String(att.figures.collected))}`,
    ]);
  });

  it("with a chunk missing, names each problem and does not recompute the figures (they would be a part of the pool's)", async ({
    deps,
    tampered,
  }) => {
    const dropped = await checkAttestation(
      tampered((x) => x.chunks.pop()),
      deps,
    );
    expect(dropped.figures).toBeNull();
    expect(dropped.problems).toEqual([
      "has 1 chunks, says 2",
      "chunk 1: missing",
      "aggregation: its acc is not the chain of the listed chunks' commitments (other chunks, or another order)",
    ]);
  });

  it("refuses values that are not an attestation without throwing", async ({ deps }) => {
    for (const v of [null, undefined, 42, "attestation", [], {}, { chunks: {} }]) {
      const r = await checkAttestation(v, deps);
      expect(r).toMatchObject({ valid: false, problems: ["not an attestation"], figures: null });
    }
  });

  it("reports a verifier that throws as a problem of each proof", async ({ json, deps }) => {
    const throwing = await checkAttestation(JSON.parse(json), {
      ...deps,
      groth16Verify: async () => {
        throw new Error("boom");
      },
    });
    expect(throwing.problems).toEqual([
      "chunk 0: the proof does not verify",
      "chunk 1: the proof does not verify",
      "aggregation: the proof does not verify",
    ]);
  });

  it("reports a key fetch that fails as a problem of the instance", async ({ att, json, deps }) => {
    const offline = await checkAttestation(JSON.parse(json), {
      ...deps,
      fetchVkey: async () => {
        throw new Error("offline");
      },
    });
    expect(offline.problems).toEqual([`instance: no verification key for "${att.instance}" (offline)`]);
  });
});

describe.skipIf(!built)("the page's routes", () => {
  const asset = (html: string): string[] =>
    [...html.matchAll(/(?:src|href|content)="(assets\/[^"]+)"/g)].map((m) => `/${m[1]!}`);

  it("GET /verify is an HTML page", async ({ t }) => {
    const r = await t.app.inject({ url: "/verify" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("GET /verify is served with a strict CSP", async ({ t }) => {
    const r = await t.app.inject({ url: "/verify" });
    expect(r.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    // no wildcard source: only the auditor's own machine may be reached on any port (a local JSON-RPC node)
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
    expect(CONTENT_SECURITY_POLICY.replaceAll(/http:\/\/(localhost|127\.0\.0\.1):\*/g, "")).not.toMatch(/\*/);
    expect(CONTENT_SECURITY_POLICY).toMatch(
      /connect-src 'self' https: http:\/\/localhost:\* http:\/\/127\.0\.0\.1:\*;/,
    );
  });

  it("GET /verify is accessible: labelled inputs and a status region", async ({ t }) => {
    const r = await t.app.inject({ url: "/verify" });
    expect(r.body).toContain('<label for="file">');
    expect(r.body).toContain('<label for="json">');
    expect(r.body).toContain('role="status"');
  });

  it("GET /verify has nothing inline for the CSP to block", async ({ t }) => {
    const r = await t.app.inject({ url: "/verify" });
    expect(r.body).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+="/);
  });

  it("every asset GET /verify names is served", async ({ t }) => {
    const names = asset((await t.app.inject({ url: "/verify" })).body);
    expect(names).toEqual(
      expect.arrayContaining([
        "/assets/verify.css",
        "/assets/check-attestation.js",
        "/assets/verify-page.js",
        "/assets/snarkjs-0.7.6.min.js",
        "/assets/poseidon-lite-0.3.0.js",
      ]),
    );
    for (const url of names) expect((await t.app.inject({ url })).statusCode, url).toBe(200);
  });

  it("serves snarkjs's own build as JavaScript, cached for good", async ({ t }) => {
    const snark = await t.app.inject({ url: "/assets/snarkjs-0.7.6.min.js" });
    expect(snark.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(snark.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(
      snark.rawPayload.equals(readFileSync(join(REPO_ROOT, "node_modules/snarkjs/build/snarkjs.min.js"))),
    ).toBe(true);
  });

  it("serves the checker as JavaScript, revalidated by its etag", async ({ t }) => {
    const checker = await t.app.inject({ url: "/assets/check-attestation.js" });
    expect(checker.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(checker.headers["cache-control"]).toBe("no-cache");
    expect(checker.body).toBe(readFileSync(join(REPO_ROOT, "verifier-api/web/check-attestation.js"), "utf8"));
    const again = await t.app.inject({
      url: "/assets/check-attestation.js",
      headers: { "if-none-match": String(checker.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("serves the style sheet as CSS", async ({ t }) => {
    const css = await t.app.inject({ url: "/assets/verify.css" });
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("serves poseidon-lite as JavaScript, cached for good, and the module, imported as the browser would, hashes as the prover does", async ({
    att,
    t,
    scratch,
  }) => {
    const mod = await t.app.inject({ url: "/assets/poseidon-lite-0.3.0.js" });
    expect(mod.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(mod.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const file = join(scratch, "poseidon-lite.mjs");
    writeFileSync(file, mod.body);
    const served = (await import(pathToFileURL(file).href)) as {
      poseidon3: (x: bigint[]) => bigint;
      poseidon10: (x: bigint[]) => bigint;
    };
    const domain = domainWord(REGISTRY, CHAIN_ID);
    expect(served.poseidon3([att.publicKey[0], att.publicKey[1], domain])).toBe(
      await registryKeyHash(att.publicKey, domain),
    );
    const p = TEST_POLICY;
    expect(
      served.poseidon10([
        2n,
        ...[
          p.minCreditScore,
          p.maxDaysPastDue,
          p.maxLtvBps,
          p.maxBucket30Bps,
          p.maxBucket60Bps,
          p.maxBucket90Bps,
          p.maxConcentrationBps,
        ].map(BigInt),
        p.minPoolBalance,
        BigInt(p.minActiveLoans),
      ]),
    ).toBe(await policyHash(p));
  });

  it("serves no other file: unknown names and traversal attempts are 404", async ({ t }) => {
    for (const url of [
      "/assets/package.json",
      "/assets/snarkjs.min.js",
      "/assets/../package.json",
      "/assets/..%2Fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/..%2F..%2Fnode_modules%2Fsnarkjs%2Fpackage.json",
      "/assets/verify.html",
      "/assets/routes.ts",
      "/assets/__proto__",
      "/assets/constructor",
      "/assets/",
      "/assets",
      "/verify/",
    ]) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers["content-type"], url).toMatch(/^application\/problem\+json/);
      expect((r.json() as { type: string }).type).toBe(PROBLEM_BASE + "not-found");
    }
  });

  it("the OpenAPI document tags /verify as the web page and leaves the assets out", async ({ t }) => {
    const doc = (await t.app.inject({ url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    expect(doc.paths["/verify"]?.get?.tags).toEqual(["web page"]);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/assets"))).toEqual([]);
  });
});
