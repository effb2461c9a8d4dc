import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { honoReachableFrom, isHono, PACKAGES, runtimeImports } from "./source-graph.js";

const packages = readdirSync(PACKAGES).filter((name) => statSync(join(PACKAGES, name)).isDirectory());

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });

const manifest = (name: string) =>
  JSON.parse(readFileSync(join(PACKAGES, name, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };

describe("every package: a framework-free root, its Hono side under ./hono", () => {
  it("finds the packages", () => {
    expect(packages).toEqual(expect.arrayContaining(["billing", "platform", "problem", "server-kit"]));
  });

  it.each(packages)("%s: the root export loads no Hono module, directly or through a package", (name) => {
    expect(honoReachableFrom(join(PACKAGES, name, "src/index.ts"))).toEqual([]);
  });

  it.each(packages)("%s: every production file that loads Hono is under src/hono", (name) => {
    const src = join(PACKAGES, name, "src");
    const outside = sourceFiles(src)
      .filter((file) => !relative(src, file).startsWith("hono/"))
      .filter(
        (file) =>
          runtimeImports(file).some(isHono) ||
          runtimeImports(file).some((s) => /^@org\/[^/]+\/hono$/.test(s)),
      )
      .map((file) => relative(src, file));
    expect(outside).toEqual([]);
  });

  it.each(packages)("%s: a src/hono folder is published as ./hono, built from src/hono/index.ts", (name) => {
    const root = join(PACKAGES, name);
    const hasHono = readdirSync(join(root, "src")).includes("hono");
    const exported = manifest(name).exports["./hono"];
    const tsup = readFileSync(join(root, "tsup.config.ts"), "utf8");
    if (!hasHono) {
      expect(exported).toBeUndefined();
      return;
    }
    expect(exported).toEqual({ types: "./dist/hono/index.d.ts", default: "./dist/hono/index.js" });
    expect(tsup).toContain('"src/hono/index.ts"');
  });
});
