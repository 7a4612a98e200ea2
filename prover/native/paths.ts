/**
 * Where the native Groth16 prover is built (`prover/native/build.ts`, run by `npm install`) and found
 * (`prover/prove/native.ts`). The build output is local to the checkout and ignored by git.
 */
import { fileURLToPath } from "node:url";

/** Folder of the generated field code, objects and the binary. */
export const NATIVE_OUT_DIR = fileURLToPath(new URL("./out/", import.meta.url));

/** The prover binary (`rwa-groth16 prove …` / `rwa-groth16 serve <zkey>`). */
export const NATIVE_BINARY = fileURLToPath(new URL("./out/rwa-groth16", import.meta.url));

/** The C++ sources of this project (the rest comes from the ffiasm npm package). */
export const NATIVE_SRC_DIR = fileURLToPath(new URL("./src/", import.meta.url));
