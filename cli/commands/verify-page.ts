/**
 * `rwa-attest verify-page --out file.html`: writes the auditor's verification page (GET /verify of the
 * service) as one self-contained HTML file (verifier-api/web/standalone.ts): the checker, snarkjs's browser
 * bundle, poseidon-lite and the verification keys of the chosen pool attestation instances inlined, so that
 * an auditor opens it from disk and checks an attestation without the service. The keys are read through the
 * build's hash-checked artifacts (`instanceKey`), with their development flag; the page can check them
 * against the verifier registered on chain.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { findInstance, loadCatalogue } from "../../pipeline/index.ts";
import { readManifest } from "../../pipeline/index.ts";
import { instanceKey } from "../../prover/index.ts";
import { standalonePage, type EmbeddedKey } from "../../verifier-api/index.ts";
import { CliError, EXIT, output } from "../io.ts";

/** The templates of the proofs an attestation file holds: one-chunk pools', committed chunks', aggregations'. */
const POOL_TEMPLATES = ["PoolAttestation", "PoolChunkCommitment", "PoolAggregation"];

/** The pool attestation instances (and the committed path's) that are built, in catalogue order. */
function builtPoolInstances(): string[] {
  const built = readManifest().instances;
  return loadCatalogue()
    .filter((i) => POOL_TEMPLATES.includes(i.template) && built[i.name] !== undefined)
    .map((i) => i.name);
}

export function registerVerifyPage(program: Command): void {
  program
    .command("verify-page")
    .description(
      "write the auditor's verification page as one self-contained HTML file (opens from disk, no service)",
    )
    .requiredOption("--out <file>", "the HTML file to write")
    .option(
      "--instance <name...>",
      "pool attestation instances whose verification keys to embed (default: every built one)",
    )
    .option("--json", "print a JSON summary", false)
    .action(async (o: { out: string; instance?: string[]; json: boolean }) => {
      const names = o.instance ?? builtPoolInstances();
      if (names.length === 0)
        throw new CliError(
          "verify-page: no pool attestation instance is built (rwa-attest build)",
          EXIT.usage,
        );
      const keys: Record<string, EmbeddedKey> = {};
      const summary: { instance: string; hash: string; development: boolean }[] = [];
      for (const name of names) {
        if (!POOL_TEMPLATES.includes(findInstance(name).template))
          throw new CliError(`verify-page: ${name} is not a pool attestation circuit`, EXIT.usage);
        const { vkey, hash, development } = await instanceKey(name);
        keys[name] = { vkey, development };
        summary.push({ instance: name, hash, development });
      }
      const html = standalonePage(keys);
      writeFileSync(o.out, html);
      output(o.json, { out: o.out, bytes: Buffer.byteLength(html), keys: summary }, () =>
        [
          `wrote ${o.out} (${Buffer.byteLength(html)} bytes): open it in a browser, no service needed`,
          ...summary.map(
            (k) => `  ${k.instance}: verification key ${k.hash}${k.development ? " (DEVELOPMENT KEY)" : ""}`,
          ),
        ].join("\n"),
      );
    });
}
