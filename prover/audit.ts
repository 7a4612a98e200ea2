/**
 * Audit openings: sampled loans of a committed tape, opened (record without borrower reference, salts and
 * Merkle path) and checked against the committed root and against what the attestation says about them.
 * The checker reports every mismatch by loan and field, not just the first.
 */
import { verifyOpening, type LoanOpening } from "./commitment/encoding.ts";
import type { LoanRecord } from "./tape/schema.ts";
import { validateLoanRecord } from "./tape/validate.ts";
import { invalid } from "../verifier-api/web/errors.js";

const AMOUNT_FIELDS = [
  "originalPrincipal",
  "outstandingBalance",
  "scheduledPayment",
  "collectedAmount",
  "chargedOffAmount",
  "collateralValue",
] as const;
const NUMBER_FIELDS = [
  "originationDate",
  "maturityDate",
  "interestRateBps",
  "daysPastDue",
  "status",
  "creditScore",
  "scoreProviderId",
  "scoreDate",
] as const;

/** An opening as JSON (bigints as decimal strings). */
export interface LoanOpeningJson {
  index: number;
  asOfDate: number;
  record: Record<string, string | number>;
  borrowerCommitment: string;
  leafSalt: string;
  siblings: string[][];
  slotRoot: string;
}

export function openingToJson(o: LoanOpening): LoanOpeningJson {
  const record: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o.record))
    record[k] = typeof v === "bigint" ? v.toString() : (v as string | number);
  return {
    index: o.index,
    asOfDate: o.asOfDate,
    record,
    borrowerCommitment: o.borrowerCommitment.toString(),
    leafSalt: o.leafSalt.toString(),
    siblings: o.siblings.map((l) => l.map((s) => s.toString())),
    slotRoot: o.slotRoot.toString(),
  };
}

const DEC = /^[0-9]{1,78}$/;

/** Reads an opening from JSON; throws a TypeError naming the malformed field. */
export function openingFromJson(j: unknown, where = "opening"): LoanOpening {
  const o = j as LoanOpeningJson;
  if (o === null || typeof o !== "object" || typeof o.record !== "object" || o.record === null) {
    throw invalid(
      where,
      "expected {index, asOfDate, record, borrowerCommitment, leafSalt, siblings, slotRoot}",
    );
  }
  const big = (name: string, v: unknown): bigint => {
    if (typeof v !== "string" || !DEC.test(v)) throw invalid(`${where}.${name}`, "expected a decimal string");
    return BigInt(v);
  };
  const record = { loanId: o.record.loanId } as Record<string, unknown>;
  if (typeof record.loanId !== "string") throw invalid(`${where}.record.loanId`, "expected a string");
  for (const f of AMOUNT_FIELDS) record[f] = big(`record.${f}`, o.record[f]);
  for (const f of NUMBER_FIELDS) {
    const v = o.record[f];
    if (typeof v !== "number" || !Number.isInteger(v))
      throw invalid(`${where}.record.${f}`, "expected an integer");
    record[f] = v;
  }
  if (!Array.isArray(o.siblings)) throw invalid(`${where}.siblings`, "expected an array of levels");
  if (typeof o.asOfDate !== "number" || !Number.isInteger(o.asOfDate))
    throw invalid(`${where}.asOfDate`, "expected an integer (the tape's as-of date, a day number)");
  return {
    index: o.index,
    asOfDate: o.asOfDate,
    record: record as Omit<LoanRecord, "borrowerRef">,
    borrowerCommitment: big("borrowerCommitment", o.borrowerCommitment),
    leafSalt: big("leafSalt", o.leafSalt),
    siblings: o.siblings.map((l, i) => {
      if (!Array.isArray(l)) throw invalid(`${where}.siblings[${i}]`, "expected an array");
      return l.map((s, k) => big(`siblings[${i}][${k}]`, s));
    }),
    slotRoot: big("slotRoot", o.slotRoot),
  };
}

/** One finding of an audit: which loan, which field, what is wrong. */
export interface AuditFinding {
  index: number;
  loanId: string;
  field: string;
  problem: string;
}

/**
 * Checks openings against a committed root and for internal consistency with what an attestation counts:
 * the path must lead to the root (a tampered record or path is named), the record must pass the tape's own
 * consistency rules (a loan marked current has no days past due, a charged-off amount only on a charged-off
 * loan, …), and each opening must be for the index the sample asked for.
 */
export async function checkOpenings(
  root: bigint,
  openings: readonly LoanOpening[],
  expectedIndices?: readonly number[],
): Promise<AuditFinding[]> {
  const findings: AuditFinding[] = [];
  for (const [i, o] of openings.entries()) {
    const loanId = o.record.loanId;
    const add = (field: string, problem: string): void => {
      findings.push({ index: o.index, loanId, field, problem });
    };
    if (expectedIndices && expectedIndices[i] !== o.index) {
      add("index", `opening ${i} is for loan ${o.index}, the sample asked for ${String(expectedIndices[i])}`);
    }
    let ok = false;
    try {
      ok = await verifyOpening(root, o);
    } catch (err) {
      add("path", (err as Error).message);
      continue;
    }
    if (!ok)
      add("record", "the record and its path do not lead to the committed root (record or path tampered)");
    // The same consistency rules a tape must pass at upload (status against days past due, charge-offs, …).
    for (const p of validateLoanRecord({ ...o.record, borrowerRef: "(withheld)" })) add(p.field, p.reason);
  }
  return findings;
}
