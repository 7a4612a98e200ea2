import { createRequire } from "node:module";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/**
 * Solidity is compiled offline with the soljson.js shipped in the pinned `solc` npm package:
 * Hardhat never downloads a compiler. The version here must match package.json's `solc`.
 */
export default defineConfig({
  plugins: [hardhatEthers],
  solidity: {
    profiles: {
      default: {
        version: "0.8.28",
        path: require.resolve("solc/soljson.js"),
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
      },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { solidity: "./test/solidity" },
    cache: "./cache",
    artifacts: "./artifacts",
  },
  // Solidity tests (test/solidity, `npx hardhat test solidity`): the default profile is CI-sized (npm test);
  // `--test-profile bench` runs every property at least 1,000 times (docs/BENCHMARKS.md).
  test: {
    solidity: {
      profiles: {
        default: { fuzz: { runs: 64, seed: "0x13" }, invariant: { runs: 24, depth: 40 } },
        bench: { fuzz: { runs: 1_000, seed: "0x13" }, invariant: { runs: 1_000, depth: 40 } },
      },
    },
  },
});
