// @ts-check
/**
 * The auditor's check of a pool attestation ("rwa-attest/attestation@1", the JSON of `attestationToJson` in
 * prover/attest.ts), as a plain browser-ready ES module: no build step, no imports. The cryptography is
 * injected (snarkjs's `groth16.verify`, a circomlib-compatible Poseidon, the instance's verification key), so
 * the same code runs in the page at GET /verify and, with Node's snarkjs, in the tests.
 *
 * The checks and verdicts are those of `verifyAttestation` (prover/attest.ts) without a policy: every chunk
 * proof verifies against the instance's verification key; the chunks are exactly 0..n-1; every chunk carries
 * the attestation's root, pool word (poolId, period, asOfDate, chunkCount, loanCount, its own chunkIndex), policyHash and
 * keyHash; keyHash = Poseidon(Ax, Ay, domain) with domain = registry | chainId << 160. In addition the figures
 * are recomputed from the proofs' public signals and compared with the summary: sums, max, min, counts and the
 * loan-level breach bits 0-2. The pool-level covenant bits 3-7 depend on the policy's limits, which an
 * attestation carries only as a hash, so they are not recomputed here (see `notes` in the result).
 *
 * Malformed input gives problems, never an exception.
 */

/** The BN254 scalar field: every public signal and key coordinate is below it. */
const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** The BN254 base field: proof coordinates are below it. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** The public signals of a PoolAttestation chunk proof, in order (circuits/circuits.json, docs/INTERFACES.md). */
export const POOL_SIGNALS = Object.freeze(["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"]);

/** Breach bits decided loan by loan (OR-ed across chunks): minCreditScore, maxDaysPastDue, maxLtv. */
export const LOAN_LEVEL_BREACHES = 0b111;

export const FORMAT = "rwa-attest/attestation@1";

/**
 * @typedef {{ pi_a: string[], pi_b: string[][], pi_c: string[] } & Record<string, unknown>} Groth16Proof
 * @typedef {{ protocol: string, curve?: string, nPublic: number } & Record<string, unknown>} VerificationKey
 *
 * @typedef {object} CheckDeps
 * @property {(vkey: VerificationKey, publicSignals: string[], proof: Groth16Proof) => Promise<boolean>} groth16Verify
 *   snarkjs's `groth16.verify`.
 * @property {(inputs: bigint[]) => bigint} poseidon  circomlib's Poseidon (here always of three inputs).
 * @property {(instance: string) => Promise<VerificationKey>} fetchVkey  The instance's verification key.
 * @property {(p: CheckProgress) => void} [onProgress]  Called before each step.
 *
 * @typedef {object} CheckProgress
 * @property {"key" | "chunk" | "figures" | "done"} stage
 * @property {number} done  Chunk proofs checked so far.
 * @property {number} total  Chunk proofs to check.
 *
 * @typedef {object} Figures  A pool's (or one chunk's) figures, as in prover/model.
 * @property {bigint} outstanding
 * @property {bigint} scheduled
 * @property {bigint} collected
 * @property {bigint} bucket30
 * @property {bigint} bucket60
 * @property {bigint} bucket90
 * @property {bigint} defaulted
 * @property {bigint} chargedOff
 * @property {bigint} scoreWeightedBalance
 * @property {bigint} maxLoanBalance
 * @property {number} activeCount
 * @property {number} minScore
 * @property {number} breaches  In the aggregate: only the loan-level bits 0-2 (the others need the policy).
 *
 * @typedef {object} PoolWord  The fields of a chunk proof's `pool` signal.
 * @property {bigint} poolId
 * @property {number} period
 * @property {number} asOfDate
 * @property {number} chunkIndex
 * @property {number} chunkCount
 * @property {number} loanCount  Loans of the whole tape (the circuit proves the tape is packed below it).
 *
 * @typedef {object} ChunkResult
 * @property {number} position  Index in the attestation's `chunks` array.
 * @property {number | null} chunkIndex  The chunk index the entry claims (null when missing or malformed).
 * @property {boolean} proofValid  The proof verifies against the verification key.
 * @property {PoolWord | null} pool  What the proof's `pool` signal says (null unless the proof verifies).
 * @property {Figures | null} figures  The chunk's figures from its public signals (null unless it verifies).
 * @property {string[]} problems  This chunk's problems (also in the result's `problems`).
 *
 * @typedef {object} CheckResult
 * @property {boolean} valid
 * @property {string[]} problems  Why it is not valid (empty when valid).
 * @property {ChunkResult[]} chunks
 * @property {Figures | null} figures  Recomputed from the proofs; null unless every chunk proof verifies and
 *   the chunks are exactly 0..n-1.
 * @property {string[]} notes  What this check does not cover.
 */

const FIGURE_SUMS = /** @type {const} */ ([
  "outstanding",
  "scheduled",
  "collected",
  "bucket30",
  "bucket60",
  "bucket90",
  "defaulted",
  "chargedOff",
  "scoreWeightedBalance",
]);

export const NOTE_POLICY =
  "Pool-level covenant bits 3-7 of figures.breaches (buckets, concentration, minimum balance) are evaluated " +
  "against the policy's limits, which the attestation names only by hash: they are not recomputed here. " +
  "Sums, maximum, minimum, counts and the loan-level bits 0-2 are.";

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A non-negative integer given as a decimal string, a bigint or a safe integer; null otherwise.
 * @param {unknown} v
 * @returns {bigint | null}
 */
function toBig(v) {
  if (typeof v === "bigint") return v >= 0n ? v : null;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v === "string" && /^[0-9]{1,78}$/.test(v)) return BigInt(v);
  return null;
}

/**
 * @param {unknown} v
 * @param {bigint} modulus
 */
function isFieldString(v, modulus) {
  return typeof v === "string" && /^[0-9]{1,78}$/.test(v) && BigInt(v) < modulus;
}

/**
 * The shape of a snarkjs Groth16 proof with coordinates in the base field (as prover/prove/verify.ts).
 * @param {unknown} proof
 * @returns {proof is Groth16Proof}
 */
function isGroth16ProofShape(proof) {
  /** @param {unknown} a @param {number} n */
  const pt = (a, n) =>
    Array.isArray(a) && a.length >= n && a.slice(0, n).every((x) => isFieldString(x, BASE_FIELD));
  if (!isObject(proof)) return false;
  const b = proof.pi_b;
  return (
    pt(proof.pi_a, 2) &&
    pt(proof.pi_c, 2) &&
    Array.isArray(b) &&
    b.length >= 2 &&
    b.slice(0, 2).every((row) => pt(row, 2))
  );
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Unpacks figA, figB, figC (as `unpackFigures` of prover/model).
 * @param {bigint} figA @param {bigint} figB @param {bigint} figC
 * @returns {Figures}
 */
export function unpackFigures(figA, figB, figC) {
  /** @param {bigint} w @param {bigint} shift @param {bigint} bits */
  const at = (w, shift, bits) => (w >> shift) & ((1n << bits) - 1n);
  return {
    outstanding: at(figA, 0n, 62n),
    scheduled: at(figA, 62n, 62n),
    collected: at(figA, 124n, 62n),
    bucket30: at(figA, 186n, 62n),
    bucket60: at(figB, 0n, 62n),
    bucket90: at(figB, 62n, 62n),
    defaulted: at(figB, 124n, 62n),
    chargedOff: at(figB, 186n, 62n),
    scoreWeightedBalance: at(figC, 0n, 72n),
    maxLoanBalance: at(figC, 72n, 48n),
    activeCount: Number(at(figC, 120n, 16n)),
    minScore: Number(at(figC, 136n, 10n)),
    breaches: Number(at(figC, 146n, 16n)),
  };
}

/**
 * Unpacks a chunk's `pool` signal.
 * @param {bigint} w
 * @returns {PoolWord}
 */
export function unpackPoolWord(w) {
  return {
    poolId: w & ((1n << 64n) - 1n),
    period: Number((w >> 64n) & 0xffff_ffffn),
    asOfDate: Number((w >> 96n) & 0xffffn),
    chunkIndex: Number((w >> 112n) & 0xffffn),
    chunkCount: Number((w >> 128n) & 0xffffn),
    loanCount: Number((w >> 144n) & 0xffff_ffffn),
  };
}

/**
 * Aggregates chunk figures as the registry does, except the pool-level breach bits 3-7 (they need the
 * policy): sums, max, min, counts, and the OR of the loan-level bits 0-2.
 * @param {Figures[]} chunks  At least one.
 * @returns {Figures}
 */
export function aggregateWithoutPolicy(chunks) {
  /** @type {Record<string, bigint>} */
  const sums = {};
  for (const k of FIGURE_SUMS) sums[k] = chunks.reduce((a, c) => a + c[k], 0n);
  return {
    outstanding: /** @type {bigint} */ (sums.outstanding),
    scheduled: /** @type {bigint} */ (sums.scheduled),
    collected: /** @type {bigint} */ (sums.collected),
    bucket30: /** @type {bigint} */ (sums.bucket30),
    bucket60: /** @type {bigint} */ (sums.bucket60),
    bucket90: /** @type {bigint} */ (sums.bucket90),
    defaulted: /** @type {bigint} */ (sums.defaulted),
    chargedOff: /** @type {bigint} */ (sums.chargedOff),
    scoreWeightedBalance: /** @type {bigint} */ (sums.scoreWeightedBalance),
    maxLoanBalance: chunks.reduce((a, c) => (c.maxLoanBalance > a ? c.maxLoanBalance : a), 0n),
    activeCount: chunks.reduce((a, c) => a + c.activeCount, 0),
    minScore: chunks.reduce((a, c) => Math.min(a, c.minScore), 1023),
    breaches: chunks.reduce((a, c) => a | (c.breaches & LOAN_LEVEL_BREACHES), 0),
  };
}

/**
 * The registry's hash of an originator key: Poseidon(Ax, Ay, registry | chainId << 160). Throws a TypeError
 * naming a malformed field.
 * @param {(inputs: bigint[]) => bigint} poseidon
 * @param {unknown} publicKey  [Ax, Ay]
 * @param {unknown} registry  A 20-byte hex address.
 * @param {unknown} chainId
 * @returns {bigint}
 */
export function registryKeyHash(poseidon, publicKey, registry, chainId) {
  if (typeof registry !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(registry))
    throw new TypeError(`registry: expected a 20-byte hex address, got ${String(registry)}`);
  const chain = toBig(chainId);
  if (chain === null || chain >= 1n << 64n)
    throw new TypeError(`chainId: expected an unsigned 64-bit integer, got ${String(chainId)}`);
  if (!Array.isArray(publicKey) || publicKey.length !== 2)
    throw new TypeError("publicKey: expected [Ax, Ay]");
  const [ax, ay] = publicKey.map((v, i) => {
    const b = toBig(v);
    if (b === null || b >= SCALAR_FIELD)
      throw new TypeError(`publicKey[${i}]: expected a field element, got ${String(v)}`);
    return b;
  });
  return poseidon([
    /** @type {bigint} */ (ax),
    /** @type {bigint} */ (ay),
    BigInt(registry) | (chain << 160n),
  ]);
}

/**
 * Checks an attestation (parsed JSON; big numbers as decimal strings or bigints) as an auditor would.
 * @param {unknown} att
 * @param {CheckDeps} deps
 * @returns {Promise<CheckResult>}
 */
export async function checkAttestation(att, deps) {
  /** @type {string[]} */
  const problems = [];
  /** @type {ChunkResult[]} */
  const chunks = [];
  const notes = [NOTE_POLICY];
  /** @param {string[]} p */
  const fail = (p) => ({ valid: false, problems: p, chunks, figures: null, notes });
  const progress = deps.onProgress ?? (() => {});

  if (!isObject(att) || !Array.isArray(att.chunks)) return fail(["not an attestation"]);
  if (att.format !== FORMAT) problems.push(`format: expected ${FORMAT}, got ${String(att.format)}`);
  const list = /** @type {unknown[]} */ (att.chunks);
  if (typeof att.instance !== "string" || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(att.instance))
    return fail([...problems, `instance: expected a circuit instance name, got ${String(att.instance)}`]);

  progress({ stage: "key", done: 0, total: list.length });
  /** @type {VerificationKey} */
  let vkey;
  try {
    vkey = await deps.fetchVkey(att.instance);
  } catch (err) {
    return fail([...problems, `instance: no verification key for "${att.instance}" (${message(err)})`]);
  }
  if (!isObject(vkey) || vkey.protocol !== "groth16" || typeof vkey.nPublic !== "number")
    return fail([...problems, `instance: "${att.instance}" has no Groth16 verification key`]);
  if (vkey.nPublic !== POOL_SIGNALS.length)
    return fail([...problems, `instance: "${att.instance}" is not a pool attestation circuit`]);

  // the summary fields every chunk is compared with (a malformed one is a problem, and fails every chunk)
  const chunkCount = att.chunkCount;
  if (!Number.isSafeInteger(chunkCount) || /** @type {number} */ (chunkCount) < 1)
    problems.push(`chunkCount: expected a positive integer, got ${String(chunkCount)}`);
  /** @type {Record<string, bigint | null>} */
  const summary = {};
  for (const name of ["poolId", "root", "policyHash", "keyHash"]) {
    summary[name] = toBig(att[name]);
    if (summary[name] === null) problems.push(`${name}: expected a decimal string, got ${String(att[name])}`);
  }
  for (const name of ["period", "asOfDate"])
    if (!Number.isSafeInteger(att[name]))
      problems.push(`${name}: expected an integer, got ${String(att[name])}`);

  if (list.length !== chunkCount) problems.push(`has ${list.length} chunks, says ${String(chunkCount)}`);
  try {
    const kh = registryKeyHash(deps.poseidon, att.publicKey, att.registry, att.chainId);
    if (summary.keyHash !== null && kh !== summary.keyHash)
      problems.push("keyHash: is not the hash of publicKey for this registry and chain");
  } catch (err) {
    problems.push(message(err));
  }

  /** @type {Set<number>} */
  const seen = new Set();
  /** @type {Figures[]} */
  const figures = [];
  for (let position = 0; position < list.length; position++) {
    progress({ stage: "chunk", done: position, total: list.length });
    const c = list[position];
    /** @type {ChunkResult} */
    const r = { position, chunkIndex: null, proofValid: false, pool: null, figures: null, problems: [] };
    chunks.push(r);
    /** @param {string} p */
    const report = (p) => {
      r.problems.push(p);
      problems.push(p);
    };
    if (!isObject(c)) {
      report(`chunks[${position}]: not a chunk proof`);
      continue;
    }
    if (Number.isSafeInteger(c.chunkIndex)) r.chunkIndex = /** @type {number} */ (c.chunkIndex);
    const where = `chunk ${r.chunkIndex ?? `[${position}]`}`;
    const signals = c.publicSignals;
    let ok = false;
    if (
      Array.isArray(signals) &&
      signals.length === vkey.nPublic &&
      signals.every((s) => isFieldString(s, SCALAR_FIELD)) &&
      isGroth16ProofShape(c.proof)
    ) {
      try {
        ok = (await deps.groth16Verify(vkey, /** @type {string[]} */ (signals), c.proof)) === true;
      } catch {
        ok = false;
      }
    }
    r.proofValid = ok;
    if (!ok) {
      report(`${where}: the proof does not verify`);
      continue;
    }
    const verified = /** @type {string[]} */ (signals);
    /** @param {string} name */
    const get = (name) => BigInt(/** @type {string} */ (verified[POOL_SIGNALS.indexOf(name)]));
    const fields = unpackPoolWord(get("pool"));
    r.pool = fields;
    r.figures = unpackFigures(get("figA"), get("figB"), get("figC"));
    figures.push(r.figures);
    if (fields.chunkIndex !== c.chunkIndex) report(`${where}: proves chunk ${fields.chunkIndex}`);
    if (seen.has(fields.chunkIndex)) report(`${where}: duplicate chunk`);
    seen.add(fields.chunkIndex);
    if (fields.chunkCount !== chunkCount) report(`${where}: proves ${fields.chunkCount} chunks`);
    if (fields.loanCount !== att.loanCount)
      report(`${where}: proves ${fields.loanCount} loans, the attestation says ${String(att.loanCount)}`);
    if (fields.poolId !== summary.poolId) report(`${where}: is for pool ${fields.poolId}`);
    if (fields.period !== att.period) report(`${where}: is for period ${fields.period}`);
    if (fields.asOfDate !== att.asOfDate) report(`${where}: is as of day ${fields.asOfDate}`);
    if (get("root") !== summary.root) report(`${where}: has another tape root`);
    if (get("policyHash") !== summary.policyHash) report(`${where}: is under another policy`);
    if (get("keyHash") !== summary.keyHash)
      report(`${where}: is signed by another key, or for another chain or registry`);
  }
  if (Number.isSafeInteger(chunkCount) && chunks.every((r) => r.proofValid)) {
    const missing = [];
    for (let i = 0; i < /** @type {number} */ (chunkCount) && i < 65536; i++)
      if (!seen.has(i)) missing.push(i);
    for (const i of missing.slice(0, 8)) problems.push(`chunk ${i}: missing`);
    if (missing.length > 8) problems.push(`and ${missing.length - 8} more chunks missing`);
  }

  progress({ stage: "figures", done: list.length, total: list.length });
  /** @type {Figures | null} */
  let aggregate = null;
  // figures are compared once the chunks are exactly 0..n-1, each proof verified (other problems, such as a
  // key hash for another registry, do not hide a figure the proofs contradict)
  const complete =
    figures.length > 0 &&
    figures.length === list.length &&
    list.length === chunkCount &&
    seen.size === list.length &&
    [...seen].every((i) => i < list.length);
  if (complete) {
    aggregate = aggregateWithoutPolicy(figures);
    const claimed = att.figures;
    if (!isObject(claimed)) problems.push("figures: missing");
    else
      for (const [k, v] of Object.entries(aggregate)) {
        const c = claimed[k];
        if (k === "breaches") {
          const bits =
            typeof c === "number" && Number.isSafeInteger(c) && c >= 0 ? c & LOAN_LEVEL_BREACHES : null;
          if (bits !== v)
            problems.push(
              `figures.breaches: the proofs say loan-level bits ${v}, the summary says ${String(c)} (bits ${String(bits)})`,
            );
        } else if (toBig(c) === null || toBig(c) !== BigInt(v)) {
          problems.push(`figures.${k}: the proofs say ${v}, the summary says ${String(c)}`);
        }
      }
  }
  progress({ stage: "done", done: list.length, total: list.length });
  return { valid: problems.length === 0, problems, chunks, figures: aggregate, notes };
}
