/**
 * End to end with the real pool attestation circuit: a synthetic tape proven chunk by chunk by the prover
 * (prover/attest.ts), the build's generated verifier, and the registry. Runs when a pool instance is built
 * (`npm run build -- --use test` builds pool-attestation-8); otherwise it is skipped with a warning.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { attestPool } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { policyHash } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { loadCatalogue } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import {
  deployRegistry,
  deployVerifier,
  onboardOriginator,
  policyParamsInput,
  registerPolicy,
} from "../../deploy/index.ts";
import { readAttestation, submitAttestation } from "../../sdk/index.ts";
import { makeWorld, revertOf, terminateCurves } from "./helpers.ts";

const POOL = loadCatalogue()
  .filter((c) => c.template === "PoolAttestation" && readManifest().instances[c.name] !== undefined)
  .sort((a, b) => (a.params[0] ?? 0) - (b.params[0] ?? 0))[0];
if (POOL === undefined)
  console.warn("no pool attestation circuit is built: skipping the registry end-to-end test");
const verifierContract = POOL ? `${POOL.template}${POOL.params[0]}Verifier` : "";

afterAll(terminateCurves);

describe.skipIf(POOL === undefined)(`registry with real ${POOL?.name ?? "pool"} proofs`, () => {
  // a pool of several chunks is committed (test/contracts/committed-attestation.test.ts): one chunk here
  it("records a one-chunk pool proven by the prover, with the prover's figures; refuses replay, tampering and another registry", async () => {
    const w = await makeWorld();
    const name = POOL!.name;
    await deployVerifier(w.gov, w.registry, verifierContract, name);
    const pHash = await policyHash(TEST_POLICY);
    await registerPolicy(w.registry, pHash, policyParamsInput(TEST_POLICY));
    const key = await generateOriginatorKey();
    const originator = w.others[6]!;
    const kh = await onboardOriginator(
      w.registry,
      w.registry.connect(originator) as Contract,
      { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
      [42n],
    );
    const chunk = POOL!.params[0]!;
    const today = Number(await w.today());
    const tape = generateSyntheticTape({ seed: 11, loans: chunk - 1, poolId: 42n, asOfDate: today });
    const { attestation } = await attestPool({
      tape,
      policy: TEST_POLICY,
      key,
      chainId: w.chainId,
      registry: await w.registry.getAddress(),
      instance: name,
    });
    expect(attestation.chunks.length).toBe(1);
    expect(attestation.aggregation).toBeUndefined();
    // the prover's key hash is the one the registry computed on-chain when the key was proposed
    expect(attestation.keyHash).toBe(kh);
    const relayer = w.registry.connect(w.others[7]!) as Contract;
    const [c0] = attestation.chunks as [(typeof attestation.chunks)[0]];
    // a tampered figure fails verification
    const tampered = [...c0.publicSignals];
    tampered[5] = String(BigInt(tampered[5]!) + 1n);
    expect((await revertOf(submitAttestation(relayer, name, 1, c0.proof, tampered), w.registry)).name).toBe(
      "Registry__InvalidProof",
    );
    expect(await readAttestation(w.registry, 42n)).toBeUndefined();
    await submitAttestation(relayer, name, 1, c0.proof, c0.publicSignals);
    const rec = await readAttestation(w.registry, 42n);
    const f = attestation.figures;
    expect(rec?.period).toBe(BigInt(tape.period));
    expect(rec?.policyHash).toBe(pHash);
    expect(rec?.figures).toEqual({
      ...f,
      activeCount: BigInt(f.activeCount),
      minScore: BigInt(f.minScore),
      breaches: BigInt(f.breaches),
    });
    expect(await w.registry.getFunction("isEligible")(42n, pHash)).toBe(f.breaches === 0);
    const replay = await revertOf(
      submitAttestation(relayer, name, 1, c0.proof, c0.publicSignals),
      w.registry,
    );
    expect(replay.name).toBe("Registry__PeriodNotAfterLast");
    // the same proof in a second registry where the same originator key and pool are registered: refused,
    // because the proof's key hash binds the first registry
    const second = await deployRegistry(w.gov);
    await deployVerifier(w.gov, second, verifierContract, name);
    await registerPolicy(second, pHash, policyParamsInput(TEST_POLICY));
    const kh2 = await onboardOriginator(
      second,
      second.connect(originator) as Contract,
      { ax: key.publicKey[0], ay: key.publicKey[1], validFrom: 1 },
      [42n],
    );
    expect(kh2).not.toBe(kh);
    const elsewhere = await revertOf(
      submitAttestation(second.connect(w.others[7]!) as Contract, name, 1, c0.proof, c0.publicSignals),
      second,
    );
    expect(elsewhere).toEqual({ name: "Registry__UnknownKey", args: [kh] });
  });
});
