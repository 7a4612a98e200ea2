/**
 * The policy the tests prove their tapes under: the default policy (prover/policy) with the minimum pool size
 * lowered to one active loan. The tests' tapes are 8 to 40 loans, so that a proof takes seconds, and many are
 * below the default minimum of 10 active loans; the minimum itself is tested against the default policy
 * (test/circuits/min-pool.test.ts: the circuits and the prover; test/cli/tapes.test.ts: the command line).
 * The benchmarks prove their one-chunk pools of 8 loans under it too: the minimum does not change any cost.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_POLICY, policyToJson, type Policy } from "../../prover/policy/index.ts";

export const TEST_POLICY: Readonly<Policy> = Object.freeze({ ...DEFAULT_POLICY, minActiveLoans: 1 });

/** Writes TEST_POLICY as a policy file (`--policy`) into `dir`; returns its name. */
export function writeTestPolicy(dir: string, name = "test-policy.json"): string {
  writeFileSync(join(dir, name), JSON.stringify({ name: "tests", ...policyToJson(TEST_POLICY) }, null, 2));
  return name;
}
