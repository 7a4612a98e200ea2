/**
 * Canonical encoding, commitment, openings, keys and policy: the test vectors of docs/ENCODING.md and
 * docs/POLICY.md, and their negative twins. No circuit is compiled here.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  BORROWER_KEY_TAG,
  borrowerKey,
  commitTape,
  deriveBorrowerSecret,
  deriveSalts,
  encodeLoan,
  idToField,
  loanLeaf,
  openLoan,
  randomSalts,
  SLOT_STATE,
  SLOT_STATE_BITS,
  unpackSlotState,
  verifyOpening,
} from "../../prover/commitment/encoding.ts";
import {
  attestationMessage,
  domainWord,
  generateOriginatorKey,
  keyHash,
  registryKeyHash,
  publicKeyOf,
  signAttestation,
  signedMessage,
  verifyAttestationSignature,
  type AttestationMessage,
} from "../../prover/commitment/keys.ts";
import { getPoseidon } from "../../prover/commitment/poseidon.ts";
import { borrowerNullifier } from "../../prover/borrower/index.ts";
import { EMPTY_ROOTS, computeEmptyRoots } from "../../prover/commitment/tree.ts";
import { DEFAULT_POLICY, policyHash, policyToJson, validatePolicy } from "../../prover/policy/index.ts";
import type { LoanRecord } from "../../prover/tape/schema.ts";
import { AS_OF, randomTape } from "./gen.ts";
import { terminateCurve } from "./helpers.ts";
import { CodedError } from "../../verifier-api/web/errors.js";

afterAll(async () => {
  await terminateCurve();
});

const VECTOR: LoanRecord = {
  loanId: "LN-000001",
  borrowerRef: "BR-42",
  originationDate: 19358,
  maturityDate: 21184,
  originalPrincipal: 2500000n,
  outstandingBalance: 1875000n,
  interestRateBps: 795,
  scheduledPayment: 52000n,
  collectedAmount: 52000n,
  daysPastDue: 35,
  status: 1,
  chargedOffAmount: 0n,
  creditScore: 712,
  scoreProviderId: 7,
  scoreDate: 20400,
  collateralValue: 2200000n,
};

describe("canonical encoding (docs/ENCODING.md vectors)", () => {
  it("encodes the vector record exactly", async () => {
    const e = await encodeLoan(VECTOR, 123456789n, 987654321n, AS_OF);
    expect(e.wA).toBe(0x17d7840000002191c000000000cb2000000000cb200000001c9c38n);
    expect(e.wB).toBe(0x80b6410023n);
    expect(e.wC).toBe(0x52c0n);
    expect(e.wV).toBe(0x74fb0031bn);
    expect(e.state).toBe(0x1312d025cf00000000659010000001c9c38n);
    // The same words from the field layout of docs/ENCODING.md: headroom 2,500,000 - ceil(1,875,000 / 2) =
    // 1,562,500, date slack 20422 - 19358 - 35 = 1029.
    expect(e.wA).toBe(1875000n | (52000n << 48n) | (52000n << 96n) | (2200000n << 144n) | (1562500n << 192n));
    expect(e.wB).toBe(35n | (1n << 16n) | (712n << 19n) | (1029n << 29n));
    expect(e.wC).toBe(21184n);
    expect(e.wV).toBe(795n | (20400n << 16n) | (7n << 32n));
    // The state word: amount 1,875,000 | status 1 | collected 52,000 | origination 19358 | principal 2,500,000.
    expect(e.state).toBe(1875000n | (1n << 48n) | (52000n << 51n) | (19358n << 99n) | (2500000n << 115n));
    expect(unpackSlotState(e.state)).toEqual({
      amount: 1875000n,
      status: 1n,
      collected: 52000n,
      originationDate: 19358n,
      originalPrincipal: 2500000n,
    });
    expect(e.loanIdField).toBe(0x9000000000000000000000000000000000000000000004c4e2d303030303031n);
    expect(e.borrowerCommitment).toBe(
      17871553680762289050920423712758915224934355381534147002140555575847110121487n,
    );
    expect(e.hLoan).toBe(13205044146050827229964930884393478408736941866958541594456890290558176309322n);
    expect(e.hId).toBe(17977992184018336996753281509095412104275639271409673487614001376909043822456n);
    expect(e.leaf).toBe(18492044709463682395181377513504042017457407950174611720021897282016936889074n);
    const poseidon = await getPoseidon();
    expect(e.hLoan).toBe(poseidon([e.loanIdField, e.wC, 123456789n]));
    expect(e.hId).toBe(poseidon([e.borrowerCommitment, e.hLoan]));
    expect(e.leaf).toBe(poseidon([e.wA, e.wB, e.hId, e.wV]));
    // The identity is the loan's for its whole life: another period's as-of date, balance, status, rate or
    // score date changes the leaf and the state, never hId; the maturity, the id or the borrower changes hId.
    const later = await encodeLoan(
      {
        ...VECTOR,
        outstandingBalance: 1800000n,
        interestRateBps: 820,
        scoreDate: 20430,
        daysPastDue: 0,
        status: 0,
      },
      123456789n,
      987654321n,
      AS_OF + 30,
    );
    expect(later.hId).toBe(e.hId);
    expect(later.leaf).not.toBe(e.leaf);
    expect(later.state).not.toBe(e.state);
    for (const changed of [{ maturityDate: 21185 }, { loanId: "LN-000009" }, { borrowerRef: "BR-44" }])
      expect((await encodeLoan({ ...VECTOR, ...changed }, 123456789n, 987654321n, AS_OF)).hId).not.toBe(
        e.hId,
      );
    // Negative twins: one unit in any field, another salt or another as-of date changes the leaf.
    expect(
      await loanLeaf({ ...VECTOR, outstandingBalance: 1875001n }, 123456789n, 987654321n, AS_OF),
    ).not.toBe(e.leaf);
    expect(
      await loanLeaf({ ...VECTOR, originalPrincipal: 2500001n }, 123456789n, 987654321n, AS_OF),
    ).not.toBe(e.leaf);
    expect(await loanLeaf({ ...VECTOR, originationDate: 19357 }, 123456789n, 987654321n, AS_OF)).not.toBe(
      e.leaf,
    );
    expect(await loanLeaf({ ...VECTOR, scoreDate: 20401 }, 123456789n, 987654321n, AS_OF)).not.toBe(e.leaf);
    expect(await loanLeaf(VECTOR, 123456790n, 987654321n, AS_OF)).not.toBe(e.leaf);
    expect(await loanLeaf(VECTOR, 123456789n, 987654322n, AS_OF)).not.toBe(e.leaf);
    expect(await loanLeaf(VECTOR, 123456789n, 987654321n, AS_OF + 1)).not.toBe(e.leaf);
  });

  it("commits the two-loan vector tape to the documented root", async () => {
    const second = {
      ...VECTOR,
      loanId: "LN-000002",
      borrowerRef: "BR-43",
      status: 0 as const,
      daysPastDue: 0,
      outstandingBalance: 100n,
    };
    const c = await commitTape(
      { loans: [VECTOR, second], asOfDate: AS_OF },
      { leaf: [123456789n, 5n], borrower: [987654321n, 6n] },
      { chunkSize: 16 },
    );
    expect(c.root).toBe(4868400072189762008223092415864989160232505125673350426115133163100330004077n);
    expect(c.leafRoot).toBe(16097041187878907953694254874614295810251592822618121106826697341945280592157n);
    expect(c.slotRoot).toBe(19090767824291186985759616687860671537419630780499039020208833261413032861731n);
    expect(c.leaves[1]).toBe(1035235929732115425934066916087948456065858018294335802219048142403488955173n);
    const poseidon = await getPoseidon();
    expect(c.root).toBe(poseidon([c.leafRoot, c.slotRoot]));
    // The slot tree holds each slot's hId at 2i and state word at 2i + 1; its root is 7 levels up.
    expect(c.slotLevels[0]).toEqual([
      c.encoded[0]!.hId,
      c.encoded[0]!.state,
      c.encoded[1]!.hId,
      c.encoded[1]!.state,
    ]);
    expect(c.slotLevels).toHaveLength(8);
    expect(c.levels).toHaveLength(7);
    expect(c.chunkCount).toBe(1);
    const swapped = await commitTape(
      { loans: [second, VECTOR], asOfDate: AS_OF },
      { leaf: [5n, 123456789n], borrower: [6n, 987654321n] },
      { chunkSize: 16 },
    );
    expect(swapped.root).not.toBe(c.root);
  });

  it("derives salts from a seed as documented", async () => {
    const s = await deriveSalts(42n, { period: 202611, loans: [VECTOR] });
    expect(s.leaf[0]).toBe(5702972681693857685366213987580189887431700293988929932360011550332131963680n);
    const secret = await deriveBorrowerSecret(42n, VECTOR.borrowerRef);
    expect(secret).toBe(1664914852281439083752612680560588442720020312810037724864760154054110769795n);
    expect(s.borrower[0]).toBe(7899522823201926170593512360904735222995886518945769598209559579086438461352n);
    expect(s.borrower[0]).toBe(await borrowerKey(secret));
    // tag 2 (the borrower salt of before issue 14) is retired: today's secret is not yesterday's salt
    const poseidon = await getPoseidon();
    expect(secret).not.toBe(poseidon([42n, 2n, idToField("borrowerRef", VECTOR.borrowerRef)]));
    expect(s.leaf[0]).toBe(poseidon([42n, 5n, idToField("loanId", VECTOR.loanId)]));
    // The loan's salt is the same in every period (its identity hId is what the roll-forward compares).
    const next = await deriveSalts(42n, { period: 202612, loans: [VECTOR] });
    expect(next.leaf[0]).toBe(s.leaf[0]);
    expect(next.borrower[0]).toBe(s.borrower[0]);
    expect((await deriveSalts(43n, { period: 202611, loans: [VECTOR] })).leaf[0]).not.toBe(s.leaf[0]);
  });

  it("borrower keys and nullifiers as documented; a supplied key is the borrower salt", async () => {
    expect(BORROWER_KEY_TAG).toBe(0x1a00000000007277612d6174746573742f626f72726f7765722d6b65792f7631n);
    const poseidon = await getPoseidon();
    expect(await borrowerKey(13579n)).toBe(
      359430936750692565313246133907645385442500984719123077689229216317831943310n,
    );
    expect(await borrowerKey(13579n)).toBe(poseidon([BORROWER_KEY_TAG, 13579n]));
    expect(await borrowerNullifier(13579n, 2468n)).toBe(
      4251669669207518530689126215940282747239089917549976332563006020511749406024n,
    );
    const other = { ...VECTOR, loanId: "LN-000002", borrowerRef: "BR-43" };
    const third = { ...VECTOR, loanId: "LN-000003" }; // BR-42's second loan
    const tape = { period: 202611, loans: [VECTOR, other, third] };
    const key = await borrowerKey(13579n);
    const borrowerKeys = new Map([["BR-42", key]]);
    const derived = await deriveSalts(42n, tape, { borrowerKeys });
    expect(derived.borrower).toEqual([key, await borrowerKey(await deriveBorrowerSecret(42n, "BR-43")), key]);
    expect(derived.leaf).toEqual((await deriveSalts(42n, tape)).leaf);
    const random = randomSalts(tape, { borrowerKeys });
    expect(random.borrower[0]).toBe(key);
    expect(random.borrower[2]).toBe(key);
    expect(random.borrower[1]).not.toBe(key);
    await expect(deriveSalts(42n, tape, { borrowerKeys: new Map([["BR-43", -1n]]) })).rejects.toThrow(
      /borrowerKeys\["BR-43"\]/,
    );
    expect(() => randomSalts(tape, { borrowerKeys: new Map([["BR-42", 1n << 254n]]) })).toThrow(/BR-42/);
  });

  it("identifiers: length-prefixed, 1..31 bytes", () => {
    expect(idToField("id", "a") >> 248n).toBe(1n);
    expect(() => idToField("id", "\0a")).toThrow(/U\+0000 at character 1/); // control characters are refused
    expect(idToField("id", "x".repeat(31)) >> 248n).toBe(31n);
    expect(() => idToField("loanId", "")).toThrow(CodedError);
    expect(() => idToField("loanId", "x".repeat(32))).toThrow(/loanId/);
  });

  it("rejects out-of-range fields with a coded error naming them", async () => {
    await expect(encodeLoan({ ...VECTOR, outstandingBalance: 1n << 48n }, 1n, 1n, AS_OF)).rejects.toThrow(
      /outstandingBalance/,
    );
    await expect(encodeLoan({ ...VECTOR, outstandingBalance: -1n }, 1n, 1n, AS_OF)).rejects.toThrow(
      /outstandingBalance/,
    );
    await expect(encodeLoan({ ...VECTOR, creditScore: 1024 }, 1n, 1n, AS_OF)).rejects.toThrow(/creditScore/);
    await expect(encodeLoan({ ...VECTOR, status: 5 as never }, 1n, 1n, AS_OF)).rejects.toThrow(/status/);
    await expect(encodeLoan({ ...VECTOR, daysPastDue: 1.5 }, 1n, 1n, AS_OF)).rejects.toThrow(/daysPastDue/);
    await expect(encodeLoan(VECTOR, -1n, 1n, AS_OF)).rejects.toThrow(/leafSalt/);
    // The rules the words carry: no word for an amount above 2 x principal, a principal of 0, a loan later
    // than it is old, one originated after the as-of date, or both amounts of a charged-off loan.
    await expect(encodeLoan({ ...VECTOR, originalPrincipal: 937499n }, 1n, 1n, AS_OF)).rejects.toThrow(
      /outstandingBalance: 1875000 is more than 2 x originalPrincipal 937499/,
    );
    await expect(encodeLoan({ ...VECTOR, originalPrincipal: 937500n }, 1n, 1n, AS_OF)).resolves.toBeDefined();
    await expect(
      encodeLoan(
        { ...VECTOR, status: 4, outstandingBalance: 0n, daysPastDue: 0, originalPrincipal: 0n },
        1n,
        1n,
        AS_OF,
      ),
    ).rejects.toThrow(/originalPrincipal: must be at least 1/);
    await expect(encodeLoan({ ...VECTOR, daysPastDue: AS_OF - 19358 + 1 }, 1n, 1n, AS_OF)).rejects.toThrow(
      /daysPastDue: 1065 is more than the loan's age 1064/,
    );
    await expect(encodeLoan({ ...VECTOR, daysPastDue: AS_OF - 19358 }, 1n, 1n, AS_OF)).resolves.toBeDefined();
    await expect(
      encodeLoan({ ...VECTOR, daysPastDue: 0, originationDate: AS_OF + 1 }, 1n, 1n, AS_OF),
    ).rejects.toThrow(/originationDate: 20423 is after the as-of date 20422/);
    await expect(encodeLoan({ ...VECTOR, status: 3, chargedOffAmount: 5n }, 1n, 1n, AS_OF)).rejects.toThrow(
      /outstandingBalance: a charged_off loan has outstanding 0/,
    );
    await expect(
      commitTape({ loans: [VECTOR, VECTOR], asOfDate: AS_OF }, { leaf: [1n, 2n], borrower: [1n, 1n] }),
    ).rejects.toThrow(/duplicate/);
    await expect(
      commitTape({ loans: [VECTOR], asOfDate: AS_OF }, { leaf: [], borrower: [] }),
    ).rejects.toThrow(/salts/);
    await expect(
      commitTape({ loans: [VECTOR], asOfDate: AS_OF }, randomSalts({ loans: [VECTOR] }), { chunkSize: 48 }),
    ).rejects.toThrow(/chunkSize/);
  });

  it("empty-subtree roots match Poseidon and the circuit's constants", async () => {
    const poseidon = await getPoseidon();
    expect(computeEmptyRoots(poseidon)).toEqual(EMPTY_ROOTS);
    const circom = readFileSync(new URL("../../circuits/lib/empty_roots.circom", import.meta.url), "utf8");
    const constants = [...circom.matchAll(/^\s+(\d+),?$/gm)].map((m) => BigInt(m[1]!));
    expect(constants).toEqual(EMPTY_ROOTS);
  });

  it("the state word's layout is the circuits' (circuits/lib/slot_state.circom)", () => {
    const circom = readFileSync(new URL("../../circuits/lib/slot_state.circom", import.meta.url), "utf8");
    const fn = (name: string): number => {
      const m = new RegExp(`function ${name}\\(\\) \\{ return (\\d+); \\}`).exec(circom);
      if (!m) throw new Error(`${name} not in slot_state.circom`);
      return Number(m[1]);
    };
    expect(fn("STATE_AMOUNT_SHIFT")).toBe(SLOT_STATE.amount.shift);
    expect(fn("STATE_STATUS_SHIFT")).toBe(SLOT_STATE.status.shift);
    expect(fn("STATE_COLLECTED_SHIFT")).toBe(SLOT_STATE.collected.shift);
    expect(fn("STATE_ORIGINATION_SHIFT")).toBe(SLOT_STATE.originationDate.shift);
    expect(fn("STATE_PRINCIPAL_SHIFT")).toBe(SLOT_STATE.originalPrincipal.shift);
    expect(fn("STATE_BITS")).toBe(SLOT_STATE_BITS);
    // The fields tile the word: each starts where the previous one ends.
    let next = 0;
    for (const { shift, bits } of Object.values(SLOT_STATE)) {
      expect(shift).toBe(next);
      next = shift + bits;
    }
    expect(next).toBe(SLOT_STATE_BITS);
  });
});

describe("openings", () => {
  it("every opened loan verifies against the root; tampered openings do not", async () => {
    const tape = randomTape(3, 40);
    const c = await commitTape(tape, randomSalts(tape), { chunkSize: 16 });
    for (const i of [0, 15, 16, 39]) expect(await verifyOpening(c.root, openLoan(c, i))).toBe(true);
    const o = openLoan(c, 17);
    expect(o.record).not.toHaveProperty("borrowerRef");
    expect(
      await verifyOpening(c.root, { ...o, record: { ...o.record, daysPastDue: o.record.daysPastDue + 1 } }),
    ).toBe(false);
    expect(await verifyOpening(c.root, { ...o, leafSalt: o.leafSalt + 1n })).toBe(false);
    expect(await verifyOpening(c.root, { ...o, index: 18 })).toBe(false);
    expect(await verifyOpening(c.root, { ...o, asOfDate: o.asOfDate + 1 })).toBe(false);
    expect(o.asOfDate).toBe(tape.asOfDate);
    const siblings = o.siblings.map((l) => [...l]);
    siblings[1]![2]! += 1n;
    expect(await verifyOpening(c.root, { ...o, siblings })).toBe(false);
    expect(await verifyOpening(c.root + 1n, o)).toBe(false);
    expect(await verifyOpening(c.root, { ...o, slotRoot: o.slotRoot + 1n })).toBe(false);
    expect(() => openLoan(c, 40)).toThrow(CodedError);
    await expect(verifyOpening(c.root, { ...o, siblings: [] })).rejects.toThrow(/siblings/);
  });
});

describe("originator keys and the attestation signature", () => {
  const message = (over: Partial<AttestationMessage> = {}): AttestationMessage => ({
    root: 9505070315131750736062022206449440132975736042251845408287022603312089551869n,
    poolId: 77n,
    period: 202611,
    asOfDate: 20422,
    chunkCount: 1,
    loanCount: 2,
    domain: domainWord("0x5fbdb2315678afecb367f032d93f642f64180aa3", 31337n),
    policyHash: 1060393636377497445424408850191369547073181319417592428249255097847585175479n,
    ...over,
  });

  it("reproduces the documented key, keyHash, message and signature", async () => {
    const prv = new Uint8Array(32).fill(1);
    const pub = await publicKeyOf(prv);
    expect(pub[0]).toBe(15944627324083773346390189001500210680939402028015651549526524193195473201952n);
    expect(await keyHash(pub)).toBe(
      13077993975812165370966885403993971692250188476543979671127900155912791347982n,
    );
    expect(message().domain).toBe(45799623393525351206875332966965282040302159166704291n);
    expect(await registryKeyHash(pub, message().domain)).toBe(
      13567863584336674422923337349071429952975177701518551720370544924196830441374n,
    );
    expect(await signedMessage(message())).toBe(
      5614219797010682468400361667158601521009280201562786268410598671624217055274n,
    );
    const sig = await signAttestation(prv, message());
    expect(sig.S).toBe(1313157720054410385194281927144486253500931099402358483077720591014463462353n);
    expect(await verifyAttestationSignature(pub, message(), sig)).toBe(true);
  });

  it("a signature does not verify for another key, period, domain, pool, chunk or loan count, policy", async () => {
    const k = await generateOriginatorKey();
    const other = await generateOriginatorKey();
    const sig = await signAttestation(k.privateKey, message());
    expect(await verifyAttestationSignature(k.publicKey, message(), sig)).toBe(true);
    expect(await verifyAttestationSignature(other.publicKey, message(), sig)).toBe(false);
    for (const over of [
      { period: 202612 },
      { domain: domainWord("0x5fbdb2315678afecb367f032d93f642f64180aa3", 1n) },
      { poolId: 78n },
      { chunkCount: 2 },
      { loanCount: 3 },
      { policyHash: 1n },
      { root: 2n },
    ]) {
      expect(await verifyAttestationSignature(k.publicKey, message(over), sig)).toBe(false);
    }
    expect(await verifyAttestationSignature(k.publicKey, message(), { ...sig, S: sig.S + 1n })).toBe(false);
    await expect(signAttestation(new Uint8Array(31), message())).rejects.toThrow(/privateKey/);
    expect(() => domainWord("0x1234", 1n)).toThrow(/registry/);
    await expect(signedMessage(message({ chunkCount: 0 }))).rejects.toThrow(/chunkCount/);
    await expect(signedMessage(message({ loanCount: 0 }))).rejects.toThrow(/loanCount: expected at least 1/);
    await expect(signedMessage(message({ loanCount: 2 ** 32 }))).rejects.toThrow(/loanCount/);
    await expect(signedMessage(message({ poolId: 1n << 64n }))).rejects.toThrow(/poolId/);
  });
});

describe("policy", () => {
  it("hashes the default policy to the documented value; any parameter changes the hash", async () => {
    const h = await policyHash(DEFAULT_POLICY);
    expect(h).toBe(1060393636377497445424408850191369547073181319417592428249255097847585175479n);
    expect(await policyHash({ ...DEFAULT_POLICY, maxBucket90Bps: 301 })).not.toBe(h);
    expect(await policyHash({ ...DEFAULT_POLICY, minPoolBalance: 1n })).not.toBe(h);
  });

  it("round-trips JSON and reports every problem of a bad policy", () => {
    const json = JSON.parse(JSON.stringify(policyToJson(DEFAULT_POLICY)));
    expect(validatePolicy(json)).toEqual(DEFAULT_POLICY);
    expect(validatePolicy({ ...json, minPoolBalance: "123456789012345678" }).minPoolBalance).toBe(
      123456789012345678n,
    );
    let message = "";
    try {
      validatePolicy({
        ...json,
        minCreditScore: 1024,
        maxBucket30Bps: 10001,
        maxLtvBps: -1,
        extra: 1,
        minPoolBalance: "1e3",
      });
    } catch (err) {
      expect(err).toBeInstanceOf(CodedError);
      expect((err as CodedError).code).toBe("policy-invalid");
      expect((err as CodedError).problems.map((p) => p.field).sort()).toEqual(
        ["extra", "maxBucket30Bps", "maxLtvBps", "minCreditScore", "minPoolBalance"].map(
          (f) => `policy.${f}`,
        ),
      );
      message = (err as Error).message;
    }
    for (const f of ["minCreditScore", "maxBucket30Bps", "maxLtvBps", "extra", "minPoolBalance"])
      expect(message).toContain(`policy.${f}`);
    expect(() => validatePolicy({ ...json, minPoolBalance: (1n << 62n).toString() })).toThrow(
      /minPoolBalance/,
    );
    expect(() => validatePolicy({ ...json, maxDaysPastDue: 1.5 })).toThrow(/maxDaysPastDue/);
    expect(() => validatePolicy(null)).toThrow(CodedError);
  });
});

describe("buildPoolInput parameters", () => {
  it("builds an input of the circuit's shape, and names each bad parameter", async () => {
    const { buildPoolInput } = await import("../../prover/witness/index.ts");
    const tape = randomTape(4, 10);
    const c = await commitTape(tape, randomSalts(tape), { chunkSize: 8 });
    const key = await generateOriginatorKey();
    const ctx = { publicKey: key.publicKey, chainId: 1n, registry: "0x" + "ab".repeat(20) };
    const sig = await signAttestation(key.privateKey, await attestationMessage(tape, c, ctx, DEFAULT_POLICY));
    const { input, publicSignals } = await buildPoolInput(tape, DEFAULT_POLICY, c, sig, ctx, 1, 8);
    expect((input.wA as string[]).length).toBe(8);
    expect((input.isEmpty as string[]).filter((x) => x === "1").length).toBe(6);
    expect((input.groupSiblings as string[]).length).toBe(8);
    expect((input.siblings as string[][]).length).toBe(5);
    expect(publicSignals.pool >> 112n).toBe(1n + (2n << 16n) + (10n << 32n));
    await expect(buildPoolInput(tape, DEFAULT_POLICY, c, sig, ctx, 2, 8)).rejects.toThrow(/chunkIndex/);
    await expect(buildPoolInput(tape, DEFAULT_POLICY, c, sig, ctx, 0, 48)).rejects.toThrow(/chunkSize/);
    await expect(
      buildPoolInput(tape, { ...DEFAULT_POLICY, maxBucket30Bps: 10001 }, c, sig, ctx, 0, 8),
    ).rejects.toThrow(/maxBucket30Bps/);
    await expect(
      buildPoolInput(tape, DEFAULT_POLICY, c, sig, { ...ctx, registry: "nope" }, 0, 8),
    ).rejects.toThrow(/registry/);
    await expect(buildPoolInput(randomTape(5, 10), DEFAULT_POLICY, c, sig, ctx, 0, 8)).rejects.toThrow(
      /commitment/,
    );
    await expect(
      buildPoolInput(tape, DEFAULT_POLICY, c, { R8: [1n, 2n], S: -1n }, ctx, 0, 8),
    ).rejects.toThrow(/signature\.S/);
  });
});
