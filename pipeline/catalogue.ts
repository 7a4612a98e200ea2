/**
 * The circuit catalogue (`circuits/circuits.json`): every circuit instance as data. Templates hold no
 * `component main`; the build generates one main file per instance from its entry here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CodedError, invalid } from "../verifier-api/web/errors.js";

/** Root of the repository (the folder holding package.json). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Default location of the catalogue. */
export const CATALOGUE_PATH = join(REPO_ROOT, "circuits", "circuits.json");

/** Proving systems the pipeline can set up. */
export const PROTOCOLS = ["groth16", "plonk"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** Who needs an instance built by default. */
export const USES = ["test", "demo", "bench"] as const;
export type Use = (typeof USES)[number];

/** One catalogue entry. */
export interface CircuitInstance {
  /** `<circuit>-<params>`, e.g. `pool-attestation-16`; also the folder name under `build/`. */
  name: string;
  /** Template name inside `file`. */
  template: string;
  /** Template source, relative to the repository root. */
  file: string;
  /** Template parameters, in order. */
  params: number[];
  /** Public input signal names, in order: the order of the proof's public signals. */
  publicSignals: string[];
  protocol: Protocol;
  /** circom optimisation level (2 for Groth16, 1 for PLONK: see docs/ARCHITECTURE.md). */
  optimization: 0 | 1 | 2;
  /** log2 of the powers-of-tau size the instance needs (checked against the compiled constraint count). */
  power: number;
  use: Use;
  /** Free-form description. */
  description?: string;
}

const NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads and validates the catalogue. Throws a TypeError naming the entry and field on any problem.
 */
export function loadCatalogue(path: string = CATALOGUE_PATH): CircuitInstance[] {
  const raw = JSON.parse(readFileSync(path, "utf8")) as { circuits?: unknown };
  if (!Array.isArray(raw.circuits)) throw invalid(path, `"circuits" must be an array`);
  const seen = new Set<string>();
  return raw.circuits.map((entry: unknown, i: number) => {
    const e = entry as Record<string, unknown>;
    const where = `${path}: circuits[${i}]${typeof e.name === "string" ? ` (${e.name})` : ""}`;
    const fail = (field: string, why: string): never => {
      throw invalid(`${where}.${field}`, `${why}`);
    };
    if (typeof e.name !== "string" || !NAME_RE.test(e.name)) fail("name", "must be kebab-case");
    if (seen.has(e.name as string)) fail("name", "duplicate instance name");
    seen.add(e.name as string);
    if (typeof e.template !== "string" || !IDENT_RE.test(e.template))
      fail("template", "must be an identifier");
    if (typeof e.file !== "string" || !e.file.endsWith(".circom")) fail("file", "must be a .circom path");
    if (!Array.isArray(e.params) || !e.params.every((p) => Number.isSafeInteger(p) && (p as number) >= 0))
      fail("params", "must be an array of non-negative integers");
    if (
      !Array.isArray(e.publicSignals) ||
      !e.publicSignals.every((s) => typeof s === "string" && IDENT_RE.test(s))
    )
      fail("publicSignals", "must be an array of signal names");
    if (!PROTOCOLS.includes(e.protocol as Protocol))
      fail("protocol", `must be one of ${PROTOCOLS.join(", ")}`);
    if (![0, 1, 2].includes(e.optimization as number)) fail("optimization", "must be 0, 1 or 2");
    if (!Number.isInteger(e.power) || (e.power as number) < 1 || (e.power as number) > 28)
      fail("power", "must be an integer in 1..28");
    if (!USES.includes(e.use as Use)) fail("use", `must be one of ${USES.join(", ")}`);
    return e as unknown as CircuitInstance;
  });
}

/** Finds one instance by name, with a helpful error listing the known names. */
export function findInstance(name: string, catalogue: CircuitInstance[] = loadCatalogue()): CircuitInstance {
  const found = catalogue.find((c) => c.name === name);
  if (!found) {
    throw new CodedError(
      "not-found",
      `unknown circuit instance "${name}"; the catalogue has: ${catalogue.map((c) => c.name).join(", ")}`,
      [{ field: "instance", value: name, reason: "not an instance of the catalogue" }],
    );
  }
  return found;
}

/**
 * The size parameter (chunk size, or an aggregation's size class) of catalogue instance `name`, which must be an
 * instance of `template`; `what` names such an instance in the refusal ("… is not <what>").
 */
export function instanceSize(
  name: string,
  template: string,
  what = `a ${template} instance of the catalogue`,
): number {
  const entry = findInstance(name);
  const size = entry.params[0];
  if (entry.template !== template || size === undefined) throw invalid("instance", `${name} is not ${what}`);
  return size;
}

/** `pool-attestation-16` → `PoolAttestation16`: the prefix of generated Solidity contract names. */
export function pascalName(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** Index of a named public signal of an instance (never read public signals by magic index). */
export function signalIndex(instance: CircuitInstance, signal: string): number {
  const i = instance.publicSignals.indexOf(signal);
  if (i < 0) throw invalid(`${instance.name}`, `has no public signal "${signal}"`);
  return i;
}
