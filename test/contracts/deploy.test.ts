import { describe, expect, it } from "vitest";
import hre from "hardhat";
import { circuitId, deploySystem, loadArtifact } from "../../deploy/index.ts";
import { POLICY, policyHash } from "./helpers.ts";

describe("deploy/index.ts", () => {
  it("deploys and wires a whole system", async () => {
    const { ethers } = await hre.network.connect();
    const [signer] = await ethers.getSigners();
    const hash = await policyHash(POLICY);
    const a = await deploySystem(signer!, {
      verifiers: [["StandInPoolVerifier", "stand-in-pool"]],
      policies: [{ hash, params: POLICY }],
    });
    const registry = await ethers.getContractAt(loadArtifact("AttestationRegistry").abi as never, a.registry);
    expect((await registry.getFunction("verifierRecord")(circuitId("stand-in-pool"), 1)).verifier).toBe(
      a.verifiers["stand-in-pool"],
    );
    expect((await registry.getFunction("policyParams")(hash)).minPoolBalance).toBe(POLICY.minPoolBalance);
    const vault = await ethers.getContractAt(loadArtifact("TrancheVault").abi as never, a.vault);
    expect(await vault.getFunction("acceptedPolicy")(hash)).toBe(true);
    expect(await vault.getFunction("tranches")(2)).toBe(a.tranches.junior);
    const junior = await ethers.getContractAt(loadArtifact("TrancheToken").abi as never, a.tranches.junior);
    expect(await junior.getFunction("asset")()).toBe(a.asset);
    // wiring is one-shot: the tranches cannot be replaced
    await expect(
      vault.getFunction("setTranches")([a.tranches.senior, a.tranches.mezzanine, a.tranches.junior]),
    ).rejects.toThrow();
  });

  it("deploys the score side and audit seeds with the system, bound to its registry", async () => {
    const { ethers } = await hre.network.connect();
    const [signer] = await ethers.getSigners();
    const a = await deploySystem(signer!, {
      verifiers: [["StandInPoolVerifier", "stand-in-pool"]],
      scores: { verifiers: [["ScoreBacking8Verifier", "score-backing-8"]], maxScoreAgeDays: 21 },
      auditSeedsDelay: 4,
    });
    expect(a.scores).toBeDefined();
    const scores = await ethers.getContractAt(
      loadArtifact("ScoreAttestations").abi as never,
      a.scores!.scores,
    );
    expect(await scores.getFunction("registry")()).toBe(a.registry);
    expect(await scores.getFunction("providers")()).toBe(a.scores!.providers);
    expect(await scores.getFunction("maxScoreAgeDays")()).toBe(21n);
    const added = await scores.queryFilter(scores.getEvent("ScoreVerifierAdded"));
    expect(added.map((e) => ("args" in e ? [...e.args] : []))).toEqual([
      [circuitId("score-backing-8"), 1n, a.scores!.verifiers["score-backing-8"]],
    ]);
    const seeds = await ethers.getContractAt(loadArtifact("AuditSeeds").abi as never, a.auditSeeds!);
    expect(await seeds.getFunction("registry")()).toBe(a.registry);
    expect(await seeds.getFunction("delay")()).toBe(4n);
    const registry = await ethers.getContractAt(loadArtifact("AttestationRegistry").abi as never, a.registry);
    expect(await registry.getFunction("keyHasher")()).toBe(a.keyHasher);
  });

  it("refuses unknown artifacts with a clear message", () => {
    expect(() => loadArtifact("NoSuchContract")).toThrow(/no artifact for NoSuchContract/);
  });
});
