/**
 * CPU time per Groth16 verification in the service's checker (verifier-api/groth16-check.ts) in four
 * configurations, in one process: "before" (B's G2 membership as [r]B == O, one Miller loop per pair, G1
 * multiples one by one), "+ G2 test" (the endomorphism test of verifier-api/g2-subgroup.ts), "+ shared Miller
 * loop" (verifier-api/multi-miller.ts) and "after" (also sums of G1 multiples as one wasm multi-exponentiation:
 * the service's defaults). On a real `pool-attestation-8` proof (an 8-loan
 * synthetic tape attested with prover/attest.ts, 7 public signals), checked alone (`checkAll` of one item:
 * three Miller loops and a final exponentiation) and in randomised batches of 8, rounds of both checkers
 * interleaved so that other work on the machine falls on both alike. CPU time (process.cpuUsage, user +
 * system), not wall time: it is what a busy shared machine still measures well.
 *
 *   node_modules/.bin/node benchmarks/verify-cpu.ts [--proofs 400] [--rounds 5]
 *
 * Prints a Markdown table: CPU ms per proof in each configuration, and after / before; the subgroup checks
 * alone too.
 */
import { readManifest } from "../pipeline/index.ts";
import {
  ProverPool,
  attestPool,
  generateOriginatorKey,
  generateSyntheticTape,
  loadVerificationKey,
} from "../prover/index.ts";
import { TEST_POLICY } from "../test/support/policy.ts";
import { G2Subgroup } from "../verifier-api/g2-subgroup.ts";
import {
  Groth16Checker,
  type CheckItem,
  type CheckerOptions,
  type VkeyPoints,
} from "../verifier-api/groth16-check.ts";

const INSTANCE = "pool-attestation-8";
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PROOFS = arg("proofs", 400); // per round, per checker, per mode (single / batches of 8)
const ROUNDS = arg("rounds", 5);

if (!readManifest().instances[INSTANCE]) throw new Error(`${INSTANCE} is not built: run \`npm run build\``);

const pool = new ProverPool();
let item: CheckItem;
try {
  const tape = generateSyntheticTape({ seed: "verify-cpu", loans: 8 });
  const { attestation } = await attestPool({
    tape,
    policy: TEST_POLICY,
    key: await generateOriginatorKey(),
    chainId: 31337n,
    registry: "0x" + "cd".repeat(20),
    instance: INSTANCE,
    pool,
  });
  const chunk = attestation.chunks[0]!;
  const proof = chunk.proof as unknown as { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  item = { instance: INSTANCE, signals: chunk.publicSignals, a: proof.pi_a, b: proof.pi_b, c: proof.pi_c };
} finally {
  await pool.close();
}

const points = (await loadVerificationKey(INSTANCE)) as unknown as VkeyPoints;
const CONFIGS: Record<string, CheckerOptions> = {
  before: { subgroupCheck: "order", millerLoops: "separate", multiExp: "separate" },
  "+ G2 test": { subgroupCheck: "endomorphism", millerLoops: "separate", multiExp: "separate" },
  "+ shared Miller loop": { subgroupCheck: "endomorphism", millerLoops: "shared", multiExp: "separate" },
  after: {},
};
type Mode = keyof typeof CONFIGS;
const modes = Object.keys(CONFIGS) as Mode[];
const checkers = new Map<Mode, Groth16Checker>();
for (const mode of modes) {
  const c = await Groth16Checker.create(CONFIGS[mode]);
  c.load(INSTANCE, points);
  checkers.set(mode, c);
}

const cpuMs = (f: () => void): number => {
  const t0 = process.cpuUsage();
  f();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
};

type Kind = "single" | "batch of 8";
const totals = new Map<string, number>();
const add = (key: string, ms: number) => totals.set(key, (totals.get(key) ?? 0) + ms);
const batch = Array.from({ length: 8 }, () => item);

// warm-up: JIT and wasm, and every answer checked once
for (const c of checkers.values()) {
  for (let i = 0; i < 20; i++) {
    if (!c.checkAll([item]).results[0]) throw new Error("the proof does not verify");
    const r = c.checkAll(batch);
    if (!r.results.every(Boolean) || r.stats.fallbacks !== 0) throw new Error("the batch does not verify");
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 ? [...modes].reverse() : modes) {
    const c = checkers.get(mode)!;
    add(
      `${mode}/single`,
      cpuMs(() => {
        for (let i = 0; i < PROOFS; i++) c.checkAll([item]);
      }),
    );
    add(
      `${mode}/batch of 8`,
      cpuMs(() => {
        for (let i = 0; i < PROOFS / 8; i++) c.checkAll(batch);
      }),
    );
  }
}

// The subgroup check alone, on the proof's B (affine, as the checker reads it).
const curve = (checkers.get("before") as unknown as { curve: unknown }).curve as {
  G2: { fromObject(o: bigint[][]): Uint8Array };
};
const g2 = new G2Subgroup(curve);
const b = curve.G2.fromObject(item.b.slice(0, 3).map((r) => r.slice(0, 2).map((v) => BigInt(v as string))));
const alone = { order: 0, endomorphism: 0, scott: 0 };
const N = PROOFS * 2;
for (let round = 0; round < ROUNDS; round++) {
  alone.order += cpuMs(() => {
    for (let i = 0; i < N; i++) g2.inSubgroupByOrder(b);
  });
  alone.endomorphism += cpuMs(() => {
    for (let i = 0; i < N; i++) g2.inSubgroup(b);
  });
  alone.scott += cpuMs(() => {
    for (let i = 0; i < N; i++) g2.inSubgroupScott(b);
  });
}

const per = (mode: Mode, kind: Kind) => totals.get(`${mode}/${kind}`)! / (ROUNDS * PROOFS);
const fmt = (x: number, d = 3) => x.toFixed(d);
const lines = [
  `| CPU ms per proof (${ROUNDS} × ${PROOFS} proofs each) | ${modes.join(" | ")} | after / before |`,
  `| --- |${modes.map(() => " ---: |").join("")} ---: |`,
];
for (const kind of ["single", "batch of 8"] as Kind[]) {
  const cells = modes.map((m) => fmt(per(m, kind)));
  lines.push(`| ${kind} | ${cells.join(" | ")} | ${fmt(per("after", kind) / per("before", kind), 2)} |`);
}
const sub = (x: number) => x / (ROUNDS * N);
lines.push(
  `| the subgroup check alone | ${fmt(sub(alone.order))} | ${fmt(sub(alone.endomorphism))} | ${fmt(sub(alone.endomorphism))} | ${fmt(sub(alone.endomorphism))} | ${fmt(sub(alone.endomorphism) / sub(alone.order), 2)} |`,
);
console.log(lines.join("\n"));
console.log(
  `\nScott's ψ(B) == [6x²]B alone: ${fmt(sub(alone.scott))} ms. ${INSTANCE}, ${item.signals.length} public signals; ` +
    `node ${process.version}; 1-minute load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)}.`,
);
for (const c of checkers.values()) await c.close();
