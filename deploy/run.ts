/**
 * Deploys the on-chain side to a JSON-RPC network and prints the addresses as JSON.
 *
 *   DEPLOYER_KEY=0x... node deploy/run.ts --rpc http://127.0.0.1:8545 \
 *     --verifier PoolAttestation64Verifier=pool-attestation-64 [--asset 0x...] [--out deployment.json] \
 *     [--score-verifier ScoreBacking64Verifier=score-backing-64 [--max-score-age-days 30]] \
 *     [--audit-seeds-delay 5] [--allow-development-keys-on-real-chain]
 *
 * Verifiers of development keys are refused on any chain but a local development chain (31337, 1337) unless
 * --allow-development-keys-on-real-chain is given (then with a warning): import a ceremony key first.
 * With --score-verifier the score side (provider registry, score attestations) is deployed too.
 * Without --asset a test stablecoin is deployed (demo and local networks only). Run `npx hardhat build` first.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { DevelopmentKeysError, deploySystem } from "./index.ts";
import { invalid } from "../verifier-api/web/errors.js";

const { values } = parseArgs({
  options: {
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    verifier: { type: "string", multiple: true, default: [] },
    asset: { type: "string" },
    out: { type: "string" },
    "score-verifier": { type: "string", multiple: true, default: [] },
    "max-score-age-days": { type: "string" },
    "audit-seeds-delay": { type: "string" },
    "allow-development-keys-on-real-chain": { type: "boolean", default: false },
  },
});
const pairs = (flag: string, list: string[]): [string, string][] =>
  list.map((v) => {
    const [contract, name] = v.split("=");
    if (!contract || !name) throw invalid(`--${flag}`, `expected Contract=circuit-name, got ${v}`);
    return [contract, name];
  });
const int = (flag: string, v: string | undefined, max: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) > max) throw invalid(`--${flag}`, `expected 0..${max}, got ${v}`);
  return Number(v);
};
const key = process.env.DEPLOYER_KEY;
if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  console.error("DEPLOYER_KEY: expected a 32-byte hex private key in the environment");
  process.exit(2);
}
const verifiers = pairs("verifier", values.verifier);
const scoreVerifiers = pairs("score-verifier", values["score-verifier"]);
const maxScoreAgeDays = int("max-score-age-days", values["max-score-age-days"], 65_535);
const auditSeedsDelay = int("audit-seeds-delay", values["audit-seeds-delay"], 200);
// NonceManager: nonces are counted locally, so back-to-back transactions never reuse one.
const signer = new NonceManager(new Wallet(key, new JsonRpcProvider(values.rpc)));
const addresses = await deploySystem(signer, {
  verifiers,
  asset: values.asset,
  ...(scoreVerifiers.length > 0 ? { scores: { verifiers: scoreVerifiers, maxScoreAgeDays } } : {}),
  auditSeedsDelay,
  keys: { allowDevelopmentKeysOnRealChain: values["allow-development-keys-on-real-chain"] },
}).catch((err: unknown) => {
  if (!(err instanceof DevelopmentKeysError)) throw err;
  console.error(err.message);
  process.exit(1);
});
const json = JSON.stringify(addresses, null, 2);
if (values.out) writeFileSync(values.out, json + "\n");
console.log(json);
