/**
 * Canonical encoding of a loan record into field elements, the salted leaf, and the tape commitment.
 * Specified in docs/ENCODING.md (with test vectors); the circuits read wA and wB bit by bit.
 *
 *   wA  = outstanding | scheduled << 48 | collected << 96 | chargedOff << 144 | collateral << 192
 *   wB  = daysPastDue | status << 16 | creditScore << 19
 *   wC  = originalPrincipal | originationDate << 48 | maturityDate << 64 | interestRateBps << 80
 *         | scoreDate << 96 | scoreProviderId << 112
 *   borrowerCommitment = Poseidon(idToField(borrowerRef), borrowerSalt)
 *   hLoan = Poseidon(idToField(loanId), wC, leafSalt)
 *   hId   = Poseidon(borrowerCommitment, hLoan)
 *   leaf  = Poseidon(wA, wB, hId)
 */
import { randomBytes } from "node:crypto";
import {
  AMOUNT_BITS,
  MAX_AMOUNT,
  MAX_CREDIT_SCORE,
  MAX_DAY,
  MAX_DAYS_PAST_DUE,
  MAX_ID_BYTES,
  MAX_PROVIDER_ID,
  MAX_RATE_BPS,
  type LoanRecord,
  type LoanTape,
} from "../tape/schema.ts";
import { idTextProblem } from "../tape/ids.ts";
import { FIELD_P, getPoseidon, type PoseidonFn } from "./poseidon.ts";
import { TREE_ARITY, TREE_HEIGHT, buildLevels, nodeAt, pathSiblings, rootFromPath } from "./tree.ts";

/** Domain-separation tags of the salts derived from an originator seed. */
export const SALT_TAG_LEAF = 1n;
export const SALT_TAG_BORROWER = 2n;

/** The field elements of one loan. */
export interface EncodedLoan {
  wA: bigint;
  wB: bigint;
  wC: bigint;
  loanIdField: bigint;
  borrowerCommitment: bigint;
  hLoan: bigint;
  hId: bigint;
  leaf: bigint;
}

/** Per-loan salts: `leaf[i]` hides loan i's fields, `borrower[i]` hides its borrower reference. */
export interface TapeSalts {
  leaf: bigint[];
  borrower: bigint[];
}

/** The originator's (private) commitment to a tape. */
export interface TapeCommitment {
  root: bigint;
  /** Leaves in tape order (loan i is leaf i). */
  leaves: bigint[];
  encoded: EncodedLoan[];
  /** levels[h]: non-empty nodes of height h (see tree.ts). */
  levels: bigint[][];
  records: LoanRecord[];
  salts: TapeSalts;
  /** The chunking this commitment was summarised with (the root does not depend on it). */
  chunkSize: number;
  chunkCount: number;
  /** For each chunk, the roots of its m subtrees of height k (chunkSize = m * 16^k). */
  chunkRoots: bigint[][];
}

/** An opening of one loan: everything an auditor needs to recompute its leaf and path to the root. */
export interface LoanOpening {
  index: number;
  /** The record without its borrower reference (which never leaves the originator). */
  record: Omit<LoanRecord, "borrowerRef">;
  borrowerCommitment: bigint;
  leafSalt: bigint;
  /** TREE_HEIGHT levels of 15 siblings, from the leaf upwards. */
  siblings: bigint[][];
}

function checkInt(name: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new TypeError(`${name}: expected an integer in [0, ${max}], got ${String(v)}`);
  }
  return v;
}

function checkAmount(name: string, v: unknown): bigint {
  if (typeof v !== "bigint" || v < 0n || v > MAX_AMOUNT) {
    throw new TypeError(`${name}: expected a bigint amount in [0, 2^${AMOUNT_BITS} - 1], got ${String(v)}`);
  }
  return v;
}

function checkField(name: string, v: unknown): bigint {
  if (typeof v !== "bigint" || v < 0n || v >= FIELD_P)
    throw new TypeError(`${name}: expected a field element, got ${String(v)}`);
  return v;
}

/**
 * An identifier (loan id, borrower reference) as one field element: its UTF-8 bytes read as a big-endian
 * integer, plus the byte length times 2^248 (so "a" and "\0a" differ). 1..31 bytes. Text that is not
 * well-formed UTF-16, or holds an invisible or bidi character, is refused (prover/tape/ids.ts): UTF-8 would
 * turn every lone surrogate into U+FFFD, and two ids into one element.
 */
export function idToField(name: string, id: string): bigint {
  if (typeof id !== "string") throw new TypeError(`${name}: expected a string`);
  const text = idTextProblem(id);
  if (text !== undefined) throw new TypeError(`${name}: ${JSON.stringify(id)} ${text}`);
  const bytes = Buffer.from(id, "utf8");
  if (bytes.length < 1 || bytes.length > MAX_ID_BYTES) {
    throw new TypeError(`${name}: expected 1..${MAX_ID_BYTES} UTF-8 bytes, got ${bytes.length}`);
  }
  const value = bytes.length === 0 ? 0n : BigInt("0x" + bytes.toString("hex"));
  return (BigInt(bytes.length) << 248n) + value;
}

/** Packs the five amounts (wA). */
export function packAmounts(r: Omit<LoanRecord, "borrowerRef">): bigint {
  return (
    checkAmount("outstandingBalance", r.outstandingBalance) |
    (checkAmount("scheduledPayment", r.scheduledPayment) << 48n) |
    (checkAmount("collectedAmount", r.collectedAmount) << 96n) |
    (checkAmount("chargedOffAmount", r.chargedOffAmount) << 144n) |
    (checkAmount("collateralValue", r.collateralValue) << 192n)
  );
}

/** Packs days past due, status and score (wB). */
export function packState(r: Omit<LoanRecord, "borrowerRef">): bigint {
  return (
    BigInt(checkInt("daysPastDue", r.daysPastDue, MAX_DAYS_PAST_DUE)) |
    (BigInt(checkInt("status", r.status, 4)) << 16n) |
    (BigInt(checkInt("creditScore", r.creditScore, MAX_CREDIT_SCORE)) << 19n)
  );
}

/** Packs the committed fields the pool circuit does not read (wC). */
export function packOther(r: Omit<LoanRecord, "borrowerRef">): bigint {
  return (
    checkAmount("originalPrincipal", r.originalPrincipal) |
    (BigInt(checkInt("originationDate", r.originationDate, MAX_DAY)) << 48n) |
    (BigInt(checkInt("maturityDate", r.maturityDate, MAX_DAY)) << 64n) |
    (BigInt(checkInt("interestRateBps", r.interestRateBps, MAX_RATE_BPS)) << 80n) |
    (BigInt(checkInt("scoreDate", r.scoreDate, MAX_DAY)) << 96n) |
    (BigInt(checkInt("scoreProviderId", r.scoreProviderId, MAX_PROVIDER_ID)) << 112n)
  );
}

/** Poseidon(idToField(borrowerRef), borrowerSalt): the borrower commitment (stable across loans and tapes). */
export function borrowerCommitmentWith(
  poseidon: PoseidonFn,
  borrowerRef: string,
  borrowerSalt: bigint,
): bigint {
  return poseidon([idToField("borrowerRef", borrowerRef), checkField("borrowerSalt", borrowerSalt)]);
}

/** Encodes a record whose borrower is given by its commitment (synchronous, with a built Poseidon). */
export function encodeWithCommitment(
  poseidon: PoseidonFn,
  record: Omit<LoanRecord, "borrowerRef">,
  borrowerCommitment: bigint,
  leafSalt: bigint,
): EncodedLoan {
  if (record === null || typeof record !== "object") throw new TypeError("record: expected a loan record");
  const wA = packAmounts(record);
  const wB = packState(record);
  const wC = packOther(record);
  const loanIdField = idToField("loanId", record.loanId);
  checkField("borrowerCommitment", borrowerCommitment);
  const hLoan = poseidon([loanIdField, wC, checkField("leafSalt", leafSalt)]);
  const hId = poseidon([borrowerCommitment, hLoan]);
  const leaf = poseidon([wA, wB, hId]);
  return { wA, wB, wC, loanIdField, borrowerCommitment, hLoan, hId, leaf };
}

/** Encodes one loan record with its salts (docs/ENCODING.md). */
export async function encodeLoan(
  record: LoanRecord,
  leafSalt: bigint,
  borrowerSalt: bigint,
): Promise<EncodedLoan> {
  const poseidon = await getPoseidon();
  return encodeWithCommitment(
    poseidon,
    record,
    borrowerCommitmentWith(poseidon, record.borrowerRef, borrowerSalt),
    leafSalt,
  );
}

/** The leaf of one loan record. */
export async function loanLeaf(record: LoanRecord, leafSalt: bigint, borrowerSalt: bigint): Promise<bigint> {
  return (await encodeLoan(record, leafSalt, borrowerSalt)).leaf;
}

/** A uniformly random field element (32 random bytes reduced mod p; the bias is below 2^-250). */
export function randomFieldElement(): bigint {
  return BigInt("0x" + randomBytes(32).toString("hex")) % FIELD_P;
}

/**
 * Fresh random salts for a tape: one leaf salt per loan, one borrower salt per distinct borrower reference
 * (loans of the same borrower share the borrower commitment).
 */
export function randomSalts(tape: Pick<LoanTape, "loans">): TapeSalts {
  const byBorrower = new Map<string, bigint>();
  const leaf: bigint[] = [];
  const borrower: bigint[] = [];
  for (const loan of tape.loans) {
    leaf.push(randomFieldElement());
    let b = byBorrower.get(loan.borrowerRef);
    if (b === undefined) byBorrower.set(loan.borrowerRef, (b = randomFieldElement()));
    borrower.push(b);
  }
  return { leaf, borrower };
}

/**
 * Salts derived from a secret originator seed (a field element the originator keeps, like a key):
 * leafSalt = Poseidon(seed, 1, period, idToField(loanId)), borrowerSalt = Poseidon(seed, 2, idToField(borrowerRef)).
 * The originator can then recompute any opening from the seed and the tape alone, borrower commitments are
 * stable across tapes, and leaves of unchanged loans still differ between periods.
 */
export async function deriveSalts(
  seed: bigint,
  tape: Pick<LoanTape, "loans" | "period">,
): Promise<TapeSalts> {
  checkField("seed", seed);
  checkInt("period", tape.period, 0xffff_ffff);
  const poseidon = await getPoseidon();
  const leaf: bigint[] = [];
  const borrower: bigint[] = [];
  for (const loan of tape.loans) {
    leaf.push(poseidon([seed, SALT_TAG_LEAF, BigInt(tape.period), idToField("loanId", loan.loanId)]));
    borrower.push(poseidon([seed, SALT_TAG_BORROWER, idToField("borrowerRef", loan.borrowerRef)]));
  }
  return { leaf, borrower };
}

/**
 * Checks a chunk size and returns its shape: chunkSize = m * 16^k with m in {1, 2, 4, 8}, from 4 to 4096.
 * A chunk is m consecutive complete subtrees of height k, inside one node of height k + 1.
 */
export function chunkShape(chunkSize: number): { k: number; m: number } {
  if (Number.isInteger(chunkSize) && chunkSize >= 4 && chunkSize <= 4096) {
    let m = chunkSize;
    let k = 0;
    while (m >= TREE_ARITY && m % TREE_ARITY === 0) {
      m /= TREE_ARITY;
      k++;
    }
    if (m === 1 || m === 2 || m === 4 || m === 8) return { k, m };
  }
  throw new TypeError(`chunkSize: expected a power of two from 4 to 4096, got ${String(chunkSize)}`);
}

/** Number of chunks of `chunkSize` a tape of `loanCount` loans needs (at least 1). */
export function chunkCountFor(loanCount: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(loanCount / chunkSize));
}

/**
 * Commits to a tape: encodes every loan with its salts, builds the tape tree and summarises it for the
 * given chunk size (default 256). The result is the originator's private state; publish only `root`.
 */
export async function commitTape(
  tape: Pick<LoanTape, "loans">,
  salts: TapeSalts,
  options: { chunkSize?: number } = {},
): Promise<TapeCommitment> {
  if (tape === null || typeof tape !== "object" || !Array.isArray(tape.loans))
    throw new TypeError("tape: expected { loans: LoanRecord[] }");
  const n = tape.loans.length;
  if (
    !salts ||
    !Array.isArray(salts.leaf) ||
    !Array.isArray(salts.borrower) ||
    salts.leaf.length !== n ||
    salts.borrower.length !== n
  ) {
    throw new TypeError(`salts: expected ${n} leaf salts and ${n} borrower salts`);
  }
  const chunkSize = options.chunkSize ?? 256;
  const { k, m } = chunkShape(chunkSize);
  // unique on the element each id is hashed as (a check on the strings could pass two ids of one element)
  const ids = new Map<bigint, number>();
  for (const [i, loan] of tape.loans.entries()) {
    let element: bigint;
    try {
      element = idToField("loanId", loan.loanId);
    } catch (err) {
      throw new TypeError(`tape.loans[${i}].${(err as Error).message}`);
    }
    const first = ids.get(element);
    if (first !== undefined)
      throw new TypeError(
        `tape.loans[${i}].loanId: duplicate "${loan.loanId}" (field element ${element}, as loans[${first}])`,
      );
    ids.set(element, i);
  }
  const poseidon = await getPoseidon();
  const encoded = tape.loans.map((loan, i) => {
    try {
      return encodeWithCommitment(
        poseidon,
        loan,
        borrowerCommitmentWith(poseidon, loan.borrowerRef, salts.borrower[i]!),
        salts.leaf[i]!,
      );
    } catch (err) {
      throw new TypeError(`tape.loans[${i}].${(err as Error).message}`);
    }
  });
  const leaves = encoded.map((e) => e.leaf);
  const levels = buildLevels(leaves, poseidon);
  const chunkCount = chunkCountFor(n, chunkSize);
  const chunkRoots: bigint[][] = [];
  for (let c = 0; c < chunkCount; c++)
    chunkRoots.push(Array.from({ length: m }, (_, t) => nodeAt(levels, k, c * m + t)));
  return {
    root: levels[TREE_HEIGHT]![0]!,
    leaves,
    encoded,
    levels,
    records: tape.loans,
    salts,
    chunkSize,
    chunkCount,
    chunkRoots,
  };
}

/** Opens loan `index` of a commitment for an auditor. */
export function openLoan(commitment: TapeCommitment, index: number): LoanOpening {
  if (!Number.isInteger(index) || index < 0 || index >= commitment.records.length) {
    throw new TypeError(
      `index: expected an integer in [0, ${commitment.records.length - 1}], got ${String(index)}`,
    );
  }
  const { borrowerRef: _omitted, ...record } = commitment.records[index]!;
  return {
    index,
    record,
    borrowerCommitment: commitment.encoded[index]!.borrowerCommitment,
    leafSalt: commitment.salts.leaf[index]!,
    siblings: pathSiblings(commitment.levels, 0, index),
  };
}

/** Checks an opening against a tape root: recomputes the leaf from the record and folds the path. */
export async function verifyOpening(root: bigint, opening: LoanOpening): Promise<boolean> {
  checkField("root", root);
  if (opening === null || typeof opening !== "object") throw new TypeError("opening: expected a LoanOpening");
  if (!Number.isInteger(opening.index) || opening.index < 0 || opening.index >= TREE_ARITY ** TREE_HEIGHT) {
    throw new TypeError(`opening.index: expected a leaf index, got ${String(opening.index)}`);
  }
  if (!Array.isArray(opening.siblings) || opening.siblings.length !== TREE_HEIGHT) {
    throw new TypeError(`opening.siblings: expected ${TREE_HEIGHT} levels`);
  }
  const poseidon = await getPoseidon();
  let leaf: bigint;
  try {
    leaf = encodeWithCommitment(poseidon, opening.record, opening.borrowerCommitment, opening.leafSalt).leaf;
  } catch {
    return false;
  }
  for (const level of opening.siblings) {
    if (!Array.isArray(level) || level.length !== TREE_ARITY - 1) return false;
    for (const s of level) if (typeof s !== "bigint" || s < 0n || s >= FIELD_P) return false;
  }
  return rootFromPath(leaf, 0, opening.index, opening.siblings, poseidon) === root;
}
