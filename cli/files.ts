/** File formats the CLI reads and writes: originator keys, tapes (by extension), policies, attestations. */
import { writeFileSync } from "node:fs";
import { generateOriginatorKey, publicKeyOf, type OriginatorKey } from "../prover/commitment/keys.ts";
import { DEFAULT_POLICY, validatePolicy, type Policy } from "../prover/policy/index.ts";
import {
  isoToDays,
  loadMapping,
  readTapeCsv,
  readTapeJson,
  TapeValidationError,
  formatProblem,
} from "../prover/tape/index.ts";
import type { LoanTape } from "../prover/tape/schema.ts";
import { parseAttestation, type Attestation } from "../prover/attest.ts";
import { CliError, EXIT, readUserFile, readUserJson } from "./io.ts";

export interface KeyFile {
  format: "rwa-attest/originator-key@1";
  /** 32 bytes, hex: the originator's Baby Jubjub EdDSA private key. Keep it secret. */
  privateKey: string;
  publicKey: [string, string];
}

export async function newKeyFile(): Promise<KeyFile> {
  const key = await generateOriginatorKey();
  return {
    format: "rwa-attest/originator-key@1",
    privateKey: Buffer.from(key.privateKey).toString("hex"),
    publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
  };
}

/** Reads a key file and checks that its public key belongs to its private key. */
export async function readKeyFile(path: string): Promise<OriginatorKey> {
  const k = readUserJson<Partial<KeyFile>>(path, "key");
  if (
    k.format !== "rwa-attest/originator-key@1" ||
    typeof k.privateKey !== "string" ||
    !/^[0-9a-f]{64}$/i.test(k.privateKey)
  ) {
    throw new CliError(`key: ${path} is not an rwa-attest originator key file`);
  }
  const privateKey = new Uint8Array(Buffer.from(k.privateKey, "hex"));
  const publicKey = await publicKeyOf(privateKey);
  if (
    k.publicKey &&
    (k.publicKey[0] !== publicKey[0].toString() || k.publicKey[1] !== publicKey[1].toString())
  ) {
    throw new CliError(`key: ${path}: the public key does not belong to the private key`);
  }
  return { privateKey, publicKey };
}

/** Reads a tape (CSV or JSON by extension, optionally through a mapping); invalid tapes exit 1 with every problem. */
export interface TapeReadOptions {
  mapping?: string;
  /** Pool metadata for source tapes that carry none (a mapped LendingClub file). */
  poolId?: string;
  period?: string;
  asOf?: string;
}

export async function readTapeFile(path: string, o: TapeReadOptions = {}): Promise<LoanTape> {
  readUserFile(path, "tape");
  try {
    if (path.endsWith(".json")) return await readTapeJson({ path });
    const mapping = o.mapping ? await loadMapping(o.mapping) : undefined;
    return await readTapeCsv(
      { path },
      {
        ...(mapping ? { mapping } : {}),
        ...(o.poolId ? { poolId: BigInt(o.poolId) } : {}),
        ...(o.period ? { period: Number(o.period) } : {}),
        ...(o.asOf ? { asOfDate: isoToDays(o.asOf) } : {}),
      },
    );
  } catch (err) {
    if (err instanceof TapeValidationError) {
      const lines = err.problems.slice(0, 50).map((p) => `  ${formatProblem(p)}`);
      if (err.problems.length > 50) lines.push(`  … and ${err.problems.length - 50} more`);
      throw new CliError(
        `tape: ${path} is invalid (${err.problems.length} problems):\n${lines.join("\n")}`,
        EXIT.negative,
      );
    }
    throw new CliError(`tape: ${path}: ${(err as Error).message}`);
  }
}

/** Reads a policy file, or the default policy when none is given. */
export function readPolicyFile(path?: string): Policy {
  if (!path) return DEFAULT_POLICY;
  try {
    return validatePolicy(readUserJson<unknown>(path, "policy"));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`policy: ${path}: ${(err as Error).message}`);
  }
}

export function readAttestationFile(path: string): Attestation {
  try {
    return parseAttestation(readUserFile(path, "attestation"));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`attestation: ${path}: ${(err as Error).message}`);
  }
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileSync(
    path,
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n",
  );
}
