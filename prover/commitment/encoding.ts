/**
 * Canonical encoding of a loan record into field elements, the salted leaf, and the tape commitment.
 * Specified in docs/ENCODING.md (with test vectors); the circuits read wA and wB bit by bit.
 *
 *   amount    = chargedOffAmount for a charged_off loan, outstandingBalance otherwise (the other is 0)
 *   headroom  = originalPrincipal - max(1, ceil(amount / 2))    (>= 0: amount <= 2 x principal, principal >= 1)
 *   dateSlack = asOfDate - originationDate - daysPastDue       (>= 0: the loan is at least that late)
 *   wA  = amount | scheduled << 48 | collected << 96 | collateral << 144 | headroom << 192
 *   wB  = daysPastDue | status << 16 | creditScore << 19 | dateSlack << 29
 *   wC  = maturityDate                                           (the loan's static terms no figure reads)
 *   wV  = interestRateBps | scoreDate << 16 | scoreProviderId << 32   (the period's terms no figure reads)
 *   borrowerSalt = borrowerKey = Poseidon(BORROWER_KEY_TAG, borrowerSecret)   (the secret stays with its holder)
 *   borrowerCommitment = Poseidon(idToField(borrowerRef), borrowerSalt)
 *   hLoan = Poseidon(idToField(loanId), wC, leafSalt)            (leafSalt is the loan's, the same every period)
 *   hId   = Poseidon(borrowerCommitment, hLoan)                  (the loan's stable identity)
 *   leaf  = Poseidon(wA, wB, hId, wV)
 *   state = amount | status << 48 | collected << 51 | originationDate << 99 | originalPrincipal << 115
 *   root  = Poseidon(leafRoot, slotRoot)   (the leaf tree; the slot tree of each slot's hId and state word)
 */
import { randomBytes } from "node:crypto";
import {
  AMOUNT_BITS,
  LoanStatus,
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
import {
  TREE_ARITY,
  TREE_HEIGHT,
  buildLevels,
  nodeAt,
  pathSiblings,
  rootFromPath,
  SLOT_TREE_HEIGHT,
  slotLeaves,
  tapeRoot,
} from "./tree.ts";
import { invalid, requireBigUint, requireField, requireUint, within } from "../../verifier-api/web/errors.js";

/**
 * Domain-separation tags of the values derived from an originator seed: loans' leaf salts (5), borrower
 * secrets (3) and committed chunks' salts (4). Retired, never reused: tag 2 derived the borrower salt itself
 * until issue 14 (a provider given such a salt in an opening must not hold a secret of today's derivation),
 * tag 1 a leaf salt per period until the stable identity of issue 15 (a salt per loan, the same every period).
 */
export const SALT_TAG_LEAF = 5n;
export const SALT_TAG_BORROWER_SECRET = 3n;
export const SALT_TAG_CHUNK = 4n;

/** The field elements of one loan. */
export interface EncodedLoan {
  wA: bigint;
  wB: bigint;
  wC: bigint;
  wV: bigint;
  /** The loan's state word, the leaf of the state tree (packSlotState). */
  state: bigint;
  loanIdField: bigint;
  borrowerCommitment: bigint;
  hLoan: bigint;
  hId: bigint;
  leaf: bigint;
}

/**
 * Per-loan salts: `leaf[i]` hides loan i's fields, `borrower[i]` hides its borrower reference and is the
 * borrower's key (`borrowerKey(secret)`), so that only the holder of the secret can prove as that borrower
 * and compute its nullifiers (docs/SCORES.md, "Borrower-level proofs").
 */
export interface TapeSalts {
  leaf: bigint[];
  borrower: bigint[];
}

/** The originator's (private) commitment to a tape. */
export interface TapeCommitment {
  /** Poseidon(leafRoot, slotRoot): the tape's root, the one value published. */
  root: bigint;
  /** The leaf tree's root (loan i's leaf at i) and the slot tree's (loan i's hId at 2i, state word at 2i + 1). */
  leafRoot: bigint;
  slotRoot: bigint;
  /** Leaves in tape order (loan i is leaf i). */
  leaves: bigint[];
  encoded: EncodedLoan[];
  /** levels[h]: non-empty nodes of height h of the leaf tree (see tree.ts); slotLevels of the slot tree. */
  levels: bigint[][];
  slotLevels: bigint[][];
  records: LoanRecord[];
  salts: TapeSalts;
  /** The tape's as-of date: the leaves' date slacks are counted from it (docs/ENCODING.md). */
  asOfDate: number;
  /** The chunking this commitment was summarised with (the root does not depend on it). */
  chunkSize: number;
  chunkCount: number;
  /** For each chunk, the roots of its m subtrees of height k (chunkSize = m * 16^k). */
  chunkRoots: bigint[][];
}

/** An opening of one loan: everything an auditor needs to recompute its leaf and path to the root. */
export interface LoanOpening {
  index: number;
  /** The as-of date of the tape (part of the leaf through the date slack). */
  asOfDate: number;
  /** The record without its borrower reference (which never leaves the originator). */
  record: Omit<LoanRecord, "borrowerRef">;
  borrowerCommitment: bigint;
  leafSalt: bigint;
  /** TREE_HEIGHT levels of 15 siblings, from the leaf upwards, to the leaf tree's root. */
  siblings: bigint[][];
  /** The slot tree's root: root = Poseidon(leafRoot, slotRoot). */
  slotRoot: bigint;
}

/** A bigint amount in [0, MAX_AMOUNT] (`requireBigUint` with the encoding's message), or throws. */
function checkAmount(name: string, v: unknown): bigint {
  return requireBigUint(name, v, MAX_AMOUNT, {
    strict: true,
    what: `a bigint amount in [0, 2^${AMOUNT_BITS} - 1]`,
  });
}

/**
 * An identifier (loan id, borrower reference) as one field element: its UTF-8 bytes read as a big-endian
 * integer, plus the byte length times 2^248 (so "a" and "\0a" differ). 1..31 bytes. Text that is not
 * well-formed UTF-16, or holds an invisible or bidi character, is refused (prover/tape/ids.ts): UTF-8 would
 * turn every lone surrogate into U+FFFD, and two ids into one element.
 */
export function idToField(name: string, id: string): bigint {
  if (typeof id !== "string") throw invalid(name, "expected a string");
  const text = idTextProblem(id);
  if (text !== undefined) throw invalid(name, `${JSON.stringify(id)} ${text}`);
  const bytes = Buffer.from(id, "utf8");
  if (bytes.length < 1 || bytes.length > MAX_ID_BYTES) {
    throw invalid(name, `expected 1..${MAX_ID_BYTES} UTF-8 bytes, got ${bytes.length}`);
  }
  const value = bytes.length === 0 ? 0n : BigInt("0x" + bytes.toString("hex"));
  return (BigInt(bytes.length) << 248n) + value;
}

/**
 * The one amount a leaf stores for the balance side of a loan: the charged-off amount of a charged_off loan,
 * the outstanding balance of any other (docs/TAPE.md: a charged_off loan has outstanding 0, no other status
 * has a charged-off amount). A record that breaks that pairing has no encoding.
 */
export function leafAmount(r: Omit<LoanRecord, "borrowerRef">): bigint {
  const outstanding = checkAmount("outstandingBalance", r.outstandingBalance);
  const chargedOff = checkAmount("chargedOffAmount", r.chargedOffAmount);
  if (r.status === LoanStatus.ChargedOff) {
    if (outstanding !== 0n)
      throw invalid("outstandingBalance", `a charged_off loan has outstanding 0, got ${outstanding}`);
    return chargedOff;
  }
  if (chargedOff !== 0n)
    throw invalid("chargedOffAmount", `only a charged_off loan has a charged-off amount, got ${chargedOff}`);
  return outstanding;
}

/** The least original principal a leaf amount allows: max(1, ceil(amount / 2)). */
export function leastPrincipal(amount: bigint): bigint {
  return amount === 0n ? 1n : (amount + 1n) / 2n;
}

/**
 * Packs the balance-side amount, scheduled payment, collected cash, collateral and principal headroom (wA).
 * headroom = originalPrincipal - max(1, ceil(amount / 2)) must not be negative: it is the tape rule "amount <=
 * 2 x originalPrincipal, originalPrincipal >= 1" as a field the circuit range-checks.
 */
export function packAmounts(r: Omit<LoanRecord, "borrowerRef">): bigint {
  const amount = leafAmount(r);
  const principal = checkAmount("originalPrincipal", r.originalPrincipal);
  if (principal === 0n) throw invalid("originalPrincipal", "must be at least 1, got 0");
  const headroom = principal - leastPrincipal(amount);
  if (headroom < 0n) {
    const field = r.status === LoanStatus.ChargedOff ? "chargedOffAmount" : "outstandingBalance";
    throw invalid(field, `${amount} is more than 2 x originalPrincipal ${principal}`);
  }
  return (
    amount |
    (checkAmount("scheduledPayment", r.scheduledPayment) << 48n) |
    (checkAmount("collectedAmount", r.collectedAmount) << 96n) |
    (checkAmount("collateralValue", r.collateralValue) << 144n) |
    (headroom << 192n)
  );
}

/**
 * Packs days past due, status, score and date slack (wB). dateSlack = asOfDate - originationDate -
 * daysPastDue must not be negative: it is the tape rule "daysPastDue <= asOfDate - originationDate" as a field
 * the circuit range-checks.
 */
export function packState(r: Omit<LoanRecord, "borrowerRef">, asOfDate: number): bigint {
  const dpd = requireUint("daysPastDue", r.daysPastDue, MAX_DAYS_PAST_DUE);
  const slack =
    requireUint("asOfDate", asOfDate, MAX_DAY) -
    requireUint("originationDate", r.originationDate, MAX_DAY) -
    dpd;
  if (slack < 0) {
    throw r.originationDate > asOfDate
      ? invalid("originationDate", `${r.originationDate} is after the as-of date ${asOfDate}`)
      : invalid(
          "daysPastDue",
          `${dpd} is more than the loan's age ${asOfDate - r.originationDate} at the as-of date`,
        );
  }
  return (
    BigInt(dpd) |
    (BigInt(requireUint("status", r.status, 4)) << 16n) |
    (BigInt(requireUint("creditScore", r.creditScore, MAX_CREDIT_SCORE)) << 19n) |
    (BigInt(slack) << 29n)
  );
}

/** Packs the loan's static terms no figure reads (wC, inside its stable identity hId). */
export function packStatic(r: Omit<LoanRecord, "borrowerRef">): bigint {
  return BigInt(requireUint("maturityDate", r.maturityDate, MAX_DAY));
}

/** Packs the period's committed terms no figure reads (wV, in the leaf): rate, score date, score provider. */
export function packVarying(r: Omit<LoanRecord, "borrowerRef">): bigint {
  return (
    BigInt(requireUint("interestRateBps", r.interestRateBps, MAX_RATE_BPS)) |
    (BigInt(requireUint("scoreDate", r.scoreDate, MAX_DAY)) << 16n) |
    (BigInt(requireUint("scoreProviderId", r.scoreProviderId, MAX_PROVIDER_ID)) << 32n)
  );
}

/**
 * The state word of a slot (docs/ENCODING.md, "The state tree"), the fields the roll-forward reads, each at
 * its offset: amount 48 | status 3 | collected 48 | originationDate 16 | originalPrincipal 49 (164 bits).
 * The pool circuit computes it from the leaf's range-checked words (originalPrincipal = headroom +
 * max(1, ceil(amount / 2)), originationDate = asOfDate - daysPastDue - dateSlack); an empty slot's is 0, a
 * loan's never is (originalPrincipal >= 1).
 */
export const SLOT_STATE = {
  amount: { shift: 0, bits: 48 },
  status: { shift: 48, bits: 3 },
  collected: { shift: 51, bits: 48 },
  originationDate: { shift: 99, bits: 16 },
  originalPrincipal: { shift: 115, bits: 49 },
} as const;
/** Bits of a state word. */
export const SLOT_STATE_BITS = 164;

/** Packs a loan's state word (the record is checked by packAmounts and packState first). */
export function packSlotState(r: Omit<LoanRecord, "borrowerRef">): bigint {
  const f = SLOT_STATE;
  return (
    (leafAmount(r) << BigInt(f.amount.shift)) |
    (BigInt(r.status) << BigInt(f.status.shift)) |
    (r.collectedAmount << BigInt(f.collected.shift)) |
    (BigInt(r.originationDate) << BigInt(f.originationDate.shift)) |
    (r.originalPrincipal << BigInt(f.originalPrincipal.shift))
  );
}

/** Unpacks a state word (the roll-forward's reading of it). */
export function unpackSlotState(word: bigint): Record<keyof typeof SLOT_STATE, bigint> {
  const out: Partial<Record<keyof typeof SLOT_STATE, bigint>> = {};
  for (const [name, { shift, bits }] of Object.entries(SLOT_STATE))
    out[name as keyof typeof SLOT_STATE] = (word >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
  return out as Record<keyof typeof SLOT_STATE, bigint>;
}

/** idToField("rwa-attest/borrower-key/v1"): the domain tag of a borrower key. */
export const BORROWER_KEY_TAG = idToField("tag", "rwa-attest/borrower-key/v1");

/**
 * A borrower's key: Poseidon(BORROWER_KEY_TAG, secret), the borrower salt of its loans' leaves. The key may be
 * shown (to the originator, to the score provider opening a borrower commitment); the secret may not: the
 * borrower circuit proves knowledge of it, and the nullifier is Poseidon(secret, scope).
 */
export function borrowerKeyWith(poseidon: PoseidonFn, secret: bigint): bigint {
  return poseidon([BORROWER_KEY_TAG, requireField("borrowerSecret", secret)]);
}

/** `borrowerKeyWith` with the shared Poseidon. */
export async function borrowerKey(secret: bigint): Promise<bigint> {
  return borrowerKeyWith(await getPoseidon(), secret);
}

/**
 * A borrower secret derived from the originator's seed: Poseidon(seed, 3, idToField(borrowerRef)). The
 * custodial case, for a borrower who gave no key of its own: the originator can prove on the borrower's behalf,
 * hand the secret over, and also compute the borrower's nullifiers (it can link them; the provider cannot).
 */
export function deriveBorrowerSecretWith(poseidon: PoseidonFn, seed: bigint, borrowerRef: string): bigint {
  return poseidon([
    requireField("seed", seed),
    SALT_TAG_BORROWER_SECRET,
    idToField("borrowerRef", borrowerRef),
  ]);
}

/** `deriveBorrowerSecretWith` with the shared Poseidon. */
export async function deriveBorrowerSecret(seed: bigint, borrowerRef: string): Promise<bigint> {
  return deriveBorrowerSecretWith(await getPoseidon(), seed, borrowerRef);
}

/** Poseidon(idToField(borrowerRef), borrowerSalt): the borrower commitment (stable across loans and tapes). */
export function borrowerCommitmentWith(
  poseidon: PoseidonFn,
  borrowerRef: string,
  borrowerSalt: bigint,
): bigint {
  return poseidon([idToField("borrowerRef", borrowerRef), requireField("borrowerSalt", borrowerSalt)]);
}

/**
 * Encodes a record of a tape with the given as-of date, whose borrower is given by its commitment
 * (synchronous, with a built Poseidon).
 */
export function encodeWithCommitment(
  poseidon: PoseidonFn,
  record: Omit<LoanRecord, "borrowerRef">,
  borrowerCommitment: bigint,
  leafSalt: bigint,
  asOfDate: number,
): EncodedLoan {
  if (record === null || typeof record !== "object") throw invalid("record", "expected a loan record");
  const wA = packAmounts(record);
  const wB = packState(record, asOfDate);
  const wC = packStatic(record);
  const wV = packVarying(record);
  const state = packSlotState(record);
  const loanIdField = idToField("loanId", record.loanId);
  requireField("borrowerCommitment", borrowerCommitment);
  const hLoan = poseidon([loanIdField, wC, requireField("leafSalt", leafSalt)]);
  const hId = poseidon([borrowerCommitment, hLoan]);
  const leaf = poseidon([wA, wB, hId, wV]);
  return { wA, wB, wC, wV, state, loanIdField, borrowerCommitment, hLoan, hId, leaf };
}

/** Encodes one loan record of a tape with the given as-of date, with its salts (docs/ENCODING.md). */
export async function encodeLoan(
  record: LoanRecord,
  leafSalt: bigint,
  borrowerSalt: bigint,
  asOfDate: number,
): Promise<EncodedLoan> {
  const poseidon = await getPoseidon();
  return encodeWithCommitment(
    poseidon,
    record,
    borrowerCommitmentWith(poseidon, record.borrowerRef, borrowerSalt),
    leafSalt,
    asOfDate,
  );
}

/** The leaf of one loan record of a tape with the given as-of date. */
export async function loanLeaf(
  record: LoanRecord,
  leafSalt: bigint,
  borrowerSalt: bigint,
  asOfDate: number,
): Promise<bigint> {
  return (await encodeLoan(record, leafSalt, borrowerSalt, asOfDate)).leaf;
}

/** A uniformly random field element (32 random bytes reduced mod p; the bias is below 2^-250). */
export function randomFieldElement(): bigint {
  return BigInt("0x" + randomBytes(32).toString("hex")) % FIELD_P;
}

/**
 * Borrower keys the borrowers supplied (borrowerRef to `borrowerKey(secret)` of a secret only the borrower
 * holds). A borrower listed here gets its key as borrower salt; the originator never learns the secret.
 */
export interface SaltOptions {
  borrowerKeys?: ReadonlyMap<string, bigint>;
}

function suppliedKey(options: SaltOptions, borrowerRef: string): bigint | undefined {
  const key = options.borrowerKeys?.get(borrowerRef);
  return key === undefined ? undefined : requireField(`borrowerKeys[${JSON.stringify(borrowerRef)}]`, key);
}

/**
 * Fresh random salts for a tape: one leaf salt per loan, one borrower salt per distinct borrower reference
 * (loans of the same borrower share the borrower commitment). A borrower in `options.borrowerKeys` gets its
 * key; any other a random salt that is nobody's key (no borrower proof can be made for it).
 */
export function randomSalts(tape: Pick<LoanTape, "loans">, options: SaltOptions = {}): TapeSalts {
  const byBorrower = new Map<string, bigint>();
  const leaf: bigint[] = [];
  const borrower: bigint[] = [];
  for (const loan of tape.loans) {
    leaf.push(randomFieldElement());
    let b = byBorrower.get(loan.borrowerRef);
    if (b === undefined)
      byBorrower.set(loan.borrowerRef, (b = suppliedKey(options, loan.borrowerRef) ?? randomFieldElement()));
    borrower.push(b);
  }
  return { leaf, borrower };
}

/**
 * Salts derived from a secret originator seed (a field element the originator keeps, like a key):
 * leafSalt = Poseidon(seed, 5, idToField(loanId)), the loan's for its whole life; borrowerSalt = the key the
 * borrower supplied in `options.borrowerKeys`, else `borrowerKey(deriveBorrowerSecret(seed, borrowerRef))`
 * (custodial: the originator holds that secret). The originator can then recompute any opening from the seed,
 * the tape and the supplied keys, and a loan's identity hId (and its borrower commitment) is the same in every
 * period: what the roll-forward compares (docs/ENCODING.md). A roll-forward needs these salts; `randomSalts`
 * gives a loan another identity in every tape.
 */
export async function deriveSalts(
  seed: bigint,
  tape: Pick<LoanTape, "loans" | "period">,
  options: SaltOptions = {},
): Promise<TapeSalts> {
  requireField("seed", seed);
  requireUint("period", tape.period, 0xffff_ffff);
  const poseidon = await getPoseidon();
  const leaf: bigint[] = [];
  const borrower: bigint[] = [];
  for (const loan of tape.loans) {
    leaf.push(poseidon([seed, SALT_TAG_LEAF, idToField("loanId", loan.loanId)]));
    borrower.push(
      suppliedKey(options, loan.borrowerRef) ??
        borrowerKeyWith(poseidon, deriveBorrowerSecretWith(poseidon, seed, loan.borrowerRef)),
    );
  }
  return { leaf, borrower };
}

/**
 * The salts of a committed attestation's chunk commitments (docs/CIRCUITS.md, PoolChunkCommitment), derived
 * from the originator's secret seed: Poseidon(seed, 4, root, chunkIndex). Fresh for every tape commitment
 * (the root), unknown to anyone without the seed (openings reveal leaf salts, another tag: not the seed), and
 * re-derivable by the originator, so a chunk's opening (its figures, from the tape, and this salt) need not be
 * kept anywhere else.
 */
export async function deriveChunkSalts(seed: bigint, root: bigint, chunkCount: number): Promise<bigint[]> {
  requireField("seed", seed);
  requireField("root", root);
  requireUint("chunkCount", chunkCount, 0xffff);
  const poseidon = await getPoseidon();
  return Array.from({ length: chunkCount }, (_, i) => poseidon([seed, SALT_TAG_CHUNK, root, BigInt(i)]));
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
  throw invalid("chunkSize", `expected a power of two from 4 to 4096, got ${String(chunkSize)}`);
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
  tape: Pick<LoanTape, "loans" | "asOfDate">,
  salts: TapeSalts,
  options: { chunkSize?: number } = {},
): Promise<TapeCommitment> {
  if (tape === null || typeof tape !== "object" || !Array.isArray(tape.loans))
    throw invalid("tape", "expected { loans: LoanRecord[], asOfDate }");
  const asOfDate = requireUint("tape.asOfDate", tape.asOfDate, MAX_DAY);
  const n = tape.loans.length;
  if (
    !salts ||
    !Array.isArray(salts.leaf) ||
    !Array.isArray(salts.borrower) ||
    salts.leaf.length !== n ||
    salts.borrower.length !== n
  ) {
    throw invalid("salts", `expected ${n} leaf salts and ${n} borrower salts`);
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
      throw within(`tape.loans[${i}].`, err, i + 1);
    }
    const first = ids.get(element);
    if (first !== undefined)
      throw invalid(
        `tape.loans[${i}].loanId`,
        `duplicate "${loan.loanId}" (field element ${element}, as loans[${first}])`,
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
        asOfDate,
      );
    } catch (err) {
      throw within(`tape.loans[${i}].`, err, i + 1);
    }
  });
  const leaves = encoded.map((e) => e.leaf);
  const levels = buildLevels(leaves, poseidon);
  const slotLevels = buildLevels(
    slotLeaves(
      encoded.map((e) => e.hId),
      encoded.map((e) => e.state),
    ),
    poseidon,
    SLOT_TREE_HEIGHT,
  );
  const chunkCount = chunkCountFor(n, chunkSize);
  const chunkRoots: bigint[][] = [];
  for (let c = 0; c < chunkCount; c++)
    chunkRoots.push(Array.from({ length: m }, (_, t) => nodeAt(levels, k, c * m + t)));
  const leafRoot = levels[TREE_HEIGHT]![0]!;
  const slotRoot = slotLevels[SLOT_TREE_HEIGHT]![0]!;
  return {
    root: tapeRoot(poseidon, leafRoot, slotRoot),
    leafRoot,
    slotRoot,
    leaves,
    encoded,
    levels,
    slotLevels,
    records: tape.loans,
    salts,
    asOfDate,
    chunkSize,
    chunkCount,
    chunkRoots,
  };
}

/** Opens loan `index` of a commitment for an auditor. */
export function openLoan(commitment: TapeCommitment, index: number): LoanOpening {
  if (!Number.isInteger(index) || index < 0 || index >= commitment.records.length) {
    throw invalid(
      "index",
      `expected an integer in [0, ${commitment.records.length - 1}], got ${String(index)}`,
    );
  }
  const { borrowerRef: _omitted, ...record } = commitment.records[index]!;
  return {
    index,
    asOfDate: commitment.asOfDate,
    record,
    borrowerCommitment: commitment.encoded[index]!.borrowerCommitment,
    leafSalt: commitment.salts.leaf[index]!,
    siblings: pathSiblings(commitment.levels, 0, index),
    slotRoot: commitment.slotRoot,
  };
}

/** Checks an opening against a tape root: recomputes the leaf from the record and folds the path. */
export async function verifyOpening(root: bigint, opening: LoanOpening): Promise<boolean> {
  requireField("root", root);
  if (opening === null || typeof opening !== "object") throw invalid("opening", "expected a LoanOpening");
  if (!Number.isInteger(opening.index) || opening.index < 0 || opening.index >= TREE_ARITY ** TREE_HEIGHT) {
    throw invalid("opening.index", `expected a leaf index, got ${String(opening.index)}`);
  }
  if (!Array.isArray(opening.siblings) || opening.siblings.length !== TREE_HEIGHT) {
    throw invalid("opening.siblings", `expected ${TREE_HEIGHT} levels`);
  }
  const poseidon = await getPoseidon();
  let leaf: bigint;
  try {
    leaf = encodeWithCommitment(
      poseidon,
      opening.record,
      opening.borrowerCommitment,
      opening.leafSalt,
      opening.asOfDate,
    ).leaf;
  } catch {
    return false;
  }
  for (const level of opening.siblings) {
    if (!Array.isArray(level) || level.length !== TREE_ARITY - 1) return false;
    for (const s of level) if (typeof s !== "bigint" || s < 0n || s >= FIELD_P) return false;
  }
  if (typeof opening.slotRoot !== "bigint" || opening.slotRoot < 0n || opening.slotRoot >= FIELD_P)
    return false;
  const leafRoot = rootFromPath(leaf, 0, opening.index, opening.siblings, poseidon);
  return tapeRoot(poseidon, leafRoot, opening.slotRoot) === root;
}
