/**
 * Constraint counts of the score circuits (docs/SCORES.md): ScoreBacking at chunk 8 and 64 and the per-loan
 * cost beyond re-deriving the leaf, and BorrowerScore. Compiles with circom2 --O2 through the test helper
 * (cached in build/test-circuits/ by source hash). Run: node_modules/.bin/node benchmarks/scores.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, compileCircuit, type Compiled } from "../test/circuits/helpers.ts";

const SCORE_PUBLIC = ["root", "pool", "domain", "providerKeyHash", "modelId", "maxAgeDays"];
const BORROWER_PUBLIC = [
  "root",
  "providerKeyHash",
  "modelId",
  "threshold",
  "minScoreDate",
  "scope",
  "nullifier",
  "account",
];

/** Cuts the text from `from` (included) to `to` (excluded), replacing it with `by`; throws if not found. */
function cut(text: string, from: string, to: string, by = ""): string {
  const a = text.indexOf(from);
  const b = text.indexOf(to, a + from.length);
  if (a < 0 || b < 0) throw new Error(`reference: anchor not found (${from.slice(0, 40)})`);
  return text.slice(0, a) + by + text.slice(b);
}

/**
 * The reference the budget is measured against: ScoreBacking with the score entries removed (no wB bits,
 * no hId hashes, no digest; the signed message takes hId[0] instead of the digest), i.e. re-deriving the
 * leaves, the tree, the pool word, the freshness checks and the signature. Written to build/bench-scores/.
 */
function writeReference(): string {
  let src = readFileSync(join(ROOT, "circuits/scores/score_backing.circom"), "utf8");
  src = src.replace('include "../lib/tree.circom";', 'include "../../circuits/lib/tree.circom";');
  src = src.replace("template ScoreBacking(chunkSize) {", "template LeafOnlyReference(chunkSize) {");
  src = cut(src, "    var G = chunkSize < 16", "    component leafHash[chunkSize];");
  src = cut(src, "    component wBits[chunkSize];", "    component subtree[m];");
  src = cut(src, "    component idHash[GROUPS];", "    for (var i = 0; i < chunkSize; i++) {");
  src = cut(src, "        // The score is wB's ten top bits", "    }\n    signal batchDigest;");
  src = cut(src, "    if (G < 16) {", "    // --- the chunk's place", "    batchDigest <== hId[0];\n\n");
  const dir = join(ROOT, "build", "bench-scores");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "leaf_only.circom"), src);
  return "build/bench-scores/leaf_only.circom";
}

function constraints(c: Compiled): number {
  return c.header.nConstraints;
}

const rows: string[] = [];
const counts: Record<number, number> = {};
for (const n of [8, 64]) {
  const c = await compileCircuit("circuits/scores/score_backing.circom", "ScoreBacking", [n], SCORE_PUBLIC);
  counts[n] = constraints(c);
  const ref = constraints(await compileCircuit(writeReference(), "LeafOnlyReference", [n], SCORE_PUBLIC));
  const extra = (counts[n] - ref) / n;
  rows.push(
    `ScoreBacking(${n}): ${counts[n]} constraints, ${(counts[n] / n).toFixed(1)} per loan, ` +
      `${extra.toFixed(1)} per loan beyond the leaf-only reference (${ref}) (compile ${c.compileSeconds.toFixed(1)} s, 0 = cached)`,
  );
}
rows.push(`ScoreBacking marginal 8 -> 64: ${((counts[64]! - counts[8]!) / 56).toFixed(1)} per loan`);
const b = await compileCircuit(
  "circuits/borrower/borrower_score.circom",
  "BorrowerScore",
  [],
  BORROWER_PUBLIC,
);
rows.push(`BorrowerScore(): ${constraints(b)} constraints`);
console.log(rows.join("\n"));
