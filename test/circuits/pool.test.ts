/**
 * The pool attestation circuit (PoolAttestation(8)) against the independent model: random pools, edges,
 * multi-chunk pools, and negative tests that each fail for their stated reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitTape, randomSalts, type TapeCommitment } from "../../prover/commitment/encoding.ts";
import {
  domainWord,
  generateOriginatorKey,
  signAttestation,
  type AttestationMessage,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import { FIELD_P } from "../../prover/commitment/poseidon.ts";
import {
  aggregateFigures,
  BREACH,
  chunkFigures,
  modelPool,
  unpackFigures,
  type Figures,
} from "../../prover/model/index.ts";
import { DEFAULT_POLICY, policyHash, type Policy } from "../../prover/policy/index.ts";
import { LoanStatus, MAX_AMOUNT, type LoanRecord, type LoanTape } from "../../prover/tape/schema.ts";
import { buildPoolInput, type CircuitInput, type ProofContext } from "../../prover/witness/index.ts";
import { readFileSync } from "node:fs";
import { randomLoan, randomTape, rng } from "./gen.ts";
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
const ROOT_CHECK = (): RegExp => at("PoolAttestation", POOL, "level[LEVELS - 1].parent === root");
const A_BITS = (): RegExp => at("LoanSlot", "lib/loan.circom", "a.in <== wA");
const FIGC_CHECK = (): RegExp => at("PoolAttestation", POOL, "figC === weighted");

const PUBLIC = ["root", "pool", "policyHash", "keyHash", "figA", "figB", "figC"];
const FIG_A = PUBLIC.indexOf("figA");
/** The figures carried by a chunk's public signals (figA, figB, figC by name, not by position). */
const figuresIn = (signals: readonly bigint[]) =>
  unpackFigures(signals[FIG_A]!, signals[FIG_A + 1]!, signals[FIG_A + 2]!);
let circuit: Compiled;
let key: OriginatorKey;
let ctx: ProofContext;

beforeAll(async () => {
  circuit = await compileCircuit("circuits/pool/pool_attestation.circom", "PoolAttestation", [CHUNK], PUBLIC);
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
  opts: { message?: Partial<AttestationMessage>; signer?: OriginatorKey } = {},
): Promise<Attested> {
  const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
  const message: AttestationMessage = {
    root: commitment.root,
    poolId: tape.poolId,
    period: tape.period,
    asOfDate: tape.asOfDate,
    chunkCount: commitment.chunkCount,
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
  return PUBLIC.map((_, i) => readWire(w, 1 + i));
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
  asOfDate: 20422,
  currency: "USD",
  decimals: 2,
  loans,
});

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

function randomPolicy(r: () => number): Policy {
  const bps = (): number => Math.floor(r() * 10001);
  return {
    minCreditScore: Math.floor(r() * 1024),
    maxDaysPastDue: [0, 30, 90, 65535, Math.floor(r() * 200)][Math.floor(r() * 5)]!,
    maxLtvBps: r() < 0.3 ? 0 : Math.floor(r() * 65536),
    maxBucket30Bps: bps(),
    maxBucket60Bps: bps(),
    maxBucket90Bps: bps(),
    maxConcentrationBps: bps(),
    minPoolBalance: r() < 0.5 ? 0n : BigInt(Math.floor(r() * 2 ** 40)),
  };
}

describe("PoolAttestation(8) matches the model", () => {
  it("fits its budget shape: 7 public inputs", () => {
    expect(circuit.header.nPubIn).toBe(PUBLIC.length);
    expect(circuit.header.nPubOut).toBe(0);
  });

  it("on 8 random pools with random policies (seeded)", async () => {
    const r = rng(2026);
    for (let t = 0; t < 8; t++) {
      const n = 1 + Math.floor(r() * CHUNK);
      const tape = randomTape(1000 + t, n);
      const policy = t === 0 ? DEFAULT_POLICY : randomPolicy(r);
      const a = await attest(tape, policy);
      const signals = await accept(a.input);
      expect(figuresIn(signals)).toEqual(a.figures);
      // The negative twin: any other breach mask is refused.
      const figC = BigInt(a.input.figC as string) ^ (1n << 146n);
      await reject({ ...a.input, figC: figC.toString() }, FIGC_CHECK());
    }
  });

  it("on an empty chunk (all slots padding): zero figures, minScore 1023", async () => {
    const a = await attest(tape1([]), DEFAULT_POLICY);
    const f = figuresIn(await accept(a.input));
    expect(f).toMatchObject({ outstanding: 0n, activeCount: 0, minScore: 1023, maxLoanBalance: 0n });
    expect(f.breaches).toBe(0);
    expect(a.figures).toEqual(f);
  });

  it("on one loan, and on a full chunk of loans all 90+ days delinquent", async () => {
    const one = await attest(tape1([loan({})]), DEFAULT_POLICY);
    await accept(one.input);
    expect(one.figures.activeCount).toBe(1);
    const all = Array.from({ length: CHUNK }, (_, i) =>
      loan({ daysPastDue: 90 + i * 7, status: LoanStatus.Delinquent }, i),
    );
    const a = await attest(tape1(all), DEFAULT_POLICY);
    await accept(a.input);
    expect(a.figures.bucket90).toBe(a.figures.outstanding);
    expect(a.figures.breaches & BREACH.bucket90).toBeTruthy();
  });

  it("with every amount of every slot at 2^48 - 1", async () => {
    const m = MAX_AMOUNT;
    const loans = Array.from({ length: CHUNK }, (_, i) =>
      loan(
        {
          outstandingBalance: m,
          scheduledPayment: m,
          collectedAmount: m,
          chargedOffAmount: m,
          collateralValue: m,
          originalPrincipal: m,
          creditScore: 1023,
          daysPastDue: 65535,
          status: i % 2 ? LoanStatus.Defaulted : LoanStatus.Delinquent,
        },
        i,
      ),
    );
    const policy = { ...DEFAULT_POLICY, maxLtvBps: 65535, minPoolBalance: (1n << 62n) - 1n };
    const a = await attest(tape1(loans), policy);
    const signals = await accept(a.input);
    expect(figuresIn(signals).outstanding).toBe(BigInt(CHUNK) * m);
    expect(a.figures.breaches).toBe(
      BREACH.maxDaysPastDue | BREACH.bucket90 | BREACH.concentration | BREACH.minPoolBalance,
    );
  });

  it("with each covenant exactly at its limit (no breach) and one unit over (breach)", async () => {
    // 4 loans of 2500 each: bucket30 holds one (2500 bps), the largest is 2500 bps, LTV 8000 bps.
    const base = [
      loan({ outstandingBalance: 2500n, daysPastDue: 30, creditScore: 600, collateralValue: 3125n }, 0),
      loan({ outstandingBalance: 2500n, daysPastDue: 60, creditScore: 650 }, 1),
      loan({ outstandingBalance: 2500n, daysPastDue: 90, creditScore: 700 }, 2),
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
      const forged = BigInt(a.input.figC as string) & ((1n << 146n) - 1n);
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

describe("PoolAttestation(8) refuses", () => {
  let base: Attested;
  beforeAll(async () => {
    base = await attest(randomTape(9, 6), DEFAULT_POLICY);
  });

  it("amounts out of range: 2^48 (encoder), a word of 2^240 or 2^64 · 2^192, p - x, a score of 1024", async () => {
    await expect(
      attest(tape1([loan({ outstandingBalance: MAX_AMOUNT + 1n })]), DEFAULT_POLICY),
    ).rejects.toThrow(/outstandingBalance/);
    await expect(attest(tape1([loan({ collateralValue: 1n << 64n })]), DEFAULT_POLICY)).rejects.toThrow(
      /collateralValue/,
    );
    // In the circuit, a collateral of 2^48 (and one of 2^64) overflows the 240-bit word wA.
    const wA0 = BigInt((base.input.wA as string[])[0]!);
    await reject(withSlot(base.input, "wA", 0, wA0 + (1n << 240n)), A_BITS());
    await reject(withSlot(base.input, "wA", 0, wA0 + ((1n << 256n) % FIELD_P)), A_BITS());
    // A negative outstanding smuggled as p - 5.
    await reject(withSlot(base.input, "wA", 0, FIELD_P - 5n), A_BITS());
    // A score of 1024 spills past wB's 29 bits.
    const wB0 = BigInt((base.input.wB as string[])[0]!);
    await reject(
      withSlot(base.input, "wB", 0, (wB0 & ((1n << 19n) - 1n)) | (1024n << 19n)),
      at("LoanSlot", "lib/loan.circom", "b.in <== wB"),
    );
    // Status codes 5..7 do not exist.
    await reject(
      withSlot(base.input, "wB", 0, (wB0 & ~(7n << 16n)) | (5n << 16n)),
      at("LoanSlot", "lib/loan.circom", "s2 * (s0 + s1) === 0"),
    );
    // A policy parameter beyond its range, and a pool word beyond 144 bits.
    const policy = [...(base.input.policy as string[])];
    policy[7] = (1n << 62n).toString();
    await reject({ ...base.input, policy }, at("PoolAttestation", POOL, "policyBits[i].in <== policy[i]"));
    await reject(
      { ...base.input, pool: (BigInt(base.input.pool as string) + (1n << 144n)).toString() },
      at("PoolAttestation", POOL, "poolBits.in <== pool"),
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
    // Loan 2 declared empty: its words must then be zero, and with zero words its leaf (0) breaks the root.
    await reject(
      withSlot(base.input, "isEmpty", 2, 1n),
      at("LoanSlot", "lib/loan.circom", "isEmpty * wA === 0"),
    );
    let hidden = withSlot(
      withSlot(withSlot(withSlot(base.input, "isEmpty", 2, 1n), "wA", 2, 0n), "wB", 2, 0n),
      "hId",
      2,
      0n,
    );
    await reject(hidden, ROOT_CHECK());
    // Padding slot 7 carrying an amount (it would add to `scheduled`).
    await reject(
      withSlot(base.input, "wA", 7, 1n << 48n),
      at("LoanSlot", "lib/loan.circom", "isEmpty * wA === 0"),
    );
    // Padding slot 7 claimed as a loan of zeros: Poseidon(0, 0, 0) is not the empty leaf.
    hidden = withSlot(base.input, "isEmpty", 7, 0n);
    await reject(hidden, ROOT_CHECK());
    // 12 loans committed, but attested as one chunk (chunkCount 1): loans 8..11 sit right of the last chunk.
    const tape = randomTape(31, 12);
    const a = await attest(tape, DEFAULT_POLICY, 0, { message: { chunkCount: 1 } });
    const pool = BigInt(a.input.pool as string) - (1n << 128n); // chunkCount 2 -> 1
    await reject(
      { ...a.input, pool: pool.toString() },
      at("Arity16GroupLevel", "lib/tree.circom", "lastRight[g * m + t] * (siblings"),
    );
  });

  it("a chunk index outside the pool", async () => {
    const pool = BigInt(base.input.pool as string) + (1n << 112n); // chunkIndex 1 of 1
    await reject({ ...base.input, pool: pool.toString() }, at("PoolAttestation", POOL, "inRange.out === 1"));
  });

  it("a wrong key, and signatures for another period, domain, pool or policy", async () => {
    const tape = randomTape(9, 6);
    const other = await generateOriginatorKey();
    await reject(
      (await attest(tape, DEFAULT_POLICY, 0, { signer: other })).input,
      /ForceEqualIfEnabled_\d+ line[\s\S]*EdDSAPoseidonVerifier/,
    );
    // The other key's own valid signature, with its key as Ax, Ay, but our keyHash.
    const a = await attest(tape, DEFAULT_POLICY, 0, { signer: other });
    await reject(
      { ...a.input, Ax: other.publicKey[0].toString(), Ay: other.publicKey[1].toString() },
      at("PoolAttestation", POOL, "kh.out === keyHash"),
    );
    // The domain is private but bound by keyHash = Poseidon(Ax, Ay, domain): another registry's or chain's
    // domain, with the signature made for it, fails the key hash.
    for (const domain of [domainWord(ctx.registry, 1n), domainWord("0x" + "22".repeat(20), ctx.chainId)]) {
      const d = await attest(tape, DEFAULT_POLICY, 0, { message: { domain } });
      await reject(
        { ...d.input, domain: domain.toString() },
        at("PoolAttestation", POOL, "kh.out === keyHash"),
      );
    }
    const variants: Partial<AttestationMessage>[] = [
      { period: tape.period + 1 },
      { domain: domainWord(ctx.registry, 1n) },
      { domain: domainWord("0x" + "22".repeat(20), ctx.chainId) },
      { poolId: tape.poolId + 1n },
      { policyHash: await policyHash({ ...DEFAULT_POLICY, minCreditScore: 1 }) },
      { asOfDate: tape.asOfDate - 1 },
    ];
    for (const message of variants) {
      await reject((await attest(tape, DEFAULT_POLICY, 0, { message })).input, /EdDSAPoseidonVerifier/);
    }
  });

  it("no wire outside every constraint (only circomlib's two IsZero inverses in the EdDSA equality checks)", () => {
    // ForceEqualIfEnabled's IsZero leaves `inv` free when its input is 0 (circomlib 2.0.5); nothing else may be free.
    expect(freeWires(circuit).sort()).toEqual(["main.sig.eqCheckX.isz.inv", "main.sig.eqCheckY.isz.inv"]);
  });

  it("a valid witness with one wire edited (the r1cs check catches each)", async () => {
    const w = await witness(circuit, base.input);
    expect(await check(circuit, w)).toBe(true);
    const wires = [
      "main.figA",
      "main.figC",
      "main.slot[0].activeBalance",
      "main.slot[1].weighted",
      "main.slot[2].ge30Balance",
      "main.slot[3].minOut",
      "main.slot[4].maxOut",
      "main.slot[5].leaf",
      "main.slot[6].active",
      "main.slot[7].ltvBreach",
      "main.slot[7].dpdBreach",
      "main.slot[6].isEmpty",
      "main.slot[0].a.out[3]",
      "main.slot[0].b.out[17]",
      "main.subtree[0].root",
      "main.level[0].parent",
      "main.level[2].e[0]",
      "main.group.e[1]",
      "main.group.parent",
      "main.last.out",
      "main.ratioOver[0].out",
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

describe("model and circuit agree on larger random samples", () => {
  it("10 further random full or partial chunks", async () => {
    const r = rng(99);
    for (let t = 0; t < 10; t++) {
      const n = r() < 0.3 ? CHUNK : 1 + Math.floor(r() * CHUNK);
      const loans = Array.from({ length: n }, (_, i) => randomLoan(r, i));
      const a = await attest(tape1(loans), randomPolicy(r));
      const w = await witness(circuit, a.input);
      const got = unpackFigures(readWire(w, 1 + FIG_A), readWire(w, 2 + FIG_A), readWire(w, 3 + FIG_A));
      expect(got).toEqual(a.figures);
    }
  });
});
