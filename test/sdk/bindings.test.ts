/**
 * The integrator's SDK (sdk/index.ts) against Hardhat's in-process network: the committed typed bindings are
 * those the compiled contracts give; a protocol reads a pool's attested figures and eligibility, requests
 * deposits (the vault's own call and the tranche token's ERC-7540 request), includes the pool and closes
 * epochs, and the waterfall model predicts each close exactly. The failing twins: calls of the wrong types do
 * not type-check (the `@ts-expect-error` lines, checked by `tsc --noEmit`) and are refused by ethers at run
 * time; a reverted call surfaces the contract's custom error by name.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the vault world with
 * its typed bindings (an EVM snapshot the chain is put back to before each test that changes it), pool 1's
 * attestation and the regenerated bindings; made for the test, the world at the stage the claim is about
 * (pool 1 attested, deposits requested, the first epoch closed, pool 1 funded and the second epoch closed),
 * with the model that followed it there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
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
import { chainSnapshot, DAY, healthyFigures, PROOF_SOURCE, terminateCurves } from "../contracts/helpers.ts";
import type { ProofWithSignals } from "../contracts/fixtures/stand-in.ts";
import { USD, makeVaultWorld, type VaultWorld } from "../contracts/vault-world.ts";

/** The vault world and its typed bindings; `reset` puts the chain back to it as deployed. */
interface Deployed {
  w: VaultWorld;
  registry: AttestationRegistry;
  vault: TrancheVault;
  today: bigint;
  reset(): Promise<void>;
}

async function deploy(): Promise<Deployed> {
  const w = await makeVaultWorld();
  const reset = await chainSnapshot(w.ethers);
  return {
    w,
    registry: attestationRegistryAt(await w.registry.getAddress(), w.ethers.provider),
    vault: trancheVaultAt(await w.vault.getAddress(), w.gov),
    today: await w.today(),
    reset,
  };
}

type Close = ReturnType<typeof summariseClose>;
type Predicted = ReturnType<VaultModel["closeEpoch"]>;
type Junior = ReturnType<typeof trancheTokenAt>;

/** Closes the epoch through the binding, and the model's prediction of that close. */
const close = async (d: Deployed, model: VaultModel, pools: ReadonlyMap<bigint, AttestedPool>) => {
  const receipt = (await (await d.vault.closeEpoch()).wait())!;
  const now = BigInt((await d.w.ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
  return { predicted: model.closeEpoch(pools, now), told: summariseClose(d.vault.interface, receipt.logs) };
};

const it = test.extend<{
  deployed: Deployed;
  /** The world as deployed, for the test to change (the chain is put back before each test). */
  world: Deployed;
  /** The bindings generated afresh from the compiled contracts. */
  fresh: Map<string, string>;
  /** Score attestations (max age 20 days) and a borrower gate (min score 640, max age 30 days), deployed. */
  scoreSide: { scores: ReturnType<typeof scoreAttestationsAt>; gate: ReturnType<typeof borrowerGateAt> };
  /** Pool 1's attestation of period 1 (healthy figures), dated the day of deployment. */
  p1: ProofWithSignals;
  /** `world` with p1 submitted through the SDK by a third party. */
  attested: Deployed;
  /**
   * `attested` with the deposits requested (150k junior through the tranche token's ERC-7540 request, 100k
   * mezzanine and 750k senior through the vault's call), and the model, from the vault's own parameters, told.
   */
  requested: { d: Deployed; model: VaultModel; junior: Junior };
  /** `requested` with the epoch closed: the close as told and as predicted. */
  firstClose: {
    d: Deployed;
    model: VaultModel;
    junior: Junior;
    first: { predicted: Predicted; told: Close };
  };
  /** `firstClose` with pool 1 funded for 600k and the epoch closed a month on. */
  secondClose: { d: Deployed; junior: Junior; second: { predicted: Predicted; told: Close } };
}>({
  deployed: [async ({}, use) => use(await deploy()), { scope: "file" }],
  world: async ({ deployed }, use) => {
    await deployed.reset();
    await use(deployed);
  },
  fresh: [async ({}, use) => use(await generateBindings()), { scope: "file" }],
  scoreSide: async ({ world: { w, registry } }, use) => {
    const d = await deployScores(w.gov, { registry: await registry.getAddress(), maxScoreAgeDays: 20 });
    const gate = await deployBorrowerGate(w.gov, {
      providers: await d.providers.getAddress(),
      scores: await d.scores.getAddress(),
      minScore: 640,
      maxAgeDays: 30,
    });
    await use({
      scores: scoreAttestationsAt(await d.scores.getAddress(), w.ethers.provider),
      gate: borrowerGateAt(await gate.getAddress(), w.ethers.provider),
    });
  },
  p1: [
    async ({ deployed: { w, today } }, use) =>
      use(await w.attest({ poolId: 1n, period: 1n, asOfDate: today })),
    { scope: "file" },
  ],
  attested: async ({ world: d, p1 }, use) => {
    // anyone may submit: the proof carries the originator's signature
    await submitAttestation(
      d.registry.connect(d.w.others[0]!),
      PROOF_SOURCE.circuitName,
      1,
      p1.proof,
      p1.publicSignals,
    );
    await use(d);
  },
  requested: async ({ attested: d }, use) => {
    const { w, vault } = d;
    const [a, b, c] = w.users as [VaultWorld["users"][0], VaultWorld["users"][0], VaultWorld["users"][0]];
    // the model's parameters read from the vault itself, as an integrator does
    const model = new VaultModel(modelParamsFromConfig(await vault.config()), await vault.lastCloseAt());
    // junior through the tranche token's ERC-7540 request (the asset approved to the token), the others
    // through the vault's own call (the asset approved to the vault)
    const junior = trancheTokenAt(await w.tranches[2]!.getAddress(), c);
    await (await w.token.connect(c).getFunction("approve")(await junior.getAddress(), 150_000n * USD)).wait();
    await (await junior.requestDeposit(150_000n * USD, c.address, c.address)).wait();
    await (await vault.connect(b).requestDeposit(1, 100_000n * USD)).wait();
    await (await vault.connect(a).requestDeposit(0, 750_000n * USD)).wait();
    model.requestDeposit(2, 150_000n * USD);
    model.requestDeposit(1, 100_000n * USD);
    model.requestDeposit(0, 750_000n * USD);
    await use({ d, model, junior });
  },
  firstClose: async ({ requested: { d, model, junior } }, use) => {
    const first = await close(d, model, new Map());
    await use({ d, model, junior, first });
  },
  secondClose: async ({ firstClose: { d, model, junior } }, use) => {
    // fund pool 1 with its attested figures, a month on
    const att = (await readEligibility(d.registry, 1n, d.w.policyHash)).attestation!;
    const pool: AttestedPool = { period: att.period, asOfDate: att.asOfDate, figures: att.figures };
    await (await d.vault.include(1n, 600_000n * USD)).wait();
    model.include(1n, 600_000n * USD, pool);
    await d.w.increaseTime(30n * DAY);
    const second = await close(d, model, new Map([[1n, pool]]));
    await use({ d, junior, second });
  },
});

afterAll(terminateCurves);

describe("typed bindings (sdk/contracts/)", () => {
  it("the compiled contracts give seven bindings", ({ fresh }) => {
    expect(fresh.size).toBe(7);
  });

  it("are the committed files: regenerated from the compiled contracts, they are unchanged", ({ fresh }) => {
    for (const [rel, text] of fresh) expect(readFileSync(join(REPO_ROOT, rel), "utf8"), rel).toBe(text);
  });
});

describe("the integrator's SDK on a network", () => {
  it("binds score attestations: their maximum score age and registry read as typed", async ({
    world: { registry },
    scoreSide: { scores },
  }) => {
    const ageDays: bigint = await scores.maxScoreAgeDays();
    expect([ageDays, await scores.registry()]).toEqual([20n, await registry.getAddress()]);
  });

  it("binds the borrower gate: its minimum score and maximum age read as typed", async ({
    scoreSide: { gate },
  }) => {
    expect([await gate.minScore(), await gate.maxAgeDays()]).toEqual([640n, 30n]);
  });

  it("reads a pool before its attestation as not eligible, not fresh, with no attestation", async ({
    world: d,
  }) => {
    expect(await readEligibility(d.registry, 1n, d.w.policyHash)).toEqual({
      eligible: false,
      fresh: false,
      attestation: undefined,
    });
  });

  it("reads an attested pool as eligible and fresh", async ({ attested: d }) => {
    const e = await readEligibility(d.registry, 1n, d.w.policyHash);
    expect(e.eligible).toBe(true);
    expect(e.fresh).toBe(true);
  });

  it("reads an attested pool's period and figures", async ({ attested: d }) => {
    const e = await readEligibility(d.registry, 1n, d.w.policyHash);
    expect(e.attestation?.period).toBe(1n);
    expect(e.attestation?.figures).toEqual(healthyFigures());
  });

  it("a typed view resolves to its value", async ({ attested: d }) => {
    const eligible: boolean = await d.registry.isEligible(1n, d.w.policyHash);
    const other: boolean = await d.registry.isEligible(1n, d.w.policyHash + 1n);
    expect([eligible, other]).toEqual([true, false]);
  });

  it("a typed struct resolves to named fields", async ({ attested: d }) => {
    const a = await d.registry.attestation(1n);
    expect([a.poolId, a.period, a.policyHash]).toEqual([1n, 1n, d.w.policyHash]);
  });

  it("the model's parameters read from the vault are those it was deployed with", async ({ world: d }) => {
    expect(modelParamsFromConfig(await d.vault.config())).toEqual(modelParamsFromConfig(d.w.config));
  });

  it("a deposit requested through the tranche token (ERC-7540) is pending", async ({
    requested: { d, junior },
  }) => {
    expect(await junior.pendingDepositRequest(0n, d.w.users[2]!.address)).toBe(150_000n * USD);
  });

  it("the first close: the contract's claims are the model's", async ({ firstClose: { d, first } }) => {
    expect([...(await d.vault.getClaims())]).toEqual(first.predicted.claims);
  });

  it("the first close: the claims its events tell are the model's", ({ firstClose: { first } }) => {
    expect(first.told.claims).toEqual(first.predicted.claims);
  });

  it("after the first close the ERC-7540 deposit is claimable", async ({ firstClose: { d, junior } }) => {
    expect(await junior.claimableDepositRequest(0n, d.w.users[2]!.address)).toBe(150_000n * USD);
  });

  it("a close with a funded pool a month on: the contract's claims are the model's", async ({
    secondClose: { d, second },
  }) => {
    const claims: Triple = [...(await d.vault.getClaims())] as Triple;
    expect(claims).toEqual(second.predicted.claims);
  });

  it("a close with a funded pool: the NAV its events tell is the model's", ({ secondClose: { second } }) => {
    expect(second.told.nav).toBe(second.predicted.nav);
  });

  it("a close with a funded pool: the markdown its events tell is the model's", ({
    secondClose: { second },
  }) => {
    expect(second.told.markdown).toBe(second.predicted.markdown);
  });

  it("a close with a funded pool marks its delinquent buckets down", ({ secondClose: { second } }) => {
    expect(second.predicted.markdown).toBeGreaterThan(0n); // delinquent buckets are haircut
  });

  it("the junior claim through ERC-7540 deposit gets the shares the close priced", async ({
    secondClose: { d, junior },
  }) => {
    const c = d.w.users[2]!;
    await (await junior["deposit(uint256,address)"](150_000n * USD, c.address)).wait();
    expect(await junior.balanceOf(c.address)).toBe(150_000n * USD * 10n ** 6n);
  });
});

describe("failing twins", () => {
  it("calls of the wrong types do not type-check (tsc --noEmit checks each @ts-expect-error)", () => {
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
  });

  it("ethers refuses an argument of the wrong type at run time", async ({ deployed: { registry } }) => {
    await expect(registry.isEligible(1n, true as unknown as bigint)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("ethers refuses a call with too few arguments at run time", async ({ deployed: { vault } }) => {
    await expect(vault.requestDeposit(...([0] as unknown as [bigint, bigint]))).rejects.toThrow(
      /missing value|too few arguments|no matching fragment/i,
    );
  });

  describe("a reverted call surfaces the contract's custom error by name and arguments", () => {
    const revert = async (d: Deployed, p: Promise<unknown>, name: TrancheVaultError) => {
      const e = await p.then(
        () => expect.fail("expected a revert"),
        (err: unknown) => err,
      );
      const decoded = contractError(e, d.vault);
      expect(decoded?.name).toBe(name);
      return decoded!;
    };

    it("only the owner closes an epoch before its end: Vault__EpochNotOver with its two arguments", async ({
      world: d,
    }) => {
      const early = await revert(d, d.vault.connect(d.w.users[3]!).closeEpoch(), "Vault__EpochNotOver");
      expect(early.args).toHaveLength(2);
    });

    it("a pool without an attestation is not admitted: Vault__NoValidAttestation with the pool", async ({
      world: d,
    }) => {
      const r = await revert(d, d.vault.include(2n, 1n), "Vault__NoValidAttestation");
      expect(r.args).toEqual([2n]);
    });

    it("a senior deposit that leaves too little below it: Vault__SubordinationBreached with the minimum", async ({
      world: d,
    }) => {
      const sub = await revert(
        d,
        d.vault.connect(d.w.users[3]!).requestDeposit(0, 100_000_000n * USD),
        "Vault__SubordinationBreached",
      );
      expect(sub.args[1]).toBe(2_000n);
    });

    it("a decoded error carries its selector", async ({ world: d }) => {
      const sub = await revert(
        d,
        d.vault.connect(d.w.users[3]!).requestDeposit(0, 100_000_000n * USD),
        "Vault__SubordinationBreached",
      );
      expect(sub.selector).toMatch(/^0x[0-9a-f]{8}$/);
    });

    it("an error that carries no revert data is not a contract error", ({ deployed: { vault } }) => {
      expect(contractError(new Error("network down"), vault)).toBeUndefined();
    });
  });
});
