/** Content hashes of files and of a circuit's source closure. */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { REPO_ROOT } from "./catalogue.ts";

/** sha256 of a file, hex, streamed (proving keys are tens of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** sha256 of a string, hex. */
export function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Folders circom searches for `include`s, in the order the build passes them with `-l`. Real paths: circom2's
 * WebAssembly file system does not follow a symlinked node_modules (as in a git worktree that shares one).
 */
export const CIRCOM_INCLUDE_DIRS = [
  realpathSync(join(REPO_ROOT, "node_modules", "circomlib", "circuits")),
  realpathSync(join(REPO_ROOT, "node_modules")),
];

/** Resolves a circom include the way circom does: relative to the including file, then the -l folders. */
function resolveInclude(from: string, include: string): string {
  const candidates = [
    resolve(dirname(from), include),
    ...CIRCOM_INCLUDE_DIRS.map((d) => resolve(d, include)),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`${from}: cannot resolve include "${include}"`);
  return found;
}

/**
 * The closure of a circom file under `include`: every file whose change must trigger a rebuild, with the
 * sha256 of each. Returns the files sorted by path, so the combined hash is stable.
 */
export function circomSourceClosure(entry: string): { path: string; sha256: string }[] {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, sha256Text(text));
    const stripped = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    for (const m of stripped.matchAll(/include\s+"([^"]+)"\s*;/g))
      visit(resolveInclude(file, m[1] as string));
  };
  visit(resolve(REPO_ROOT, entry));
  return [...seen.entries()]
    .map(([path, sha256]) => ({
      path: path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path,
      sha256,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
