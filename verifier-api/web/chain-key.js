// @ts-check
/**
 * The verification key checked against the chain, as a plain browser-ready ES module (it imports only
 * the error model errors.js; no build step; plain `fetch` JSON-RPC, no ethers): the key the page verifies proofs with comes from the service (or
 * is embedded in a self-contained page), so an auditor who does not trust the service checks it against the
 * verifier the registry has registered for the circuit instance.
 *
 * How (contracts/AttestationRegistry.sol, contracts/verifiers/*.sol):
 * 1. `eth_chainId` of the endpoint must be the attestation's chain id; the registry must have code there.
 * 2. `verifierRecord(keccak256(instance), version)` for versions 1, 2, … until an empty record (at most
 *    `MAX_VERSIONS`): each registered verifier's address and whether it is retired.
 * 3. Each verifier's runtime code (`eth_getCode`): the generated Groth16 verifier embeds the key's points as
 *    constants, which solc emits as PUSH immediates. The code is walked opcode by opcode (push data skipped,
 *    the trailing CBOR metadata cut off), and its large constants (≥ 2^128, the field moduli r and q aside)
 *    must be exactly the key's 30 coordinates for 7 public signals: every coordinate of alpha, beta, gamma,
 *    delta and each IC point, and nothing else. The order is not relied on (the optimizer reorders the IC
 *    coordinates), so both sides are named by `constantsDigest`: SHA-256 of the sorted 32-byte words.
 * 4. Constants alone do not show the code uses them (a contract could carry them and answer true to
 *    anything), so the verifier is also called (`eth_call verifyProof`) with the attestation's chunk proofs,
 *    which it must accept, and with the first one's public signal `figA` changed, which it must refuse.
 * What this does not show: that the code around the constants is snarkjs's verifier template (compare the
 * verifier's source on a block explorer for that), nor that the registry's governance is trustworthy.
 */
import { invalid } from "./errors.js";

/** The BN254 scalar field r and base field q: constants of every verifier, not of the key. */
const FIELD_MODULI = new Set([
  21888242871839275222246405745257275088548364400416034343698204186575808495617n,
  21888242871839275222246405745257275088696311157297823662689037894645226208583n,
]);

/** Registered versions looked up per instance. */
export const MAX_VERSIONS = 16;

/**
 * @typedef {{ protocol: string, nPublic: number } & Record<string, unknown>} VerificationKey
 * @typedef {{ pi_a: string[], pi_b: string[][], pi_c: string[] }} Groth16Proof
 * @typedef {(method: string, params: unknown[]) => Promise<unknown>} Rpc
 *
 * @typedef {object} VerifierCheck  One registered verifier of the instance.
 * @property {number} version
 * @property {string} address
 * @property {boolean} retired
 * @property {string} constantsDigest  Of the key constants its code embeds.
 * @property {number} missing  Coordinates of the page's key its code does not embed.
 * @property {number} extra  Large constants in its code that are not the key's.
 * @property {boolean | null} acceptsProofs  It accepts every chunk proof (null: not called).
 * @property {boolean | null} refusesTampered  It refuses a proof with a changed signal (null: not called).
 *
 * @typedef {object} ChainKeyResult
 * @property {"match" | "mismatch" | "error"} status
 * @property {string} message  One sentence for the verdict, naming both sides on a mismatch.
 * @property {string} keyDigest  `constantsDigest` of the page's key.
 * @property {VerifierCheck[]} verifiers
 */

// ------------------------------------------------------------------ keccak-256 (Ethereum's, not SHA3-256)

const MASK64 = (1n << 64n) - 1n;
const ROUND_CONSTANTS = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
/** Rotation offsets r[x][y]. */
const ROTATIONS = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];

/** @param {bigint} v @param {number} n */
const rotl = (v, n) => (n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & MASK64);

/** @param {bigint[]} a  25 lanes, index x + 5y. */
function keccakF(a) {
  const lane = /** @param {number} i */ (i) => /** @type {bigint} */ (a[i]);
  for (const rc of ROUND_CONSTANTS) {
    const c = [0, 1, 2, 3, 4].map((x) => lane(x) ^ lane(x + 5) ^ lane(x + 10) ^ lane(x + 15) ^ lane(x + 20));
    for (let x = 0; x < 5; x++) {
      const d = /** @type {bigint} */ (c[(x + 4) % 5]) ^ rotl(/** @type {bigint} */ (c[(x + 1) % 5]), 1);
      for (let y = 0; y < 5; y++) a[x + 5 * y] = lane(x + 5 * y) ^ d;
    }
    /** @type {bigint[]} */
    const b = new Array(25).fill(0n);
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++)
        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(
          lane(x + 5 * y),
          /** @type {number} */ (/** @type {number[]} */ (ROTATIONS[x])[y]),
        );
    const bl = /** @param {number} i */ (i) => /** @type {bigint} */ (b[i]);
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++)
        a[x + 5 * y] = bl(x + 5 * y) ^ (~bl(((x + 1) % 5) + 5 * y) & MASK64 & bl(((x + 2) % 5) + 5 * y));
    a[0] = lane(0) ^ rc;
  }
}

/**
 * Ethereum's keccak-256 of bytes, as 0x + 64 hex digits.
 * @param {Uint8Array} data
 */
export function keccak256(data) {
  const rate = 136;
  const padded = new Uint8Array((Math.floor(data.length / rate) + 1) * rate);
  padded.set(data);
  padded[data.length] = 0x01;
  padded[padded.length - 1] = /** @type {number} */ (padded[padded.length - 1]) | 0x80;
  /** @type {bigint[]} */
  const a = new Array(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let v = 0n;
      for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(/** @type {number} */ (padded[off + 8 * i + j]));
      a[i] = /** @type {bigint} */ (a[i]) ^ v;
    }
    keccakF(a);
  }
  let hex = "0x";
  for (let i = 0; i < 4; i++) {
    const v = /** @type {bigint} */ (a[i]);
    for (let j = 0; j < 8; j++)
      hex += Number((v >> BigInt(8 * j)) & 0xffn)
        .toString(16)
        .padStart(2, "0");
  }
  return hex;
}

/** @param {string} text */
const keccakText = (text) => keccak256(new TextEncoder().encode(text));

/** The 4-byte selector of a function signature, as 0x + 8 hex digits. */
export const selector = /** @param {string} signature */ (signature) => keccakText(signature).slice(0, 10);

/** The registry's circuit id of an instance: keccak256 of its name (deploy/index.ts `circuitId`). */
export const circuitId = /** @param {string} instance */ (instance) => keccakText(instance);

// ------------------------------------------------------------------ bytecode

/**
 * The values of every PUSH1..PUSH32 immediate of EVM code, walking opcodes (push data is skipped, so bytes
 * inside it are never read as opcodes), after cutting off the trailing CBOR metadata solc appends (its length
 * is the code's last two bytes).
 * @param {string} hex  0x-prefixed runtime code.
 * @returns {bigint[]}
 */
export function pushedConstants(hex) {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw invalid("code", "not hex bytes");
  const bytes = Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
  let end = bytes.length;
  if (end >= 2) {
    const meta = ((bytes[end - 2] ?? 0) << 8) | (bytes[end - 1] ?? 0);
    // solc's metadata is a CBOR map of one to three entries (0xa1..0xa3) whose first key is a short text
    // string ("ipfs", "solc": 0x64; "bzzr0", "bzzr1": 0x65); anything else is code, not metadata
    const head = bytes[end - 2 - meta] ?? 0;
    const key = bytes[end - 1 - meta] ?? 0;
    if (meta + 2 <= end && head >= 0xa1 && head <= 0xa3 && (key === 0x64 || key === 0x65)) end -= meta + 2;
  }
  /** @type {bigint[]} */
  const out = [];
  for (let i = 0; i < end; i++) {
    const op = /** @type {number} */ (bytes[i]);
    if (op >= 0x60 && op <= 0x7f) {
      const n = op - 0x5f;
      let v = 0n;
      for (let j = 1; j <= n && i + j < end; j++)
        v = (v << 8n) | BigInt(/** @type {number} */ (bytes[i + j]));
      out.push(v);
      i += n;
    }
  }
  return out;
}

/**
 * Every coordinate of a Groth16 key (alpha, beta, gamma, delta, IC), as numbers. Throws on a malformed key.
 * @param {VerificationKey} vkey
 * @returns {bigint[]}
 */
export function keyCoordinates(vkey) {
  /** @type {bigint[]} */
  const out = [];
  /** @param {unknown} v */
  const num = (v) => {
    if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v)) throw invalid("vkey", "malformed coordinate");
    out.push(BigInt(v));
  };
  /** @param {unknown} p @param {boolean} g2 */
  const point = (p, g2) => {
    if (!Array.isArray(p) || p.length < 2) throw invalid("vkey", "malformed point");
    for (const c of p.slice(0, 2))
      if (g2) {
        if (!Array.isArray(c) || c.length < 2) throw invalid("vkey", "malformed G2 point");
        num(c[0]);
        num(c[1]);
      } else num(c);
  };
  point(vkey.vk_alpha_1, false);
  for (const k of ["vk_beta_2", "vk_gamma_2", "vk_delta_2"]) point(vkey[k], true);
  if (!Array.isArray(vkey.IC)) throw invalid("vkey", "no IC points");
  for (const p of vkey.IC) point(p, false);
  return out;
}

/** The large constants of verifier code that can be key coordinates: ≥ 2^128, not a field modulus. */
export function keyConstantsOfCode(/** @type {string} */ hex) {
  return [...new Set(pushedConstants(hex).filter((v) => v >= 1n << 128n && !FIELD_MODULI.has(v)))];
}

/**
 * SHA-256 of the sorted, distinct 32-byte words: names a set of key constants whatever their order.
 * @param {bigint[]} words
 * @param {(data: Uint8Array) => Promise<Uint8Array>} sha256
 */
export async function constantsDigest(words, sha256) {
  const sorted = [...new Set(words)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = new Uint8Array(sorted.length * 32);
  sorted.forEach((w, i) => {
    for (let j = 0; j < 32; j++) bytes[i * 32 + 31 - j] = Number((w >> BigInt(8 * j)) & 0xffn);
  });
  const d = await sha256(bytes);
  return "0x" + Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ------------------------------------------------------------------ JSON-RPC

/**
 * A JSON-RPC client over `fetch` (POST, one call per request). Errors name the endpoint and the method.
 * @param {string} url
 * @param {typeof fetch} [fetchImpl]
 * @returns {Rpc}
 */
export function jsonRpc(url, fetchImpl = fetch) {
  let id = 0;
  return async (method, params) => {
    /** @type {Response} */
    let res;
    try {
      res = await fetchImpl(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
    } catch (err) {
      throw new Error(`${url}: ${method} failed (${err instanceof Error ? err.message : String(err)})`);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || body === null || typeof body !== "object")
      throw new Error(`${url}: ${method} answered HTTP ${res.status}`);
    if (body.error) throw new Error(`${url}: ${method}: ${String(body.error.message ?? "error")}`);
    return body.result;
  };
}

/** @param {bigint} v */
const word = (v) => v.toString(16).padStart(64, "0");

/**
 * Calldata of `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[n])` for a snarkjs proof (G2
 * coordinates swapped to the EVM's order, as snarkjs's exportSolidityCallData).
 * @param {Groth16Proof} proof
 * @param {string[]} signals
 */
export function verifyProofCalldata(proof, signals) {
  const n = /** @param {unknown} v */ (v) => BigInt(/** @type {string} */ (v));
  const b = proof.pi_b;
  const b0 = /** @type {string[]} */ (b[0]);
  const b1 = /** @type {string[]} */ (b[1]);
  const words = [
    n(proof.pi_a[0]),
    n(proof.pi_a[1]),
    n(b0[1]),
    n(b0[0]),
    n(b1[1]),
    n(b1[0]),
    n(proof.pi_c[0]),
    n(proof.pi_c[1]),
    ...signals.map(n),
  ];
  const sig = `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${signals.length}])`;
  return selector(sig) + words.map(word).join("");
}

/**
 * Checks the page's key against the verifiers the registry has registered for the instance on the chain
 * behind `rpc`. `chunks` are the attestation's chunk proofs that verified with the page's key.
 * @param {object} args
 * @param {Rpc} args.rpc
 * @param {unknown} args.chainId  The attestation's.
 * @param {unknown} args.registry  The attestation's.
 * @param {string} args.instance
 * @param {VerificationKey} args.vkey  The key the page verifies with.
 * @param {string | null} args.vkeyHash  Its `verificationKeyHash`.
 * @param {{ proof: Groth16Proof, publicSignals: string[] }[]} args.chunks
 * @param {(data: Uint8Array) => Promise<Uint8Array>} args.sha256
 * @returns {Promise<ChainKeyResult>}
 */
export async function checkKeyOnChain({ rpc, chainId, registry, instance, vkey, vkeyHash, chunks, sha256 }) {
  /** @type {VerifierCheck[]} */
  const verifiers = [];
  const expected = keyCoordinates(vkey);
  const keyDigest = await constantsDigest(expected, sha256);
  const ours = `the key the proofs were checked with (verificationKeyHash ${vkeyHash ?? "unknown"}, constants ${keyDigest})`;
  /** @param {string} message @returns {ChainKeyResult} */
  const error = (message) => ({ status: "error", message, keyDigest, verifiers });
  if (typeof registry !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(registry))
    return error(`the attestation names no registry address (${String(registry)})`);
  const chain = BigInt(/** @type {string} */ (await rpc("eth_chainId", [])));
  if (String(chain) !== String(chainId))
    return error(`the endpoint is chain ${chain}, the attestation is for chain ${String(chainId)}`);
  const registryCode = /** @type {string} */ (await rpc("eth_getCode", [registry, "latest"]));
  if (!registryCode || registryCode === "0x")
    return error(`no contract at the registry address ${registry} on chain ${chain}`);
  const id = circuitId(instance).slice(2);
  const recordSelector = selector("verifierRecord(bytes32,uint16)");
  for (let version = 1; version <= MAX_VERSIONS; version++) {
    const out = /** @type {string} */ (
      await rpc("eth_call", [{ to: registry, data: recordSelector + id + word(BigInt(version)) }, "latest"])
    );
    if (typeof out !== "string" || out.length < 2 + 128)
      return error(
        `the registry at ${registry} does not answer verifierRecord (is it an AttestationRegistry?)`,
      );
    const address = "0x" + out.slice(2 + 24, 2 + 64);
    if (/^0x0{40}$/.test(address)) break;
    const retired = BigInt("0x" + out.slice(2 + 64, 2 + 128)) !== 0n;
    const code = /** @type {string} */ (await rpc("eth_getCode", [address, "latest"]));
    const constants = keyConstantsOfCode(code);
    const set = new Set(constants);
    const wanted = new Set(expected);
    /** @type {VerifierCheck} */
    const v = {
      version,
      address,
      retired,
      constantsDigest: await constantsDigest(constants, sha256),
      missing: [...wanted].filter((w) => !set.has(w)).length,
      extra: constants.filter((w) => !wanted.has(w)).length,
      acceptsProofs: null,
      refusesTampered: null,
    };
    verifiers.push(v);
    if (v.missing === 0 && v.extra === 0 && chunks.length > 0) {
      /** @param {Groth16Proof} proof @param {string[]} signals */
      const call = async (proof, signals) => {
        const r = /** @type {string} */ (
          await rpc("eth_call", [{ to: address, data: verifyProofCalldata(proof, signals) }, "latest"])
        );
        return typeof r === "string" && /^0x0*1$/.test(r);
      };
      v.acceptsProofs = true;
      for (const c of chunks) if (!(await call(c.proof, c.publicSignals))) v.acceptsProofs = false;
      const first = /** @type {{ proof: Groth16Proof, publicSignals: string[] }} */ (chunks[0]);
      const changed = first.publicSignals.map((s, i) => (i === 4 ? String(BigInt(s) ^ 1n) : s));
      v.refusesTampered = !(await call(first.proof, changed));
    }
  }
  if (verifiers.length === 0)
    return error(`the registry at ${registry} on chain ${chain} has no verifier for ${instance}`);
  const good = verifiers.find(
    (v) =>
      !v.retired &&
      v.missing === 0 &&
      v.extra === 0 &&
      v.acceptsProofs !== false &&
      v.refusesTampered !== false,
  );
  if (good)
    return {
      status: "match",
      message: `${ours} is the key embedded in verifier ${good.address} (version ${good.version}), registered for ${instance} in registry ${registry} on chain ${chain}${chunks.length > 0 ? ", which accepts these proofs and refuses a changed signal" : ""}`,
      keyDigest,
      verifiers,
    };
  const named = verifiers
    .map(
      (v) =>
        `version ${v.version} at ${v.address}${v.retired ? " (retired)" : ""} embeds constants ${v.constantsDigest}` +
        (v.missing || v.extra
          ? ` (${v.missing} of the key's coordinates missing, ${v.extra} other constants)`
          : "") +
        (v.acceptsProofs === false ? ", refuses these proofs" : "") +
        (v.refusesTampered === false ? ", accepts a changed signal" : ""),
    )
    .join("; ");
  return {
    status: "mismatch",
    message: `${ours} is not the key of the verifier registered for ${instance} in registry ${registry} on chain ${chain}: ${named}`,
    keyDigest,
    verifiers,
  };
}
