/**
 * The job kinds, each declared once (`defineJob` of `registry.ts`: name, input schema from `inputs.ts`,
 * handler receiving the checked input): `proof` (any catalogue instance, e.g. `example-multiplier`),
 * `commitment` (commit to an uploaded tape), `attestation` (the pool attestation through
 * `prover/attest.ts`'s `attestPool`, registered only when that module exists) and `scores` (the
 * score-backing proofs of an attestation's chunks from a provider's signed batches).
 */
import { parseAttestation } from "../../prover/index.ts";
import { generateOriginatorKey, type OriginatorKey } from "../../prover/index.ts";
import { scorePoolWord } from "../../prover/index.ts";
import type { LoanOpeningJson } from "../../prover/index.ts";
import { randomFieldElement } from "../../prover/index.ts";
import type { Groth16Proof } from "snarkjs";
import { toSolidityProof } from "../../prover/index.ts";
import type { Services } from "../services.ts";
import { chunkSetup } from "../attest-chunks.ts";
import { forkProof, forkScores, type AttestRunner } from "../attest-runner.ts";
import { decrypt, encrypt, newId } from "../crypto.ts";
import { PermanentJobError, type JobContext } from "./runner.ts";
import { defineJob } from "./registry.ts";
import { AttestationJobInput, CommitmentJobInput, ProofJobInput, ScoresJobInput } from "./inputs.ts";
import type { ComputeRequest } from "../compute.ts";
import type { BatchProblem, ScoreRequestJson, SignedBatchJson } from "../scores.ts";
import type { TapeRecord } from "../storage/types.ts";

export const tapeAad = (t: Pick<TapeRecord, "id" | "owner">): string => `tape:${t.id}:${t.owner}`;
const seedAad = (t: Pick<TapeRecord, "id" | "owner">): string => `tape-salt-seed:${t.id}:${t.owner}`;

/** What the service stores as a tape's commitment: the public summary and the encrypted salt seed. */
export interface StoredCommitment {
  root: string;
  loanCount: number;
  chunkSize: number;
  chunkCount: number;
  chunkRoots: string[][];
  /** base64 AES-256-GCM ciphertext of the salt seed (decimal field element). */
  saltSeed: string;
}

/** The service-held signing key of an originator, made on first use (private key encrypted at rest). */
export async function originatorKey(s: Services, owner: string): Promise<OriginatorKey> {
  const aad = `originator-key:${owner}`;
  let rec = await s.storage.getOriginatorKey(owner);
  if (!rec) {
    const k = await generateOriginatorKey();
    rec = await s.storage.insertOriginatorKey({
      owner,
      publicKey: [k.publicKey[0].toString(), k.publicKey[1].toString()],
      privateKeyCiphertext: encrypt(s.config.tapeKey, Buffer.from(k.privateKey), aad),
      createdAt: Date.now(),
    });
  }
  const publicKey = [BigInt(rec.publicKey[0]), BigInt(rec.publicKey[1])] as const;
  return {
    privateKey: new Uint8Array(decrypt(s.config.tapeKey, rec.privateKeyCiphertext, aad)),
    publicKey,
  };
}

/** Why another originator may not use a pool id (the owner is not named: originators never see each other). */
export const poolOwnedMessage = (poolId: string): string =>
  `pool ${poolId} belongs to another originator (the first to commit a tape of it or request its ` +
  "attestation); a pool's commitments and attestations are its owner's alone, as in the registry";

/**
 * Claims `poolId` for `owner` (the first originator to use a pool id owns it, atomically on both stores);
 * the refusal's message when another originator owns it, undefined when the pool is the caller's.
 */
export async function claimPool(s: Services, poolId: string, owner: string): Promise<string | undefined> {
  const pool = await s.storage.claimPool(poolId, owner, Date.now());
  return pool.owner === owner ? undefined : poolOwnedMessage(poolId);
}

/** The salt seed of a committed tape. */
function saltSeed(s: Services, t: TapeRecord): bigint {
  const c = t.commitment as StoredCommitment;
  return BigInt(decrypt(s.config.tapeKey, Buffer.from(c.saltSeed, "base64"), seedAad(t)).toString("utf8"));
}

/**
 * Opens loans of a committed tape (in the openings lane of the compute workers), checking the rebuilt root
 * against the stored one; the work is killed if `signal` aborts.
 */
export async function openTapeLoans(
  s: Services,
  t: TapeRecord,
  indices: number[],
  signal?: AbortSignal,
): Promise<LoanOpeningJson[]> {
  const c = t.commitment as StoredCommitment;
  const r = await s.compute.run(
    {
      op: "open",
      tapeJson: decrypt(s.config.tapeKey, t.ciphertext, tapeAad(t)).toString("utf8"),
      cacheKey: `${t.id}:${t.sha256}`,
      seed: saltSeed(s, t).toString(),
      chunkSize: c.chunkSize,
      indices,
    },
    signal,
  );
  if (r.root !== c.root) throw new Error(`tape ${t.id}: recomputed root differs from the stored one`);
  return r.openings;
}

/** Every chunk's score request of a committed tape for chunks of `scoreChunkSize` (in the compute worker). */
export async function tapeScoreRequests(
  s: Services,
  t: TapeRecord,
  scoreChunkSize: number,
  signal?: AbortSignal,
): Promise<ScoreRequestJson[]> {
  const r = await runOnCommitment(s, t, { op: "score-requests", scoreChunkSize }, signal);
  return r.scoreRequests ?? [];
}

/**
 * Checks the provider's signed batches (one per chunk of `scoreChunkSize`) against the committed tape's
 * requests, in the compute worker; returns the batches that do not hold.
 */
export async function checkTapeScoreBatches(
  s: Services,
  t: TapeRecord,
  scoreChunkSize: number,
  providerPublicKey: [string, string],
  batches: SignedBatchJson[],
  signal?: AbortSignal,
): Promise<BatchProblem[]> {
  const r = await runOnCommitment(
    s,
    t,
    { op: "score-check", scoreChunkSize, providerPublicKey, batches },
    signal,
  );
  return r.batchProblems ?? [];
}

async function runOnCommitment(
  s: Services,
  t: TapeRecord,
  extra: Pick<ComputeRequest, "op" | "scoreChunkSize" | "providerPublicKey" | "batches">,
  signal?: AbortSignal,
) {
  const c = t.commitment as StoredCommitment;
  const r = await s.compute.run(
    {
      tapeJson: decrypt(s.config.tapeKey, t.ciphertext, tapeAad(t)).toString("utf8"),
      cacheKey: `${t.id}:${t.sha256}`,
      seed: saltSeed(s, t).toString(),
      chunkSize: c.chunkSize,
      ...extra,
    },
    signal,
  );
  if (r.root !== c.root) throw new Error(`tape ${t.id}: recomputed root differs from the stored one`);
  return r;
}

async function loadTape(s: Services, ctx: JobContext, id: string): Promise<TapeRecord> {
  const t = await ctx.save(() => s.storage.getTape(id));
  if (!t) throw new PermanentJobError("not-found", `tape ${id} does not exist`);
  return t;
}

export const proofJob = (s: Services) =>
  defineJob("proof", ProofJobInput, async ({ instance, input }, _job, ctx) => {
    const r = await forkProof(
      { instance, input, nice: s.config.workerNice },
      (fraction, stage) => ctx.progress(fraction, stage),
      ctx.signal,
    );
    const proof = r.proof as Groth16Proof;
    return {
      instance,
      proof,
      publicSignals: r.publicSignals,
      calldata: toSolidityProof(proof, r.publicSignals),
      witnessMs: Math.round(r.witnessMs),
      proveMs: Math.round(r.proveMs),
    };
  });

export const commitmentJob = (s: Services) =>
  defineJob("commitment", CommitmentJobInput, async ({ tapeId, chunkSize }, _job, ctx) => {
    const t = await loadTape(s, ctx, tapeId);
    if (t.commitment) return { tapeId, root: (t.commitment as StoredCommitment).root };
    ctx.progress(0.1, "commit");
    const seed = randomFieldElement();
    const c = await s.compute.run(
      {
        op: "commit",
        tapeJson: decrypt(s.config.tapeKey, t.ciphertext, tapeAad(t)).toString("utf8"),
        cacheKey: `${t.id}:${t.sha256}`,
        seed: seed.toString(),
        chunkSize,
      },
      ctx.signal,
    );
    const stored: StoredCommitment = {
      root: c.root,
      loanCount: t.loanCount,
      chunkSize: c.chunkSize,
      chunkCount: c.chunkCount,
      chunkRoots: c.chunkRoots,
      saltSeed: encrypt(s.config.tapeKey, Buffer.from(seed.toString(), "utf8"), seedAad(t)).toString(
        "base64",
      ),
    };
    // Set once: a retried job after a crash finds the first commitment and keeps it.
    await ctx.save(() => s.storage.setTapeCommitment(tapeId, stored, Date.now()));
    const now = (await ctx.save(() => s.storage.getTape(tapeId)))!.commitment as StoredCommitment;
    return { tapeId, root: now.root };
  });

export const attestationJob = (s: Services, attest: AttestRunner) =>
  defineJob("attestation", AttestationJobInput, async (req, job, ctx) => {
    const t = await loadTape(s, ctx, req.tapeId);
    // The route claimed the pool; checked again here for jobs queued before pools were owned.
    const refused = await ctx.save(() => claimPool(s, t.poolId, job.owner));
    if (refused) throw new PermanentJobError("pool-owned", refused);
    if (!t.commitment) throw new PermanentJobError("not-committed", `tape ${t.id} has no commitment`);
    // req.policy is the canonical policy the route validated (the request's one validation).
    const key = await originatorKey(s, job.owner);
    // The salts of the published commitment: the attestation proves statements about that same root.
    const json = await attest(
      {
        tapeJson: decrypt(s.config.tapeKey, t.ciphertext, tapeAad(t)).toString("utf8"),
        policy: req.policy,
        privateKey: key.privateKey,
        publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
        chainId: req.chainId,
        registry: req.registry,
        instance: req.instance,
        seed: saltSeed(s, t).toString(),
        proverConcurrency: s.config.proverConcurrency,
        nice: s.config.workerNice,
        chunks: chunkSetup(s.config),
      },
      (fraction, stage) => ctx.progress(fraction, stage),
      ctx.signal,
    );
    const att = parseAttestation(json);
    if (att.root.toString() !== (t.commitment as StoredCommitment).root) {
      throw new Error(`tape ${t.id}: the attestation's root differs from the published commitment`);
    }
    const rec = await ctx.save(() =>
      s.storage.insertAttestation({
        id: newId("att"),
        owner: job.owner,
        jobId: job.id,
        tapeId: t.id,
        poolId: t.poolId,
        period: t.period,
        instance: att.instance,
        policyHash: att.policyHash.toString(),
        data: JSON.parse(json),
        createdAt: Date.now(),
      }),
    );
    return { attestationId: rec.id, root: att.root.toString(), chunkCount: att.chunkCount };
  });

export { ScoresJobInput };

export const scoresJob = (s: Services) =>
  defineJob("scores", ScoresJobInput, async (req, job, ctx) => {
    const a = await s.storage.getAttestation(req.attestationId);
    if (!a) throw new PermanentJobError("not-found", `attestation ${req.attestationId} does not exist`);
    const t = await loadTape(s, ctx, req.tapeId);
    if (!t.commitment) throw new PermanentJobError("not-committed", `tape ${t.id} has no commitment`);
    const c = t.commitment as StoredCommitment;
    // The salts of the published commitment: the score proofs bind the very root the attestation proved.
    const r = await forkScores(
      {
        tapeJson: decrypt(s.config.tapeKey, t.ciphertext, tapeAad(t)).toString("utf8"),
        seed: saltSeed(s, t).toString(),
        instance: req.instance,
        chunkSize: req.chunkSize,
        providerPublicKey: req.providerPublicKey,
        maxAgeDays: req.maxAgeDays,
        contract: req.contract,
        chainId: req.chainId,
        batches: req.batches,
        proverConcurrency: s.config.proverConcurrency,
        nice: s.config.workerNice,
      },
      (fraction, stage) => ctx.progress(fraction, stage),
      ctx.signal,
    );
    if (r.root !== c.root) throw new Error(`tape ${t.id}: recomputed root differs from the stored one`);
    // Each chunk's root is the attestation's, and its pool word the attestation's score word (signals 0 and
    // 1 of both circuits; the score word carries no loan count).
    const attChunks = (a.data as { chunks?: { chunkIndex: number; publicSignals: string[] }[] }).chunks ?? [];
    for (const p of r.chunks) {
      const pc = attChunks.find((x) => x.chunkIndex === p.chunkIndex);
      if (
        pc &&
        (pc.publicSignals[0] !== p.publicSignals[0] ||
          String(scorePoolWord(BigInt(pc.publicSignals[1]!))) !== p.publicSignals[1])
      ) {
        throw new PermanentJobError(
          "attestation-mismatch",
          `chunk ${p.chunkIndex}: the score proof's root and pool word differ from the attestation's`,
        );
      }
    }
    const now = Date.now();
    const stored = await ctx.save(() =>
      s.storage.insertScoreProofs(
        r.chunks.map((p) => ({
          attestationId: a.id,
          jobId: job.id,
          chunkIndex: p.chunkIndex,
          instance: req.instance,
          owner: a.owner,
          proof: p.proof,
          publicSignals: p.publicSignals,
          createdAt: now,
        })),
      ),
    );
    return {
      attestationId: a.id,
      instance: req.instance,
      chunkCount: stored.length,
      providerKeyHash: stored[0]?.publicSignals[3] ?? null,
      proveMs: r.chunks.reduce((sum, p) => sum + Math.round(p.proveMs), 0),
    };
  });
