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
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them): a working directory, the anvil chain with its three registries (`chain`), an attestation for
 * registry A and one for registry B, the service listening with registry A's attestation stored (`served`),
 * the self-contained file `verify-page` wrote (`standalone`), chromium, and each verdict the page shows (one
 * fixture per way the page is used, each read by the tests about it).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { JsonRpcProvider, NonceManager, Wallet, id, keccak256 as ethersKeccak, toUtf8Bytes } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
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
import type { CliRun } from "../support/cli.ts";
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

/** Starts anvil on a free port (in its own process group: bin.mjs runs the anvil binary as a child). */
async function startAnvil(): Promise<{ anvil: ChildProcess; url: string }> {
  const port = await freePort();
  const bin = join(REPO_ROOT, "node_modules", "@foundry-rs", "anvil", "bin.mjs");
  const anvil = spawn(process.execPath, [bin, "--port", String(port), "--chain-id", "31337"], {
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
    anvil.stdout!.on("data", onData);
    anvil.stderr!.on("data", onData);
    anvil.once("exit", (code) => reject(new Error(`anvil exited (${code}):\n${out}`)));
  });
  return { anvil, url: `http://127.0.0.1:${port}` };
}

/** Ends anvil and the binary it runs (its process group). */
function stopAnvil(anvil: ChildProcess): void {
  if (anvil.pid === undefined) return;
  try {
    process.kill(-anvil.pid, "SIGKILL");
  } catch {
    anvil.kill("SIGKILL");
  }
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

/** Runs the rwa-attest command line in `cwd`. */
function cli(cwd: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "cli", "bin.js"), ...args],
      { cwd, encoding: "utf8", timeout: 120_000 },
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
  browser: Browser,
  url: string,
  o: { json?: string; fromUrl?: string; apiKey?: string; rpc?: string; screenshot?: string },
): Promise<Verdict> {
  const page: Page = await browser.newPage({ viewport: { width: 900, height: 640 } });
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

/** The anvil chain: registry A (the genuine verifiers), B (another key; a forged version 2), and one empty. */
interface Chain {
  rpcUrl: string;
  registryA: string;
  registryB: string;
  emptyRegistry: string;
}

/** The service listening on a port, with registry A's attestation stored as att-page-test. */
interface Served {
  t: TestApp;
  base: string;
}

/** checkKeyOnChain's arguments for registry A's attestation, with `over` changed. */
async function keyArgs(
  chain: Chain,
  jsonA: string,
  over: Record<string, unknown>,
): Promise<Parameters<typeof checkKeyOnChain>[0]> {
  const a = JSON.parse(jsonA) as Json;
  const { vkey, hash } = await instanceKey(PROOF_INSTANCE);
  return {
    rpc: jsonRpc(chain.rpcUrl),
    chainId: a.chainId,
    registry: a.registry,
    instance: PROOF_INSTANCE,
    vkey: vkey as never,
    vkeyHash: hash,
    chunks: a.chunks,
    sha256: async (d) => new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(d))),
    ...over,
  };
}

const it = test.extend<{
  /** A working directory of the file's own. */
  tmp: string;
  chain: Chain;
  /** Two-chunk attestations of pool 77 for registry A and for registry B. */
  jsonA: string;
  jsonB: string;
  served: Served;
  /** `rwa-attest verify-page --out verify.html --json`, run in `tmp`: the run and the file. */
  standalone: { made: CliRun; file: string };
  browser: Browser;
  /** The generated PoolAttestation8Verifier's deployed code and pool-attestation-8's key. */
  verifierCode: { code: string; vkey: Json };
  /** The page (GET /verify) on registry A's attestation with the chain (screenshot verify-valid.png). */
  valid: Verdict;
  /** ... with a figure (collected) changed. */
  tamperedFigure: Verdict & { forged: string };
  /** ... with chunk 1's proof changed. */
  tamperedProof: Verdict;
  /** ... on registry B's attestation with the chain. */
  otherKey: Verdict;
  /** The service's answer to the auditor's GET /v1/attestations/att-page-test. */
  apiResponse: { statusCode: number; body: string };
  /** The page on that answer pasted, with the chain. */
  pasted: Verdict;
  /** The page fetching it by URL with the auditor's key, with the chain. */
  fetched: Verdict;
  /** The page fetching it by URL without a key. */
  unauthorised: Verdict;
  /** The page on registry A's attestation without an endpoint. */
  trusted: Verdict;
  /** The file from disk on registry A's attestation with the chain (screenshot verify-file.png). */
  fileValid: Verdict;
  /** The file on registry B's attestation with the chain. */
  fileOtherKey: Verdict;
  /** The file on registry A's attestation with a figure (outstanding) changed, without an endpoint. */
  fileTampered: Verdict;
  /** The file on registry A's attestation without an endpoint. */
  fileTrusted: Verdict;
}>({
  tmp: [
    async ({}, use) => {
      const tmp = mkdtempSync(join(tmpdir(), "rwa-web-page-"));
      await use(tmp);
      rmSync(tmp, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
  chain: [
    async ({}, use) => {
      const { anvil, url: rpcUrl } = await startAnvil();
      const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50 });
      try {
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
        const forged = await signer.sendTransaction({
          data: constantsThenTrue(keyCoordinates(genuine as never)),
        });
        const forgedAddress = (await forged.wait())!.contractAddress!;
        await (
          await registryB.getFunction("addVerifier")(deployCircuitId(PROOF_INSTANCE), 2, forgedAddress)
        ).wait();
        await use({
          rpcUrl,
          registryA: await registryA.getAddress(),
          registryB: await registryB.getAddress(),
          emptyRegistry: await (await deployRegistry(signer)).getAddress(),
        });
      } finally {
        provider.destroy();
        stopAnvil(anvil);
      }
    },
    { scope: "file" },
  ],
  jsonA: [async ({ chain }, use) => use(await attestFor(chain.registryA, 23)), { scope: "file" }],
  jsonB: [async ({ chain }, use) => use(await attestFor(chain.registryB, 24)), { scope: "file" }],
  served: [
    async ({ jsonA }, use) => {
      const t = await startTestApp();
      try {
        const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
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
        await use({ t, base: address.endsWith("/") ? address : `${address}/` });
      } finally {
        await t.app.close();
      }
    },
    { scope: "file" },
  ],
  standalone: [
    async ({ tmp }, use) => {
      // the self-contained file, written by the command an auditor runs
      const file = join(tmp, "verify.html");
      await use({ made: await cli(tmp, "verify-page", "--out", file, "--json"), file });
    },
    { scope: "file" },
  ],
  browser: [
    async ({}, use) => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu"],
      });
      mkdirSync(REPORTS, { recursive: true });
      await use(browser);
      await browser.close();
    },
    { scope: "file" },
  ],
  verifierCode: [
    async ({}, use) => {
      const artifact = JSON.parse(
        readFileSync(
          join(
            REPO_ROOT,
            "artifacts/contracts/verifiers/PoolAttestation8Verifier.sol/PoolAttestation8Verifier.json",
          ),
          "utf8",
        ),
      ) as { deployedBytecode: string };
      await use({ code: artifact.deployedBytecode, vkey: (await instanceKey(INSTANCE)).vkey });
    },
    { scope: "file" },
  ],
  valid: [
    async ({ browser, served, jsonA, chain }, use) =>
      use(
        await check(browser, `${served.base}verify`, {
          json: jsonA,
          rpc: chain.rpcUrl,
          screenshot: "verify-valid.png",
        }),
      ),
    { scope: "file" },
  ],
  tamperedFigure: [
    async ({ browser, served, jsonA, chain }, use) => {
      const a = JSON.parse(jsonA) as Json;
      a.figures.collected = String(BigInt(a.figures.collected) + 1n);
      const v = await check(browser, `${served.base}verify`, { json: JSON.stringify(a), rpc: chain.rpcUrl });
      await use({ ...v, forged: a.figures.collected });
    },
    { scope: "file" },
  ],
  tamperedProof: [
    async ({ browser, served, jsonA, chain }, use) => {
      const a = JSON.parse(jsonA) as Json;
      a.chunks[1].proof.pi_a[0] = String(BigInt(a.chunks[1].proof.pi_a[0]) + 1n);
      await use(await check(browser, `${served.base}verify`, { json: JSON.stringify(a), rpc: chain.rpcUrl }));
    },
    { scope: "file" },
  ],
  otherKey: [
    async ({ browser, served, jsonB, chain }, use) =>
      use(await check(browser, `${served.base}verify`, { json: jsonB, rpc: chain.rpcUrl })),
    { scope: "file" },
  ],
  apiResponse: [
    async ({ served: { t } }, use) => {
      const r = await t.req(t.keys.auditor, { url: "/v1/attestations/att-page-test" });
      await use({ statusCode: r.statusCode, body: r.body });
    },
    { scope: "file" },
  ],
  pasted: [
    async ({ browser, served, apiResponse, chain }, use) =>
      use(await check(browser, `${served.base}verify`, { json: apiResponse.body, rpc: chain.rpcUrl })),
    { scope: "file" },
  ],
  fetched: [
    async ({ browser, served, chain }, use) =>
      use(
        await check(browser, `${served.base}verify`, {
          fromUrl: `${served.base}v1/attestations/att-page-test`,
          apiKey: served.t.keys.auditor,
          rpc: chain.rpcUrl,
        }),
      ),
    { scope: "file" },
  ],
  unauthorised: [
    async ({ browser, served }, use) =>
      use(
        await check(browser, `${served.base}verify`, {
          fromUrl: `${served.base}v1/attestations/att-page-test`,
        }),
      ),
    { scope: "file" },
  ],
  trusted: [
    async ({ browser, served, jsonA }, use) =>
      use(await check(browser, `${served.base}verify`, { json: jsonA })),
    { scope: "file" },
  ],
  fileValid: [
    async ({ browser, standalone, jsonA, chain }, use) =>
      use(
        await check(browser, pathToFileURL(standalone.file).href, {
          json: jsonA,
          rpc: chain.rpcUrl,
          screenshot: "verify-file.png",
        }),
      ),
    { scope: "file" },
  ],
  fileOtherKey: [
    async ({ browser, standalone, jsonB, chain }, use) =>
      use(await check(browser, pathToFileURL(standalone.file).href, { json: jsonB, rpc: chain.rpcUrl })),
    { scope: "file" },
  ],
  fileTampered: [
    async ({ browser, standalone, jsonA }, use) => {
      const tampered = JSON.parse(jsonA) as Json;
      tampered.figures.outstanding = String(BigInt(tampered.figures.outstanding) + 1n);
      await use(
        await check(browser, pathToFileURL(standalone.file).href, { json: JSON.stringify(tampered) }),
      );
    },
    { scope: "file" },
  ],
  fileTrusted: [
    async ({ browser, standalone, jsonA }, use) =>
      use(await check(browser, pathToFileURL(standalone.file).href, { json: jsonA })),
    { scope: "file" },
  ],
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

/** The verification key's hash of the chunk proofs. */
const proofKeyHash = async (): Promise<string> => (await instanceKey(PROOF_INSTANCE)).hash;

describe("what the page shows (check-attestation.js helpers)", () => {
  const att = { format: "rwa-attest/attestation@1", chunks: [] };

  it("unwraps the API's response into the attestation and its envelope", () => {
    expect(unwrapAttestation({ id: "a1", data: att })).toEqual({
      attestation: att,
      envelope: { id: "a1", data: att },
    });
  });

  it("takes a bare attestation as it is, with no envelope", () => {
    expect(unwrapAttestation(att)).toEqual({ attestation: att, envelope: null });
  });

  it("takes an object whose data is no attestation for no envelope", () => {
    expect(unwrapAttestation({ data: { chunks: "no" } }).envelope).toBeNull();
  });

  it("formats amounts in the currency's units, with its decimals and thousands separators", () => {
    expect(formatAmount("123456789", 2, "USD")).toBe("1,234,567.89 USD");
    expect(formatAmount(5n, 2)).toBe("0.05");
    expect(formatAmount("1000", 0, "JPY")).toBe("1,000 JPY");
  });

  it("formats no negative amount", () => {
    expect(formatAmount("-1")).toBeNull();
  });

  it("formats days since the epoch as dates", () => {
    expect(formatDay(0)).toBe("1970-01-01");
    expect(formatDay(20757)).toBe("2026-10-31");
  });

  it("formats no day beyond 16 bits", () => {
    expect(formatDay(65536)).toBeNull();
  });

  it("names the breach bits that are set", () => {
    const bits = describeBreaches(0b1100_0001, TEST_POLICY, (v) => formatAmount(v, 2, "USD") ?? "");
    expect(bits.filter((b) => b.set).map((b) => `${b.bit} ${b.name}`)).toEqual([
      "0 minCreditScore",
      "6 concentration",
      "7 minPoolBalance",
    ]);
  });

  it("states a bit's covenant with the policy's threshold", () => {
    const bits = describeBreaches(0b1100_0001, TEST_POLICY, (v) => formatAmount(v, 2, "USD") ?? "");
    expect(bits[3]!.covenant).toBe(
      `loans 30+ days past due are above ${(TEST_POLICY.maxBucket30Bps / 100).toFixed(2)}% of the outstanding balance`,
    );
  });

  it("says a limit is not known without the policy's parameters", () => {
    expect(describeBreaches(0, undefined)[6]!.covenant).toMatch(/limit not known: no policy parameters/);
  });
});

describe("chain-key.js (the page's keccak-256 and bytecode reading)", () => {
  it.for(["", "abc", INSTANCE, "x".repeat(135), "x".repeat(136), "y".repeat(300)])(
    "hashes %j as ethers does",
    (s) => {
      expect(keccak256(new TextEncoder().encode(s))).toBe(ethersKeccak(toUtf8Bytes(s)));
    },
  );

  it("names the registry's circuit ids as the deployment does", () => {
    expect(circuitId(INSTANCE)).toBe(deployCircuitId(INSTANCE));
  });

  it.for(["verifierRecord(bytes32,uint16)", "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7])"])(
    "names the selector of %s as ethers does",
    (sig) => {
      expect(selector(sig)).toBe(id(sig).slice(0, 10));
    },
  );

  it("its chain-key.d.ts is the generated one", async () => {
    expect(readFileSync(CHAIN_KEY_DTS, "utf8")).toBe(await chainKeyDeclarations());
  });

  describe.skipIf(!BUILT)("on the generated verifier's code", () => {
    it("the key has 30 coordinates", ({ verifierCode: { vkey } }) => {
      expect(keyCoordinates(vkey as never).length).toBe(30);
    });

    it("finds exactly the key's coordinates among the code's constants", ({
      verifierCode: { code, vkey },
    }) => {
      expect(new Set(keyConstantsOfCode(code))).toEqual(new Set(keyCoordinates(vkey as never)));
    });

    it("does not find another key (one IC coordinate changed) in the code", ({
      verifierCode: { code, vkey },
    }) => {
      const other = JSON.parse(JSON.stringify(vkey));
      other.IC[3][1] = String(BigInt(other.IC[3][1]) + 1n);
      expect(new Set(keyConstantsOfCode(code))).not.toEqual(new Set(keyCoordinates(other)));
    });
  });
});

describe.skipIf(!RUN)("checkKeyOnChain against anvil (what the page shows under 'Verification key')", () => {
  it("names both chains when the endpoint is another chain", async ({ chain, jsonA }) => {
    expect(await checkKeyOnChain(await keyArgs(chain, jsonA, { chainId: "1" }))).toMatchObject({
      status: "error",
      message: "the endpoint is chain 31337, the attestation is for chain 1",
    });
  });

  it("names the registry address where there is no contract", async ({ chain, jsonA }) => {
    const nowhere = "0x" + "12".repeat(20);
    expect(await checkKeyOnChain(await keyArgs(chain, jsonA, { registry: nowhere }))).toMatchObject({
      status: "error",
      message: `no contract at the registry address ${nowhere} on chain 31337`,
    });
  });

  it("names the registry and the instance when no verifier is registered", async ({ chain, jsonA }) => {
    expect(
      await checkKeyOnChain(await keyArgs(chain, jsonA, { registry: chain.emptyRegistry })),
    ).toMatchObject({
      status: "error",
      message: `the registry at ${chain.emptyRegistry} on chain 31337 has no verifier for ${PROOF_INSTANCE}`,
    });
  });

  it("confirms the key of the registered verifier, which accepts the proofs and refuses them tampered", async ({
    chain,
    jsonA,
  }) => {
    const r = await checkKeyOnChain(await keyArgs(chain, jsonA, {}));
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
  });

  // The root is changed, not signal 4: the page's own tamper probe flips the low bit of signal 4, which
  // would undo a +1 on an even value there
  it("does not confirm the key with proofs the verifier refuses (a changed signal)", async ({
    chain,
    jsonA,
  }) => {
    const changed = JSON.parse(JSON.stringify((JSON.parse(jsonA) as Json).chunks));
    changed[0].publicSignals[0] = String(BigInt(changed[0].publicSignals[0]) + 1n);
    const refused = await checkKeyOnChain(await keyArgs(chain, jsonA, { chunks: changed }));
    expect(refused.status).toBe("mismatch");
    expect(refused.message).toMatch(
      /version 1 at 0x[0-9a-f]{40} embeds constants 0x[0-9a-f]{64}, refuses these proofs$/,
    );
  });
});

describe.skipIf(!BUILT)("rwa-attest verify-page", () => {
  it("writes the self-contained file, naming the keys it carries", async ({ standalone: { made, file } }) => {
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      out: file,
      keys: expect.arrayContaining([
        { instance: PROOF_INSTANCE, hash: await proofKeyHash(), development: true },
      ]),
    });
  });

  it("refuses an instance that is not a pool attestation circuit, writing nothing", async ({ tmp }) => {
    const wrong = await cli(
      tmp,
      "verify-page",
      "--out",
      join(tmp, "x.html"),
      "--instance",
      "example-multiplier",
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      "rwa-attest: verify-page: example-multiplier is not a pool attestation circuit\n",
    );
    expect(existsSync(join(tmp, "x.html"))).toBe(false);
  });

  it("needs --out", async ({ tmp }) => {
    const noOut = await cli(tmp, "verify-page");
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/required option '--out <file>'/);
  });
});

describe.skipIf(!RUN)("the auditor's page in chromium", () => {
  describe("on a valid attestation", () => {
    it("shows no errors", ({ valid }) => {
      expect(valid.errors).toEqual([]);
    });

    it("finds no problems", ({ valid }) => {
      expect(valid.problems).toEqual([]);
    });

    it("is an amber verdict saying the proofs are valid but made with development keys (never a plain Valid)", ({
      valid,
    }) => {
      expect(valid.verdictClass).toBe("warning");
      expect(valid.verdict).toBe(
        "Valid proofs, made with DEVELOPMENT KEYS: they prove nothing about the tape on a real chain",
      );
    });

    it("warns of development keys first", ({ valid }) => {
      expect(valid.warnings[0]).toMatch(/^development keys: this proof proves nothing/);
    });

    it("the chain confirms the key (green), named by its hash", async ({ valid }) => {
      expect(valid.chainClass).toBe("valid");
      expect(valid.chain).toContain(`verificationKeyHash ${await proofKeyHash()}`);
    });

    it("names the verifier and version the key is embedded in, registered for the proofs' instance", ({
      valid,
    }) => {
      expect(valid.chain).toMatch(
        /is the key embedded in verifier 0x[0-9a-f]{40} \(version 1\), registered for pool-chunk-commitment-8/,
      );
    });

    it("says the verifier accepts these proofs and refuses a changed signal", ({ valid }) => {
      expect(valid.chain).toContain("accepts these proofs and refuses a changed signal");
    });

    it("shows dates as dates", ({ valid }) => {
      expect(valid.summary).toContain("2025-11-08 (day 20400)");
    });

    it("shows amounts in the currency with two decimals", ({ valid, jsonA }) => {
      const att = JSON.parse(jsonA) as Json;
      const major = (minor: string): string => {
        const n = BigInt(minor);
        return `${(n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${String(n % 100n).padStart(2, "0")} USD`;
      };
      expect(valid.figures).toContain(major(att.figures.outstanding));
      expect(valid.figures).toContain(major(att.figures.maxLoanBalance));
    });

    it("names breach bits with the policy's thresholds", ({ valid }) => {
      expect(valid.breaches).toContain("6 concentration");
      expect(valid.breaches).toContain(
        `the largest loan is above ${(TEST_POLICY.maxConcentrationBps / 100).toFixed(2)}% of the outstanding balance`,
      );
      expect(valid.breaches).toContain(
        `an active loan's credit score is below ${TEST_POLICY.minCreditScore}`,
      );
    });

    it("marks as BREACHED exactly the bits the attestation sets", ({ valid, jsonA }) => {
      const breached = ((JSON.parse(jsonA) as Json).figures.breaches as number)
        .toString(2)
        .split("")
        .reverse();
      expect((valid.breaches.match(/BREACHED/g) ?? []).length).toBe(breached.filter((b) => b === "1").length);
    });
  });

  it("a tampered figure is a red verdict naming the figure and both values", ({ tamperedFigure, jsonA }) => {
    expect(tamperedFigure.verdictClass).toBe("invalid");
    expect(tamperedFigure.problems).toEqual([
      `figures.collected: the proofs say ${JSON.parse(jsonA).figures.collected}, the summary says ${tamperedFigure.forged}`,
    ]);
  });

  it("a tampered proof is a red verdict naming the chunk", ({ tamperedProof }) => {
    expect(tamperedProof.verdictClass).toBe("invalid");
    expect(tamperedProof.problems).toContain("chunk 1: the proof does not verify");
  });

  describe("on a key that is not the on-chain verifier's", () => {
    /** The one problem's parts: the proofs' key's constants, version 1's and version 2's. */
    const parts = async (v: Verdict, rpcUrl: string): Promise<RegExpMatchArray | null> =>
      v.problems[0]!.match(
        new RegExp(
          `^verification key: ${rpcUrl}: the key the proofs were checked with \\(verificationKeyHash ${await proofKeyHash()}, constants (0x[0-9a-f]{64})\\) is not the key of the verifier registered for pool-chunk-commitment-8 in registry 0x[0-9a-fA-F]{40} on chain 31337: ` +
            `version 1 at 0x[0-9a-f]{40} embeds constants (0x[0-9a-f]{64}) \\(\\d+ of the key's coordinates missing, \\d+ other constants\\); ` +
            `version 2 at 0x[0-9a-f]{40} embeds constants (0x[0-9a-f]{64}), accepts a changed signal$`,
        ),
      );

    it("is a red verdict and a red key check", ({ otherKey }) => {
      expect(otherKey.verdictClass).toBe("invalid");
      expect(otherKey.chainClass).toBe("invalid");
    });

    it("has one problem, naming both keys and each registered version", async ({ otherKey, chain }) => {
      expect(otherKey.problems).toHaveLength(1);
      expect(await parts(otherKey, chain.rpcUrl), otherKey.problems[0]).not.toBeNull();
    });

    it("version 1 embeds another key", async ({ otherKey, chain }) => {
      const [, ours, first] = (await parts(otherKey, chain.rpcUrl))!;
      expect(first).not.toBe(ours);
    });

    it("version 2 carries the genuine key's constants, in code that does not use them, and is refused", async ({
      otherKey,
      chain,
    }) => {
      const [, ours, , second] = (await parts(otherKey, chain.rpcUrl))!;
      expect(second).toBe(ours);
    });

    it("the proofs themselves verify: only the key check fails", ({ otherKey }) => {
      expect(otherKey.figures).not.toMatch(/\bno\b/);
    });
  });

  describe("on the API's response shape", () => {
    it("the service serves the attestation to the auditor", ({ apiResponse }) => {
      expect(apiResponse.statusCode).toBe(200);
    });

    it("pasted: finds no problems, the amber verdict", ({ pasted }) => {
      expect(pasted.problems).toEqual([]);
      expect(pasted.verdictClass).toBe("warning");
    });

    it("pasted: says it is the API's response for the attestation", ({ pasted }) => {
      expect(pasted.summary).toContain("the API's response for attestation att-page-test");
    });

    it("by URL with an API key: finds no problems, the chain confirms the key", ({ fetched }) => {
      expect(fetched.problems).toEqual([]);
      expect(fetched.chainClass).toBe("valid");
    });

    it("by URL without a key: the service refuses and the page says so", ({ unauthorised }) => {
      expect(unauthorised.verdictClass).toBe("invalid");
      expect(unauthorised.problems[0]).toMatch(/answered 401/);
    });
  });

  describe("without an endpoint", () => {
    it("finds no problems", ({ trusted }) => {
      expect(trusted.problems).toEqual([]);
    });

    it("takes the key on trust, said plainly (amber) with its hash", async ({ trusted }) => {
      expect(trusted.chainClass).toBe("warning");
      expect(trusted.chain).toBe(
        `Not checked against the chain (no JSON-RPC endpoint): the verification key was taken on trust from the service that served this page. Its hash is ${await proofKeyHash()}; compare it out of band.`,
      );
    });
  });

  describe("the self-contained file opened from disk", () => {
    it("shows no errors", ({ fileValid }) => {
      expect(fileValid.errors).toEqual([]);
    });

    // nothing but the file itself (and its blob: workers) and the chain: the service is not asked
    it("asks nothing of the service: only the chain", ({ fileValid, chain }) => {
      expect(fileValid.origins.filter((o) => o !== "null")).toEqual([new URL(chain.rpcUrl).origin]);
    });

    it("checks a valid attestation, the chain included", ({ fileValid }) => {
      expect(fileValid.problems).toEqual([]);
      expect(fileValid.verdictClass).toBe("warning");
      expect(fileValid.chainClass).toBe("valid");
    });

    it("refuses a key that is not the on-chain verifier's", ({ fileOtherKey }) => {
      expect(fileOtherKey.verdictClass).toBe("invalid");
      expect(fileOtherKey.problems[0]).toMatch(/is not the key of the verifier registered/);
    });

    it("names a tampered figure", ({ fileTampered }) => {
      expect(fileTampered.problems[0]).toMatch(/^figures\.outstanding: the proofs say /);
    });

    it("without an endpoint, takes the key on trust from the file, with its hash", ({ fileTrusted }) => {
      expect(fileTrusted.chain).toMatch(/taken on trust from this file\. Its hash is 0x[0-9a-f]{64}/);
    });
  });
});
