/**
 * `rwa-attest setup`: the trusted setup. `dev-ptau` makes the fast development powers of tau; the other
 * steps are the production path: check a brought Perpetual Powers of Tau file by its published hash, then
 * a phase-2 ceremony per circuit (init → contribute… → beacon → verify), each party on its own machine.
 */
import { join } from "node:path";
import type { Command } from "commander";
import {
  checkProductionPtau,
  ensureDevPtau,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  phase2Verify,
  writeTranscript,
} from "../../ceremony/index.ts";
import { cacheRoot, importKey } from "../../pipeline/index.ts";
import { CliError, EXIT, output } from "../io.ts";
import { startProgress } from "../progress.ts";

export function registerSetup(program: Command): void {
  const setup = program
    .command("setup")
    .description("trusted setup: development ptau, production ptau check, phase-2 ceremony");
  setup
    .command("dev-ptau")
    .description(
      "make (or find in the cache) a development powers-of-tau file: INSECURE, for tests and demos",
    )
    .requiredOption("--power <n>", "log2 of the size")
    .option("--json", "machine-readable output", false)
    .action(async (o: { power: string; json: boolean }) => {
      const power = Number(o.power);
      if (!Number.isInteger(power) || power < 1 || power > 24)
        throw new CliError("--power: expected an integer in 1..24");
      const progress = startProgress(`dev ptau 2^${power}`, { quiet: o.json });
      const path = await ensureDevPtau(power, {
        cacheDir: join(cacheRoot(), "ptau"),
        onProgress: (p) => progress.update(p.total ? p.done / p.total : 0, p.stage),
      });
      progress.done("ready");
      output(o.json, { path, development: true }, () => path);
    });
  setup
    .command("check-ptau")
    .description(
      "check a Perpetual Powers of Tau file against the published blake2b hashes; exit 1 if unknown",
    )
    .argument("<ptau>", "the .ptau file")
    .option("--json", "machine-readable output", false)
    .action(async (file: string, o: { json: boolean }) => {
      try {
        const r = await checkProductionPtau(file);
        output(o.json, { ok: true, ...r }, () => `known ptau: 2^${r.power}, blake2b ${r.blake2b}`);
      } catch (err) {
        output(
          o.json,
          { ok: false, error: (err as Error).message },
          () => `REFUSED: ${(err as Error).message}`,
        );
        process.exitCode = EXIT.negative;
      }
    });
  setup
    .command("init")
    .description("phase 2, step 1: the initial proving key of a circuit from its r1cs and a checked ptau")
    .requiredOption("--r1cs <file>", "circuit r1cs (build/<instance>/<instance>.r1cs)")
    .requiredOption("--ptau <file>", "production ptau")
    .requiredOption("--out <file>", "initial zkey")
    .option("--allow-development", "accept a development ptau (the result is insecure)", false)
    .action(async (o: { r1cs: string; ptau: string; out: string; allowDevelopment: boolean }) => {
      await phase2Init(o.r1cs, o.ptau, o.out, { allowDevelopment: o.allowDevelopment });
      process.stderr.write(`wrote ${o.out}\n`);
    });
  setup
    .command("contribute")
    .description("phase 2: add one party's contribution (run on the party's own machine)")
    .requiredOption("--in <file>", "previous zkey")
    .requiredOption("--out <file>", "new zkey")
    .requiredOption("--name <name>", "contributor's name, recorded in the transcript")
    .option("--entropy <text>", "extra entropy (default: random bytes from the OS)")
    .action(async (o: { in: string; out: string; name: string; entropy?: string }) => {
      await phase2Contribute(o.in, o.out, o.name, o.entropy);
      process.stderr.write(`wrote ${o.out}\n`);
    });
  setup
    .command("beacon")
    .description(
      "phase 2: the final random beacon (a public, unpredictable value such as a future block hash)",
    )
    .requiredOption("--in <file>", "last contributed zkey")
    .requiredOption("--out <file>", "final zkey")
    .requiredOption("--hash <hex>", "beacon value, hex")
    .option("--iterations <exp>", "2^exp hash iterations", "10")
    .option("--name <name>", "beacon name", "final beacon")
    .action(async (o: { in: string; out: string; hash: string; iterations: string; name: string }) => {
      await phase2Beacon(o.in, o.out, o.hash, Number(o.iterations), o.name);
      process.stderr.write(`wrote ${o.out}\n`);
    });
  setup
    .command("verify")
    .description(
      "phase 2: verify a zkey against its r1cs and ptau and write the transcript; exit 1 if invalid",
    )
    .requiredOption("--r1cs <file>", "circuit r1cs")
    .requiredOption("--ptau <file>", "the ptau")
    .requiredOption("--zkey <file>", "zkey to verify")
    .option("--transcript <file>", "where to write the contribution transcript (JSON)")
    .option("--json", "machine-readable output", false)
    .action(async (o: { r1cs: string; ptau: string; zkey: string; transcript?: string; json: boolean }) => {
      const ok = await phase2Verify(o.r1cs, o.ptau, o.zkey);
      if (ok && o.transcript) await writeTranscript(o.zkey, o.transcript);
      output(o.json, { valid: ok }, () => (ok ? "zkey verifies" : "zkey does NOT verify"));
      if (!ok) process.exitCode = EXIT.negative;
    });
  setup
    .command("import")
    .description(
      "use a ceremony's final key for a circuit instance: verify it against the instance's r1cs and the ptau, " +
        "then replace the instance's key, verification key and Solidity verifier and record it in the manifest",
    )
    .requiredOption("--instance <name>", "catalogue instance (circuits/circuits.json)")
    .requiredOption("--zkey <file>", "the ceremony's final zkey (after the beacon)")
    .requiredOption("--ptau <file>", "the ptau the ceremony started from (a published one)")
    .option("--allow-development", "accept development material (the result stays marked development)", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (o: {
        instance: string;
        zkey: string;
        ptau: string;
        allowDevelopment: boolean;
        json: boolean;
      }) => {
        // A refused key (KeyImportError, code "refused") ends with exit 1 through CODE_EXIT.
        const r = await importKey({
          instance: o.instance,
          zkey: o.zkey,
          ptau: o.ptau,
          allowDevelopment: o.allowDevelopment,
          log: o.json ? () => {} : undefined,
        });
        output(
          o.json,
          { instance: o.instance, development: r.development, zkey: r.artifacts.zkey },
          () =>
            `imported ${r.development ? "a DEVELOPMENT" : "a production"} key for ${o.instance}; ` +
            "run `rwa-attest build` to compile its verifier contract",
        );
      },
    );
}
