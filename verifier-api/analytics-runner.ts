/**
 * Tranche analytics as bounded, cancellable work. A request's work is estimated before anything runs
 * (`analysisWork`: loans × scenarios × simulation runs, in loan-scenarios) and refused above
 * `RWA_API_ANALYTICS_MAX_WORK`; each key runs at most `RWA_API_ANALYTICS_PER_KEY` analyses at once; the
 * analyses run in forked `workers/analytics.ts` processes (`RWA_API_ANALYTICS_CONCURRENCY` at once, a short
 * queue behind them), each killed when its request's deadline passes or its client goes away.
 *
 * The runs are those the analysis makes (`simulationRuns` of analytics/analyze.ts, the rule its loop uses):
 * the base, 4 for sensitivities unless off, one per stress scenario that changes something; without
 * `stress`, the 5 default scenarios, of which 4 run ("base" reuses the base run): 9 runs by default.
 *
 * Worked example (defaults: at most 500,000,000 loan-scenarios): 2,000 loans, 20,000 scenarios (the
 * default), sensitivities on (4 extra runs) and 2 stress scenarios: 2,000 × 20,000 × (1 + 4 + 2) =
 * 280,000,000, accepted (about 20 s on two loaded cores). The same without `stress` (the default
 * scenarios): 2,000 × 20,000 × 9 = 360,000,000, accepted. One group of 1,000,000 loans at 100,000
 * scenarios: 1,000,000 × 100,000 × 9 = 9 × 10^11, refused at once with the numbers.
 */
import {
  ANALYSIS_DEFAULTS,
  simulationRuns,
  type AnalysisInput,
  type AnalysisReport,
} from "../analytics/index.ts";
import type { AnalyticsReply, AnalyticsRequest } from "./workers/analytics.ts";
import { ApiError } from "./http/errors.ts";
import { CodedError, fromWire } from "../prover/index.ts";
import { QueueFullError, WorkerPool } from "./worker-pool.ts";

export interface AnalysisWork {
  loans: number;
  scenarios: number;
  /** Simulations the analysis runs (`simulationRuns`): the base, sensitivities, each non-identity stress. */
  runs: number;
  /** loans × scenarios × runs. */
  work: number;
}

/** The work an analysis input asks for, before running it. */
export function analysisWork(input: AnalysisInput): AnalysisWork {
  const loans = (input.loans?.length ?? 0) + (input.groups ?? []).reduce((n, g) => n + g.count, 0);
  const scenarios = input.simulation?.scenarios ?? ANALYSIS_DEFAULTS.scenarios;
  const runs = simulationRuns(input);
  return { loans, scenarios, runs, work: loans * scenarios * runs };
}

export interface AnalyticsLimits {
  /** Most loan-scenarios one request may ask for. */
  maxWork: number;
  /** Analyses one key may run at once. */
  perKey: number;
  /** Analyses running at once on this instance (processes). */
  concurrency: number;
  /** Simulation threads per analysis. */
  threads: number;
}

export class AnalyticsRunner {
  private readonly pool: WorkerPool<Omit<AnalyticsRequest, "id">, AnalyticsReply, AnalysisReport>;
  private readonly active = new Map<string, number>();
  readonly limits: AnalyticsLimits;

  constructor(limits: AnalyticsLimits) {
    this.limits = limits;
    this.pool = new WorkerPool({
      script: new URL("./workers/analytics.ts", import.meta.url),
      label: "analytics worker",
      size: limits.concurrency,
      maxQueue: limits.concurrency * 4,
      settle: (m) => {
        if (m.ok) return m.report as AnalysisReport;
        // The analysis refuses inconsistent input with a coded error (the caller's mistake: app.ts maps
        // its code); anything else is the service's.
        const e = fromWire(m.error);
        return e instanceof CodedError ? e : new Error(`analysis failed: ${m.error.message}`);
      },
    });
  }

  /** The worker processes (tests). */
  get workers(): WorkerPool<Omit<AnalyticsRequest, "id">, AnalyticsReply, AnalysisReport> {
    return this.pool;
  }

  /**
   * Runs an analysis for the key `keyId`, refusing it (400) above the work budget and (429) when the key
   * already runs its share; the work is killed when `signal` aborts.
   */
  async run(input: AnalysisInput, keyId: string, signal: AbortSignal): Promise<AnalysisReport> {
    const w = analysisWork(input);
    if (w.work > this.limits.maxWork) {
      throw new ApiError(
        "validation",
        `this analysis simulates ${w.loans} loans × ${w.scenarios} scenarios × ${w.runs} runs = ` +
          `${w.work.toExponential(2)} loan-scenarios; at most ${this.limits.maxWork.toExponential(2)} per ` +
          "request: fewer scenarios, stress scenarios or loans, or `sensitivities: false`",
        [{ field: "body", reason: "over the work budget of a request" }],
      );
    }
    const mine = this.active.get(keyId) ?? 0;
    if (mine >= this.limits.perKey) {
      throw new ApiError(
        "rate-limited",
        `this key already runs ${mine} analysis(es), the most it may run at once`,
        undefined,
        { "retry-after": "10" },
      );
    }
    this.active.set(keyId, mine + 1);
    try {
      return await this.pool.run({ input, threads: this.limits.threads }, signal);
    } catch (err) {
      if (err instanceof QueueFullError) {
        throw new ApiError("overloaded", "analyses are queued already; retry later", undefined, {
          "retry-after": "30",
        });
      }
      throw err;
    } finally {
      const n = (this.active.get(keyId) ?? 1) - 1;
      if (n > 0) this.active.set(keyId, n);
      else this.active.delete(keyId);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
