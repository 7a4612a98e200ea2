/**
 * Cached circomlibjs primitives (Poseidon over BN254's scalar field, EdDSA-Poseidon on Baby Jubjub).
 * Building them compiles WebAssembly once; every caller shares the same instances.
 */
import { buildEddsa, buildPoseidon } from "circomlibjs";
import { SCALAR_FIELD } from "../../verifier-api/web/errors.js";

/** The BN254 scalar field modulus: every field element of the circuits is below it. */
export const FIELD_P = SCALAR_FIELD;

/** A synchronous Poseidon hash of 1 to 16 field elements. */
export type PoseidonFn = (inputs: readonly bigint[]) => bigint;

let poseidonPromise: Promise<PoseidonFn> | undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let eddsaPromise: Promise<any> | undefined;

/** Returns the shared Poseidon hash (circomlib's parameters, the same as the circuits'). */
export function getPoseidon(): Promise<PoseidonFn> {
  poseidonPromise ??= buildPoseidon().then((p) => {
    const fn: PoseidonFn = (inputs) => {
      if (inputs.length < 1 || inputs.length > 16)
        throw new RangeError(`Poseidon takes 1..16 inputs, not ${inputs.length}`);
      for (const x of inputs) {
        if (typeof x !== "bigint" || x < 0n || x >= FIELD_P)
          throw new RangeError(`Poseidon input ${String(x)} is not a field element`);
      }
      return p.F.toObject(p(inputs as bigint[])) as bigint;
    };
    return fn;
  });
  return poseidonPromise;
}

/** Returns the shared circomlibjs EdDSA instance (untyped; wrapped by keys.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getEddsa(): Promise<any> {
  eddsaPromise ??= buildEddsa();
  return eddsaPromise;
}
