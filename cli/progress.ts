/**
 * Progress for long steps (compiling, setup, witness, proving, chunk by chunk), on stderr.
 *
 * On a terminal: one updating line with a bar, the fraction done and the time left. Otherwise (CI, pipes, a
 * log file): a plain line when a stage starts and then every `interval` (30 s by default,
 * `RWA_ATTEST_PROGRESS_SECONDS` to change it) with the elapsed time and the time left, so a 10-minute proof
 * never looks hung. `quiet` (for `--json`) prints nothing but the errors.
 *
 * The time left is estimated from whole units (chunks) once one has finished: elapsed / done × remaining.
 * Within-unit fractions are not linear in time (a witness is quick, the proof is not), so estimating from
 * them at the start gives figures far below the real time; before the first unit ends the line says
 * "estimating" unless there is a single unit, when the fraction is all there is.
 */
export interface ProgressReporter {
  /**
   * Updates the current step: fraction done (0..1), optional detail, and, when the work comes in units, the
   * stage name and units done of the total (for the time left).
   */
  update(fraction: number, detail?: string, units?: { stage?: string; done: number; total: number }): void;
  /** Ends the current step with a one-line outcome. */
  done(message: string): void;
}

/** `45 s`, `10 min 05 s`, `1 h 02 min`: whole seconds, never `60 s` in a minute. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  if (m < 60) return `${m} min ${String(total % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Seconds left, or undefined while there is nothing to estimate from (see the file header). */
export function estimateLeft(
  elapsed: number,
  fraction: number,
  units?: { done: number; total: number },
): number | undefined {
  if (units && units.total > 1) {
    if (units.done < 1) return undefined;
    return (elapsed / units.done) * Math.max(0, units.total - units.done);
  }
  if (fraction < 0.05 || elapsed < 1) return undefined;
  return (elapsed / fraction) * (1 - fraction);
}

/** Starts progress for one step. `quiet` suppresses everything but errors (for `--json`). */
export function startProgress(
  label: string,
  opts: {
    quiet?: boolean;
    stream?: NodeJS.WritableStream & { isTTY?: boolean };
    intervalSeconds?: number;
    now?: () => number;
  } = {},
): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const tty = !opts.quiet && stream.isTTY === true;
  const plain = !opts.quiet && !tty;
  const interval = 1000 * (opts.intervalSeconds ?? (Number(process.env.RWA_ATTEST_PROGRESS_SECONDS) || 30));
  const t0 = now();
  let lastDraw = 0;
  let lastLine = t0;
  let stage: string | undefined;
  let stageStart = t0;
  return {
    update(fraction, detail, units) {
      if (opts.quiet) return;
      const t = now();
      const f = Math.min(Math.max(fraction, 0), 1);
      const newStage = units?.stage !== undefined && units.stage !== stage;
      if (newStage) {
        stage = units!.stage;
        stageStart = t;
      }
      const elapsed = (t - t0) / 1000;
      const left = estimateLeft((t - stageStart) / 1000, f, units);
      const eta = left === undefined ? "estimating" : `about ${formatSeconds(left)}`;
      if (tty) {
        if (t - lastDraw < 100 && f < 1) return;
        lastDraw = t;
        const bar = "#".repeat(Math.round(f * 20)).padEnd(20, ".");
        stream.write(`\r\x1b[2K${label} [${bar}] ${(f * 100).toFixed(0)}% ${detail ?? ""} (left: ${eta})`);
        return;
      }
      if (plain && (newStage || t - lastLine >= interval)) {
        lastLine = t;
        const what = [stage, detail].filter(Boolean).join(", ");
        stream.write(
          `${label}: ${(f * 100).toFixed(0)}%${what ? ` (${what})` : ""}, elapsed ${formatSeconds(elapsed)}, left ${eta}\n`,
        );
      }
    },
    done(message) {
      const elapsed = formatSeconds((now() - t0) / 1000);
      if (tty) stream.write("\r\x1b[2K");
      if (!opts.quiet) stream.write(`${label}: ${message} (${elapsed})\n`);
    },
  };
}
