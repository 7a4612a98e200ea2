/**
 * Deploys the on-chain side to a JSON-RPC network and prints the addresses as JSON.
 *
 *   DEPLOYER_KEY=0x... node deploy/run.ts --rpc http://127.0.0.1:8545 \
 *     --verifier PoolAttestation16Verifier=pool-attestation-16 [--asset 0x...] [--out deployment.json]
 *
 * Without --asset a test stablecoin is deployed (demo and local networks only). Run `npx hardhat build` first.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { deploySystem } from "./index.ts";

const { values } = parseArgs({
  options: {
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    verifier: { type: "string", multiple: true, default: [] },
    asset: { type: "string" },
    out: { type: "string" },
  },
});
const key = process.env.DEPLOYER_KEY;
if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  console.error("DEPLOYER_KEY: expected a 32-byte hex private key in the environment");
  process.exit(2);
}
const verifiers = values.verifier.map((v) => {
  const [contract, name] = v.split("=");
  if (!contract || !name) throw new TypeError(`--verifier: expected Contract=circuit-name, got ${v}`);
  return [contract, name] as [string, string];
});
// NonceManager: nonces are counted locally, so back-to-back transactions never reuse one.
const signer = new NonceManager(new Wallet(key, new JsonRpcProvider(values.rpc)));
const addresses = await deploySystem(signer, { verifiers, asset: values.asset });
const json = JSON.stringify(addresses, null, 2);
if (values.out) writeFileSync(values.out, json + "\n");
console.log(json);
