/**
 * The cross-tenant probe. It walks the app's route table, so a route added later is probed too:
 * tenant A's credentials with every id of tenant B, and B's Host with A's credentials, must never
 * read or change B's data.
 */
import { apiKeys, auditLog, tenants } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../src/index.js";
import { BASE_DOMAIN, bearer, createFixture, JWT_SECRET } from "./fixture.js";

let t: TestDb;
let f: ReturnType<typeof createFixture>;
let a: Awaited<ReturnType<typeof f.seedTenant>>;
let b: Awaited<ReturnType<typeof f.seedTenant>>;
let bSecondKey: string;

beforeAll(async () => {
  t = await createTestDb();
  f = createFixture(t.db);
  a = await f.seedTenant("probe-a");
  b = await f.seedTenant("probe-b");
  bSecondKey = (await f.apiKeys.create(b.id, { name: "b2" }, "test")).id;
});
afterAll(async () => {
  await t.cleanup();
  f.answers.assertNone();
});

async function snapshotB() {
  const tenant = await t.db.select().from(tenants).where(eq(tenants.id, b.id));
  const keys = await t.db.select().from(apiKeys).where(eq(apiKeys.tenantId, b.id));
  const audit = await t.db.select().from(auditLog).where(eq(auditLog.tenantId, b.id));
  // last_used_at is a usage hint, not tenant data a caller controls.
  return JSON.stringify({ tenant, keys: keys.map(({ lastUsedAt: _, ...k }) => k), audit: audit.length });
}

/** Every concrete route of the app, middleware entries (`use`) excluded. */
const routeTable = () => {
  const seen = new Set<string>();
  return f.app.routes.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (r.method === "ALL" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

const bodyFor = () =>
  JSON.stringify({
    name: "probe",
    status: "suspended",
    plan: "pro",
    slug: "probe-x",
    email: "p@x.test",
    scopes: ["*"],
  });

describe("cross-tenant probe over the whole route table", () => {
  it("finds the routes it must probe", () => {
    const paths = routeTable().map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "GET /v1/tenant",
        "POST /v1/api-keys",
        "GET /v1/api-keys",
        "DELETE /v1/api-keys/:id",
        "PATCH /admin/tenants/:id",
      ]),
    );
  });

  it("A's credentials (key or JWT) with B's ids never reach B's rows", async () => {
    const before = await snapshotB();
    const bIds = [b.id, b.keyId, bSecondKey, b.slug];
    const aJwt = signJwt({ tid: a.id, exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET);
    let probes = 0;
    for (const route of routeTable()) {
      const params = route.path.match(/:[A-Za-z]+/g) ?? [];
      const paths =
        params.length === 0 ? [route.path] : bIds.map((id) => route.path.replace(/:[A-Za-z]+/g, id));
      for (const path of paths) {
        for (const credential of [a.secret, aJwt]) {
          const res = await f.app.request(`http://${BASE_DOMAIN}${path}`, {
            method: route.method,
            headers: {
              ...bearer(credential),
              "Content-Type": "application/json",
              "Idempotency-Key": `probe-${probes}`,
            },
            body: ["GET", "HEAD"].includes(route.method) ? undefined : bodyFor(),
          });
          probes++;
          const text = await res.text();
          if (params.length > 0) {
            expect([401, 403, 404], `${route.method} ${path} -> ${res.status} ${text}`).toContain(res.status);
          }
          for (const secretOfB of [b.secret, b.id, b.keyId, bSecondKey]) {
            expect(text, `${route.method} ${path} leaked B's data`).not.toContain(secretOfB);
          }
        }
      }
    }
    expect(probes).toBeGreaterThan(20);
    expect(await snapshotB()).toBe(before);
  });

  it("B's Host with A's credentials is refused on every tenant route", async () => {
    const before = await snapshotB();
    for (const route of routeTable()) {
      const path = route.path.replace(/:[A-Za-z]+/g, b.keyId);
      const res = await f.app.request(`http://${b.slug}.${BASE_DOMAIN}${path}`, {
        method: route.method,
        headers: { ...bearer(a.secret), "Content-Type": "application/json", "Idempotency-Key": "probe-host" },
        body: ["GET", "HEAD"].includes(route.method) ? undefined : bodyFor(),
      });
      const text = await res.text();
      expect([401, 403, 404], `${route.method} ${path} on B's host -> ${res.status} ${text}`).toContain(
        res.status,
      );
      expect(text).not.toContain(b.keyId);
    }
    expect(await snapshotB()).toBe(before);
  });

  it("B's data is intact and B's keys still work after the probes", async () => {
    const res = await f.app.request(`http://${b.slug}.${BASE_DOMAIN}/v1/api-keys`, {
      headers: bearer(b.secret),
    });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string; revokedAt: string | null }[] }).data;
    expect(ids.map((k) => k.id).sort()).toEqual([b.keyId, bSecondKey].sort());
    expect(ids.every((k) => k.revokedAt === null)).toBe(true);
  });
});
