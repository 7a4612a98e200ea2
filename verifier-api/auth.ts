/**
 * API-key authentication and role checks. Keys arrive as `Authorization: Bearer <key>` or `X-Api-Key`;
 * only their sha256 is stored.
 *
 * - Lookups are cached for a few seconds (the verify route is hot). While the store does not answer, a key
 *   seen in the last STALE_MS keeps its last known principal (so `POST /v1/verify` answers through a
 *   database outage); an unknown key then gets 503 with Retry-After, never a wrong 401.
 * - The key is looked up for every request (an app-wide hook, before the rate limiter, which counts per
 *   key), but only routes that need a role refuse: `requireRole` runs as the route's first hook, before
 *   the body is parsed and validated, so a request without a valid key gets 401 whatever its body, and
 *   public routes ignore a wrong key.
 * - Failed authentications are limited per client address: after `failuresPerMinute` unknown keys in a
 *   minute, further unknown keys from that client get 429 with Retry-After until the minute ends.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { hashApiKey } from "./crypto.ts";
import { ApiError } from "./http/errors.ts";
import { storeUnavailable } from "../prover/index.ts";
import type { ApiKeyRecord, Role, Storage } from "./storage/types.ts";

export interface Principal {
  keyId: string;
  role: Role;
  owner: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
    /** Why the presented key could not be checked (the store does not answer), for `requireRole`. */
    authProblem: ApiError | null;
  }
}

const CACHE_MS = 5_000;
/** How long a cached lookup may stand in while the store does not answer. */
const STALE_MS = 10 * 60_000;
const WINDOW_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** The presented API key of a request, if any. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim();
  const h = req.headers["x-api-key"];
  return typeof h === "string" && h.length > 0 ? h : undefined;
}

export class Authenticator {
  private readonly cache = new Map<string, { rec: ApiKeyRecord | undefined; at: number }>();
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly storage: Storage;
  private readonly failuresPerMinute: number;
  /** Lookups answered from the cache because the store did not answer (metrics and tests). */
  staleAnswers = 0;
  /** After a failed lookup, cached answers stand in without asking the store until this time. */
  private retryStoreAt = 0;
  constructor(storage: Storage, failuresPerMinute = 30) {
    this.storage = storage;
    this.failuresPerMinute = failuresPerMinute;
  }

  /**
   * The principal of a key, or null when the key is unknown or revoked. Throws a 503 problem when the
   * store does not answer and the key has no recent cached lookup.
   */
  async principal(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const now = Date.now();
    let hit = this.cache.get(hash);
    if (hit && now - hit.at > CACHE_MS && now < this.retryStoreAt && now - hit.at <= STALE_MS) {
      this.staleAnswers++;
      return toPrincipal(hit.rec); // the store failed a moment ago: do not make this request wait on it
    }
    if (!hit || now - hit.at > CACHE_MS) {
      try {
        hit = { rec: await this.storage.findApiKeyByHash(hash), at: now };
      } catch (err) {
        if (!storeUnavailable(err)) throw err;
        this.retryStoreAt = now + 1_000;
        if (!hit || now - hit.at > STALE_MS) {
          throw new ApiError("not-ready", "the key store does not answer; retry shortly", undefined, {
            "retry-after": "5",
          });
        }
        this.staleAnswers++;
        return toPrincipal(hit.rec); // the last known answer, kept (not refreshed) while the store is away
      }
      if (this.cache.size > MAX_ENTRIES) this.cache.clear();
      this.cache.set(hash, hit);
    }
    return toPrincipal(hit.rec);
  }

  /**
   * Counts a failed authentication of `client`; returns the seconds it must wait when it is over its
   * budget for the current minute (0 while within it).
   */
  failed(client: string): number {
    const now = Date.now();
    let f = this.failures.get(client);
    if (!f || now - f.since >= WINDOW_MS) {
      if (this.failures.size > MAX_ENTRIES)
        for (const [c, e] of this.failures) if (now - e.since >= WINDOW_MS) this.failures.delete(c);
      f = { count: 0, since: now };
      this.failures.set(client, f);
    }
    f.count++;
    return f.count > this.failuresPerMinute ? Math.max(1, Math.ceil((f.since + WINDOW_MS - now) / 1000)) : 0;
  }

  /** Forgets cached lookups (after a revocation). */
  forget(): void {
    this.cache.clear();
  }
}

function toPrincipal(rec: ApiKeyRecord | undefined): Principal | null {
  if (!rec || rec.revokedAt !== null) return null;
  return { keyId: rec.id, role: rec.role, owner: rec.owner };
}

/**
 * A route's first hook (`onRequest`), refusing requests without a key of one of `roles`: 401 without a
 * valid key (429 once the client has failed too often), 403 with a key of another role, 503 when the key
 * cannot be checked now.
 */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (req.authProblem) throw req.authProblem;
    if (!req.principal) {
      if (presentedKey(req) !== undefined) {
        const wait = req.server.services.auth.failed(req.ip);
        if (wait > 0) {
          throw new ApiError(
            "rate-limited",
            `too many failed authentications from this client; retry in ${wait} s`,
            undefined,
            { "retry-after": String(wait) },
          );
        }
        throw new ApiError("unauthenticated", "unknown or revoked API key", undefined, {
          "www-authenticate": 'Bearer realm="rwa-attest", error="invalid_token"',
        });
      }
      throw new ApiError("unauthenticated", "send an API key as `Authorization: Bearer <key>`", undefined, {
        "www-authenticate": 'Bearer realm="rwa-attest"',
      });
    }
    if (!roles.includes(req.principal.role)) {
      throw new ApiError(
        "forbidden",
        `this route needs the role ${roles.join(" or ")}; the key has ${req.principal.role}`,
      );
    }
  };
}

/** Refuses access to another originator's resource (admins and, where allowed, auditors pass). */
export function assertOwner(p: Principal, owner: string, alsoRoles: Role[] = ["admin"]): void {
  if (alsoRoles.includes(p.role)) return;
  if (p.role === "originator" && p.owner === owner) return;
  throw new ApiError("forbidden", "this resource belongs to another originator");
}

/** The tape, or 404; 403 when it is another originator's and the caller may not see it. */
export async function ownTape(
  s: { storage: Storage },
  p: Principal,
  id: string,
  alsoRoles: Role[] = ["admin"],
) {
  const t = await s.storage.getTape(id);
  if (!t) throw new ApiError("not-found", `no tape ${id}`);
  assertOwner(p, t.owner, alsoRoles);
  return t;
}
