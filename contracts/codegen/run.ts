/**
 * Writes `contracts/generated/<Name>Signals.sol` for every instance of the circuit catalogue, and one
 * `<Template>Signals.sol` per template whose instances all share the same public signals. The registry
 * imports `PoolAttestationSignals`; until the catalogue holds a `PoolAttestation` instance, that library
 * is generated from the stand-in fixture catalogue (test/contracts/fixtures/circuits.json), whose signals
 * are those fixed by docs/INTERFACES.md.
 *
 * Run from the command line, it also writes every file generated from the public-signal layout
 * (circuits/layout.json, see layout.ts).
 *
 * Usage: node contracts/codegen/run.ts [catalogue.json]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeLayout } from "./layout.ts";
import { generateSignalsLibrary, pascalName } from "./signals.ts";

interface CatalogueEntry {
  name: string;
  template: string;
  publicSignals: string[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Generates the libraries for a catalogue; returns the written file paths. */
export function generateAll(
  cataloguePath = join(repo, "circuits/circuits.json"),
  outDir = join(repo, "contracts/generated"),
): string[] {
  const read = (p: string) =>
    (JSON.parse(readFileSync(p, "utf8")) as { circuits: CatalogueEntry[] }).circuits;
  const entries = read(cataloguePath);
  if (!entries.some((e) => e.template === "PoolAttestation")) {
    const standIn = read(join(repo, "test/contracts/fixtures/circuits.json"));
    entries.push(...standIn.map((e) => ({ ...e, template: "PoolAttestation" })));
  }
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const write = (lib: string, signals: string[]) => {
    const file = join(outDir, `${lib}.sol`);
    writeFileSync(file, generateSignalsLibrary(lib, signals));
    written.push(file);
  };
  const byTemplate = new Map<string, string[][]>();
  for (const e of entries) {
    write(`${pascalName(e.name)}Signals`, e.publicSignals);
    byTemplate.set(e.template, [...(byTemplate.get(e.template) ?? []), e.publicSignals]);
  }
  for (const [template, lists] of byTemplate) {
    const first = JSON.stringify(lists[0]);
    if (lists.every((l) => JSON.stringify(l) === first)) write(`${pascalName(template)}Signals`, lists[0]!);
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of generateAll(process.argv[2] ? resolve(process.argv[2]) : undefined))
    console.log("wrote", f);
  for (const f of await writeLayout()) console.log("wrote", f);
}
