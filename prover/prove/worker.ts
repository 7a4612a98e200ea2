/**
 * A proving worker process: computes the witness with the circuit's wasm, then the proof, reports progress,
 * and returns a Groth16 proof only after it verified against the verification key. One request at a time;
 * the pool decides how many workers run.
 *
 * Groth16 proofs come from the native prover (native.ts) or snarkjs, as the request says. A native server
 * is kept per proving key, so a key is read once per worker, not once per proof; at most
 * RESIDENT_KEYS keys stay loaded (least recently used first out).
 *
 * Workers are child processes rather than worker_threads: ffjavascript (under snarkjs) loads the
 * `web-worker` package, which treats any non-main thread as one of its own workers and fails there. A
 * process also gives each proof its own heap, so a large proof cannot exhaust the service's memory.
 */
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { PROVE_MILESTONES, type ProveRequest, type WorkerMessage } from "./messages.ts";
import { NativeProver } from "./native.ts";
import { verifyGroth16 } from "./verify.ts";
import { computeWitness } from "./witness.ts";
import { CodedError, toWire } from "../../verifier-api/web/errors.js";

/** Proving keys a worker keeps loaded in native servers at once. */
const RESIDENT_KEYS = 2;

if (!process.send) throw new Error("prover/prove/worker.ts must run as a forked child process");
// A parent that was killed (a SIGKILLed `rwa-attest worker`) has closed the channel: writing would be an
// EPIPE crash with a stack trace; the disconnect handler below ends this process instead.
const send = (m: WorkerMessage): void => {
  if (process.connected) process.send?.(m);
};

const servers = new Map<string, Promise<NativeProver>>();
const vkeys = new Map<string, Promise<snarkjs.VerificationKey>>();

/** The resident native server of a key, started on first use; a dead one is replaced. */
async function nativeServer(zkey: string): Promise<NativeProver> {
  let server = servers.get(zkey);
  if (server && !(await server.catch(() => undefined))?.alive) {
    servers.delete(zkey);
    server = undefined;
  }
  if (!server) {
    server = NativeProver.start(zkey);
    server.catch(() => servers.delete(zkey));
  }
  servers.delete(zkey); // re-insert: Map order is the recency order
  servers.set(zkey, server);
  while (servers.size > RESIDENT_KEYS) {
    const [oldest, evicted] = servers.entries().next().value as [string, Promise<NativeProver>];
    servers.delete(oldest);
    void evicted.then((s) => s.close()).catch(() => {});
  }
  return server;
}

function verificationKey(req: ProveRequest): Promise<snarkjs.VerificationKey> {
  const id = req.vkey ?? `zkey:${req.zkey}`;
  let k = vkeys.get(id);
  if (!k) {
    k = req.vkey
      ? Promise.resolve(JSON.parse(readFileSync(req.vkey, "utf8")) as snarkjs.VerificationKey)
      : (snarkjs.zKey.exportVerificationKey(req.zkey) as Promise<snarkjs.VerificationKey>);
    k.catch(() => vkeys.delete(id));
    vkeys.set(id, k);
  }
  return k;
}

async function stop(): Promise<void> {
  await Promise.all([...servers.values()].map((s) => s.then((x) => x.close()).catch(() => {})));
  servers.clear();
  const g = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  await g.curve_bn128?.terminate();
}

// A worker whose parent is gone has nobody to answer: exit instead of lingering with the curve's threads
// (native servers see their stdin close and exit too).
process.on("disconnect", () => process.exit(0));

process.on("message", async (req: ProveRequest | { type: "stop" }) => {
  if ("type" in req) {
    await stop();
    if (process.connected) process.disconnect();
    return;
  }
  const t0 = performance.now();
  let witness: Uint8Array;
  try {
    send({ id: req.id, type: "progress", stage: "witness", fraction: 0 });
    witness = await computeWitness(req.input, req.wasm);
  } catch (err) {
    // the input breaks a circuit constraint: the pool turns this code back into an UnsatisfiedInputError
    send({
      id: req.id,
      type: "error",
      error: toWire(new CodedError("unsatisfied-input", (err as Error).message)),
    });
    return;
  }
  const t1 = performance.now();
  const logger = {
    debug: (msg: string) => {
      const hit = PROVE_MILESTONES.find(([re]) => re.test(msg));
      if (hit) send({ id: req.id, type: "progress", stage: "prove", fraction: hit[1] });
    },
    info: () => {},
    warn: () => {},
    error: () => {},
  };
  try {
    if (req.protocol === "plonk") {
      const { proof, publicSignals } = await snarkjs.plonk.prove(
        req.zkey,
        { type: "mem", data: witness },
        logger,
      );
      send({
        id: req.id,
        type: "done",
        proof,
        publicSignals,
        prover: "snarkjs",
        witnessMs: t1 - t0,
        proveMs: performance.now() - t1,
      });
      return;
    }
    send({ id: req.id, type: "progress", stage: "prove", fraction: 0.02 });
    let proof: snarkjs.Groth16Proof;
    let publicSignals: snarkjs.PublicSignals;
    if (req.prover === "native") {
      const server = await nativeServer(req.zkey);
      ({ proof, publicSignals } = await server.prove(witness));
    } else {
      ({ proof, publicSignals } = await snarkjs.groth16.prove(
        req.zkey,
        { type: "mem", data: witness },
        logger,
      ));
    }
    const proveMs = performance.now() - t1;
    if (!(await verifyGroth16(await verificationKey(req), publicSignals, proof))) {
      throw new Error(
        `the ${req.prover} prover's proof does not verify against ${req.vkey ?? `the verification key of ${req.zkey}`}`,
      );
    }
    send({ id: req.id, type: "done", proof, publicSignals, prover: req.prover, witnessMs: t1 - t0, proveMs });
  } catch (err) {
    send({ id: req.id, type: "error", error: toWire(err) });
  }
});
