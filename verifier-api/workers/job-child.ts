/**
 * The frame every job child process shares (`workers/attest.ts`, `workers/prove.ts`, `workers/score.ts`, forked
 * per job by `attest-runner.ts`): one request in; progress messages and then one result or one error out (its
 * code and problems kept: `toWire`); its
 * own prover pool, closed at the end; and, if the service goes away first, the end of its whole process group
 * (it is forked detached, so its group includes the prover processes it forked, which would otherwise linger).
 */
import { ProverPool, toWire } from "../../prover/index.ts";
import type { AttestWorkerMessage } from "../attest-runner.ts";

export type Progress = (fraction: number, stage: string) => void;

export function runJobChild<Req>(
  script: string,
  concurrency: (req: Req) => number,
  work: (req: Req, pool: ProverPool, progress: Progress) => Promise<unknown>,
): void {
  if (!process.send) throw new Error(`${script} must run as a forked child process`);
  const send = (m: AttestWorkerMessage): void => {
    if (process.connected) process.send!(m);
  };
  let finished = false;
  process.on("disconnect", () => {
    if (!finished) process.kill(-process.pid, "SIGKILL");
  });
  process.once("message", async (req: Req) => {
    const pool = new ProverPool(concurrency(req));
    try {
      const result = await work(req, pool, (fraction, stage) => send({ type: "progress", fraction, stage }));
      send({ type: "done", result });
    } catch (err) {
      send({ type: "error", error: toWire(err) });
    } finally {
      await pool.close();
      finished = true;
      if (process.connected) process.disconnect();
    }
  });
}
