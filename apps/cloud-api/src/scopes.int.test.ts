import { newId, tenants } from "@org/db";
import { SCOPES, signJwt } from "@org/multitenancy";
import { type RouteAccess, undeclaredRoutes } from "@org/multitenancy/hono";
import { SERVICE_ROUTE_ACCESS } from "@org/platform/hono";
import { inspectRoutes } from "hono/dev";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";

const ADMIN_TOKEN = "cloud-admin-token-000000000000000000";
const JWT_SECRET = "cloud-jwt-secret-0000000000000000000000";

/** A request path for a registered route pattern. */
const concrete = (path: string) =>
  path.replace(":id", "key_none").replace(":feature", "sso").replace("*", "anything");

describe("cloud-api: every route declares its scope, and each key reaches exactly its routes", () => {
  let h: CloudHarness;
  let tenantId: string;
  const keys = new Map<string, string>();

  beforeAll(async () => {
    h = await createCloudHarness({ env: { ADMIN_TOKEN, JWT_SECRET } });
    tenantId = newId("tenant");
    // Enterprise: its burst (2,000) is far above this walk, so no answer here is a 429.
    await h.deps.db.insert(tenants).values({
      id: tenantId,
      slug: "scoped",
      name: "s",
      email: "s@x.test",
      plan: "enterprise",
      status: "active",
    });
    for (const scope of [...SCOPES, "*"]) {
      keys.set(
        scope,
        (await h.deps.apiKeys.create(tenantId, { name: scope, scopes: [scope] }, "test")).secret,
      );
    }
  });
  afterAll(() => h?.close());

  /**
   * What each route needs, read from the served document (the scope each operation declares) and
   * the table of the service's undeclared routes: what the walk below expects to be enforced.
   */
  let table: Record<string, RouteAccess>;
  beforeAll(async () => {
    const doc = (await (await h.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    table = { ...SERVICE_ROUTE_ACCESS };
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const requirement = op.security?.[0];
        table[`${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ":$1")}`] = !requirement
          ? "public"
          : "adminToken" in requirement
            ? "admin"
            : (requirement.bearerAuth?.[0] as RouteAccess);
      }
  });

  const call = (method: string, path: string, token?: string) =>
    h.app.request(`http://${BASE}${concrete(path)}`, {
      method: method === "ALL" ? "GET" : method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(method === "GET" || method === "ALL" ? {} : { "Content-Type": "application/json" }),
      },
      ...(method === "GET" || method === "ALL" || method === "DELETE" ? {} : { body: "{}" }),
    });

  it("declares what every route of the app needs: in its OpenAPI declaration, or as a service route", () => {
    expect(undeclaredRoutes(h.app, table)).toEqual([]);
  });

  it("answers 403 insufficient_scope to every key without the route's scope, and never to the key with it", async () => {
    const endpoints = inspectRoutes(h.app as never).filter((r) => !r.isMiddleware);
    const scoped = endpoints.filter((r) => {
      const access = table[`${r.method} ${r.path}`];
      return access !== "public" && access !== "admin";
    });
    expect(scoped.length).toBeGreaterThanOrEqual(15);
    const wrong: string[] = [];
    for (const route of scoped) {
      const needed = table[`${route.method} ${route.path}`];
      for (const [scope, secret] of keys) {
        const res = await call(route.method, route.path, secret);
        const body = res.headers.get("content-type")?.includes("json") ? await res.json() : {};
        const refused = res.status === 403 && (body as { code?: string }).code === "insufficient_scope";
        const shouldPass = scope === "*" || scope === needed;
        if (refused === shouldPass) wrong.push(`${route.method} ${route.path} with ${scope}: ${res.status}`);
        if (refused) expect(res.headers.get("www-authenticate")).toContain(`scope="${needed}"`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("serves public routes without credentials and admin routes only with the admin token", async () => {
    const endpoints = inspectRoutes(h.app as never).filter((r) => !r.isMiddleware);
    for (const route of endpoints) {
      const access = table[`${route.method} ${route.path}`];
      if (access !== "admin") continue;
      const res = await call(route.method, route.path, keys.get("*"));
      // The console's pages send a browser without a session to the login form; everything else is 401.
      if (route.method === "GET" && route.path.startsWith("/admin/console")) {
        expect(res.status, route.path).toBe(303);
        expect(res.headers.get("location"), route.path).toMatch(/^\/admin\/login/);
      } else expect(res.status, route.path).toBe(401);
    }
    expect((await call("GET", "/health")).status).toBe(200);
  });

  it("gives a JWT without a scope claim no scope", async () => {
    const now = Math.floor(Date.now() / 1000);
    const bare = signJwt({ tid: tenantId, sub: "user_1", iat: now, exp: now + 300 }, JWT_SECRET);
    const res = await call("GET", "/v1/tenant", bare);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "insufficient_scope" });
    const scopedJwt = signJwt(
      { tid: tenantId, sub: "user_1", iat: now, exp: now + 300, scope: "tenant:read" },
      JWT_SECRET,
    );
    expect((await call("GET", "/v1/tenant", scopedJwt)).status).toBe(200);
  });

  it("never lets a key create a key with scopes its creator lacks", async () => {
    const creator = (
      await h.deps.apiKeys.create(
        tenantId,
        { name: "narrow", scopes: ["api_keys:write", "usage:read"] },
        "test",
      )
    ).secret;
    const create = (body: unknown) =>
      h.app.request(`http://${BASE}/v1/api-keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${creator}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const scopes of [["billing:write"], ["*"], ["usage:read", "usage:write"]]) {
      const res = await create({ name: "wider", scopes });
      expect(res.status, scopes.join()).toBe(403);
      expect(await res.json()).toMatchObject({ code: "insufficient_scope" });
    }
    const unknown = await create({ name: "odd", scopes: ["root:all"] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: "validation_failed" });
    const narrower = await create({ name: "narrower", scopes: ["usage:read"] });
    expect(narrower.status).toBe(201);
    expect(await narrower.json()).toMatchObject({ scopes: ["usage:read"] });
    const inherited = await create({ name: "inherited" });
    expect(inherited.status).toBe(201);
    expect(await inherited.json()).toMatchObject({ scopes: ["api_keys:write", "usage:read"] });
  });
});
