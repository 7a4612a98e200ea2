/** A small Prometheus registry: counters, gauges and histograms with labels, rendered as text format 0.0.4. */

type Labels = Record<string, string>;

const key = (labels: Labels): string =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  private readonly collect?: (g: Gauge) => void | Promise<void>;
  constructor(name: string, help: string, collect?: (g: Gauge) => void | Promise<void>) {
    this.name = name;
    this.help = help;
    this.collect = collect;
  }
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value);
  }
  async refresh(): Promise<void> {
    await this.collect?.(this);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly buckets: number[];
  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : "";
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** The service's metrics. */
export class Metrics {
  readonly requestDuration = new Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method, route and status code",
    [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly jobDuration = new Histogram(
    "job_duration_seconds",
    "Time to run a job (proving time for proof and attestation jobs), by kind and outcome",
    [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  );
  readonly verifications = new Counter(
    "proof_verifications_total",
    "Proofs verified, by instance and result",
  );
  readonly queue: Gauge;
  readonly process = new Gauge("process_resident_memory_bytes", "Resident set size", (g) =>
    g.set({}, process.memoryUsage.rss()),
  );

  readonly verifyBatches: Gauge;

  constructor(
    countJobs: () => Promise<Record<string, number>>,
    activeJobs: () => number,
    batchStats: () => { batches: number; proofs: number; fallbacks: number } = () => ({
      batches: 0,
      proofs: 0,
      fallbacks: 0,
    }),
  ) {
    this.verifyBatches = new Gauge(
      "proof_verification_batches",
      "Batched verifications since start: batches, proofs in them, batches re-checked one by one",
      (g) => {
        const b = batchStats();
        g.set({ what: "batches" }, b.batches);
        g.set({ what: "proofs" }, b.proofs);
        g.set({ what: "fallbacks" }, b.fallbacks);
      },
    );
    this.queue = new Gauge("job_queue_depth", "Jobs by state (accepted = waiting, running)", async (g) => {
      for (const [state, n] of Object.entries(await countJobs())) g.set({ state }, n);
      g.set({ state: "active_here" }, activeJobs());
    });
  }

  async render(): Promise<string> {
    await this.queue.refresh();
    await this.process.refresh();
    await this.verifyBatches.refresh();
    return (
      [
        this.requestDuration,
        this.jobDuration,
        this.verifications,
        this.verifyBatches,
        this.queue,
        this.process,
      ]
        .map((m) => m.render())
        .join("\n") + "\n"
    );
  }
}
