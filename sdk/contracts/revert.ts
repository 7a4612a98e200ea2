/**
 * Reverts as the contract declared them: the custom error (name and arguments) inside whatever error ethers,
 * a JSON-RPC node or Hardhat's in-process network threw for a call or a transaction.
 */
import type { BaseContract, Result } from "ethers";

/** A decoded custom error: `Registry__InvalidProof` with its arguments. */
export interface ContractError {
  name: string;
  args: unknown[];
  /** The error's 4-byte selector. */
  selector: string;
}

/** The first revert data (`0x` + selector + arguments) inside `e`, searched through nested causes. */
export function revertData(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== "object" || depth > 5) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
  for (const k of ["error", "info", "cause", "data"]) {
    const d = revertData(o[k], depth + 1);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * The custom error of `contract`'s ABI that `e` (a thrown call or transaction) carries, or undefined when it
 * carries no revert data or an error that ABI does not declare (a `require` message decodes as `Error`, a
 * panic as `Panic`, as ethers names them).
 * Use it on the contract the call went to: a vault call that fails in the registry reverts with the vault's
 * or the registry's error, whichever ABI declares it.
 */
export function contractError(e: unknown, contract: BaseContract): ContractError | undefined {
  const data = revertData(e);
  if (data === undefined) return undefined;
  const parsed = contract.interface.parseError(data);
  if (parsed === null) return undefined;
  return { name: parsed.name, args: [...(parsed.args as Result)], selector: parsed.selector };
}
