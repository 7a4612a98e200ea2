/**
 * End to end over real HTTP: the server process (`verifier-api/server.ts`) on a random loopback port with
 * SQLite on disk. Upload and commit a tape, prove example-multiplier through a job, verify the proof with
 * the snarkjs command line and the calldata with the generated Solidity verifier; kill the server (SIGKILL)
 * in the middle of a proof and restart it to see the job finish; SIGTERM shuts down cleanly.
 *
 * One claim per test. Each test gets its fixtures from `it`'s context, all once per file (the tests only
 * read them): a server with an originator's and an auditor's key, a committed tape opened for the auditor,
 * a proof job with the files the snarkjs command line reads and the Solidity verifier, a pool attestation,
 * and two servers of their own, one killed in the middle of a proof and one stopped with SIGTERM, each
 * restarted.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import hre from "hardhat";
import { describe, expect, test } from "vitest";
import type { Contract } from "ethers";
import { REPO_ROOT, loadCatalogue, pascalName } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { parseAttestation, verifyAttestation, type Attestation } from "../../prover/attest.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { formatTapeCsv } from "../../prover/tape/index.ts";
import { ADMIN_KEY, smallTape } from "./helpers.ts";
import { NODE, callServer, ended, startServerProcess, waitForJob, type ServerProcess } from "./process.ts";

const run = promisify(execFile);
const INSTANCE = "example-multiplier";
const SNARKJS = join(REPO_ROOT, "node_modules", ".bin", "snarkjs");
const call = callServer;
const waitJob = waitForJob;

// The smallest built pool attestation instance (test builds have pool-attestation-8).
const POOL = loadCatalogue()
  .filter((c) => c.template === "PoolAttestation" && readManifest().instances[c.name] !== undefined)
  .sort((a, b) => (a.params[0] ?? 0) - (b.params[0] ?? 0))[0];
const poolBuilt = POOL !== undefined;
if (!poolBuilt)
  console.warn("no pool attestation circuit is built: skipping the pool attestation end-to-end tests");
const POOL_NAME = POOL?.name ?? "";
const POOL_CHUNK = POOL?.params[0] ?? 1;

/** A server process on a data directory of its own, with an originator's and an auditor's key. */
interface Served {
  dir: string;
  server: ServerProcess;
  origKey: string;
  audKey: string;
  /** Starts the server again on the same directory (after the test stopped it). */
  restart(): Promise<void>;
}

async function serve(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "rwa-api-e2e-"));
  const start = () =>
    startServerProcess(dir, { RWA_API_JOB_LEASE_MS: "3000", RWA_API_SHUTDOWN_GRACE_MS: "10000" });
  const server = await start();
  const issue = async (role: string, owner: string): Promise<string> =>
    (await call(server, ADMIN_KEY, "POST", "/v1/admin/api-keys", { role, owner })).body.key;
  const s: Served = {
    dir,
    server,
    origKey: await issue("originator", "orig-e2e"),
    audKey: await issue("auditor", "aud-e2e"),
    async restart() {
      s.server = await start();
    },
  };
  return s;
}

async function stop(s: Served): Promise<void> {
  if (s.server.proc.exitCode === null) {
    s.server.proc.kill("SIGTERM");
    await s.server.exited;
  }
  rmSync(s.dir, { recursive: true, force: true });
}

/** The snarkjs command line's `groth16 verify` of files in `dir`: its stdout. */
const snarkjsVerify = (dir: string, vkey: string, pub: string, proof: string): Promise<string> =>
  run(NODE, [SNARKJS, "groth16", "verify", join(dir, vkey), join(dir, pub), join(dir, proof)]).then(
    (x) => x.stdout,
    (e: { stdout: string }) => e.stdout,
  );

/** A generated verifier deployed on the test network: its `verifyProof` (an object: a fixture is no function). */
interface Verifier {
  verifyProof: ReturnType<Contract["getFunction"]>;
}

async function deployed(name: string): Promise<Verifier> {
  const { ethers } = await hre.network.connect();
  return { verifyProof: (await ethers.deployContract(name)).getFunction("verifyProof") };
}

interface ProofResult {
  proof: object;
  publicSignals: string[];
  calldata: { a: string[]; b: string[][]; c: string[]; pubSignals: string[] };
}

/** A job of `s`'s originator for `input`, with the server stopped by `signal` once `when` holds, restarted. */
async function interrupted(
  s: Served,
  input: object,
  when: (j: Record<string, unknown>) => boolean,
  signal: NodeJS.Signals,
): Promise<{ id: string; exitCode: number | null; job: Record<string, unknown> }> {
  const sub = await call(s.server, s.origKey, "POST", "/v1/proofs", { instance: INSTANCE, input });
  await waitJob(s.server, s.origKey, sub.body.id, when, 30_000);
  s.server.proc.kill(signal);
  const exitCode = await s.server.exited;
  await s.restart();
  return { id: sub.body.id, exitCode, job: await waitJob(s.server, s.origKey, sub.body.id, ended) };
}

const it = test.extend<{
  /** The server the tests read through. */
  s: Served;
  /** A CSV tape of 12 loans uploaded, committed and opened (2 loans) for the auditor: the answers. */
  tape: {
    upload: { status: number; body: Record<string, unknown> };
    commit: { status: number };
    job: Record<string, unknown>;
    open: { status: number; body: { root: string; openings: unknown[] } };
  };
  /** A proof job of 3 × 11 = 33: the submission's status and the ended job. */
  proved: { status: number; job: Record<string, unknown>; result: ProofResult };
  /** The vkey, proof, signals and another signal written to `s.dir` for the snarkjs command line. */
  cliFiles: void;
  /** The generated Solidity verifier of example-multiplier, deployed. */
  solidity: Verifier;
  /** A pool attestation made over HTTP in the registry's domain, and the originator's key for that domain. */
  pool: { status: number; job: Record<string, unknown>; attId: string; parsed: Attestation; keyHash: string };
  /** The Solidity verifier of the pool attestation's chunk proofs, deployed. */
  poolSolidity: Verifier;
  /** A server of its own killed (SIGKILL) in the middle of a proof of 5 × 7 and restarted: its job. */
  killed: { s: Served; id: string; job: Record<string, unknown> };
  /** A server of its own stopped (SIGTERM) in a proof of 7 × 9 and restarted: its exit code and job. */
  terminated: { exitCode: number | null; job: Record<string, unknown> };
}>({
  s: [
    async ({}, use) => {
      const s = await serve();
      await use(s);
      await stop(s);
    },
    { scope: "file" },
  ],
  tape: [
    async ({ s }, use) => {
      const upload = await call(
        s.server,
        s.origKey,
        "POST",
        "/v1/tapes",
        formatTapeCsv(smallTape(12, "e2e")),
        "text/csv",
      );
      const commit = await call(s.server, s.origKey, "POST", `/v1/tapes/${upload.body.id}/commitment`);
      const job = await waitJob(s.server, s.origKey, commit.body.id, ended);
      const open = await call(s.server, s.audKey, "POST", `/v1/tapes/${upload.body.id}/openings`, {
        seed: "e2e-auditor-seed-0001",
        count: 2,
      });
      await use({
        upload,
        commit,
        job,
        open: open as { status: number; body: { root: string; openings: unknown[] } },
      });
    },
    { scope: "file" },
  ],
  proved: [
    async ({ s }, use) => {
      const sub = await call(s.server, s.origKey, "POST", "/v1/proofs", {
        instance: INSTANCE,
        input: { a: 3, b: 11, c: 33 },
      });
      const job = await waitJob(s.server, s.origKey, sub.body.id, ended);
      await use({ status: sub.status, job, result: job.result as ProofResult });
    },
    { scope: "file" },
  ],
  cliFiles: [
    async ({ s, proved }, use) => {
      const vkey = (await call(s.server, null, "GET", `/v1/catalogue/${INSTANCE}`)).body.vkey;
      writeFileSync(join(s.dir, "vkey.json"), JSON.stringify(vkey));
      writeFileSync(join(s.dir, "proof.json"), JSON.stringify(proved.result.proof));
      writeFileSync(join(s.dir, "public.json"), JSON.stringify(proved.result.publicSignals));
      writeFileSync(join(s.dir, "public-bad.json"), JSON.stringify(["34"]));
      await use();
    },
    { scope: "file" },
  ],
  solidity: [async ({}, use) => use(await deployed("ExampleMultiplierVerifier")), { scope: "file" }],
  pool: [
    async ({ s }, use) => {
      const up = await call(
        s.server,
        s.origKey,
        "POST",
        "/v1/tapes",
        formatTapeCsv(smallTape(POOL_CHUNK + 3, "e2e-pool")),
        "text/csv",
      );
      const commit = await call(s.server, s.origKey, "POST", `/v1/tapes/${up.body.id}/commitment`);
      const committed = await waitJob(s.server, s.origKey, commit.body.id, ended);
      if (committed.state !== "succeeded")
        throw new Error(`the commitment failed: ${JSON.stringify(committed)}`);
      const registry = "0x" + "ab".repeat(20);
      const key = (
        await call(s.server, s.origKey, "GET", `/v1/originator/key?registry=${registry}&chainId=31337`)
      ).body;
      const sub = await call(s.server, s.origKey, "POST", "/v1/attestations", {
        tapeId: up.body.id,
        policy: policyToJson(TEST_POLICY),
        chainId: "31337",
        registry,
        instance: POOL_NAME,
      });
      const job = await waitJob(s.server, s.origKey, sub.body.id, ended, 600_000);
      const attId = (job.result as { attestationId: string } | null)?.attestationId ?? "";
      const att = (await call(s.server, s.audKey, "GET", `/v1/attestations/${attId}`)).body;
      await use({
        status: sub.status,
        job,
        attId,
        parsed: parseAttestation(JSON.stringify(att.data)),
        keyHash: key.keyHash,
      });
    },
    { scope: "file" },
  ],
  poolSolidity: [
    async ({ pool }, use) => use(await deployed(`${pascalName(pool.parsed.instance)}Verifier`)),
    { scope: "file" },
  ],
  killed: [
    async ({}, use) => {
      const s = await serve();
      const { id, job } = await interrupted(
        s,
        { a: 5, b: 7, c: 35 },
        (j) => j.state === "running",
        "SIGKILL",
      );
      await use({ s, id, job });
      await stop(s);
    },
    { scope: "file" },
  ],
  terminated: [
    async ({}, use) => {
      const s = await serve();
      const { exitCode, job } = await interrupted(
        s,
        { a: 7, b: 9, c: 63 },
        (j) => j.state !== "accepted",
        "SIGTERM",
      );
      await use({ exitCode, job });
      await stop(s);
    },
    { scope: "file" },
  ],
});

describe("a tape over HTTP", () => {
  it("accepts a CSV tape upload", ({ tape }) => {
    expect(tape.upload.status).toBe(201);
  });

  it("commits the tape through a job", ({ tape }) => {
    expect(tape.commit.status).toBe(202);
    expect(tape.job.state).toBe("succeeded");
  });

  it("opens the loans sampled for an auditor under the commitment's root", ({ tape }) => {
    expect(tape.open.status).toBe(200);
    expect(tape.open.body.openings).toHaveLength(2);
    expect(tape.open.body.root).toBe((tape.job.result as { root: string }).root);
  });
});

describe("a proof over HTTP", () => {
  it("proves through a job", ({ proved }) => {
    expect(proved.status).toBe(202);
    expect(proved.job.state).toBe("succeeded");
  });

  it("snarkjs's command line accepts the proof", async ({ s, cliFiles: _ }) => {
    expect(await snarkjsVerify(s.dir, "vkey.json", "public.json", "proof.json")).toContain("OK!");
  });

  it("snarkjs's command line refuses the proof of another signal", async ({ s, cliFiles: _ }) => {
    expect(await snarkjsVerify(s.dir, "vkey.json", "public-bad.json", "proof.json")).not.toContain("OK!");
  });

  it("the Solidity verifier accepts the calldata", async ({ proved, solidity }) => {
    const c = proved.result.calldata;
    expect(await solidity.verifyProof(c.a, c.b, c.c, c.pubSignals)).toBe(true);
  });

  it("the Solidity verifier refuses the calldata with another signal", async ({ proved, solidity }) => {
    const c = proved.result.calldata;
    expect(await solidity.verifyProof(c.a, c.b, c.c, ["34"])).toBe(false);
  });

  it("the service verifies the proof for an auditor", async ({ s, proved }) => {
    const v = await call(s.server, s.audKey, "POST", "/v1/verify", {
      instance: INSTANCE,
      proof: proved.result.proof,
      publicSignals: proved.result.publicSignals,
    });
    expect(v.body.valid).toBe(true);
  });
});

describe.skipIf(!poolBuilt)("a pool attestation over HTTP", () => {
  it("attests a pool through a job", ({ pool }) => {
    expect(pool.status).toBe(202);
    expect(pool.job.state).toBe("succeeded");
  });

  it("the attestation carries the originator's key hash in the registry's domain", ({ pool }) => {
    expect(pool.parsed.keyHash.toString()).toBe(pool.keyHash);
  });

  it("the attestation verifies under the policy", async ({ pool }) => {
    expect(await verifyAttestation(pool.parsed, TEST_POLICY)).toMatchObject({ valid: true, problems: [] });
  });

  it("the attestation is listed by pool and period", async ({ s, pool }) => {
    const listed = (await call(s.server, s.audKey, "GET", `/v1/attestations?poolId=42&period=202610`)).body
      .attestations;
    expect(listed.map((a: { id: string }) => a.id)).toContain(pool.attId);
  });

  it("a tape of two chunks is committed (issue 14): two chunk proofs and the aggregation", ({ pool }) => {
    expect(pool.parsed.chunkCount).toBe(2);
    expect(pool.parsed.aggregation).toBeDefined();
  });

  it("the service verifies each chunk proof", async ({ s, pool }) => {
    for (const chunk of pool.parsed.chunks) {
      const v = await call(s.server, s.audKey, "POST", "/v1/verify", {
        instance: pool.parsed.instance,
        proof: chunk.proof,
        publicSignals: chunk.publicSignals,
      });
      expect(v.body.valid).toBe(true);
    }
  });

  it("the Solidity verifier accepts each chunk proof", async ({ pool, poolSolidity }) => {
    for (const { solidity: c } of pool.parsed.chunks)
      expect(await poolSolidity.verifyProof(c.a, c.b, c.c, c.pubSignals)).toBe(true);
  });

  it("the Solidity verifier refuses each chunk proof with its first signal changed", async ({
    pool,
    poolSolidity,
  }) => {
    for (const { solidity: c } of pool.parsed.chunks) {
      const bad = [...c.pubSignals];
      bad[0] = (BigInt(bad[0]!) + 1n).toString();
      expect(await poolSolidity.verifyProof(c.a, c.b, c.c, bad)).toBe(false);
    }
  });

  it("snarkjs's command line accepts a chunk proof", async ({ s, pool }) => {
    const vkey = (await call(s.server, null, "GET", `/v1/catalogue/${pool.parsed.instance}`)).body.vkey;
    writeFileSync(join(s.dir, "pool-vkey.json"), JSON.stringify(vkey));
    writeFileSync(join(s.dir, "pool-proof.json"), JSON.stringify(pool.parsed.chunks[0]!.proof));
    writeFileSync(join(s.dir, "pool-public.json"), JSON.stringify(pool.parsed.chunks[0]!.publicSignals));
    expect(await snarkjsVerify(s.dir, "pool-vkey.json", "pool-public.json", "pool-proof.json")).toContain(
      "OK!",
    );
  });
});

describe("a server killed in the middle of a proof (SIGKILL) and restarted", () => {
  it("finishes the job", ({ killed }) => {
    expect(killed.job.state).toBe("succeeded");
  });

  it("proves it once more, not twice", ({ killed }) => {
    expect(killed.job.attempts).toBe(2);
  });

  it("answers the job's proof", ({ killed }) => {
    expect((killed.job.result as { publicSignals: string[] }).publicSignals).toEqual(["35"]);
  });

  it("answers the same request again with the same job: nothing is proven twice", async ({ killed: k }) => {
    const again = await call(k.s.server, k.s.origKey, "POST", "/v1/proofs", {
      instance: INSTANCE,
      input: { a: 5, b: 7, c: 35 },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(k.id);
  });
});

describe("a server stopped with SIGTERM in a job and restarted", () => {
  it("exits 0", ({ terminated }) => {
    expect(terminated.exitCode).toBe(0);
  });

  it("lets the running job finish or hands it back: it succeeds in one attempt", ({ terminated }) => {
    expect(terminated.job.state).toBe("succeeded");
    expect(terminated.job.attempts).toBe(1);
  });
});
