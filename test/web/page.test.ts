/**
 * The auditor's page in a real browser: Debian's chromium (headless) driven by playwright-core loads GET
 * /verify from the running service (listening on a port, as an auditor reaches it) and the self-contained file
 * of `rwa-attest verify-page` from disk (file://), with a local anvil chain where the registry has the
 * generated PoolAttestation8Verifier registered for pool-attestation-8 (and a second registry where another
 * verifier is registered under that name). The verdicts are read from the page as a user sees them: a valid
 * attestation (development keys: never a plain "Valid") whose key the chain confirms, a tampered figure, a
 * tampered proof, a key that is not the on-chain verifier's, the API's response shape (pasted and by URL), no
 * endpoint (the key taken on trust, its hash shown), and the file opened from disk. A screenshot goes to
 * reports/web/. Also: keccak-256 and the selectors of chain-key.js against ethers, and the generated
 * chain-key.d.ts. Skipped, with the reason printed, when chromium or pool-attestation-8 is absent.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { JsonRpcProvider, NonceManager, Wallet, id, keccak256 as ethersKeccak, toUtf8Bytes } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployRegistry, deployVerifier, circuitId as deployCircuitId } from "../../deploy/index.ts";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { attestPool, attestationToJson } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { instanceKey } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { chainKeyDeclarations, CHAIN_KEY_DTS } from "../../verifier-api/web/declarations.ts";
import {
  checkKeyOnChain,
  circuitId,
  jsonRpc,
  keccak256,
  keyConstantsOfCode,
  keyCoordinates,
  selector,
} from "../../verifier-api/web/chain-key.js";
import {
  describeBreaches,
  formatAmount,
  formatDay,
  unwrapAttestation,
} from "../../verifier-api/web/check-attestation.js";
import { startTestApp, type TestApp } from "../api/helpers.ts";
import { freePort } from "../support/net.ts";

const INSTANCE = "pool-attestation-8";
/** The 12-loan pool is two chunks, so committed (issue 14): its chunk proofs are this instance's. */
const PROOF_INSTANCE = "pool-chunk-commitment-8";
const CHROMIUM = "/usr/bin/chromium";
const BUILT = [INSTANCE, PROOF_INSTANCE, "pool-aggregation-4"].every(
  (n) => readManifest().instances[n] !== undefined,
);
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!BUILT) console.warn(`${INSTANCE} is not built: skipping the browser tests of the auditor's page`);
if (!HAVE_CHROMIUM)
  console.warn(`${CHROMIUM} is absent (apt-get install chromium): skipping the browser tests`);
const RUN = BUILT && HAVE_CHROMIUM;
// anvil's well-known development account 0
const DEPLOYER = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const REPORTS = join(REPO_ROOT, "reports", "web");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let anvil: ChildProcess | undefined;
let provider: JsonRpcProvider | undefined;
let rpcUrl = "";
let t: TestApp | undefined;
let base = "";
let browser: Browser | undefined;
/** Attestation JSON for registry A (the genuine verifier registered) and B (another verifier registered). */
let jsonA = "";
let jsonB = "";
let standaloneFile = "";
/** A registry with no verifier registered. */
let emptyRegistry = "";
const tmp = mkdtempSync(join(tmpdir(), "rwa-web-page-"));

async function startAnvil(): Promise<string> {
  const port = await freePort();
  const bin = join(REPO_ROOT, "node_modules", "@foundry-rs", "anvil", "bin.mjs");
  // its own process group: bin.mjs runs the anvil binary as a child, and both must end with the test
  anvil = spawn(process.execPath, [bin, "--port", String(port), "--chain-id", "31337"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    anvil!.stdout!.on("data", onData);
    anvil!.stderr!.on("data", onData);
    anvil!.once("exit", (code) => reject(new Error(`anvil exited (${code}):\n${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

/**
 * Creation code of a contract whose runtime pushes (and pops) each of `words`, then returns 1 to any call: a
 * "verifier" that embeds a key's constants without using them. Two zero bytes end the runtime: the code reader
 * takes the last two bytes as the length of solc's metadata, and the RETURN's `00f3` would send it to a byte
 * that depends on the key (one key in 16 had it trim part of the constants as metadata).
 */
function constantsThenTrue(words: bigint[]): string {
  const runtime =
    words.map((w) => `7f${w.toString(16).padStart(64, "0")}50`).join("") + "600160005260206000f3" + "0000";
  const length = runtime.length / 2;
  // PUSH2 length, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN: 12 bytes, then the runtime
  return `0x61${length.toString(16).padStart(4, "0")}80600c6000396000f3${runtime}`;
}

/** Runs the rwa-attest command line. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "cli", "bin.js"), ...args],
      { cwd: tmp, encoding: "utf8", timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Proves a two-chunk attestation of pool-attestation-8 for `registry` on chain 31337. */
async function attestFor(registry: string, seed: number): Promise<string> {
  const tape = generateSyntheticTape({ seed, loans: 12, poolId: 77n, asOfDate: 20400 });
  const { attestation } = await attestPool({
    tape,
    policy: TEST_POLICY,
    key: await generateOriginatorKey(),
    chainId: 31337n,
    registry,
    instance: INSTANCE,
  });
  return attestationToJson(attestation);
}

beforeAll(async () => {
  if (!RUN) return;
  rpcUrl = await startAnvil();
  provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50 });
  const signer = new NonceManager(new Wallet(DEPLOYER, provider));
  const registryA = await deployRegistry(signer);
  await deployVerifier(signer, registryA, "PoolAttestation8Verifier", INSTANCE);
  await deployVerifier(signer, registryA, "PoolChunkCommitment8Verifier", PROOF_INSTANCE);
  await deployVerifier(signer, registryA, "PoolAggregation4Verifier", "pool-aggregation-4");
  // registry B: governance registered another circuit's verifier (another key) under pool-attestation-8
  const registryB = await deployRegistry(signer);
  await deployVerifier(signer, registryB, "ScoreBacking8Verifier", PROOF_INSTANCE);
  // and, as version 2, a forged "verifier" that carries the genuine key's constants but accepts anything
  const { vkey: genuine } = await instanceKey(PROOF_INSTANCE);
  const forged = await signer.sendTransaction({ data: constantsThenTrue(keyCoordinates(genuine as never)) });
  const forgedAddress = (await forged.wait())!.contractAddress!;
  await (
    await registryB.getFunction("addVerifier")(deployCircuitId(PROOF_INSTANCE), 2, forgedAddress)
  ).wait();
  emptyRegistry = await (await deployRegistry(signer)).getAddress();
  jsonA = await attestFor(await registryA.getAddress(), 23);
  jsonB = await attestFor(await registryB.getAddress(), 24);

  t = await startTestApp();
  const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = address.endsWith("/") ? address : `${address}/`;
  await t.app.services.storage.insertAttestation({
    id: "att-page-test",
    owner: "orig-a",
    jobId: "job-page-test",
    tapeId: null,
    poolId: "77",
    period: JSON.parse(jsonA).period,
    instance: PROOF_INSTANCE,
    policyHash: JSON.parse(jsonA).policyHash,
    data: JSON.parse(jsonA),
    createdAt: Date.now(),
  });

  // the self-contained file, written by the command an auditor runs
  standaloneFile = join(tmp, "verify.html");
  const made = await cli("verify-page", "--out", standaloneFile, "--json");
  expect(made.stderr).toBe("");
  expect(made.code).toBe(0);
  const { hash } = await instanceKey(PROOF_INSTANCE);
  expect(JSON.parse(made.stdout)).toMatchObject({
    out: standaloneFile,
    keys: expect.arrayContaining([{ instance: PROOF_INSTANCE, hash, development: true }]),
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  mkdirSync(REPORTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.app.close();
  provider?.destroy();
  if (anvil?.pid !== undefined) {
    try {
      process.kill(-anvil.pid, "SIGKILL");
    } catch {
      anvil.kill("SIGKILL");
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

interface Verdict {
  verdict: string;
  verdictClass: string;
  chain: string;
  chainClass: string;
  problems: string[];
  warnings: string[];
  summary: string;
  figures: string;
  breaches: string;
  errors: string[];
  /** Every origin the page requested (file:// pages: "null"). */
  origins: string[];
}

/**
 * Opens `url`, fills the form (`json` pasted, or `fromUrl` with `apiKey`; `rpc` typed or cleared, the known
 * endpoints emptied so that only a typed endpoint counts), presses Verify and reads what the page shows.
 */
async function check(
  url: string,
  o: { json?: string; fromUrl?: string; apiKey?: string; rpc?: string; screenshot?: string },
): Promise<Verdict> {
  const page: Page = await browser!.newPage({ viewport: { width: 900, height: 640 } });
  const errors: string[] = [];
  const origins = new Set<string>();
  page.on("request", (r) => origins.add(new URL(r.url()).origin));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // failed loads are reported with their URL below
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("response", (r) => {
    // the browser asks for /favicon.ico on its own; the service has none
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`);
  });
  try {
    await page.goto(url);
    await page.fill("#endpoints", "{}");
    await page.dispatchEvent("#endpoints", "change");
    if (o.json !== undefined) await page.fill("#json", o.json);
    if (o.fromUrl !== undefined) await page.fill("#url", o.fromUrl);
    if (o.apiKey !== undefined) await page.fill("#apikey", o.apiKey);
    await page.fill("#rpc", o.rpc ?? "");
    await page.click("#verify");
    await page.waitForSelector("#result:not([hidden])", { timeout: 60_000 });
    const text = (sel: string): Promise<string> => page.locator(sel).innerText();
    const list = (sel: string): Promise<string[]> => page.locator(sel).allInnerTexts();
    const v: Verdict = {
      verdict: await text("#verdict"),
      verdictClass: (await page.getAttribute("#verdict", "class")) ?? "",
      chain: await text("#chain"),
      chainClass: (await page.getAttribute("#chain", "class")) ?? "",
      problems: await list("#problems li"),
      warnings: await list("#warnings li"),
      summary: await text("#summary"),
      figures: await text("#figures"),
      breaches: await text("#breaches"),
      errors,
      origins: [...origins].sort(),
    };
    if (o.screenshot) {
      // the verdict, the warning and the key check at the top of the picture
      await page.locator("#result").evaluate((el) => el.scrollIntoView());
      await page.screenshot({ path: join(REPORTS, o.screenshot), fullPage: false });
    }
    return v;
  } finally {
    await page.close();
  }
}

const verifyUrl = (): string => `${base}verify`;

describe("what the page shows (check-attestation.js helpers)", () => {
  it("unwraps the API's response, formats amounts and dates, and names breach bits with the policy's thresholds", () => {
    const att = { format: "rwa-attest/attestation@1", chunks: [] };
    expect(unwrapAttestation({ id: "a1", data: att })).toEqual({
      attestation: att,
      envelope: { id: "a1", data: att },
    });
    expect(unwrapAttestation(att)).toEqual({ attestation: att, envelope: null });
    expect(unwrapAttestation({ data: { chunks: "no" } }).envelope).toBeNull();
    expect(formatAmount("123456789", 2, "USD")).toBe("1,234,567.89 USD");
    expect(formatAmount(5n, 2)).toBe("0.05");
    expect(formatAmount("1000", 0, "JPY")).toBe("1,000 JPY");
    expect(formatAmount("-1")).toBeNull();
    expect(formatDay(0)).toBe("1970-01-01");
    expect(formatDay(20757)).toBe("2026-10-31");
    expect(formatDay(65536)).toBeNull();
    const bits = describeBreaches(0b1100_0001, TEST_POLICY, (v) => formatAmount(v, 2, "USD") ?? "");
    expect(bits.filter((b) => b.set).map((b) => `${b.bit} ${b.name}`)).toEqual([
      "0 minCreditScore",
      "6 concentration",
      "7 minPoolBalance",
    ]);
    expect(bits[3]!.covenant).toBe(
      `loans 30+ days past due are above ${(TEST_POLICY.maxBucket30Bps / 100).toFixed(2)}% of the outstanding balance`,
    );
    expect(describeBreaches(0, undefined)[6]!.covenant).toMatch(/limit not known: no policy parameters/);
  });
});

describe("chain-key.js (the page's keccak-256 and bytecode reading)", () => {
  it("hashes as ethers does, names the registry's circuit ids and selectors, and its chain-key.d.ts is the generated one", async () => {
    for (const s of ["", "abc", INSTANCE, "x".repeat(135), "x".repeat(136), "y".repeat(300)])
      expect(keccak256(new TextEncoder().encode(s))).toBe(ethersKeccak(toUtf8Bytes(s)));
    expect(circuitId(INSTANCE)).toBe(deployCircuitId(INSTANCE));
    for (const sig of [
      "verifierRecord(bytes32,uint16)",
      "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7])",
    ])
      expect(selector(sig)).toBe(id(sig).slice(0, 10));
    expect(readFileSync(CHAIN_KEY_DTS, "utf8")).toBe(await chainKeyDeclarations());
  });

  it.skipIf(!BUILT)(
    "finds exactly the key's 30 coordinates among the generated verifier's constants",
    async () => {
      const artifact = JSON.parse(
        readFileSync(
          join(
            REPO_ROOT,
            "artifacts/contracts/verifiers/PoolAttestation8Verifier.sol/PoolAttestation8Verifier.json",
          ),
          "utf8",
        ),
      ) as { deployedBytecode: string };
      const { vkey } = await instanceKey(INSTANCE);
      const words = keyCoordinates(vkey as never);
      expect(words.length).toBe(30);
      expect(new Set(keyConstantsOfCode(artifact.deployedBytecode))).toEqual(new Set(words));
      // another key (one IC coordinate changed) is not what the code embeds
      const other = JSON.parse(JSON.stringify(vkey));
      other.IC[3][1] = String(BigInt(other.IC[3][1]) + 1n);
      expect(new Set(keyConstantsOfCode(artifact.deployedBytecode))).not.toEqual(
        new Set(keyCoordinates(other)),
      );
    },
  );
});

describe.skipIf(!RUN)("checkKeyOnChain against anvil (what the page shows under 'Verification key')", () => {
  const args = async (over: Record<string, unknown>): Promise<Parameters<typeof checkKeyOnChain>[0]> => {
    const a = JSON.parse(jsonA) as Json;
    const { vkey, hash } = await instanceKey(PROOF_INSTANCE);
    return {
      rpc: jsonRpc(rpcUrl),
      chainId: a.chainId,
      registry: a.registry,
      instance: PROOF_INSTANCE,
      vkey: vkey as never,
      vkeyHash: hash,
      chunks: a.chunks,
      sha256: async (d) => new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(d))),
      ...over,
    };
  };

  it("names the chain, the registry and the instance when it cannot confirm the key", async () => {
    const a = JSON.parse(jsonA) as Json;
    expect(await checkKeyOnChain(await args({ chainId: "1" }))).toMatchObject({
      status: "error",
      message: "the endpoint is chain 31337, the attestation is for chain 1",
    });
    const nowhere = "0x" + "12".repeat(20);
    expect(await checkKeyOnChain(await args({ registry: nowhere }))).toMatchObject({
      status: "error",
      message: `no contract at the registry address ${nowhere} on chain 31337`,
    });
    expect(await checkKeyOnChain(await args({ registry: emptyRegistry }))).toMatchObject({
      status: "error",
      message: `the registry at ${emptyRegistry} on chain 31337 has no verifier for ${PROOF_INSTANCE}`,
    });
    const r = await checkKeyOnChain(await args({}));
    expect(r.status).toBe("match");
    expect(r.verifiers).toEqual([
      expect.objectContaining({
        version: 1,
        retired: false,
        missing: 0,
        extra: 0,
        acceptsProofs: true,
        refusesTampered: true,
      }),
    ]);
    // a proof the verifier refuses (a changed signal) is not confirmed. The root is changed, not signal 4: the
    // page's own tamper probe flips the low bit of signal 4, which would undo a +1 on an even value there
    const changed = JSON.parse(JSON.stringify(a.chunks));
    changed[0].publicSignals[0] = String(BigInt(changed[0].publicSignals[0]) + 1n);
    const refused = await checkKeyOnChain(await args({ chunks: changed }));
    expect(refused.status).toBe("mismatch");
    expect(refused.message).toMatch(
      /version 1 at 0x[0-9a-f]{40} embeds constants 0x[0-9a-f]{64}, refuses these proofs$/,
    );
  });
});

describe.skipIf(!BUILT)("rwa-attest verify-page", () => {
  it("refuses an instance that is not a pool attestation circuit, and needs --out", async () => {
    const wrong = await cli("verify-page", "--out", join(tmp, "x.html"), "--instance", "example-multiplier");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      "rwa-attest: verify-page: example-multiplier is not a pool attestation circuit\n",
    );
    expect(existsSync(join(tmp, "x.html"))).toBe(false);
    const noOut = await cli("verify-page");
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/required option '--out <file>'/);
  });
});

describe.skipIf(!RUN)("the auditor's page in chromium", () => {
  it("a valid attestation: proofs verify, the chain confirms the key, development keys are said, units are readable", async () => {
    const v = await check(verifyUrl(), { json: jsonA, rpc: rpcUrl, screenshot: "verify-valid.png" });
    expect(v.errors).toEqual([]);
    expect(v.problems).toEqual([]);
    expect(v.verdictClass).toBe("warning");
    expect(v.verdict).toBe(
      "Valid proofs, made with DEVELOPMENT KEYS: they prove nothing about the tape on a real chain",
    );
    expect(v.warnings[0]).toMatch(/^development keys: this proof proves nothing/);
    const { hash } = await instanceKey(PROOF_INSTANCE);
    expect(v.chainClass).toBe("valid");
    expect(v.chain).toContain(`verificationKeyHash ${hash}`);
    expect(v.chain).toMatch(
      /is the key embedded in verifier 0x[0-9a-f]{40} \(version 1\), registered for pool-chunk-commitment-8/,
    );
    expect(v.chain).toContain("accepts these proofs and refuses a changed signal");
    // dates as dates, amounts in the currency with two decimals, breach bits by name with thresholds
    expect(v.summary).toContain("2025-11-08 (day 20400)");
    const att = JSON.parse(jsonA) as Json;
    const major = (minor: string): string => {
      const n = BigInt(minor);
      return `${(n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${String(n % 100n).padStart(2, "0")} USD`;
    };
    expect(v.figures).toContain(major(att.figures.outstanding));
    expect(v.figures).toContain(major(att.figures.maxLoanBalance));
    expect(v.breaches).toContain("6 concentration");
    expect(v.breaches).toContain(
      `the largest loan is above ${(TEST_POLICY.maxConcentrationBps / 100).toFixed(2)}% of the outstanding balance`,
    );
    expect(v.breaches).toContain(`an active loan's credit score is below ${TEST_POLICY.minCreditScore}`);
    const breached = (att.figures.breaches as number).toString(2).split("").reverse();
    expect((v.breaches.match(/BREACHED/g) ?? []).length).toBe(breached.filter((b) => b === "1").length);
  });

  it("a tampered figure is a red verdict naming the figure", async () => {
    const a = JSON.parse(jsonA) as Json;
    a.figures.collected = String(BigInt(a.figures.collected) + 1n);
    const v = await check(verifyUrl(), { json: JSON.stringify(a), rpc: rpcUrl });
    expect(v.verdictClass).toBe("invalid");
    expect(v.problems).toEqual([
      `figures.collected: the proofs say ${JSON.parse(jsonA).figures.collected}, the summary says ${a.figures.collected}`,
    ]);
  });

  it("a tampered proof is a red verdict naming the chunk", async () => {
    const a = JSON.parse(jsonA) as Json;
    a.chunks[1].proof.pi_a[0] = String(BigInt(a.chunks[1].proof.pi_a[0]) + 1n);
    const v = await check(verifyUrl(), { json: JSON.stringify(a), rpc: rpcUrl });
    expect(v.verdictClass).toBe("invalid");
    expect(v.problems).toContain("chunk 1: the proof does not verify");
  });

  it("a key that is not the on-chain verifier's is a red verdict naming both; a verifier that carries the key but accepts anything is refused", async () => {
    const v = await check(verifyUrl(), { json: jsonB, rpc: rpcUrl });
    const { hash } = await instanceKey(PROOF_INSTANCE);
    expect(v.verdictClass).toBe("invalid");
    expect(v.chainClass).toBe("invalid");
    expect(v.problems).toHaveLength(1);
    const m = v.problems[0]!.match(
      new RegExp(
        `^verification key: ${rpcUrl}: the key the proofs were checked with \\(verificationKeyHash ${hash}, constants (0x[0-9a-f]{64})\\) is not the key of the verifier registered for pool-chunk-commitment-8 in registry 0x[0-9a-fA-F]{40} on chain 31337: ` +
          `version 1 at 0x[0-9a-f]{40} embeds constants (0x[0-9a-f]{64}) \\(\\d+ of the key's coordinates missing, \\d+ other constants\\); ` +
          `version 2 at 0x[0-9a-f]{40} embeds constants (0x[0-9a-f]{64}), accepts a changed signal$`,
      ),
    );
    expect(m, v.problems[0]).not.toBeNull();
    const [, ours, first, second] = m!;
    expect(first).not.toBe(ours); // another key
    expect(second).toBe(ours); // the genuine key's constants, in code that does not use them
    // the proofs themselves verify: only the key check fails
    expect(v.figures).not.toMatch(/\bno\b/);
  });

  it("the API's response shape, pasted and by URL with an API key", async () => {
    const r = await t!.req(t!.keys.auditor, { url: "/v1/attestations/att-page-test" });
    expect(r.statusCode).toBe(200);
    const pasted = await check(verifyUrl(), { json: r.body, rpc: rpcUrl });
    expect(pasted.problems).toEqual([]);
    expect(pasted.verdictClass).toBe("warning");
    expect(pasted.summary).toContain("the API's response for attestation att-page-test");
    const fetched = await check(verifyUrl(), {
      fromUrl: `${base}v1/attestations/att-page-test`,
      apiKey: t!.keys.auditor,
      rpc: rpcUrl,
    });
    expect(fetched.problems).toEqual([]);
    expect(fetched.chainClass).toBe("valid");
    // without the key the service refuses, and the page says so
    const refused = await check(verifyUrl(), { fromUrl: `${base}v1/attestations/att-page-test` });
    expect(refused.verdictClass).toBe("invalid");
    expect(refused.problems[0]).toMatch(/answered 401/);
  });

  it("without an endpoint the key is taken on trust, said plainly with its hash", async () => {
    const v = await check(verifyUrl(), { json: jsonA });
    const { hash } = await instanceKey(PROOF_INSTANCE);
    expect(v.problems).toEqual([]);
    expect(v.chainClass).toBe("warning");
    expect(v.chain).toBe(
      `Not checked against the chain (no JSON-RPC endpoint): the verification key was taken on trust from the service that served this page. Its hash is ${hash}; compare it out of band.`,
    );
  });

  it("the self-contained file opened from disk checks without the service, the chain included", async () => {
    const url = pathToFileURL(standaloneFile).href;
    const v = await check(url, { json: jsonA, rpc: rpcUrl, screenshot: "verify-file.png" });
    expect(v.errors).toEqual([]);
    // nothing but the file itself (and its blob: workers) and the chain: the service is not asked
    expect(v.origins.filter((o) => o !== "null")).toEqual([new URL(rpcUrl).origin]);
    expect(v.problems).toEqual([]);
    expect(v.verdictClass).toBe("warning");
    expect(v.chainClass).toBe("valid");
    const mismatch = await check(url, { json: jsonB, rpc: rpcUrl });
    expect(mismatch.verdictClass).toBe("invalid");
    expect(mismatch.problems[0]).toMatch(/is not the key of the verifier registered/);
    const tampered = JSON.parse(jsonA) as Json;
    tampered.figures.outstanding = String(BigInt(tampered.figures.outstanding) + 1n);
    const t2 = await check(url, { json: JSON.stringify(tampered) });
    expect(t2.problems[0]).toMatch(/^figures\.outstanding: the proofs say /);
    const trust = await check(url, { json: jsonA });
    expect(trust.chain).toMatch(/taken on trust from this file\. Its hash is 0x[0-9a-f]{64}/);
  });
});
