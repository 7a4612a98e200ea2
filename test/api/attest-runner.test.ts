/**
 * The attestation worker process: a request `attestPool` refuses comes back as an error naming the
 * original error; aborting kills the worker. (The full pool attestation over HTTP is in e2e.test.ts, run
 * once the pool circuit is built.)
 */
import { describe, expect, it } from "vitest";
import { formatTapeJson } from "../../prover/tape/index.ts";
import { generateOriginatorKey } from "../../prover/commitment/keys.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { forkAttestation, type AttestWorkerRequest } from "../../verifier-api/attest-runner.ts";
import { smallTape } from "./helpers.ts";
import { CodedError } from "../../verifier-api/web/errors.js";
import { permanentKind } from "../../verifier-api/jobs/runner.ts";

async function request(instance: string): Promise<AttestWorkerRequest> {
  const key = await generateOriginatorKey();
  return {
    tapeJson: formatTapeJson(smallTape(4)),
    policy: policyToJson(TEST_POLICY),
    privateKey: key.privateKey,
    publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
    chainId: "31337",
    registry: "0x" + "22".repeat(20),
    instance,
    seed: "12345",
    proverConcurrency: 1,
  };
}

describe("attestation worker", () => {
  it("reports attestPool's refusal as the coded error it was, code and problems kept", async () => {
    const err = await forkAttestation(
      await request("example-multiplier"),
      () => {},
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodedError);
    expect((err as CodedError).code).toBe("invalid-input");
    expect((err as CodedError).problems).toEqual([
      { field: "instance", reason: "example-multiplier is not a pool attestation circuit" },
    ]);
    expect((err as Error).message).toMatch(/not a pool attestation circuit/);
    expect(permanentKind(err)).toBe("invalid-input");
  });

  it("is killed when the job is aborted", async () => {
    const abort = new AbortController();
    const p = forkAttestation(await request("example-multiplier"), () => {}, abort.signal);
    abort.abort();
    await expect(p).rejects.toThrow(/aborted/);
  });
});
