/**
 * The integrator's SDK (sdk/index.ts) against Hardhat's in-process network: the committed typed bindings are
 * those the compiled contracts give; a protocol reads a pool's attested figures and eligibility, requests
 * deposits (the vault's own call and the tranche token's ERC-7540 request), includes the pool and closes
 * epochs, and the waterfall model predicts each close exactly. The failing twins: calls of the wrong types do
 * not type-check (the `@ts-expect-error` lines, checked by `tsc --noEmit`) and are refused by ethers at run
 * time; a reverted call surfaces the contract's custom error by name.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBindings } from "../../contracts/codegen/bindings.ts";
import { deployBorrowerGate, deployScores } from "../../deploy/index.ts";
import { REPO_ROOT } from "../../pipeline/index.ts";
import {
  attestationRegistryAt,
  borrowerGateAt,
  contractError,
  modelParamsFromConfig,
  readEligibility,
  registryCircuitId,
  scoreAttestationsAt,
  submitAttestation,
  summariseClose,
  toSolidityGroth16,
  trancheTokenAt,
  trancheVaultAt,
  VaultModel,
  type AttestationRegistry,
  type AttestedPool,
  type TrancheVault,
  type TrancheVaultError,
  type Triple,
} from "../../sdk/index.ts";
import { DAY, PROOF_SOURCE, healthyFigures, terminateCurves } from "../contracts/helpers.ts";
import { USD, makeVaultWorld, type VaultWorld } from "../contracts/vault-world.ts";

let w: VaultWorld;
let registry: AttestationRegistry;
let vault: TrancheVault;

beforeAll(async () => {
  w = await makeVaultWorld();
  registry = attestationRegistryAt(await w.registry.getAddress(), w.ethers.provider);
  vault = trancheVaultAt(await w.vault.getAddress(), w.gov);
});
afterAll(terminateCurves);

describe("typed bindings (sdk/contracts/)", () => {
  it("are the committed files: regenerated from the compiled contracts, they are unchanged", async () => {
    const fresh = await generateBindings();
    expect(fresh.size).toBe(7);
    for (const [rel, text] of fresh) expect(readFileSync(join(REPO_ROOT, rel), "utf8"), rel).toBe(text);
  });
});

describe("the integrator's SDK on a network", () => {
  it("binds the score side too: score attestations and the borrower gate read as typed", async () => {
    const registryAddress = await registry.getAddress();
    const d = await deployScores(w.gov, { registry: registryAddress, maxScoreAgeDays: 20 });
    const scores = scoreAttestationsAt(await d.scores.getAddress(), w.ethers.provider);
    const ageDays: bigint = await scores.maxScoreAgeDays();
    expect([ageDays, await scores.registry()]).toEqual([20n, registryAddress]);
    const gate = borrowerGateAt(
      await (
        await deployBorrowerGate(w.gov, {
          providers: await d.providers.getAddress(),
          scores: await d.scores.getAddress(),
          minScore: 640,
          maxAgeDays: 30,
        })
      ).getAddress(),
      w.ethers.provider,
    );
    expect([await gate.minScore(), await gate.maxAgeDays()]).toEqual([640n, 30n]);
  });

  it("reads a pool's attested figures and eligibility, before and after its attestation", async () => {
    expect(await readEligibility(registry, 1n, w.policyHash)).toEqual({
      eligible: false,
      fresh: false,
      attestation: undefined,
    });
    const p = await w.attest({ poolId: 1n, period: 1n });
    // anyone may submit: the proof carries the originator's signature
    await submitAttestation(
      registry.connect(w.others[0]!),
      PROOF_SOURCE.circuitName,
      1,
      p.proof,
      p.publicSignals,
    );
    const e = await readEligibility(registry, 1n, w.policyHash);
    expect(e.eligible).toBe(true);
    expect(e.fresh).toBe(true);
    expect(e.attestation?.period).toBe(1n);
    expect(e.attestation?.figures).toEqual(healthyFigures());
    // the typed reads: a view resolves to its value, a struct to named fields
    const eligible: boolean = await registry.isEligible(1n, w.policyHash);
    const other: boolean = await registry.isEligible(1n, w.policyHash + 1n);
    expect([eligible, other]).toEqual([true, false]);
    const a = await registry.attestation(1n);
    expect([a.poolId, a.period, a.policyHash]).toEqual([1n, 1n, w.policyHash]);
  });

  it("requests deposits, includes the pool, closes epochs: the contract's claims are the model's", async () => {
    const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
    // the model's parameters read from the vault itself, as an integrator does
    const params = modelParamsFromConfig(await vault.config());
    expect(params).toEqual(modelParamsFromConfig(w.config));
    const model = new VaultModel(params, await vault.lastCloseAt());
    // junior through the tranche token's ERC-7540 request (the asset approved to the token), the others
    // through the vault's own call (the asset approved to the vault)
    const junior = trancheTokenAt(await w.tranches[2]!.getAddress(), c);
    await (await w.token.connect(c).getFunction("approve")(await junior.getAddress(), 150_000n * USD)).wait();
    await (await junior.requestDeposit(150_000n * USD, c.address, c.address)).wait();
    expect(await junior.pendingDepositRequest(0n, c.address)).toBe(150_000n * USD);
    await (await vault.connect(b).requestDeposit(1, 100_000n * USD)).wait();
    await (await vault.connect(a).requestDeposit(0, 750_000n * USD)).wait();
    model.requestDeposit(2, 150_000n * USD);
    model.requestDeposit(1, 100_000n * USD);
    model.requestDeposit(0, 750_000n * USD);

    const close = async (pools: ReadonlyMap<bigint, AttestedPool>) => {
      const receipt = (await (await vault.closeEpoch()).wait())!;
      const now = BigInt((await w.ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      return { predicted: model.closeEpoch(pools, now), told: summariseClose(vault.interface, receipt.logs) };
    };
    const first = await close(new Map());
    expect([...(await vault.getClaims())]).toEqual(first.predicted.claims);
    expect(first.told.claims).toEqual(first.predicted.claims);
    expect(await junior.claimableDepositRequest(0n, c.address)).toBe(150_000n * USD);

    // fund pool 1 with its attested figures, a month on
    const att = (await readEligibility(registry, 1n, w.policyHash)).attestation!;
    const pool: AttestedPool = { period: att.period, asOfDate: att.asOfDate, figures: att.figures };
    await (await vault.include(1n, 600_000n * USD)).wait();
    model.include(1n, 600_000n * USD, pool);
    await w.increaseTime(30n * DAY);
    const second = await close(new Map([[1n, pool]]));
    const claims: Triple = [...(await vault.getClaims())] as Triple;
    expect(claims).toEqual(second.predicted.claims);
    expect(second.told.nav).toBe(second.predicted.nav);
    expect(second.told.markdown).toBe(second.predicted.markdown);
    expect(second.predicted.markdown).toBeGreaterThan(0n); // delinquent buckets are haircut

    // the junior claim through ERC-7540: the shares the close priced
    await (await junior["deposit(uint256,address)"](150_000n * USD, c.address)).wait();
    expect(await junior.balanceOf(c.address)).toBe(150_000n * USD * 10n ** 6n);
  });
});

describe("failing twins", () => {
  it("calls of the wrong types do not type-check, and ethers refuses them at run time", async () => {
    // never called: `tsc --noEmit` checks each `@ts-expect-error` line has its error (an unused one is an error)
    const typeErrors = (r: AttestationRegistry, v: TrancheVault) => {
      // @ts-expect-error a policy hash is a uint256, not a boolean
      void r.isEligible(1n, true);
      // @ts-expect-error isEligible resolves to a boolean
      const n: Promise<bigint> = r.isEligible(1n, 2n);
      // @ts-expect-error requestDeposit takes (tranche, assets)
      void v.requestDeposit(0);
      // @ts-expect-error a controller is an address, not a number
      void v.pendingDeposit(0, 42);
      // @ts-expect-error a PoolAttestation proof has 7 public signals (uint256[7])
      void r.submitAttestation(registryCircuitId("x"), 1, toSolidityGroth16(proof), [1n, 2n]);
      // @ts-expect-error the vault has no such function
      void v.deposit(1n);
      return n;
    };
    const proof = {
      pi_a: ["1", "2"],
      pi_b: [
        ["1", "2"],
        ["3", "4"],
      ],
      pi_c: ["1", "2"],
    };
    expect(typeErrors).toBeTypeOf("function");
    await expect(registry.isEligible(1n, true as unknown as bigint)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(vault.requestDeposit(...([0] as unknown as [bigint, bigint]))).rejects.toThrow(
      /missing value|too few arguments|no matching fragment/i,
    );
  });

  it("a reverted call surfaces the contract's custom error by name and arguments", async () => {
    const asUser = vault.connect(w.users[3]!);
    const expectRevert = async (p: Promise<unknown>, name: TrancheVaultError) => {
      const e = await p.then(
        () => expect.fail("expected a revert"),
        (err: unknown) => err,
      );
      const decoded = contractError(e, vault);
      expect(decoded?.name).toBe(name);
      return decoded!;
    };
    // only the owner closes an epoch before its end
    const early = await expectRevert(asUser.closeEpoch(), "Vault__EpochNotOver");
    expect(early.args).toHaveLength(2);
    // a pool without an attestation is not admitted
    expect((await expectRevert(vault.include(2n, 1n), "Vault__NoValidAttestation")).args).toEqual([2n]);
    // a senior deposit that leaves too little below it
    const sub = await expectRevert(
      asUser.requestDeposit(0, 100_000_000n * USD),
      "Vault__SubordinationBreached",
    );
    expect(sub.args[1]).toBe(2_000n);
    expect(sub.selector).toMatch(/^0x[0-9a-f]{8}$/);
    // an error that carries no revert data is not a contract error
    expect(contractError(new Error("network down"), vault)).toBeUndefined();
  });
});
