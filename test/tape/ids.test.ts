/**
 * Identifiers that cannot collide (prover/tape/ids.ts): ids that are ill-formed UTF-16, hold invisible, bidi
 * or replacement characters, or are not NFC are refused by the validator (JSON and CSV readers included),
 * by `idToField` and by `commitTape`; uniqueness is checked on the field element each id is hashed as.
 * Each case is the attack: two ids that would have been one loan to the proofs, or that look alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitTape, idToField, randomSalts } from "../../prover/commitment/encoding.ts";
import { INVISIBLE_OR_CONTROL, idTextProblem } from "../../prover/tape/ids.ts";
import {
  LoanStatus,
  TapeValidationError,
  formatTapeCsv,
  isoToDays,
  parseTapeJson,
  readTapeCsv,
  tapeToJson,
  validateTape,
} from "../../prover/tape/index.ts";
import type { LoanRecord, LoanTape } from "../../prover/tape/index.ts";

const AS_OF = isoToDays("2026-10-31");
const dir = mkdtempSync(join(tmpdir(), "rwa-ids-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loan(loanId: string, borrowerRef = "B1"): LoanRecord {
  return {
    loanId,
    borrowerRef,
    originationDate: isoToDays("2025-01-15"),
    maturityDate: isoToDays("2028-01-15"),
    originalPrincipal: 1_000_000n,
    outstandingBalance: 600_000n,
    interestRateBps: 1200,
    scheduledPayment: 33_000n,
    collectedAmount: 33_000n,
    daysPastDue: 0,
    status: LoanStatus.Performing,
    chargedOffAmount: 0n,
    creditScore: 720,
    scoreProviderId: 1,
    scoreDate: isoToDays("2026-10-01"),
    collateralValue: 0n,
  };
}

function tape(loans: LoanRecord[]): LoanTape {
  return { poolId: 7n, period: 202610, asOfDate: AS_OF, currency: "USD", decimals: 2, loans };
}

/** The code points a reviewer named, and the rest of each class, each inside an otherwise fine id. */
const INVISIBLE: [string, string][] = [
  ["zero-width space", "\u200b"],
  ["zero-width non-joiner", "\u200c"],
  ["zero-width joiner", "\u200d"],
  ["byte order mark / zero-width no-break space", "\ufeff"],
  ["word joiner", "\u2060"],
  ["soft hyphen", "\u00ad"],
  ["left-to-right mark", "\u200e"],
  ["right-to-left mark", "\u200f"],
  ["arabic letter mark", "\u061c"],
  ["left-to-right embedding", "\u202a"],
  ["right-to-left embedding", "\u202b"],
  ["pop directional formatting", "\u202c"],
  ["left-to-right override", "\u202d"],
  ["right-to-left override", "\u202e"],
  ["left-to-right isolate", "\u2066"],
  ["right-to-left isolate", "\u2067"],
  ["first strong isolate", "\u2068"],
  ["pop directional isolate", "\u2069"],
  ["variation selector 16", "\ufe0f"],
  ["Hangul filler", "\u3164"],
  ["tag letter A", "\u{e0041}"],
  ["no-break space", "\u00a0"],
  ["ideographic space", "\u3000"],
  ["line separator", "\u2028"],
  ["paragraph separator", "\u2029"],
  ["replacement character", "\ufffd"],
];

describe("the id text rule", () => {
  it("refuses lone surrogates, naming the position: the reported pair mapped to one field element before", () => {
    // the attack: UTF-8 turns every lone surrogate into U+FFFD, so the two ids were one element
    expect(Buffer.from("\ud800A", "utf8").equals(Buffer.from("\ud801A", "utf8"))).toBe(true);
    for (const id of ["\ud800A", "\ud801A", "A\udc00", "L-\udbff"])
      expect(idTextProblem(id), id).toMatch(
        /^is not well-formed UTF-16 \(a lone surrogate at character \d\)$/,
      );
    expect(idTextProblem("\ud800A")).toContain("character 1");
    expect(idTextProblem("L-\udbff")).toContain("character 3");
  });

  it.each(INVISIBLE)("refuses a %s, naming the code point and where it is", (_name, c) => {
    const id = `LN${c}42`;
    const cp = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    expect(idTextProblem(id)).toBe(
      `must not contain invisible, control, bidi or replacement characters (${cp} at character 3)`,
    );
  });

  it("covers every format (Cf) and bidi control code point of the Basic Multilingual Plane", () => {
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (/\p{Cf}|\p{Bidi_Control}/u.test(c)) expect(INVISIBLE_OR_CONTROL.test(c), c).toBe(true);
    }
  });

  it("refuses an id that is not in NFC (decomposed é looks like the composed one)", () => {
    expect(idTextProblem("caf\u0065\u0301")).toBe("must be in Unicode normalization form C (NFC)");
    expect(idTextProblem("caf\u00e9")).toBeUndefined();
  });

  it("accepts visible ids in any script, with inner ASCII spaces", () => {
    for (const id of ["L000001", "LC 123 456", "贷款-7", "Kredit-Ü", "قرض٣", "💰1", "a-b_c.d/e"])
      expect(idTextProblem(id), id).toBeUndefined();
  });
});

describe("the validator and the readers", () => {
  it("refuse the lone-surrogate twins in loanId and borrowerRef, one problem per row", () => {
    const problems = validateTape(tape([loan("\ud800A"), loan("\ud801A"), loan("ok", "\udfffB")]));
    expect(problems).toEqual([
      {
        row: 1,
        field: "loanId",
        value: "\ud800A",
        reason: "is not well-formed UTF-16 (a lone surrogate at character 1)",
      },
      {
        row: 2,
        field: "loanId",
        value: "\ud801A",
        reason: "is not well-formed UTF-16 (a lone surrogate at character 1)",
      },
      {
        row: 3,
        field: "borrowerRef",
        value: "\udfffB",
        reason: "is not well-formed UTF-16 (a lone surrogate at character 1)",
      },
    ]);
  });

  it("refuse a look-alike id with a right-to-left override or a zero-width space next to the plain one", () => {
    const problems = validateTape(tape([loan("L1"), loan("L\u200b1"), loan("\u202e1L")]));
    expect(problems.map((p) => [p.row, p.field, p.reason])).toEqual([
      [
        2,
        "loanId",
        "must not contain invisible, control, bidi or replacement characters (U+200B at character 2)",
      ],
      [
        3,
        "loanId",
        "must not contain invisible, control, bidi or replacement characters (U+202E at character 1)",
      ],
    ]);
  });

  it("JSON tapes: escaped lone surrogates are refused by the reader", () => {
    const json = JSON.stringify(tapeToJson(tape([loan("X1"), loan("X2")])))
      .replace('"X1"', '"\\ud800A"')
      .replace('"X2"', '"\\ud801A"');
    let err: unknown;
    try {
      parseTapeJson(json);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TapeValidationError);
    expect((err as TapeValidationError).problems.map((p) => [p.row, p.field])).toEqual([
      [1, "loanId"],
      [2, "loanId"],
    ]);
  });

  it("CSV tapes: two ids that differ only in bytes that are not UTF-8 are refused, not merged", async () => {
    const csv = formatTapeCsv(tape([loan("AQQ"), loan("AWW")]));
    const bytes = Buffer.from(csv, "utf8");
    const text = bytes.toString("latin1").replace("AQQ", "A\xff").replace("AWW", "A\xfe");
    const path = join(dir, "bad-utf8.csv");
    writeFileSync(path, Buffer.from(text, "latin1"));
    await expect(readTapeCsv({ path })).rejects.toSatisfy((e: unknown) => {
      const p = (e as TapeValidationError).problems;
      return (
        p.length === 2 &&
        p.every((x) => x.field === "loanId" && /U\+FFFD/.test(x.reason)) &&
        p[0]!.row === 1 &&
        p[1]!.row === 2
      );
    });
  });

  it("duplicates are found on the encoded element and name the first row", () => {
    // "é" composed in both: one element, one string; the validator says duplicate (the NFC rule refuses the
    // decomposed spelling, so no two accepted strings share an element)
    const problems = validateTape(tape([loan("caf\u00e9"), loan("x"), loan("caf\u00e9")]));
    expect(problems).toEqual([
      {
        row: 3,
        field: "loanId",
        value: "caf\u00e9",
        reason: "a loan id must be unique in the tape (first at row 1)",
      },
    ]);
  });
});

describe("the field encoding", () => {
  it("idToField refuses what the validator refuses, naming the field", () => {
    expect(() => idToField("loanId", "\ud800A")).toThrow(
      'loanId: "\\ud800A" is not well-formed UTF-16 (a lone surrogate at character 1)',
    );
    expect(() => idToField("borrowerRef", "B\u2066")).toThrow(/^borrowerRef: .*U\+2066 at character 2/);
    expect(idToField("loanId", "A")).toBe((1n << 248n) + 0x41n);
  });

  it("commitTape refuses a tape whose ids collide or are ill-formed, even when it was never validated", async () => {
    const twins = tape([loan("\ud800A"), loan("\ud801A")]);
    await expect(commitTape(twins, randomSalts(twins), { chunkSize: 8 })).rejects.toThrow(
      /^tape\.loans\[0\]\.loanId: ".*" is not well-formed UTF-16/,
    );
    const dup = tape([loan("A"), loan("B"), loan("A")]);
    await expect(commitTape(dup, randomSalts(dup), { chunkSize: 8 })).rejects.toThrow(
      `tape.loans[2].loanId: duplicate "A" (field element ${idToField("loanId", "A")}, as loans[0])`,
    );
  });
});
