import { problemErrorHandler } from "@org/problem/hono";
import { createTestDb, type TestDb } from "@org/testing";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteringPlan, seedTenant } from "../../test/catalogue.js";
import { type Harness, meteringFor } from "../../test/setup.js";
import { quota, usageCounter } from "./middleware.js";

type AppEnv = { Variables: { tenantId?: string } };

let t: TestDb;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, Date.UTC(2026, 2, 15, 12));
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

function app() {
  const a = new Hono<AppEnv>();
  a.use(async (c, next) => {
    c.set("tenantId", c.req.header("x-tenant"));
    await next();
  });
  a.use("/v1/*", quota<AppEnv>({ metering: h.metering, tenantId: (c) => c.get("tenantId") }));
  a.use("/v1/*", usageCounter<AppEnv>({ metering: h.metering, tenantId: (c) => c.get("tenantId") }));
  a.get("/v1/thing", (c) => c.json({ ok: true }));
  a.post("/v1/replayed", (c) => c.json({ ok: true }, 201, { "Idempotent-Replayed": "true" }));
  a.onError(problemErrorHandler());
  return a;
}

describe("usageCounter and quota middleware", () => {
  it("counts each tenant request once, not replays or tenantless requests, and refuses at a hard limit", async () => {
    const tenant = await seedTenant(t.db, "free");
    h.plans.set(tenant, "free");
    const a = app();
    const headers = { "x-tenant": tenant };
    h.metering.increment(tenant, "api_calls", 9_997);
    expect((await a.request("/v1/thing", { headers })).status).toBe(200);
    expect((await a.request("/v1/replayed", { method: "POST", headers })).status).toBe(201);
    expect((await a.request("/v1/thing")).status).toBe(200);
    expect((await a.request("/v1/thing", { headers })).status).toBe(200);
    expect((await a.request("/v1/thing", { headers })).status).toBe(200); // the 10,000th call
    const refused = await a.request("/v1/thing", { headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ code: "quota_exceeded", meter: "api_calls", limit: 10_000 });
    await h.metering.flush();
    expect((await h.metering.currentPeriod(tenant)).totals.api_calls).toBe(10_000);
  });

  it("never refuses a soft limit", async () => {
    const tenant = await seedTenant(t.db, "pro");
    h.plans.set(tenant, "pro");
    h.metering.increment(tenant, "api_calls", 2_000_000);
    expect((await app().request("/v1/thing", { headers: { "x-tenant": tenant } })).status).toBe(200);
  });
});

describe("quota with the resolved tenant's plan", () => {
  type TenantEnv = { Variables: { tenant?: { id: string; plan: string } } };

  function countingMetering(startMs: number) {
    const lookups = { count: 0 };
    const harness = meteringFor(
      t.db,
      {
        planFor: (tenantId) => {
          lookups.count += 1;
          return meteringPlan(h.plans.get(tenantId) ?? "pro");
        },
      },
      startMs,
    );
    return { harness, lookups };
  }

  function tenantApp(metering: Harness["metering"], withPlan: boolean) {
    const a = new Hono<TenantEnv>();
    a.use(async (c, next) => {
      c.set("tenant", { id: c.req.header("x-tenant")!, plan: c.req.header("x-plan")! });
      await next();
    });
    a.use(
      "/v1/*",
      quota<TenantEnv>({
        metering,
        tenantId: (c) => c.get("tenant")?.id,
        ...(withPlan ? { plan: (c) => meteringPlan(c.get("tenant")!.plan) } : {}),
      }),
    );
    a.get("/v1/thing", (c) => c.json({ ok: true }));
    a.onError(problemErrorHandler());
    return a;
  }

  it("makes no plan lookup, and follows a plan change of the tenant at once", async () => {
    const { harness, lookups } = countingMetering(Date.UTC(2026, 3, 15, 12));
    try {
      const tenant = await seedTenant(t.db, "free");
      const a = tenantApp(harness.metering, true);
      harness.metering.increment(tenant, "api_calls", 10_000);
      const asFree = { "x-tenant": tenant, "x-plan": "free" };
      expect((await a.request("/v1/thing", { headers: asFree })).status).toBe(429);
      expect((await a.request("/v1/thing", { headers: asFree })).status).toBe(429);
      expect(
        (await a.request("/v1/thing", { headers: { "x-tenant": tenant, "x-plan": "pro" } })).status,
      ).toBe(200);
      expect(lookups.count).toBe(0);
    } finally {
      await harness.metering.close();
    }
  });

  it("falls back to one plan lookup per tenant without the plan option", async () => {
    const { harness, lookups } = countingMetering(Date.UTC(2026, 3, 15, 12));
    try {
      const tenant = await seedTenant(t.db, "free");
      h.plans.set(tenant, "free");
      const a = tenantApp(harness.metering, false);
      harness.metering.increment(tenant, "api_calls", 10_000);
      const headers = { "x-tenant": tenant, "x-plan": "pro" };
      expect((await a.request("/v1/thing", { headers })).status).toBe(429);
      expect((await a.request("/v1/thing", { headers })).status).toBe(429);
      expect(lookups.count).toBe(1);
    } finally {
      await harness.metering.close();
    }
  });
});
