import { mkdtempSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  TapeValidationError,
  formatTapeCsv,
  formatTapeJson,
  generateSyntheticTape,
  isoToDays,
  parseTapeCsv,
  parseTapeJson,
  readTapeCsv,
  readTapeCsvStream,
  readTapeJson,
  resolveSource,
  tapeToJson,
  writeTapeCsv,
  writeTapeJson,
} from "../../prover/tape/index.ts";
import type { LoanTape, TapeProblem } from "../../prover/tape/index.ts";

const dir = mkdtempSync(join(tmpdir(), "tape-readers-"));
const base = generateSyntheticTape({ seed: "readers", loans: 300, poolId: 9n, period: 202610 });

/** Problems thrown by `fn`, or fails the test if it does not throw a TapeValidationError. */
function problems(fn: () => unknown): TapeProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof TapeValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a TapeValidationError");
}
async function problemsAsync(fn: () => Promise<unknown>): Promise<TapeProblem[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof TapeValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a TapeValidationError");
}

const HEADER =
  "loanId,borrowerRef,originationDate,maturityDate,originalPrincipal,outstandingBalance,interestRateBps,scheduledPayment,collectedAmount,daysPastDue,status,chargedOffAmount,creditScore,scoreProviderId,scoreDate,collateralValue";
const META = "#rwa-attest-tape poolId=5 period=202610 asOfDate=2026-10-31 currency=USD decimals=2";
const ROW = "L1,B1,2025-01-15,2028-01-15,1000000,600000,1200,33000,33000,0,performing,0,720,1,2026-10-01,0";
/** A canonical CSV whose `i`th data row has `edit` applied to the cells of ROW. */
function csvWith(...edits: ((cells: string[]) => void)[]): string {
  const rows = edits.map((edit, i) => {
    const cells = ROW.split(",");
    cells[0] = `L${i + 1}`;
    edit(cells);
    return cells.join(",");
  });
  return [META, HEADER, ...rows].join("\n") + "\n";
}
const OUTSTANDING = 5;
const STATUS = 10;

describe("CSV round trips", () => {
  it("format → parse gives the same tape, and the text is stable", () => {
    const csv = formatTapeCsv(base);
    expect(csv.split("\n")[0]).toBe(
      `#rwa-attest-tape poolId=9 period=202610 asOfDate=2026-10-31 currency=USD decimals=2`,
    );
    expect(csv.split("\n")[1]).toBe(HEADER);
    const back = parseTapeCsv(csv);
    expect(back).toEqual(base);
    expect(formatTapeCsv(back)).toBe(csv);
  });

  it("write → read through a file streams back the same tape; ids with commas, quotes and # survive", async () => {
    const t: LoanTape = {
      ...base,
      loans: base.loans.map((l, i) =>
        i === 0 ? { ...l, loanId: '#a,"b"' } : i === 1 ? { ...l, borrowerRef: "x,y" } : l,
      ),
    };
    const path = join(dir, "t.csv");
    await writeTapeCsv(t, path);
    expect(await readTapeCsv(path)).toEqual(t);
    expect(await readTapeCsv({ path })).toEqual(t);
    expect(await readTapeCsvStream(Readable.from([formatTapeCsv(t)]))).toEqual(t);
  });

  it("reads CRLF line endings and a UTF-8 byte-order mark", () => {
    const csv = "\ufeff" + formatTapeCsv(base).replaceAll("\n", "\r\n");
    expect(parseTapeCsv(csv)).toEqual(base);
  });

  it("streams byte chunks that split lines and multi-byte characters, with a BOM, CRLF and blank lines", async () => {
    const t: LoanTape = {
      ...base,
      loans: base.loans.map((l, i) => (i === 3 ? { ...l, loanId: "prêt-é€" } : l)),
    };
    const text = "\ufeff\r\n" + formatTapeCsv(t).replaceAll("\n", "\r\n");
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 7, 4096]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await readTapeCsvStream(Readable.from(chunks))).toEqual(t);
    }
  });

  it("options supply pool, period and as-of date when there is no metadata line, and must agree with it", () => {
    const noMeta = [HEADER, ROW].join("\n");
    const t = parseTapeCsv(noMeta, { poolId: 5n, period: 202610, asOfDate: isoToDays("2026-10-31") });
    expect(t.poolId).toBe(5n);
    expect(t.loans[0]!.outstandingBalance).toBe(600_000n);
    expect(problems(() => parseTapeCsv(noMeta))).toEqual([
      {
        row: null,
        field: "poolId",
        value: "",
        reason: "missing: give it in the options or the metadata line",
      },
      {
        row: null,
        field: "period",
        value: "",
        reason: "missing: give it in the options or the metadata line",
      },
      {
        row: null,
        field: "asOfDate",
        value: "",
        reason: "missing: give it in the options or the metadata line",
      },
    ]);
    expect(
      problems(() =>
        parseTapeCsv(
          csvWith(() => {}),
          { period: 202611 },
        ),
      ),
    ).toEqual([
      { row: null, field: "period", value: "202611", reason: "the file's metadata line says 202610" },
    ]);
  });
});

describe("CSV refusals, with row, field, value and reason", () => {
  it("2^48 refused, 2^48 - 1 accepted", () => {
    expect(parseTapeCsv(csvWith((c) => (c[15] = "281474976710655"))).loans[0]!.collateralValue).toBe(
      (1n << 48n) - 1n,
    );
    expect(problems(() => parseTapeCsv(csvWith((c) => (c[15] = "281474976710656"))))).toEqual([
      {
        row: 1,
        field: "collateralValue",
        value: "281474976710656",
        reason: "an amount must be at most 2^48 - 1 = 281474976710655 minor units",
      },
    ]);
  });

  it("negative, fractional and non-numeric amounts refused", () => {
    const cases: [string, string][] = [
      ["-5", "negative value"],
      ["12.5", "has more decimal places than the unit allows"],
      ["abc", "not a decimal number"],
      ["1e", "not a decimal number"],
      ["1e+41", "exponent beyond ±40"],
      ["1.5e-1", "has more decimal places than the unit allows"],
      ["1,000", "not a decimal number"],
      ["", "empty"],
    ];
    for (const [text, reason] of cases) {
      const csv = csvWith((c) => (c[OUTSTANDING] = text.includes(",") ? `"${text}"` : text));
      expect(problems(() => parseTapeCsv(csv))).toEqual([
        {
          row: 1,
          field: "outstandingBalance",
          value: text,
          reason: `column "outstandingBalance": ${reason}`,
        },
      ]);
    }
  });

  it("an unknown status is refused with its row", () => {
    const p = problems(() =>
      parseTapeCsv(
        csvWith(
          () => {},
          (c) => (c[STATUS] = "late"),
        ),
      ),
    );
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ row: 2, field: "status", value: "late" });
    expect(p[0]!.reason).toMatch(/^unknown status \(the mapping knows "performing", "delinquent"/);
  });

  it("reports every problem of every row together, and returns nothing", () => {
    const csv = csvWith(
      (c) => (c[OUTSTANDING] = "-1"),
      () => {},
      (c) => {
        c[2] = "2025-02-30";
        c[12] = "9999";
      },
      (c) => (c[0] = "L1"),
      (c) => c.pop(),
    );
    expect(problems(() => parseTapeCsv(csv))).toEqual([
      {
        row: 1,
        field: "outstandingBalance",
        value: "-1",
        reason: 'column "outstandingBalance": negative value',
      },
      {
        row: 3,
        field: "originationDate",
        value: "2025-02-30",
        reason: 'column "originationDate": no such calendar date on or after 1970-01-01',
      },
      { row: 3, field: "creditScore", value: "9999", reason: "score must be within 0..1023" },
      {
        row: 4,
        field: "loanId",
        value: "L1",
        reason: "a loan id must be unique in the tape (first at row 1)",
      },
      {
        row: 5,
        field: "csv",
        value: "15 cells",
        reason: "a row must have as many cells as the header has columns (16)",
      },
    ]);
  });

  it("a missing column is reported once for the header, not per row", () => {
    const csv = [META, HEADER.replace("creditScore", "score"), ROW, ROW].join("\n");
    expect(problems(() => parseTapeCsv(csv))).toEqual([
      { row: null, field: "creditScore", value: "creditScore", reason: "column missing from the header" },
    ]);
  });

  it("empty input, header only, and malformed CSV quoting", async () => {
    expect(problems(() => parseTapeCsv(""))).toEqual([
      { row: null, field: "csv", value: "", reason: "no header row" },
    ]);
    expect(problems(() => parseTapeCsv([META, HEADER].join("\n")))).toEqual([
      { row: null, field: "loans", value: "0", reason: "a tape must hold at least one loan" },
    ]);
    const bad = [META, HEADER, 'L"1' + ROW.slice(2), '"L2,' + ROW.slice(3)].join("\n");
    const p = await problemsAsync(() => readTapeCsv({ text: bad }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ row: null, field: "csv" });
    await expect(readTapeCsv(join(dir, "does-not-exist.csv"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("the streaming reader reports the same problems", async () => {
    const csv = csvWith(
      (c) => (c[OUTSTANDING] = "-1"),
      (c) => (c[STATUS] = "late"),
    );
    const path = join(dir, "bad.csv");
    writeFileSync(path, csv);
    expect(await problemsAsync(() => readTapeCsv(path))).toEqual(problems(() => parseTapeCsv(csv)));
  });
});

describe("JSON", () => {
  it("round trips through text and files, amounts as decimal strings, dates ISO", async () => {
    const text = formatTapeJson(base);
    const json = JSON.parse(text);
    expect(json.format).toBe("rwa-attest/tape@1");
    expect(json.poolId).toBe("9");
    expect(typeof json.loans[0].outstandingBalance).toBe("string");
    expect(json.loans[0].originationDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(parseTapeJson(text)).toEqual(base);
    const path = join(dir, "t.json");
    await writeTapeJson(base, path);
    expect(await readTapeJson(path)).toEqual(base);
    expect(await readTapeJson(text)).toEqual(base);
  });

  it("accepts safe-integer amounts and day-number dates; refuses fractions, 2^48, unknown and missing fields", () => {
    const j = tapeToJson(base);
    const l0 = j.loans[0] as unknown as Record<string, unknown>;
    l0.collateralValue = 5;
    l0.scoreDate = j.loans[0]!.originationDate;
    expect(parseTapeJson(JSON.stringify(j)).loans[0]!.collateralValue).toBe(5n);

    l0.collateralValue = 12.5;
    l0.outstandingBalance = "281474976710656";
    l0.extra = 1;
    delete l0.creditScore;
    const l2 = j.loans[2] as unknown as Record<string, unknown>;
    l2.status = "late";
    l2.scheduledPayment = "-7";
    expect(problems(() => parseTapeJson(JSON.stringify(j)))).toEqual([
      { row: 1, field: "extra", value: "1", reason: "unknown field" },
      { row: 1, field: "creditScore", value: "", reason: "missing" },
      {
        row: 1,
        field: "collateralValue",
        value: "12.5",
        reason: "a number must be a safe integer (write decimals as strings)",
      },
      { row: 3, field: "status", value: "late", reason: expect.stringMatching(/^unknown status/) },
      { row: 3, field: "scheduledPayment", value: "-7", reason: 'column "scheduledPayment": negative value' },
    ]);
  });

  it("refuses a malformed header and non-JSON text", () => {
    const j = { ...tapeToJson(base), poolId: "-1", asOfDate: "2026-13-01", currency: "usd", extra: true };
    expect(problems(() => parseTapeJson(JSON.stringify(j)))).toEqual([
      {
        row: null,
        field: "currency",
        value: "usd",
        reason: "must be an ISO 4217 code (three capital letters)",
      },
      { row: null, field: "extra", value: "", reason: "unknown key" },
      {
        row: null,
        field: "poolId",
        value: "-1",
        reason: "must be a decimal string (or safe integer) below 2^64",
      },
      {
        row: null,
        field: "asOfDate",
        value: "2026-13-01",
        reason: "no such calendar date on or after 1970-01-01",
      },
    ]);
    expect(problems(() => parseTapeJson("{not json"))[0]).toMatchObject({ row: null, field: "(tape)" });
  });
});

describe("writers and sources", () => {
  it("an invalid tape is not written", async () => {
    const bad = { ...base, loans: [{ ...base.loans[0]!, creditScore: 5000 }] };
    const path = join(dir, "never.csv");
    await expect(writeTapeCsv(bad, path)).rejects.toBeInstanceOf(TapeValidationError);
    await expect(writeTapeJson(bad, path)).rejects.toBeInstanceOf(TapeValidationError);
    expect(existsSync(path)).toBe(false);
  });

  it("a bare string is text when it has a line break or starts with {, a path otherwise", () => {
    expect(resolveSource("a/b.csv")).toEqual({ path: "a/b.csv" });
    expect(resolveSource('  {"x":1}')).toEqual({ text: '  {"x":1}' });
    expect(resolveSource("h\nr")).toEqual({ text: "h\nr" });
    expect(resolveSource({ path: "x\ny" })).toEqual({ path: "x\ny" });
  });
});

describe("example tapes in examples/tapes", () => {
  it("sample.csv and sample.json are the generator's 24-loan tape (seed 'example')", async () => {
    const t = generateSyntheticTape({ seed: "example", loans: 24, poolId: 1001n, period: 202610 });
    expect(await readTapeCsv("examples/tapes/sample.csv")).toEqual(t);
    expect(await readTapeJson("examples/tapes/sample.json")).toEqual(t);
  });

  it("invalid.csv reports its six problems", async () => {
    const p = await problemsAsync(() => readTapeCsv("examples/tapes/invalid.csv"));
    expect(p.map((x) => [x.row, x.field, x.value])).toEqual([
      [1, "outstandingBalance", "-100"],
      [2, "status", "late"],
      [3, "creditScore", "2000"],
      [3, "loanId", "L000001"],
      [4, "collateralValue", "281474976710656"],
      [5, "chargedOffAmount", "500"],
    ]);
  });
});
