/**
 * End to end over real HTTP: the server process (`verifier-api/server.ts`) on a random loopback port with
 * SQLite on disk. Upload and commit a tape, prove example-multiplier through a job, verify the proof with
 * the snarkjs command line and the calldata with the generated Solidity verifier; kill the server (SIGKILL)
 * in the middle of a proof and restart it to see the job finish; SIGTERM shuts down cleanly.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, loadCatalogue, pascalName } from "../../pipeline/catalogue.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { parseAttestation, verifyAttestation } from "../../prover/attest.ts";
import { policyToJson } from "../../prover/policy/index.ts";
import { TEST_POLICY } from "../support/policy.ts";
import { formatTapeCsv } from "../../prover/tape/index.ts";
import { ADMIN_KEY, smallTape } from "./helpers.ts";
import { NODE, callServer, ended, startServerProcess, waitForJob, type ServerProcess } from "./process.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "rwa-api-e2e-"));
const INSTANCE = "example-multiplier";

type Server = ServerProcess;
const startServer = (): Promise<Server> =>
  startServerProcess(dir, { RWA_API_JOB_LEASE_MS: "3000", RWA_API_SHUTDOWN_GRACE_MS: "10000" });
const call = callServer;
const waitJob = waitForJob;

// The smallest built pool attestation instance (test builds have pool-attestation-8).
const POOL = loadCatalogue()
  .filter((c) => c.template === "PoolAttestation" && readManifest().instances[c.name] !== undefined)
  .sort((a, b) => (a.params[0] ?? 0) - (b.params[0] ?? 0))[0];
const poolBuilt = POOL !== undefined;
if (!poolBuilt)
  console.warn("no pool attestation circuit is built: skipping the pool attestation end-to-end test");
const POOL_NAME = POOL?.name ?? "";
const POOL_CHUNK = POOL?.params[0] ?? 1;

let server: Server;
let origKey: string;
let audKey: string;

beforeAll(async () => {
  server = await startServer();
  origKey = (
    await call(server, ADMIN_KEY, "POST", "/v1/admin/api-keys", { role: "originator", owner: "orig-e2e" })
  ).body.key;
  audKey = (
    await call(server, ADMIN_KEY, "POST", "/v1/admin/api-keys", { role: "auditor", owner: "aud-e2e" })
  ).body.key;
});

afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    server.proc.kill("SIGTERM");
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("service end to end over HTTP", () => {
  it("uploads and commits a tape, then opens sampled loans for an auditor", async () => {
    const tape = smallTape(12, "e2e");
    const up = await call(server, origKey, "POST", "/v1/tapes", formatTapeCsv(tape), "text/csv");
    expect(up.status).toBe(201);
    const job = await call(server, origKey, "POST", `/v1/tapes/${up.body.id}/commitment`);
    expect(job.status).toBe(202);
    const done = await waitJob(server, origKey, job.body.id, ended);
    expect(done.state).toBe("succeeded");
    const open = await call(server, audKey, "POST", `/v1/tapes/${up.body.id}/openings`, {
      seed: "e2e-auditor-seed-0001",
      count: 2,
    });
    expect(open.status).toBe(200);
    expect(open.body.openings).toHaveLength(2);
    expect(open.body.root).toBe((done.result as { root: string }).root);
  });

  it("proves through a job; snarkjs's CLI and the Solidity verifier accept the proof, not a tampered one", async () => {
    const sub = await call(server, origKey, "POST", "/v1/proofs", {
      instance: INSTANCE,
      input: { a: 3, b: 11, c: 33 },
    });
    expect(sub.status).toBe(202);
    const j = await waitJob(server, origKey, sub.body.id, ended);
    expect(j.state).toBe("succeeded");
    const r = j.result as {
      proof: object;
      publicSignals: string[];
      calldata: { a: string[]; b: string[][]; c: string[]; pubSignals: string[] };
    };
    const vkey = (await call(server, null, "GET", `/v1/catalogue/${INSTANCE}`)).body.vkey;
    writeFileSync(join(dir, "vkey.json"), JSON.stringify(vkey));
    writeFileSync(join(dir, "proof.json"), JSON.stringify(r.proof));
    writeFileSync(join(dir, "public.json"), JSON.stringify(r.publicSignals));
    writeFileSync(join(dir, "public-bad.json"), JSON.stringify(["34"]));
    const snarkjs = join(REPO_ROOT, "node_modules", ".bin", "snarkjs");
    const ok = await run(NODE, [
      snarkjs,
      "groth16",
      "verify",
      join(dir, "vkey.json"),
      join(dir, "public.json"),
      join(dir, "proof.json"),
    ]);
    expect(ok.stdout).toContain("OK!");
    const bad = await run(NODE, [
      snarkjs,
      "groth16",
      "verify",
      join(dir, "vkey.json"),
      join(dir, "public-bad.json"),
      join(dir, "proof.json"),
    ]).then(
      (x) => x.stdout,
      (e: { stdout: string }) => e.stdout,
    );
    expect(bad).not.toContain("OK!");

    const { ethers } = await hre.network.connect();
    const verifier = await ethers.deployContract("ExampleMultiplierVerifier");
    const verifyProof = verifier.getFunction("verifyProof");
    const c = r.calldata;
    expect(await verifyProof(c.a, c.b, c.c, c.pubSignals)).toBe(true);
    expect(await verifyProof(c.a, c.b, c.c, ["34"])).toBe(false);

    const v = await call(server, audKey, "POST", "/v1/verify", {
      instance: INSTANCE,
      proof: r.proof,
      publicSignals: r.publicSignals,
    });
    expect(v.body.valid).toBe(true);
  });

  it.skipIf(!poolBuilt)(
    "attests a pool over HTTP; the chunk proofs verify off-chain, on-chain and as an attestation",
    async () => {
      const tape = smallTape(POOL_CHUNK + 3, "e2e-pool");
      const up = await call(server, origKey, "POST", "/v1/tapes", formatTapeCsv(tape), "text/csv");
      const commit = await call(server, origKey, "POST", `/v1/tapes/${up.body.id}/commitment`);
      expect((await waitJob(server, origKey, commit.body.id, ended)).state).toBe("succeeded");
      const registry = "0x" + "ab".repeat(20);
      const key = (
        await call(server, origKey, "GET", `/v1/originator/key?registry=${registry}&chainId=31337`)
      ).body;
      const sub = await call(server, origKey, "POST", "/v1/attestations", {
        tapeId: up.body.id,
        policy: policyToJson(TEST_POLICY),
        chainId: "31337",
        registry,
        instance: POOL_NAME,
      });
      expect(sub.status).toBe(202);
      const j = await waitJob(server, origKey, sub.body.id, ended, 600_000);
      expect(j.state).toBe("succeeded");
      const attId = (j.result as { attestationId: string }).attestationId;
      const att = (await call(server, audKey, "GET", `/v1/attestations/${attId}`)).body;
      const parsed = parseAttestation(JSON.stringify(att.data));
      expect(parsed.keyHash.toString()).toBe(key.keyHash);
      expect(parsed.chunkCount).toBe(2);
      expect(await verifyAttestation(parsed, TEST_POLICY)).toMatchObject({ valid: true, problems: [] });
      const listed = (await call(server, audKey, "GET", `/v1/attestations?poolId=42&period=202610`)).body
        .attestations;
      expect(listed.map((a: { id: string }) => a.id)).toContain(attId);

      // two chunks: committed (issue 14), its chunk proofs PoolChunkCommitment ones, plus the aggregation
      expect(parsed.aggregation).toBeDefined();
      const proofs = parsed.instance;
      const { ethers } = await hre.network.connect();
      const verifier = await ethers.deployContract(`${pascalName(proofs)}Verifier`);
      const verifyProof = verifier.getFunction("verifyProof");
      for (const chunk of parsed.chunks) {
        const v = await call(server, audKey, "POST", "/v1/verify", {
          instance: proofs,
          proof: chunk.proof,
          publicSignals: chunk.publicSignals,
        });
        expect(v.body.valid).toBe(true);
        const c = chunk.solidity;
        expect(await verifyProof(c.a, c.b, c.c, c.pubSignals)).toBe(true);
        const bad = [...c.pubSignals];
        bad[0] = (BigInt(bad[0]!) + 1n).toString();
        expect(await verifyProof(c.a, c.b, c.c, bad)).toBe(false);
      }
      const vkey = (await call(server, null, "GET", `/v1/catalogue/${proofs}`)).body.vkey;
      writeFileSync(join(dir, "pool-vkey.json"), JSON.stringify(vkey));
      writeFileSync(join(dir, "pool-proof.json"), JSON.stringify(parsed.chunks[0]!.proof));
      writeFileSync(join(dir, "pool-public.json"), JSON.stringify(parsed.chunks[0]!.publicSignals));
      const snarkjs = join(REPO_ROOT, "node_modules", ".bin", "snarkjs");
      const out = await run(NODE, [
        snarkjs,
        "groth16",
        "verify",
        join(dir, "pool-vkey.json"),
        join(dir, "pool-public.json"),
        join(dir, "pool-proof.json"),
      ]);
      expect(out.stdout).toContain("OK!");
    },
  );

  it("a job running when the server is killed finishes after a restart, proven once more, not twice", async () => {
    const sub = await call(server, origKey, "POST", "/v1/proofs", {
      instance: INSTANCE,
      input: { a: 5, b: 7, c: 35 },
    });
    await waitJob(server, origKey, sub.body.id, (j) => j.state === "running", 30_000);
    server.proc.kill("SIGKILL");
    await server.exited;
    server = await startServer();
    const j = await waitJob(server, origKey, sub.body.id, ended);
    expect(j.state).toBe("succeeded");
    expect(j.attempts).toBe(2);
    expect((j.result as { publicSignals: string[] }).publicSignals).toEqual(["35"]);
    // The same request again is the same job: nothing is proven twice.
    const again = await call(server, origKey, "POST", "/v1/proofs", {
      instance: INSTANCE,
      input: { a: 5, b: 7, c: 35 },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(sub.body.id);
  });

  it("SIGTERM lets the running job finish or hands it back, and exits 0", async () => {
    const sub = await call(server, origKey, "POST", "/v1/proofs", {
      instance: INSTANCE,
      input: { a: 7, b: 9, c: 63 },
    });
    await waitJob(server, origKey, sub.body.id, (j) => j.state !== "accepted", 30_000);
    server.proc.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    server = await startServer();
    const j = await waitJob(server, origKey, sub.body.id, ended);
    expect(j.state).toBe("succeeded");
    expect(j.attempts).toBe(1);
  });
});
