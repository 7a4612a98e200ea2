// @ts-check
/**
 * The one error model of rwa-attest (docs/ARCHITECTURE.md, "Errors"): a plain ES module with no imports, so
 * that every library (prover, pipeline, analytics, SDK, deploy, ceremony), the service, the command line and
 * the browser's attestation checker throw the same error.
 *
 * - Input and business rules: a library throws a {@link CodedError}: a stable `code` (one of
 *   {@link ERROR_CODES}) and the problems found, each `{row?, field, value?, reason}`, the same shape for
 *   tapes, policies, attestations and requests.
 * - Programmer errors (a caller breaks a function's contract, a state that cannot happen): `TypeError`, or
 *   any other error; the edges report them as internal errors (CLI: exit 3 with the stack; HTTP: 500).
 * - The named checks below are the one place a value is checked for a shape (`requireUint`, `requireField`,
 *   …) and the one message format: `<field>: expected <what>, got <value>`.
 * - Across a process boundary (worker processes, worker threads) an error travels as {@link WireError}
 *   (`toWire`, `fromWire`), code and problems included.
 *
 * The three edges map a code once each: to retry or permanent (verifier-api/jobs/runner.ts, `JOB_FAILURE`),
 * to a problem type and status (verifier-api/http/errors.ts, `CODE_PROBLEM`) and to an exit code
 * (cli/io.ts, `CODE_EXIT`).
 */

/** The error codes, each with what it means. */
export const ERROR_CODES = Object.freeze({
  /** A value handed to a library is malformed or out of range (a request field, a file, an argument). */
  "invalid-input": "a value is malformed or out of range",
  /** A loan tape (or a mapping of one) breaks the schema or a consistency rule (docs/TAPE.md). */
  "tape-invalid": "the loan tape is invalid",
  /** A policy document breaks docs/POLICY.md. */
  "policy-invalid": "the policy is invalid",
  /** An attestation does not hold: malformed, or a proof, figure or key does not check. */
  "attestation-invalid": "the attestation does not verify",
  /** The circuit refuses a witness: the input does not satisfy its constraints. */
  "unsatisfied-input": "the circuit refuses the input",
  /** A build artifact's hash differs from the manifest's. */
  "artifact-integrity": "a build artifact does not match its manifest",
  /** What is asked for does not exist (an instance of the catalogue, a key, a file). */
  "not-found": "no such thing",
  /** A business rule refuses the request (a score below the floor, development keys on a public chain). */
  refused: "a rule refuses the request",
  /** The configuration (environment, options) is invalid. */
  "config-invalid": "the configuration is invalid",
});

/** @typedef {keyof typeof ERROR_CODES} ErrorCode */

/**
 * One problem: where (`row`, 1-based, `null` for the whole document; `field`), what (`value`, as text) and why.
 * @typedef {{ row?: number | null, field: string, value?: string, reason: string }} Problem
 */

/** An error of input or of a business rule, with a stable code and the problems found. */
export class CodedError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} message  for people; tests and programs read `code` and `problems`
   * @param {Problem[]} [problems]
   */
  constructor(code, message, problems = []) {
    super(message);
    this.name = "CodedError";
    /** @readonly */
    this.code = code;
    /** @readonly */
    this.problems = problems;
  }
}

/**
 * True for an error code this module declares.
 * @param {unknown} code
 * @returns {code is ErrorCode}
 */
export function isErrorCode(code) {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/**
 * Renders any value as problem text.
 * @param {unknown} v
 * @returns {string}
 */
export function showValue(v) {
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === undefined) return "";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The error of one invalid value: message `<field>: <reason>`, one problem.
 * @param {string} field  where the value sits (`policy.minCreditScore`, `publicKey[0]`)
 * @param {string} reason  why it is refused (`expected a field element, got 5x`)
 * @param {unknown} [value]  the value (as text in the problem), when there is one
 * @param {ErrorCode} [code]
 * @returns {CodedError}
 */
export function invalid(field, reason, value, code = "invalid-input") {
  /** @type {Problem} */
  const p = { field, reason };
  if (value !== undefined) p.value = showValue(value);
  return new CodedError(code, `${field}: ${reason}`, [p]);
}

/**
 * The error of a rule that refuses the request (`code` "refused" unless told): message `<field>: <reason>`.
 * @param {string} field
 * @param {string} reason
 * @param {ErrorCode} [code]
 * @returns {CodedError}
 */
export function refused(field, reason, code = "refused") {
  return new CodedError(code, `${field}: ${reason}`, [{ field, reason }]);
}

/**
 * Throws `invalid(field, "expected <what>, got <value>")` unless `ok`.
 * @param {boolean} ok
 * @param {string} field
 * @param {string} what
 * @param {unknown} v
 * @returns {asserts ok}
 */
export function requireThat(ok, field, what, v) {
  if (!ok) throw invalid(field, `expected ${what}, got ${shown(v)}`, v);
}

/**
 * A value as the messages show it: as `String` does, objects as JSON.
 * @param {unknown} v
 */
function shown(v) {
  return typeof v === "object" && v !== null ? showValue(v) : String(v);
}

/**
 * True for a plain object (not null, not an array).
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
export function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The value as an object, or throws.
 * @param {string} field
 * @param {unknown} v
 * @returns {Record<string, unknown>}
 */
export function requireObject(field, v) {
  if (!isObject(v)) throw invalid(field, "expected an object", v);
  return v;
}

/**
 * The value as an array (of exactly `length` items when given), or throws.
 * @param {string} field
 * @param {unknown} v
 * @param {number} [length]
 * @returns {unknown[]}
 */
export function requireArray(field, v, length) {
  if (!Array.isArray(v)) throw invalid(field, "expected an array", v);
  if (length !== undefined && v.length !== length)
    throw invalid(field, `expected ${length} items, got ${v.length}`, v.length);
  return v;
}

/**
 * The value as a string, or throws.
 * @param {string} field
 * @param {unknown} v
 * @returns {string}
 */
export function requireString(field, v) {
  requireThat(typeof v === "string", field, "a string", v);
  return /** @type {string} */ (v);
}

/**
 * The value as a safe integer in [0, max], or throws (`expected an integer in [0, max], got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {number} [max]
 * @returns {number}
 */
export function requireUint(field, v, max = Number.MAX_SAFE_INTEGER) {
  requireThat(
    typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max,
    field,
    `an integer in [0, ${max}]`,
    v,
  );
  return /** @type {number} */ (v);
}

/**
 * A non-negative integer given as a bigint, a safe integer or a string of at most `digits` decimal digits;
 * null otherwise.
 * @param {unknown} v
 * @param {number} [digits]
 * @returns {bigint | null}
 */
export function parseUint(v, digits = 78) {
  if (typeof v === "bigint") return v >= 0n ? v : null;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v === "string" && v.length <= digits && /^[0-9]+$/.test(v)) return BigInt(v);
  return null;
}

/**
 * The value as a bigint in [0, max] (a bigint, a safe integer or a decimal string with `strict` off; only a
 * bigint with it on), or throws (`expected <what>, got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {bigint} max
 * @param {{ strict?: boolean, what?: string }} [opts]
 * @returns {bigint}
 */
export function requireBigUint(field, v, max, opts = {}) {
  const b = opts.strict && typeof v !== "bigint" ? null : parseUint(v);
  if (b === null || b > max)
    throw invalid(field, `expected ${opts.what ?? `an integer in [0, ${max}]`}, got ${shown(v)}`, v);
  return b;
}

/** The BN254 scalar field: the field of every circuit's signals. */
export const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * The value as a field element (a bigint below `modulus`), or throws (`expected a field element, got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {bigint} [modulus]
 * @returns {bigint}
 */
export function requireField(field, v, modulus = SCALAR_FIELD) {
  requireThat(typeof v === "bigint" && v >= 0n && v < modulus, field, "a field element", v);
  return /** @type {bigint} */ (v);
}

/**
 * An error as it crosses a process or thread boundary (structured clone keeps no class).
 * @typedef {{ name: string, message: string, stack?: string, code?: ErrorCode, problems?: Problem[] }} WireError
 */

/**
 * The wire form of any thrown value.
 * @param {unknown} err
 * @returns {WireError}
 */
export function toWire(err) {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  /** @type {WireError} */
  const w = { name: err.name, message: err.message };
  if (err.stack !== undefined) w.stack = err.stack;
  if (err instanceof CodedError) {
    w.code = err.code;
    w.problems = err.problems;
  }
  return w;
}

/**
 * The error a wire form stands for: a CodedError (its name kept) when it carries a code, an Error with the
 * original name and stack otherwise.
 * @param {WireError} w
 * @returns {Error}
 */
export function fromWire(w) {
  const err = isErrorCode(w.code)
    ? new CodedError(w.code, w.message, w.problems ?? [])
    : new Error(w.message);
  err.name = w.name;
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

/**
 * A coded error re-thrown from inside a larger value: every problem's field (and the message) gets `prefix`
 * (`tape.loans[3].`), and `row` when given. Any other error is returned as it is (a programmer error stays one).
 * @param {string} prefix
 * @param {unknown} err
 * @param {number} [row]
 * @returns {unknown}
 */
export function within(prefix, err, row) {
  if (!(err instanceof CodedError)) return err;
  const problems = err.problems.map((p) => ({
    ...p,
    field: prefix + p.field,
    ...(row === undefined ? {} : { row }),
  }));
  return new CodedError(err.code, prefix + err.message, problems);
}
