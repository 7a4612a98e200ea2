/**
 * Progress for long steps (compiling, setup, witness, proving, chunk by chunk): a single updating line with
 * the fraction done and an estimate of the time left, on stderr, only when stderr is a terminal. When it is
 * not (CI, pipes, `--json`), progress stays quiet and only the final outcome of each step is printed.
 */
export interface ProgressReporter {
  /** Updates the current step's fraction done (0..1) and optional detail. */
  update(fraction: number, detail?: string): void;
  /** Ends the current step with a one-line outcome. */
  done(message: string): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** Starts a progress line for one step. `quiet` suppresses everything but errors (for `--json`). */
export function startProgress(
  label: string,
  opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const live = !opts.quiet && stream.isTTY === true;
  const t0 = performance.now();
  let last = 0;
  return {
    update(fraction, detail) {
      if (!live) return;
      const now = performance.now();
      if (now - last < 100 && fraction < 1) return;
      last = now;
      const f = Math.min(Math.max(fraction, 0), 1);
      const elapsed = (now - t0) / 1000;
      const eta = f > 0.02 ? formatSeconds((elapsed / f) * (1 - f)) : "estimating";
      const bar = "#".repeat(Math.round(f * 20)).padEnd(20, ".");
      stream.write(`\r\x1b[2K${label} [${bar}] ${(f * 100).toFixed(0)}% ${detail ?? ""} (left: ${eta})`);
    },
    done(message) {
      const elapsed = formatSeconds((performance.now() - t0) / 1000);
      if (live) stream.write("\r\x1b[2K");
      if (!opts.quiet) stream.write(`${label}: ${message} (${elapsed})\n`);
    },
  };
}
