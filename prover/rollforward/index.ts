/**
 * The roll-forward (issue 15): stable slots, the flow word, the public layout of the roll-forward chunk
 * circuit and its witness input. See docs/TAPE.md ("Period cash flows", "Stable slots") and
 * docs/CIRCUITS.md ("Roll-forward").
 */
export * from "./layout.ts";
export * from "./flows.ts";
export * from "./slots.ts";
export * from "./witness.ts";
export * from "./committed.ts";
export * from "./prove.ts";
