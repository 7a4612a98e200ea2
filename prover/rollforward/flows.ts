/** The flow word of a slot: a record's period fields (docs/TAPE.md) packed as FLOW_WORD (layout.ts). */
import { periodFlows, type LoanRecord } from "../tape/schema.ts";
import { FLOW_WORD, packWord } from "./layout.ts";

/** The flow word of a record (its period fields, defaults for absent ones); 0 for an empty slot. */
export function packFlows(r: LoanRecord | undefined): bigint {
  if (r === undefined) return 0n;
  const f = periodFlows(r);
  const adj = f.principalAdjustment;
  return packWord(FLOW_WORD, {
    principalCollected: f.principalCollected,
    interestCollected: f.interestCollected,
    recoveries: f.recoveries,
    adjustmentMagnitude: adj < 0n ? -adj : adj,
    adjustmentNegative: adj < 0n ? 1n : 0n,
    adjustmentReason: BigInt(f.adjustmentReason),
    exitCode: BigInt(f.exitCode),
    exitDate: BigInt(f.exitDate),
    modified: f.modified ? 1n : 0n,
  });
}
