/**
 * JSON request bodies, read strictly. Every JSON body of the service goes through `parseJsonBody` (the
 * app's `application/json` parser; tape uploads, read in a worker, through `checkJsonDepth` first), which
 * refuses with a 400 problem naming the place:
 * - nesting deeper than MAX_JSON_DEPTH (a scan without recursion, before JSON.parse: deeply nested input
 *   overflowed the stack of recursive readers and of canonical JSON, a 500);
 * - a `__proto__` key, or a `constructor` key holding `prototype` (prototype pollution);
 * - a number that does not survive as a JavaScript number: beyond ±1.8e308 (`1e400` is Infinity, which
 *   canonical JSON writes as `null`: two requests would share one idempotency key) and integers beyond 2^53
 *   (`12345678901234567890` would become `12345678901234567000`): send those as decimal strings.
 */
import { ApiError } from "./errors.ts";
import { CodedError, invalid } from "../../prover/index.ts";

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** Throws a 400 problem when `text` nests arrays and objects deeper than `max` (strings are skipped). */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw invalid("body", `nested deeper than ${max} levels of arrays and objects`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Parses a JSON body strictly (see the file header); a syntax error is a 400 problem too. */
export function parseJsonBody(text: string): unknown {
  checkJsonDepth(text);
  try {
    return JSON.parse(text, function (this: unknown, key: string, value: unknown, ctx?: { source?: string }) {
      if (key === "__proto__") throw invalid(`body/${key}`, "the key __proto__ is not allowed");
      if (key === "constructor" && value !== null && typeof value === "object" && "prototype" in value)
        throw invalid(`body/${key}`, "a constructor.prototype key is not allowed");
      if (typeof value === "number") {
        const at = `body/${key}`;
        if (!Number.isFinite(value))
          throw invalid(
            at,
            `the number ${ctx?.source ?? ""} is beyond the range of a double; send it as a string`,
          );
        if (Number.isInteger(value) && !Number.isSafeInteger(value))
          throw invalid(
            at,
            `the integer ${ctx?.source ?? ""} is beyond 2^53 and would be rounded; send it as a decimal string`,
          );
      }
      return value;
    });
  } catch (err) {
    if (err instanceof ApiError || err instanceof CodedError) throw err;
    throw invalid("body", `not valid JSON: ${(err as Error).message}`);
  }
}
