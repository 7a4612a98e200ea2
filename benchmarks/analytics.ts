/**
 * Tranche analytics benchmark: Monte Carlo throughput (100,000 scenarios × 1,000 loans with heterogeneous
 * exposures, in-thread and on worker threads), and the comparison of simulated tranche expected losses with
 * the closed forms (exact finite homogeneous pool and Vasicek large pool).
 *
 *   node_modules/.bin/node benchmarks/analytics.ts            # print
 *   node_modules/.bin/node benchmarks/analytics.ts --write    # also write docs/BENCHMARKS.md "## Tranche analytics"
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { format } from "prettier";
import { availableParallelism, cpus, loadavg } from "node:os";
import {
  analyzePool,
  autoShift,
  compilePool,
  DEFAULT_PD_TABLE,
  estimateMean,
  homogeneousPoolDistribution,
  simulateLosses,
  simulateLossesParallel,
  trancheLoss,
  trancheLossFromDistribution,
  vasicekTrancheLoss,
} from "../analytics/index.ts";
import type { CompiledPool, SimulationParams } from "../analytics/index.ts";

const SCENARIOS = 100_000;
const LOANS = 1000;
const lines: string[] = [];
const out = (s: string) => {
  console.log(s);
  lines.push(s);
};

/** Heterogeneous 1,000-loan pool: log-normal-like exposures, PDs from the default PD table, varied LGD. */
function benchPool(distinctPd: boolean): CompiledPool {
  let s = 20261122;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  const exposure = new Float64Array(LOANS);
  const pd = new Float64Array(LOANS);
  const lgd = new Float64Array(LOANS);
  const table = DEFAULT_PD_TABLE;
  for (let i = 0; i < LOANS; i++) {
    exposure[i] = Math.round(
      5000 * Math.exp(1.2 * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd())),
    );
    const band = Math.floor(rnd() * table.scoreBands.length);
    const r = rnd();
    const bucket = r < 0.9 ? 0 : r < 0.95 ? 1 : r < 0.98 ? 2 : 3;
    pd[i] = table.pd[band]![bucket]! * (distinctPd ? 0.9 + 0.2 * rnd() : 1);
    lgd[i] = 0.35 + 0.4 * rnd();
  }
  return compilePool({ exposure, pd, lgd });
}

/** Wall-clock and process CPU seconds (all threads) of f. */
async function time<T>(f: () => T | Promise<T>): Promise<[T, number, number]> {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await f();
  const cpu = process.cpuUsage(c);
  return [r, (performance.now() - t) / 1000, (cpu.user + cpu.system) / 1e6];
}

const params = (pool: CompiledPool): SimulationParams => ({
  rho: 0.15,
  scenarios: SCENARIOS,
  seed: 1,
  shift: autoShift(pool, 0.15, 0.1),
  mix: 0.5,
});

out(
  `Machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, Node ${process.version}, load average at start ${loadavg()[0]!.toFixed(1)} (the cores are shared).`,
);
out("");
out("### Speed: 100,000 scenarios × 1,000 loans (heterogeneous exposures)");
out("");
out(
  "| pool | PD classes | threads | wall (s) | CPU (s, all threads) | scenarios/s (wall) | loan-draws/s (wall) |",
);
out("|---|---:|---:|---:|---:|---:|---:|");
for (const distinct of [false, true]) {
  const pool = benchPool(distinct);
  const p = params(pool);
  simulateLosses(pool, { ...p, scenarios: 2000 }); // warm-up (JIT)
  const label = distinct ? "PD per loan (all distinct)" : "PD from the table";
  const [sync, ts, cs] = await time(() => simulateLosses(pool, p));
  out(
    `| ${label} | ${pool.classPd.length} | 1 (in-thread) | ${ts.toFixed(3)} | ${cs.toFixed(3)} | ${Math.round(SCENARIOS / ts)} | ${((SCENARIOS * LOANS) / ts / 1e6).toFixed(0)} M |`,
  );
  for (const w of [2, 4]) {
    const [par, tp, cp] = await time(() => simulateLossesParallel(pool, p, w));
    if (!Buffer.from(par.loss.buffer).equals(Buffer.from(sync.loss.buffer)))
      throw new Error("workers differ");
    out(
      `| ${label} | ${pool.classPd.length} | ${w} workers (spawn included) | ${tp.toFixed(3)} | ${cp.toFixed(3)} | ${Math.round(SCENARIOS / tp)} | ${((SCENARIOS * LOANS) / tp / 1e6).toFixed(0)} M |`,
    );
  }
}
out("");
out(
  "Worker results are checked bit-identical to the in-thread run. The cores are shared with other jobs: wall time varies with the load; the in-thread CPU time is the load-independent cost.",
);
out("");

{
  const pool = benchPool(false);
  const input = {
    loans: Array.from({ length: LOANS }, (_, i) => ({
      exposure: 1000 + (i % 97) * 137,
      pd: pool.classPd[i % pool.classPd.length]!,
      lgd: 0.6,
    })),
    rho: 0.15,
    tranches: [
      { name: "equity", attachment: 0, detachment: 0.08 },
      { name: "mezzanine", attachment: 0.08, detachment: 0.2 },
      { name: "senior", attachment: 0.2, detachment: 1 },
    ],
    sizing: { seniorTargetEL: 0.0005, mezzanineTargetEL: 0.01 },
  };
  const [, ta, ca] = await time(() => analyzePool(input));
  out(
    `Full \`analyzePool\` (1,000 loans, default 20,000 scenarios, 4 sensitivity runs, 4 stress runs, sizing): ${ta.toFixed(2)} s wall, ${ca.toFixed(2)} s CPU, in-thread.`,
  );
  out("");
}

out("### Closed-form comparison (100,000 scenarios, importance sampling on)");
out("");
out('Homogeneous pool of 1,000 equal loans, PD 2%, LGD 60%, ρ = 0.15. "exact" is the finite-pool');
out('mixture ∫φ(z)·Binom(k; n, p(z))dz, "Vasicek LHP" the large-pool limit; z = (MC − exact)/s.e.');
out("");
out("| tranche | MC EL | s.e. | exact EL | z | Vasicek LHP EL | MC P(impair) | exact P(impair) |");
out("|---|---:|---:|---:|---:|---:|---:|---:|");
{
  const n = 1000;
  const pd = 0.02;
  const lgd = 0.6;
  const rho = 0.15;
  const pool = compilePool({
    exposure: new Float64Array(n).fill(1),
    pd: new Float64Array(n).fill(pd),
    lgd: new Float64Array(n).fill(lgd),
  });
  const sim = simulateLosses(pool, {
    rho,
    scenarios: SCENARIOS,
    seed: 1,
    shift: autoShift(pool, rho, 0.1),
    mix: 0.5,
  });
  const plain = simulateLosses(pool, { rho, scenarios: SCENARIOS, seed: 1, shift: 0, mix: 0 });
  const dist = homogeneousPoolDistribution(n, pd, rho);
  for (const [a, d] of [
    [0, 0.03],
    [0.03, 0.06],
    [0.06, 0.1],
    [0.1, 1],
  ] as const) {
    const e = estimateMean(sim, (l) => trancheLoss(l, a, d), 0.95);
    const pi = estimateMean(sim, (l) => (l > a + 1e-12 ? 1 : 0), 0.95);
    const exact = trancheLossFromDistribution(dist, lgd, a, d);
    const lhp = vasicekTrancheLoss(pd, rho, lgd, a, d);
    out(
      `| [${a}, ${d}] | ${e.value.toExponential(4)} | ${e.stdError.toExponential(2)} | ${exact.expectedLoss.toExponential(4)} | ${((e.value - exact.expectedLoss) / e.stdError).toFixed(2)} | ${lhp.expectedLoss.toExponential(4)} | ${pi.value.toExponential(3)} | ${exact.probabilityOfImpairment.toExponential(3)} |`,
    );
  }
  const eIs = estimateMean(sim, (l) => trancheLoss(l, 0.1, 1), 0.95);
  const ePlain = estimateMean(plain, (l) => trancheLoss(l, 0.1, 1), 0.95);
  out("");
  out(
    `Senior [0.1, 1] standard error: ${ePlain.stdError.toExponential(2)} plain Monte Carlo, ${eIs.stdError.toExponential(2)} with importance sampling (variance ÷ ${((ePlain.stdError / eIs.stdError) ** 2).toFixed(1)}).`,
  );
}

if (process.argv.includes("--write")) {
  const file = new URL("../docs/BENCHMARKS.md", import.meta.url);
  const raw = `## Tranche analytics\n\nMeasured with \`node_modules/.bin/node benchmarks/analytics.ts --write\` (${new Date().toISOString().slice(0, 10)}).\n\n${lines.join("\n")}\n`;
  // format the section as the repository's prettier config would, so `prettier --check` stays green
  const section = await format(raw, { parser: "markdown", printWidth: 110, proseWrap: "preserve" });
  let doc = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const start = doc.indexOf("## Tranche analytics");
  if (start >= 0) {
    const next = doc.indexOf("\n## ", start + 1);
    doc = doc.slice(0, start) + section + (next >= 0 ? "\n" + doc.slice(next + 1) : "");
  } else {
    doc = doc.trimEnd() + "\n\n" + section;
  }
  writeFileSync(file, doc);
  console.log("wrote docs/BENCHMARKS.md");
}
