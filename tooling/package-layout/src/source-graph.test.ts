import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { honoReachableFrom, PACKAGES, runtimeImports } from "./source-graph.js";

const files = (tree: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "layout-"));
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
};

describe("runtimeImports", () => {
  it("keeps value and side-effect imports and re-exports, drops type-only ones", () => {
    const dir = files({
      "a.ts": [
        'import type { Context } from "hono";',
        'export type { Env } from "hono/types";',
        'import { type Next, Hono } from "hono";',
        'import {\n  cors,\n} from "hono/cors";',
        'export { x } from "./x.js";',
        'import "./side.js";',
      ].join("\n"),
    });
    expect(runtimeImports(join(dir, "a.ts"))).toEqual(["hono", "hono/cors", "./x.js", "./side.js"]);
  });
});

describe("honoReachableFrom", () => {
  it("follows relative imports to a Hono module", () => {
    const dir = files({
      "index.ts": 'export { a } from "./a.js";',
      "a.ts": 'import { b } from "./b.js";\nexport const a = b;',
      "b.ts": 'import { Hono } from "hono";\nexport const b = new Hono();',
    });
    expect(honoReachableFrom(join(dir, "index.ts"))).toEqual([
      expect.stringMatching(/^hono \(loaded by .*b\.ts\)$/),
    ]);
  });

  it("follows a workspace package's root and its ./hono subpath", () => {
    const dir = files({
      "root.ts": 'import { codeToStatus } from "@org/problem";',
      "subpath.ts": 'import { ProblemError } from "@org/problem/hono";',
    });
    expect(honoReachableFrom(join(dir, "root.ts"))).toEqual([]);
    expect(honoReachableFrom(join(dir, "subpath.ts")).join()).toContain("hono/http-exception");
  });

  it("reads the workspace's packages", () => {
    expect(honoReachableFrom(join(PACKAGES, "server-kit/src/hono/index.ts")).length).toBeGreaterThan(0);
  });
});
