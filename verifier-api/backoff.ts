/**
 * Backing off from a failing dependency (the store): `Backoff` tells when to try again (1 s, doubling to
 * 30 s) and keeps the log quiet meanwhile: the first failure is logged, then one line per back-off interval
 * with the count of failures it stands for, and one line when the dependency answers again. A database
 * outage thus costs a few log lines a minute, not several a second.
 */
import type { FastifyBaseLogger } from "fastify";

const FIRST_MS = 1_000;
const MAX_MS = 30_000;

export class Backoff {
  private failures = 0;
  private since = 0;
  private delayMs = 0;
  private nextAt = 0;
  private suppressed = 0;
  private readonly log: FastifyBaseLogger;
  private readonly what: string;

  constructor(log: FastifyBaseLogger, what: string) {
    this.log = log;
    this.what = what;
  }

  /** Whether the dependency is being waited out (a call now would most likely fail again). */
  get waiting(): boolean {
    return this.failures > 0 && Date.now() < this.nextAt;
  }

  /** Records a failure: schedules the next try, logs when the last line is an interval old. */
  failed(err: unknown): void {
    const now = Date.now();
    if (this.failures === 0) this.since = now;
    this.failures++;
    this.delayMs = Math.min(MAX_MS, this.delayMs === 0 ? FIRST_MS : this.delayMs * 2);
    if (now >= this.nextAt) {
      this.log.error(
        { err, failures: this.failures, suppressed: this.suppressed, retryInMs: this.delayMs },
        `${this.what} failed; backing off`,
      );
      this.suppressed = 0;
    } else this.suppressed++;
    this.nextAt = now + this.delayMs;
  }

  /** Records a success: one line if it ends an outage. */
  ok(): void {
    if (this.failures === 0) return;
    this.log.warn({ failures: this.failures, outageMs: Date.now() - this.since }, `${this.what} works again`);
    this.failures = 0;
    this.delayMs = 0;
    this.nextAt = 0;
    this.suppressed = 0;
  }
}
