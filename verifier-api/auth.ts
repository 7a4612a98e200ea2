/**
 * API-key authentication and role checks. Keys arrive as `Authorization: Bearer <key>` or `X-Api-Key`;
 * only their sha256 is stored. Lookups are cached for a few seconds (the verify route is hot).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { hashApiKey } from "./crypto.ts";
import { ApiError } from "./errors.ts";
import type { ApiKeyRecord, Role, Storage } from "./storage/types.ts";

export interface Principal {
  keyId: string;
  role: Role;
  owner: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const CACHE_MS = 5_000;

/** The presented API key of a request, if any. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim();
  const h = req.headers["x-api-key"];
  return typeof h === "string" && h.length > 0 ? h : undefined;
}

export class Authenticator {
  private readonly cache = new Map<string, { rec: ApiKeyRecord | undefined; at: number }>();
  private readonly storage: Storage;
  constructor(storage: Storage) {
    this.storage = storage;
  }

  /** The principal of a key, or null when the key is unknown or revoked. */
  async principal(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const now = Date.now();
    let hit = this.cache.get(hash);
    if (!hit || now - hit.at > CACHE_MS) {
      hit = { rec: await this.storage.findApiKeyByHash(hash), at: now };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, hit);
    }
    const rec = hit.rec;
    if (!rec || rec.revokedAt !== null) return null;
    return { keyId: rec.id, role: rec.role, owner: rec.owner };
  }

  /** Forgets cached lookups (after a revocation). */
  forget(): void {
    this.cache.clear();
  }
}

/** A preHandler refusing requests without a key of one of `roles` (401 without a valid key, 403 otherwise). */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!req.principal) {
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
