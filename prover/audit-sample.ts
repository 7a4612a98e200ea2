/**
 * Audit sampling against an attestation: the sampled openings (prover/audit.ts checks them against the root
 * and the tape's consistency rules) are also checked against what the chunk proofs attest about their chunk.
 * The sample itself comes from the public rule below, `sampleIndices` (also in Solidity:
 * contracts/libraries/AuditSampling.sol).
 */
import type { LoanOpening } from "./commitment/encoding.ts";
import type { Figures } from "./model/index.ts";
import { checkOpenings, type AuditFinding } from "./audit.ts";
import { createHash } from "node:crypto";
import { invalid } from "../verifier-api/web/errors.js";
import { LoanStatus, isActiveStatus } from "./tape/schema.ts";

/**
 * The sampling rule for auditor openings: which loans of a committed tape are opened for a seed.
 *
 * Pure and deterministic from (seed, tape size, count) alone, so the CLI, the SDK and an auditor's own script
 * compute the same sample. The seed is chosen by the auditor after the commitment exists, so the originator
 * cannot arrange which loans get opened. Rule (version 1): for k = 0, 1, 2, … take
 * `x = SHA-256("rwa-attest/sample@1" | u32be(len(seed)) | seed | u32be(size) | u32be(k))` (seed as UTF-8) as a 256-bit big-endian integer and
 * index `x mod size`; skip an index already chosen; stop after `min(count, size)` distinct indices. The
 * result is in the order drawn. (The modulo bias is below 2^-200 for any tape size below 2^32.)
 */
export const SAMPLING_RULE = "rwa-attest/sample@1";

/** Distinct 0-based loan indices to open, in draw order. */
export function sampleIndices(seed: string, size: number, count: number): number[] {
  if (typeof seed !== "string" || seed.length === 0 || seed.length > 256) {
    throw invalid("seed", "expected a non-empty string of at most 256 characters");
  }
  if (!Number.isInteger(size) || size < 1 || size > 0xffff_ffff) throw invalid("size", "expected 1..2^32-1");
  if (!Number.isInteger(count) || count < 1) throw invalid("count", "expected a positive integer");
  const want = Math.min(count, size);
  const chosen = new Set<number>();
  const out: number[] = [];
  const seedBytes = Buffer.from(seed, "utf8");
  const head = Buffer.alloc(8);
  head.writeUInt32BE(seedBytes.length, 0);
  head.writeUInt32BE(size, 4);
  for (let k = 0; out.length < want; k++) {
    const kb = Buffer.alloc(4);
    kb.writeUInt32BE(k >>> 0);
    const digest = createHash("sha256")
      .update(SAMPLING_RULE)
      .update(head.subarray(0, 4))
      .update(seedBytes)
      .update(head.subarray(4))
      .update(kb)
      .digest();
    const index = Number(BigInt(`0x${digest.toString("hex")}`) % BigInt(size));
    if (!chosen.has(index)) {
      chosen.add(index);
      out.push(index);
    }
  }
  return out;
}

/**
 * Checks each opening against its chunk's attested figures (chunk = floor(index / chunkSize)): an active
 * loan's score is at least the chunk's minScore and its balance at most the chunk's maxLoanBalance, a chunk
 * with active loans counts at least one, its balance fits its delinquency bucket and, if defaulted, the
 * defaulted figure; its charged-off amount fits the chunk's chargedOff. Every mismatch is reported by loan
 * and field.
 */
export function checkAgainstFigures(
  openings: readonly LoanOpening[],
  chunkFigures: readonly Figures[],
  chunkSize: number,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const o of openings) {
    const r = o.record;
    const add = (field: string, problem: string): void => {
      findings.push({ index: o.index, loanId: r.loanId, field, problem });
    };
    const chunk = Math.floor(o.index / chunkSize);
    const f = chunkFigures[chunk];
    if (f === undefined) {
      add("index", `loan ${o.index} is in chunk ${chunk}, which the attestation does not have`);
      continue;
    }
    if (r.chargedOffAmount > f.chargedOff)
      add(
        "chargedOffAmount",
        `${r.chargedOffAmount} exceeds the chunk's attested chargedOff ${f.chargedOff}`,
      );
    if (!isActiveStatus(r.status)) continue;
    if (f.activeCount === 0) add("status", "an active loan in a chunk attested to have no active loan");
    if (r.creditScore < f.minScore)
      add("creditScore", `${r.creditScore} is below the chunk's attested minimum score ${f.minScore}`);
    if (r.outstandingBalance > f.maxLoanBalance)
      add(
        "outstandingBalance",
        `${r.outstandingBalance} exceeds the chunk's attested largest active balance ${f.maxLoanBalance}`,
      );
    const dpd = r.daysPastDue;
    const bucket = dpd >= 90 ? f.bucket90 : dpd >= 60 ? f.bucket60 : dpd >= 30 ? f.bucket30 : undefined;
    if (bucket !== undefined && r.outstandingBalance > bucket)
      add("daysPastDue", `${dpd} days past due, but the chunk's attested bucket holds only ${bucket}`);
    if (r.status === LoanStatus.Defaulted && r.outstandingBalance > f.defaulted)
      add("status", `defaulted with ${r.outstandingBalance}, but the chunk attests ${f.defaulted} defaulted`);
  }
  return findings;
}

/**
 * The whole audit of a sample: indices from the seed over the committed loan count, openings against the root
 * and the figures. `loanCount` is the attestation's (every chunk proof commits it and proves the tape packed
 * below it: `Attestation.loanCount`), never a size typed by the originator or the auditor: a smaller one
 * would never sample the loans at the end of the tape.
 */
export async function auditSample(args: {
  seed: string;
  loanCount: number;
  count: number;
  root: bigint;
  openings: readonly LoanOpening[];
  figures?: { chunkSize: number; chunks: readonly Figures[] };
}): Promise<{ indices: number[]; findings: AuditFinding[] }> {
  const indices = sampleIndices(args.seed, args.loanCount, args.count);
  const findings = await checkOpenings(args.root, args.openings, indices);
  if (args.openings.length < indices.length) {
    for (const i of indices.slice(args.openings.length))
      findings.push({ index: i, loanId: "", field: "opening", problem: "the sampled loan was not opened" });
  }
  if (args.figures)
    findings.push(...checkAgainstFigures(args.openings, args.figures.chunks, args.figures.chunkSize));
  return { indices, findings };
}
