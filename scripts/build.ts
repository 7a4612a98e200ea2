/**
 * `npm run build`: compile the catalogue's circuits, make their keys and verifiers, compile the contracts.
 *
 *   npm run build                       instances used by tests and the demo
 *   npm run build -- --use bench        instances of one use (test, demo, bench; comma-separated)
 *   npm run build -- --only NAME[,NAME] just these instances
 *   npm run build -- --force            rebuild even when nothing changed
 *   npm run build -- --setup snarkjs    use snarkjs's own (slow) setup path instead of ceremony/'s fast one
 */
import { parseArgs } from "node:util";
import { build, developmentSetup } from "../pipeline/build.ts";
import { snarkjsSetup } from "../pipeline/snarkjs-setup.ts";

const { values } = parseArgs({
  options: {
    use: { type: "string" },
    only: { type: "string" },
    force: { type: "boolean", default: false },
    setup: { type: "string", default: "dev" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: npm run build -- [--use test,demo,bench] [--only NAME,...] [--force] [--setup dev|snarkjs]",
  );
  process.exit(0);
}
if (values.setup !== "dev" && values.setup !== "snarkjs") {
  console.error(`--setup must be "dev" or "snarkjs", not "${values.setup}"`);
  process.exit(2);
}
try {
  const result = await build({
    uses: values.use?.split(","),
    only: values.only?.split(","),
    force: values.force,
    setup: values.setup === "snarkjs" ? snarkjsSetup() : await developmentSetup(),
  });
  console.error(
    `[build] done in ${result.seconds.toFixed(1)} s: built ${result.built.length} (${result.built.join(", ") || "none"}), up to date ${result.skipped.length}`,
  );
} catch (err) {
  console.error(`[build] failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
