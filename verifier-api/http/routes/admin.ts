/** Admin routes: issue and revoke API keys. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireRole } from "../../auth.ts";
import { hashApiKey, newApiKey, newId } from "../../crypto.ts";
import { ApiError, problemResponses } from "../errors.ts";
import { ApiKeyCreated, CreateApiKeyBody, IdParams } from "../schemas.ts";

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const s = app.services;
  app.addHook("onRequest", requireRole("admin"));

  app.post(
    "/api-keys",
    {
      schema: {
        tags: ["admin"],
        summary: "Issue an API key (the key is returned once; only its hash is stored)",
        body: CreateApiKeyBody,
        response: { 201: ApiKeyCreated, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const key = newApiKey(req.body.role);
      const id = newId("key");
      await s.storage.insertApiKey({
        id,
        keyHash: hashApiKey(key),
        role: req.body.role,
        owner: req.body.owner,
        label: req.body.label ?? "",
        createdAt: Date.now(),
        revokedAt: null,
      });
      return reply.code(201).send({ id, key, role: req.body.role, owner: req.body.owner });
    },
  );

  app.delete(
    "/api-keys/:id",
    {
      schema: {
        tags: ["admin"],
        summary: "Revoke an API key",
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      if (!(await s.storage.revokeApiKey(req.params.id, Date.now()))) {
        throw new ApiError("not-found", `no active API key ${req.params.id}`);
      }
      s.auth.forget();
      return reply.code(204).send(null);
    },
  );
};
