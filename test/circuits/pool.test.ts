/**
 * The statement about one chunk (PoolChunk(8), which both chunk circuits make: PoolAttestation publishes its
 * figures, PoolChunkCommitment commits to them) against the independent model: random pools, edges,
 * multi-chunk pools, and negative tests that each fail for their stated reason. PoolAttestation's own rules
 * (one chunk, the minimum pool size) are in min-pool.test.ts.
 *
 * One claim per test, through the typed circuit tester (test/support/circuit-tester.ts); each test gets its
 * fixtures from `it`'s context: the compiled circuit (once per file), and, built for the test, an
 * originator (a key, the proof context, and `attest`, which commits, signs and builds a chunk's input) and
 * the chunks the tests are twins of.
 */
import { afterAll, describe, expect, test } from "vitest";
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
  type AttestationSignature,
  type OriginatorKey,
} from "../../prover/commitment/keys.ts";
import { FIELD_P, getPoseidon } from "../../prover/commitment/poseidon.ts";
import { TREE_HEIGHT, buildLevels } from "../../prover/commitment/tree.ts";
import { aggregateFigures, BREACH, chunkFigures, modelPool, type Figures } from "../../prover/model/index.ts";
import { policyHash, type Policy } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { testOriginator } from "../support/originator.ts";
import {
  LOAN_STATUS_NAMES,
  LoanStatus,
  MAX_AMOUNT,
  type LoanRecord,
  type LoanTape,
} from "../../prover/tape/schema.ts";
import { validateTape } from "../../prover/tape/validate.ts";
import { buildPoolInput, type ProofContext } from "../../prover/witness/index.ts";
import { withElement, type Signals } from "../support/circuit-tester.ts";
import {
  CHUNK,
  POOL_PUBLIC,
  compilePool,
  figuresOf,
  type PoolInputName,
  type PoolTester,
} from "../support/pool-circuits.ts";
import { AS_OF, loan, randomLoan, randomPolicy, randomTape, rng } from "./gen.ts";
import { failsAt, terminateCurve } from "./helpers.ts";

type Input = Signals<PoolInputName>;

const POOL = "pool/pool_attestation.circom";
const ROOT_CHECK = (): RegExp => failsAt("PoolChunk", POOL, "tapeRoot.root === root");
const SLOT = "lib/loan.circom";
const A_BITS = (): RegExp => failsAt("LoanSlot", SLOT, "a.in <== wA");
const B_BITS = (): RegExp => failsAt("LoanSlot", SLOT, "b.in <== wB");
const REPAID_RULE = (): RegExp => failsAt("LoanSlot", SLOT, "s2 * (s0 + s1 + x + dpd) === 0");
const AMOUNT_RULE = (): RegExp => failsAt("LoanSlot", SLOT, "(x + s2) * amountInv === 1 - isEmpty");
const PERFORMING_RULE = (): RegExp => failsAt("LoanSlot", SLOT, "performing * ge30Balance === 0");
const DELINQUENT_RULE = (): RegExp => failsAt("LoanSlot", SLOT, "dpd * dpdInv === delinquent");
const EMPTY_WORDS = (): RegExp => failsAt("LoanSlot", SLOT, "isEmpty * (wA + wB) === 0");
const PACKED = (): RegExp => failsAt("PoolChunk", POOL, "emptyStep[i] * (emptyStep[i] - 1) === 0");
const COUNT_CHECK = (): RegExp => failsAt("PoolChunk", POOL, "-emptyCount === last.out");
const LAST_FILL = (): RegExp => failsAt("PoolChunk", POOL, "lastFill.in <== loanCount");
const FIGC_CHECK = (): RegExp => failsAt("PoolChunk", POOL, "figC === weighted");
const KEY_HASH = (): RegExp => failsAt("PoolChunk", POOL, "kh.out === keyHash");

/** PoolChunk's outputs (activeLoans, chunks), for the wrappers. */
const OUTPUTS = 2;

/** A chunk's input, with the tape, its commitment and the model's figures of the chunk. */
interface Attested {
  tape: LoanTape;
  commitment: TapeCommitment;
  input: Input;
  figures: Figures;
}

interface AttestOptions {
  message?: Partial<AttestationMessage>;
  signer?: OriginatorKey;
  commitment?: TapeCommitment;
}

/** The originator: its key, the proof context, and the chunk inputs it makes. */
interface Originator {
  key: OriginatorKey;
  ctx: ProofContext;
  /** The message the originator signs for `tape` under `commitment` and `policy`. */
  message(tape: LoanTape, commitment: TapeCommitment, policy: Policy): Promise<AttestationMessage>;
  /**
   * Commits, signs (with optional changes to the signed message or key) and builds chunk `chunkIndex`'s
   * input.
   */
  attest(tape: LoanTape, policy: Policy, chunkIndex?: number, opts?: AttestOptions): Promise<Attested>;
}

/** A 20-loan pool of 3 chunks, committed and signed, and the input of each chunk. */
interface Twenty {
  tape: LoanTape;
  policy: Policy;
  commitment: TapeCommitment;
  signature: AttestationSignature;
  input(chunkIndex: number): Promise<Input>;
}

/** A chunk of 4 good loans and one more loan in slot 4, refused at a rule or accepted with its figures. */
interface Fifth {
  refused(bad: Partial<LoanRecord>, reason: RegExp): Promise<void>;
  accepted(ok: Partial<LoanRecord>): Promise<void>;
}

const tape1 = (loans: LoanRecord[]): LoanTape => ({
  poolId: 77n,
  period: 202611,
  asOfDate: AS_OF,
  currency: "USD",
  decimals: 2,
  loans,
});

const good = (n: number): LoanRecord[] =>
  Array.from({ length: n }, (_, i) => loan({ outstandingBalance: 100_000n + BigInt(i) }, i));

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

/** An input's word as a bigint (`word(input, "pool")`, `word(input, "wA", 3)`). */
function word(input: Input, name: PoolInputName, i?: number): bigint {
  const v = input[name];
  return BigInt((i === undefined ? v : (v as readonly string[])[i]) as string);
}

const it = test.extend<{
  circuit: PoolTester;
  originator: Originator;
  /** A 6-loan one-chunk pool (slots 6 and 7 empty) under TEST_POLICY: the refusals' twin. */
  base: Attested;
  twenty: Twenty;
  fifth: Fifth;
}>({
  circuit: [async ({}, use) => use(await compilePool("PoolChunk")), { scope: "file" }],
  originator: async ({ circuit }, use) => {
    const { key, ctx, message, sign } = await testOriginator();
    const attest: Originator["attest"] = async (tape, policy, chunkIndex = 0, opts = {}) => {
      const { commitment, signature } = await sign(tape, policy, CHUNK, opts);
      const { input } = await buildPoolInput(tape, policy, commitment, signature, ctx, chunkIndex, CHUNK);
      const loans = tape.loans.slice(chunkIndex * CHUNK, (chunkIndex + 1) * CHUNK);
      return { tape, commitment, input: circuit.input(input), figures: chunkFigures(loans, policy) };
    };
    await use({ key, ctx, message, attest });
  },
  base: async ({ circuit, originator }, use) => {
    const base = await originator.attest(randomTape(9, 6), TEST_POLICY);
    // Every refusal of it is its twin: the witness calculator accepts it, or the test fails here.
    await circuit.expectWitness(base.input);
    await use(base);
  },
  twenty: async ({ circuit, originator }, use) => {
    const tape = randomTape(77, 20);
    const policy = randomPolicy(rng(5));
    const commitment = await commitTape(tape, randomSalts(tape), { chunkSize: CHUNK });
    const message = await originator.message(tape, commitment, policy);
    expect([message.chunkCount, message.loanCount]).toEqual([3, 20]);
    const signature = await signAttestation(originator.key.privateKey, message);
    const input = async (c: number) =>
      circuit.input(
        (await buildPoolInput(tape, policy, commitment, signature, originator.ctx, c, CHUNK)).input,
      );
    await use({ tape, policy, commitment, signature, input });
  },
  fifth: async ({ circuit, originator }, use) => {
    const chunk = async (last: Partial<LoanRecord>) =>
      originator.attest(tape1([...good(4), loan(last, 4)]), TEST_POLICY);
    await use({
      async refused(bad, reason) {
        await circuit.expectFail((await chunk(bad)).input, reason);
      },
      async accepted(ok) {
        const a = await chunk(ok);
        expect(figuresOf(circuit, await circuit.expectPass(a.input))).toEqual(a.figures);
      },
    });
  },
});

afterAll(terminateCurve);

describe("PoolChunk(8) matches the model", () => {
  it("fits its budget shape: 7 public inputs, and its two outputs for the wrappers (activeLoans, chunks)", ({
    circuit,
  }) => {
    expect(circuit.compiled.header.nPubIn).toBe(POOL_PUBLIC.length);
    expect(circuit.compiled.header.nPubOut).toBe(OUTPUTS);
  });

  /** 8 random pools with random policies (seeded). */
  async function randomPools(originator: Originator): Promise<Attested[]> {
    const r = rng(2026);
    const pools: Attested[] = [];
    for (let t = 0; t < 8; t++) {
      const n = 1 + Math.floor(r() * CHUNK);
      const tape = randomTape(1000 + t, n);
      const policy = t === 0 ? TEST_POLICY : randomPolicy(r);
      pools.push(await originator.attest(tape, policy));
    }
    return pools;
  }

  it("proves each of 8 random pools with random policies (seeded), with the model's figures", async ({
    circuit,
    originator,
  }) => {
    for (const a of await randomPools(originator))
      expect(figuresOf(circuit, await circuit.expectPass(a.input))).toEqual(a.figures);
  });

  it("refuses any other breach mask on each of the 8 random pools", async ({ circuit, originator }) => {
    for (const a of await randomPools(originator)) {
      const figC = word(a.input, "figC") ^ (1n << 154n);
      await circuit.expectFail({ ...a.input, figC: figC.toString() }, FIGC_CHECK());
    }
  });

  // Never on a tape without loans.
  it("the witness builder refuses a tape without loans", async ({ originator }) => {
    const none = tape1([]);
    const empty = await commitTape(none, randomSalts(none), { chunkSize: CHUNK });
    await expect(
      buildPoolInput(none, TEST_POLICY, empty, { R8: [0n, 1n], S: 0n }, originator.ctx, 0, CHUNK),
    ).rejects.toThrow(/holds no loan/);
  });

  it("the signer refuses to sign loanCount 0", async ({ originator }) => {
    await expect(
      originator.attest(tape1([loan({})]), TEST_POLICY, 0, { message: { loanCount: 0 } }),
    ).rejects.toThrow(/loanCount: expected at least 1/);
  });

  it("refuses a pool word claiming 0 loans, at the chunk count check (before the signature)", async ({
    circuit,
    originator,
  }) => {
    // 0 - 0 * 8 - 1 is not a 3-bit number.
    const a = await originator.attest(tape1([loan({})]), TEST_POLICY);
    const pool = word(a.input, "pool") - (1n << 144n);
    await circuit.expectFail({ ...a.input, pool: pool.toString() }, LAST_FILL());
  });

  it("proves one loan, with the model's figures (one active loan)", async ({ circuit, originator }) => {
    const one = await originator.attest(tape1([loan({})]), TEST_POLICY);
    expect(figuresOf(circuit, await circuit.expectPass(one.input))).toEqual(one.figures);
    expect(one.figures.activeCount).toBe(1);
  });

  it("proves a full chunk of loans all 90+ days delinquent, all of it in bucket90, in breach", async ({
    circuit,
    originator,
  }) => {
    const all = Array.from({ length: CHUNK }, (_, i) =>
      loan({ daysPastDue: 90 + i * 7, status: LoanStatus.Delinquent }, i),
    );
    const a = await originator.attest(tape1(all), TEST_POLICY);
    expect(figuresOf(circuit, await circuit.expectPass(a.input))).toEqual(a.figures);
    expect(a.figures.bucket90).toBe(a.figures.outstanding);
    expect(a.figures.breaches & BREACH.bucket90).toBeTruthy();
  });

  describe("with every field of every slot at its largest valid value", () => {
    // Amounts 2^48 - 1, a loan as late as it is old (originated on day 0), a charged-off amount beside the
    // active ones.
    const m = MAX_AMOUNT;
    const statuses = [LoanStatus.Delinquent, LoanStatus.Defaulted, LoanStatus.ChargedOff];
    const largest = (): LoanTape =>
      tape1(
        Array.from({ length: CHUNK }, (_, i) => {
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
        }),
      );
    const policy = { ...TEST_POLICY, maxLtvBps: 65535, minPoolBalance: (1n << 62n) - 1n };

    it("proves the chunk, with the model's figures", async ({ circuit, originator }) => {
      const a = await originator.attest(largest(), policy);
      expect(figuresOf(circuit, await circuit.expectPass(a.input))).toEqual(a.figures);
    });

    it("its figures reach their extremes: outstanding 6 x (2^48 - 1), charged off 2 x, four breaches", () => {
      const figures = chunkFigures(largest().loans, policy);
      expect(figures.outstanding).toBe(6n * m);
      expect(figures.chargedOff).toBe(2n * m);
      expect(figures.breaches).toBe(
        BREACH.maxDaysPastDue | BREACH.bucket90 | BREACH.concentration | BREACH.minPoolBalance,
      );
    });
  });

  describe("with each covenant exactly at its limit (no breach) and one unit over (breach)", () => {
    // 4 loans of 2500 each: bucket30 holds one (2500 bps), the largest is 2500 bps, LTV 8000 bps.
    const base = (): LoanTape =>
      tape1([
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
      ]);
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

    it("proves the chunk with every covenant at its limit, with no breach", async ({
      circuit,
      originator,
    }) => {
      const ok = await originator.attest(base(), atLimit);
      expect(ok.figures.breaches).toBe(0);
      await circuit.expectPass(ok.input);
    });

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
      it(`publishes only the ${param} breach at ${String(value)}, one unit over`, async ({
        circuit,
        originator,
      }) => {
        const a = await originator.attest(base(), { ...atLimit, [param]: value });
        expect(a.figures.breaches, param).toBe(bit);
        expect(figuresOf(circuit, await circuit.expectWitness(a.input)).breaches, param).toBe(bit);
      });

      it(`refuses compliance claimed (breach bits forced to 0) with ${param} at ${String(value)}`, async ({
        circuit,
        originator,
      }) => {
        const a = await originator.attest(base(), { ...atLimit, [param]: value });
        const forged = word(a.input, "figC") & ((1n << 154n) - 1n);
        await circuit.expectFail({ ...a.input, figC: forged.toString() }, FIGC_CHECK());
      });
    }
  });

  describe("across chunks: a 20-loan pool in 3 chunks", () => {
    it("proves each chunk against the pool's root", async ({ circuit, twenty }) => {
      for (let c = 0; c < 3; c++)
        await circuit.expectPass(await twenty.input(c), { root: twenty.commitment.root });
    });

    it("its chunks' figures aggregate to the model of the pool", async ({ circuit, twenty }) => {
      const chunks: Figures[] = [];
      for (let c = 0; c < 3; c++)
        chunks.push(figuresOf(circuit, await circuit.expectWitness(await twenty.input(c))));
      expect(aggregateFigures(chunks, twenty.policy)).toEqual(
        modelPool(twenty.tape.loans, twenty.policy, CHUNK).pool,
      );
    });

    it("refuses a proof of chunk 1 with chunk 2's place in the tree (its group siblings)", async ({
      circuit,
      twenty,
    }) => {
      const other = await twenty.input(2);
      await circuit.expectFail(
        { ...(await twenty.input(1)), groupSiblings: other.groupSiblings },
        ROOT_CHECK(),
      );
    });

    it("refuses a tampered sibling of a chunk that is not the last", async ({ circuit, twenty }) => {
      const input = await twenty.input(1);
      const siblings = (input.siblings as string[][]).map((l) => [...l]);
      siblings[0]![0] = (BigInt(siblings[0]![0]!) + 1n).toString();
      await circuit.expectFail({ ...input, siblings }, ROOT_CHECK());
    });

    it("refuses a tampered slot-tree sibling of a chunk that is not the last", async ({
      circuit,
      twenty,
    }) => {
      const input = await twenty.input(1);
      const siblings = (input.slotSiblings as string[][]).map((l) => [...l]);
      siblings[0]![0] = (BigInt(siblings[0]![0]!) + 1n).toString();
      await circuit.expectFail({ ...input, slotSiblings: siblings }, ROOT_CHECK());
      await circuit.expectFail(
        withElement(input, "slotGroupSiblings", 0, word(input, "slotGroupSiblings", 0) + 1n),
        ROOT_CHECK(),
      );
    });

    it("refuses a tampered group sibling of a chunk that is not the last", async ({ circuit, twenty }) => {
      const input = await twenty.input(1);
      await circuit.expectFail(
        withElement(input, "groupSiblings", 0, word(input, "groupSiblings", 0) + 1n),
        ROOT_CHECK(),
      );
    });
  });
});

describe("PoolChunk(8) refuses", () => {
  describe("amounts out of range", () => {
    it("the encoder refuses an outstanding balance of 2^48", async ({ originator }) => {
      await expect(
        originator.attest(tape1([loan({ outstandingBalance: MAX_AMOUNT + 1n })]), TEST_POLICY),
      ).rejects.toThrow(/outstandingBalance/);
    });

    it("the encoder refuses a collateral value of 2^64", async ({ originator }) => {
      await expect(
        originator.attest(tape1([loan({ collateralValue: 1n << 64n })]), TEST_POLICY),
      ).rejects.toThrow(/collateralValue/);
    });

    // In the circuit, a headroom of 2^48 (and a collateral of 2^112) overflows the 240-bit word wA.
    it("a word wA of 2^240 more, at wA's range check", async ({ circuit, base }) => {
      const wA0 = word(base.input, "wA", 0);
      await circuit.expectFail(withElement(base.input, "wA", 0, wA0 + (1n << 240n)), A_BITS());
    });

    it("a word wA of 2^64 · 2^192 (2^256 mod p) more, at wA's range check", async ({ circuit, base }) => {
      const wA0 = word(base.input, "wA", 0);
      await circuit.expectFail(withElement(base.input, "wA", 0, wA0 + ((1n << 256n) % FIELD_P)), A_BITS());
    });

    it("a negative amount smuggled as p - 5, at wA's range check", async ({ circuit, base }) => {
      await circuit.expectFail(withElement(base.input, "wA", 0, FIELD_P - 5n), A_BITS());
    });

    it("a date slack of 2^16, spilling past wB's 45 bits", async ({ circuit, base }) => {
      const wB0 = word(base.input, "wB", 0);
      await circuit.expectFail(withElement(base.input, "wB", 0, wB0 + (1n << 45n)), B_BITS());
    });

    it("a status code that does not exist (5), at the repaid rule", async ({ circuit, base }) => {
      const wB0 = word(base.input, "wB", 0);
      await circuit.expectFail(
        withElement(base.input, "wB", 0, (wB0 & ~(7n << 16n)) | (5n << 16n)),
        REPAID_RULE(),
      );
    });

    it("a policy parameter beyond its range (2^62)", async ({ circuit, base }) => {
      await circuit.expectFail(
        withElement(base.input, "policy", 7, 1n << 62n),
        failsAt("PolicyParams", "lib/covenants.circom", "bits[i].in <== policy[i]"),
      );
    });

    it("a pool word beyond 176 bits", async ({ circuit, base }) => {
      await circuit.expectFail(
        { ...base.input, pool: (word(base.input, "pool") + (1n << 176n)).toString() },
        failsAt("PoolChunk", POOL, "poolBits.in <== pool"),
      );
    });
  });

  describe("a tampered leaf or path", () => {
    it("(the twin) accepts the honest 6-loan chunk the refusals differ from", async ({ circuit, base }) => {
      await circuit.expectPass(base.input);
    });

    it("a tampered leaf id, at the root check", async ({ circuit, base }) => {
      await circuit.expectFail(
        withElement(base.input, "hId", 0, word(base.input, "hId", 0) + 1n),
        ROOT_CHECK(),
      );
    });

    it("a tampered leaf word, at the root check", async ({ circuit, base }) => {
      await circuit.expectFail(
        withElement(base.input, "wA", 3, word(base.input, "wA", 3) ^ 1n),
        ROOT_CHECK(),
      );
    });

    // A one-chunk pool is its own last chunk: every sibling is right of it and must be empty, in both trees.
    it.for([
      ["siblings", 2, 5],
      ["slotSiblings", 1, 3],
    ] as const)(
      "a tampered %s entry right of a one-chunk pool, which must be empty",
      async ([name, l, j], { circuit, base }) => {
        const siblings = (base.input[name] as string[][]).map((level) => [...level]);
        siblings[l]![j] = (BigInt(siblings[l]![j]!) + 1n).toString();
        await circuit.expectFail(
          { ...base.input, [name]: siblings },
          failsAt("Arity16PathLevel", "lib/tree.circom", "lastRight[j] * (siblings[j]"),
        );
      },
    );

    it("a period term (wV) other than the committed one, at the root check", async ({ circuit, base }) => {
      await circuit.expectFail(
        withElement(base.input, "wV", 1, word(base.input, "wV", 1) + 1n),
        ROOT_CHECK(),
      );
    });
  });

  describe("a real loan hidden as padding, padding with data, a loan hidden after the last chunk", () => {
    // base: 6 loans, slots 6 and 7 empty.
    it("loan 2 declared empty between loans: the tape is not packed", async ({ circuit, base }) => {
      await circuit.expectFail(withElement(base.input, "isEmpty", 2, 1n), PACKED());
    });

    it("the last loan declared empty, words zeroed: packed, but the chunk then holds 5 loans, not 6", async ({
      circuit,
      base,
    }) => {
      const hidden = withElement(
        withElement(withElement(withElement(base.input, "isEmpty", 5, 1n), "wA", 5, 0n), "wB", 5, 0n),
        "hId",
        5,
        0n,
      );
      await circuit.expectFail(hidden, COUNT_CHECK());
    });

    it("the last loan declared empty with its words kept: an empty slot's words are zero", async ({
      circuit,
      base,
    }) => {
      await circuit.expectFail(withElement(base.input, "isEmpty", 5, 1n), EMPTY_WORDS());
    });

    it("padding slot 7 carrying an amount (it would add to `scheduled`)", async ({ circuit, base }) => {
      await circuit.expectFail(withElement(base.input, "wA", 7, 1n << 48n), EMPTY_WORDS());
    });

    it("padding slot 7 claimed as a loan after the empty slot 6: not packed", async ({ circuit, base }) => {
      await circuit.expectFail(withElement(base.input, "isEmpty", 7, 0n), PACKED());
    });

    it("12 loans committed, attested as one full chunk of 8: loans 8..11 sit right of the last chunk", async ({
      circuit,
      originator,
    }) => {
      // chunkCount 1, loanCount 8, signed so.
      const a = await originator.attest(randomTape(31, 12), TEST_POLICY, 0, {
        message: { chunkCount: 1, loanCount: 8 },
      });
      const pool = word(a.input, "pool") - (1n << 128n) - (4n << 144n); // chunkCount 2 -> 1, 12 -> 8
      await circuit.expectFail(
        { ...a.input, pool: pool.toString() },
        failsAt("Arity16GroupLevel", "lib/tree.circom", "lastRight[g * m + t] * (siblings"),
      );
    });
  });

  it("a chunk index outside the pool", async ({ circuit, base }) => {
    const pool = word(base.input, "pool") + (1n << 112n); // chunkIndex 1 of 1
    await circuit.expectFail(
      { ...base.input, pool: pool.toString() },
      failsAt("PoolChunk", POOL, "inRange.out === 1"),
    );
  });

  describe("a wrong key, and signatures for another period, domain, pool or policy", () => {
    const tape = (): LoanTape => randomTape(9, 6);

    it("a signature by another key", async ({ circuit, originator }) => {
      const other = await generateOriginatorKey();
      await circuit.expectFail(
        (await originator.attest(tape(), TEST_POLICY, 0, { signer: other })).input,
        /ForceEqualIfEnabled_\d+ line[\s\S]*EdDSAPoseidonVerifier/,
      );
    });

    it("another key's own valid signature, with its key as Ax, Ay, but our keyHash", async ({
      circuit,
      originator,
    }) => {
      const other = await generateOriginatorKey();
      const a = await originator.attest(tape(), TEST_POLICY, 0, { signer: other });
      await circuit.expectFail(
        { ...a.input, Ax: other.publicKey[0].toString(), Ay: other.publicKey[1].toString() },
        KEY_HASH(),
      );
    });

    // The domain is private but bound by keyHash = Poseidon(Ax, Ay, domain): another registry's or chain's
    // domain, with the signature made for it, fails the key hash.
    const domains: [string, (ctx: ProofContext) => bigint][] = [
      ["another chain's", (ctx) => domainWord(ctx.registry, 1n)],
      ["another registry's", (ctx) => domainWord("0x" + "22".repeat(20), ctx.chainId)],
    ];
    for (const [whose, domainOf] of domains)
      it(`${whose} domain, with the signature made for it, at the key hash`, async ({
        circuit,
        originator,
      }) => {
        const domain = domainOf(originator.ctx);
        const d = await originator.attest(tape(), TEST_POLICY, 0, { message: { domain } });
        await circuit.expectFail({ ...d.input, domain: domain.toString() }, KEY_HASH());
      });

    const variants: [string, (t: LoanTape, ctx: ProofContext) => Promise<Partial<AttestationMessage>>][] = [
      ["another period", async (t) => ({ period: t.period + 1 })],
      ["another chain's domain", async (_t, ctx) => ({ domain: domainWord(ctx.registry, 1n) })],
      [
        "another registry's domain",
        async (_t, ctx) => ({ domain: domainWord("0x" + "22".repeat(20), ctx.chainId) }),
      ],
      ["another pool", async (t) => ({ poolId: t.poolId + 1n })],
      [
        "another policy",
        async () => ({ policyHash: await policyHash({ ...TEST_POLICY, minCreditScore: 1 }) }),
      ],
      ["another as-of date", async (t) => ({ asOfDate: t.asOfDate - 1 })],
    ];
    for (const [what, messageOf] of variants)
      it(`a signature for ${what}, at the signature check`, async ({ circuit, originator }) => {
        const t = tape();
        const message = await messageOf(t, originator.ctx);
        await circuit.expectFail(
          (await originator.attest(t, TEST_POLICY, 0, { message })).input,
          /EdDSAPoseidonVerifier/,
        );
      });
  });

  it("no wire outside every constraint (only circomlib's two IsZero inverses in the EdDSA equality checks)", ({
    circuit,
  }) => {
    // ForceEqualIfEnabled's IsZero leaves `inv` free when its input is 0 (circomlib 2.0.5); nothing else may be free.
    expect(circuit.freeWires().sort()).toEqual(["main.sig.eqCheckX.isz.inv", "main.sig.eqCheckY.isz.inv"]);
  });

  it("a valid witness with one wire edited (the r1cs check catches each)", async ({ circuit, base }) => {
    const w = await circuit.expectPass(base.input);
    // An inverse witness is pinned only where its operand is non-zero (as in circomlib's IsZero): edit the
    // dpd inverse of a loan that is days past due.
    const late = (base.input.wB as string[]).findIndex((x) => (BigInt(x) & 0xffffn) !== 0n);
    expect(late).toBeGreaterThanOrEqual(0);
    const wires = [
      "figA",
      "figC",
      "slot[0].outstanding",
      "slot[0].chargedOff",
      "slot[1].weighted",
      "slot[2].ge30Balance",
      "slot[2].hiBalance",
      "slot[3].minGap",
      "slot[4].maxGap",
      "slot[5].leaf",
      "slot[6].active",
      "slot[7].ltvHit",
      "slot[7].dpdBreach",
      "slot[6].isEmpty",
      "slot[0].s01",
      "slot[0].amountInv",
      `slot[${late}].dpdInv`,
      "slot[0].a.out[3]",
      "slot[0].b.out[17]",
      "slot[0].a.out[200]",
      "slot[0].b.out[40]",
      "minScore",
      "maxBalance",
      "minProduct[3]",
      "maxProduct[3]",
      "emptyStep[6]",
      "lastFill.out[0]",
      "covenants.anyLtv",
      "subtree[0].root",
      "level[0].parent",
      "level[2].e[0]",
      "group.e[1]",
      "group.parent",
      "last.out",
      "covenants.ratioOver[0].out",
      "msg.out",
    ];
    const present = wires.filter((name) => circuit.has(name)); // the others eliminated by --O2
    expect(present.length).toBeGreaterThanOrEqual(12);
    await circuit.expectForgedFails(w, present);
  });
});

describe("PoolChunk(8) holds every tape rule that decides a figure (docs/TAPE.md)", () => {
  describe("the issue's attack: loans 200 days past due with 900,000 balances committed as repaid", () => {
    it("has no witness, at the repaid rule", async ({ circuit, originator }) => {
      const repaid = { status: LoanStatus.Repaid, daysPastDue: 200, outstandingBalance: 900_000n };
      const tape = tape1([...good(4), ...[4, 5, 6, 7].map((i) => loan(repaid, i))]);
      // The model (which reads only the status) would drop them from outstanding and every bucket.
      await circuit.expectFail((await originator.attest(tape, TEST_POLICY)).input, REPAID_RULE());
    });

    it("refuses either half of the lie alone: a repaid loan 200 days past due", async ({ fifth }) => {
      await fifth.refused(
        { status: LoanStatus.Repaid, daysPastDue: 200, outstandingBalance: 0n },
        REPAID_RULE(),
      );
    });

    it("refuses either half of the lie alone: a repaid loan with a balance", async ({ fifth }) => {
      await fifth.refused(
        { status: LoanStatus.Repaid, daysPastDue: 0, outstandingBalance: 900_000n },
        REPAID_RULE(),
      );
    });

    it("accepts a true repaid loan (0 balance, 0 days)", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Repaid, daysPastDue: 0, outstandingBalance: 0n });
    });
  });

  describe("an active loan has a positive balance, a charged-off loan a positive charged-off amount", () => {
    for (const status of [LoanStatus.Performing, LoanStatus.Delinquent, LoanStatus.Defaulted])
      it(`refuses a ${LOAN_STATUS_NAMES[status]} loan with balance 0`, async ({ fifth }) => {
        await fifth.refused(
          { status, daysPastDue: 40 * Math.min(status, 1), outstandingBalance: 0n },
          AMOUNT_RULE(),
        );
      });

    it("refuses a charged-off loan with charged-off amount 0", async ({ fifth }) => {
      await fifth.refused(
        { status: LoanStatus.ChargedOff, outstandingBalance: 0n, chargedOffAmount: 0n },
        AMOUNT_RULE(),
      );
    });

    it("accepts a defaulted loan with balance 1", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Defaulted, daysPastDue: 95, outstandingBalance: 1n });
    });

    it("accepts a charged-off loan with charged-off amount 1", async ({ fifth }) => {
      await fifth.accepted({
        status: LoanStatus.ChargedOff,
        outstandingBalance: 0n,
        chargedOffAmount: 1n,
        daysPastDue: 9,
      });
    });
  });

  describe("a charged-off loan has outstanding 0 and only it has a charged-off amount: the leaf has one amount", () => {
    // The leaf stores one amount, which the status makes the charged-off amount or the balance: a record
    // with both has no leaf at all.
    it("the encoder refuses a charged-off loan with a balance", async () => {
      const both = tape1([
        loan({ status: LoanStatus.ChargedOff, outstandingBalance: 5n, chargedOffAmount: 7n }),
      ]);
      await expect(commitTape(both, randomSalts(both))).rejects.toThrow(
        /outstandingBalance: a charged_off loan has outstanding 0/,
      );
    });

    it("the encoder refuses a charged-off amount on a loan that is not charged off", async () => {
      const other = tape1([loan({ status: LoanStatus.Delinquent, daysPastDue: 3, chargedOffAmount: 7n })]);
      await expect(commitTape(other, randomSalts(other))).rejects.toThrow(
        /chargedOffAmount: only a charged_off loan/,
      );
    });

    it("a charged-off leaf's amount is charged off, not outstanding, in no bucket, not active", async ({
      circuit,
      originator,
    }) => {
      // Flipping a delinquent leaf's status bits to charged_off (code 3) moves its amount from outstanding to
      // chargedOff: a different leaf, so a different root, which the originator signs; the figures follow it.
      const a = await originator.attest(
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
      const f = figuresOf(circuit, await circuit.expectPass(a.input));
      expect([f.outstanding, f.chargedOff, f.bucket90, f.activeCount]).toEqual([0n, 900_000n, 0n, 0]);
    });
  });

  describe("performing is under 30 days past due, delinquent at least 1 day", () => {
    it("refuses a performing loan 30 days past due", async ({ fifth }) => {
      await fifth.refused({ status: LoanStatus.Performing, daysPastDue: 30 }, PERFORMING_RULE());
    });

    it("refuses a performing loan 200 days past due", async ({ fifth }) => {
      await fifth.refused({ status: LoanStatus.Performing, daysPastDue: 200 }, PERFORMING_RULE());
    });

    it("accepts a performing loan 29 days past due", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Performing, daysPastDue: 29 });
    });

    it("refuses a delinquent loan 0 days past due", async ({ fifth }) => {
      await fifth.refused({ status: LoanStatus.Delinquent, daysPastDue: 0 }, DELINQUENT_RULE());
    });

    it("accepts a delinquent loan 1 day past due", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Delinquent, daysPastDue: 1 });
    });

    it("accepts a defaulted loan 0 days past due", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Defaulted, daysPastDue: 0 });
    });
  });

  describe("outstanding and charged-off amounts stay within 2 x original principal, which is at least 1", () => {
    it("accepts an outstanding balance of exactly 2 x principal", async ({ fifth }) => {
      await fifth.accepted({ originalPrincipal: 500n, outstandingBalance: 1000n });
    });

    it("accepts an outstanding balance one under 2 x principal", async ({ fifth }) => {
      await fifth.accepted({ originalPrincipal: 500n, outstandingBalance: 999n });
    });

    it("accepts a charged-off amount of exactly 2 x principal", async ({ fifth }) => {
      await fifth.accepted({
        status: LoanStatus.ChargedOff,
        originalPrincipal: 500n,
        outstandingBalance: 0n,
        chargedOffAmount: 1000n,
      });
    });

    it("the encoder has no word for an amount above 2 x principal (its headroom would be negative)", async () => {
      const over = tape1([loan({ originalPrincipal: 500n, outstandingBalance: 1001n })]);
      await expect(commitTape(over, randomSalts(over))).rejects.toThrow(
        /outstandingBalance: 1001 is more than 2 x/,
      );
    });

    // A forger's word with headroom -1 (p - 2^192 + ... in the field) fails wA's 240-bit range check.
    for (const status of [LoanStatus.Delinquent, LoanStatus.ChargedOff])
      it(`refuses a forger's word of headroom -1 (a ${LOAN_STATUS_NAMES[status]} amount 1002 on principal 500), at wA's range check`, async ({
        circuit,
        originator,
      }) => {
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
        await circuit.expectFail(
          (await originator.attest(ok, TEST_POLICY, 0, { commitment: forged })).input,
          A_BITS(),
        );
      });

    // Original principal 0: no encoding (headroom = 0 - max(1, ceil(0 / 2)) = -1).
    it("the encoder refuses an original principal of 0", async () => {
      const zero = tape1([
        loan({ status: LoanStatus.Repaid, outstandingBalance: 0n, originalPrincipal: 0n }),
      ]);
      await expect(commitTape(zero, randomSalts(zero))).rejects.toThrow(
        /originalPrincipal: must be at least 1/,
      );
    });

    const repaid = (): LoanTape =>
      tape1([
        ...good(4),
        loan(
          {
            status: LoanStatus.Repaid,
            outstandingBalance: 0n,
            originalPrincipal: 1n,
            originationDate: AS_OF,
          },
          4,
        ),
      ]);

    it("accepts a repaid loan of principal 1 (the twin of the forger's principal 0)", async ({
      circuit,
      originator,
    }) => {
      const t = repaid();
      const honest = await commitTape(t, randomSalts(t), { chunkSize: CHUNK });
      await circuit.expectPass((await originator.attest(t, TEST_POLICY, 0, { commitment: honest })).input);
    });

    it("refuses a forger's word for a repaid loan of principal 0 (headroom -1), at wA's range check", async ({
      circuit,
      originator,
    }) => {
      const t = repaid();
      const honest = await commitTape(t, randomSalts(t), { chunkSize: CHUNK });
      const forged = await forge(honest, { 4: { wA: withTop(honest.encoded[4]!.wA, "headroom", -1n) } });
      await circuit.expectFail(
        (await originator.attest(t, TEST_POLICY, 0, { commitment: forged })).input,
        A_BITS(),
      );
    });
  });

  describe("a loan is not more days past due than it is old, and not originated after the as-of date", () => {
    it("accepts a loan exactly as many days past due as it is old", async ({ fifth }) => {
      await fifth.accepted({ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 120 });
    });

    it("accepts a loan originated on the as-of date", async ({ fifth }) => {
      await fifth.accepted({ originationDate: AS_OF, daysPastDue: 0 });
    });

    it("the encoder refuses a loan one day more past due than it is old", async () => {
      const t = tape1([
        loan({ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 121 }),
      ]);
      await expect(commitTape(t, randomSalts(t))).rejects.toThrow(/daysPastDue: 121 is more/);
    });

    it("the encoder refuses a loan originated after the as-of date", async () => {
      const t = tape1([loan({ originationDate: AS_OF + 1, daysPastDue: 0 })]);
      await expect(commitTape(t, randomSalts(t))).rejects.toThrow(/originationDate: \d+ is after/);
    });

    it("refuses a forger's word of date slack -1 (121 days past due at age 120), at wB's range check", async ({
      circuit,
      originator,
    }) => {
      const ok = tape1([
        ...good(4),
        loan({ status: LoanStatus.Defaulted, originationDate: AS_OF - 120, daysPastDue: 120 }, 4),
      ]);
      const honest = await commitTape(ok, randomSalts(ok), { chunkSize: CHUNK });
      const forged = await forge(honest, { 4: { wB: withTop(honest.encoded[4]!.wB + 1n, "slack", -1n) } }); // dpd 121
      await circuit.expectFail(
        (await originator.attest(ok, TEST_POLICY, 0, { commitment: forged })).input,
        B_BITS(),
      );
    });
  });

  it("the tape validation refuses every record the circuit refuses (one list of rules)", () => {
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
  for (const loanCount of [5, 7])
    it(`refuses a loan count of ${loanCount} for 6 loans, signed so`, async ({ circuit, originator }) => {
      const a = await originator.attest(randomTape(9, 6), TEST_POLICY, 0, { message: { loanCount } });
      const pool = word(a.input, "pool") + (BigInt(loanCount - 6) << 144n);
      await circuit.expectFail({ ...a.input, pool: pool.toString() }, COUNT_CHECK());
    });

  // A chunk count that is not ceil(loanCount / chunkSize).
  it("refuses 12 loans claimed in 3 chunks (they need 2 chunks of 8)", async ({ circuit, originator }) => {
    const a = await originator.attest(randomTape(12, 12), TEST_POLICY, 0, { message: { chunkCount: 3 } });
    await circuit.expectFail(
      { ...a.input, pool: (word(a.input, "pool") + (1n << 128n)).toString() },
      LAST_FILL(),
    );
  });

  it("refuses 4 loans claimed in 2 chunks", async ({ circuit, originator }) => {
    const b = await originator.attest(randomTape(4, 4), TEST_POLICY, 0, { message: { chunkCount: 2 } });
    await circuit.expectFail(
      { ...b.input, pool: (word(b.input, "pool") + (1n << 128n)).toString() },
      LAST_FILL(),
    );
  });

  describe("a 12-loan tape in two chunks", () => {
    const tape = (): LoanTape => randomTape(21, 12);

    it("refuses a non-last chunk that is not full (slots 3..7 of chunk 0 emptied)", async ({
      circuit,
      originator,
    }) => {
      // Chunk 0 then holds 3 loans, chunk 1 the other 8... but chunk 0 is not the last, so it must be full.
      const t = tape();
      const honest = await commitTape(t, randomSalts(t), { chunkSize: CHUNK });
      const hollow = await forge(honest, { 3: "empty", 4: "empty", 5: "empty", 6: "empty", 7: "empty" });
      const a = await originator.attest(t, TEST_POLICY, 0, { commitment: hollow });
      const isEmpty = (a.input.isEmpty as string[]).map((_, i) => (i >= 3 ? "1" : "0"));
      await circuit.expectFail({ ...a.input, isEmpty }, COUNT_CHECK());
    });

    it("refuses loans after an empty slot (only slot 3 emptied)", async ({ circuit, originator }) => {
      const t = tape();
      const honest = await commitTape(t, randomSalts(t), { chunkSize: CHUNK });
      const holed = await forge(honest, { 3: "empty" });
      const b = await originator.attest(t, TEST_POLICY, 0, { commitment: holed });
      await circuit.expectFail(
        { ...b.input, isEmpty: (b.input.isEmpty as string[]).map((_, i) => (i === 3 ? "1" : "0")) },
        PACKED(),
      );
    });

    it("the honest commitment proves both chunks", async ({ circuit, originator }) => {
      const t = tape();
      const honest = await commitTape(t, randomSalts(t), { chunkSize: CHUNK });
      for (const c of [0, 1])
        await circuit.expectPass((await originator.attest(t, TEST_POLICY, c, { commitment: honest })).input);
    });
  });
});

describe("model and circuit agree on larger random samples", () => {
  it("10 further random full or partial chunks", async ({ circuit, originator }) => {
    const r = rng(99);
    for (let t = 0; t < 10; t++) {
      const n = r() < 0.3 ? CHUNK : 1 + Math.floor(r() * CHUNK);
      const loans = Array.from({ length: n }, (_, i) => randomLoan(r, i));
      const a = await originator.attest(tape1(loans), randomPolicy(r));
      expect(figuresOf(circuit, await circuit.expectWitness(a.input))).toEqual(a.figures);
    }
  });
});
