/**
 * What issue 14 says must never leave the originator of a multi-chunk pool: each chunk's figures and figure
 * words. The search helpers of the "nowhere" tests (the attestation file, calldata, events and storage in
 * test/contracts/committed-attestation.test.ts; every API response in test/api/no-chunk-figures.test.ts).
 */
import { packFigures, type Figures } from "../../prover/model/index.ts";

/** Every figure value of a chunk that is not also a pool figure, and the chunk's three figure words. */
export function secretsOf(chunk: Figures, pool: Figures): bigint[] {
  const words = packFigures(chunk);
  const poolValues = new Set(
    [...Object.values(pool), ...Object.values(packFigures(pool))].map((v) => BigInt(v)),
  );
  // small values (counts, scores, bits, an empty word) are not identifying; amounts and words are
  return [words.figA, words.figB, words.figC, ...Object.values(chunk).map((v) => BigInt(v))].filter(
    (v) => v >= 1_000n && !poolValues.has(v),
  );
}

/** Every value (as a string) anywhere in a JSON document. */
export function leaves(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) leaves(x, out);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) leaves(x, out);
  else out.push(String(v));
  return out;
}
