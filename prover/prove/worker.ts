/**
 * A proving worker process: computes the witness with the circuit's wasm, then the Groth16 proof, and
 * reports progress. One request at a time; the pool decides how many workers run.
 *
 * Workers are child processes rather than worker_threads: ffjavascript (under snarkjs) loads the
 * `web-worker` package, which treats any non-main thread as one of its own workers and fails there. A
 * process also gives each proof its own heap, so a large proof cannot exhaust the service's memory.
 */
import * as snarkjs from "snarkjs";
import { PROVE_MILESTONES, type ProveRequest, type WorkerMessage } from "./messages.ts";

if (!process.send) throw new Error("prover/prove/worker.ts must run as a forked child process");
const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

// A worker whose parent is gone has nobody to answer: exit instead of lingering with the curve's threads.
process.on("disconnect", () => process.exit(0));

process.on("message", async (req: ProveRequest | { type: "stop" }) => {
  if ("type" in req) {
    const g = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
    await g.curve_bn128?.terminate();
    if (process.connected) process.disconnect();
    return;
  }
  const t0 = performance.now();
  const wtns = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  try {
    send({ id: req.id, type: "progress", stage: "witness", fraction: 0 });
    await snarkjs.wtns.calculate(req.input, req.wasm, wtns);
  } catch (err) {
    send({ id: req.id, type: "error", message: (err as Error).message, unsatisfied: true });
    return;
  }
  const t1 = performance.now();
  try {
    const logger = {
      debug: (msg: string) => {
        const hit = PROVE_MILESTONES.find(([re]) => re.test(msg));
        if (hit) send({ id: req.id, type: "progress", stage: "prove", fraction: hit[1] });
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    const { proof, publicSignals } =
      req.protocol === "plonk"
        ? await snarkjs.plonk.prove(req.zkey, wtns as unknown as Uint8Array, logger)
        : await snarkjs.groth16.prove(req.zkey, wtns as unknown as Uint8Array, logger);
    send({
      id: req.id,
      type: "done",
      proof,
      publicSignals,
      witnessMs: t1 - t0,
      proveMs: performance.now() - t1,
    });
  } catch (err) {
    send({ id: req.id, type: "error", message: (err as Error).message, unsatisfied: false });
  }
});
