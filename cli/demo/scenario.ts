/**
 * The end-to-end demo (`npm start`): on embedded defaults (Hardhat's in-process network, development keys),
 * an originator proves three reporting periods of a synthetic pool, a registry verifies them on-chain, a
 * roll-forward registry proves each later period to be the previous one rolled forward (originations,
 * repayments, charge-offs, recoveries, adjustments), a tranche vault funds the pool, and the defaults reach
 * the junior tranche first. Writes a self-contained HTML report.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Contract } from "ethers";
import {
  analysisFromFigures,
  analyzePool,
  formatMoney,
  tranchesFromVaultLedgers,
  type AnalysisReport,
} from "../../analytics/index.ts";
import {
  circuitId,
  deployCashReconciler,
  deployContract,
  deployKeyHasher,
  deployRegistry,
  deployTestStablecoin,
  deployVault,
  deployVerifier,
  onboardOriginator,
  registerPolicy,
  policyParamsInput,
} from "../../deploy/index.ts";
import { build } from "../../pipeline/index.ts";
import { REPO_ROOT, findInstance, pascalName } from "../../pipeline/index.ts";
import { readManifest } from "../../pipeline/index.ts";
import {
  aggregationInstance,
  attestPool,
  chunkCommitmentInstance,
  commitTape,
  deriveSalts,
  invalid,
  proveRollForward,
  randomFieldElement,
  rollForwardAggregationInstance,
  type Attestation,
  type RollForwardPeriod,
  type RollForwardTotals,
  unpackTotals,
} from "../../prover/index.ts";
import { generateOriginatorKey } from "../../prover/index.ts";
import { modelPool, type Figures } from "../../prover/index.ts";
import { policyHash, type Policy } from "../../prover/index.ts";
import { ProverPool } from "../../prover/index.ts";
import {
  LOAN_STATUS_NAMES,
  isActiveStatus,
  counted,
  daysToIso,
  endOfMonth,
  generateSyntheticTape,
  type LoanTape,
} from "../../prover/index.ts";
import {
  money,
  renderDemoReport,
  type CloseRecord,
  type DemoReportData,
  type PeriodSummary,
  type RollForwardRecord,
  type TrancheSnapshot,
} from "./report.ts";
import { rollDemoPeriod } from "./periods.ts";
import { startProgress } from "../progress.ts";
import {
  attributableCollections,
  explainClose,
  submitRollForwardAggregation,
  submitRollForwardChunk,
  summariseClose,
} from "../../sdk/index.ts";

export interface DemoOptions {
  /** Loans in the pool (default 300). */
  loans?: number;
  /** Pool circuit instance (default pool-attestation-64). */
  instance?: string;
  /** Where to write the HTML report. */
  reportPath?: string;
  /** Seed of the synthetic tapes and the analytics. */
  seed?: number;
  /** Monte Carlo scenarios of the analytics (default 100,000). */
  scenarios?: number;
  /** Proofs in parallel (default 1: each proof already uses both cores). */
  workers?: number;
  /** Print nothing but errors. */
  quiet?: boolean;
}

/** What the demo did, for tests and `--json`. */
export interface DemoResult {
  reportPath: string;
  attestations: Attestation[];
  /** The tapes of the three periods, in stable slots (what the originator committed to). */
  tapes: LoanTape[];
  /** The roll-forwards 1 → 2 and 2 → 3 as the roll-forward registry recorded them. */
  rollForwards: RollForwardRecord[];
  /** The roll-forward bound on one loan's |principal adjustment| in a period (tape minor units). */
  maxAdjustment: bigint;
  /** `isContinuous(pool)` after each period's attestation and roll-forward (period 1: after anchoring). */
  continuous: boolean[];
  /** Tranche values (vault asset units, 6 decimals) after the deposits and after each period's close. */
  tranches: TrancheSnapshot[];
  /** The figures the independent model predicts for each period's tape. */
  modelFigures: Figures[];
  analysis: AnalysisReport;
  /** `submitPerChunk`: each period's chunk submissions in order, then its aggregation (committed path). */
  gas: { submitPerChunk: bigint[]; include: bigint; closeEpoch: bigint[]; rollForward: bigint[] };
  /** The on-chain steps the report lists (what, transaction hash, gas). */
  transactions: NonNullable<DemoReportData["transactions"]>;
  /** The vault's ledgers after the last close, [senior, mezzanine, junior]: the analysed structure's source. */
  ledgers: { balances: bigint[]; pdl: bigint[] };
}

const DAY = 86_400n;

/**
 * The demo pool's policy: limits a consumer pool of a few hundred loans meets in the first period (the
 * built-in DEFAULT_POLICY is stricter: a 120-day eligibility limit and a 3% 90+ bucket would flag the
 * synthetic pool's seriously delinquent loans). Also in examples/policies/demo.json.
 */
export const DEMO_POLICY: Readonly<Policy> = Object.freeze({
  minCreditScore: 300,
  maxDaysPastDue: 365,
  maxLtvBps: 15_000,
  maxBucket30Bps: 2_000,
  maxBucket60Bps: 1_500,
  maxBucket90Bps: 1_500,
  maxConcentrationBps: 2_500,
  minPoolBalance: 0n,
  minActiveLoans: 10,
});
const USDC = 1_000_000n; // the test stablecoin has 6 decimals
/** Minor-unit decimals of the demo's tapes (cents). */
const POOL_DECIMALS = 2;
/** The cash reconciliation's tolerance: a cumulative shortfall above 1% of the expected remittances is a breach. */
const DEMO_REMITTANCE_TOLERANCE_BPS = 100;

/**
 * The demo's roll-forward chunk class: chunks of 8 slots, the class the tests build (the 300-loan pool is 38
 * to 40 chunks, summed by rollforward-aggregation-64; the quick path's ≤ 32 slots by rollforward-aggregation-4).
 * A RollForwardCommitment(64) would prove about 20% fewer constraints but needs a 2^18 setup on the first run.
 */
export const DEMO_ROLLFORWARD_CHUNK = "rollforward-commitment-8";
const ROLLFORWARD_CHUNK_SIZE = 8;
/** The roll-forward registry's bound on one loan's |principal adjustment| in a period: 500.00 of the currency. */
export const DEMO_MAX_ADJUSTMENT = 500n * 10n ** BigInt(POOL_DECIMALS);

/** New loans per later period: 2% of the pool, at least 2 (they take the slots repaid loans free first). */
export function demoOriginations(loans: number): number {
  return Math.max(2, Math.round(loans * 0.02));
}

function summarise(tape: LoanTape, att: Attestation, seconds: number, gas: bigint[]): PeriodSummary {
  const statuses = LOAN_STATUS_NAMES.map((name, code) => {
    const loans = tape.loans.filter((l) => l.status === code);
    return { name, count: loans.length, balance: loans.reduce((a, l) => a + l.outstandingBalance, 0n) };
  });
  const bands = [
    ["< 580", 0, 579],
    ["580-669", 580, 669],
    ["670-739", 670, 739],
    ["740-799", 740, 799],
    ["800+", 800, 1023],
  ] as const;
  const active = tape.loans.filter((l) => isActiveStatus(l.status));
  return {
    period: tape.period,
    asOfDate: daysToIso(tape.asOfDate),
    loanCount: tape.loans.length,
    chunkCount: att.chunkCount,
    statuses,
    scoreBands: bands.map(([band, lo, hi]) => ({
      band,
      count: active.filter((l) => l.creditScore >= lo && l.creditScore <= hi).length,
    })),
    figures: att.figures,
    proofSeconds: seconds,
    submitGas: gas,
    ...tapeRateAndTerm(active, tape.asOfDate),
  };
}

/** Balance-weighted coupon and remaining term of the active loans, from the tape (not attested). */
function tapeRateAndTerm(active: LoanTape["loans"], asOfDate: number): { wac?: number; wamMonths?: number } {
  const total = active.reduce((a, l) => a + Number(l.outstandingBalance), 0);
  if (total === 0) return {};
  const w = (f: (l: LoanTape["loans"][number]) => number) =>
    active.reduce((a, l) => a + f(l) * Number(l.outstandingBalance), 0) / total;
  return {
    wac: w((l) => l.interestRateBps / 10_000),
    wamMonths: w((l) => Math.max(0, l.maturityDate - asOfDate) / (365.25 / 12)),
  };
}

/** Runs the demo. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const loans = opts.loans ?? 300;
  const instance = opts.instance ?? "pool-attestation-64";
  const seed = opts.seed ?? 2026;
  const reportPath = opts.reportPath ?? `${REPO_ROOT}reports/demo.html`;
  const say = (line: string): void => {
    if (!opts.quiet) process.stdout.write(`${line}\n`);
  };
  const steps: DemoReportData["steps"] = [];
  const step = (title: string, detail: string): void => {
    steps.push({ title, detail });
    say(`\n▸ ${title}\n  ${detail}`);
  };
  findInstance(instance);
  if (!Number.isInteger(loans) || loans < 1)
    throw invalid("loans", `expected a positive integer, got ${loans}`, loans);

  // 1. Circuits and keys (development setup; cached per machine after the first run).
  let t = performance.now();
  // a pool of several chunks is proven as committed chunks and one aggregation (their circuits too); the
  // later periods' tapes may grow by their originations, so the classes are chosen for the largest tape
  const chunkSize = findInstance(instance).params[0]!;
  const originations = demoOriginations(loans);
  const maxSlots = loans + 2 * originations;
  const chunkCount = Math.ceil(maxSlots / chunkSize);
  const committed =
    chunkCount > 1 ? [chunkCommitmentInstance(chunkSize), aggregationInstance(chunkCount)] : [];
  // the roll-forward: chunks of 8 and the aggregation class that holds the largest tape's chunks
  const rollClasses = [
    DEMO_ROLLFORWARD_CHUNK,
    rollForwardAggregationInstance(Math.ceil(maxSlots / ROLLFORWARD_CHUNK_SIZE)),
  ];
  const built = await build({
    only: [instance, ...committed, ...rollClasses],
    log: opts.quiet ? () => {} : (l) => say(`  [build] ${l}`),
  });
  const record = readManifest().instances[instance]!;
  step(
    "Circuit ready",
    `${instance}: ${record.constraints.toLocaleString("en-US")} constraints, ${built.built.length ? "built" : "cached"} in ${((performance.now() - t) / 1000).toFixed(1)} s` +
      `; roll-forward ${rollClasses.join(" + ")}` +
      (record.development ? " — DEVELOPMENT keys (insecure; for demos and tests)" : ""),
  );

  // 2. The chain: Hardhat's in-process network; registry, verifier, policy, originator, vault.
  process.chdir(REPO_ROOT); // Hardhat finds hardhat.config.ts from the working directory
  const hre = (await import("hardhat")).default;
  const { ethers } = await hre.network.connect();
  const [gov, originator, senior, mezz, junior] = await ethers.getSigners();
  if (!gov || !originator || !senior || !mezz || !junior)
    throw new Error("the in-process network has too few accounts");
  const registry = await deployRegistry(gov);
  const registryAddress = await registry.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  // Verifiers are deployed when a proof first needs them (a period's tape may need another chunk count).
  const verifiers = new Set<string>();
  const ensureVerifier = async (name: string): Promise<void> => {
    if (verifiers.has(name)) return;
    verifiers.add(name);
    await deployVerifier(gov, registry, `${pascalName(name)}Verifier`, name);
  };
  for (const name of [instance, ...committed]) await ensureVerifier(name);
  // The roll-forward registry follows the attestation registry; its chains hash with Poseidon(2).
  const chainHasher = await deployKeyHasher(gov, 2);
  const maxAdjustment = DEMO_MAX_ADJUSTMENT;
  const rollForward = await deployContract(gov, "RollForwardRegistry", [
    await gov.getAddress(),
    registryAddress,
    await chainHasher.getAddress(),
    maxAdjustment,
  ]);
  const rollForwardAddress = await rollForward.getAddress();
  const rollVerifiers = new Set<string>();
  const ensureRollVerifier = async (name: string, kind: 0 | 1): Promise<void> => {
    if (rollVerifiers.has(name)) return;
    rollVerifiers.add(name);
    const v = await deployContract(gov, `${pascalName(name)}Verifier`);
    await (
      await rollForward.getFunction("addVerifier")(circuitId(name), 1, await v.getAddress(), kind)
    ).wait();
  };
  const policy = DEMO_POLICY;
  const pHash = await policyHash(policy);
  await registerPolicy(registry, pHash, policyParamsInput(policy));
  const key = await generateOriginatorKey();
  const poolId = 1n;
  const kHash = await onboardOriginator(
    registry,
    registry.connect(originator) as Contract,
    { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
    [poolId],
  );
  const token = await deployTestStablecoin(gov);
  const { vault } = await deployVault(gov, {
    asset: await token.getAddress(),
    registry: registryAddress,
    acceptedPolicies: [pHash],
  });
  const vaultAddress = await vault.getAddress();
  // The cash reconciliation (docs/CONTRACTS.md): per period, the vault's share of the proven collections
  // against what the servicer remitted; the tape is in cents, the vault's asset has 6 decimals.
  const assetPerTapeUnit = 10n ** BigInt(6 - POOL_DECIMALS);
  const reconciler = await deployCashReconciler(gov, vault, {
    rollForward: rollForwardAddress,
    toleranceBps: DEMO_REMITTANCE_TOLERANCE_BPS,
    assetPerTapeUnit,
  });
  const transactions: NonNullable<DemoReportData["transactions"]> = [];
  const record_ = async (what: string, tx: { hash: string; wait(): Promise<unknown> }): Promise<bigint> => {
    const receipt = (await tx.wait()) as { gasUsed: bigint; hash: string };
    transactions.push({ what, hash: receipt.hash, gas: receipt.gasUsed });
    return receipt.gasUsed;
  };
  for (const [what, c] of [
    ["deploy the attestation registry", registry],
    ["deploy the roll-forward registry", rollForward],
    ["deploy the tranche vault", vault],
  ] as const) {
    const tx = c.deploymentTransaction();
    if (tx) await record_(what, tx);
  }
  step(
    "Contracts deployed on the in-process network",
    `chain ${chainId}; registry ${registryAddress}; roll-forward registry ${rollForwardAddress} (adjustment bound ${money(maxAdjustment, POOL_DECIMALS)} a loan a period); vault ${vaultAddress}; policy ${pHash.toString().slice(0, 12)}…; originator key ${kHash.toString().slice(0, 12)}… approved`,
  );

  // 3. Investors ask for tranche shares; the first epoch close executes the requests.
  const deposits: [typeof senior, number, bigint][] = [
    [senior, 0, 750_000n * USDC],
    [mezz, 1, 150_000n * USDC],
    [junior, 2, 100_000n * USDC],
  ];
  for (const [who, , amount] of deposits) {
    await (await (token.connect(who) as Contract).getFunction("mint")(await who.getAddress(), amount)).wait();
    await (await (token.connect(who) as Contract).getFunction("approve")(vaultAddress, amount)).wait();
  }
  // Junior first: the vault checks the projected subordination after every request.
  for (const [who, tranche, amount] of [...deposits].reverse()) {
    await record_(
      `request a deposit into tranche ${tranche}`,
      await (vault.connect(who) as Contract).getFunction("requestDeposit")(tranche, amount),
    );
  }
  const closes: CloseRecord[] = [];
  const triple = async (name: string) =>
    (await Promise.all([0, 1, 2].map((i) => vault.getFunction(name)(i) as Promise<bigint>))) as [
      bigint,
      bigint,
      bigint,
    ];
  let lastCloseBlock = await ethers.provider.getBlockNumber();
  // The figures of the pool's last attestation (the vault's trigger test reads them; see below).
  let attested: Figures | undefined;
  const closeAndExplain = async (title: string): Promise<bigint> => {
    const balancesBefore = await triple("balances");
    const collections = await vault.queryFilter(vault.filters.CollectionReceived!(), lastCloseBlock + 1);
    const tx = await vault.getFunction("closeEpoch")();
    const receipt = await tx.wait();
    lastCloseBlock = receipt.blockNumber as number;
    transactions.push({
      what: `close: ${title}`,
      hash: receipt.hash as string,
      gas: receipt.gasUsed as bigint,
    });
    const summary = summariseClose(vault.interface, receipt.logs);
    step(
      `${title} (epoch ${summary.epoch})`,
      explainClose(summary, (v) => formatMoney(v, 6)),
    );
    const funded = (await vault.getFunction("cumulativeFunded")()) as bigint;
    const lost = (await vault.getFunction("cumulativeLoss")()) as bigint;
    // The trigger's delinquency input with one funded pool: its attested (60-89 + 90+ + defaulted) /
    // outstanding (TrancheVault._marks weights each pool by its principal); the event gives it when the
    // trigger changes.
    const d60 =
      summary.trigger?.delinquent60Bps ??
      (attested && attested.outstanding > 0n
        ? ((attested.bucket60 + attested.bucket90 + attested.defaulted) * 10_000n) / attested.outstanding
        : 0n);
    closes.push({
      title,
      txHash: receipt.hash as string,
      summary,
      balancesBefore,
      collectedPrincipal: collections.reduce((a, e) => a + ((e as { args: bigint[] }).args[1] ?? 0n), 0n),
      collectedInterest: collections.reduce((a, e) => a + ((e as { args: bigint[] }).args[2] ?? 0n), 0n),
      triggered: (await vault.getFunction("triggered")()) as boolean,
      delinquent60Bps: Number(d60),
      lossBps: Number(summary.trigger?.lossBps ?? (funded > 0n ? (lost * 10_000n) / funded : 0n)),
    });
    return receipt.gasUsed as bigint;
  };
  await closeAndExplain("Epoch closed: the requests executed");
  for (const [who, tranche] of deposits)
    await (await (vault.connect(who) as Contract).getFunction("claimDeposit")(tranche)).wait();
  const snapshot = async (label: string): Promise<TrancheSnapshot> => {
    const v = await Promise.all(
      [0, 1, 2].map((i) => vault.getFunction("trancheAssets")(i) as Promise<bigint>),
    );
    return { label, senior: v[0]!, mezzanine: v[1]!, junior: v[2]! };
  };
  const tranches: TrancheSnapshot[] = [await snapshot("after deposits")];
  const cfg = await vault.getFunction("config")();
  step(
    "Investors funded the tranches",
    `senior 750,000, mezzanine 150,000, junior 100,000 (test stablecoin, 6 decimals); subordination 25%. ` +
      `Fixed at deployment: haircuts ${cfg.haircut30Bps / 100n}/${cfg.haircut60Bps / 100n}/${cfg.haircut90Bps / 100n}/${cfg.haircutDefaultedBps / 100n}% ` +
      `on 30/60/90+/defaulted balances, stale or breached ${cfg.staleMarkdownBps / 100n}% (provisional markdowns); trigger at ` +
      `${Number(cfg.triggerDelinquencyBps) / 100}% attested 60+ dpd or ${Number(cfg.triggerLossBps) / 100}% cumulative losses`,
  );

  // 4. Period 1: a synthetic tape of the last complete month, proven and submitted.
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const today = Number(now / DAY);
  const asOf1 = endOfMonth(today - 31); // the last complete month: fresh under the registry's 45-day maximum age
  const tape1 = generateSyntheticTape({ seed, loans, poolId, asOfDate: asOf1, decimals: POOL_DECIMALS });
  const pool = new ProverPool(opts.workers ?? 1);
  const attestations: Attestation[] = [];
  const modelFigures: Figures[] = [];
  const periods: PeriodSummary[] = [];
  const tapes: LoanTape[] = [];
  const submitPerChunk: bigint[] = [];
  const rollForwardGas: bigint[] = [];
  const rollForwards: RollForwardRecord[] = [];
  const continuous: boolean[] = [];
  // The originator's salt seed: every period's salts derive from it, so a loan's borrower commitment is the
  // same in every period (the roll-forward recognises a continuing loan by it).
  const saltSeed = randomFieldElement();
  const commit = async (tape: LoanTape): Promise<RollForwardPeriod> => ({
    tape,
    commitment: await commitTape(tape, await deriveSalts(saltSeed, tape), { chunkSize }),
  });
  const prove = async (
    period: RollForwardPeriod,
  ): Promise<{ att: Attestation; seconds: number; gas: bigint[] }> => {
    const tape = period.tape;
    const progress = startProgress(`  proving period ${tape.period}`, { quiet: opts.quiet });
    const t0 = performance.now();
    const { attestation } = await attestPool({
      tape,
      policy,
      key,
      chainId,
      registry: registryAddress,
      instance,
      commitment: period.commitment,
      pool,
      onProgress: (p) => progress.update(p.fraction, `chunks proven: ${p.chunksDone} of ${p.chunkCount}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    progress.done(counted(attestation.chunkCount, "chunk proof"));
    const gas: bigint[] = [];
    const asOriginator = registry.connect(originator) as Contract;
    const agg = attestation.aggregation;
    await ensureVerifier(attestation.instance);
    if (agg) await ensureVerifier(agg.instance);
    // committed chunks in the order listed (their aggregation chains them so), then the aggregation
    for (const c of attestation.chunks) {
      const tx = await asOriginator.getFunction(agg ? "submitChunkCommitment" : "submitAttestation")(
        circuitId(attestation.instance),
        1,
        { a: c.solidity.a, b: c.solidity.b, c: c.solidity.c },
        c.publicSignals,
      );
      gas.push(
        await record_(
          `verify period ${tape.period} chunk ${gas.length + 1}/${attestation.chunkCount} on-chain`,
          tx,
        ),
      );
    }
    if (agg) {
      const tx = await asOriginator.getFunction("submitAggregation")(
        circuitId(agg.instance),
        1,
        { a: agg.solidity.a, b: agg.solidity.b, c: agg.solidity.c },
        attestation.chunks[0]!.publicSignals.slice(0, 4),
        agg.publicSignals.slice(1),
      );
      gas.push(await record_(`verify period ${tape.period} aggregation on-chain`, tx));
    }
    submitPerChunk.push(...gas);
    attestations.push(attestation);
    tapes.push(tape);
    modelFigures.push(modelPool(tape.loans, policy, chunkSize).pool);
    return { att: attestation, seconds, gas };
  };
  const isContinuous = async (): Promise<boolean> =>
    (await rollForward.getFunction("isContinuous")(poolId)) as boolean;
  // The roll-forward of `prev` to `next` (both attested): proven chunk by chunk, submitted, then the totals
  // the registry recorded read back.
  const rollForwardTo = async (
    prev: RollForwardPeriod,
    next: RollForwardPeriod,
  ): Promise<RollForwardRecord> => {
    const label = `${prev.tape.period} → ${next.tape.period}`;
    const progress = startProgress(`  proving the roll-forward ${label}`, { quiet: opts.quiet });
    const t0 = performance.now();
    const proof = await proveRollForward(prev, next, {
      maxAdjustment,
      instance: DEMO_ROLLFORWARD_CHUNK,
      pool,
      onProgress: (done, total) => progress.update(done / total, `proofs: ${done} of ${total}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    progress.done(`${counted(proof.chunks.length, "chunk proof")} and the aggregation`);
    await ensureRollVerifier(proof.chunkInstance, 0);
    await ensureRollVerifier(proof.aggregationInstance, 1);
    const asOriginator = rollForward.connect(originator) as Contract;
    const txs: { what: string; hash: string; gas: bigint }[] = [];
    for (const [i, c] of proof.chunks.entries()) {
      const r = await submitRollForwardChunk(asOriginator, proof.chunkInstance, 1, c.proof, c.publicSignals);
      txs.push({
        what: `roll-forward ${label}: chunk ${i + 1}/${proof.chunks.length}`,
        hash: r.hash,
        gas: r.gasUsed,
      });
    }
    const r = await submitRollForwardAggregation(
      asOriginator,
      proof.aggregationInstance,
      1,
      proof.aggregation.proof,
      proof.context,
      proof.aggregation.publicSignals.slice(1),
    );
    txs.push({ what: `roll-forward ${label}: aggregation (totals recorded)`, hash: r.hash, gas: r.gasUsed });
    transactions.push(...txs);
    rollForwardGas.push(...txs.map((t) => t.gas));
    // What the registry recorded: the amounts (periodTotals) and the counts (the recorded words).
    const [recorded, amounts] = (await rollForward.getFunction("periodTotals")(poolId, next.tape.period)) as [
      boolean,
      Record<string, bigint>,
    ];
    const [, rfA, rfB, rfC] = (await rollForward.getFunction("periodWords")(poolId, next.tape.period)) as [
      boolean,
      bigint,
      bigint,
      bigint,
    ];
    if (!recorded) throw new Error(`the roll-forward registry did not record period ${next.tape.period}`);
    const totals = unpackTotals(rfA, rfB, rfC);
    for (const name of Object.keys(amounts).filter((k) => k in totals))
      if (amounts[name] !== totals[name as keyof RollForwardTotals])
        throw new Error(`periodTotals.${name} is not the recorded word's`);
    const record: RollForwardRecord = {
      period: next.tape.period,
      prevPeriod: Number(amounts.prevPeriod),
      totals,
      chunkInstance: proof.chunkInstance,
      aggregationInstance: proof.aggregationInstance,
      chunkCount: proof.chunks.length,
      proofSeconds: seconds,
      transactions: txs,
    };
    rollForwards.push(record);
    continuous.push(await isContinuous());
    const t = totals;
    step(
      `Period ${next.tape.period} rolled forward from ${prev.tape.period}`,
      `${counted(proof.chunks.length, "chunk")} of ${ROLLFORWARD_CHUNK_SIZE} slots and one aggregation proven in ${seconds.toFixed(1)} s, verified and recorded: ` +
        `opening ${money(t.opening, POOL_DECIMALS)} − principal ${money(t.principalCollected, POOL_DECIMALS)} − charge-offs ${money(t.chargedOff, POOL_DECIMALS)} ` +
        `± adjustments ${money(t.adjustmentsUp - t.adjustmentsDown, POOL_DECIMALS)} + originations ${money(t.originations, POOL_DECIMALS)} (${t.originationCount}) ` +
        `− removed at exit ${money(t.removedAtExit, POOL_DECIMALS)} = closing ${money(t.closing, POOL_DECIMALS)}; recoveries ${money(t.recoveries, POOL_DECIMALS)}; ` +
        `chain continuous: ${continuous[continuous.length - 1] ? "yes" : "NO"}`,
    );
    return record;
  };
  try {
    t = performance.now();
    const period1 = await commit(tape1);
    const p1 = await prove(period1);
    periods.push(summarise(tape1, p1.att, p1.seconds, p1.gas));
    const f1 = p1.att.figures;
    attested = f1;
    step(
      `Period ${tape1.period} attested and verified on-chain`,
      `${counted(loans, "loan")} in ${counted(p1.att.chunkCount, "chunk")} proven in ${p1.seconds.toFixed(1)} s; outstanding ${money(f1.outstanding, 2)} USD, ` +
        `30/60/90+ dpd ${money(f1.bucket30, 2)} / ${money(f1.bucket60, 2)} / ${money(f1.bucket90, 2)}, defaulted ${money(f1.defaulted, 2)}, ` +
        `min score ${f1.minScore}, breaches ${f1.breaches}; submit gas per chunk ${p1.gas.join(", ")}`,
    );
    // The originator anchors the pool's roll-forward chain at its current attestation: from here on each
    // period must be proven to be the last one rolled forward.
    await record_(
      `anchor the roll-forward chain at period ${tape1.period}`,
      await (rollForward.connect(originator) as Contract).getFunction("anchor")(poolId),
    );
    continuous.push(await isContinuous());
    step(
      `Roll-forward chain anchored at period ${tape1.period}`,
      `root ${period1.commitment.root.toString().slice(0, 12)}…, closing balance ${money(f1.outstanding, POOL_DECIMALS)} (the next period's opening); ` +
        `adjustment bound ${money(maxAdjustment, POOL_DECIMALS)} a loan a period`,
    );

    // 5. The vault funds the pool: allowed only with a valid, fresh, compliant attestation.
    // Fund at most 80% of the attested outstanding balance (tape amounts are cents: ×10^4 to 6 decimals).
    const fundAmount = [
      900_000n * USDC,
      (f1.outstanding * 10n ** BigInt(6 - tape1.decimals) * 8n) / 10n,
    ].reduce((a, b) => (a < b ? a : b));
    const fundTx = await vault.getFunction("include")(poolId, fundAmount);
    const include = await record_(`include pool ${poolId} (fund ${formatMoney(fundAmount, 6)})`, fundTx);
    step(
      "Vault funded the pool",
      `include(pool ${poolId}, ${formatMoney(fundAmount, 6)}) passed the registry's attestation and the vault's limits; gas ${include}`,
    );
    const closeGas: bigint[] = [];
    const close = async (title: string): Promise<void> => {
      closeGas.push(await closeAndExplain(title));
    };
    await close(`Epoch closed on period ${tape1.period}`);
    tranches.push(await snapshot(`period ${tape1.period}`));

    // 6. Periods 2 and 3: each the last one rolled forward (payments, prepayments and maturities, new loans
    // in the freed slots, loans rolling into later buckets, charge-offs in period 2 and recoveries on them in
    // period 3), attested, proven to roll forward, the collections passed to the vault, the epoch closed.
    let prev = period1;
    let prevFigures = f1;
    for (const [k, losses] of [
      [1, true],
      [2, false],
    ] as const) {
      const tape = rollDemoPeriod(prev.tape, {
        seed: `${seed}-${k + 1}`,
        maxAdjustment,
        originations,
        chargeOff: losses,
      });
      const target = BigInt(tape.asOfDate + 1) * DAY;
      const chainNow = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      if (target > chainNow) {
        await ethers.provider.send("evm_increaseTime", [Number(target - chainNow)]);
        await ethers.provider.send("evm_mine", []);
      }
      const next = await commit(tape);
      const p = await prove(next);
      periods.push(summarise(tape, p.att, p.seconds, p.gas));
      const f = p.att.figures;
      attested = f;
      step(
        `Period ${tape.period} attested${losses ? ": losses" : ""}`,
        `${counted(tape.loans.length, "loan")} in ${counted(p.att.chunkCount, "chunk")} proven in ${p.seconds.toFixed(1)} s; outstanding ${money(f.outstanding, 2)}; ` +
          `defaulted ${money(f.defaulted, 2)} (was ${money(prevFigures.defaulted, 2)}), charged off ${money(f.chargedOff, 2)} (was ${money(prevFigures.chargedOff, 2)}), 90+ dpd ${money(f.bucket90, 2)}`,
      );
      const rolled = await rollForwardTo(prev, next);
      // The servicer remits the vault's share of the period's proven collections (the cash reconciliation's
      // rule: the vault's principal in the pool over the opening balance, of the principal and interest
      // collected and the recoveries), the principal part as principal, the rest as income for the waterfall.
      const rt = rolled.totals;
      // the exposure this period is attributed at: the vault's principal when the last period was reconciled
      // (at the funding for the first), as the reconciler keeps it
      const exposure = ((await reconciler.getFunction("reconciliation")(poolId)) as { exposure: bigint })
        .exposure;
      const due = attributableCollections(exposure, rt, assetPerTapeUnit);
      const cashIn = rt.principalCollected + rt.interestCollected + rt.recoveries;
      const repayPrincipal = cashIn === 0n ? 0n : (due * rt.principalCollected) / cashIn;
      const repayIncome = due - repayPrincipal;
      if (due > 0n) {
        const servicer = vault.connect(originator) as Contract;
        const tk = token.connect(originator) as Contract;
        await (await tk.getFunction("mint")(await originator.getAddress(), due)).wait();
        await (await tk.getFunction("approve")(vaultAddress, due)).wait();
        await record_(
          `repay period ${tape.period} collections`,
          await servicer.getFunction("repay")(poolId, repayPrincipal, repayIncome),
        );
        step(
          `Servicer paid the vault its share of period ${tape.period}'s collections`,
          `principal ${formatMoney(repayPrincipal, 6)}, interest and recoveries ${formatMoney(repayIncome, 6)} ` +
            `(the vault's ${formatMoney(exposure, 6)} over the opening balance ${money(rt.opening, POOL_DECIMALS)} of the proven collections)`,
        );
      }
      // Anyone may reconcile a recorded period: the cumulative expectation against the cumulative remittances.
      const reconciled = await record_(
        `reconcile period ${tape.period} (cash against proven collections)`,
        await reconciler.getFunction("reconcile")(poolId, tape.period),
      );
      const state = (await reconciler.getFunction("reconciliation")(poolId)) as {
        expected: bigint;
        remitted: bigint;
        breached: boolean;
      };
      rolled.reconciliation = {
        due,
        expected: state.expected,
        remitted: state.remitted,
        breached: state.breached,
      };
      step(
        `Cash reconciled for period ${tape.period}`,
        `due ${formatMoney(due, 6)}; expected so far ${formatMoney(state.expected, 6)}, remitted ${formatMoney(state.remitted, 6)}: ` +
          `${state.breached ? "BREACH (no new funding)" : "within the 1% tolerance"}; gas ${reconciled}`,
      );
      const before = tranches[tranches.length - 1]!;
      await close(`Epoch closed on period ${tape.period}`);
      const after = await snapshot(`period ${tape.period}`);
      tranches.push(after);
      step(
        `Tranche prices after period ${tape.period}${losses ? ": losses and markdowns junior first" : ""}`,
        `junior ${formatMoney(before.junior, 6)} → ${formatMoney(after.junior, 6)}, mezzanine ${formatMoney(before.mezzanine, 6)} → ${formatMoney(after.mezzanine, 6)}, senior ${formatMoney(before.senior, 6)} → ${formatMoney(after.senior, 6)}`,
      );
      prev = next;
      prevFigures = f;
    }
    const fLast = prevFigures;
    const lastTape = prev.tape;
    // 7. Tranche analytics on the attested figures only, on the vault's structure as it stands: each
    // tranche's realised claim (balance − PDL) after the last close.
    t = performance.now();
    const [balances, pdl] = [await triple("balances"), await triple("pdl")];
    const structure = tranchesFromVaultLedgers(balances, pdl);
    const analysis = analyzePool(
      analysisFromFigures(fLast, {
        rho: 0.15,
        tranches: structure,
        simulation: { scenarios: opts.scenarios ?? 100_000, seed },
      } as Parameters<typeof analysisFromFigures>[1]),
    );
    step(
      "Tranche analytics from attested figures",
      `${analysis.model.scenarios.toLocaleString("en-US")} scenarios in ${((performance.now() - t) / 1000).toFixed(1)} s; pool EL ${(analysis.poolLoss.expectedLoss.value * 100).toFixed(2)}%; ` +
        analysis.tranches.map((x) => `${x.name} EL ${(x.expectedLoss.value * 100).toFixed(3)}%`).join(", "),
    );

    const data: DemoReportData = {
      analysisBasis:
        `Tranches as the vault holds them after the last close: realised claims (balance − PDL) ` +
        ["senior", "mezzanine", "junior"]
          .map((n, i) => `${n} ${formatMoney(balances[i]! - pdl[i]!, 6)}`)
          .join(", ") +
        `, as fractions of their total (tranchesFromVaultLedgers), on the period ${lastTape.period} attested figures; ` +
        `assumes the vault's capital is invested in this pool (uninvested cash makes the real structure safer).`,
      policy: { hash: `0x${pHash.toString(16)}`, params: policy },
      vaultTerms: {
        seniorCouponBps: Number(cfg.seniorCouponBps),
        mezzanineCouponBps: Number(cfg.mezzanineCouponBps),
        minSubordinationBps: Number(cfg.minSubordinationBps),
        maxBucket30Bps: Number(cfg.maxBucket30Bps),
        maxBucket60Bps: Number(cfg.maxBucket60Bps),
        maxBucket90Bps: Number(cfg.maxBucket90Bps),
        maxConcentrationBps: Number(cfg.maxConcentrationBps),
        minAverageScore: Number(cfg.minAverageScore),
        triggerDelinquencyBps: Number(cfg.triggerDelinquencyBps),
        triggerLossBps: Number(cfg.triggerLossBps),
      },
      closes,
      transactions,
      generatedAt: new Date().toISOString(),
      currency: tape1.currency,
      poolDecimals: tape1.decimals,
      vaultDecimals: 6,
      chainId,
      registry: registryAddress,
      vault: vaultAddress,
      instance,
      development: record.development,
      periods: periods.map((p) => ({ ...p })),
      rollForward: {
        registry: rollForwardAddress,
        maxAdjustment,
        anchorPeriod: tape1.period,
        records: rollForwards,
        continuous: continuous[continuous.length - 1] ?? false,
      },
      tranches,
      analysis,
      steps,
    };
    const html = renderDemoReport(data);
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, html);
    say(`\nReport: ${reportPath}`);
    return {
      reportPath,
      attestations,
      tapes,
      rollForwards,
      maxAdjustment,
      continuous,
      tranches,
      modelFigures,
      analysis,
      gas: { submitPerChunk, include, closeEpoch: closeGas, rollForward: rollForwardGas },
      transactions,
      ledgers: { balances, pdl },
    };
  } finally {
    await pool.close();
  }
}
