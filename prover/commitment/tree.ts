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
/** Height of the tape's leaf tree (levels of nodes above the leaves). */
export const TREE_HEIGHT = 6;
/**
 * Height of the tape's slot tree: two leaves a slot (its identity hId at 2i, its state word at 2i + 1), so
 * one level more than the leaf tree for the same slots (docs/ENCODING.md, "The tape trees and the root").
 */
export const SLOT_TREE_HEIGHT = 7;
/** Leaves the tree can hold. */
export const TREE_CAPACITY = TREE_ARITY ** TREE_HEIGHT;
/** The leaf of an empty slot. */
export const EMPTY_LEAF = 0n;

/** EMPTY_ROOTS[h] is the root of an empty subtree of height h (EMPTY_ROOTS[0] = EMPTY_LEAF), h <= 7. */
export const EMPTY_ROOTS: readonly bigint[] = [
  0n,
  6961025786505490270790487869888725702980364259855350215456397845563605340881n,
  190094059183537526474050938428298547749140576722238745313696591586376835700n,
  4704046649809301790094035130483101736914044167897647257697621751865841291399n,
  20689657413301849323398776240748498951454267610010952559975451275444569918652n,
  10962448317084022467797267050321430675577006747949948714069961676483284564864n,
  6863233242134135851895139839139523885561898000372415857019357009288967200236n,
  13729084339876888705833578414420942349851419269005011764665680771658674813459n,
];

/** Recomputes EMPTY_ROOTS with the given Poseidon (tests check the constants against it). */
export function computeEmptyRoots(poseidon: PoseidonFn): bigint[] {
  const roots = [EMPTY_LEAF];
  for (let h = 1; h <= SLOT_TREE_HEIGHT; h++)
    roots.push(poseidon(new Array<bigint>(TREE_ARITY).fill(roots[h - 1]!)));
  return roots;
}

/**
 * Builds the tree's non-empty prefix: levels[0] are the leaves, levels[h] the nodes of height h (each level
 * holds only the nodes that have a non-empty descendant; the others are EMPTY_ROOTS[h]).
 */
export function buildLevels(
  leaves: readonly bigint[],
  poseidon: PoseidonFn,
  height: number = TREE_HEIGHT,
): bigint[][] {
  if (leaves.length > TREE_ARITY ** height)
    throw invalid("loans", `a tape holds at most ${TREE_CAPACITY} loans`, leaves.length);
  const levels: bigint[][] = [leaves.slice()];
  for (let h = 1; h <= height; h++) {
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
export function pathSiblings(
  levels: readonly bigint[][],
  fromHeight: number,
  index: number,
  height: number = TREE_HEIGHT,
): bigint[][] {
  const path: bigint[][] = [];
  let i = index;
  for (let h = fromHeight; h < height; h++) {
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

/**
 * The tape's root: Poseidon(leafRoot, slotRoot), the leaf tree's and the slot tree's roots (docs/ENCODING.md).
 */
export function tapeRoot(poseidon: PoseidonFn, leafRoot: bigint, slotRoot: bigint): bigint {
  return poseidon([leafRoot, slotRoot]);
}

/**
 * The slot tree's leaves: slot i's identity hId at 2i and its state word at 2i + 1 (an empty slot's are 0).
 */
export function slotLeaves(ids: readonly bigint[], states: readonly bigint[]): bigint[] {
  return ids.flatMap((id, i) => [id, states[i]!]);
}

/**
 * The shape of a chunk of `chunkSize = m · 16^k` slots in the slot tree: 2 · chunkSize leaves, m' complete
 * subtrees of height k' (m' = 2m, or 1 one level up when m = 8).
 */
export function slotChunkShape(k: number, m: number): { k: number; m: number } {
  return m === 8 ? { k: k + 1, m: 1 } : { k, m: 2 * m };
}

/**
 * The siblings of a chunk's place in a tree of the given height (a chunk of m subtrees of height k at position
 * chunkIndex): the 16 - m other children of the chunk's parent, in order, and the path from that parent to
 * the root. The circuits' chunk path (circuits/lib/tree.circom, ChunkTreeRoot) folds them.
 */
export function chunkSiblings(
  levels: readonly bigint[][],
  k: number,
  m: number,
  chunkIndex: number,
  height: number = TREE_HEIGHT,
): { group: bigint[]; path: bigint[][] } {
  const parent = Math.floor((chunkIndex * m) / TREE_ARITY);
  const group: bigint[] = [];
  for (let j = 0; j < TREE_ARITY; j++) {
    const pos = parent * TREE_ARITY + j;
    if (pos < chunkIndex * m || pos >= (chunkIndex + 1) * m) group.push(nodeAt(levels, k, pos));
  }
  return { group, path: pathSiblings(levels, k + 1, parent, height) };
}

/** `chunkSiblings` as circuit input (decimal strings). */
export function chunkPlace(
  levels: readonly bigint[][],
  k: number,
  m: number,
  chunkIndex: number,
  height: number,
): { group: string[]; path: string[][] } {
  const s = chunkSiblings(levels, k, m, chunkIndex, height);
  return {
    group: s.group.map((v) => v.toString(10)),
    path: s.path.map((level) => level.map((v) => v.toString(10))),
  };
}
