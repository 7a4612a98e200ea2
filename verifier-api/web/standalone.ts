/**
 * The auditor's page as one self-contained HTML file (`rwa-attest verify-page --out file.html`): the page of
 * GET /verify with everything inlined, so that it opens from disk (file://) and checks attestations without
 * the service. Inlined: the stylesheet; snarkjs's browser bundle (a classic script, as served); one module
 * script holding poseidon-lite (wrapped as routes.ts serves it, exposed as the global `rwaPoseidonLite`), the
 * error model (errors.js), the layout codec (pool-codec.js), the checker, chain-key.js and the page's script, each in its own function scope; and the verification keys of
 * the given instances (`<script type="application/json" id="rwa-keys">`, with their development flag), which
 * take the place of the service's catalogue.
 *
 * The file carries its own Content-Security-Policy (a <meta>): scripts and styles only by the SHA-256 of the
 * inlined ones (no 'unsafe-inline'), WebAssembly, workers from blob: URLs, fetches to https: and local http:
 * (JSON-RPC endpoints, attestation URLs) as the served page.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHAIN_ENDPOINT_SOURCES, packageDir, poseidonModule as wrapPoseidon } from "./routes.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** A verification key embedded in the page, by instance name. */
export interface EmbeddedKey {
  vkey: unknown;
  development: boolean;
}

const hash = (text: string): string =>
  `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * An ES module's text as a function body returning its exports: `export` keywords dropped (the names
 * collected), `import {a, b} from "./x.js"` turned into `const {a, b} = <scope of x>`.
 */
function scoped(file: string, text: string, scopes: Record<string, string>): string {
  const names: string[] = [];
  const body = text
    .replace(/^import\s*\{([^}]*)\}\s*from\s*"\.\/([^"]+)";$/gm, (_m, list: string, from: string) => {
      const scope = scopes[from];
      if (scope === undefined) throw new Error(`${file}: imports ${from}, which is not inlined before it`);
      return `const {${list}} = ${scope};`;
    })
    .replace(
      /^export\s+((?:async\s+)?function\*?|const|let|class)\s+([A-Za-z0-9_$]+)/gm,
      (_m, kind, name) => {
        names.push(name as string);
        return `${kind as string} ${name as string}`;
      },
    );
  if (/^\s*(import|export)\s/m.test(body))
    throw new Error(`${file}: an import or export the inliner does not know`);
  return `(() => {\n${body}\nreturn { ${names.join(", ")} };\n})()`;
}

/** The self-contained page with the given keys embedded. */
export function standalonePage(keys: Record<string, EmbeddedKey>): string {
  const snarkjs = packageDir("snarkjs", "build/snarkjs.min.js");
  const poseidon = packageDir("poseidon-lite", "poseidon3.js");
  const own = (file: string): string => readFileSync(join(HERE, file), "utf8");
  const poseidonModule = wrapPoseidon(poseidon.dir, poseidon.version, false, "for this page");
  const moduleScript = [
    "// rwa-attest: the auditor's page, inlined by `rwa-attest verify-page` (verifier-api/web/standalone.ts).",
    `{\n${poseidonModule}\nglobalThis.rwaPoseidonLite = entry;\n}`,
    `const __errors = ${scoped("errors.js", own("errors.js"), {})};`,
    `const __codec = ${scoped("pool-codec.js", own("pool-codec.js"), { "errors.js": "__errors" })};`,
    `const __checker = ${scoped("check-attestation.js", own("check-attestation.js"), { "pool-codec.js": "__codec", "errors.js": "__errors" })};`,
    `const __chainKey = ${scoped("chain-key.js", own("chain-key.js"), { "errors.js": "__errors" })};`,
    scoped("verify-page.js", own("verify-page.js"), {
      "check-attestation.js": "__checker",
      "chain-key.js": "__chainKey",
    }) + ";",
  ].join("\n");
  const snarkjsScript = readFileSync(join(snarkjs.dir, "build/snarkjs.min.js"), "utf8");
  const css = own("verify.css");
  for (const [name, text] of [
    ["snarkjs", snarkjsScript],
    ["the page's module", moduleScript],
  ] as const)
    if (/<\/script/i.test(text)) throw new Error(`${name} contains "</script": it cannot be inlined`);
  // the keys are JSON in a data block: "<" escaped so that no text in them can end the element
  const keysJson = JSON.stringify(keys).replaceAll("<", "\\u003c");
  const csp = [
    "default-src 'none'",
    `script-src ${hash(snarkjsScript)} ${hash(moduleScript)} 'wasm-unsafe-eval'`,
    "worker-src blob:",
    `connect-src ${CHAIN_ENDPOINT_SOURCES}`,
    `style-src ${hash(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  let html = own("verify.html");
  const replace = (pattern: RegExp, text: string): void => {
    if (!pattern.test(html)) throw new Error(`verify.html: no ${String(pattern)} to replace`);
    html = html.replace(pattern, () => text);
  };
  replace(/ *<meta name="rwa-poseidon-lite"[^>]*>\n/, "");
  replace(/\(fetched\s+from this service's catalogue\)/, "(embedded in this file)");
  replace(/<link rel="stylesheet"[^>]*>/, `<style>${css}</style>`);
  replace(/ *<link rel="modulepreload"[^>]*>\n/g, "");
  replace(/<script src="\{\{snarkjs\}\}" defer><\/script>/, `<script>${snarkjsScript}</script>`);
  replace(
    /<script type="module" src="assets\/verify-page\.js"><\/script>/,
    `<script type="application/json" id="rwa-keys">${keysJson}</script>\n    <script type="module">${moduleScript}</script>`,
  );
  replace(
    /<meta charset="utf-8" \/>/,
    `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`,
  );
  return html;
}
