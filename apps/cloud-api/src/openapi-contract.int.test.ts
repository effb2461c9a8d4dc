import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudHarness, createCloudHarness } from "../test/harness.js";

// The document @org/client's types are generated from: cloud-api's, the superset of api's.
const committedPath = createRequire(import.meta.url).resolve("@org/client/openapi.json");

describe("the OpenAPI document cloud-api serves", () => {
  let h: CloudHarness;
  let served: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    h = await createCloudHarness({ env: { ADMIN_TOKEN: "admin-token-0123456789abcdefghijklmnop" } });
    served = (await (await h.app.request("/openapi.json")).json()) as typeof served;
    // UPDATE_OPENAPI=1 writes it; then `pnpm --filter @org/client generate` regenerates the client's types.
    if (process.env.UPDATE_OPENAPI === "1")
      await writeFile(committedPath, `${JSON.stringify(served, null, 2)}\n`);
  });
  afterAll(() => h?.close());

  it("is the one @org/client is generated from (UPDATE_OPENAPI=1 to refresh it after a route change)", async () => {
    const committed = JSON.parse(await readFile(committedPath, "utf8"));
    expect(served).toEqual(committed);
  });

  it("documents every route the app registered, and no route it did not register", () => {
    const documented = new Set(
      Object.entries(served.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    const isApi = (path: string) =>
      (path.startsWith("/v1/") || path.startsWith("/admin/")) &&
      !path.includes("*") &&
      !path.startsWith("/admin/console") &&
      !["/admin/login", "/admin/logout"].includes(path);
    const registered = new Set(
      h.app.routes.filter((r) => r.method !== "ALL" && isApi(r.path)).map((r) => `${r.method} ${r.path}`),
    );
    expect([...documented].sort()).toEqual([...registered].sort());
  });
});
