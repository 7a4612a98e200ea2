/**
 * Errors as problem+json (RFC 9457). Every kind has a stable `type` URI; 5xx details are logged, never
 * returned.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { ErrorCode, Problem as LibraryProblem } from "../../prover/index.ts";

export const PROBLEM_BASE = "https://rwa-attest.dev/problems/";

/** Stable problem kinds: `type` is PROBLEM_BASE + kind. */
export const PROBLEMS = {
  validation: { status: 400, title: "The request is invalid" },
  "tape-invalid": { status: 422, title: "The loan tape is invalid" },
  unauthenticated: { status: 401, title: "A valid API key is required" },
  forbidden: { status: 403, title: "This API key may not do that" },
  "not-found": { status: 404, title: "No such resource" },
  conflict: { status: 409, title: "The request conflicts with the resource's state" },
  refused: { status: 422, title: "A rule refuses the request" },
  "idempotency-conflict": { status: 409, title: "The idempotency key was used for a different request" },
  "pool-owned": { status: 409, title: "The pool belongs to another originator" },
  "request-timeout": { status: 408, title: "The request took too long to arrive" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "uri-too-long": { status: 414, title: "The request URI is too long" },
  "unsupported-media-type": { status: 415, title: "Unsupported content type" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "header-too-large": { status: 431, title: "The request headers are too large" },
  overloaded: { status: 503, title: "The service is under pressure; retry later" },
  "not-ready": { status: 503, title: "The service is not ready" },
  "deadline-exceeded": { status: 503, title: "The work did not finish within its deadline" },
  "not-implemented": { status: 501, title: "Not available in this build" },
  internal: { status: 500, title: "Internal error" },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

/**
 * The problem kind of each error code a library throws (docs/ARCHITECTURE.md, "Errors"); a coded error's
 * problems become the body's `errors`. Any other error is a 500 whose detail stays in the log.
 */
export const CODE_PROBLEM: Readonly<Record<ErrorCode, ProblemKind>> = Object.freeze({
  "invalid-input": "validation",
  "tape-invalid": "tape-invalid",
  "policy-invalid": "validation",
  "attestation-invalid": "validation",
  "unsatisfied-input": "validation",
  "artifact-integrity": "internal",
  "not-found": "not-found",
  refused: "refused",
  "config-invalid": "internal",
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          row: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
          field: Type.String(),
          value: Type.Optional(Type.String()),
          reason: Type.String(),
        }),
      ),
    ),
  },
  { title: "Problem", description: "RFC 9457 problem details" },
);
export type Problem = Static<typeof ProblemSchema>;

/** One entry of a problem's `errors`: the error model's one problem shape. */
export type ProblemDetail = LibraryProblem;

/** An error that maps to one problem kind. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly kind: ProblemKind;
  readonly errors?: ProblemDetail[];
  readonly headers?: Record<string, string>;
  constructor(
    kind: ProblemKind,
    detail?: string,
    errors?: ProblemDetail[],
    headers?: Record<string, string>,
  ) {
    super(detail ?? PROBLEMS[kind].title);
    this.kind = kind;
    this.errors = errors;
    this.headers = headers;
  }
  get status(): number {
    return PROBLEMS[this.kind].status;
  }
}

/** Builds the problem body of a kind. */
export function problem(
  kind: ProblemKind,
  detail?: string,
  instance?: string,
  errors?: ProblemDetail[],
): Problem {
  const p: Problem = {
    type: PROBLEM_BASE + kind,
    title: PROBLEMS[kind].title,
    status: PROBLEMS[kind].status,
  };
  if (detail !== undefined) p.detail = detail;
  if (instance !== undefined) p.instance = instance;
  if (errors !== undefined) p.errors = errors;
  return p;
}

/** Problem responses, for route schemas. */
export function problemResponses(...statuses: number[]): Record<number, typeof ProblemSchema> {
  const out: Record<number, typeof ProblemSchema> = {};
  for (const s of statuses) out[s] = ProblemSchema;
  return out;
}
