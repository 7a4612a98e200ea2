// Benchmark of the development trusted setup against snarkjs's own path, measured in one run.
//
//   node benchmarks/ceremony.ts [--dev-powers 12,14,16] [--snarkjs-powers 12] [--zkey 12,160] [--no-write|--append]
//
// ptau: snarkjs `powersoftau new → contribute → prepare phase2` against ceremony's writeDevPtau (fresh, not
// cached) at each power. zkey: `snarkjs zkey new` against the fast zkey new (same bytes) for Poseidon-chain
// circuits of the given lengths (about 240 constraints per link at --O2), and the full development key
// (fast new + delta contribution) against `zkey new` + `zkey contribute`. Prints a table and writes it into
// docs/BENCHMARKS.md under "## Trusted setup" (only that section).

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { createDevZkey, fastZkeyNew, terminateCurve, writeDevPtau } from "../ceremony/index.ts";
import { readDevSecret, secretPathFor } from "../ceremony/devptau.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : dflt;
}
const list = (s: string) => (s === "" || s === "none" ? [] : s.split(",").map(Number));

const devPowers = list(arg("dev-powers", "12,14,16"));
const snarkjsPowers = list(arg("snarkjs-powers", "12"));
const zkeyChains = list(arg("zkey", "12,160"));
const write = !process.argv.includes("--no-write");
/** Add this run's tables to the section instead of replacing it (e.g. a separate 2^14 snarkjs run). */
const append = process.argv.includes("--append");

const dir = mkdtempSync(join(tmpdir(), "bench-ceremony-"));
const secs = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

interface PtauRow {
  power: number;
  snarkjs?: number;
  dev?: number;
}
interface ZkeyRow {
  chain: number;
  constraints: number;
  power: number;
  snarkjsNew: number;
  fastNew: number;
  snarkjsKey: number;
  devKey: number;
  identical: boolean;
}

const ptauRows = new Map<number, PtauRow>();
const row = (p: number) => ptauRows.get(p) ?? (ptauRows.set(p, { power: p }).get(p) as PtauRow);
const devPtaus = new Map<number, string>();

try {
  for (const p of snarkjsPowers) {
    log(`snarkjs ptau 2^${p}: new → contribute → prepare phase2`);
    const a = join(dir, `s${p}_0.ptau`);
    const b = join(dir, `s${p}_1.ptau`);
    const c = join(dir, `s${p}_final.ptau`);
    const curve = await (await import("ffjavascript")).buildBn128();
    row(p).snarkjs = await secs(async () => {
      await snarkjs.powersOfTau.newAccumulator(curve, p, a);
      await snarkjs.powersOfTau.contribute(a, b, "bench", randomBytes(32).toString("hex"));
      await snarkjs.powersOfTau.preparePhase2(b, c);
    });
    log(`  ${row(p).snarkjs?.toFixed(1)} s`);
    for (const f of [a, b, c]) rmSync(f, { force: true });
  }

  const neededPowers = new Set(devPowers);
  for (const p of neededPowers) {
    log(`development ptau 2^${p}`);
    const path = join(dir, `dev-ptau-${p}.ptau`);
    let secret: Awaited<ReturnType<typeof writeDevPtau>> | undefined;
    row(p).dev = await secs(async () => {
      secret = await writeDevPtau(p, path);
    });
    writeFileSync(secretPathFor(path), JSON.stringify({ ...secret, ptauBytes: 0 }));
    devPtaus.set(p, path);
    log(`  ${row(p).dev?.toFixed(1)} s`);
  }

  const zkeyRows: ZkeyRow[] = [];
  for (const n of zkeyChains) {
    const cdir = join(dir, `chain${n}`);
    mkdirSync(cdir, { recursive: true });
    const main = join(cdir, "main.circom");
    writeFileSync(
      main,
      `pragma circom 2.1.0;\ninclude "chain_template.circom";\n` +
        `component main {public [seed, salt]} = Chain(${n});\n`,
    );
    // circom2 (WebAssembly) resolves includes through -l paths relative to the working directory.
    execFileSync(
      join(root, "node_modules/.bin/circom2"),
      [main, "--r1cs", "--O2", "-l", "test/ceremony/fixtures", "-o", cdir],
      { stdio: "pipe", cwd: root },
    );
    const r1cs = join(cdir, "main.r1cs");
    const info = await snarkjs.r1cs.info(r1cs);
    const cirPower = 32 - Math.clz32(info.nConstraints + info.nPubInputs + info.nOutputs);
    const power = [...devPtaus.keys()].sort((x, y) => x - y).find((p) => p >= cirPower);
    if (power === undefined) {
      log(
        `chain(${n}): ${info.nConstraints} constraints need 2^${cirPower}; no development ptau that large, skipped`,
      );
      continue;
    }
    const ptau = devPtaus.get(power) as string;
    if (!readDevSecret(ptau)) throw new Error("bench: secret missing");
    log(`zkey chain(${n}): ${info.nConstraints} constraints, domain 2^${cirPower}, ptau 2^${power}`);
    const ref = join(cdir, "ref.zkey");
    const fast = join(cdir, "fast.zkey");
    const snarkjsNew = await secs(() => snarkjs.zKey.newZKey(r1cs, ptau, ref));
    log(`  snarkjs zkey new ${snarkjsNew.toFixed(1)} s`);
    const fastNew = await secs(() => fastZkeyNew(r1cs, ptau, fast));
    log(`  fast zkey new ${fastNew.toFixed(1)} s`);
    const identical = readFileSync(ref).equals(readFileSync(fast));
    const contribute = await secs(() =>
      snarkjs.zKey.contribute(ref, join(cdir, "c.zkey"), "bench", randomBytes(32).toString("hex")),
    );
    log(`  snarkjs zkey contribute ${contribute.toFixed(1)} s; identical: ${identical}`);
    const devKey = await secs(() => createDevZkey(r1cs, ptau, join(cdir, "dev.zkey")));
    log(`  createDevZkey ${devKey.toFixed(1)} s`);
    zkeyRows.push({
      chain: n,
      constraints: info.nConstraints,
      power: cirPower,
      snarkjsNew,
      fastNew,
      snarkjsKey: snarkjsNew + contribute,
      devKey,
      identical,
    });
  }

  const f1 = (x?: number) => (x === undefined ? "-" : x.toFixed(1));
  const ratio = (a?: number, b?: number) =>
    a === undefined || b === undefined ? "-" : `${(a / b).toFixed(1)}x`;
  const lines: string[] = [];
  lines.push(
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
      `one run of \`node benchmarks/ceremony.ts --dev-powers ${devPowers.join(",")} ` +
      `--snarkjs-powers ${snarkjsPowers.join(",") || "none"} --zkey ${zkeyChains.join(",") || "none"}\`; wall-clock seconds, ` +
      `other processes were sharing the machine.`,
  );
  lines.push("");
  lines.push(
    "Powers of tau, prepared for phase 2 (snarkjs: new → contribute → prepare phase2; dev: writeDevPtau):",
  );
  lines.push("");
  lines.push("| power | snarkjs path (s) | dev path (s) | ratio |");
  lines.push("|------:|-----------------:|-------------:|------:|");
  for (const r of [...ptauRows.values()].sort((a, b) => a.power - b.power)) {
    lines.push(`| 2^${r.power} | ${f1(r.snarkjs)} | ${f1(r.dev)} | ${ratio(r.snarkjs, r.dev)} |`);
  }
  if (zkeyRows.length > 0) {
    lines.push("");
    lines.push(
      "Groth16 proving key for a Poseidon chain (`zkey new`: snarkjs vs the fast path, byte-identical output; " +
        "full key: `zkey new` + one `zkey contribute`, vs createDevZkey, which writes the contributed key directly):",
    );
    lines.push("");
    lines.push(
      "| circuit | constraints | domain | snarkjs zkey new (s) | fast zkey new (s) | ratio | identical | snarkjs key (s) | dev key (s) | ratio |",
    );
    lines.push("|--------|------------:|-------:|-----:|-----:|-----:|:---:|-----:|-----:|-----:|");
    for (const z of zkeyRows) {
      lines.push(
        `| chain(${z.chain}) | ${z.constraints} | 2^${z.power} | ${f1(z.snarkjsNew)} | ${f1(z.fastNew)} | ` +
          `${ratio(z.snarkjsNew, z.fastNew)} | ${z.identical ? "yes" : "NO"} | ${f1(z.snarkjsKey)} | ${f1(z.devKey)} | ` +
          `${ratio(z.snarkjsKey, z.devKey)} |`,
      );
    }
  }
  const table = lines.join("\n");
  console.log("\n" + table + "\n");

  if (write) {
    const path = join(root, "docs/BENCHMARKS.md");
    let doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
    const start = doc.indexOf("## Trusted setup");
    if (start >= 0) {
      const next = doc.indexOf("\n## ", start + 1);
      const end = next >= 0 ? next + 1 : doc.length;
      const kept = append ? doc.slice(start, end).replace(/\n*$/, "\n\n") : "## Trusted setup\n\n";
      doc = doc.slice(0, start) + kept + table + "\n" + (next >= 0 ? "\n" + doc.slice(end) : "");
    } else {
      const section = `## Trusted setup\n\n${table}\n`;
      doc = doc.replace(/\n*$/, "\n\n") + section;
    }
    writeFileSync(path, doc);
    execFileSync(join(root, "node_modules/.bin/prettier"), ["--write", path], { stdio: "pipe" });
    log(`wrote ${path}`);
  }
} finally {
  await terminateCurve();
  rmSync(dir, { recursive: true, force: true });
}
