/**
 * Audit sampling against an attestation: the sampled openings (prover/audit.ts checks them against the root
 * and the tape's consistency rules) are also checked against what the chunk proofs attest about their chunk.
 * The sample itself comes from the public rule of verifier-api/sampling.ts (also in Solidity:
 * contracts/libraries/AuditSampling.sol).
 */
import type { LoanOpening } from "./commitment/encoding.ts";
import type { Figures } from "./model/index.ts";
import { checkOpenings, type AuditFinding } from "./audit.ts";
import { sampleIndices } from "../verifier-api/sampling.ts";

export { sampleIndices };

const ACTIVE = new Set([0, 1, 2]);
const DEFAULTED = 2;

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
    if (!ACTIVE.has(r.status)) continue;
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
    if (r.status === DEFAULTED && r.outstandingBalance > f.defaulted)
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
