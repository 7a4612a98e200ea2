/**
 * Policies: the covenant limits a pool attestation is evaluated against (docs/POLICY.md).
 * A policy is JSON; `validatePolicy` turns untrusted JSON into a `Policy` or throws a CodedError (`policy-invalid`)
 * that lists every problem; `policyHash` is the public input that names it:
 *   Poseidon(2, minCreditScore, maxDaysPastDue, maxLtvBps, maxBucket30Bps, maxBucket60Bps, maxBucket90Bps,
 *            maxConcentrationBps, minPoolBalance, minActiveLoans)
 */
import { getPoseidon } from "../commitment/poseidon.ts";
import { POLICY_MAX, POLICY_PARAMS, POLICY_VERSION } from "../../verifier-api/web/pool-codec.js";
import { CodedError, invalid, isObject, showValue, type Problem } from "../../verifier-api/web/errors.js";

/** The format version (the first input of the hash), the parameters' order and maxima: circuits/layout.json. */
export { POLICY_VERSION, POLICY_PARAMS, POLICY_MAX } from "../../verifier-api/web/pool-codec.js";

/** The covenant limits, in hash order. */
export interface Policy {
  /** An active loan's credit score must be at least this (0..1023; 0 = no minimum). */
  minCreditScore: number;
  /** An active loan's days past due must be at most this (0..65535; 65535 = no limit). */
  maxDaysPastDue: number;
  /** An active secured loan's LTV (outstanding / collateral) must be at most this, in bps (0 = no limit). */
  maxLtvBps: number;
  /** Bucket 30-59 / 60-89 / 90+ outstanding over the pool's outstanding, at most (bps, 0..10000). */
  maxBucket30Bps: number;
  maxBucket60Bps: number;
  maxBucket90Bps: number;
  /** Largest active loan over the pool's outstanding, at most (bps, 0..10000). */
  maxConcentrationBps: number;
  /** The pool's outstanding balance must be at least this (minor units, below 2^62; 0 = no minimum). */
  minPoolBalance: bigint;
  /**
   * The pool must have at least this many active loans (0..65535), or no attestation can be made: the circuits
   * have no proof for a smaller pool, so a pool of one or two loans (whose figures are single borrowers' data)
   * is never published. Default 10.
   */
  minActiveLoans: number;
}

/** A conservative default policy for consumer loans. */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  minCreditScore: 580,
  maxDaysPastDue: 120,
  maxLtvBps: 9000,
  maxBucket30Bps: 1000,
  maxBucket60Bps: 500,
  maxBucket90Bps: 300,
  maxConcentrationBps: 500,
  minPoolBalance: 0n,
  minActiveLoans: 10,
});

/** JSON Schema (draft 2020-12) of a policy document; `minPoolBalance` is a decimal string or a safe integer. */
export const POLICY_JSON_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "rwa-attest policy",
  type: "object",
  additionalProperties: false,
  required: [...POLICY_PARAMS],
  properties: {
    version: { const: POLICY_VERSION },
    name: { type: "string", maxLength: 200 },
    description: { type: "string", maxLength: 2000 },
    minCreditScore: { type: "integer", minimum: 0, maximum: 1023 },
    maxDaysPastDue: { type: "integer", minimum: 0, maximum: 65535 },
    maxLtvBps: { type: "integer", minimum: 0, maximum: 65535 },
    maxBucket30Bps: { type: "integer", minimum: 0, maximum: 10000 },
    maxBucket60Bps: { type: "integer", minimum: 0, maximum: 10000 },
    maxBucket90Bps: { type: "integer", minimum: 0, maximum: 10000 },
    maxConcentrationBps: { type: "integer", minimum: 0, maximum: 10000 },
    minPoolBalance: {
      oneOf: [
        { type: "string", pattern: "^(0|[1-9][0-9]{0,18})$" },
        { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      ],
    },
    minActiveLoans: { type: "integer", minimum: 0, maximum: 65535 },
  },
} as const;

/**
 * Validates a policy given as parsed JSON (or as a `Policy`) and returns it in canonical form.
 * Throws a CodedError (`policy-invalid`) with one problem per offending field.
 */
export function validatePolicy(input: unknown): Policy {
  if (!isObject(input)) throw invalid("policy", "expected an object", input, "policy-invalid");
  const o = input;
  const problems: Problem[] = [];
  const add = (key: string, reason: string, value?: unknown): void => {
    problems.push({
      field: `policy.${key}`,
      reason,
      ...(value === undefined ? {} : { value: showValue(value) }),
    });
  };
  const allowed = new Set<string>([...POLICY_PARAMS, "version", "name", "description"]);
  for (const key of Object.keys(o)) if (!allowed.has(key)) add(key, "unknown field");
  if (o.version !== undefined && o.version !== POLICY_VERSION)
    add(
      "version",
      `expected ${POLICY_VERSION}, got ${String(o.version)}` +
        (o.version === 1 ? " (version 2 adds minActiveLoans, the minimum pool size: docs/POLICY.md)" : ""),
      o.version,
    );
  if (o.name !== undefined && typeof o.name !== "string") add("name", "expected a string", o.name);
  if (o.description !== undefined && typeof o.description !== "string")
    add("description", "expected a string", o.description);
  const out: Record<string, bigint> = {};
  for (const key of POLICY_PARAMS) {
    const v = o[key];
    let b: bigint | undefined;
    if (typeof v === "bigint") b = v;
    else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
    else if (key === "minPoolBalance" && typeof v === "string" && /^(0|[1-9][0-9]{0,18})$/.test(v))
      b = BigInt(v);
    if (b === undefined) {
      add(
        key,
        `expected an integer${key === "minPoolBalance" ? " or a decimal string" : ""}, got ${v === undefined ? "nothing" : JSON.stringify(String(v))}`,
        v,
      );
      continue;
    }
    if (b < 0n || b > POLICY_MAX[key]) {
      add(key, `${b} is outside [0, ${POLICY_MAX[key]}]`, b);
      continue;
    }
    out[key] = b;
  }
  if (problems.length > 0)
    throw new CodedError(
      "policy-invalid",
      problems.map((p) => `${p.field}: ${p.reason}`).join("; "),
      problems,
    );
  return {
    minCreditScore: Number(out.minCreditScore),
    maxDaysPastDue: Number(out.maxDaysPastDue),
    maxLtvBps: Number(out.maxLtvBps),
    maxBucket30Bps: Number(out.maxBucket30Bps),
    maxBucket60Bps: Number(out.maxBucket60Bps),
    maxBucket90Bps: Number(out.maxBucket90Bps),
    maxConcentrationBps: Number(out.maxConcentrationBps),
    minPoolBalance: out.minPoolBalance!,
    minActiveLoans: Number(out.minActiveLoans),
  };
}

/** The parameters as field elements, in hash order. */
export function policyParams(policy: Policy): bigint[] {
  const p = validatePolicy(policy);
  return POLICY_PARAMS.map((k) => BigInt(p[k]));
}

/** A policy as JSON-ready data (minPoolBalance as a decimal string). */
export function policyToJson(policy: Policy): Record<string, number | string> {
  const p = validatePolicy(policy);
  return { version: POLICY_VERSION, ...p, minPoolBalance: p.minPoolBalance.toString() };
}

/** policyHash = Poseidon(POLICY_VERSION, the parameters in order). */
export async function policyHash(policy: Policy): Promise<bigint> {
  const poseidon = await getPoseidon();
  return poseidon([BigInt(POLICY_VERSION), ...policyParams(policy)]);
}
