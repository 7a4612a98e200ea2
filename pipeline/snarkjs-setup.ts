/**
 * The reference development setup done entirely with snarkjs's own commands (powers of tau new →
 * contribute → prepare phase 2 → zkey new → contribute). It is slow (prepare phase 2 does a group FFT), so
 * the build uses `ceremony/`'s fast path by default; this one stays as the independent reference
 * (`npm run build -- --setup snarkjs`).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SetupProvider } from "./build.ts";

export function snarkjsSetup(): SetupProvider {
  return {
    development: true,
    codeHash: () => "snarkjs-reference-v1",
    async ensurePtau(power, { cacheDir }) {
      const snarkjs = await import("snarkjs");
      const { getCurveFromName } = await import("ffjavascript");
      mkdirSync(cacheDir, { recursive: true });
      const final = join(cacheDir, `snarkjs-dev-${power}.ptau`);
      if (existsSync(final)) return final;
      const curve = await getCurveFromName("bn128");
      const tmp = join(cacheDir, `snarkjs-dev-${power}.${process.pid}`);
      await snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0.ptau`);
      await snarkjs.powersOfTau.contribute(
        `${tmp}.0.ptau`,
        `${tmp}.1.ptau`,
        "rwa-attest development",
        randomBytes(32).toString("hex"),
      );
      await snarkjs.powersOfTau.preparePhase2(`${tmp}.1.ptau`, `${tmp}.2.ptau`);
      renameSync(`${tmp}.2.ptau`, final);
      rmSync(`${tmp}.0.ptau`);
      rmSync(`${tmp}.1.ptau`);
      return final;
    },
    async createZkey(r1cs, ptau, zkey) {
      const snarkjs = await import("snarkjs");
      const init = `${zkey}.init`;
      await snarkjs.zKey.newZKey(r1cs, ptau, init);
      await snarkjs.zKey.contribute(init, zkey, "rwa-attest development", randomBytes(32).toString("hex"));
      rmSync(init);
    },
  };
}
