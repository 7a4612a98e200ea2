// @ts-check
/**
 * The page at GET /verify (and the self-contained file of `rwa-attest verify-page`): reads an attestation
 * (pasted, from a file, or from a URL; the attestation itself or the API's `{…, data: attestation}`), gets the
 * instance's verification key (from the service's catalogue, or from the keys embedded in a self-contained
 * page: <script type="application/json" id="rwa-keys">), runs `checkAttestation` with snarkjs (the browser
 * bundle, a global) and poseidon-lite (an ES module, URL in <meta name="rwa-poseidon-lite">, or the global
 * `rwaPoseidonLite` in a self-contained page), checks the key against the verifier registered on chain when
 * given a JSON-RPC endpoint (chain-key.js), and shows the verdict, each problem, each chunk, the figures
 * derived from the proofs (amounts in the tape's currency, dates as dates) and each breach bit by name with
 * the policy's threshold. Proofs made with development keys (so marked by the attestation or the key's
 * source) never show a plain "Valid"; neither does a key taken on trust, and a key that is not the one the
 * on-chain verifier embeds is a red verdict naming both.
 */
import {
  AMOUNT_FIGURES,
  NOTE_KEY,
  checkAttestation,
  describeBreaches,
  formatAmount,
  formatDay,
  unwrapAttestation,
} from "./check-attestation.js";
import { checkKeyOnChain, jsonRpc } from "./chain-key.js";

/** @typedef {import("./check-attestation.js").CheckResult} CheckResult */
/** @typedef {import("./check-attestation.js").VerificationKey} VerificationKey */
/** @typedef {import("./check-attestation.js").Groth16Proof} Groth16Proof */

/**
 * @template {Element} T
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
function $(selector, type) {
  const el = document.querySelector(selector);
  if (!(el instanceof type)) throw new Error(`the page has no ${selector}`);
  return el;
}

const form = $("#form", HTMLFormElement);
const fileInput = $("#file", HTMLInputElement);
const textarea = $("#json", HTMLTextAreaElement);
const button = $("#verify", HTMLButtonElement);
const progressBox = $("#progress-box", HTMLDivElement);
const progress = $("#progress", HTMLProgressElement);
const status = $("#status", HTMLParagraphElement);
const result = $("#result", HTMLElement);
const verdict = $("#verdict", HTMLHeadingElement);
const problemsBox = $("#problems-box", HTMLDivElement);
const problemsList = $("#problems", HTMLUListElement);
const summaryList = $("#summary", HTMLDListElement);
const chunksBody = $("#chunks tbody", HTMLTableSectionElement);
const figuresBody = $("#figures tbody", HTMLTableSectionElement);
const notesList = $("#notes", HTMLUListElement);
const warningsBox = $("#warnings-box", HTMLDivElement);
const warningsList = $("#warnings", HTMLUListElement);
const urlInput = $("#url", HTMLInputElement);
const apiKeyInput = $("#apikey", HTMLInputElement);
const rpcInput = $("#rpc", HTMLInputElement);
const endpointsInput = $("#endpoints", HTMLTextAreaElement);
const currencyInput = $("#currency", HTMLInputElement);
const decimalsInput = $("#decimals", HTMLInputElement);
const chainText = $("#chain", HTMLParagraphElement);
const breachesBody = $("#breaches tbody", HTMLTableSectionElement);

/** Public endpoints by chain id, the page's default list (the auditor edits it; kept in localStorage). */
const DEFAULT_ENDPOINTS = {
  1: "https://ethereum-rpc.publicnode.com",
  11155111: "https://ethereum-sepolia-rpc.publicnode.com",
  31337: "http://127.0.0.1:8545",
};
const ENDPOINTS_STORAGE = "rwa-attest.endpoints";

/** @returns {Storage | null} */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // file:// pages may have none
  }
}
endpointsInput.value = storage()?.getItem(ENDPOINTS_STORAGE) ?? JSON.stringify(DEFAULT_ENDPOINTS, null, 2);
endpointsInput.addEventListener("change", () => storage()?.setItem(ENDPOINTS_STORAGE, endpointsInput.value));

/**
 * The endpoint to check the key with: the typed one, else the known one for the chain id; null when none.
 * @param {unknown} chainId
 */
function endpointFor(chainId) {
  if (rpcInput.value.trim()) return rpcInput.value.trim();
  try {
    const known = JSON.parse(endpointsInput.value);
    const url = known?.[String(chainId)];
    return typeof url === "string" && url ? url : null;
  } catch {
    throw new Error("the known endpoints are not JSON (an object of chain id to URL)");
  }
}

/** Keys embedded in a self-contained page: {instance: {vkey, development}}; null in the served page. */
const embeddedKeys = (() => {
  const node = document.getElementById("rwa-keys");
  return node
    ? /** @type {Record<string, { vkey?: VerificationKey, development?: boolean }>} */ (
        JSON.parse(node.textContent ?? "{}")
      )
    : null;
})();

/** @type {Promise<(inputs: bigint[]) => bigint> | undefined} */
let poseidonLoaded;

/**
 * poseidon-lite's Poseidon of two inputs (a committed attestation's chain of commitments), three (key hashes)
 * and as many as a policy hash takes (the format version and the parameters: POLICY_PARAMS), loaded once.
 */
function loadPoseidon() {
  poseidonLoaded ??= (async () => {
    /** @type {Record<string, ((inputs: bigint[]) => bigint) | undefined>} */
    const mod =
      /** @type {any} */ (globalThis).rwaPoseidonLite ??
      (await import(
        new URL($('meta[name="rwa-poseidon-lite"]', HTMLMetaElement).content, document.baseURI).href
      ));
    return (inputs) => {
      const hash = mod[`poseidon${inputs.length}`];
      if (typeof hash !== "function") throw new Error(`Poseidon of ${inputs.length} inputs is not loaded`);
      return hash(inputs);
    };
  })();
  return poseidonLoaded;
}

/** @returns {{ groth16: { verify: (vkey: VerificationKey, signals: string[], proof: Groth16Proof) => Promise<boolean> } }} */
function snarkjs() {
  const s = /** @type {any} */ (globalThis).snarkjs;
  if (!s?.groth16?.verify) throw new Error("snarkjs did not load");
  return s;
}

/** @type {Map<string, Promise<{ vkey?: VerificationKey, development?: boolean, detail?: string }>>} */
const catalogue = new Map();

/**
 * The instance's entry in this service's catalogue, fetched once per check.
 * @param {string} instance
 */
function catalogueEntry(instance) {
  let entry = catalogue.get(instance);
  if (!entry) {
    entry = (async () => {
      if (embeddedKeys) {
        const e = embeddedKeys[instance];
        if (!e)
          throw new Error(`this page embeds no key for it (it has ${Object.keys(embeddedKeys).join(", ")})`);
        return e;
      }
      const res = await fetch(new URL(`v1/catalogue/${encodeURIComponent(instance)}`, document.baseURI));
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.detail ?? `the catalogue answered ${res.status}`);
      return body;
    })();
    catalogue.set(instance, entry);
  }
  return entry;
}

/**
 * The instance's verification key from this service's catalogue.
 * @param {string} instance
 * @returns {Promise<VerificationKey>}
 */
async function fetchVkey(instance) {
  const body = await catalogueEntry(instance);
  if (!body.vkey) throw new Error("the service has no verification key loaded for it");
  return body.vkey;
}

/**
 * Whether the catalogue marks the instance's key a development key (null when it does not say).
 * @param {string} instance
 */
async function isDevelopmentKey(instance) {
  const body = await catalogueEntry(instance);
  return typeof body.development === "boolean" ? body.development : null;
}

/**
 * @param {string} tag
 * @param {string} text
 * @param {string} [className]
 */
function el(tag, text, className) {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** @param {unknown} v */
const show = (v) =>
  v === undefined ? "—" : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);

function clear() {
  for (const node of [
    problemsList,
    warningsList,
    summaryList,
    chunksBody,
    figuresBody,
    breachesBody,
    notesList,
  ])
    node.replaceChildren();
  chainText.textContent = "";
  chainText.className = "";
  catalogue.clear();
}

/**
 * @param {"valid" | "invalid" | "warning"} kind
 * @param {string} text
 */
function setVerdict(kind, text) {
  verdict.textContent = text;
  verdict.className = kind;
}

/** @param {string[]} warnings */
function showWarnings(warnings) {
  warningsBox.hidden = warnings.length === 0;
  for (const w of warnings) warningsList.append(el("li", w));
}

/** @param {string[]} problems */
function showProblems(problems) {
  problemsBox.hidden = problems.length === 0;
  for (const p of problems) problemsList.append(el("li", p));
}

/** How amounts are shown: the currency and decimals of the form (the attestation's when it names them). */
function amountFormat() {
  const decimals = Number(decimalsInput.value);
  const currency = currencyInput.value.trim();
  /** @param {unknown} v */
  return (v) => formatAmount(v, Number.isSafeInteger(decimals) ? decimals : 2, currency) ?? show(v);
}

/**
 * What the key check says: how the verdict reads and the sentence under "Verification key".
 * @typedef {{ status: "match" | "mismatch" | "error" | "trust", message: string }} KeyStatus
 */

/**
 * @param {Record<string, unknown>} att
 * @param {CheckResult} r
 * @param {KeyStatus} key
 */
function render(att, r, key) {
  const problems = [...r.problems];
  if (key.status === "mismatch" || key.status === "error") problems.push(`verification key: ${key.message}`);
  const valid = problems.length === 0;
  setVerdict(
    !valid ? "invalid" : r.development || key.status === "trust" ? "warning" : "valid",
    !valid
      ? `Not valid: ${problems.length} problem(s)`
      : r.development
        ? "Valid proofs, made with DEVELOPMENT KEYS: they prove nothing about the tape on a real chain"
        : key.status === "trust"
          ? "Valid proofs, with a verification key taken on trust (not checked against the chain)"
          : "Valid: every check passed, the key is the on-chain verifier's",
  );
  showWarnings(r.warnings);
  showProblems(problems);
  chainText.textContent = key.message;
  chainText.className = key.status === "match" ? "valid" : key.status === "trust" ? "warning" : "invalid";
  const amount = amountFormat();
  /** @type {[string, string][]} */
  const rows = [
    ["instance", show(att.instance)],
    ["poolId", show(att.poolId)],
    ["period", show(att.period)],
    ["as of", `${formatDay(att.asOfDate) ?? "not a date"} (day ${show(att.asOfDate)})`],
    ["chainId", show(att.chainId)],
    ["registry", show(att.registry)],
    ["root", show(att.root)],
    ["policyHash", show(att.policyHash)],
    ["publicKey", show(att.publicKey)],
    ["keyHash", show(att.keyHash)],
    ["chunkCount", show(att.chunkCount)],
    ["loanCount (committed, whole tape)", show(att.loanCount)],
    ["verificationKey (as the attestation names it)", show(att.verificationKey)],
    [
      "key the proofs were checked with",
      `${r.vkeyHash ?? "hash not available"}${r.development ? " (development key)" : ""}`,
    ],
  ];
  for (const [k, v] of rows) summaryList.append(el("dt", k), el("dd", v));
  for (const c of r.chunks) {
    const tr = document.createElement("tr");
    const pool = c.pool
      ? `pool ${c.pool.poolId}, period ${c.pool.period}, ${formatDay(c.pool.asOfDate)}, ${c.pool.chunkIndex}/${c.pool.chunkCount}, ${c.pool.loanCount} loans`
      : "—";
    tr.append(
      el("td", String(c.position)),
      el("td", c.chunkIndex === null ? "—" : String(c.chunkIndex)),
      el("td", c.proofValid ? "verifies" : "does not verify", c.proofValid ? "valid" : "invalid"),
      el("td", pool),
      el("td", c.problems.length === 0 ? "none" : c.problems.join("; "), c.problems.length ? "invalid" : ""),
    );
    chunksBody.append(tr);
  }
  const claimed = /** @type {Record<string, unknown>} */ (
    typeof att.figures === "object" && att.figures !== null ? att.figures : {}
  );
  /** @param {string} k @param {unknown} v */
  const fmt = (k, v) =>
    AMOUNT_FIGURES.includes(k)
      ? amount(v)
      : k === "breaches" && typeof v === "number"
        ? `${v} (0b${v.toString(2).padStart(8, "0")})`
        : show(v);
  if (r.figures) {
    for (const [k, v] of Object.entries(r.figures)) {
      const c = claimed[k];
      const agrees = k === "breaches" ? c === v : c !== undefined && String(c) === String(v);
      const tr = document.createElement("tr");
      tr.append(
        el("th", k),
        el("td", fmt(k, v), "num"),
        el("td", fmt(k, c), "num"),
        el("td", agrees ? "yes" : "no", agrees ? "valid" : "invalid"),
      );
      tr.firstElementChild?.setAttribute("scope", "row");
      figuresBody.append(tr);
    }
    for (const b of describeBreaches(r.figures.breaches, att.policy, amount)) {
      const tr = document.createElement("tr");
      tr.append(
        el("th", `${b.bit} ${b.name}`),
        el("td", b.covenant),
        el("td", b.set ? "BREACHED" : "no", b.set ? "invalid" : "valid"),
      );
      tr.firstElementChild?.setAttribute("scope", "row");
      breachesBody.append(tr);
    }
  } else {
    const tr = document.createElement("tr");
    const td = el(
      "td",
      "Not recomputed: not every chunk proof verifies, or the chunks are not exactly 0…n−1.",
    );
    td.setAttribute("colspan", "4");
    tr.append(td);
    figuresBody.append(tr);
  }
  for (const n of r.notes) if (n !== NOTE_KEY || key.status !== "match") notesList.append(el("li", n));
  notesList.append(
    el(
      "li",
      "Amounts are shown in the currency and decimals chosen above: the proofs carry minor units, not the currency.",
    ),
  );
}

/**
 * The JSON to check: the text box, else the URL (with the API key only when the URL is this page's service).
 * @returns {Promise<unknown>}
 */
async function readInput() {
  if (textarea.value.trim() !== "" || urlInput.value.trim() === "") return JSON.parse(textarea.value);
  const url = new URL(urlInput.value.trim(), document.baseURI);
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (apiKeyInput.value && url.origin === location.origin && location.protocol.startsWith("http"))
    headers.authorization = `Bearer ${apiKeyInput.value}`;
  status.textContent = `Fetching ${url.href}…`;
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url.href} answered ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** WebCrypto SHA-256 (the page needs a secure context: https, localhost or a file). */
async function sha256(/** @type {Uint8Array} */ d) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(d)));
}

async function verify() {
  clear();
  result.hidden = true;
  button.disabled = true;
  progressBox.hidden = false;
  progress.value = 0;
  const started = performance.now();
  try {
    /** @type {unknown} */
    let input;
    try {
      input = await readInput();
    } catch (err) {
      setVerdict("invalid", "Not valid: could not read the attestation");
      showProblems([err instanceof Error ? err.message : String(err)]);
      status.textContent = "The attestation could not be read.";
      return;
    }
    const { attestation: att, envelope } = unwrapAttestation(input);
    const a = /** @type {Record<string, unknown>} */ (att ?? {});
    if (typeof a.currency === "string") currencyInput.value = a.currency;
    if (Number.isSafeInteger(a.decimals)) decimalsInput.value = String(a.decimals);
    status.textContent = "Loading the cryptography…";
    const poseidon = await loadPoseidon();
    const groth16Verify = snarkjs().groth16.verify;
    const r = await checkAttestation(att, {
      groth16Verify: (vkey, signals, proof) => groth16Verify(vkey, signals, proof),
      poseidon,
      fetchVkey,
      isDevelopmentKey,
      onProgress: (p) => {
        progress.value = p.total === 0 ? 1 : p.done / p.total;
        status.textContent =
          p.stage === "key"
            ? "Fetching the verification key…"
            : p.stage === "chunk"
              ? `Verifying chunk proof ${p.done + 1} of ${p.total}…`
              : p.stage === "figures"
                ? "Recomputing the figures…"
                : "Done.";
      },
    });
    /** @type {KeyStatus} */
    let key = {
      status: "trust",
      message: `Not checked against the chain (no JSON-RPC endpoint): the verification key was taken on trust from ${embeddedKeys ? "this file" : "the service that served this page"}. Its hash is ${r.vkeyHash ?? "not available"}; compare it out of band.`,
    };
    const endpoint = r.chunks.length > 0 && typeof a.instance === "string" ? endpointFor(a.chainId) : null;
    if (endpoint !== null) {
      status.textContent = `Checking the verification key against ${endpoint}…`;
      try {
        const vkey = await fetchVkey(/** @type {string} */ (a.instance));
        const verified = r.chunks
          .filter((c) => c.proofValid)
          .map(
            (c) =>
              /** @type {{ proof: any, publicSignals: string[] }} */ (
                /** @type {unknown[]} */ (a.chunks)[c.position]
              ),
          );
        const chain = await checkKeyOnChain({
          rpc: jsonRpc(endpoint),
          chainId: a.chainId,
          registry: a.registry,
          instance: /** @type {string} */ (a.instance),
          vkey,
          vkeyHash: r.vkeyHash,
          chunks: verified,
          sha256,
        });
        key = { status: chain.status, message: `${endpoint}: ${chain.message}` };
      } catch (err) {
        key = {
          status: "error",
          message: `${endpoint}: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    }
    progress.value = 1;
    render(a, r, key);
    if (envelope)
      summaryList.prepend(
        el("dt", "read from"),
        el("dd", `the API's response for attestation ${show(envelope.id)}`),
      );
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = `${verdict.textContent}: checked ${r.chunks.length} chunk proof(s) in ${secs} s.`;
  } catch (err) {
    setVerdict("invalid", "Could not verify");
    showProblems([err instanceof Error ? err.message : String(err)]);
    status.textContent = "The check could not run.";
  } finally {
    button.disabled = false;
    progressBox.hidden = true;
    result.hidden = false;
    result.focus();
  }
}

fileInput.addEventListener("change", async () => {
  const file = fileInput.files?.[0];
  if (!file) return;
  textarea.value = await file.text();
  status.textContent = `Read ${file.name} (${file.size} bytes). Press Verify.`;
});

form.addEventListener("submit", (e) => {
  e.preventDefault();
  void verify();
});
