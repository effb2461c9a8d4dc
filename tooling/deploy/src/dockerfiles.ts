/** @module The repository's Dockerfiles: one per deployable service. */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Every `Dockerfile` directly inside a workspace folder (`apps/*`, `packages/*`, `tooling/*`),
 * relative to the root.
 *
 * @example
 * findDockerfiles(); // ["apps/api/Dockerfile", "apps/cloud-api/Dockerfile", ...]
 */
export function findDockerfiles(root = ROOT): string[] {
  const found: string[] = [];
  for (const group of ["apps", "packages", "tooling"]) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const file = join(root, group, entry.name, "Dockerfile");
      if (entry.isDirectory() && existsSync(file)) found.push(relative(root, file));
    }
  }
  return found.sort();
}
