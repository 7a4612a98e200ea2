/**
 * The `rwa-attest` command line. Each subcommand lives in `cli/commands/`; conventions (exit codes, `--json`,
 * errors on stderr, progress only on a terminal) are in `cli/io.ts` and `cli/progress.ts`.
 */
import { Command, CommanderError } from "commander";
import { terminateCurves } from "../pipeline/index.ts";
import { registerBuild } from "./commands/build.ts";
import { registerAnalyze } from "./commands/analyze.ts";
import { registerChain } from "./commands/chain.ts";
import { registerChainRollForward, registerRollForward } from "./commands/rollforward.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerProve } from "./commands/prove.ts";
import { registerSetup } from "./commands/setup.ts";
import { registerTape } from "./commands/tape.ts";
import { registerVerify } from "./commands/verify.ts";
import { registerVerifyPage } from "./commands/verify-page.ts";
import { registerWorker } from "./commands/worker.ts";
import { EXIT, reportError } from "./io.ts";

export function createProgram(): Command {
  const program = new Command("rwa-attest")
    .description("zero-knowledge attestations of real-world-asset loan pools")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerKeys(program);
  registerTape(program);
  registerProve(program);
  registerVerify(program);
  registerVerifyPage(program);
  registerAnalyze(program);
  registerSetup(program);
  registerChain(program);
  registerRollForward(program);
  registerChainRollForward(program);
  registerBuild(program);
  registerAudit(program);
  registerWorker(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err, (line) => process.stderr.write(line));
  } finally {
    await terminateCurves();
  }
}

process.exitCode = await main(process.argv.slice(2));
