import { randomUUID } from "node:crypto";
import { notifications, tenants } from "@org/db";
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";

describe("a paid tenant's whole life through our routes and webhooks", () => {
  let h: CloudHarness;
  let deps: CloudHarness["deps"];
  let app: CloudHarness["app"];
  let fake: CloudHarness["fake"];
  let stripe: Stripe;
  const settle = () => h.settle();

  beforeAll(async () => {
    // The stand-in starts at real time: billing judges grace periods by the wall clock, as in production.
    h = await createCloudHarness({ startTime: Date.now() });
    ({ deps, app, fake } = h);
    stripe = new Stripe("sk_test_lifecycle", fake.stripeConfig());
  });
  afterAll(() => h?.close());

  it("signup on pro -> checkout -> active -> upgrade -> payment fails -> past_due (notified) -> card fixed -> active -> cancel at period end -> canceled -> free limits", async () => {
    const signup = await app.request(`http://${BASE}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": randomUUID() },
      body: JSON.stringify({
        name: "Life",
        slug: "life",
        email: "o@life.test",
        plan: "pro",
        interval: "month",
      }),
    });
    expect(signup.status).toBe(201);
    const created = (await signup.json()) as {
      tenant: { id: string };
      apiKey: { secret: string };
      checkoutUrl: string;
    };
    const auth = { Authorization: `Bearer ${created.apiKey.secret}` };
    const host = `http://life.${BASE}`;
    const get = async (path: string) =>
      (await app.request(`${host}${path}`, { headers: auth })).json() as Promise<Record<string, unknown>>;
    const post = (path: string, body: unknown) =>
      app.request(`${host}${path}`, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });

    fake.completeCheckout(created.checkoutUrl.match(/cs_[A-Za-z0-9_]+/)![0]);
    await settle();
    expect(await get("/v1/billing/subscription")).toMatchObject({ plan: "pro", status: "active" });

    fake.clock.advance("10d");
    const upgrade = await post("/v1/billing/subscription/change", {
      plan: "enterprise",
      prorationBehavior: "always_invoice",
    });
    expect(await upgrade.json()).toMatchObject({ change: "upgrade", subscription: { plan: "enterprise" } });
    await settle();

    const [row] = await deps.db.select().from(tenants).where(eq(tenants.id, created.tenant.id));
    const customerId = row!.stripeCustomerId!;
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: failing.id } });
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data;
    await stripe.subscriptions.update(sub!.id, { default_payment_method: failing.id });
    fake.clock.advanceTo(sub!.items.data[0]!.current_period_end);
    await settle();
    expect(await get("/v1/billing/subscription")).toMatchObject({ status: "past_due", plan: "enterprise" });
    const outbox = await deps.db
      .select()
      .from(notifications)
      .where(eq(notifications.tenantId, created.tenant.id));
    expect(outbox.filter((n) => n.kind === "payment_failed")).toHaveLength(1);

    fake.setPaymentFailing(failing.id, false);
    fake.clock.advance("3d"); // Stripe's smart retry succeeds
    await settle();
    expect(await get("/v1/billing/subscription")).toMatchObject({ status: "active", plan: "enterprise" });

    const cancel = await post("/v1/billing/subscription/cancel", { atPeriodEnd: true });
    expect(await cancel.json()).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    fake.clock.advance("32d");
    await settle();
    expect(await get("/v1/billing/subscription")).toMatchObject({ status: "canceled", plan: "free" });
    const tenant = await app.request(`${host}/v1/tenant`, { headers: auth });
    expect(await tenant.json()).toMatchObject({ plan: "free" });
    expect(tenant.headers.get("ratelimit-policy")).toBe('"free";q=20;w=2');
    const summary = (await get("/v1/usage/summary")) as { meters: { meter: string; included: number }[] };
    expect(summary.meters.find((m) => m.meter === "api_calls")?.included).toBe(10_000);
  });
});
