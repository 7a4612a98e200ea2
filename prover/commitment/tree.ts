/**
 * The tape tree: an arity-16 Poseidon Merkle tree of fixed height 6 (capacity 16^6 = 16,777,216 loans).
 * Loan i is leaf i; unused leaves are the empty leaf 0, and an all-empty subtree of height h has the
 * constant root EMPTY_ROOTS[h]. A chunk of 16^k loans is the complete subtree of height k at position
 * chunkIndex, so the root does not depend on how the tape is later chunked.
 */
import type { PoseidonFn } from "./poseidon.ts";
import { invalid } from "../../verifier-api/web/errors.js";

/** Children per node. */
export const TREE_ARITY = 16;
/** Height of the tape tree (levels of nodes above the leaves). */
export const TREE_HEIGHT = 6;
/** Leaves the tree can hold. */
export const TREE_CAPACITY = TREE_ARITY ** TREE_HEIGHT;
/** The leaf of an empty slot. */
export const EMPTY_LEAF = 0n;

/** EMPTY_ROOTS[h] is the root of an empty subtree of height h (EMPTY_ROOTS[0] = EMPTY_LEAF). */
export const EMPTY_ROOTS: readonly bigint[] = [
  0n,
  6961025786505490270790487869888725702980364259855350215456397845563605340881n,
  190094059183537526474050938428298547749140576722238745313696591586376835700n,
  4704046649809301790094035130483101736914044167897647257697621751865841291399n,
  20689657413301849323398776240748498951454267610010952559975451275444569918652n,
  10962448317084022467797267050321430675577006747949948714069961676483284564864n,
  6863233242134135851895139839139523885561898000372415857019357009288967200236n,
];

/** Recomputes EMPTY_ROOTS with the given Poseidon (tests check the constants against it). */
export function computeEmptyRoots(poseidon: PoseidonFn): bigint[] {
  const roots = [EMPTY_LEAF];
  for (let h = 1; h <= TREE_HEIGHT; h++)
    roots.push(poseidon(new Array<bigint>(TREE_ARITY).fill(roots[h - 1]!)));
  return roots;
}

/**
 * Builds the tree's non-empty prefix: levels[0] are the leaves, levels[h] the nodes of height h (each level
 * holds only the nodes that have a non-empty descendant; the others are EMPTY_ROOTS[h]).
 */
export function buildLevels(leaves: readonly bigint[], poseidon: PoseidonFn): bigint[][] {
  if (leaves.length > TREE_CAPACITY)
    throw invalid("loans", `a tape holds at most ${TREE_CAPACITY} loans`, leaves.length);
  const levels: bigint[][] = [leaves.slice()];
  for (let h = 1; h <= TREE_HEIGHT; h++) {
    const below = levels[h - 1]!;
    const width = Math.max(1, Math.ceil(below.length / TREE_ARITY));
    const row: bigint[] = new Array<bigint>(width);
    for (let j = 0; j < width; j++) {
      const children: bigint[] = [];
      for (let c = 0; c < TREE_ARITY; c++) children.push(below[j * TREE_ARITY + c] ?? EMPTY_ROOTS[h - 1]!);
      row[j] = poseidon(children);
    }
    levels.push(row);
  }
  return levels;
}

/** The node of height h at position index (EMPTY_ROOTS[h] beyond the non-empty prefix). */
export function nodeAt(levels: readonly bigint[][], h: number, index: number): bigint {
  return levels[h]?.[index] ?? EMPTY_ROOTS[h]!;
}

/**
 * The Merkle path of the node of height `fromHeight` at `index` up to the root: for each level, the 15
 * other children of its parent in order (the node's own slot removed).
 */
export function pathSiblings(levels: readonly bigint[][], fromHeight: number, index: number): bigint[][] {
  const path: bigint[][] = [];
  let i = index;
  for (let h = fromHeight; h < TREE_HEIGHT; h++) {
    const first = i - (i % TREE_ARITY);
    const sib: bigint[] = [];
    for (let c = 0; c < TREE_ARITY; c++) if (first + c !== i) sib.push(nodeAt(levels, h, first + c));
    path.push(sib);
    i = Math.floor(i / TREE_ARITY);
  }
  return path;
}

/** Folds a node of height `fromHeight` at `index` up a path; returns the root it implies. */
export function rootFromPath(
  node: bigint,
  fromHeight: number,
  index: number,
  path: readonly bigint[][],
  poseidon: PoseidonFn,
): bigint {
  if (path.length !== TREE_HEIGHT - fromHeight)
    throw invalid("path", `expected ${TREE_HEIGHT - fromHeight} levels, got ${path.length}`);
  let acc = node;
  let i = index;
  for (const sib of path) {
    if (sib.length !== TREE_ARITY - 1) throw invalid("path", `every level holds ${TREE_ARITY - 1} siblings`);
    const d = i % TREE_ARITY;
    const children = [...sib.slice(0, d), acc, ...sib.slice(d)];
    acc = poseidon(children);
    i = Math.floor(i / TREE_ARITY);
  }
  return acc;
}
