/**
 * Tape reading benchmark: generates a synthetic tape (default 100,000 loans), writes it as canonical CSV
 * and JSON, and times reading + validating it back (streaming CSV from a file, CSV from text, JSON), and
 * a LendingClub-layout CSV of the same size through the LendingClub mapping. Prints rows/s by wall-clock
 * time and by this process's CPU time (the second is the fairer figure on a shared, loaded machine).
 *
 *   node benchmarks/tape.ts [loans]
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatTapeCsv,
  formatTapeJson,
  generateSyntheticTape,
  isoToDays,
  loadMapping,
  parseTapeCsv,
  readTapeCsv,
  readTapeJson,
} from "../prover/tape/index.ts";

const loans = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "tape-bench-"));

/** Runs `fn`, prints wall time, CPU time (user + system of this process) and rows/s by both. */
async function time<T>(label: string, rows: number, fn: () => Promise<T> | T): Promise<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const rss = process.memoryUsage().rss / 2 ** 20;
  const rate = (s: number) =>
    Math.round(rows / s)
      .toLocaleString("en-US")
      .padStart(9);
  console.log(
    `${label.padEnd(42)} wall ${wall.toFixed(2).padStart(6)} s ${rate(wall)} rows/s | cpu ${cpu.toFixed(2).padStart(6)} s ${rate(cpu)} rows/s | rss ${rss.toFixed(0)} MB`,
  );
  return out;
}

try {
  console.log(
    `tape benchmark: ${loans.toLocaleString("en-US")} loans, node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  const tape = await time("generateSyntheticTape (validated)", loans, () =>
    generateSyntheticTape({ seed: "bench", loans, poolId: 1n, period: 202610 }),
  );
  const csvPath = join(dir, "tape.csv");
  const jsonPath = join(dir, "tape.json");
  await time("formatTapeCsv + write", loans, () => writeFileSync(csvPath, formatTapeCsv(tape)));
  await time("formatTapeJson + write", loans, () => writeFileSync(jsonPath, formatTapeJson(tape)));
  console.log(
    `  CSV ${(statSync(csvPath).size / 2 ** 20).toFixed(1)} MiB, JSON ${(statSync(jsonPath).size / 2 ** 20).toFixed(1)} MiB`,
  );
  const a = await time("readTapeCsv(path) streaming + validate", loans, () => readTapeCsv(csvPath));
  const text = readFileSync(csvPath, "utf8");
  await time("parseTapeCsv(text) sync + validate", loans, () => parseTapeCsv(text));
  const b = await time("readTapeJson(path) + validate", loans, () => readTapeJson(jsonPath));
  if (a.loans.length !== loans || b.loans.length !== loans) throw new Error("row count mismatch");

  // LendingClub layout: the fixture's rows repeated with fresh ids, through the LendingClub mapping.
  const fixture = readFileSync("examples/tapes/lendingclub-sample.csv", "utf8").trimEnd().split("\n");
  const [header, ...rows] = fixture;
  const lines = [header!];
  for (let i = 0; i < loans; i++) lines.push(rows[i % rows.length]!.replace(/^\d+/, String(200_000_000 + i)));
  const lcPath = join(dir, "lc.csv");
  writeFileSync(lcPath, lines.join("\n") + "\n");
  console.log(`  LendingClub-layout CSV ${(statSync(lcPath).size / 2 ** 20).toFixed(1)} MiB (50 columns)`);
  const mapping = await loadMapping("examples/mappings/lendingclub.json");
  const lc = await time("readTapeCsv(path, lendingclub mapping)", loans, () =>
    readTapeCsv(lcPath, { mapping, poolId: 1n, period: 201812, asOfDate: isoToDays("2018-12-31") }),
  );
  if (lc.loans.length !== loans) throw new Error("row count mismatch");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
