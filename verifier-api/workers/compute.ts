/**
 * A child process computing tape commitments, openings and score requests (and checking providers' signed
 * batches against them) (Poseidon over every loan: about a millisecond
 * per loan in JavaScript, far too slow for the service's event loop). Forked by `compute.ts`; one request
 * at a time; keeps the last few commitments so repeated openings of a tape do not rebuild its tree.
 */
import { openingToJson } from "../../prover/index.ts";
import { chunkCountFor, commitTape, deriveSalts, openLoan, type TapeCommitment } from "../../prover/index.ts";
import { buildScoreRequest } from "../../prover/index.ts";
import { parseTapeJson, toWire } from "../../prover/index.ts";
import type { ComputeReply, ComputeRequest } from "../compute.ts";
import { batchFromJson, checkSignedBatch, scoreRequestToJson, type BatchProblem } from "../scores.ts";

if (!process.send) throw new Error("verifier-api/workers/compute.ts must run as a forked child process");

const cache = new Map<string, TapeCommitment>();

async function commitmentOf(req: ComputeRequest): Promise<TapeCommitment> {
  const key = `${req.cacheKey}:${req.seed}:${req.chunkSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const tape = parseTapeJson(req.tapeJson);
  const c = await commitTape(tape, await deriveSalts(BigInt(req.seed), tape), { chunkSize: req.chunkSize });
  cache.set(key, c);
  while (cache.size > 2) cache.delete(cache.keys().next().value as string);
  return c;
}

process.on("message", async (req: ComputeRequest | { op: "stop" }) => {
  if (req.op === "stop") {
    process.disconnect();
    return;
  }
  let reply: ComputeReply;
  try {
    const c = await commitmentOf(req);
    const size = req.scoreChunkSize ?? 0;
    const requests =
      req.op === "score-requests" || req.op === "score-check"
        ? Array.from({ length: chunkCountFor(c.records.length, size) }, (_, i) =>
            buildScoreRequest(c, i, size),
          )
        : [];
    let batchProblems: BatchProblem[] | undefined;
    if (req.op === "score-check") {
      const pub = [BigInt(req.providerPublicKey![0]), BigInt(req.providerPublicKey![1])] as const;
      batchProblems = [];
      for (const [i, r] of requests.entries()) {
        const p = await checkSignedBatch(r, batchFromJson(req.batches![i]!), pub, `body/batches/${i}`);
        if (p) batchProblems.push(p);
      }
    }
    reply = {
      id: req.id,
      ok: true,
      root: c.root.toString(),
      chunkSize: c.chunkSize,
      chunkCount: c.chunkCount,
      chunkRoots: c.chunkRoots.map((roots) => roots.map(String)),
      openings: req.op === "open" ? (req.indices ?? []).map((i) => openingToJson(openLoan(c, i))) : [],
      ...(req.op === "score-requests"
        ? { scoreRequests: requests.map((r, i) => scoreRequestToJson(r, i)) }
        : {}),
      ...(batchProblems ? { batchProblems } : {}),
    };
  } catch (err) {
    reply = { id: req.id, ok: false, error: toWire(err) };
  }
  process.send!(reply);
});
