/** @module The runtime import graph of a package's sources, read from its TypeScript files. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The workspace's packages folder. */
export const PACKAGES = resolve(dirname(new URL(import.meta.url).pathname), "../../../packages");

// `import ... from "x"`, `export ... from "x"` and `import "x"`, but not `import type` / `export type`
// (erased at build) and not the `type` of a mixed list, which still loads the module.
const STATEMENT = /^\s*(import|export)\s+(type\s+)?([^;]*?\bfrom\s+)?["']([^"']+)["']/gm;

/** The modules a source file loads at runtime (type-only imports excluded). */
export function runtimeImports(file: string): string[] {
  const found: string[] = [];
  for (const [, , typeOnly, , specifier] of readFileSync(file, "utf8").matchAll(STATEMENT)) {
    if (!typeOnly && specifier) found.push(specifier);
  }
  return found;
}

/**
 * The source file a relative specifier names (`./x.js` is `./x.ts`); undefined for a data file
 * (`./plans.json`), which loads nothing.
 */
export function resolveRelative(from: string, specifier: string): string | undefined {
  const target = resolve(dirname(from), specifier);
  if (/\.(json|css|txt)$/.test(target)) return undefined;
  const stem = target.replace(/\.js$/, "");
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(stem, "index.ts")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** The entry source of a workspace package's subpath (`@org/x` or `@org/x/hono`), if it has one. */
export function workspaceEntry(specifier: string): string | undefined {
  const match = /^@org\/([^/]+)(\/hono)?$/.exec(specifier);
  if (!match?.[1]) return undefined;
  const entry = join(PACKAGES, match[1], "src", match[2] ? "hono/index.ts" : "index.ts");
  return existsSync(entry) ? entry : undefined;
}

/** Whether a bare specifier is Hono itself or a Hono adapter. */
export const isHono = (specifier: string): boolean =>
  specifier === "hono" || specifier.startsWith("hono/") || specifier.startsWith("@hono/");

/**
 * Every Hono module reachable at runtime from `entry`, through relative imports and other workspace
 * packages, each with the file that loads it.
 */
export function honoReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string | undefined) => {
    if (file === undefined || seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) visit(resolveRelative(file, specifier));
      else if (isHono(specifier)) found.push(`${specifier} (loaded by ${relative(PACKAGES, file)})`);
      else visit(workspaceEntry(specifier));
    }
  };
  visit(entry);
  return found;
}
