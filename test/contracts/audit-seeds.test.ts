/**
 * AuditSeeds over the registry's committed loan count (issue 12, item 2): a seed from a block after the
 * request, only for a recorded (pool, period), drawn over the loan count the registry recorded for it (no
 * caller-supplied size), and still available once the pool has attested later periods. Stand-in proofs
 * (test/contracts/helpers.ts) carry the loan count until the pool circuit commits it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { deployAuditSeeds } from "../../deploy/index.ts";
import { sampleIndices } from "../../prover/audit-sample.ts";
import { makeWorld, revertOf, terminateCurves } from "./helpers.ts";

afterAll(terminateCurves);

describe("AuditSeeds", () => {
  it("samples over the recorded loan count of the period, also after the next period is attested at once", async () => {
    const w = await makeWorld();
    const { ethers } = w;
    const seeds = await deployAuditSeeds(w.gov, await w.registry.getAddress(), 3);
    const mine = async (n: number) => {
      for (let i = 0; i < n; i++) await ethers.provider.send("evm_mine", []);
    };
    expect(await revertOf(seeds.getFunction("requestSeed")(1n, 1), seeds)).toEqual({
      name: "Seeds__NotAttested",
      args: [1n, 1n],
    });
    await w.submit(await w.attest({ poolId: 1n, period: 1n, loanCount: 16n }));
    // the originator attests the next period at once: period 1 stays sampleable, over its own 16 loans
    await w.submit(await w.attest({ poolId: 1n, period: 2n, loanCount: 12n }));
    await (await seeds.getFunction("requestSeed")(1n, 1)).wait();
    const target = (await seeds.getFunction("request")(1n, 1)).targetBlock as bigint;
    expect((await seeds.getFunction("request")(1n, 1)).loanCount).toBe(16n);
    expect(await revertOf(seeds.getFunction("requestSeed")(1n, 1), seeds)).toEqual({
      name: "Seeds__AlreadyRequested",
      args: [1n, 1n, target],
    });
    expect((await revertOf(seeds.getFunction("fixSeed")(1n, 1), seeds)).name).toBe("Seeds__TooEarly");
    await mine(3);
    await (await seeds.getFunction("fixSeed")(1n, 1)).wait();
    const hash = (await ethers.provider.getBlock(Number(target)))!.hash!;
    const seed = (await seeds.getFunction("seedString")(1n, 1)) as string;
    expect(seed).toBe(hash.toLowerCase());
    const onChain = (await seeds.getFunction("sampleIndices")(1n, 1, 16)) as bigint[];
    // all 16 committed loans are drawn: the four at the end of the tape (12-15) included
    expect(onChain.map(Number)).toEqual(sampleIndices(seed, 16, 16));
    expect([...onChain].map(Number).sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    const four = (await seeds.getFunction("sampleIndices")(1n, 1, 4)) as bigint[];
    expect(four.map(Number)).toEqual(sampleIndices(seed, 16, 4));
    // a period recorded with no loans gets no seed
    await w.submit(await w.attest({ poolId: 2n, period: 1n, loanCount: 0n }));
    expect(await revertOf(seeds.getFunction("requestSeed")(2n, 1), seeds)).toEqual({
      name: "Seeds__NoLoans",
      args: [2n, 1n],
    });
  });
});
