import { tenantPlanHistory, tenants } from "@org/db";
import { calendarMonth } from "@org/usage-metering";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";
import { parseEnv } from "./env.js";

describe("cloud-api end to end: signup -> checkout -> webhook -> worker -> active -> metering -> overage -> quota", () => {
  let h: CloudHarness;
  let deps: CloudHarness["deps"];
  let app: CloudHarness["app"];
  let fake: CloudHarness["fake"];
  let worker: CloudHarness["worker"];

  beforeAll(async () => {
    h = await createCloudHarness({ env: { ADMIN_TOKEN: "cloud-admin-token-000000000000000000" } });
    ({ deps, app, fake, worker } = h);
  });
  afterAll(() => h?.close());

  const signup = async (slug: string, plan: string, key = `signup-${slug}`) =>
    app.request(`http://${BASE}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify({ name: slug, slug, email: `owner@${slug}.test`, plan, interval: "month" }),
    });

  it("runs the whole path", async () => {
    const created = await signup("acme", "pro");
    expect(created.status).toBe(201);
    const body = (await created.json()) as {
      tenant: { id: string; slug: string };
      apiKey: { secret: string };
      checkoutUrl: string;
    };
    expect(body.tenant.slug).toBe("acme");
    expect(body.checkoutUrl).toMatch(/cs_/);
    const replay = await signup("acme", "pro");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");

    const auth = { Authorization: `Bearer ${body.apiKey.secret}` };
    const acme = `http://acme.${BASE}`;
    expect(await (await app.request(`${acme}/v1/tenant`, { headers: auth })).json()).toMatchObject({
      plan: "free",
    });

    const sessionId = body.checkoutUrl.match(/cs_[A-Za-z0-9_]+/)![0];
    fake.completeCheckout(sessionId);
    await fake.webhooks.idle();
    await worker.drain();
    const tenant = (await (await app.request(`${acme}/v1/tenant`, { headers: auth })).json()) as {
      plan: string;
    };
    expect(tenant.plan).toBe("pro");
    const subscription = await app.request(`${acme}/v1/billing/subscription`, { headers: auth });
    expect(await subscription.json()).toMatchObject({ plan: "pro", status: "active" });
    // Per-plan rate limit on every response.
    expect(subscription.headers.get("ratelimit-policy")).toBe('"pro";q=200;w=2');
    expect(subscription.headers.get("x-request-id")).toMatch(/^req_/);
    expect(subscription.headers.get("x-content-type-options")).toBe("nosniff");

    await app.request(`${acme}/v1/usage/events`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ events: [{ id: "tok-1", meter: "tokens", quantity: 12_000_000 }] }),
    });
    const summary = (await (await app.request(`${acme}/v1/usage/summary`, { headers: auth })).json()) as {
      meters: { meter: string; used: number; included: number; overage: number; overageCost: number }[];
    };
    expect(summary.meters.find((m) => m.meter === "tokens")).toMatchObject({
      used: 12_000_000,
      included: 10_000_000,
      overage: 2_000_000,
      overageCost: 4_000,
    });
    expect(summary.meters.find((m) => m.meter === "api_calls")!.used).toBeGreaterThanOrEqual(4);
  });

  it("reports last month's overage to Stripe once, however often the job runs", async () => {
    const created = (await (await signup("overage", "pro")).json()) as {
      apiKey: { secret: string };
      checkoutUrl: string;
      tenant: { id: string };
    };
    fake.completeCheckout(created.checkoutUrl.match(/cs_[A-Za-z0-9_]+/)![0]);
    await fake.webhooks.idle();
    await worker.drain();
    const auth = { Authorization: `Bearer ${created.apiKey.secret}` };
    const lastMonth = new Date(
      calendarMonth(calendarMonth(Date.now()).start - 1).end - 3 * 86_400_000,
    ).toISOString();
    const sent = await app.request(`http://overage.${BASE}/v1/usage/events`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        events: [{ id: "late-1", meter: "tokens", quantity: 12_500_000, timestamp: lastMonth }],
      }),
    });
    expect(await sent.json()).toEqual({ accepted: 1, duplicates: 0 });
    // Billed with the plan in force at the period's end: the tenant has been on pro since then.
    await deps.db
      .update(tenantPlanHistory)
      .set({ effectiveAt: new Date(calendarMonth(Date.now()).start - 30 * 86_400_000) })
      .where(eq(tenantPlanHistory.tenantId, created.tenant.id));
    const first = await deps.overage.reportDuePeriods();
    const again = await deps.overage.reportDuePeriods();
    expect(first.failures).toBe(0);
    expect(again.reports).toBe(0);
    const [row] = await deps.db.select().from(tenants).where(eq(tenants.id, created.tenant.id));
    const events = fake.meterEvents().filter((e) => e.customer === row!.stripeCustomerId);
    expect(events.map((e) => [e.event.event_name, e.value])).toEqual([["tokens", 2_500_000]]);
  });

  it("enforces the free plan's hard quota with 429 quota_exceeded", async () => {
    const created = (await (await signup("freebie", "free")).json()) as {
      tenant: { id: string };
      apiKey: { secret: string };
    };
    const auth = { Authorization: `Bearer ${created.apiKey.secret}` };
    const host = `http://freebie.${BASE}`;
    expect((await app.request(`${host}/v1/tenant`, { headers: auth })).status).toBe(200);
    deps.metering.increment(created.tenant.id, "api_calls", 10_000);
    const refused = await app.request(`${host}/v1/tenant`, { headers: auth });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "quota_exceeded" });
  });

  it("refuses a key on another tenant's subdomain, and signup on a tenant's host", async () => {
    const a = (await (await signup("alpha", "free")).json()) as { apiKey: { secret: string } };
    await signup("beta", "free");
    const res = await app.request(`http://beta.${BASE}/v1/tenant`, {
      headers: { Authorization: `Bearer ${a.apiKey.secret}` },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "tenant_mismatch" });
    const taken = await signup("alpha", "free", "another-key");
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ code: "slug_taken" });
    const onTenantHost = await app.request(`http://alpha.${BASE}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "x-1" },
      body: JSON.stringify({ name: "g", slug: "gamma", email: "g@g.test", plan: "free" }),
    });
    expect(onTenantHost.status).toBe(404);
  });

  it("refuses to start without Postgres or Redis, with a clear message", () => {
    expect(() =>
      parseEnv({ BASE_DOMAIN: BASE, STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" }),
    ).toThrow(/cloud-api requires Postgres[\s\S]*cloud-api requires Redis/);
  });
});
