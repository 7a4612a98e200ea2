// @ts-check
/**
 * The page at GET /verify: reads an attestation (pasted or from a file), fetches the instance's verification
 * key from the catalogue, runs `checkAttestation` with snarkjs (the browser bundle, a global) and poseidon-lite
 * (served as an ES module, URL in <meta name="rwa-poseidon-lite">), and shows the verdict, each problem, each
 * chunk and the figures derived from the proofs. Proofs made with development keys (so marked by the
 * attestation or the catalogue) never show a plain "Valid": the verdict says development keys and why.
 */
import { checkAttestation } from "./check-attestation.js";

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

/** @type {Promise<(inputs: bigint[]) => bigint> | undefined} */
let poseidonLoaded;

/** poseidon-lite's Poseidon of three inputs (key hashes) and nine (policy hashes), loaded once. */
function loadPoseidon() {
  poseidonLoaded ??= (async () => {
    const url = $('meta[name="rwa-poseidon-lite"]', HTMLMetaElement).content;
    const mod =
      /** @type {{ poseidon3: (inputs: bigint[]) => bigint, poseidon9: (inputs: bigint[]) => bigint }} */ (
        await import(new URL(url, document.baseURI).href)
      );
    return (inputs) => {
      if (inputs.length === 3) return mod.poseidon3(inputs);
      if (inputs.length === 9) return mod.poseidon9(inputs);
      throw new Error(`Poseidon of ${inputs.length} inputs is not loaded`);
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
  for (const node of [problemsList, warningsList, summaryList, chunksBody, figuresBody, notesList])
    node.replaceChildren();
  catalogue.clear();
}

/**
 * @param {boolean} valid
 * @param {string} text
 * @param {boolean} [warn]  Valid proofs that prove nothing on a real chain (development keys).
 */
function setVerdict(valid, text, warn = false) {
  verdict.textContent = text;
  verdict.className = !valid ? "invalid" : warn ? "warning" : "valid";
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

/**
 * @param {Record<string, unknown>} att
 * @param {CheckResult} r
 */
function render(att, r) {
  setVerdict(
    r.valid,
    !r.valid
      ? `Not valid: ${r.problems.length} problem(s)`
      : r.development
        ? "Valid proofs, made with DEVELOPMENT KEYS: they prove nothing about the tape on a real chain"
        : "Valid: every check passed",
    r.development,
  );
  showWarnings(r.warnings);
  showProblems(r.problems);
  for (const k of [
    "instance",
    "poolId",
    "period",
    "asOfDate",
    "chainId",
    "registry",
    "root",
    "policyHash",
    "publicKey",
    "keyHash",
    "chunkCount",
    "loanCount",
    "policy",
    "verificationKey",
  ]) {
    summaryList.append(el("dt", k), el("dd", show(att[k])));
  }
  summaryList.append(
    el("dt", "key the proofs were checked with"),
    el("dd", `${r.vkeyHash ?? "hash not available"}${r.development ? " (development key)" : ""}`),
  );
  for (const c of r.chunks) {
    const tr = document.createElement("tr");
    const pool = c.pool
      ? `pool ${c.pool.poolId}, period ${c.pool.period}, day ${c.pool.asOfDate}, ${c.pool.chunkIndex}/${c.pool.chunkCount}, ${c.pool.loanCount} loans`
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
  if (r.figures) {
    for (const [k, v] of Object.entries(r.figures)) {
      const c = claimed[k];
      const partial = k === "breaches" && r.breachMask !== 255;
      const agrees =
        k === "breaches"
          ? typeof c === "number" && (partial ? (c & r.breachMask) === v : c === v)
          : c !== undefined && String(c) === String(v);
      const tr = document.createElement("tr");
      tr.append(
        el("th", partial ? "breaches (loan-level bits 0-2 only: no policy parameters)" : k),
        el("td", String(v), "num"),
        el("td", show(c), "num"),
        el("td", agrees ? "yes" : "no", agrees ? "valid" : "invalid"),
      );
      tr.firstElementChild?.setAttribute("scope", "row");
      figuresBody.append(tr);
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
  for (const n of r.notes) notesList.append(el("li", n));
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
    let att;
    try {
      att = JSON.parse(textarea.value);
    } catch (err) {
      setVerdict(false, "Not valid: not JSON");
      showProblems([`not JSON: ${err instanceof Error ? err.message : String(err)}`]);
      status.textContent = "The text is not JSON.";
      return;
    }
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
    progress.value = 1;
    render(/** @type {Record<string, unknown>} */ (att ?? {}), r);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = `${r.valid ? (r.development ? "Valid proofs, development keys" : "Valid") : "Not valid"}: checked ${r.chunks.length} chunk proof(s) in ${secs} s.`;
  } catch (err) {
    setVerdict(false, "Could not verify");
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
