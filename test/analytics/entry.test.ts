import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** Files reachable from an entry through relative imports, with the bare modules each imports. */
function graph(entry: URL): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (url: URL): void => {
    if (seen.has(url.href)) return;
    const text = readFileSync(url, "utf8");
    const specs = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
    seen.set(
      url.href,
      specs.filter((s) => !s.startsWith(".")),
    );
    for (const s of specs) if (s.startsWith(".")) visit(new URL(s, url));
  };
  visit(entry);
  return seen;
}

describe("entry points", () => {
  it("analytics/core.ts reaches no Node built-in (browser-safe)", () => {
    const g = graph(new URL("../../analytics/core.ts", import.meta.url));
    expect(g.size).toBeGreaterThan(8);
    const bare = [...g.values()].flat();
    expect(bare.filter((s) => s.startsWith("node:"))).toEqual([]);
  });
  it("analytics/index.ts does (worker threads), so the check above can fail", () => {
    const bare = [...graph(new URL("../../analytics/index.ts", import.meta.url)).values()].flat();
    expect(bare).toContain("node:worker_threads");
  });
});
