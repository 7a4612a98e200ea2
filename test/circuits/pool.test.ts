/**
 * The statement about one chunk (PoolChunk(8), which both chunk circuits make: PoolAttestation publishes its
 * figures, PoolChunkCommitment commits to them) against the independent model: random pools, edges,
 * multi-chunk pools, and negative tests that each fail for their stated reason. PoolAttestation's own rules
 * (one chunk, the minimum pool size) are in min-pool.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitTape,
  randomSalts,
  type EncodedLoan,
  type TapeCommitment,
} from "../../prover/commitment/encoding.ts";
import {
  domainWord,
  generateOriginatorKey,
  signAttestation,
  type AttestationMessage,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import { FIELD_P, getPoseidon } from "../../prover/commitment/poseidon.ts";
import { TREE_HEIGHT, buildLevels } from "../../prover/commitment/tree.ts";
import {
  aggregateFigures,
  BREACH,
  chunkFigures,
  modelPool,
  unpackFigures,
  type Figures,
} from "../../prover/model/index.ts";
import { policyHash, type Policy } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { LoanStatus, MAX_AMOUNT, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { buildPoolInput, type CircuitInput, type ProofContext } from "../../prover/witness/index.ts";
import { readFileSync } from "node:fs";
import { AS_OF, randomLoan, randomPolicy, randomTape, rng } from "./gen.ts";
import {
  check,
  compileCircuit,
  editWire,
  failure,
  freeWires,
  readWire,
  terminateCurve,
  witness,
  wireOf,
  type Compiled,
} from "./helpers.ts";

const CHUNK = 8;

/** A regexp for circom's failure report at the line of `file` that contains `text` (in `template`). */
function at(template: string, file: string, text: string): RegExp {
  const lines = readFileSync(new URL(`../../circuits/${file}`, import.meta.url), "utf8").split("\n");
  const n = lines.findIndex((l) => l.includes(text));
  if (n < 0) throw new Error(`${file}: no line contains ${text}`);
  return new RegExp(`${template}_\\d+ line: ${n + 1}\\b`);
}
const POOL = "pool/pool_attestation.circom";
const ROOT_CHECK = (): RegExp => at("PoolChunk", POOL, "level[LEVELS - 1].parent === root");
const SLOT = "lib/loan.circom";
const A_BITS = (): RegExp => at("LoanSlot", SLOT, "a.in <== wA");
const B_BITS = (): RegExp => at("LoanSlot", SLOT, "b.in <== wB");
const REPAID_RULE = (): RegExp => at("LoanSlot", SLOT, "s2 * (s0 + s1 + x + dpd) === 0");
const AMOUNT_RULE = (): RegExp => at("LoanSlot", SLOT, "(x + s2) * amountInv === 1 - isEmpty");
const PERFORMING_RULE = (): RegExp => at("LoanSlot", SLOT, "performing * ge30Balance === 0");
const DELINQUENT_RULE = (): RegExp => at("LoanSlot", SLOT, "dpd * dpdInv === delinquent");
const EMPTY_WORDS = (): RegExp => at("LoanSlot", SLOT, "isEmpty * (wA + wB) === 0");
const PACKED = (): RegExp => at("PoolChunk", POOL, "emptyStep[i] * (emptyStep[i] - 1) === 0");
const COUNT_CHECK = (): RegExp => at("PoolChunk", POOL, "-emptyCount === last.out");
const LAST_FILL = (): RegExp => at("PoolChunk", POOL, "lastFill.in <== loanCount");
const FIGC_CHECK = (): RegExp => at("PoolChunk", POOL, "figC === weighted");

const PUBLIC = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"];
/** PoolChunk's outputs (activeLoans, chunks): the witness's first wires, before the public inputs. */
const OUTPUTS = 2;
const FIG_A = PUBLIC.indexOf("figA");
/** The figures carried by a chunk's public signals (figA, figB, figC by name, not by position). */
const figuresIn = (signals: readonly bigint[]) =>
  unpackFigures(signals[FIG_A]!, signals[FIG_A + 1]!, signals[FIG_A + 2]!);
let circuit: Compiled;
let key: OriginatorKey;
let ctx: ProofContext;

beforeAll(async () => {
  circuit = await compileCircuit("circuits/pool/pool_attestation.circom", "PoolChunk", [CHUNK], PUBLIC);
  key = await generateOriginatorKey();
  ctx = { publicKey: key.publicKey, chainId: 31337n, registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
});

afterAll(async () => {
  await terminateCurve();
});

interface Attested {
  tape: LoanTape;
  commitment: TapeCommitment;
  input: CircuitInput;
  figures: Figures;
}

/** Commits, signs (with optional changes to the signed message or key) and builds chunk `chunkIndex`'s input. */
async function attest(
  tape: LoanTape,
  policy: Policy,
  chunkIndex = 0,
  opts: {
    message?: Partial<AttestationMessage>;
    signer?: OriginatorKey;
    commitment?: TapeCommitment;
  } = {},
): Promise<Attested> {
  const commitment = opts.commitment ?? (await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK }));
  const message: AttestationMessage = {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
    loanCount: tape.loans.length,
    domain: domainWord(ctx.registry, ctx.chainId),
    policyHash: await policyHash(policy),
    ...opts.message,
  };
  const signature = await signAttestation((opts.signer ?? key).privateKey, message);
  const { input } = await buildPoolInput(tape, policy, commitment, signature, ctx, chunkIndex, CHUNK);
  const loans = tape.loans.slice(chunkIndex * CHUNK, (chunkIndex + 1) * CHUNK);
  return { tape, commitment, input, figures: chunkFigures(loans, policy) };
}

/** Witness computed and checked; returns the public signals read back from the witness. */
async function accept(input: CircuitInput, full = true): Promise<bigint[]> {
  const w = await witness(circuit, input);
  // The witness calculator already evaluates every constraint of an honest computation; the r1cs check
  // (slower) runs on most inputs anyway, and on every forged witness.
  if (full) expect(await check(circuit, w)).toBe(true);
  return PUBLIC.map((_, i) => readWire(w, 1 + OUTPUTS + i));
}

/** The witness calculator must refuse the input, with a message matching `reason`. */
async function reject(input: CircuitInput, reason: RegExp): Promise<void> {
  const msg = await failure(witness(circuit, input));
  expect(msg, "witness unexpectedly computed").not.toBe("");
  expect(msg).toMatch(reason);
}

function withSlot(
  input: CircuitInput,
  name: "wA" | "wB" | "hId" | "isEmpty",
  i: number,
  v: bigint,
): CircuitInput {
  const arr = [...(input[name] as string[])];
  arr[i] = v.toString();
  return { ...input, [name]: arr };
}

const tape1 = (loans: LoanRecord[]): LoanTape => ({
  poolId: 77n,
  period: 202611,
  asOfDate: AS_OF,
  currency: "USD",
  decimals: 2,
  loans,
});

/**
 * A forger's commitment: the honest one with the given leaves' words replaced (no encoder checks) or emptied,
 * the tree rebuilt over them. The forger signs its root like any other.
 */
async function forge(
  commitment: TapeCommitment,
  edits: Record<number, { wA?: bigint; wB?: bigint } | "empty">,
): Promise<TapeCommitment> {
  const poseidon = await getPoseidon();
  const encoded: EncodedLoan[] = commitment.encoded.map((e, i) => {
    const edit = edits[i];
    if (edit === undefined) return e;
    if (edit === "empty") return { ...e, wA: 0n, wB: 0n, hId: 0n, leaf: 0n };
    const wA = edit.wA ?? e.wA;
    const wB = edit.wB ?? e.wB;
    return { ...e, wA, wB, leaf: poseidon([wA, wB, e.hId]) };
  });
  const leaves = encoded.map((e) => e.leaf);
  const levels = buildLevels(leaves, poseidon);
  return { ...commitment, encoded, leaves, levels, root: levels[TREE_HEIGHT]![0]! };
}

/**
 * A word with its top field replaced (wA's headroom, bits 192..239, or wB's date slack, bits 29..44), reduced mod
 * p as a forger's field element would be: a negative value wraps to p - ..., far above the word's bits.
 */
function withTop(word: bigint, field: "headroom" | "slack", value: bigint): bigint {
  const shift = field === "headroom" ? 192n : 29n;
  const cleared = word & ((1n << shift) - 1n);
  return (((cleared + value * (1n << shift)) % FIELD_P) + FIELD_P) % FIELD_P;
}

function loan(over: Partial<LoanRecord>, i = 0): LoanRecord {
  return {
    loanId: `L${i}`,
    borrowerRef: `B${i}`,
    originationDate: 19000,
    maturityDate: 21000,
    originalPrincipal: 1_000_000n,
    outstandingBalance: 800_000n,
    interestRateBps: 700,
    scheduledPayment: 20_000n,
    collectedAmount: 20_000n,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: 700,
    scoreProviderId: 1,
    scoreDate: 20400,
    collateralValue: 0n,
    ...over,
  };
}

describe("PoolChunk(8) matches the model", () => {
  it("fits its budget shape: 7 public inputs, and its two outputs for the wrappers (activeLoans, chunks)", () => {
    expect(circuit.header.nPubIn).toBe(PUBLIC.length);
    expect(circuit.header.nPubOut).toBe(OUTPUTS);
  });

  it("on 8 random pools with random policies (seeded)", async () => {
    const r = rng(2026);
    for (let t = 0; t < 8; t++) {
      const n = 1 + Math.floor(r() * CHUNK);
      const tape = randomTape(1000 + t, n);
      const policy = t === 0 ? TEST_POLICY : randomPolicy(r);
      const a = await attest(tape, policy);
      const signals = await accept(a.input);
      expect(figuresIn(signals)).toEqual(a.figures);
      // The negative twin: any other breach mask is refused.
      const figC = BigInt(a.input.figC as string) ^ (1n << 154n);
      await reject({ ...a.input, figC: figC.toString() }, FIGC_CHECK());
    }
  });

  it("never on a tape without loans: the witness builder refuses, the circuit refuses loanCount 0", async () => {
    const none = tape1([]);
    const empty = await commitTape(none, randomSalts(none), { chunkSize: CHUNK });
    await expect(
      buildPoolInput(none, TEST_POLICY, empty, { R8: [0n, 1n], S: 0n }, ctx, 0, CHUNK),
    ).rejects.toThrow(/holds no loan/);
    // The signer refuses to sign loanCount 0; a pool word claiming 0 loans fails the chunk count check (before
    // the signature is even looked at): 0 - 0 * 8 - 1 is not a 3-bit number.
    await expect(attest(tape1([loan({})]), TEST_POLICY, 0, { message: { loanCount: 0 } })).rejects.toThrow(
      /loanCount: expected at least 1/,
    );
    const a = await attest(tape1([loan({})]), TEST_POLICY);
    const pool = BigInt(a.input.pool as string) - (1n << 144n);
    await reject({ ...a.input, pool: pool.toString() }, LAST_FILL());
  });

  it("on one loan, and on a full chunk of loans all 90+ days delinquent", async () => {
    const one = await attest(tape1([loan({})]), TEST_POLICY);
    await accept(one.input);
    expect(one.figures.activeCount).toBe(1);
    const all = Array.from({ length: CHUNK }, (_, i) =>
      loan({ daysPastDue: 90 + i * 7, status: LoanStatus.Delinquent }, i),
    );
    const a = await attest(tape1(all), TEST_POLICY);
    await accept(a.input);
    expect(a.figures.bucket90).toBe(a.figures.outstanding);
    expect(a.figures.breaches & BREACH.bucket90).toBeTruthy();
  });

  it("with every amount of every slot at 2^48 - 1", async () => {
    // Every field at its largest valid value: amounts 2^48 - 1, a loan as late as it is old (originated on
    // day 0), a charged-off amount beside the active ones.
    const m = MAX_AMOUNT;
    const statuses = [LoanStatus.Delinquent, LoanStatus.Defaulted, LoanStatus.ChargedOff];
    const loans = Array.from({ length: CHUNK }, (_, i) => {
      const status = statuses[i % 3]!;
      return loan(
        {
          outstandingBalance: status === LoanStatus.ChargedOff ? 0n : m,
          scheduledPayment: m,
          collectedAmount: m,
          chargedOffAmount: status === LoanStatus.ChargedOff ? m : 0n,
          collateralValue: m,
          originalPrincipal: m,
          creditScore: 1023,
          originationDate: 0,
          daysPastDue: AS_OF,
          status,
        },
        i,
      );
    });
    const policy = { ...TEST_POLICY, maxLtvBps: 65535, minPoolBalance: (1n << 62n) - 1n };
    const a = await attest(tape1(loans), policy);
    const signals = await accept(a.input);
    expect(figuresIn(signals)).toEqual(a.figures);
    expect(a.figures.outstanding).toBe(6n * m);
    expect(a.figures.chargedOff).toBe(2n * m);
    expect(a.figures.breaches).toBe(
      BREACH.maxDaysPastDue | BREACH.bucket90 | BREACH.concentration | BREACH.minPoolBalance,
    );
  });

  it("with each covenant exactly at its limit (no breach) and one unit over (breach)", async () => {
    // 4 loans of 2500 each: bucket30 holds one (2500 bps), the largest is 2500 bps, LTV 8000 bps.
    const base = [
      loan(
        {
          status: LoanStatus.Delinquent,
          outstandingBalance: 2500n,
          daysPastDue: 30,
          creditScore: 600,
          collateralValue: 3125n,
        },
        0,
      ),
      loan(
        { status: LoanStatus.Delinquent, outstandingBalance: 2500n, daysPastDue: 60, creditScore: 650 },
        1,
      ),
      loan(
        { status: LoanStatus.Delinquent, outstandingBalance: 2500n, daysPastDue: 90, creditScore: 700 },
        2,
      ),
      loan({ outstandingBalance: 2500n, daysPastDue: 10, creditScore: 750 }, 3),
    ];
    const atLimit: Policy = {
      minCreditScore: 600,
      maxDaysPastDue: 90,
      maxLtvBps: 8000,
      maxBucket30Bps: 2500,
      maxBucket60Bps: 2500,
      maxBucket90Bps: 2500,
      maxConcentrationBps: 2500,
      minPoolBalance: 10000n,
      minActiveLoans: 4, // at its limit too: the pool has 4 active loans
    };
    const ok = await attest(tape1(base), atLimit);
    expect(ok.figures.breaches).toBe(0);
    await accept(ok.input);
    const over: [keyof Policy, number | bigint, number][] = [
      ["minCreditScore", 601, BREACH.minCreditScore],
      ["maxDaysPastDue", 89, BREACH.maxDaysPastDue],
      ["maxLtvBps", 7999, BREACH.maxLtv],
      ["maxBucket30Bps", 2499, BREACH.bucket30],
      ["maxBucket60Bps", 2499, BREACH.bucket60],
      ["maxBucket90Bps", 2499, BREACH.bucket90],
      ["maxConcentrationBps", 2499, BREACH.concentration],
      ["minPoolBalance", 10001n, BREACH.minPoolBalance],
    ];
    for (const [param, value, bit] of over) {
      const a = await attest(tape1(base), { ...atLimit, [param]: value });
      expect(a.figures.breaches, param).toBe(bit);
      const signals = await accept(a.input, false);
      expect(figuresIn(signals).breaches, param).toBe(bit);
      // Claiming compliance (breach bits forced to 0) is refused.
      const forged = BigInt(a.input.figC as string) & ((1n << 154n) - 1n);
      await reject({ ...a.input, figC: forged.toString() }, FIGC_CHECK());
    }
  });

  it("across chunks: each chunk of a 20-loan pool proves, and the aggregate matches the model", async () => {
    const tape = randomTape(77, 20);
    const policy = randomPolicy(rng(5));
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const signature = await signAttestation(key.privateKey, {
      root: commitment.root,
      poolId: tape.poolId,
      period: tape.period,
      asOfDate: tape.asOfDate,
      chunkCount: 3,
      loanCount: 20,
      domain: domainWord(ctx.registry, ctx.chainId),
      policyHash: await policyHash(policy),
    });
    const chunks: Figures[] = [];
    for (let c = 0; c < 3; c++) {
      const { input } = await buildPoolInput(tape, policy, commitment, signature, ctx, c, CHUNK);
      const s = await accept(input);
      expect(s[0]).toBe(commitment.root);
      chunks.push(figuresIn(s));
    }
    expect(aggregateFigures(chunks, policy)).toEqual(modelPool(tape.loans, policy, CHUNK).pool);
    // A proof of chunk 1 with chunk 0's place (or chunk 2's) in the tree is refused.
    const { input } = await buildPoolInput(tape, policy, commitment, signature, ctx, 1, CHUNK);
    const other = await buildPoolInput(tape, policy, commitment, signature, ctx, 2, CHUNK);
    await reject({ ...input, groupSiblings: other.input.groupSiblings! }, ROOT_CHECK());
    // A tampered sibling of a chunk that is not the last breaks the root.
    const siblings = (input.siblings as string[][]).map((l) => [...l]);
    siblings[0]![0] = (BigInt(siblings[0]![0]!) + 1n).toString();
    await reject({ ...input, siblings }, ROOT_CHECK());
    const groupSiblings = [...(input.groupSiblings as string[])];
    groupSiblings[0] = (BigInt(groupSiblings[0]!) + 1n).toString();
    await reject({ ...input, groupSiblings }, ROOT_CHECK());
  });
});

describe("PoolChunk(8) refuses", () => {
  let base: Attested;
  beforeAll(async () => {
    base = await attest(randomTape(9, 6), TEST_POLICY);
  });

  it("amounts out of range: 2^48 (encoder), a word of 2^240 or 2^64 · 2^192, p - x, a wB of 2^45", async () => {
    await expect(attest(tape1([loan({ outstandingBalance: MAX_AMOUNT + 1n })]), TEST_POLICY)).rejects.toThrow(
      /outstandingBalance/,
    );
    await expect(attest(tape1([loan({ collateralValue: 1n << 64n })]), TEST_POLICY)).rejects.toThrow(
      /collateralValue/,
    );
    // In the circuit, a headroom of 2^48 (and a collateral of 2^112) overflows the 240-bit word wA.
    const wA0 = BigInt((base.input.wA as string[])[0]!);
    await reject(withSlot(base.input, "wA", 0, wA0 + (1n << 240n)), A_BITS());
    await reject(withSlot(base.input, "wA", 0, wA0 + ((1n << 256n) % FIELD_P)), A_BITS());
    // A negative amount smuggled as p - 5.
    await reject(withSlot(base.input, "wA", 0, FIELD_P - 5n), A_BITS());
    // A date slack of 2^16 spills past wB's 45 bits.
    const wB0 = BigInt((base.input.wB as string[])[0]!);
    await reject(withSlot(base.input, "wB", 0, wB0 + (1n << 45n)), B_BITS());
    // Status codes 5..7 do not exist.
    await reject(withSlot(base.input, "wB", 0, (wB0 & ~(7n << 16n)) | (5n << 16n)), REPAID_RULE());
    // A policy parameter beyond its range, and a pool word beyond 176 bits.
    const policy = [...(base.input.policy as string[])];
    policy[7] = (1n << 62n).toString();
    await reject(
      { ...base.input, policy },
      at("PolicyParams", "lib/covenants.circom", "bits[i].in <== policy[i]"),
    );
    await reject(
      { ...base.input, pool: (BigInt(base.input.pool as string) + (1n << 176n)).toString() },
      at("PoolChunk", POOL, "poolBits.in <== pool"),
    );
  });

  it("a tampered leaf or path", async () => {
    await accept(base.input);
    const hId0 = BigInt((base.input.hId as string[])[0]!);
    await reject(withSlot(base.input, "hId", 0, hId0 + 1n), ROOT_CHECK());
    const wA3 = BigInt((base.input.wA as string[])[3]!);
    await reject(withSlot(base.input, "wA", 3, wA3 ^ 1n), ROOT_CHECK());
    const siblings = (base.input.siblings as string[][]).map((l) => [...l]);
    siblings[2]![5] = (BigInt(siblings[2]![5]!) + 1n).toString();
    // A one-chunk pool is its own last chunk: every sibling is right of it and must be empty.
    await reject(
      { ...base.input, siblings },
      at("Arity16PathLevel", "lib/tree.circom", "lastRight[j] * (siblings[j]"),
    );
  });

  it("a real loan hidden as padding, padding with data, and a loan hidden after the last chunk", async () => {
    // base: 6 loans, slots 6 and 7 empty. Loan 2 declared empty between loans: the tape is not packed.
    await reject(withSlot(base.input, "isEmpty", 2, 1n), PACKED());
    // The last loan (5) declared empty, words zeroed: packed, but the chunk then holds 5 loans, not 6.
    const hidden = withSlot(
      withSlot(withSlot(withSlot(base.input, "isEmpty", 5, 1n), "wA", 5, 0n), "wB", 5, 0n),
      "hId",
      5,
      0n,
    );
    await reject(hidden, COUNT_CHECK());
    // The last loan declared empty with its words kept: an empty slot's words are zero.
    await reject(withSlot(base.input, "isEmpty", 5, 1n), EMPTY_WORDS());
    // Padding slot 7 carrying an amount (it would add to `scheduled`).
    await reject(withSlot(base.input, "wA", 7, 1n << 48n), EMPTY_WORDS());
    // Padding slot 7 claimed as a loan after the empty slot 6: not packed.
    await reject(withSlot(base.input, "isEmpty", 7, 0n), PACKED());
    // 12 loans committed, attested as one full chunk of 8 (chunkCount 1, loanCount 8, signed so): loans 8..11
    // sit right of the last chunk in the tree.
    const tape = randomTape(31, 12);
    const a = await attest(tape, TEST_POLICY, 0, { message: { chunkCount: 1, loanCount: 8 } });
    const pool = BigInt(a.input.pool as string) - (1n << 128n) - (4n << 144n); // chunkCount 2 -> 1, 12 -> 8
    await reject(
      { ...a.input, pool: pool.toString() },
      at("Arity16GroupLevel", "lib/tree.circom", "lastRight[g * m + t] * (siblings"),
    );
  });

  it("a chunk index outside the pool", async () => {
    const pool = BigInt(base.input.pool as string) + (1n << 112n); // chunkIndex 1 of 1
    await reject({ ...base.input, pool: pool.toString() }, at("PoolChunk", POOL, "inRange.out === 1"));
  });

  it("a wrong key, and signatures for another period, domain, pool or policy", async () => {
    const tape = randomTape(9, 6);
    const other = await generateOriginatorKey();
    await reject(
      (await attest(tape, TEST_POLICY, 0, { signer: other })).input,
      /ForceEqualIfEnabled_\d+ line[\s\S]*EdDSAPoseidonVerifier/,
    );
    // The other key's own valid signature, with its key as Ax, Ay, but our keyHash.
    const a = await attest(tape, TEST_POLICY, 0, { signer: other });
    await reject(
      { ...a.input, Ax: other.publicKey[0].toString(), Ay: other.publicKey[1].toString() },
      at("PoolChunk", POOL, "kh.out === keyHash"),
    );
    // The domain is private but bound by keyHash = Poseidon(Ax, Ay, domain): another registry's or chain's
    // domain, with the signature made for it, fails the key hash.
    for (const domain of [domainWord(ctx.registry, 1n), domainWord("0x" + "22".repeat(20), ctx.chainId)]) {
      const d = await attest(tape, TEST_POLICY, 0, { message: { domain } });
      await reject({ ...d.input, domain: domain.toString() }, at("PoolChunk", POOL, "kh.out === keyHash"));
    }
    const variants: Partial<AttestationMessage>[] = [
      { period: tape.period + 1 },
      { domain: domainWord(ctx.registry, 1n) },
      { domain: domainWord("0x" + "22".repeat(20), ctx.chainId) },
      { poolId: tape.poolId + 1n },
      { policyHash: await policyHash({ ...TEST_POLICY, minCreditScore: 1 }) },
      { asOfDate: tape.asOfDate - 1 },
    ];
    for (const message of variants) {
      await reject((await attest(tape, TEST_POLICY, 0, { message })).input, /EdDSAPoseidonVerifier/);
    }
  });

  it("no wire outside every constraint (only circomlib's two IsZero inverses in the EdDSA equality checks)", () => {
    // ForceEqualIfEnabled's IsZero leaves `inv` free when its input is 0 (circomlib 2.0.5); nothing else may be free.
    expect(freeWires(circuit).sort()).toEqual(["main.sig.eqCheckX.isz.inv", "main.sig.eqCheckY.isz.inv"]);
  });

  it("a valid witness with one wire edited (the r1cs check catches each)", async () => {
    const w = await witness(circuit, base.input);
    expect(await check(circuit, w)).toBe(true);
    // An inverse witness is pinned only where its operand is non-zero (as in circomlib's IsZero): edit the
    // dpd inverse of a loan that is days past due.
    const late = (base.input.wB as string[]).findIndex((x) => (BigInt(x) & 0xffffn) !== 0n);
    expect(late).toBeGreaterThanOrEqual(0);
    const wires = [
      "main.figA",
      "main.figC",
      "main.slot[0].outstanding",
      "main.slot[0].chargedOff",
      "main.slot[1].weighted",
      "main.slot[2].ge30Balance",
      "main.slot[2].hiBalance",
      "main.slot[3].minGap",
      "main.slot[4].maxGap",
      "main.slot[5].leaf",
      "main.slot[6].active",
      "main.slot[7].ltvHit",
      "main.slot[7].dpdBreach",
      "main.slot[6].isEmpty",
      "main.slot[0].s01",
      "main.slot[0].amountInv",
      `main.slot[${late}].dpdInv`,
      "main.slot[0].a.out[3]",
      "main.slot[0].b.out[17]",
      "main.slot[0].a.out[200]",
      "main.slot[0].b.out[40]",
      "main.minScore",
      "main.maxBalance",
      "main.minProduct[3]",
      "main.maxProduct[3]",
      "main.emptyStep[6]",
      "main.lastFill.out[0]",
      "main.covenants.anyLtv",
      "main.subtree[0].root",
      "main.level[0].parent",
      "main.level[2].e[0]",
      "main.group.e[1]",
      "main.group.parent",
      "main.last.out",
      "main.covenants.ratioOver[0].out",
      "main.msg.out",
    ];
    let edited = 0;
    for (const name of wires) {
      const i = wireOf(circuit, name);
      if (i < 0) continue; // eliminated by --O2 (a linear combination of other wires)
      edited++;
      const forged = editWire(w, i, readWire(w, i) + 1n);
      expect(await check(circuit, forged), name).toBe(false);
    }
    expect(edited).toBeGreaterThanOrEqual(12);
  });
});

describe("PoolChunk(8) holds every tape rule that decides a figure (docs/TAPE.md)", () => {
  const good = (n: number): LoanRecord[] =>
    Array.from({ length: n }, (_, i) => loan({ outstandingBalance: 100_000n + BigInt(i) }, i));
  /** A chunk of 4 good loans with `bad` in slot 4; its witness must fail at `reason`. */
  async function refused(bad: Partial<LoanRecord>, reason: RegExp): Promise<void> {
    const a = await attest(tape1([...good(4), loan(bad, 4)]), TEST_POLICY);
    await reject(a.input, reason);
  }
  async function accepted(ok: Partial<LoanRecord>): Promise<void> {
    const a = await attest(tape1([...good(4), loan(ok, 4)]), TEST_POLICY);
    expect(figuresIn(await accept(a.input))).toEqual(a.figures);
  }

  it("the issue's attack: loans 200 days past due with 900,000 balances committed as repaid", async () => {
    const repaid = { status: LoanStatus.Repaid, daysPastDue: 200, outstandingBalance: 900_000n };
    const tape = tape1([...good(4), ...[4, 5, 6, 7].map((i) => loan(repaid, i))]);
    // The model (which reads only the status) would drop them from outstanding and every bucket; the
    // witness cannot be computed.
    await reject((await attest(tape, TEST_POLICY)).input, REPAID_RULE());
    // Either half of the lie alone is refused too; a true repaid loan (0 balance, 0 days) is accepted.
    await refused({ status: LoanStatus.Repaid, daysPastDue: 200, outstandingBalance: 0n }, REPAID_RULE());
    await refused({ status: LoanStatus.Repaid, daysPastDue: 0, outstandingBalance: 900_000n }, REPAID_RULE());
    await accepted({ status: LoanStatus.Repaid, daysPastDue: 0, outstandingBalance: 0n });
  });

  it("an active loan has a positive balance, a charged-off loan a positive charged-off amount", async () => {
    for (const status of [LoanStatus.Performing, LoanStatus.Delinquent, LoanStatus.Defaulted])
      await refused({ status, daysPastDue: 40 * Math.min(status, 1), outstandingBalance: 0n }, AMOUNT_RULE());
    await refused(
      { status: LoanStatus.ChargedOff, outstandingBalance: 0n, chargedOffAmount: 0n },
      AMOUNT_RULE(),
    );
    await accepted({ status: LoanStatus.Defaulted, daysPastDue: 95, outstandingBalance: 1n });
    await accepted({
      status: LoanStatus.ChargedOff,
      outstandingBalance: 0n,
      chargedOffAmount: 1n,
      daysPastDue: 9,
    });
  });

  it("a charged-off loan has outstanding 0 and only it has a charged-off amount: the leaf has one amount", async () => {
    // The leaf stores one amount, which the status makes the charged-off amount or the balance: a record
    // with both has no leaf at all.
    const both = loan({ status: LoanStatus.ChargedOff, outstandingBalance: 5n, chargedOffAmount: 7n });
    await expect(commitTape(tape1([both]), randomSalts(tape1([both])))).rejects.toThrow(
      /outstandingBalance: a charged_off loan has outstanding 0/,
    );
    const other = loan({ status: LoanStatus.Delinquent, daysPastDue: 3, chargedOffAmount: 7n });
    await expect(commitTape(tape1([other]), randomSalts(tape1([other])))).rejects.toThrow(
      /chargedOffAmount: only a charged_off loan/,
    );
    // Flipping a delinquent leaf's status bits to charged_off (code 3) moves its amount from outstanding to
    // chargedOff: a different leaf, so a different root, which the originator signs; the figures follow it.
    const a = await attest(
      tape1([
        loan({
          status: LoanStatus.ChargedOff,
          chargedOffAmount: 900_000n,
          outstandingBalance: 0n,
          daysPastDue: 200,
        }),
      ]),
      TEST_POLICY,
    );
    const f = figuresIn(await accept(a.input));
    expect([f.outstanding, f.chargedOff, f.bucket90, f.activeCount]).toEqual([0n, 900_000n, 0n, 0]);
  });

  it("performing is under 30 days past due, delinquent at least 1 day", async () => {
    await refused({ status: LoanStatus.Performing, daysPastDue: 30 }, PERFORMING_RULE());
    await refused({ status: LoanStatus.Performing, daysPastDue: 200 }, PERFORMING_RULE());
    await accepted({ status: LoanStatus.Performing, daysPastDue: 29 });
    await refused({ status: LoanStatus.Delinquent, daysPastDue: 0 }, DELINQUENT_RULE());
    await accepted({ status: LoanStatus.Delinquent, daysPastDue: 1 });
    await accepted({ status: LoanStatus.Defaulted, daysPastDue: 0 });
  });

  it("outstanding and charged-off amounts stay within 2 x original principal, which is at least 1", async () => {
    await accepted({ originalPrincipal: 500n, outstandingBalance: 1000n });
    await accepted({ originalPrincipal: 500n, outstandingBalance: 999n });
    await accepted({
      status: LoanStatus.ChargedOff,
      originalPrincipal: 500n,
      outstandingBalance: 0n,
      chargedOffAmount: 1000n,
    });
    // The encoder has no word for an amount above 2 x principal (its headroom would be negative) ...
    const over = tape1([loan({ originalPrincipal: 500n, outstandingBalance: 1001n })]);
    await expect(commitTape(over, randomSalts(over))).rejects.toThrow(
      /outstandingBalance: 1001 is more than 2 x/,
    );
    // ... and a forger's word with headroom -1 (p - 2^192 + ... in the field) fails wA's 240-bit range check.
    for (const status of [LoanStatus.Delinquent, LoanStatus.ChargedOff]) {
      const ok = tape1([
        ...good(4),
        loan(
          {
            status,
            daysPastDue: 5,
            originationDate: AS_OF - 5,
            originalPrincipal: 500n,
            outstandingBalance: status === LoanStatus.ChargedOff ? 0n : 1000n,
            chargedOffAmount: status === LoanStatus.ChargedOff ? 1000n : 0n,
          },
          4,
        ),
      ]);
      const honest = await commitTape(ok, randomSalts(ok), { chunkSize: CHUNK });
      // amount 1002 > 2 x 500: headroom 500 - ceil(1002 / 2) = -1.
      const wA = withTop(honest.encoded[4]!.wA + 2n, "headroom", -1n);
      const forged = await forge(honest, { 4: { wA } });
      await reject((await attest(ok, TEST_POLICY, 0, { commitment: forged })).input, A_BITS());
    }
    // Original principal 0: no encoding (headroom = 0 - max(1, ceil(0 / 2)) = -1), and the forger's word
    // for a repaid loan of principal 0 fails the range check.
    const zero = tape1([loan({ status: LoanStatus.Repaid, outstandingBalance: 0n, originalPrincipal: 0n })]);
    await expect(commitTape(zero, randomSalts(zero))).rejects.toThrow(
      /originalPrincipal: must be at least 1/,
    );
    const repaid = tape1([
      ...good(4),
      loan(
        { status: LoanStatus.Repaid, outstandingBalance: 0n, originalPrincipal: 1n, originationDate: AS_OF },
        4,
      ),
    ]);
    const honest = await commitTape(repaid, randomSalts(repaid), { chunkSize: CHUNK });
    await accept((await attest(repaid, TEST_POLICY, 0, { commitment: honest })).input);
    const forged = await forge(honest, { 4: { wA: withTop(honest.encoded[4]!.wA, "headroom", -1n) } });
    await reject((await attest(repaid, TEST_POLICY, 0, { commitment: forged })).input, A_BITS());
  });

  it("a loan is not more days past due than it is old, and not originated after the as-of date", async () => {
    await accepted({ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 120 });
    await accepted({ originationDate: AS_OF, daysPastDue: 0 });
    for (const bad of [
      { status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 121 },
      { originationDate: AS_OF + 1, daysPastDue: 0 },
    ]) {
      const t = tape1([loan(bad)]);
      await expect(commitTape(t, randomSalts(t))).rejects.toThrow(
        /daysPastDue: 121 is more|originationDate: \d+ is after/,
      );
    }
    // The forger's word: date slack -1.
    const ok = tape1([
      ...good(4),
      loan({ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 120 }, 4),
    ]);
    const honest = await commitTape(ok, randomSalts(ok), { chunkSize: CHUNK });
    const forged = await forge(honest, { 4: { wB: withTop(honest.encoded[4]!.wB + 1n, "slack", -1n) } }); // dpd 121
    await reject((await attest(ok, TEST_POLICY, 0, { commitment: forged })).input, B_BITS());
  });

  it("the tape validation refuses every record the circuit refuses (one list of rules)", async () => {
    const { validateTape } = await import("../../prover/tape/validate.ts");
    const bad: [Partial<LoanRecord>, string][] = [
      [{ status: LoanStatus.Repaid, daysPastDue: 200, outstandingBalance: 900_000n }, "outstandingBalance"],
      [{ status: LoanStatus.Repaid, daysPastDue: 3, outstandingBalance: 0n }, "daysPastDue"],
      [{ status: LoanStatus.Performing, outstandingBalance: 0n }, "outstandingBalance"],
      [{ status: LoanStatus.ChargedOff, outstandingBalance: 0n, chargedOffAmount: 0n }, "chargedOffAmount"],
      [{ status: LoanStatus.ChargedOff, outstandingBalance: 5n, chargedOffAmount: 7n }, "outstandingBalance"],
      [{ status: LoanStatus.Delinquent, daysPastDue: 3, chargedOffAmount: 7n }, "chargedOffAmount"],
      [{ status: LoanStatus.Performing, daysPastDue: 30 }, "daysPastDue"],
      [{ status: LoanStatus.Delinquent, daysPastDue: 0 }, "daysPastDue"],
      [{ originalPrincipal: 500n, outstandingBalance: 1001n }, "outstandingBalance"],
      [{ status: LoanStatus.Repaid, outstandingBalance: 0n, originalPrincipal: 0n }, "originalPrincipal"],
      [{ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 121 }, "daysPastDue"],
      [{ originationDate: AS_OF + 1, daysPastDue: 0 }, "originationDate"],
    ];
    for (const [over, field] of bad) {
      const problems = validateTape(tape1([loan(over)]));
      expect(
        problems.map((p) => p.field),
        JSON.stringify(over, (_k, v: unknown) => String(v)),
      ).toContain(field);
    }
  });
});

describe("PoolChunk(8) proves the tape is packed below its committed loan count", () => {
  it("refuses a loan count that disagrees with the loans, signed or not", async () => {
    const tape = randomTape(9, 6);
    for (const loanCount of [5, 7]) {
      const a = await attest(tape, TEST_POLICY, 0, { message: { loanCount } });
      const pool = BigInt(a.input.pool as string) + (BigInt(loanCount - 6) << 144n);
      await reject({ ...a.input, pool: pool.toString() }, COUNT_CHECK());
    }
  });

  it("refuses a chunk count that is not ceil(loanCount / chunkSize)", async () => {
    // 12 loans need 2 chunks of 8: claimed 3 (chunk 0 of 3), and 4 loans claimed in 2 chunks.
    const twelve = randomTape(12, 12);
    const a = await attest(twelve, TEST_POLICY, 0, { message: { chunkCount: 3 } });
    await reject(
      { ...a.input, pool: (BigInt(a.input.pool as string) + (1n << 128n)).toString() },
      LAST_FILL(),
    );
    const four = randomTape(4, 4);
    const b = await attest(four, TEST_POLICY, 0, { message: { chunkCount: 2 } });
    await reject(
      { ...b.input, pool: (BigInt(b.input.pool as string) + (1n << 128n)).toString() },
      LAST_FILL(),
    );
  });

  it("refuses a non-last chunk that is not full, and a loan after an empty slot", async () => {
    // A 12-loan tape whose tree has slots 3..7 empty: chunk 0 holds 3 loans, chunk 1 the other 8... but
    // chunk 0 is not the last, so it must be full.
    const tape = randomTape(21, 12);
    const honest = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const hollow = await forge(honest, { 3: "empty", 4: "empty", 5: "empty", 6: "empty", 7: "empty" });
    const a = await attest(tape, TEST_POLICY, 0, { commitment: hollow });
    const isEmpty = (a.input.isEmpty as string[]).map((_, i) => (i >= 3 ? "1" : "0"));
    await reject({ ...a.input, isEmpty }, COUNT_CHECK());
    // Only slot 3 empty: slots 4..7 are loans after an empty slot.
    const holed = await forge(honest, { 3: "empty" });
    const b = await attest(tape, TEST_POLICY, 0, { commitment: holed });
    await reject(
      { ...b.input, isEmpty: (b.input.isEmpty as string[]).map((_, i) => (i === 3 ? "1" : "0")) },
      PACKED(),
    );
    // The honest commitment proves both chunks.
    for (const c of [0, 1]) await accept((await attest(tape, TEST_POLICY, c, { commitment: honest })).input);
  });
});

describe("model and circuit agree on larger random samples", () => {
  it("10 further random full or partial chunks", async () => {
    const r = rng(99);
    for (let t = 0; t < 10; t++) {
      const n = r() < 0.3 ? CHUNK : 1 + Math.floor(r() * CHUNK);
      const loans = Array.from({ length: n }, (_, i) => randomLoan(r, i));
      const a = await attest(tape1(loans), randomPolicy(r));
      const w = await witness(circuit, a.input);
      const got = unpackFigures(
        readWire(w, 1 + OUTPUTS + FIG_A),
        readWire(w, 2 + OUTPUTS + FIG_A),
        readWire(w, 3 + OUTPUTS + FIG_A),
      );
      expect(got).toEqual(a.figures);
    }
  });
});
