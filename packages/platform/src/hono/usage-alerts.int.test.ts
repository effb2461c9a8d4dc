import { notifications } from "@org/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createPlatformHarness, type PlatformHarness } from "../../test/harness.js";

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
