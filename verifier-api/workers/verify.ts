/**
 * A child process checking Groth16 proofs for `verifier.ts` (`groth16-check.ts`: curve points, subgroup
 * check, randomised batches), so the service's event loop keeps reading requests and writing answers
 * while a batch is checked. One batch at a time; requests that arrive meanwhile make up the next batch.
 * Each batch carries the keys it needs (a few KiB); a key is prepared the first time this process sees it
 * (by instance and key hash), so a replacement process needs no other set-up. (A worker thread would do,
 * but ffjavascript's `web-worker` dependency takes over any worker thread that imports it.)
 */
import { Groth16Checker } from "../groth16-check.ts";
import type { VerifyReply, VerifyRequest } from "../verifier.ts";
import { toWire } from "../web/errors.js";

if (!process.send) throw new Error("verifier-api/workers/verify.ts must run as a forked child process");

const checker = Groth16Checker.create();
const prepared = new Map<string, string>();

process.on("message", async (req: VerifyRequest | { op: "stop" }) => {
  if ("op" in req) {
    process.disconnect();
    return;
  }
  let reply: VerifyReply;
  try {
    const c = await checker;
    for (const [instance, { hash, points }] of Object.entries(req.keys)) {
      if (prepared.get(instance) === hash) continue;
      c.load(instance, points);
      prepared.set(instance, hash);
    }
    reply = { id: req.id, ok: true, ...c.checkAll(req.items) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: toWire(err) };
  }
  process.send!(reply);
});
