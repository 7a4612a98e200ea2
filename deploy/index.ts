/**
 * Deployment of the on-chain side (registry and its key hasher, verifiers, vault, tranche tokens, test
 * stablecoin; the score side: provider registry, score attestations, borrower gate; audit seeds): the one
 * place used by the tests, the demo and real networks. Works with any ethers v6 signer (Hardhat's
 * in-process network or a JSON-RPC wallet) and the compiled artifacts of `npx hardhat build`. Verifiers of
 * development keys are refused on any chain but a local development chain unless explicitly allowed
 * (checkVerifierKeys).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { poseidonContract } from "circomlibjs";
import { Contract, ContractFactory, keccak256, toUtf8Bytes } from "ethers";
import type { Signer, InterfaceAbi } from "ethers";
import { POLICY_PARAMS, policyParams, type Policy } from "../prover/policy/index.ts";
import { readManifest } from "../pipeline/manifest.ts";
import { CodedError, invalid } from "../verifier-api/web/errors.js";
import { loadCatalogue } from "../pipeline/catalogue.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A compiled contract. */
export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

let index: Map<string, string> | undefined;

function walk(dir: string, out: Map<string, string>): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".json") && !name.endsWith(".dbg.json")) out.set(name.slice(0, -5), p);
  }
}

/** Loads the Hardhat artifact of a contract by name from `artifacts/contracts`. */
export function loadArtifact(
  contractName: string,
  artifactsDir = join(repo, "artifacts/contracts"),
): Artifact {
  if (index === undefined) {
    index = new Map();
    walk(artifactsDir, index);
  }
  const path = index.get(contractName);
  if (path === undefined) throw new Error(`no artifact for ${contractName}: run \`npx hardhat build\``);
  return JSON.parse(readFileSync(path, "utf8")) as Artifact;
}

/** Deploys a contract by name and waits for it. */
export async function deployContract(
  signer: Signer,
  contractName: string,
  args: unknown[] = [],
): Promise<Contract> {
  const a = loadArtifact(contractName);
  const factory = new ContractFactory(a.abi, a.bytecode, signer);
  const c = await factory.deploy(...args);
  await c.waitForDeployment();
  return c as unknown as Contract;
}

/** The registry's circuit id of a catalogue instance: keccak256 of its name. */
export function circuitId(name: string): string {
  return keccak256(toUtf8Bytes(name));
}

/** Vault parameters (field names of ITrancheVault.Config). */
export interface VaultConfig {
  seniorCouponBps: number;
  mezzanineCouponBps: number;
  minSubordinationBps: number;
  haircut30Bps: number;
  haircut60Bps: number;
  haircut90Bps: number;
  haircutDefaultedBps: number;
  staleMarkdownBps: number;
  maxBucket30Bps: number;
  maxBucket60Bps: number;
  maxBucket90Bps: number;
  maxConcentrationBps: number;
  minAverageScore: number;
  /** Trigger: principal-weighted attested 60+ days delinquency (60-89, 90+, defaulted) above this share. */
  triggerDelinquencyBps: number;
  /** Trigger: cumulative realised losses above this share of the cumulative funded principal. */
  triggerLossBps: number;
  /** Must equal the registry's maxAge (the vault's constructor refuses a mismatch). */
  maxAge: bigint;
  epochLength: bigint;
  maxExposurePerPool: bigint;
}

/**
 * A conservative default: 20% subordination, 1%/2% coupons per epoch, 45-day freshness, 30-day epochs; the
 * trigger trips at 10% attested 60+ days delinquency or 5% cumulative realised losses.
 */
export const DEFAULT_VAULT_CONFIG: VaultConfig = {
  seniorCouponBps: 100,
  mezzanineCouponBps: 200,
  minSubordinationBps: 2_000,
  haircut30Bps: 2_500,
  haircut60Bps: 5_000,
  haircut90Bps: 7_500,
  haircutDefaultedBps: 10_000,
  staleMarkdownBps: 5_000,
  maxBucket30Bps: 1_500,
  maxBucket60Bps: 1_000,
  maxBucket90Bps: 500,
  maxConcentrationBps: 2_500,
  minAverageScore: 600,
  triggerDelinquencyBps: 1_000,
  triggerLossBps: 500,
  maxAge: 45n * 86_400n,
  epochLength: 30n * 86_400n,
  maxExposurePerPool: 10n ** 15n,
};

/**
 * Deploys circomlibjs's generated Poseidon contract for `inputs` inputs (default 3: the attestation registry's
 * key hasher; 2: the provider registry's): bytecode made by `poseidonContract.createCode(inputs)`, the same
 * permutation as the circuits' `Poseidon(inputs)`.
 */
export async function deployKeyHasher(signer: Signer, inputs: 2 | 3 = 3): Promise<Contract> {
  const factory = new ContractFactory(
    poseidonContract.generateABI(inputs) as InterfaceAbi,
    poseidonContract.createCode(inputs) as string,
    signer,
  );
  const c = await factory.deploy();
  await c.waitForDeployment();
  return c as unknown as Contract;
}

/**
 * Deploys the attestation registry governed by `governance` (default: the signer), with its key hasher
 * (Poseidon(3)) and its chain hasher (Poseidon(2), which chains committed chunks' commitments): fresh ones
 * unless `keyHasher` / `chainHasher` give the addresses of deployed ones.
 */
export async function deployRegistry(
  signer: Signer,
  opts: { governance?: string; maxAgeSeconds?: bigint; keyHasher?: string; chainHasher?: string } = {},
): Promise<Contract> {
  const governance = opts.governance ?? (await signer.getAddress());
  const hasher = opts.keyHasher ?? (await (await deployKeyHasher(signer)).getAddress());
  const chain = opts.chainHasher ?? (await (await deployKeyHasher(signer, 2)).getAddress());
  return deployContract(signer, "AttestationRegistry", [
    governance,
    opts.maxAgeSeconds ?? 45n * 86_400n,
    hasher,
    chain,
  ]);
}

/**
 * The registry's verifier kind of a catalogue instance (AttestationRegistry's KIND_* constants): which
 * submission function takes its proofs. PoolChunkCommitment instances 1, PoolAggregation instances 2, every
 * other (PoolAttestation, test stand-ins) 0.
 */
export function verifierKind(circuitName: string): 0 | 1 | 2 {
  const template = loadCatalogue().find((c) => c.name === circuitName)?.template;
  return template === "PoolChunkCommitment" ? 1 : template === "PoolAggregation" ? 2 : 0;
}

/**
 * Local development chains, the only ones where verifiers of development keys are deployed without the
 * explicit option: Hardhat's and anvil's default chain id (31337) and the classic local id (1337).
 */
export const DEVELOPMENT_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** The option that lets development keys onto another chain, and where its warning goes (default: stderr). */
export interface KeyPolicy {
  allowDevelopmentKeysOnRealChain?: boolean;
  warn?: (message: string) => void;
}

/** A refusal to deploy a verifier of development keys to a chain that is not a local development chain. */
export class DevelopmentKeysError extends CodedError {
  readonly instance: string;
  readonly chainId: bigint;
  constructor(instance: string, chainId: bigint, message: string) {
    super("refused", message, [{ field: "instance", value: instance, reason: "development keys" }]);
    this.name = "DevelopmentKeysError";
    this.instance = instance;
    this.chainId = chainId;
  }
}

/**
 * Why the verifier of `circuitName` cannot be trusted to secure value, or undefined when the build manifest
 * records a ceremony key for it: the manifest marks development keys (and keys it does not know), and the
 * generated Solidity verifier carries a DEVELOPMENT KEYS banner.
 */
export function developmentKeysReason(verifierContract: string, circuitName: string): string | undefined {
  const entry = readManifest().instances[circuitName];
  if (entry === undefined) return "build/manifest.json has no keys for it, so they cannot be a ceremony's";
  if (entry.development) return "build/manifest.json marks its keys as development keys";
  const source = join(repo, "contracts/verifiers", `${verifierContract}.sol`);
  if (existsSync(source) && readFileSync(source, "utf8").includes("DEVELOPMENT KEYS"))
    return `${verifierContract}.sol carries the DEVELOPMENT KEYS banner`;
  return undefined;
}

/**
 * Refuses (DevelopmentKeysError) to deploy the verifier of development keys to any chain but a local
 * development chain, unless `allowDevelopmentKeysOnRealChain` is set; then it warns. The development setup's
 * secret is on the machine that built the keys: with it anyone forges proofs the verifier accepts.
 */
export async function checkVerifierKeys(
  signer: Signer,
  verifiers: [verifierContract: string, circuitName: string][],
  policy: KeyPolicy = {},
): Promise<void> {
  const flagged = verifiers
    .map(([contract, name]) => [name, developmentKeysReason(contract, name)] as const)
    .filter((f): f is readonly [string, string] => f[1] !== undefined);
  if (flagged.length === 0) return;
  const network = await signer.provider?.getNetwork();
  if (network === undefined) throw new TypeError("signer: expected a signer connected to a provider");
  const chainId = network.chainId;
  if (DEVELOPMENT_CHAIN_IDS.includes(chainId)) return;
  const [instance, reason] = flagged[0]!;
  if (!policy.allowDevelopmentKeysOnRealChain) {
    throw new DevelopmentKeysError(
      instance,
      chainId,
      `refusing to deploy the verifier of ${instance} to chain ${chainId}: ${reason}. Anyone holding the ` +
        `development setup's secret can forge proofs it accepts. Import a ceremony's key first: ` +
        `\`rwa-attest setup import --instance ${instance} --zkey <final.zkey> --ptau <file.ptau>\` ` +
        `(docs/CEREMONY.md); for a throwaway test network only, pass --allow-development-keys-on-real-chain.`,
    );
  }
  const warn = policy.warn ?? ((m: string) => process.stderr.write(`WARNING: ${m}\n`));
  for (const [name, why] of flagged)
    warn(
      `deploying the verifier of ${name} with DEVELOPMENT KEYS to chain ${chainId} ` +
        `(--allow-development-keys-on-real-chain): ${why}; anyone with the setup secret can forge proofs.`,
    );
}

/**
 * Deploys a generated verifier contract and maps (circuit name, version) to it in the registry, with the
 * kind its catalogue template implies (verifierKind). Verifiers of development keys are refused on real
 * chains (checkVerifierKeys).
 */
export async function deployVerifier(
  signer: Signer,
  registry: Contract,
  verifierContract: string,
  circuitName: string,
  version = 1,
  keys: KeyPolicy = {},
): Promise<Contract> {
  await checkVerifierKeys(signer, [[verifierContract, circuitName]], keys);
  const verifier = await deployContract(signer, verifierContract);
  const kind = verifierKind(circuitName);
  const address = await verifier.getAddress();
  await (
    await (kind === 0
      ? registry.getFunction("addVerifier")(circuitId(circuitName), version, address)
      : registry.getFunction("addVerifierOfKind")(circuitId(circuitName), version, address, kind))
  ).wait();
  return verifier;
}

/** A vault with its three tranche tokens wired. */
export interface VaultDeployment {
  vault: Contract;
  senior: Contract;
  mezzanine: Contract;
  junior: Contract;
}

/** Deploys a tranche vault over `asset` reading `registry`, its three tranche tokens, and wires them. */
export async function deployVault(
  signer: Signer,
  opts: {
    asset: string;
    registry: string;
    governance?: string;
    config?: VaultConfig;
    acceptedPolicies?: bigint[];
  },
): Promise<VaultDeployment> {
  const me = await signer.getAddress();
  const vault = await deployContract(signer, "TrancheVault", [
    opts.asset,
    opts.registry,
    me,
    opts.config ?? DEFAULT_VAULT_CONFIG,
  ]);
  const v = await vault.getAddress();
  const names = [
    ["rwa-attest Senior", "rwaSR"],
    ["rwa-attest Mezzanine", "rwaMZ"],
    ["rwa-attest Junior", "rwaJR"],
  ] as const;
  const tokens: Contract[] = [];
  for (const [i, [name, symbol]] of names.entries()) {
    tokens.push(await deployContract(signer, "TrancheToken", [opts.asset, name, symbol, i, v]));
  }
  const addrs = await Promise.all(tokens.map((t) => t.getAddress()));
  await (await vault.getFunction("setTranches")(addrs)).wait();
  for (const p of opts.acceptedPolicies ?? [])
    await (await vault.getFunction("setPolicyAccepted")(p, true)).wait();
  if (opts.governance !== undefined && opts.governance !== me) {
    await (await vault.getFunction("transferOwnership")(opts.governance)).wait();
  }
  return { vault, senior: tokens[0]!, mezzanine: tokens[1]!, junior: tokens[2]! };
}

/**
 * Deploys the cash reconciler of `vault` (docs/CONTRACTS.md "Cash reconciliation") over a roll-forward
 * registry that follows the vault's attestation registry, with a shortfall tolerance in bps, and sets it on the
 * vault (once: `vault` must be connected to its owner).
 */
export async function deployCashReconciler(
  signer: Signer,
  vault: Contract,
  opts: { rollForward: string; toleranceBps: number; assetPerTapeUnit: bigint },
): Promise<Contract> {
  const reconciler = await deployContract(signer, "CashReconciler", [
    await vault.getAddress(),
    opts.rollForward,
    opts.toleranceBps,
    opts.assetPerTapeUnit,
  ]);
  await (await vault.getFunction("setReconciler")(await reconciler.getAddress())).wait();
  return reconciler;
}

/**
 * The roll-forward registry's verifier kind of a catalogue instance (RollForwardRegistry's kinds):
 * RollForwardCommitment instances 0 (`submitChunk`), RollForwardAggregation instances 1 (`submitAggregation`).
 * Any other instance is refused: it has no place in the roll-forward registry.
 */
export function rollForwardVerifierKind(circuitName: string): 0 | 1 {
  const template = loadCatalogue().find((c) => c.name === circuitName)?.template;
  if (template === "RollForwardCommitment") return 0;
  if (template === "RollForwardAggregation") return 1;
  throw invalid(
    "verifiers",
    `${circuitName} is not a RollForwardCommitment or RollForwardAggregation instance of the catalogue`,
    circuitName,
  );
}

/** A deployed roll-forward registry and its verifiers. */
export interface RollForwardDeployment {
  registry: Contract;
  /** Verifier addresses by circuit name. */
  verifiers: Record<string, string>;
}

/**
 * Deploys the roll-forward registry (docs/CONTRACTS.md "Roll-forward registry") next to the attestation
 * registry at `registryAddress`: a Poseidon(2) chain hasher, the RollForwardRegistry with its adjustment bound
 * (`maxAdjustment`, minor units, fixed for good), and one verifier per `[verifierContract, circuitName]` added
 * as version 1 with the kind its catalogue template implies (rollForwardVerifierKind). Verifiers of
 * development keys are refused on real chains (checkVerifierKeys) before anything is deployed.
 */
export async function deployRollForward(
  signer: Signer,
  registryAddress: string,
  opts: {
    maxAdjustment: bigint;
    verifiers: [verifierContract: string, circuitName: string][];
    governance?: string;
    keys?: KeyPolicy;
  },
): Promise<RollForwardDeployment> {
  const kinds = opts.verifiers.map(([, name]) => rollForwardVerifierKind(name));
  await checkVerifierKeys(signer, opts.verifiers, opts.keys);
  const governance = opts.governance ?? (await signer.getAddress());
  const me = await signer.getAddress();
  const hasher = await deployKeyHasher(signer, 2);
  const registry = await deployContract(signer, "RollForwardRegistry", [
    me,
    registryAddress,
    await hasher.getAddress(),
    opts.maxAdjustment,
  ]);
  const verifiers: Record<string, string> = {};
  for (const [i, [contract, name]] of opts.verifiers.entries()) {
    const v = await deployContract(signer, contract);
    verifiers[name] = await v.getAddress();
    await (await registry.getFunction("addVerifier")(circuitId(name), 1, verifiers[name], kinds[i]!)).wait();
  }
  if (governance !== me) await (await registry.getFunction("transferOwnership")(governance)).wait();
  return { registry, verifiers };
}

/** Deploys the 6-decimals test stablecoin (tests, demo, benchmarks only). */
export async function deployTestStablecoin(signer: Signer): Promise<Contract> {
  return deployContract(signer, "TestStablecoin");
}

/** Policy parameters as the registry stores them (docs/INTERFACES.md order). */
export interface PolicyParamsInput {
  minCreditScore: bigint;
  maxDaysPastDue: bigint;
  maxLtvBps: bigint;
  maxBucket30Bps: bigint;
  maxBucket60Bps: bigint;
  maxBucket90Bps: bigint;
  maxConcentrationBps: bigint;
  minPoolBalance: bigint;
  minActiveLoans: bigint;
}

/** A policy's parameters as `registerPolicy` takes them: named, in docs/INTERFACES.md order. */
export function policyParamsInput(policy: Policy): PolicyParamsInput {
  const p = policyParams(policy);
  return Object.fromEntries(POLICY_PARAMS.map((n, i) => [n, p[i]!])) as unknown as PolicyParamsInput;
}

/** Registers a policy's parameters under its hash. */
export async function registerPolicy(
  registry: Contract,
  policyHash: bigint,
  params: PolicyParamsInput,
): Promise<void> {
  await (await registry.getFunction("registerPolicy")(policyHash, params)).wait();
}

/**
 * Onboards an originator: it proposes its public key, governance approves it, and the originator registers
 * its pools. `originatorRegistry` is the registry connected to the originator's signer. Returns the key's
 * hash in this registry, Poseidon(ax, ay, domain), which the registry computes and proofs must carry.
 */
export async function onboardOriginator(
  governanceRegistry: Contract,
  originatorRegistry: Contract,
  key: { ax: bigint; ay: bigint; validFrom: number },
  poolIds: bigint[],
): Promise<bigint> {
  const keyHash = (await originatorRegistry.getFunction("keyHashOf")(key.ax, key.ay)) as bigint;
  const originator = originatorRegistry.runner as Signer | null;
  if (originator === null || typeof originator.getAddress !== "function")
    throw new TypeError("originatorRegistry: expected a registry connected to the originator's signer");
  await (await originatorRegistry.getFunction("proposeKey")(key.ax, key.ay, key.validFrom)).wait();
  await (await governanceRegistry.getFunction("approveKey")(await originator.getAddress(), keyHash)).wait();
  for (const id of poolIds) await (await originatorRegistry.getFunction("registerPool")(id)).wait();
  return keyHash;
}

/**
 * Onboards a score provider: it proposes its public key, governance approves it. `providerRegistry` is the
 * registry connected to the provider's signer. Returns keyHash = Poseidon(ax, ay) as the registry computed it.
 * The provider then registers the model (scale) ids it scores with (`models`): ScoreAttestations and
 * BorrowerGate accept scores only under a model their provider registered.
 */
export async function onboardProvider(
  governanceRegistry: Contract,
  providerRegistry: Contract,
  key: { ax: bigint; ay: bigint; validFrom: number },
  models: number[] = [],
): Promise<bigint> {
  const keyHash = (await providerRegistry.getFunction("keyHashOf")(key.ax, key.ay)) as bigint;
  const provider = providerRegistry.runner as Signer | null;
  if (provider === null || typeof provider.getAddress !== "function")
    throw new TypeError("providerRegistry: expected a registry connected to the provider's signer");
  await (await providerRegistry.getFunction("proposeKey")(key.ax, key.ay, key.validFrom)).wait();
  await (await governanceRegistry.getFunction("approveKey")(await provider.getAddress(), keyHash)).wait();
  for (const m of models) await (await providerRegistry.getFunction("registerModel")(m)).wait();
  return keyHash;
}

/** The score side: provider keys and the provider-backed score attestations of registered pools. */
export interface ScoresDeployment {
  providers: Contract;
  scores: Contract;
  /** Score-backing verifier addresses by circuit name. */
  verifiers: Record<string, string>;
}

/**
 * Deploys the ProviderRegistry and ScoreAttestations (bound to `registry`), and one score-backing verifier per
 * `[verifierContract, circuitName]`, registered as version 1 of that circuit (docs/SCORES.md). Governance
 * defaults to the signer; `maxScoreAgeDays` (default 30) is the freshness bound the score proofs must carry.
 */
export async function deployScores(
  signer: Signer,
  opts: {
    registry: string;
    verifiers?: [verifierContract: string, circuitName: string][];
    governance?: string;
    maxScoreAgeDays?: number;
    keys?: KeyPolicy;
  },
): Promise<ScoresDeployment> {
  await checkVerifierKeys(signer, opts.verifiers ?? [], opts.keys);
  const governance = opts.governance ?? (await signer.getAddress());
  const hasher = await deployKeyHasher(signer, 2);
  const providers = await deployContract(signer, "ProviderRegistry", [governance, await hasher.getAddress()]);
  const scores = await deployContract(signer, "ScoreAttestations", [
    governance,
    await providers.getAddress(),
    opts.registry,
    opts.maxScoreAgeDays ?? 30,
  ]);
  const verifiers: Record<string, string> = {};
  for (const [contract, name] of opts.verifiers ?? []) {
    const v = await deployContract(signer, contract);
    verifiers[name] = await v.getAddress();
    await (await scores.getFunction("addVerifier")(circuitId(name), 1, verifiers[name])).wait();
  }
  return { providers, scores, verifiers };
}

/**
 * Deploys a BorrowerGate: borrower score proofs (`verifierContract`, default the borrower-score circuit's
 * verifier) against the provider keys and the pools' backed score roots, with the gate's own threshold and
 * freshness (docs/SCORES.md).
 */
export async function deployBorrowerGate(
  signer: Signer,
  opts: {
    providers: string;
    scores: string;
    minScore: number;
    maxAgeDays: number;
    verifierContract?: string;
    /** The verifier's catalogue instance (default borrower-score), whose keys are checked. */
    circuitName?: string;
    keys?: KeyPolicy;
  },
): Promise<Contract> {
  const verifierContract = opts.verifierContract ?? "BorrowerScoreVerifier";
  await checkVerifierKeys(signer, [[verifierContract, opts.circuitName ?? "borrower-score"]], opts.keys);
  const verifier = await deployContract(signer, verifierContract);
  return deployContract(signer, "BorrowerGate", [
    opts.providers,
    opts.scores,
    await verifier.getAddress(),
    opts.minScore,
    opts.maxAgeDays,
  ]);
}

/** Deploys AuditSeeds: audit-sample seeds from the hash of a block `delayBlocks` after the request. */
export async function deployAuditSeeds(signer: Signer, registry: string, delayBlocks = 5): Promise<Contract> {
  return deployContract(signer, "AuditSeeds", [registry, delayBlocks]);
}

/** Addresses of a deployed system. */
export interface SystemAddresses {
  chainId: string;
  registry: string;
  /** circomlibjs's Poseidon contract the registry computes key hashes with. */
  keyHasher: string;
  verifiers: Record<string, string>;
  asset: string;
  vault: string;
  tranches: { senior: string; mezzanine: string; junior: string };
  /** Present when the score side was deployed (`scores` option). */
  scores?: { providers: string; scores: string; verifiers: Record<string, string> };
  /** Present when `auditSeedsDelay` was given. */
  auditSeeds?: string;
  /** Present when the roll-forward registry was deployed (`rollForward` option). */
  rollForward?: {
    registry: string;
    /** Its adjustment bound, minor units (decimal string): every roll-forward proof must carry it. */
    maxAdjustment: string;
    verifiers: Record<string, string>;
    /** Present when the vault's cash reconciler was deployed over it. */
    reconciler?: string;
  };
}

/**
 * Deploys a whole system: registry, one verifier per `[verifierContract, circuitName]`, the vault over `asset`
 * (or a fresh test stablecoin when `asset` is omitted: demo and local networks only), its tranches, and
 * registers/accepts the given policies. Returns the addresses (JSON-serialisable).
 */
export async function deploySystem(
  signer: Signer,
  opts: {
    verifiers: [verifierContract: string, circuitName: string][];
    asset?: string;
    maxAgeSeconds?: bigint;
    vaultConfig?: VaultConfig;
    policies?: { hash: bigint; params: PolicyParamsInput }[];
    /** Also deploy the score side (provider registry, score attestations, score-backing verifiers). */
    scores?: { verifiers: [verifierContract: string, circuitName: string][]; maxScoreAgeDays?: number };
    /** Also deploy AuditSeeds with this delay in blocks. */
    auditSeedsDelay?: number;
    /**
     * Also deploy the roll-forward registry (deployRollForward) with its verifiers, and optionally the vault's
     * cash reconciler over it (deployCashReconciler).
     */
    rollForward?: {
      maxAdjustment: bigint;
      verifiers: [verifierContract: string, circuitName: string][];
      reconciler?: { toleranceBps: number; assetPerTapeUnit: bigint };
    };
    /** Development keys on a real chain: refused unless allowed (checkVerifierKeys). */
    keys?: KeyPolicy;
  },
): Promise<SystemAddresses> {
  // every verifier's keys are checked before anything is deployed (no half-deployed system on a refusal)
  const all = [...opts.verifiers, ...(opts.scores?.verifiers ?? []), ...(opts.rollForward?.verifiers ?? [])];
  // and the roll-forward verifiers' kinds (an instance of another template is refused before any deployment)
  for (const [, name] of opts.rollForward?.verifiers ?? []) rollForwardVerifierKind(name);
  await checkVerifierKeys(signer, all, opts.keys);
  const quiet: KeyPolicy = { allowDevelopmentKeysOnRealChain: true, warn: () => {} };
  const registry = await deployRegistry(signer, { maxAgeSeconds: opts.maxAgeSeconds });
  const verifiers: Record<string, string> = {};
  for (const [contract, name] of opts.verifiers) {
    verifiers[name] = await (await deployVerifier(signer, registry, contract, name, 1, quiet)).getAddress();
  }
  for (const p of opts.policies ?? []) await registerPolicy(registry, p.hash, p.params);
  const asset = opts.asset ?? (await (await deployTestStablecoin(signer)).getAddress());
  const v = await deployVault(signer, {
    asset,
    registry: await registry.getAddress(),
    // the vault's freshness window is the registry's (its constructor refuses a mismatch)
    config: opts.vaultConfig ?? {
      ...DEFAULT_VAULT_CONFIG,
      maxAge: opts.maxAgeSeconds ?? DEFAULT_VAULT_CONFIG.maxAge,
    },
    acceptedPolicies: (opts.policies ?? []).map((p) => p.hash),
  });
  const network = await signer.provider?.getNetwork();
  const registryAddress = await registry.getAddress();
  let scores: SystemAddresses["scores"];
  if (opts.scores) {
    const d = await deployScores(signer, { registry: registryAddress, ...opts.scores, keys: quiet });
    scores = {
      providers: await d.providers.getAddress(),
      scores: await d.scores.getAddress(),
      verifiers: d.verifiers,
    };
  }
  const auditSeeds =
    opts.auditSeedsDelay === undefined
      ? undefined
      : await (await deployAuditSeeds(signer, registryAddress, opts.auditSeedsDelay)).getAddress();
  let rollForward: SystemAddresses["rollForward"];
  if (opts.rollForward) {
    const rf = await deployRollForward(signer, registryAddress, {
      maxAdjustment: opts.rollForward.maxAdjustment,
      verifiers: opts.rollForward.verifiers,
      keys: quiet,
    });
    const rfAddress = await rf.registry.getAddress();
    const reconciler = opts.rollForward.reconciler
      ? await (
          await deployCashReconciler(signer, v.vault, {
            rollForward: rfAddress,
            ...opts.rollForward.reconciler,
          })
        ).getAddress()
      : undefined;
    rollForward = {
      registry: rfAddress,
      maxAdjustment: opts.rollForward.maxAdjustment.toString(),
      verifiers: rf.verifiers,
      ...(reconciler ? { reconciler } : {}),
    };
  }
  return {
    chainId: String(network?.chainId ?? ""),
    registry: registryAddress,
    keyHasher: (await registry.getFunction("keyHasher")()) as string,
    verifiers,
    asset,
    vault: await v.vault.getAddress(),
    tranches: {
      senior: await v.senior.getAddress(),
      mezzanine: await v.mezzanine.getAddress(),
      junior: await v.junior.getAddress(),
    },
    ...(scores ? { scores } : {}),
    ...(auditSeeds ? { auditSeeds } : {}),
    ...(rollForward ? { rollForward } : {}),
  };
}
