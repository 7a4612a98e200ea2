/**
 * Helpers shared by every store: the prover's chunk stores (chunks/) and the service's storage
 * (verifier-api/storage/, which imports them through prover/index.ts). They live here, below both, so the
 * dependency points from the service to the prover only.
 */

/**
 * Loads `node:sqlite` without its one-time ExperimentalWarning on stderr (the module is stable enough for
 * our use on Node 22.13+; every other warning still goes through).
 */
export function loadSqlite(): typeof import("node:sqlite") {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (
      (type === "ExperimentalWarning" || (warning as Error).name === "ExperimentalWarning") &&
      /SQLite/i.test(text)
    )
      return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
}

/**
 * Whether an error of a store call says the store is unreachable for now (network, server restarting,
 * connection limits, SQLite busy) rather than that the call itself is wrong: such calls are worth retrying
 * once the store answers again.
 */
export function storeUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"].includes(
      code,
    )
  )
    return true;
  // PostgreSQL: connection exceptions (08…), operator intervention (57P01-57P03), too many connections.
  if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === "53300") return true;
  if (code === "ERR_SQLITE_ERROR" && /database is locked|busy/i.test(String(e?.message))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    String(e?.message ?? ""),
  );
}
