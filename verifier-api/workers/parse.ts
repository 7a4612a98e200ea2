/**
 * A child process reading uploaded tapes (CSV or JSON text → validated canonical tape): tens of
 * thousands of loans take a second of CPU, which must not stall the service's event loop. Forked by
 * `parse-pool.ts`; replies with the canonical JSON text and the tape's header, or with every problem.
 */
import { toWire } from "../../prover/index.ts";
import type { ParseReply, ParseRequest } from "../parse-pool.ts";
import { readUploadedCsv, readUploadedJson, serializeTape } from "../tapes.ts";

if (!process.send) throw new Error("verifier-api/workers/parse.ts must run as a forked child process");

process.on("message", (req: ParseRequest | { op: "stop" }) => {
  if ("op" in req) {
    process.disconnect();
    return;
  }
  let reply: ParseReply;
  try {
    const tape = req.format === "json" ? readUploadedJson(req.text) : readUploadedCsv(req.text, req.query);
    reply = {
      id: req.id,
      ok: true,
      canonical: serializeTape(tape).toString("utf8"),
      poolId: tape.poolId.toString(),
      period: tape.period,
      asOfDate: tape.asOfDate,
      loanCount: tape.loans.length,
    };
  } catch (err) {
    reply = { id: req.id, ok: false, error: toWire(err) };
  }
  process.send!(reply);
});
