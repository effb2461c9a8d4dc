import { z } from "@hono/zod-openapi";
import { loadPlanCatalog } from "@org/billing";
import { closeDb, createDb } from "@org/db";
import { SCOPES } from "@org/multitenancy";
import { assertRoutesDeclared, type RouteAccessTable, undeclaredRoutes } from "@org/multitenancy/hono";
import { createMetrics } from "@org/server-kit";
import {
  ADMIN_SECURITY,
  apiRoute,
  apiRouter,
  bearer,
  createServiceApp,
  jsonResponse,
  type OpenApiDocument,
} from "@org/server-kit/hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../test/harness.js";
import { createPlatformPlans } from "../plans.js";
import { type BuiltPlatformDeps, createPlatformDeps } from "../platform-deps.js";
import { mountOpenApi, mountV1, type PlatformEnv } from "./index.js";
import { routeAccess, SERVICE_ROUTE_ACCESS } from "./route-access.js";

const ADMIN_TOKEN = "route-access-admin-token-0123456789";
type ServiceApp = ReturnType<typeof createServiceApp<PlatformEnv>>;

const ok = { 200: jsonResponse(z.object({ ok: z.boolean() })) };

/** A router declaring one route with `security`, as the packages declare theirs. */
function routerWith(method: "get" | "post" | "delete", path: string, security?: Record<string, string[]>[]) {
  const router = apiRouter();
  router.openapi(apiRoute({ method, path, responses: ok, ...(security ? { security } : {}) }), (c) =>
    c.json({ ok: true }, 200),
  );
  return router;
}

describe("routeAccess: what a declared route needs, read from its security", () => {
  it("maps bearer(scope) to the scope, ADMIN_SECURITY to admin and no security to public", () => {
    const table = routeAccess([
      routerWith("get", "/v1/things", bearer("usage:read")),
      routerWith("post", "/v1/things", bearer("usage:write")),
      routerWith("get", "/admin/things", ADMIN_SECURITY),
      routerWith("get", "/v1/open"),
    ]);
    expect(table["GET /v1/things"]).toBe("usage:read");
    expect(table["POST /v1/things"]).toBe("usage:write");
    expect(table["GET /admin/things"]).toBe("admin");
    expect(table["GET /v1/open"]).toBe("public");
  });

  it("keys a route as Hono registers it: upper-case method, {param} as :param", () => {
    const table = routeAccess([
      routerWith("delete", "/v1/things/{id}/parts/{partId}", bearer("usage:write")),
    ]);
    expect(table["DELETE /v1/things/:id/parts/:partId"]).toBe("usage:write");
    expect(Object.keys(table).some((key) => key.includes("{"))).toBe(false);
  });

  it("refuses a bearer route that names no scope, rather than letting any credential through", () => {
    expect(() => routeAccess([routerWith("get", "/v1/things", [{ bearerAuth: [] }])])).toThrow(
      /must declare its scope/,
    );
  });

  it("keeps the service routes' table and adds nothing for a router's non-route definitions", () => {
    const router = routerWith("get", "/v1/things", bearer("usage:read"));
    router.openAPIRegistry.register("Thing", z.object({ id: z.string() }));
    const table = routeAccess([router]);
    expect(table).toEqual({ ...SERVICE_ROUTE_ACCESS, "GET /v1/things": "usage:read" });
    expect(routeAccess([])).toEqual(SERVICE_ROUTE_ACCESS);
  });

  it("knows nothing of a route no router declares", () => {
    const table = routeAccess([routerWith("get", "/v1/things", bearer("usage:read"))]);
    expect(table["GET /v1/unknown"]).toBeUndefined();
    expect(table["POST /v1/things"]).toBeUndefined();
  });
});

describe("SERVICE_ROUTE_ACCESS: the routes without a declaration", () => {
  it("leaves the probes, metrics and docs public", () => {
    for (const route of ["GET /health", "GET /ready", "GET /metrics", "GET /openapi.json", "GET /docs"]) {
      expect(SERVICE_ROUTE_ACCESS[route as keyof typeof SERVICE_ROUTE_ACCESS]).toBe("public");
    }
  });

  it("puts every admin console route behind the admin token except the login form", () => {
    const login = new Set(["GET /admin", "GET /admin/login", "POST /admin/login"]);
    for (const [route, access] of Object.entries(SERVICE_ROUTE_ACCESS)) {
      if (!route.split(" ")[1]!.startsWith("/admin")) continue;
      expect([route, access]).toEqual([route, login.has(route) ? "public" : "admin"]);
    }
  });
});

describe("the access table of the mounted v1 surface", () => {
  // No connection is ever opened: mounting must not touch the database, and the requests below are
  // all refused before any route or store would read it (a query would fail and answer 500).
  const db = createDb({ driver: "postgres", url: "postgres://nobody@127.0.0.1:9/unreachable" });
  const built: BuiltPlatformDeps[] = [];
  let app: ServiceApp;
  let access: RouteAccessTable;
  let document: OpenApiDocument;

  /** A service app with the v1 surface mounted as cloud-api mounts it (admin on, billing off). */
  async function mountedApp(): Promise<{ app: ServiceApp; access: RouteAccessTable }> {
    const catalog = loadPlanCatalog();
    const logger = silentLogger();
    const metrics = createMetrics({ service: "route-access-test", defaultMetrics: false });
    const deps = await createPlatformDeps({
      service: "route-access-test",
      db,
      logger,
      metrics,
      catalog,
      plans: createPlatformPlans(catalog),
      fallbackPlan: catalog.defaultPlan.id,
      adminToken: ADMIN_TOKEN,
    });
    built.push(deps);
    const app = createServiceApp<PlatformEnv>({ logger, metrics, health: { checks: {} } });
    const v1 = mountV1(app, deps, { tenants: { baseDomain: "example.test" } });
    mountOpenApi(app, v1.routers, { title: "route-access-test" });
    return { app, access: { ...v1.access } };
  }

  beforeAll(async () => {
    ({ app, access } = await mountedApp());
    document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    for (const deps of built) await deps.close();
    await closeDb(db);
  });

  // The operator's JSON API (the rest of the admin routes are the HTML console's).
  const adminApiPaths = new Set([
    "GET /admin/tenants",
    "PATCH /admin/tenants/:id",
    "POST /admin/tenants/:id/credits",
  ]);
  const entries = () => Object.entries(access).map(([key, needs]) => ({ key, needs, ...parseKey(key) }));

  it("declares every endpoint the app serves, and names a route added without a declaration", async () => {
    expect(() => assertRoutesDeclared(app, access)).not.toThrow();
    // A fresh app: routes cannot be added to one that has answered a request.
    const fresh = await mountedApp();
    fresh.app.get("/v1/undeclared", (c) => c.text("x"));
    expect(undeclaredRoutes(fresh.app, fresh.access)).toEqual(["GET /v1/undeclared"]);
    expect(() => assertRoutesDeclared(fresh.app, fresh.access)).toThrow(/GET \/v1\/undeclared/);
  });

  it("says for every operation of /openapi.json what its declared security says", () => {
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, { security?: object[] }>)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        operations++;
        const requirement = op.security?.[0] as Record<string, string[]> | undefined;
        const expected = !requirement
          ? "public"
          : "adminToken" in requirement
            ? "admin"
            : requirement.bearerAuth?.[0];
        const key = `${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ":$1")}`;
        expect([key, access[key]]).toEqual([key, expected]);
      }
    }
    expect(operations).toBeGreaterThan(20);
  });

  it("asks a known scope of every tenant route, never nothing", () => {
    const tenantRoutes = entries().filter((e) => e.path.startsWith("/v1/"));
    expect(tenantRoutes.length).toBeGreaterThan(10);
    for (const { key, needs } of tenantRoutes) {
      expect([key, (SCOPES as readonly string[]).includes(needs)]).toEqual([key, true]);
    }
  });

  it("never asks a write scope to read, nor lets a read scope write", () => {
    for (const { key, needs, method } of entries()) {
      if (method === "ALL" || !needs.includes(":")) continue;
      const kind = needs.endsWith(":write") ? "write" : "read";
      expect([key, kind]).toEqual([key, method === "GET" ? "read" : "write"]);
    }
  });

  it("puts every /admin route but the console's login form behind the admin token", () => {
    const login = new Set(["GET /admin", "GET /admin/login", "POST /admin/login"]);
    const adminRoutes = entries().filter((e) => e.path.startsWith("/admin"));
    expect(adminRoutes.map((e) => e.key)).toEqual(expect.arrayContaining([...adminApiPaths]));
    for (const { key, needs } of adminRoutes) {
      expect([key, needs]).toEqual([key, login.has(key) ? "public" : "admin"]);
    }
  });

  it("refuses every admin API route without the admin token (401 problem+json), before any query", async () => {
    const adminApi = entries().filter((e) => adminApiPaths.has(e.key));
    expect(adminApi).toHaveLength(adminApiPaths.size);
    for (const { key, method, path } of adminApi) {
      const res = await app.request(path.replaceAll(/:\w+/g, "ten_x"), {
        method,
        headers: { Authorization: "Bearer not-the-admin-token", "Content-Type": "application/json" },
        body: method === "GET" ? undefined : "{}",
      });
      expect([key, res.status, res.headers.get("Content-Type")]).toEqual([
        key,
        401,
        expect.stringContaining("application/problem+json"),
      ]);
    }
  });

  it("sends every admin console page to the login form and refuses its actions without a console session", async () => {
    const consoleRoutes = entries().filter((e) => e.needs === "admin" && !adminApiPaths.has(e.key));
    expect(consoleRoutes.length).toBeGreaterThanOrEqual(5);
    for (const { key, method, path } of consoleRoutes) {
      const res = await app.request(path.replaceAll(/:\w+/g, "x"), { method });
      const answer = [key, res.status, res.headers.get("Location")];
      expect(answer).toEqual(method === "GET" ? [key, 303, "/admin/login"] : [key, 401, null]);
    }
  });
});

function parseKey(key: string): { method: string; path: string } {
  const [method, path] = key.split(" ") as [string, string];
  return { method, path };
}
