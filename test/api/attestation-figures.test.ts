/**
 * The service never trusts a stored summary (#12 item 6) and says when keys are development keys (item 5):
 * `POST /v1/attestations/:id/analytics` runs on the figures derived from the stored attestation's proofs,
 * verified on the request, and refuses (409, naming the field and both values) a stored attestation whose
 * figures were forged or whose proofs are broken; `POST /v1/verify` names the key and carries the
 * development-key warning. A real two-chunk attestation of pool-attestation-8 made by `attestPool`.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, made once per file: the in-process
 * app, the attestation, and `stored`, which stores a changed copy of it under an id of its own.
 */
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, test } from "vitest";
import { readManifest } from "../../pipeline/manifest.ts";
import { attestPool, attestationToJson, type Attestation } from "../../prover/attest.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { DEVELOPMENT_KEY_WARNING } from "../../prover/prove/index.ts";
import { generateSyntheticTape } from "../../prover/tape/synthetic.ts";
import { PROBLEM_BASE } from "../../verifier-api/http/errors.ts";
import { appFixture, type TestApp } from "./helpers.ts";

const INSTANCE = "pool-attestation-8";
const built = readManifest().instances[INSTANCE] !== undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const it = test.extend<{
  /** The in-process app. */
  t: TestApp;
  /** A two-chunk committed attestation of 12 loans of pool 91, made by `attestPool`. */
  att: Attestation;
  /** Stores a copy of the attestation, changed by `change`, under a new id and period; returns the id. */
  stored: (change?: (a: Json) => void) => Promise<string>;
  /** An auditor's analytics request on the stored attestation `id`. */
  analytics: (id: string) => Promise<LightMyRequestResponse>;
}>({
  t: appFixture(),
  att: [
    async ({}, use) => {
      const tape = generateSyntheticTape({ seed: 5, loans: 12, poolId: 91n, asOfDate: 20400 });
      const { attestation } = await attestPool({
        tape,
        policy: TEST_POLICY,
        key: await generateOriginatorKey(),
        chainId: 31337n,
        registry: "0x" + "56".repeat(20),
        instance: INSTANCE,
      });
      await use(attestation);
    },
    { scope: "file" },
  ],
  stored: [
    async ({ t, att }, use) => {
      const json = attestationToJson(att);
      let n = 0;
      await use(async (change = () => {}) => {
        const data = JSON.parse(json);
        change(data);
        const id = `att_figures_${n++}`;
        await t.app.services.storage.insertAttestation({
          id,
          owner: "orig-a",
          jobId: `job_figures_${n}`,
          tapeId: null,
          poolId: String(att.poolId),
          period: att.period + n,
          instance: INSTANCE,
          policyHash: String(att.policyHash),
          data,
          createdAt: Date.now(),
        });
        return id;
      });
    },
    // one app, one storage: the ids and periods count across the file
    { scope: "file" },
  ],
  analytics: async ({ t }, use) =>
    use((id) =>
      t.req(t.keys.auditor, {
        method: "POST",
        url: `/v1/attestations/${id}/analytics`,
        payload: { tranches: [{ name: "all", attachment: 0, detachment: 1 }], scenarios: 2000 },
      }),
    ),
});

describe.skipIf(!built)("analytics on a stored attestation", () => {
  it("runs on the figures its proofs carry", async ({ stored, analytics }) => {
    const r = await analytics(await stored());
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().tranches).toHaveLength(1);
  });

  it("refuses a forged summary figure on valid proofs with 409, naming the field and both values", async ({
    att,
    stored,
    analytics,
  }) => {
    const forged = String(att.figures.outstanding * 5n);
    const r = await analytics(await stored((a) => (a.figures.outstanding = forged)));
    expect(r.statusCode).toBe(409);
    expect(r.json().type).toBe(PROBLEM_BASE + "conflict");
    expect(r.json().detail).toContain(
      `figures.outstanding: the proofs say ${att.figures.outstanding}, the summary says ${forged}`,
    );
  });

  it("refuses a forged breach bit on valid proofs with 409, naming the bit", async ({
    att,
    stored,
    analytics,
  }) => {
    const bit = await analytics(await stored((a) => (a.figures.breaches ^= 1 << 6)));
    expect(bit.statusCode).toBe(409);
    expect(bit.json().detail).toContain(
      `figures.breaches: the proofs say ${att.figures.breaches}, the summary says ${att.figures.breaches ^ 64} (bits that differ: 6 concentration)`,
    );
  });

  it("refuses broken proofs with forged figures, naming each proof", async ({ stored, analytics }) => {
    const broken = await analytics(
      await stored((a) => {
        for (const c of a.chunks) c.publicSignals[4] = String(BigInt(c.publicSignals[4]) + 1n);
        a.figures.outstanding = "1";
      }),
    );
    expect(broken.statusCode).toBe(409);
    expect(broken.json().detail).toContain(
      "chunk 0: the proof does not verify; chunk 1: the proof does not verify",
    );
  });

  it("refuses a stored document that is not an attestation, naming the field", async ({
    stored,
    analytics,
  }) => {
    const junk = await analytics(await stored((a) => delete a.format));
    expect(junk.statusCode).toBe(409);
    expect(junk.json().detail).toContain("attestation.format");
  });
});

describe.skipIf(!built)("POST /v1/verify", () => {
  it("names the key by the hash of its points and warns of development keys", async ({ t, att }) => {
    const c = att.chunks[0]!;
    const r = await t.req(t.keys.auditor, {
      method: "POST",
      url: "/v1/verify",
      // 12 loans: two committed chunks (issue 14), proven with the chunk commitment instance
      payload: { instance: att.instance, publicSignals: c.publicSignals, proof: c.proof },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      valid: true,
      instance: att.instance,
      vkeyHash: att.verificationKey!.hash,
      development: true,
      warning: DEVELOPMENT_KEY_WARNING,
    });
  });
});
