import { defineConfig } from "vitest/config";

// Tests prove real circuits and run a real EVM: generous timeouts, and at most two files at a time
// because CI machines have two cores.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    teardownTimeout: 30_000,
  },
});
