/** Shared CLI conventions: exit codes, errors on stderr, `--json` output on stdout. */
import { readFileSync } from "node:fs";
import { CodedError, type ErrorCode } from "../prover/index.ts";

/** Exit codes that mean something. */
export const EXIT = {
  ok: 0,
  /** The command ran and the answer is negative (a proof does not verify, a tape is invalid). */
  negative: 1,
  /** Bad usage or bad input (missing file, malformed JSON, unknown instance or network). */
  usage: 2,
  /** Something failed that is not the user's input. */
  internal: 3,
} as const;

/**
 * The exit code of each error code a library throws (docs/ARCHITECTURE.md, "Errors"). A coded error is the
 * user's: its message is printed without a stack. Any other error (a TypeError from a bug included) is
 * internal: printed with its stack, exit 3.
 */
export const CODE_EXIT: Readonly<Record<ErrorCode, number>> = Object.freeze({
  "invalid-input": EXIT.usage,
  "tape-invalid": EXIT.negative,
  "policy-invalid": EXIT.usage,
  "attestation-invalid": EXIT.negative,
  "unsatisfied-input": EXIT.usage,
  "artifact-integrity": EXIT.internal,
  "not-found": EXIT.usage,
  refused: EXIT.negative,
  "config-invalid": EXIT.usage,
});

/** An error whose message is for the user, with the exit code to end with. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Reports an error that ended a command and returns the exit code: a CliError's own, a coded error's from
 * `CODE_EXIT` (the message only), anything else (a bug: a TypeError included) EXIT.internal with the stack.
 */
export function reportError(err: unknown, write: (line: string) => void): number {
  if (err instanceof CliError || err instanceof CodedError) {
    write(`rwa-attest: ${err.message}\n`);
    return err instanceof CliError ? err.exitCode : CODE_EXIT[err.code];
  }
  write(`rwa-attest: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.internal;
}

/** Reads a file the user named, with an error that names the option. */
export function readUserFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(
      `${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Parses a JSON file the user named. */
export function readUserJson<T>(path: string, what: string): T {
  const text = readUserFile(path, what);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CliError(`${what}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Prints a result: JSON on stdout with `--json`, otherwise the human text. */
export function output(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? toJson(value) + "\n" : human() + "\n");
}
