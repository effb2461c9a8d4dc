import { newId, tenants } from "@org/db";
import { problemErrorHandler } from "@org/problem/hono";
import { createTestDb, type TestDb } from "@org/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createApiKeyService } from "../api-keys.js";
import { createLocalBus } from "../cache/bus.js";
import { createTenantCache } from "../cache/tenant-cache.js";
import type { ResolvedTenant } from "../tenant.js";
import type { TenantScope } from "../tenant-scope.js";
import { createTenantLoader } from "../tenants.js";
import { slugFromHost, tenant } from "./tenant-middleware.js";
import type { TenantEnv, TenantVariables } from "./variables.js";

let t: TestDb;
const ONLY = newId("tenant");
const OTHER = newId("tenant");
beforeAll(async () => {
  t = await createTestDb();
  await t.db.insert(tenants).values([
    { id: ONLY, slug: "only", name: "o", email: "o@x.test", plan: "self_hosted", status: "active" },
    { id: OTHER, slug: "other", name: "x", email: "x@x.test", plan: "free", status: "active" },
  ]);
});
afterAll(() => t.cleanup());

const deps = () => {
  const bus = createLocalBus();
  return {
    db: t.db,
    cache: createTenantCache({ loader: createTenantLoader(t.db), bus }),
    apiKeys: createApiKeyService({ db: t.db, bus }),
  };
};

describe("slugFromHost", () => {
  it.each([
    ["acme.example.com", "acme"],
    ["ACME.Example.com:8443", "acme"],
    ["acme.example.com.", "acme"],
    ["example.com", undefined],
    ["localhost:3000", undefined],
    ["127.0.0.1", undefined],
    ["acme.example.com.evil.test", undefined],
    ["a.b.example.com", "a.b"],
    ["ACME.EXAMPLE.COM.:443", "acme"],
    ["acme.example.com:", undefined],
    ["acme.example.com:44a", undefined],
    ["[::1]:3000", undefined],
    ["api.example.com", undefined],
    ["WWW.example.com:443", undefined],
    ["admin.example.com", undefined],
    [undefined, undefined],
  ])("%s -> %s", (host, slug) => {
    expect(slugFromHost(host, "example.com")).toBe(slug);
  });
});

describe("tenant() with a fixed tenant (self-hosted)", () => {
  it("serves the fixed tenant to its own keys and refuses another tenant's key (403 tenant_mismatch)", async () => {
    const d = deps();
    const app = new Hono<TenantEnv>();
    app.onError(problemErrorHandler());
    app.use("*", tenant({ ...d, fixedTenantId: ONLY }));
    app.get("/who", (c) => c.json({ id: c.var.tenant.id, auth: c.var.auth.kind }));
    const mine = await d.apiKeys.create(ONLY, { name: "m" }, "test");
    const theirs = await d.apiKeys.create(OTHER, { name: "t" }, "test");
    const ok = await app.request("/who", { headers: { Authorization: `Bearer ${mine.secret}` } });
    expect(await ok.json()).toEqual({ id: ONLY, auth: "api_key" });
    const bad = await app.request("/who", { headers: { Authorization: `Bearer ${theirs.secret}` } });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toMatchObject({ code: "tenant_mismatch" });
    expect((await app.request("/who")).status).toBe(401);
  });

  it("reads the Authorization header's spellings of Bearer and tells API keys from JWTs by their dots", async () => {
    const d = deps();
    const app = new Hono<TenantEnv>();
    app.onError(problemErrorHandler());
    app.use("*", tenant({ ...d, fixedTenantId: ONLY }));
    app.get("/who", (c) => c.json({ id: c.var.tenant.id, auth: c.var.auth.kind }));
    const key = await d.apiKeys.create(ONLY, { name: "spellings" }, "test");
    const status = async (authorization: string) =>
      (await app.request("/who", { headers: { Authorization: authorization } })).status;
    expect(await status(`Bearer ${key.secret}`)).toBe(200);
    expect(await status(`bearer ${key.secret}`)).toBe(200);
    expect(await status(`BEARER \t ${key.secret}  `)).toBe(200);
    expect(await status(`Bearer ${key.secret} extra`)).toBe(401);
    expect(await status(`Bearer  ${key.secret}x`)).toBe(401);
    expect(await status(`Basic ${key.secret}`)).toBe(401);
    expect(await status("Bearer ")).toBe(401);
    // Three parts: a JWT, which this app does not accept; two or four parts: an (unknown) API key.
    const kind = async (token: string) =>
      (
        (await (await app.request("/who", { headers: { Authorization: `Bearer ${token}` } })).json()) as {
          detail: string;
        }
      ).detail;
    expect(await kind("a.b.c")).toBe("JWT authentication is not enabled.");
    expect(await kind("a.b")).toBe("Invalid API key.");
    expect(await kind("a.b.c.d")).toBe("Invalid API key.");
  });

  it("serves anonymous requests as the fixed tenant with no scopes when credentials are optional", async () => {
    const app = new Hono<TenantEnv>();
    app.use("*", tenant({ ...deps(), fixedTenantId: ONLY, requireCredentials: false }));
    app.get("/who", (c) => c.json({ id: c.var.tenant.id, scopes: c.var.auth.scopes }));
    expect(await (await app.request("/who")).json()).toEqual({ id: ONLY, scopes: [] });
  });

  it("refuses a configuration with no source, or credentials required without a verifier", () => {
    expect(() => tenant({ db: t.db, cache: deps().cache })).toThrow(/at least one/);
    expect(() => tenant({ db: t.db, cache: deps().cache, fixedTenantId: ONLY })).toThrow(
      /requireCredentials/,
    );
  });

  it("types the resolved tenant on the context", () => {
    expectTypeOf<TenantVariables["tenant"]>().toEqualTypeOf<ResolvedTenant>();
    expectTypeOf<TenantVariables["tenantDb"]>().toEqualTypeOf<TenantScope>();
    expectTypeOf<ResolvedTenant>().toHaveProperty("plan").toEqualTypeOf<string>();
  });
});
