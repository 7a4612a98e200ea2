/**
 * Progress reporting: durations read right ("10 min 60 s" never), no time left is guessed before a whole
 * unit has finished (within-unit fractions run far ahead of time), and off a terminal a plain line appears
 * when a stage starts and then at a steady interval, with the elapsed time and the time left.
 */
import { describe, expect, it } from "vitest";
import { estimateLeft, formatSeconds, startProgress } from "../../cli/progress.ts";

describe("progress", () => {
  it("formats durations without 60 s in a minute", () => {
    expect(formatSeconds(59.4)).toBe("59 s");
    expect(formatSeconds(59.6)).toBe("1 min 00 s");
    expect(formatSeconds(659.7)).toBe("11 min 00 s");
    expect(formatSeconds(605)).toBe("10 min 05 s");
    expect(formatSeconds(3725)).toBe("1 h 02 min");
    expect(formatSeconds(Number.NaN)).toBe("?");
  });

  it("estimates from whole units once one has finished, not from a quick first fraction", () => {
    // A 10-chunk proof: the first chunk's witness brings the fraction to 4 % in 2 s, but a chunk takes 60 s.
    expect(estimateLeft(2, 0.04, { done: 0, total: 10 })).toBeUndefined();
    expect(estimateLeft(60, 0.1, { done: 1, total: 10 })).toBe(540);
    // One unit only: the fraction is all there is, once past 5 %.
    expect(estimateLeft(1, 0.02, { done: 0, total: 1 })).toBeUndefined();
    expect(estimateLeft(10, 0.5, { done: 0, total: 1 })).toBe(10);
  });

  it("off a terminal: a line per stage and then every interval, with elapsed time and time left", () => {
    let t = 0;
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const p = startProgress("proving", { stream, intervalSeconds: 30, now: () => t });
    p.update(0, "committing the tape", { stage: "commit", done: 0, total: 1 });
    t = 2_000;
    p.update(0.02, "chunks proven: 0 of 4", { stage: "prove", done: 0, total: 4 });
    for (let s = 3; s <= 130; s++) {
      t = s * 1000;
      const done = Math.floor((s - 2) / 60);
      p.update(0.02 + (0.98 * done) / 4, `chunks proven: ${done} of 4`, { stage: "prove", done, total: 4 });
    }
    p.done("4 chunk proofs");
    expect(lines).toEqual([
      "proving: 0% (commit, committing the tape), elapsed 0 s, left estimating\n",
      "proving: 2% (prove, chunks proven: 0 of 4), elapsed 2 s, left estimating\n",
      "proving: 2% (prove, chunks proven: 0 of 4), elapsed 32 s, left estimating\n",
      "proving: 27% (prove, chunks proven: 1 of 4), elapsed 1 min 02 s, left about 3 min 00 s\n",
      "proving: 27% (prove, chunks proven: 1 of 4), elapsed 1 min 32 s, left about 4 min 30 s\n",
      "proving: 51% (prove, chunks proven: 2 of 4), elapsed 2 min 02 s, left about 2 min 00 s\n",
      "proving: 4 chunk proofs (2 min 10 s)\n",
    ]);
  });

  it("--json (quiet) prints nothing", () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const p = startProgress("proving", { stream, quiet: true });
    p.update(0.5, "x", { stage: "prove", done: 1, total: 2 });
    p.done("ok");
    expect(lines).toEqual([]);
  });
});
