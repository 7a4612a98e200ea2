/**
 * A build that fails part-way ends its process with the error instead of hanging: the development setup's
 * curve worker threads, started by an instance built before the failure, are released whatever happens
 * (pipeline/build.ts). The child builds the example circuit, then an instance whose template does not exist,
 * into a scratch build directory, and sets no explicit exit: it ends only if nothing is left running.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../pipeline/catalogue.ts";

const dir = mkdtempSync(join(tmpdir(), "rwa-build-failure-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const v of ["BuildFailureGoodVerifier.sol", "BuildFailureBrokenVerifier.sol"])
    rmSync(join(REPO_ROOT, "contracts", "verifiers", v), { force: true });
});

function runChild(instances: string): ReturnType<typeof spawnSync> {
  const script = join(dir, "child.ts");
  writeFileSync(
    script,
    `import { build } from ${JSON.stringify(join(REPO_ROOT, "pipeline/build.ts"))};
import { findInstance } from ${JSON.stringify(join(REPO_ROOT, "pipeline/catalogue.ts"))};
// Names of their own: a build writes its Solidity verifier into contracts/verifiers/ whatever the build
// directory, and the repository's example-multiplier verifier must stay the one of its own keys.
const good = { ...findInstance("example-multiplier"), name: "build-failure-good" };
const broken = { ...good, name: "build-failure-broken", template: "NoSuchTemplate" };
try {
  await build({ catalogue: [good, broken], only: ${instances}, skipHardhat: true, force: true, log: () => {} });
  console.log("built");
} catch (e) {
  console.error("failed: " + e.message.split("\\n")[0]);
  process.exitCode = 1;
}
`,
  );
  return spawnSync(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { ...process.env, RWA_ATTEST_BUILD_DIR: join(dir, "build") },
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("a build that fails part-way", () => {
  it("ends with the failure after an instance that built (its setup's threads released)", () => {
    const r = runChild(`["build-failure-good", "build-failure-broken"]`);
    expect(r.signal, "the process was still running at the timeout").toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^failed: /m);
  }, 300_000);

  it("its twin, the good instance alone, builds and ends", () => {
    const r = runChild(`["build-failure-good"]`);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^built$/m);
  }, 300_000);
});
