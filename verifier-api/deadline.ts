/**
 * The signal that ends the work a request started: it aborts when the request's deadline passes (reason: a
 * 503 `deadline-exceeded` problem with Retry-After) or when the client closes the connection before the
 * response is written (reason: a 408 problem nobody reads). Hand it to the worker pools (`worker-pool.ts`),
 * which drop or kill the work, so nothing is computed (or recorded) for a request that is gone.
 */
import type { FastifyReply } from "fastify";
import { ApiError } from "./http/errors.ts";

export function requestSignal(reply: FastifyReply, deadlineMs: number, what: string): AbortSignal {
  const ctl = new AbortController();
  const timer = setTimeout(
    () =>
      ctl.abort(
        new ApiError(
          "deadline-exceeded",
          `${what} did not finish within ${deadlineMs} ms; it was stopped`,
          undefined,
          {
            "retry-after": "30",
          },
        ),
      ),
    deadlineMs,
  );
  const res = reply.raw;
  const done = (): void => {
    clearTimeout(timer);
    if (!res.writableFinished) ctl.abort(new ApiError("request-timeout", "the client closed the connection"));
  };
  res.once("close", done);
  res.once("finish", () => clearTimeout(timer));
  return ctl.signal;
}
