import { notifications, usageBuckets } from "@org/db";
import { createMetrics } from "@org/server-kit";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createPlatformHarness, type PlatformHarness, silentLogger } from "../../test/harness.js";
import { createPlatformDeps } from "../platform-deps.js";

describe("usage alerts through the v1 pipeline", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ redis: true });
  });
  afterAll(() => h?.close());

  it("stores the alerts with PUT and puts one usage.threshold_reached notification in the outbox", async () => {
    const tenant = await h.seedTenant();
    const headers = { ...bearer(tenant.secret), "Content-Type": "application/json" };
    const config = { meters: { api_calls: { percentages: [50] } } };
    const put = () =>
      h.app.request("/v1/usage/alerts", {
        method: "PUT",
        headers: { ...headers, "Idempotency-Key": "alerts-1" },
        body: JSON.stringify(config),
      });
    expect((await put()).status).toBe(200);
    const again = await put();
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const got = await h.app.request("/v1/usage/alerts", { headers });
    expect(await got.json()).toEqual(config);

    const summary = await h.deps.metering.summary(tenant.id);
    const included = summary.meters.find((m) => m.meter === "api_calls")!.included!;
    h.deps.metering.increment(tenant.id, "api_calls", Math.ceil(included / 2));
    await h.deps.metering.flush();
    h.deps.metering.increment(tenant.id, "api_calls", 1);
    await h.deps.metering.flush();

    const outbox = await h.t.db.select().from(notifications).where(eq(notifications.tenantId, tenant.id));
    expect(outbox.map((n) => n.kind)).toEqual(["usage.threshold_reached"]);
    expect(outbox[0]!.payload).toMatchObject({ meter: "api_calls", threshold: "pct:50", included });
  });

  it("refuses a bad PUT body with 400 validation_failed", async () => {
    const tenant = await h.seedTenant();
    const res = await h.app.request("/v1/usage/alerts", {
      method: "PUT",
      headers: { ...bearer(tenant.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ meters: { api_calls: { percentages: ["half"] } } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
  });
});

describe("spend caps across nodes", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ redis: true, billing: false, signup: false, admin: false });
  });
  afterAll(() => h?.close());

  /** A second node: its own deps and caches over the same Postgres and Redis (same service). */
  const secondNode = () =>
    createPlatformDeps({
      service: `${h.redis!.prefix}platform`,
      db: h.t.db,
      redis: h.redis!.connect({ enableAutoPipelining: true }),
      logger: silentLogger(),
      metrics: createMetrics({ service: "platform-test-b", defaultMetrics: false }),
      catalog: h.catalog,
      plans: h.deps.plans,
      fallbackPlan: h.catalog.defaultPlan.id,
    });

  async function until(condition: () => boolean, timeoutMs = 2_000): Promise<number> {
    const started = Date.now();
    while (!condition()) {
      if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - started;
  }

  it("a cap set or raised on one node is enforced or lifted on another at once, not after the cache TTL", async () => {
    const b = await secondNode();
    try {
      const tenant = await h.seedTenant("pro");
      const plan = h.deps.plans.metering("pro");
      const included = plan.meters.api_calls!.included;
      // 2,000 calls over pro's quota: 100 (50 per started 1,000) of overage this month.
      await h.t.db.insert(usageBuckets).values({
        tenantId: tenant.id,
        meter: "api_calls",
        bucketStart: new Date(Math.floor(Date.now() / 60_000) * 60_000),
        value: included + 2_000,
      });
      // Node B has served the tenant: its usage and (empty) alert settings are cached.
      await b.metering.check(tenant.id, "api_calls", plan);
      await b.metering.reloadAlertSettings(tenant.id);
      expect(b.metering.overSpendCap(tenant.id, "api_calls", plan)).toBe(false);

      const put = (spendCap: number, key: string) =>
        h.app.request("/v1/usage/alerts", {
          method: "PUT",
          headers: { ...bearer(tenant.secret), "Content-Type": "application/json", "Idempotency-Key": key },
          body: JSON.stringify({ meters: { api_calls: { spendCap } } }),
        });
      expect((await put(50, "cap-1")).status).toBe(200); // on node A
      await until(() => b.metering.overSpendCap(tenant.id, "api_calls", plan));

      expect((await put(1_000, "cap-2")).status).toBe(200);
      await until(() => !b.metering.overSpendCap(tenant.id, "api_calls", plan));
    } finally {
      await b.close();
    }
  });
});
