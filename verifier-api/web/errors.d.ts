// Generated from errors.js by `node verifier-api/web/declarations.ts`: do not edit.
/**
 * True for an error code this module declares.
 * @param {unknown} code
 * @returns {code is ErrorCode}
 */
export function isErrorCode(code: unknown): code is ErrorCode;
/**
 * Renders any value as problem text.
 * @param {unknown} v
 * @returns {string}
 */
export function showValue(v: unknown): string;
/**
 * The error of one invalid value: message `<field>: <reason>`, one problem.
 * @param {string} field  where the value sits (`policy.minCreditScore`, `publicKey[0]`)
 * @param {string} reason  why it is refused (`expected a field element, got 5x`)
 * @param {unknown} [value]  the value (as text in the problem), when there is one
 * @param {ErrorCode} [code]
 * @returns {CodedError}
 */
export function invalid(field: string, reason: string, value?: unknown, code?: ErrorCode): CodedError;
/**
 * The error of a rule that refuses the request (`code` "refused" unless told): message `<field>: <reason>`.
 * @param {string} field
 * @param {string} reason
 * @param {ErrorCode} [code]
 * @returns {CodedError}
 */
export function refused(field: string, reason: string, code?: ErrorCode): CodedError;
/**
 * Throws `invalid(field, "expected <what>, got <value>")` unless `ok`.
 * @param {boolean} ok
 * @param {string} field
 * @param {string} what
 * @param {unknown} v
 * @returns {asserts ok}
 */
export function requireThat(ok: boolean, field: string, what: string, v: unknown): asserts ok;
/**
 * True for a plain object (not null, not an array).
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
export function isObject(v: unknown): v is Record<string, unknown>;
/**
 * The value as an object, or throws.
 * @param {string} field
 * @param {unknown} v
 * @returns {Record<string, unknown>}
 */
export function requireObject(field: string, v: unknown): Record<string, unknown>;
/**
 * The value as an array (of exactly `length` items when given), or throws.
 * @param {string} field
 * @param {unknown} v
 * @param {number} [length]
 * @returns {unknown[]}
 */
export function requireArray(field: string, v: unknown, length?: number): unknown[];
/**
 * The value as a string, or throws.
 * @param {string} field
 * @param {unknown} v
 * @returns {string}
 */
export function requireString(field: string, v: unknown): string;
/**
 * The value as a safe integer in [0, max], or throws (`expected an integer in [0, max], got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {number} [max]
 * @returns {number}
 */
export function requireUint(field: string, v: unknown, max?: number): number;
/**
 * A non-negative integer given as a bigint, a safe integer or a string of at most `digits` decimal digits;
 * null otherwise.
 * @param {unknown} v
 * @param {number} [digits]
 * @returns {bigint | null}
 */
export function parseUint(v: unknown, digits?: number): bigint | null;
/**
 * The value as a bigint in [0, max] (a bigint, a safe integer or a decimal string with `strict` off; only a
 * bigint with it on), or throws (`expected <what>, got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {bigint} max
 * @param {{ strict?: boolean, what?: string }} [opts]
 * @returns {bigint}
 */
export function requireBigUint(
  field: string,
  v: unknown,
  max: bigint,
  opts?: {
    strict?: boolean;
    what?: string;
  },
): bigint;
/**
 * The value as a field element (a bigint below `modulus`), or throws (`expected a field element, got v`).
 * @param {string} field
 * @param {unknown} v
 * @param {bigint} [modulus]
 * @returns {bigint}
 */
export function requireField(field: string, v: unknown, modulus?: bigint): bigint;
/**
 * An error as it crosses a process or thread boundary (structured clone keeps no class).
 * @typedef {{ name: string, message: string, stack?: string, code?: ErrorCode, problems?: Problem[] }} WireError
 */
/**
 * The wire form of any thrown value.
 * @param {unknown} err
 * @returns {WireError}
 */
export function toWire(err: unknown): WireError;
/**
 * The error a wire form stands for: a CodedError (its name kept) when it carries a code, an Error with the
 * original name and stack otherwise.
 * @param {WireError} w
 * @returns {Error}
 */
export function fromWire(w: WireError): Error;
/**
 * A coded error re-thrown from inside a larger value: every problem's field (and the message) gets `prefix`
 * (`tape.loans[3].`), and `row` when given. Any other error is returned as it is (a programmer error stays one).
 * @param {string} prefix
 * @param {unknown} err
 * @param {number} [row]
 * @returns {unknown}
 */
export function within(prefix: string, err: unknown, row?: number): unknown;
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
export const ERROR_CODES: Readonly<{
  /** A value handed to a library is malformed or out of range (a request field, a file, an argument). */
  "invalid-input": "a value is malformed or out of range";
  /** A loan tape (or a mapping of one) breaks the schema or a consistency rule (docs/TAPE.md). */
  "tape-invalid": "the loan tape is invalid";
  /** A policy document breaks docs/POLICY.md. */
  "policy-invalid": "the policy is invalid";
  /** An attestation does not hold: malformed, or a proof, figure or key does not check. */
  "attestation-invalid": "the attestation does not verify";
  /** The circuit refuses a witness: the input does not satisfy its constraints. */
  "unsatisfied-input": "the circuit refuses the input";
  /** A build artifact's hash differs from the manifest's. */
  "artifact-integrity": "a build artifact does not match its manifest";
  /** What is asked for does not exist (an instance of the catalogue, a key, a file). */
  "not-found": "no such thing";
  /** A business rule refuses the request (a score below the floor, development keys on a public chain). */
  refused: "a rule refuses the request";
  /** The configuration (environment, options) is invalid. */
  "config-invalid": "the configuration is invalid";
}>;
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
  constructor(code: ErrorCode, message: string, problems?: Problem[]);
  /** @readonly */
  readonly code:
    | "invalid-input"
    | "tape-invalid"
    | "policy-invalid"
    | "attestation-invalid"
    | "unsatisfied-input"
    | "artifact-integrity"
    | "not-found"
    | "refused"
    | "config-invalid";
  /** @readonly */
  readonly problems: Problem[];
}
/** The BN254 scalar field: the field of every circuit's signals. */
export const SCALAR_FIELD: 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/**
 * An error as it crosses a process or thread boundary (structured clone keeps no class).
 */
export type WireError = {
  name: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
  problems?: Problem[];
};
export type ErrorCode = keyof typeof ERROR_CODES;
/**
 * One problem: where (`row`, 1-based, `null` for the whole document; `field`), what (`value`, as text) and why.
 */
export type Problem = {
  row?: number | null;
  field: string;
  value?: string;
  reason: string;
};
