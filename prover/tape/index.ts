/**
 * Loan tapes: the schema, validation that reports every problem, CSV and JSON readers and writers,
 * mappings from originators' own column layouts (LendingClub included), and synthetic tapes.
 * See `docs/TAPE.md`.
 */
export * from "./schema.ts";
export * from "./dates.ts";
export * from "./validate.ts";
export * from "./mapping.ts";
export * from "./csv.ts";
export * from "./json.ts";
export * from "./xml.ts";
export * from "./synthetic.ts";
