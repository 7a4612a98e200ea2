/**
 * The web page for verifying an attestation in the browser: GET /verify (HTML) and its assets under
 * /assets/<name>. Assets are a fixed list, read once at start-up (no directory listing, no paths from the
 * request): the page's own files from this directory, snarkjs's browser bundle, and poseidon-lite's Poseidon
 * of the arities the page hashes (POSEIDON_ARITIES). poseidon-lite is published as CommonJS only, so its files
 * are served wrapped as one ES module (each file's text verbatim in a function, with a 20-line `require` over just those files).
 *
 * Third-party assets are served under their package version, cached for a year as immutable; the page's own
 * files are revalidated (ETag). Every response here carries a strict Content-Security-Policy: scripts and
 * styles from this origin only, WebAssembly allowed (snarkjs's curve arithmetic), workers from blob: URLs
 * (snarkjs's thread pool). Fetches may go to this origin, to any https: origin and to plain http: on the
 * auditor's own machine (localhost, 127.0.0.1): the page checks the verification key against a JSON-RPC
 * endpoint the auditor types (and may fetch an attestation by URL), and a CSP cannot name an origin typed
 * after the page loaded. That widening leaks nothing the auditor did not choose to send: scripts still come
 * only from this origin, so no injected script runs to use it.
 *
 * The same files make the self-contained page of `rwa-attest verify-page` (standalone.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import { REPO_ROOT } from "../../pipeline/index.ts";
import { ApiError } from "../http/errors.ts";
import { POLICY_PARAMS } from "./pool-codec.js";

/**
 * The Poseidon arities the page needs from poseidon-lite: 2 (a committed attestation's chain of commitments),
 * 3 (key hashes) and the policy hash's (the format version and every parameter of circuits/layout.json).
 */
export const POSEIDON_ARITIES: readonly number[] = Object.freeze([2, 3, POLICY_PARAMS.length + 1]);
const POSEIDON_FILES = POSEIDON_ARITIES.map((n) => `poseidon${n}.js`);
const POSEIDON_NAMES = POSEIDON_ARITIES.map((n) => `poseidon${n}`);

/** poseidon-lite's files the page uses, wrapped as one ES module (`exported`: also as named exports). */
export function poseidonModule(dir: string, version: string, exported: boolean, by: string): string {
  return wrapCommonJs(
    dir,
    POSEIDON_FILES,
    exported ? POSEIDON_NAMES : [],
    `// poseidon-lite ${version} (MIT, https://github.com/vimwitch/poseidon-lite): ${POSEIDON_FILES.join(", ")}\n` +
      `// and the files they require, verbatim, wrapped as one ES module ${by}.`,
  );
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where the page may send JSON-RPC calls (and fetch attestations by URL): see the header. */
export const CHAIN_ENDPOINT_SOURCES = "https: http://localhost:* http://127.0.0.1:*";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  `connect-src 'self' ${CHAIN_ENDPOINT_SOURCES}`,
  "style-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

const JS = "text/javascript; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

function asset(body: Buffer | string, type: string, cacheControl: string): Asset {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const etag = `"${createHash("sha256").update(buf).digest("base64url").slice(0, 27)}"`;
  return { body: buf, type, etag, cacheControl };
}

export function packageDir(name: string, file: string): { dir: string; version: string } {
  const dir = join(REPO_ROOT, "node_modules", name);
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string })
    .version;
  readFileSync(join(dir, file)); // fail at start-up, not on the first request, if the file is missing
  return { dir, version };
}

/**
 * Wraps CommonJS files of one package as a single ES module: the `entry` file (or files) and every file they
 * require (relative requires only, followed statically), each as `function (module, exports, require) {
 * <text> }`; the module exports `names` of the entries' exports.
 */
export function wrapCommonJs(
  dir: string,
  entry: string | readonly string[],
  names: readonly string[],
  banner: string,
): string {
  const entries = typeof entry === "string" ? [entry] : entry;
  const files = new Map<string, { text: string; deps: Record<string, string> }>();
  const resolve = (from: string, id: string): string => {
    if (!id.startsWith("./") && !id.startsWith("../"))
      throw new Error(`${from}: requires "${id}", not a relative file`);
    const base = posix.normalize(posix.join(posix.dirname(from), id));
    for (const candidate of [base, `${base}.js`, `${base}/index.js`]) {
      const path = join(dir, candidate);
      if (existsSync(path) && statSync(path).isFile()) return candidate;
    }
    throw new Error(`${from}: cannot resolve "${id}"`);
  };
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const text = readFileSync(join(dir, file), "utf8");
    const deps: Record<string, string> = {};
    files.set(file, { text, deps });
    for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      const id = m[1]!;
      deps[id] = resolve(file, id);
      visit(deps[id]);
    }
  };
  for (const e of entries) visit(e);
  const defs = [...files].map(
    ([file, { text, deps }]) =>
      `  ${JSON.stringify(file)}: [\n    function (module, exports, require) {\n${text}\n    },\n    ${JSON.stringify(deps)},\n  ],`,
  );
  return [
    banner,
    "const defs = {",
    ...defs,
    "};",
    "const cache = {};",
    "function load(file) {",
    "  if (cache[file]) return cache[file].exports;",
    "  const [fn, deps] = defs[file];",
    "  const module = { exports: {} };",
    "  cache[file] = module;",
    "  fn(module, module.exports, (id) => load(deps[id]));",
    "  return module.exports;",
    "}",
    `const entry = Object.assign({}, ${entries.map((e) => `load(${JSON.stringify(e)})`).join(", ")});`,
    ...names.map((n) => `export const ${n} = entry.${n};`),
    "",
  ].join("\n");
}

/** The assets by URL name, and the page. Throws at start-up if a file is missing. */
export function loadWebAssets(): { page: Asset; assets: Map<string, Asset> } {
  const snarkjs = packageDir("snarkjs", "build/snarkjs.min.js");
  const poseidon = packageDir("poseidon-lite", "poseidon3.js");
  const names = {
    snarkjs: `snarkjs-${snarkjs.version}.min.js`,
    poseidon: `poseidon-lite-${poseidon.version}.js`,
  };
  const own = (file: string): Buffer => readFileSync(join(HERE, file));
  const assets = new Map<string, Asset>([
    [names.snarkjs, asset(readFileSync(join(snarkjs.dir, "build/snarkjs.min.js")), JS, IMMUTABLE)],
    [
      names.poseidon,
      asset(poseidonModule(poseidon.dir, poseidon.version, true, "by the rwa-attest service"), JS, IMMUTABLE),
    ],
    ["errors.js", asset(own("errors.js"), JS, REVALIDATE)],
    ["pool-codec.js", asset(own("pool-codec.js"), JS, REVALIDATE)],
    ["check-attestation.js", asset(own("check-attestation.js"), JS, REVALIDATE)],
    ["chain-key.js", asset(own("chain-key.js"), JS, REVALIDATE)],
    ["verify-page.js", asset(own("verify-page.js"), JS, REVALIDATE)],
    ["verify.css", asset(own("verify.css"), "text/css; charset=utf-8", REVALIDATE)],
  ]);
  const html = own("verify.html")
    .toString("utf8")
    .replaceAll("{{snarkjs}}", `assets/${names.snarkjs}`)
    .replaceAll("{{poseidon}}", `assets/${names.poseidon}`);
  return { page: asset(html, "text/html; charset=utf-8", REVALIDATE), assets };
}

export const webRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { page, assets } = loadWebAssets();

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply => {
    reply.headers({
      ...SECURITY_HEADERS,
      "content-type": a.type,
      "cache-control": a.cacheControl,
      etag: a.etag,
    });
    const inm = req.headers["if-none-match"];
    if (typeof inm === "string" && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === a.etag)) {
      reply.code(304);
      return reply.send();
    }
    return reply.send(a.body);
  };

  app.get(
    "/verify",
    {
      schema: {
        tags: ["web page"],
        summary: "Web page (HTML, not an API): verify an attestation in the browser",
        description:
          "Paste, choose or give the URL of an attestation JSON (or of GET /v1/attestations/{id}); the page " +
          "fetches the instance's verification key from GET /v1/catalogue/{name}, checks every chunk proof, " +
          "the key hash and the figures in the browser, and, given a JSON-RPC endpoint, checks the key against " +
          "the verifier the attestation's registry has registered. `rwa-attest verify-page` writes the same " +
          "page as one self-contained file.",
        security: [],
        response: {
          200: {
            description: "The page (text/html)",
            content: { "text/html": { schema: { type: "string" } } },
          },
        },
      },
    },
    async (req, reply) => send(req, reply, page),
  );

  app.get(
    "/assets/:name",
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) } },
    async (req, reply) => {
      const a = assets.get(req.params.name);
      if (!a) throw new ApiError("not-found", "no such asset");
      return send(req, reply, a);
    },
  );
};
