/**
 * GET /: the service's landing page, a short HTML page linking what a person opens in a browser: the API
 * documentation (/docs), the attestation verification page (/verify), and the health and readiness routes.
 * Links are relative, so the page works behind a proxy that mounts the service under a path prefix. The page
 * has no script and no style; it carries the same Content-Security-Policy as the /verify page.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { CONTENT_SECURITY_POLICY } from "./routes.ts";

/** The links of the landing page, in order: path (relative) and what it is. */
export const LANDING_LINKS: readonly { href: string; label: string }[] = [
  { href: "docs", label: "API documentation (OpenAPI, try the routes in the browser)" },
  { href: "verify", label: "Verify an attestation in this browser (for auditors)" },
  { href: "health", label: "Health (liveness)" },
  { href: "ready", label: "Readiness (storage answers, verification keys loaded)" },
];

const PAGE = [
  "<!doctype html>",
  '<html lang="en">',
  "  <head>",
  '    <meta charset="utf-8" />',
  '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
  "    <title>rwa-attest prover and verifier service</title>",
  "  </head>",
  "  <body>",
  "    <main>",
  "      <h1>rwa-attest prover and verifier service</h1>",
  "      <p>Zero-knowledge attestations of real-world-asset loan pools: originators upload loan tapes and obtain",
  "      attestations; auditors verify proofs and sample loans.</p>",
  "      <ul>",
  ...LANDING_LINKS.map(
    (l) => `        <li><a href="${l.href}">${l.label}</a> (<code>/${l.href}</code>)</li>`,
  ),
  "      </ul>",
  "    </main>",
  "  </body>",
  "</html>",
  "",
].join("\n");

export const landingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/", { schema: { hide: true } }, async (_req, reply) =>
    reply
      .headers({
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-cache",
      })
      .send(PAGE),
  );
};
