/**
 * `rwa-attest roll-forward`: proves that this period's tape is last period's rolled forward (issue 15;
 * docs/CIRCUITS.md "Roll-forward", docs/CONTRACTS.md "Roll-forward registry"): both tapes in stable slots
 * (`tape slots`), committed with the salts of the attestations' seed, one RollForwardCommitment proof per chunk
 * and one RollForwardAggregation proof, written for `chain submit-roll-forward`. The roll-forward file holds
 * only what the registry takes (proofs, public signals, the shared context and the totals words) and the
 * totals decoded; the chunks' openings (their totals and the salts that hide them) are secret and written only
 * with `--openings`, mode 0600.
 *
 * `rwa-attest chain anchor` and `chain submit-roll-forward`: the roll-forward registry's transactions, as the
 * pool's originator (key in ORIGINATOR_KEY, like `submit`); a refusal prints the contract's error by name.
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  DEFAULT_ROLLFORWARD_INSTANCE,
  ProverPool,
  ROLLFORWARD_POOL_WORD,
  assignSlots,
  commitTape,
  counted,
  deriveSalts,
  proveRollForward,
  unpackWord,
  type LoanTape,
  type RollForwardTotals,
} from "../../prover/index.ts";
import { instanceSize, pascalName } from "../../pipeline/index.ts";
import { checkVerifierKeys } from "../../deploy/index.ts";
import {
  contractError,
  rollForwardRegistryAt,
  submitRollForwardAggregation,
  submitRollForwardChunk,
  type RollForwardRegistry,
} from "../../sdk/index.ts";
import { readTapeFile, tapeOptions, writeSecretJson, type TapeReadOptions } from "../files.ts";
import { inCurrency } from "../figures.ts";
import { CliError, EXIT, output, readUserJson, toJson } from "../io.ts";
import { startProgress } from "../progress.ts";
import { parseMaxAdjustment, refuseDevelopmentKeys, signerFor } from "./chain.ts";
import { loadOrCreateSeed } from "./tape.ts";

/** The format tag of a roll-forward file. */
export const ROLLFORWARD_FORMAT = "rwa-attest/roll-forward@1";

/** A snarkjs Groth16 proof as JSON. */
interface ProofJson {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol?: string;
  curve?: string;
}

/** A roll-forward file (`roll-forward --out`): everything `chain submit-roll-forward` sends, nothing secret. */
export interface RollForwardFile {
  format: typeof ROLLFORWARD_FORMAT;
  poolId: string;
  prevPeriod: number;
  period: number;
  currency: string;
  decimals: number;
  maxAdjustment: string;
  chunkInstance: string;
  aggregationInstance: string;
  /** (prevRoot, root, pool word with chunkIndex 0, maxAdjustment): decimal strings. */
  context: string[];
  /** In submission order: the registry chains them in the order it accepts them. */
  chunks: { chunkIndex: number; proof: ProofJson; publicSignals: string[] }[];
  /** publicSignals = (acc, rfA, rfB, rfC). */
  aggregation: { proof: ProofJson; publicSignals: string[] };
  /** The period's totals, minor units and counts (decimal strings). */
  totals: Record<string, string>;
}

/** The totals printed, in the roll-forward's order (amounts in minor units). */
export const PRINTED_TOTALS: readonly [keyof RollForwardTotals, string][] = [
  ["opening", "opening balance"],
  ["principalCollected", "principal collected"],
  ["interestCollected", "interest collected"],
  ["recoveries", "recoveries"],
  ["chargedOff", "charged off"],
  ["adjustmentsUp", "adjustments up"],
  ["adjustmentsDown", "adjustments down"],
  ["originations", "originations"],
  ["removedAtExit", "removed at exit"],
  ["closing", "closing balance"],
];

/** The period's totals as lines, amounts in the tape's currency. */
export function describeTotals(
  t: Readonly<Record<string, bigint | string>>,
  currency: string,
  decimals: number,
): string[] {
  const width = Math.max(...PRINTED_TOTALS.map(([, l]) => l.length));
  return PRINTED_TOTALS.filter(([k]) => t[k] !== undefined).map(
    ([k, label]) => `${label.padEnd(width)}  ${inCurrency(BigInt(t[k]!), currency, decimals)}`,
  );
}

/** Refuses a tape that is not in the stable slots of `prev` (run `tape slots` first). */
function requireSlotted(prev: LoanTape, next: LoanTape, nextFile: string): void {
  let slotted: LoanTape;
  try {
    slotted = assignSlots(prev, next).tape;
  } catch (err) {
    throw new CliError(`<next>: ${nextFile}: ${(err as Error).message}`, EXIT.negative);
  }
  const moved = slotted.loans.findIndex((l, i) => next.loans[i]?.loanId !== l.loanId);
  if (moved >= 0 || slotted.loans.length !== next.loans.length)
    throw new CliError(
      `<next>: ${nextFile} is not in the previous tape's stable slots (slot ${moved < 0 ? slotted.loans.length : moved} ` +
        "differs): put it in them with `rwa-attest tape slots <prev> <next> --out <file>` and attest that file",
    );
}

/** The adjustment bound of a deployment file's roll-forward registry. */
function deploymentMaxAdjustment(file: string): bigint {
  const d = readUserJson<{ rollForward?: { maxAdjustment?: unknown } }>(file, "deployment");
  const m = d.rollForward?.maxAdjustment;
  if (typeof m !== "string")
    throw new CliError(
      `--deployment: ${file} has no roll-forward registry (deploy with --max-adjustment), or pass --max-adjustment`,
    );
  return parseMaxAdjustment(m, "--deployment");
}

export function registerRollForward(program: Command): void {
  tapeOptions(
    program
      .command("roll-forward")
      .description(
        "prove that this period's tape is last period's rolled forward (both in stable slots, committed with " +
          "the attestations' salt seed); prints the period's totals and writes the proofs for " +
          "`chain submit-roll-forward`",
      )
      .argument("<prev>", "last period's tape (the chain's last: attested and anchored or rolled forward)")
      .argument("<next>", "this period's tape in stable slots (`tape slots --out`), attested as it is"),
  )
    .requiredOption("--seed <file>", "the salt seed file both periods' attestations were proven with")
    .option("--deployment <file>", "deployment JSON: the adjustment bound of its roll-forward registry")
    .option("--max-adjustment <amount>", "the adjustment bound (minor units), instead of --deployment")
    .option("--instance <name>", "RollForwardCommitment instance", DEFAULT_ROLLFORWARD_INSTANCE)
    .option("--workers <n>", "proofs in parallel", "1")
    .requiredOption("--out <file>", "where to write the roll-forward (proofs, public signals, totals)")
    .option(
      "--openings <file>",
      "also write the chunks' openings (their totals and the salts hiding them: SECRET, mode 0600)",
    )
    .option("--force", "overwrite --out", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (
        prevFile: string,
        nextFile: string,
        o: TapeReadOptions & {
          seed: string;
          deployment?: string;
          maxAdjustment?: string;
          instance: string;
          workers: string;
          out: string;
          openings?: string;
          force: boolean;
          json: boolean;
        },
      ) => {
        if (existsSync(o.out) && !o.force)
          throw new CliError(`--out: ${o.out} exists (use --force to overwrite)`);
        if ((o.deployment === undefined) === (o.maxAdjustment === undefined))
          throw new CliError("give the adjustment bound: --deployment <file> or --max-adjustment <amount>");
        const maxAdjustment =
          o.maxAdjustment !== undefined
            ? parseMaxAdjustment(o.maxAdjustment)
            : deploymentMaxAdjustment(o.deployment!);
        const workers = Number(o.workers);
        if (!Number.isInteger(workers) || workers < 1)
          throw new CliError(`--workers: expected a positive integer`);
        const chunkSize = instanceSize(o.instance, "RollForwardCommitment");
        if (!existsSync(o.seed))
          throw new CliError(`--seed: ${o.seed} does not exist (the seed the attestations were proven with)`);
        const { seed } = loadOrCreateSeed(o.seed, "--seed");
        const prev = await readTapeFile(prevFile, o);
        const next = await readTapeFile(nextFile, o);
        if (prev.poolId !== next.poolId)
          throw new CliError(`<next>: pool ${next.poolId}, the previous tape's is pool ${prev.poolId}`);
        if (next.period <= prev.period || next.asOfDate <= prev.asOfDate)
          throw new CliError(
            `<next>: period ${next.period} does not follow the previous tape's period ${prev.period}`,
          );
        if (prev.currency !== next.currency || prev.decimals !== next.decimals)
          throw new CliError(
            `<next>: amounts in ${next.currency} with ${next.decimals} decimals, the previous tape's in ` +
              `${prev.currency} with ${prev.decimals}`,
          );
        requireSlotted(prev, next, nextFile);
        const period = async (tape: LoanTape) => ({
          tape,
          commitment: await commitTape(tape, await deriveSalts(seed, tape), { chunkSize }),
        });
        const pool = new ProverPool(workers);
        const progress = startProgress("proving the roll-forward", { quiet: o.json });
        try {
          const roll = await proveRollForward(await period(prev), await period(next), {
            maxAdjustment,
            instance: o.instance,
            pool,
            onProgress: (done, total) =>
              progress.update(done / total, `proofs: ${done} of ${total}`, { stage: "prove", done, total }),
          });
          progress.done(`${counted(roll.chunks.length, "chunk proof")} and the aggregation`);
          const word = unpackWord(ROLLFORWARD_POOL_WORD, roll.context[2]);
          const totals = Object.fromEntries(Object.entries(roll.totals).map(([k, v]) => [k, v.toString()]));
          const file: RollForwardFile = {
            format: ROLLFORWARD_FORMAT,
            poolId: word.poolId.toString(),
            prevPeriod: Number(word.prevPeriod),
            period: Number(word.period),
            currency: next.currency,
            decimals: next.decimals,
            maxAdjustment: maxAdjustment.toString(),
            chunkInstance: roll.chunkInstance,
            aggregationInstance: roll.aggregationInstance,
            context: roll.context.map(String),
            chunks: roll.chunks.map((c) => ({
              chunkIndex: c.chunkIndex,
              proof: c.proof as unknown as ProofJson,
              publicSignals: c.publicSignals,
            })),
            aggregation: {
              proof: roll.aggregation.proof as unknown as ProofJson,
              publicSignals: roll.aggregation.publicSignals,
            },
            totals,
          };
          writeFileSync(o.out, toJson(file) + "\n");
          if (o.openings)
            writeSecretJson(
              o.openings,
              {
                format: "rwa-attest/roll-forward-openings@1",
                secret: "the salts hide each chunk's totals: never publish this file",
                poolId: file.poolId,
                period: file.period,
                chunks: roll.chunks.map((c) => ({
                  chunkIndex: c.chunkIndex,
                  opening: c.opening,
                  flowSalt: c.flowSalt,
                })),
              },
              "--openings",
            );
          output(
            o.json,
            {
              out: o.out,
              ...(o.openings ? { openings: o.openings } : {}),
              poolId: file.poolId,
              prevPeriod: file.prevPeriod,
              period: file.period,
              chunks: file.chunks.length,
              chunkInstance: file.chunkInstance,
              aggregationInstance: file.aggregationInstance,
              currency: file.currency,
              decimals: file.decimals,
              totals: file.totals,
            },
            () =>
              [
                `wrote ${o.out}: roll-forward of pool ${file.poolId} from period ${file.prevPeriod} to ${file.period}, ` +
                  `${counted(roll.chunks.length, "chunk")} (${roll.chunkInstance}) and the aggregation (${roll.aggregationInstance})`,
                `totals of period ${file.period} (amounts in ${next.currency}):`,
                ...describeTotals(roll.totals, next.currency, next.decimals).map((l) => `  ${l}`),
                `  new loans ${roll.totals.originationCount}, exits ${
                  roll.totals.exitsPrepaidOrMatured +
                  roll.totals.exitsSold +
                  roll.totals.exitsRepurchased +
                  roll.totals.exitsChargedOff +
                  roll.totals.exitsServicingTransfer
                }, modified ${roll.totals.modifiedCount}`,
              ].join("\n"),
          );
        } finally {
          await pool.close();
        }
      },
    );
}

/** The deployment's roll-forward registry on `network`, connected to the originator's signer. */
async function rollForwardFor(
  deploymentFile: string,
  network: string,
): Promise<{ rf: RollForwardRegistry; signer: Awaited<ReturnType<typeof signerFor>>["signer"] }> {
  if (!existsSync(deploymentFile)) throw new CliError(`--deployment: cannot read ${deploymentFile} (ENOENT)`);
  const d = readUserJson<{ rollForward?: { registry?: unknown } }>(deploymentFile, "deployment");
  const address = d.rollForward?.registry;
  if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new CliError(
      `--deployment: ${deploymentFile} has no roll-forward registry (deploy it with \`rwa-attest deploy --max-adjustment\`)`,
    );
  const { signer } = await signerFor(network, "ORIGINATOR_KEY");
  return { rf: rollForwardRegistryAt(address, signer), signer };
}

/** Runs a roll-forward registry transaction; a revert becomes a CliError with the contract's error by name. */
async function sendRf(
  rf: RollForwardRegistry,
  what: string,
  tx: () => Promise<{ gasUsed: bigint } | null>,
): Promise<bigint> {
  try {
    return (await tx())?.gasUsed ?? 0n;
  } catch (err) {
    const e = contractError(err, rf);
    if (e)
      throw new CliError(
        `${what}: refused by the roll-forward registry: ${e.name}(${e.args.map(String).join(", ")})`,
        EXIT.negative,
      );
    throw err;
  }
}

function readRollForwardFile(file: string): RollForwardFile {
  const f = readUserJson<RollForwardFile>(file, "roll-forward");
  if (
    f.format !== ROLLFORWARD_FORMAT ||
    !Array.isArray(f.chunks) ||
    f.chunks.length === 0 ||
    !Array.isArray(f.context) ||
    f.context.length !== 4 ||
    !Array.isArray(f.aggregation?.publicSignals) ||
    f.aggregation.publicSignals.length !== 4
  )
    throw new CliError(`roll-forward: ${file} is not a roll-forward file (from \`rwa-attest roll-forward\`)`);
  return f;
}

const ALLOW_DEV_KEYS = "--allow-development-keys-on-real-chain";

export function registerChainRollForward(program: Command): void {
  const chain = program
    .command("chain")
    .description(
      "the roll-forward registry, as the pool's originator: anchor a pool's chain, submit a roll-forward",
    );
  chain
    .command("anchor")
    .description(
      "start a pool's roll-forward chain at its current attestation (once, as the pool's originator; key in ORIGINATOR_KEY)",
    )
    .requiredOption("--pool <id>", "pool id (64-bit)")
    .requiredOption(
      "--deployment <file>",
      "deployment JSON from `rwa-attest deploy --max-adjustment … --out`",
    )
    .requiredOption("--network <url>", "JSON-RPC URL (key in ORIGINATOR_KEY)")
    .option("--json", "machine-readable output", false)
    .action(async (o: { pool: string; deployment: string; network: string; json: boolean }) => {
      if (!/^[0-9]+$/.test(o.pool) || BigInt(o.pool) >= 1n << 64n)
        throw new CliError(`--pool: expected a 64-bit pool id, got ${o.pool}`);
      const { rf } = await rollForwardFor(o.deployment, o.network);
      const gas = await sendRf(rf, "anchor", async () => (await rf.anchor(BigInt(o.pool))).wait());
      const c = await rf.chain(BigInt(o.pool));
      const r = {
        poolId: o.pool,
        period: Number(c.period),
        root: c.root.toString(),
        closing: c.closing.toString(),
        gas: gas.toString(),
      };
      output(
        o.json,
        r,
        () =>
          `anchored pool ${o.pool} at period ${r.period} (root ${r.root}, closing ${r.closing} minor units; gas ${r.gas})`,
      );
    });
  chain
    .command("submit-roll-forward")
    .description(
      "submit a roll-forward (every chunk proof, then the aggregation) as the pool's originator; prints the " +
        "gas of each transaction and the period's totals as the registry recorded them",
    )
    .argument("<file>", "roll-forward JSON from `rwa-attest roll-forward --out`")
    .requiredOption(
      "--deployment <file>",
      "deployment JSON from `rwa-attest deploy --max-adjustment … --out`",
    )
    .requiredOption("--network <url>", "JSON-RPC URL (key in ORIGINATOR_KEY)")
    .option("--version <n>", "verifier version registered for the instances", "1")
    .option(
      ALLOW_DEV_KEYS,
      "submit proofs of DEVELOPMENT keys to a chain other than 31337/1337 (throwaway test networks only)",
      false,
    )
    .option("--json", "machine-readable output", false)
    .action(
      async (
        file: string,
        o: {
          deployment: string;
          network: string;
          version: string;
          allowDevelopmentKeysOnRealChain: boolean;
          json: boolean;
        },
      ) => {
        if (!/^[0-9]{1,5}$/.test(o.version) || Number(o.version) > 0xffff)
          throw new CliError(`--version: expected a 16-bit version, got ${o.version}`);
        const version = Number(o.version);
        const f = readRollForwardFile(file);
        const { rf, signer } = await rollForwardFor(o.deployment, o.network);
        // proofs of development keys prove nothing: refused on real chains like their verifiers
        await checkVerifierKeys(
          signer,
          [f.chunkInstance, f.aggregationInstance].map((n) => [`${pascalName(n)}Verifier`, n]),
          { allowDevelopmentKeysOnRealChain: o.allowDevelopmentKeysOnRealChain },
        ).catch(refuseDevelopmentKeys);
        const gas: { what: string; gas: string }[] = [];
        for (const c of f.chunks) {
          const what = `submitChunk (chunk ${c.chunkIndex})`;
          const used = await sendRf(rf, what, () =>
            submitRollForwardChunk(rf, f.chunkInstance, version, c.proof, c.publicSignals),
          );
          gas.push({ what, gas: used.toString() });
        }
        const used = await sendRf(rf, "submitAggregation", () =>
          submitRollForwardAggregation(
            rf,
            f.aggregationInstance,
            version,
            f.aggregation.proof,
            f.context,
            f.aggregation.publicSignals.slice(1),
          ),
        );
        gas.push({ what: "submitAggregation", gas: used.toString() });
        const { poolId, period } = unpackWord(ROLLFORWARD_POOL_WORD, BigInt(f.context[2]!));
        const [recorded, t] = await rf.periodTotals(poolId, period);
        if (!recorded)
          throw new CliError(
            `submit-roll-forward: the registry accepted every transaction but records no totals for pool ${poolId} ` +
              `period ${period}`,
          );
        const totals: Record<string, string> = {};
        for (const [k] of PRINTED_TOTALS) totals[k] = (t as unknown as Record<string, bigint>)[k]!.toString();
        const continuous = await rf.isContinuous(poolId);
        output(
          o.json,
          {
            poolId: poolId.toString(),
            period: Number(period),
            prevPeriod: Number(t.prevPeriod),
            gas,
            recorded: totals,
            continuous,
          },
          () =>
            [
              ...gas.map((g) => `${g.what}: gas ${g.gas}`),
              `recorded: pool ${poolId} rolled forward from period ${t.prevPeriod} to ${period}` +
                `${continuous ? " (continuous)" : ""}; amounts in ${f.currency}:`,
              ...describeTotals(totals, f.currency, f.decimals).map((l) => `  ${l}`),
            ].join("\n"),
        );
      },
    );
}
