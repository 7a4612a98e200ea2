/**
 * How ceremony files reach snarkjs and @iden3/binfileutils.
 *
 * Both read through fastfile, which opens a `FileHandle` for a path and does not close it when the reader
 * then throws (a tampered section, a wrong magic number, a truncated file). The handle is closed only when it
 * is collected, with Node's DEP0137 warning, and a later Node turns that into an error. A refused file is the
 * ordinary case here (a ceremony verifies files it was sent), so the ceremony hands them a file read into
 * memory (fastfile's `{type: "mem"}`): nothing stays open, whatever the reader does.
 *
 * Files larger than `IN_MEMORY_LIMIT` (only production ptaus of power 21 and above, 2.4 GB and more) still go by
 * path: reading them whole would cost their size in memory for what is often a header read. For those a refused
 * file can still print the warning once, at collection.
 */
import { readFileSync, statSync } from "node:fs";

/** fastfile's in-memory file. */
export interface MemoryFile {
  type: "mem";
  data: Uint8Array;
}

/** 2 GiB − 1: the largest file `readFileSync` reads in one buffer. */
export const IN_MEMORY_LIMIT = 2 ** 31 - 1;

/** `path` as snarkjs/binfileutils should read it: in memory up to `IN_MEMORY_LIMIT` bytes, else the path. */
export function snarkjsInput(path: string): MemoryFile | string {
  return statSync(path).size <= IN_MEMORY_LIMIT ? { type: "mem", data: readFileSync(path) } : path;
}
