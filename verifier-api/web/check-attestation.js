// @ts-check
/**
 * The auditor's check of a pool attestation ("rwa-attest/attestation@1", the JSON of `attestationToJson` in
 * prover/attest.ts), as a plain browser-ready ES module: no build step; it imports only its neighbours (the
 * layout codec pool-codec.js and the error model errors.js). The cryptography is
 * injected (snarkjs's `groth16.verify`, a circomlib-compatible Poseidon, the instance's verification key), so
 * the same code runs in the page at GET /verify and, with Node's snarkjs, in the tests.
 *
 * The checks and verdicts are those of `verifyAttestation` (prover/attest.ts): every chunk proof verifies
 * against the instance's verification key; the chunks are exactly 0..n-1; every chunk carries the
 * attestation's root, pool word (poolId, period, asOfDate, chunkCount, loanCount, its own chunkIndex), policyHash and
 * keyHash; keyHash = Poseidon(Ax, Ay, domain) with domain = registry | chainId << 160. Every summary figure is
 * compared with the one derived from the proofs' public signals, every breach bit included. A plain
 * attestation is one chunk (the registry accepts no other: a pool of several chunks is proven as chunk
 * commitments and an aggregation), and its figures, breach bits included, are its proof's as they are; a
 * plain attestation that says it has more chunks is refused with a `chunkCount` finding. Policy parameters
 * the attestation carries (or that are given) must hash (Poseidon of nine) to the policyHash the proofs
 * carry. The key the proofs verify with is named by its hash (`verificationKeyHash`, as
 * prover/prove/key.ts) and compared with the one the attestation names; a development key (so marked by the
 * attestation or by the service's catalogue) puts `DEVELOPMENT_KEY_WARNING` in the verdict.
 *
 * A committed attestation (several chunks, issue 14) carries no chunk figures: its chunk proofs are
 * PoolChunkCommitment proofs (root, pool, policyHash, keyHash, figCommit), checked as above but for their
 * figures, and its `aggregation` is one PoolAggregation proof (acc, figA, figB, figC): it must verify against
 * its instance's key, and its acc must be the chain of the chunks' commitments in the order listed
 * (chainOfCommitments: acc_1 = figCommit_1, acc_i = Poseidon(acc_{i-1}, figCommit_i), in the order the
 * registry chains them); the pool's
 * figures, every breach bit included, are the aggregation proof's.
 *
 * Malformed input gives problems, never an exception. The layout of the public signals (figure words, pool
 * word, domain word, breach bits, policy order) is the codec's, generated from circuits/layout.json.
 */
import {
  BREACH_NAMES,
  POLICY_MAX,
  POLICY_PARAMS,
  POLICY_VERSION,
  POOL_SIGNALS,
  CHUNK_COMMITMENT_SIGNALS,
  AGGREGATION_SIGNALS,
  packDomain,
  signalsByName,
  unpackFigures,
  unpackPoolWord,
} from "./pool-codec.js";
import { SCALAR_FIELD, invalid, isObject, parseUint } from "./errors.js";

/** The BN254 base field: proof coordinates are below it. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const FORMAT = "rwa-attest/attestation@1";

/** The verdict's warning for development keys (the same text as prover/prove/key.ts). */
export const DEVELOPMENT_KEY_WARNING =
  "development keys: this proof proves nothing about the tape on a real chain (the development setup's " +
  "secret, kept on the machine that built the keys, proves any statement)";

export const NOTE_KEY =
  "The verification key is the one the service's catalogue serves, taken on trust: compare its hash with " +
  "the one of the verifier registered on chain, or with one obtained out of band.";

/**
 * @typedef {{ pi_a: string[], pi_b: string[][], pi_c: string[] } & Record<string, unknown>} Groth16Proof
 * @typedef {{ protocol: string, curve?: string, nPublic: number } & Record<string, unknown>} VerificationKey
 *
 * @typedef {object} CheckDeps
 * @property {(vkey: VerificationKey, publicSignals: string[], proof: Groth16Proof) => Promise<boolean>} groth16Verify
 *   snarkjs's `groth16.verify`.
 * @property {(inputs: bigint[]) => bigint} poseidon  circomlib's Poseidon, of two inputs (the chain of a
 *   committed attestation's commitments), three (the key hash) and nine (the policy hash).
 * @property {(instance: string) => Promise<VerificationKey>} fetchVkey  The instance's verification key.
 * @property {(instance: string) => Promise<boolean | null>} [isDevelopmentKey]  Whether the key's source (the
 *   service's catalogue) marks it a development key; null when it does not say.
 * @property {string} [keySource]  Who marks keys as development keys, for messages (default "the service").
 * @property {unknown} [policy]  The policy's parameters given out of band (by name, as the attestation's
 *   `policy`), e.g. `rwa-attest verify-attestation --policy`: they must hash to the proven policyHash and
 *   take the place of the attestation's own.
 * @property {(data: Uint8Array) => Promise<Uint8Array>} [sha256]  SHA-256 (default: WebCrypto's, when the
 *   page has it: a secure context).
 * @property {(p: CheckProgress) => void} [onProgress]  Called before each step.
 *
 * @typedef {object} CheckProgress
 * @property {"key" | "chunk" | "figures" | "done"} stage
 * @property {number} done  Chunk proofs checked so far.
 * @property {number} total  Chunk proofs to check.
 *
 * @typedef {import("./pool-codec.js").Figures} Figures  A pool's (or one chunk's) figures.
 * @typedef {import("./pool-codec.js").PoolWord} PoolWord  The fields of a chunk proof's `pool` signal.
 *
 * @typedef {import("./errors.js").Problem} Problem  One finding: `{row?, field, value?, reason}`.
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
 * @property {Problem[]} findings  The same problems, structured: `{field, reason}` (the error model's shape).
 * @property {ChunkResult[]} chunks
 * @property {Figures | null} figures  Derived from the proofs, every breach bit included; null unless every
 *   chunk proof (and a committed attestation's aggregation proof) verifies and the chunks are exactly 0..n-1
 *   (one chunk for a plain attestation).
 * @property {string | null} vkeyHash  `verificationKeyHash` of the key the proofs were checked with (null when
 *   there is none, or no SHA-256 in this page).
 * @property {boolean} development  The key is a development key (by the attestation or the key's source).
 * @property {string[]} warnings  What a valid verdict must not hide (`DEVELOPMENT_KEY_WARNING`).
 * @property {string[]} notes  What this check does not cover.
 */

/**
 * A proof's public signals by name, in the order `names` lists them.
 * @param {readonly string[]} names
 * @param {readonly string[]} signals
 * @returns {Record<string, bigint>}
 */
function byName(names, signals) {
  return Object.fromEntries(names.map((name, i) => [name, BigInt(/** @type {string} */ (signals[i]))]));
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
 * The policy's parameters, in hash order, from an attestation's `policy` (integers, bigints or decimal
 * strings). Throws an invalid-input CodedError naming the first malformed field.
 * @param {unknown} policy
 * @returns {bigint[]}
 */
export function policyParams(policy) {
  if (!isObject(policy)) throw invalid("policy", "expected an object of the policy's parameters");
  const known = new Set([...POLICY_PARAMS, "version", "name", "description"]);
  for (const k of Object.keys(policy)) if (!known.has(k)) throw invalid(`policy.${k}`, "unknown field");
  if (policy.version !== undefined && policy.version !== POLICY_VERSION)
    throw invalid("policy.version", `expected ${POLICY_VERSION}, got ${String(policy.version)}`);
  return POLICY_PARAMS.map((k) => {
    const max = POLICY_MAX[k];
    const v = parseUint(policy[k]);
    if (v === null || v > max) throw invalid(`policy.${k}`, `expected an integer in [0, ${max}]`);
    return v;
  });
}

/**
 * The names of the breach bits set in `bits`: "6 concentration, 7 minPoolBalance".
 * @param {number} bits
 */
export function breachBitNames(bits) {
  return BREACH_NAMES.filter((_, i) => (bits & (1 << i)) !== 0)
    .map((name) => `${BREACH_NAMES.indexOf(name)} ${name}`)
    .join(", ");
}

/**
 * `verificationKeyHash` of prover/prove/key.ts: SHA-256 of nPublic, alpha1, beta2, gamma2, delta2 and every
 * IC point, each number a 32-byte big-endian word (G2 as x.c0, x.c1, y.c0, y.c1; G1 affine), as 0x + hex.
 * Throws an invalid-input CodedError on a malformed key.
 * @param {VerificationKey} vkey
 * @param {(data: Uint8Array) => Promise<Uint8Array>} sha256
 * @returns {Promise<string>}
 */
export async function verificationKeyHash(vkey, sha256) {
  /** @type {bigint[]} */
  const words = [];
  /** @param {unknown} v @param {string} what */
  const word = (v, what) => {
    const b = parseUint(v);
    if (b === null || b >= 1n << 256n) throw invalid(`vkey.${what}`, "expected a number");
    words.push(b);
  };
  /** @param {unknown} p @param {string} what @param {boolean} g2 */
  const point = (p, what, g2) => {
    if (!Array.isArray(p) || p.length < 2) throw invalid(`vkey.${what}`, "expected a curve point");
    if (!g2) {
      word(p[0], `${what}[0]`);
      word(p[1], `${what}[1]`);
      return;
    }
    for (const i of [0, 1]) {
      const c = p[i];
      if (!Array.isArray(c) || c.length < 2) throw invalid(`vkey.${what}[${i}]`, "expected [c0, c1]");
      word(c[0], `${what}[${i}][0]`);
      word(c[1], `${what}[${i}][1]`);
    }
  };
  const ic = vkey.IC;
  if (vkey.protocol !== "groth16") throw invalid("vkey", "not a Groth16 verification key");
  if (!Array.isArray(ic) || ic.length !== vkey.nPublic + 1)
    throw invalid("vkey.IC", "expected nPublic + 1 points");
  word(vkey.nPublic, "nPublic");
  point(vkey.vk_alpha_1, "vk_alpha_1", false);
  point(vkey.vk_beta_2, "vk_beta_2", true);
  point(vkey.vk_gamma_2, "vk_gamma_2", true);
  point(vkey.vk_delta_2, "vk_delta_2", true);
  ic.forEach((p, i) => point(p, `IC[${i}]`, false));
  const bytes = new Uint8Array(words.length * 32);
  words.forEach((w, i) => {
    for (let j = 0; j < 32; j++) bytes[i * 32 + 31 - j] = Number((w >> BigInt(8 * j)) & 0xffn);
  });
  const digest = await sha256(bytes);
  return "0x" + Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * WebCrypto's SHA-256 when this page has it (a secure context: https, localhost or a file), else null.
 * @returns {((data: Uint8Array) => Promise<Uint8Array>) | null}
 */
function webCryptoSha256() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  return async (data) => new Uint8Array(await subtle.digest("SHA-256", new Uint8Array(data)));
}

/**
 * A summary value equal to a derived number (bigint, safe integer or decimal string)?
 * @param {unknown} claimed
 * @param {bigint | number} derived
 */
function sameNumber(claimed, derived) {
  const c = parseUint(claimed);
  return c !== null && c === BigInt(derived);
}

/**
 * Compares every summary figure with the derived ones; one problem per field that differs (naming it and
 * both values, and for the breaches the bits that differ), and one per summary field that is not a figure.
 * @param {Figures} derived
 * @param {unknown} claimed
 * @returns {string[]}
 */
export function compareFigures(derived, claimed) {
  if (!isObject(claimed)) return ["figures: missing"];
  /** @type {string[]} */
  const problems = [];
  for (const [k, v] of Object.entries(derived)) {
    const c = claimed[k];
    if (typeof v === "number" && k === "breaches") {
      const bits = typeof c === "number" && Number.isSafeInteger(c) && c >= 0 ? c : null;
      if (bits === v) continue;
      const differ = bits === null ? "" : breachBitNames((bits ^ v) & 0xffff);
      problems.push(
        `figures.breaches: the proofs say ${v}, the summary says ${String(c)}${differ ? ` (bits that differ: ${differ})` : ""}`,
      );
    } else if (!sameNumber(c, v)) {
      problems.push(`figures.${k}: the proofs say ${v}, the summary says ${String(c)}`);
    }
  }
  for (const k of Object.keys(claimed))
    if (!Object.hasOwn(derived, k))
      problems.push(`figures.${k}: not a figure of the proofs (the summary says ${String(claimed[k])})`);
  return problems;
}

/**
 * The chain of a committed attestation's chunk commitments in the order the registry accepted them, the
 * aggregation proof's `acc` (docs/INTERFACES.md): acc_1 = figCommit_1 (already a hash: the chunk that opens a
 * batch costs no on-chain Poseidon), acc_i = Poseidon(acc_{i-1}, figCommit_i); 0 for no commitment. The one
 * statement of the rule in TypeScript; the registry (submitChunkCommitment) and PoolAggregation follow it.
 * @param {(inputs: bigint[]) => bigint} poseidon  Poseidon of two inputs
 * @param {readonly bigint[]} commitments
 * @returns {bigint}
 */
export function chainOfCommitments(poseidon, commitments) {
  let acc = 0n;
  commitments.forEach((c, i) => {
    acc = i === 0 ? c : poseidon([acc, c]);
  });
  return acc;
}

/**
 * The registry's hash of an originator key: Poseidon(Ax, Ay, registry | chainId << 160). Throws an
 * invalid-input CodedError naming a malformed field.
 * @param {(inputs: bigint[]) => bigint} poseidon
 * @param {unknown} publicKey  [Ax, Ay]
 * @param {unknown} registry  A 20-byte hex address.
 * @param {unknown} chainId
 * @returns {bigint}
 */
export function registryKeyHash(poseidon, publicKey, registry, chainId) {
  if (typeof registry !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(registry))
    throw invalid("registry", `expected a 20-byte hex address, got ${String(registry)}`);
  const chain = parseUint(chainId);
  if (chain === null) throw invalid("chainId", `expected an unsigned integer, got ${String(chainId)}`);
  const domain = packDomain(registry, chain);
  if (!Array.isArray(publicKey) || publicKey.length !== 2) throw invalid("publicKey", "expected [Ax, Ay]");
  const [ax, ay] = publicKey.map((v, i) => {
    const b = parseUint(v);
    if (b === null || b >= SCALAR_FIELD)
      throw invalid(`publicKey[${i}]`, `expected a field element, got ${String(v)}`);
    return b;
  });
  return poseidon([/** @type {bigint} */ (ax), /** @type {bigint} */ (ay), domain]);
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
  const notes = [NOTE_KEY];
  /** @type {string[]} */
  const warnings = [];
  /** @param {string[]} p @returns {CheckResult} */
  const fail = (p) => ({
    valid: false,
    problems: p,
    findings: p.map(findingOf),
    chunks,
    figures: null,
    vkeyHash: null,
    development: false,
    warnings,
    notes,
  });
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
  // a committed attestation (it carries an aggregation proof) lists PoolChunkCommitment proofs
  const committed = att.aggregation !== undefined;
  const chunkSignals = committed ? CHUNK_COMMITMENT_SIGNALS : POOL_SIGNALS;
  if (vkey.nPublic !== chunkSignals.length)
    return fail([
      ...problems,
      `instance: "${att.instance}" is not a ${committed ? "chunk commitment" : "pool attestation"} circuit`,
    ]);

  // the key: its hash, the one the attestation names, and whether it is a development key
  /** @type {string | null} */
  let vkeyHash = null;
  const sha256 = deps.sha256 ?? webCryptoSha256();
  if (sha256 === null)
    notes.push("No SHA-256 in this page (not a secure context): the key's hash is not shown.");
  else
    try {
      vkeyHash = await verificationKeyHash(vkey, sha256);
    } catch (err) {
      return fail([
        ...problems,
        `instance: "${att.instance}" has a malformed verification key (${message(err)})`,
      ]);
    }
  /** @type {boolean | null} */
  let sourceSaysDevelopment = null;
  try {
    sourceSaysDevelopment = deps.isDevelopmentKey ? await deps.isDevelopmentKey(att.instance) : null;
  } catch {
    sourceSaysDevelopment = null;
  }
  const claimedKey = att.verificationKey;
  const claimsDevelopment = isObject(claimedKey) && claimedKey.development === true;
  const development = sourceSaysDevelopment === true || claimsDevelopment;
  if (development) warnings.push(DEVELOPMENT_KEY_WARNING);
  if (claimedKey !== undefined) {
    if (!isObject(claimedKey)) problems.push("verificationKey: expected {hash, development}");
    else {
      if (vkeyHash !== null && claimedKey.hash !== vkeyHash)
        problems.push(
          `verificationKey.hash: the attestation names ${String(claimedKey.hash)}, its proofs are checked against ${vkeyHash} (the key of ${att.instance})`,
        );
      if (sourceSaysDevelopment !== null && claimedKey.development !== sourceSaysDevelopment)
        problems.push(
          `verificationKey.development: the attestation says ${String(claimedKey.development)}, ${deps.keySource ?? "the service"} marks the key ${sourceSaysDevelopment ? "a development key" : "a production key"}`,
        );
    }
  }

  // the summary fields every chunk is compared with (a malformed one is a problem, and fails every chunk)
  const chunkCount = att.chunkCount;
  if (!Number.isSafeInteger(chunkCount) || /** @type {number} */ (chunkCount) < 1)
    problems.push(`chunkCount: expected a positive integer, got ${String(chunkCount)}`);
  else if (!committed && /** @type {number} */ (chunkCount) > 1)
    problems.push(
      `chunkCount: a plain attestation proves one chunk, this one says ${String(chunkCount)} (a pool of several chunks is attested by chunk commitment proofs and an aggregation proof, which it does not carry)`,
    );
  if (!Number.isSafeInteger(att.loanCount) || /** @type {number} */ (att.loanCount) < 1)
    problems.push(`loanCount: expected a positive integer, got ${String(att.loanCount)}`);
  /** @type {Record<string, bigint | null>} */
  const summary = {};
  for (const name of ["poolId", "root", "policyHash", "keyHash"]) {
    summary[name] = parseUint(att[name]);
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
  /** @type {bigint | null} the policyHash the first verified proof carries */
  let provenPolicyHash = null;
  /** @type {bigint[]} a committed attestation's chunk commitments, in the order listed */
  const commitments = [];
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
    const named = committed
      ? byName(chunkSignals, /** @type {string[]} */ (signals))
      : /** @type {Record<string, bigint>} */ (
          /** @type {unknown} */ (signalsByName(/** @type {string[]} */ (signals)))
        );
    /** @param {string} name */
    const get = (name) => /** @type {bigint} */ (named[name]);
    const fields = unpackPoolWord(get("pool"));
    r.pool = fields;
    if (committed) commitments.push(get("figCommit"));
    else {
      r.figures = unpackFigures(get("figA"), get("figB"), get("figC"));
      figures.push(r.figures);
    }
    provenPolicyHash ??= get("policyHash");
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

  /** @type {Figures | null} the pool's figures a committed attestation's aggregation proof proves */
  let aggregated = null;
  if (committed) {
    const agg = att.aggregation;
    if (!isObject(agg) || typeof agg.instance !== "string" || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(agg.instance))
      problems.push("aggregation: expected {instance, proof, publicSignals}");
    else {
      /** @type {VerificationKey | null} */
      let aggKey = null;
      try {
        aggKey = await deps.fetchVkey(agg.instance);
      } catch (err) {
        problems.push(`aggregation: no verification key for "${agg.instance}" (${message(err)})`);
      }
      if (aggKey !== null && (!isObject(aggKey) || aggKey.nPublic !== AGGREGATION_SIGNALS.length))
        problems.push(`aggregation: "${agg.instance}" is not a pool aggregation circuit`);
      else if (aggKey !== null) {
        try {
          if (deps.isDevelopmentKey && (await deps.isDevelopmentKey(agg.instance)) === true && !development)
            warnings.push(DEVELOPMENT_KEY_WARNING);
        } catch {
          // the key's source does not say
        }
        const signals = agg.publicSignals;
        let ok = false;
        if (
          Array.isArray(signals) &&
          signals.length === AGGREGATION_SIGNALS.length &&
          signals.every((x) => isFieldString(x, SCALAR_FIELD)) &&
          isGroth16ProofShape(agg.proof)
        ) {
          try {
            ok = (await deps.groth16Verify(aggKey, /** @type {string[]} */ (signals), agg.proof)) === true;
          } catch {
            ok = false;
          }
        }
        if (!ok) problems.push("aggregation: the proof does not verify");
        else {
          const named = byName(AGGREGATION_SIGNALS, /** @type {string[]} */ (signals));
          const acc = chainOfCommitments(deps.poseidon, commitments);
          if (commitments.length !== list.length) {
            // a chunk proof that does not verify is reported above; the chain cannot be checked
          } else if (acc !== named.acc)
            problems.push(
              "aggregation: its acc is not the chain of the listed chunks' commitments (other chunks, or another order)",
            );
          else
            aggregated = unpackFigures(
              /** @type {bigint} */ (named.figA),
              /** @type {bigint} */ (named.figB),
              /** @type {bigint} */ (named.figC),
            );
        }
      }
    }
  }

  progress({ stage: "figures", done: list.length, total: list.length });
  // the policy's parameters, checked against the policyHash the proofs carry (the summary's when none does)
  const under = provenPolicyHash ?? summary.policyHash;
  if (deps.policy !== undefined) {
    try {
      const p = policyParams(deps.policy);
      const h = deps.poseidon([BigInt(POLICY_VERSION), ...p]);
      if (h !== under)
        problems.push(
          `the policy given is not the attested one: it hashes to ${h}, the proofs are under ${String(under)}`,
        );
    } catch (err) {
      problems.push(`the policy given: ${message(err)}`);
    }
  }
  if (att.policy !== undefined) {
    try {
      const p = policyParams(att.policy);
      const h = deps.poseidon([BigInt(POLICY_VERSION), ...p]);
      if (h !== under)
        problems.push(
          `policy: the parameters hash to ${h}, the proofs are under policyHash ${String(under)}`,
        );
    } catch (err) {
      problems.push(message(err));
    }
  }
  /** @type {Figures | null} */
  let aggregate = null;
  // figures are compared once the chunks are exactly 0..n-1, each proof verified (other problems, such as a
  // key hash for another registry, do not hide a figure the proofs contradict): a committed attestation's
  // are its aggregation proof's, a plain one's its one chunk's (its circuit evaluated every breach bit, the
  // pool-level ones under the proven policyHash)
  const complete =
    list.length > 0 &&
    list.length === chunkCount &&
    seen.size === list.length &&
    [...seen].every((i) => i < list.length);
  if (complete && committed && aggregated !== null && commitments.length === list.length)
    aggregate = aggregated;
  else if (complete && !committed && list.length === 1 && figures.length === 1)
    aggregate = /** @type {Figures} */ (figures[0]);
  if (aggregate !== null) problems.push(...compareFigures(aggregate, att.figures));
  progress({ stage: "done", done: list.length, total: list.length });
  return {
    valid: problems.length === 0,
    problems,
    findings: problems.map(findingOf),
    chunks,
    figures: aggregate,
    vkeyHash,
    development,
    warnings,
    notes,
  };
}

/**
 * A problem line of the checker (`chunk 2: the proof does not verify`, `figures.outstanding: …`) as a
 * structured finding: the field before the first ": " (a name without spaces), the reason after it; a line
 * without one is a finding about the whole attestation.
 * @param {string} line
 * @returns {Problem}
 */
export function findingOf(line) {
  const m = /^([^\s:]+(?: [0-9]+)?): (.*)$/s.exec(line);
  return m
    ? { field: /** @type {string} */ (m[1]), reason: /** @type {string} */ (m[2]) }
    : { field: "attestation", reason: line };
}

/**
 * The attestation inside what an auditor may have: the attestation itself, or the API's response to
 * `GET /v1/attestations/{id}` (`{id, poolId, …, data: <attestation>}`). Anything else is returned as it is
 * (and refused by `checkAttestation`).
 * @param {unknown} value
 * @returns {{ attestation: unknown, envelope: Record<string, unknown> | null }}
 */
export function unwrapAttestation(value) {
  if (
    isObject(value) &&
    !Array.isArray(value.chunks) &&
    isObject(value.data) &&
    Array.isArray(value.data.chunks)
  )
    return { attestation: value.data, envelope: value };
  return { attestation: value, envelope: null };
}

/**
 * An amount of minor units as major units with `decimals` places and thousands separators, then the
 * currency: formatAmount(123456789n, 2, "USD") is "1,234,567.89 USD". Null for what is not an amount.
 * @param {unknown} minor
 * @param {number} [decimals]
 * @param {string} [currency]
 */
export function formatAmount(minor, decimals = 2, currency = "") {
  const v = parseUint(minor);
  if (v === null || !Number.isSafeInteger(decimals) || decimals < 0 || decimals > 18) return null;
  const unit = 10n ** BigInt(decimals);
  const whole = (v / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals > 0 ? "." + (v % unit).toString().padStart(decimals, "0") : "";
  return `${whole}${frac}${currency ? ` ${currency}` : ""}`;
}

/**
 * A day number (days since 1970-01-01, as asOfDate) as an ISO date: formatDay(20400) is "2025-11-08".
 * @param {unknown} day
 */
export function formatDay(day) {
  if (!Number.isSafeInteger(day) || /** @type {number} */ (day) < 0 || /** @type {number} */ (day) > 65535)
    return null;
  return new Date(/** @type {number} */ (day) * 86_400_000).toISOString().slice(0, 10);
}

/** The figures that are amounts of the tape's currency (minor units); the others are counts and scores. */
export const AMOUNT_FIGURES = Object.freeze([
  "outstanding",
  "scheduled",
  "collected",
  "bucket30",
  "bucket60",
  "bucket90",
  "defaulted",
  "chargedOff",
  "maxLoanBalance",
]);

/**
 * Each breach bit with its name, the covenant it stands for with the policy's threshold (when the policy's
 * parameters are known), and whether it is set: what the page lists under the figures.
 * @param {number} bits
 * @param {unknown} policy  The attestation's `policy` (parameters by name), or undefined.
 * @param {(minor: unknown) => string} [amount]  How to show minPoolBalance.
 * @returns {{ bit: number, name: string, covenant: string, set: boolean }[]}
 */
export function describeBreaches(bits, policy, amount = (v) => String(v)) {
  /** @type {bigint[] | null} */
  let p = null;
  try {
    p = policy === undefined ? null : policyParams(policy);
  } catch {
    p = null;
  }
  /** @param {keyof import("./pool-codec.js").PolicyParams} k */
  const at = (k) => (p === null ? null : /** @type {bigint} */ (p[POLICY_PARAMS.indexOf(k)]));
  /** @param {bigint | null} bps */
  const pct = (bps) => (bps === null ? "the limit" : `${formatAmount(bps, 2)}%`);
  /** @param {string} text @param {bigint | null} v */
  const limit = (text, v) => (v === null ? `${text} (limit not known: no policy parameters)` : text);
  const covenants = [
    limit(
      `an active loan's credit score is below ${at("minCreditScore") ?? "the minimum"}`,
      at("minCreditScore"),
    ),
    limit(
      `an active loan is more than ${at("maxDaysPastDue") ?? "the maximum"} days past due`,
      at("maxDaysPastDue"),
    ),
    limit(
      at("maxLtvBps") === 0n
        ? "no LTV limit (maxLtvBps 0)"
        : `an active secured loan's loan-to-value is above ${pct(at("maxLtvBps"))}`,
      at("maxLtvBps"),
    ),
    limit(
      `loans 30+ days past due are above ${pct(at("maxBucket30Bps"))} of the outstanding balance`,
      at("maxBucket30Bps"),
    ),
    limit(
      `loans 60+ days past due are above ${pct(at("maxBucket60Bps"))} of the outstanding balance`,
      at("maxBucket60Bps"),
    ),
    limit(
      `loans 90+ days past due are above ${pct(at("maxBucket90Bps"))} of the outstanding balance`,
      at("maxBucket90Bps"),
    ),
    limit(
      `the largest loan is above ${pct(at("maxConcentrationBps"))} of the outstanding balance`,
      at("maxConcentrationBps"),
    ),
    limit(
      `the outstanding balance is below ${at("minPoolBalance") === null ? "the minimum" : amount(at("minPoolBalance"))}`,
      at("minPoolBalance"),
    ),
  ];
  return BREACH_NAMES.map((name, bit) => ({
    bit,
    name,
    covenant: /** @type {string} */ (covenants[bit]),
    set: (bits & (1 << bit)) !== 0,
  }));
}
