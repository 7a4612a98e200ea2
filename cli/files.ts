/**
 * File formats the CLI reads and writes: originator keys, tapes (by extension, with the quarantine of refused
 * rows), policies, attestations; secret files (mode 0600, never where git would pick them up) and the work
 * folder (`rwa-work/`, git-ignored) where commands put what they make by default.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { generateOriginatorKey, publicKeyOf, type OriginatorKey } from "../prover/index.ts";
import { DEFAULT_POLICY, validatePolicy, type Policy } from "../prover/index.ts";
import {
  counted,
  daysToIso,
  endOfMonth,
  formatProblem,
  isXmlPath,
  loadMapping,
  parseDate,
  readTapeCsv,
  readTapeJson,
  readTapeXml,
  TapeValidationError,
} from "../prover/index.ts";
import type { CsvReadOptions, RefusedRow, TapeMapping, TapeProblem } from "../prover/index.ts";
import type { LoanTape } from "../prover/index.ts";
import { parseAttestation, type Attestation } from "../prover/index.ts";
import { CliError, EXIT, readUserFile, readUserJson, toJson } from "./io.ts";

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

/** Tape options shared by `tape validate`, `tape commit`, `tape open` and `prove`. */
export interface TapeReadOptions {
  /** Mapping file for a CSV or XML in the originator's own columns. */
  mapping?: string;
  /** Pool metadata for source tapes that carry none (a mapped LendingClub file). */
  poolId?: string;
  period?: string;
  asOf?: string;
  /** Accept an as-of date that is not the last day of a month. */
  asOfAnyDay?: boolean;
  /** Where to write the rows refused by the quarantine, with their problems. */
  quarantine?: string;
  /** Go on with the rows that passed (only with `quarantine`). */
  setAside?: boolean;
}

/** Adds the {@link TapeReadOptions} options to a command. */
export function tapeOptions(cmd: Command): Command {
  return cmd
    .option("--mapping <file>", "mapping file for a CSV or XML in the originator's own columns")
    .option("--pool-id <id>", "pool id, for source tapes without metadata")
    .option("--period <yyyymm>", "reporting period, for source tapes without metadata")
    .option("--as-of <date>", "last day of the period (YYYY-MM-DD), for source tapes without metadata")
    .option("--as-of-any-day", "accept an as-of date that is not the last day of a month", false)
    .option(
      "--quarantine <file>",
      "write refused rows and their problems to this CSV file instead of refusing the whole tape (mapped files)",
    )
    .option(
      "--set-aside",
      "with --quarantine: go on with the rows that passed, and record how many were set aside",
      false,
    );
}

/** What reading a tape file found besides the loans: rows read, rows set aside, derived statuses. */
export interface TapeReadInfo {
  /** Data rows read from the source (loans plus rows set aside). */
  rowsRead: number;
  /** Rows the quarantine set aside (0 without `--quarantine`). */
  rowsSetAside: number;
  /** The quarantine file, when rows were set aside. */
  quarantineFile?: string;
  /** How many rows each status rule of the mapping derived, with the rule in words. */
  derivedStatuses: { rule: string; rows: number }[];
}

/** An invalid tape: a {@link CliError} (exit 1) that keeps every problem for `--json` and problem files. */
export class InvalidTapeError extends CliError {
  readonly problems: TapeProblem[];
  readonly path: string;
  constructor(path: string, problems: TapeProblem[], note = "") {
    const lines = problems.slice(0, SHOWN_PROBLEMS).map((p) => `  ${formatProblem(p)}`);
    if (problems.length > SHOWN_PROBLEMS) lines.push(`  … ${problems.length - SHOWN_PROBLEMS} more${note}`);
    super(
      `tape: ${path} is invalid (${counted(problems.length, "problem")}):\n${lines.join("\n")}`,
      EXIT.negative,
    );
    this.problems = problems;
    this.path = path;
  }
}
/** Rows refused by the quarantine and written to its file, without `--set-aside` to go on: exit 1. */
export class RowsRefusedError extends CliError {
  readonly detail: { rowsRead: number; rowsSetAside: number; quarantineFile: string };
  constructor(path: string, detail: RowsRefusedError["detail"], where: string) {
    super(
      `tape: ${path}: ${counted(detail.rowsSetAside, "row")} of ${detail.rowsRead} refused, ${where}; ` +
        `add --set-aside to go on with the other ${counted(detail.rowsRead - detail.rowsSetAside, "row")}`,
      EXIT.negative,
    );
    this.detail = detail;
  }
}

/** Lines that say what reading the source did besides the loans (set aside, derived statuses). */
export function sourceLines(info: TapeReadInfo): string[] {
  const out: string[] = [];
  if (info.rowsSetAside > 0)
    out.push(
      `${counted(info.rowsSetAside, "row")} of ${info.rowsRead} set aside (refused, with their problems in ${info.quarantineFile})`,
    );
  for (const d of info.derivedStatuses) out.push(`status derived for ${counted(d.rows, "row")}: ${d.rule}`);
  return out;
}

/** Problems shown on the terminal; every problem goes to a file (`--problems`) or `--json`. */
export const SHOWN_PROBLEMS = 20;

/** Reads a tape (CSV or JSON by extension, optionally through a mapping); invalid tapes exit 1 with every problem. */
export async function readTapeFile(path: string, o: TapeReadOptions = {}): Promise<LoanTape> {
  return (await readTapeFileWithInfo(path, o)).tape;
}

/**
 * Reads a tape like {@link readTapeFile} and says what was set aside and derived. With `o.quarantine`,
 * refused rows are written there with their problems; the tape is refused unless `o.setAside` too.
 */
export async function readTapeFileWithInfo(
  path: string,
  o: TapeReadOptions = {},
): Promise<{ tape: LoanTape; info: TapeReadInfo }> {
  readUserFile(path, "tape");
  if (o.setAside && !o.quarantine)
    throw new CliError("--set-aside: needs --quarantine <file> for the refused rows");
  const isJson = path.endsWith(".json");
  if (o.quarantine && isJson)
    throw new CliError("--quarantine: works on mapped source files (CSV, XML), not on a JSON tape");
  let asOfDate: number | undefined;
  if (o.asOf !== undefined) {
    const r = parseDate(o.asOf, "ISO");
    if ("error" in r) throw new CliError(`--as-of: ${o.asOf}: ${r.error}`);
    asOfDate = r.days;
  }
  if (o.poolId !== undefined && !/^\d{1,20}$/.test(o.poolId))
    throw new CliError(`--pool-id: expected an unsigned integer, got ${o.poolId}`);
  if (o.period !== undefined && !/^\d{1,10}$/.test(o.period))
    throw new CliError(`--period: expected an unsigned integer (YYYYMM), got ${o.period}`);
  const quarantine = o.quarantine ? new QuarantineWriter(o.quarantine) : undefined;
  let tape: LoanTape;
  let rowsRead = 0;
  let ruleCounts: readonly number[] = [];
  const mapping = o.mapping ? await loadMappingFile(o.mapping) : undefined;
  try {
    if (isJson) {
      tape = await readTapeJson({ path });
      rowsRead = tape.loans.length;
    } else {
      const options: CsvReadOptions = {
        ...(mapping ? { mapping } : {}),
        ...(o.poolId ? { poolId: BigInt(o.poolId) } : {}),
        ...(o.period ? { period: Number(o.period) } : {}),
        ...(asOfDate !== undefined ? { asOfDate } : {}),
        ...(quarantine ? { setAside: (r: RefusedRow) => quarantine.add(r) } : {}),
        onInfo: (i: { rowsRead: number; statusRuleCounts: readonly number[] }) => {
          rowsRead = i.rowsRead;
          ruleCounts = i.statusRuleCounts;
        },
      };
      tape = isXmlPath(path) ? await readTapeXml({ path }, options) : await readTapeCsv({ path }, options);
    }
  } catch (err) {
    if (err instanceof TapeValidationError) {
      const note = quarantine?.count ? `; ${quarantine.finish()}` : "";
      const flags: Record<string, string> = { poolId: "--pool-id", period: "--period", asOfDate: "--as-of" };
      const problems = err.problems.map((p) =>
        p.row === null && flags[p.field] && p.reason.startsWith("missing")
          ? { ...p, reason: `missing: give ${flags[p.field]} or a metadata line in the file` }
          : p,
      );
      throw new InvalidTapeError(path, problems, note);
    }
    throw new CliError(`tape: ${path}: ${(err as Error).message}`);
  }
  const rowsSetAside = quarantine?.count ?? 0;
  if (quarantine && rowsSetAside > 0) {
    const where = quarantine.finish();
    if (!o.setAside)
      throw new RowsRefusedError(path, { rowsRead, rowsSetAside, quarantineFile: o.quarantine! }, where);
  }
  if (!o.asOfAnyDay && tape.asOfDate !== endOfMonth(tape.asOfDate)) {
    throw new CliError(
      `as-of date: ${daysToIso(tape.asOfDate)} is not the last day of a month (a period ends on ${daysToIso(endOfMonth(tape.asOfDate))}); ` +
        "pass --as-of-any-day for a period that ends on another day",
    );
  }
  const rules = mapping?.fields.status.rules ?? [];
  return {
    tape,
    info: {
      rowsRead,
      rowsSetAside,
      ...(rowsSetAside > 0 ? { quarantineFile: o.quarantine } : {}),
      derivedStatuses: rules
        .map((r, i) => ({
          rule:
            `${r.status} when ` +
            (r.ifZero !== undefined ? `${r.ifZero} is 0` : `${r.ifAtLeast!.column} ≥ ${r.ifAtLeast!.value}`) +
            ` (was ${(r.from ?? ["performing", "delinquent", "defaulted"]).join(" or ")})`,
          rows: ruleCounts[i] ?? 0,
        }))
        .filter((r) => r.rows > 0),
    },
  };
}

async function loadMappingFile(path: string): Promise<TapeMapping> {
  readUserFile(path, "mapping");
  try {
    return await loadMapping(path);
  } catch (err) {
    if (err instanceof TapeValidationError) {
      throw new CliError(`mapping: ${path}: ${err.message}`);
    }
    throw new CliError(`mapping: ${path}: ${(err as Error).message}`);
  }
}

/**
 * The quarantine file: a CSV with the refused rows' number, their problems (one cell, `; `-separated), and
 * their source cells under the source header. Written when the read ends (refused rows are kept in memory).
 */
class QuarantineWriter {
  private readonly rows: RefusedRow[] = [];
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  get count(): number {
    return this.rows.length;
  }
  add(r: RefusedRow): void {
    this.rows.push(r);
  }
  /** Writes the file and says where. */
  finish(): string {
    const cell = (s: string): string =>
      /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    const columns = this.rows[0]?.columns ?? [];
    const lines = [["row", "problems", ...columns].map(cell).join(",")];
    for (const r of this.rows) {
      const problems = r.problems
        .map((p) => `${p.field} = ${JSON.stringify(p.value)}: ${p.reason}`)
        .join("; ");
      lines.push([String(r.row), problems, ...r.cells].map(cell).join(","));
    }
    writeFileSync(this.path, lines.join("\n") + "\n");
    return `written with their problems to ${this.path}`;
  }
}

/** Writes every problem of an invalid tape to a CSV file (row, field, value, reason). */
export function writeProblemsFile(path: string, problems: readonly TapeProblem[]): void {
  const cell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ["row,field,value,reason"];
  for (const p of problems)
    lines.push([p.row === null ? "" : String(p.row), p.field, p.value, p.reason].map(cell).join(","));
  writeFileSync(path, lines.join("\n") + "\n");
}

// ---------------------------------------------------------------------------------------------------------
// Secrets and the work folder

/** The work folder for files a user's commands make (keys, seeds, attestations): git-ignored in this repo. */
export function workDir(): string {
  return resolve(process.env.RWA_ATTEST_WORK_DIR ?? "rwa-work");
}

/** A path in the work folder (created, mode 0700, on first use). */
export function workPath(name: string): string {
  const dir = workDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, name);
}

/**
 * Refuses a secret file path inside a git work tree where git does not ignore it (a key committed by
 * mistake is a key lost). Outside a git work tree, or when git is not installed, any path is fine.
 */
export function checkSecretPath(path: string, option: string): void {
  const dir = dirname(resolve(path));
  const inside = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], {
    cwd: existsSync(dir) ? dir : ".",
    encoding: "utf8",
  });
  if (inside.status !== 0 || inside.stdout.trim() !== "true") return;
  const ignored = spawnSync("git", ["check-ignore", "-q", "--no-index", resolve(path)], {
    cwd: existsSync(dir) ? dir : ".",
  });
  if (ignored.status === 0) return;
  throw new CliError(
    `${option}: ${path} is inside a git work tree and not ignored by git: a secret there is one commit away from ` +
      `being published. Write it to the work folder (${workDir()}, the default) or another ignored place`,
  );
}

/** Writes a secret JSON file (key, salt seed): mode 0600, its folder created with mode 0700. */
export function writeSecretJson(path: string, value: unknown, option: string): void {
  checkSecretPath(path, option);
  mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  writeFileSync(path, toJson(value) + "\n", { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on overwrite
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
