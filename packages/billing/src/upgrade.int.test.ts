import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { billingRoutes } from "./hono/routes.js";
import { changePlan } from "./manage.js";
import { syncCustomer } from "./sync.js";

describe("an upgrade is granted only once it is paid", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  /** A pro tenant, ten days into its period, whose card now fails. */
  async function proWithFailingCard() {
    const subscribed = await h.subscribe("pro");
    await h.deliverPending();
    h.fake.clock.advance("10d");
    const [subscription] = (await h.stripe.subscriptions.list({ customer: subscribed.customerId })).data;
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: subscribed.customerId,
    });
    await h.stripe.subscriptions.update(subscription!.id, { default_payment_method: failing.id });
    return { ...subscribed, subscription: subscription! };
  }

  it("keeps the tenant on its plan when the card fails, and discards the pending change", async () => {
    const { tenant, customerId, subscription } = await proWithFailingCard();
    await expect(changePlan(h.deps, tenant, { plan: "enterprise" })).rejects.toMatchObject({
      code: "payment_required",
    });

    const after = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(after.items.data[0]?.price.id).toBe("price_pro_monthly");
    expect(after.status).toBe("active");
    expect(after.pending_update).toBeNull();
    const upgradeInvoice = await h.stripe.invoices.retrieve(after.latest_invoice as string);
    expect(upgradeInvoice).toMatchObject({ status: "void", amount_paid: 0 });

    await h.deliverPending();
    await syncCustomer(h.deps, customerId);
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
    // Nothing left behind applies the upgrade later.
    h.fake.clock.advance("2d");
    await h.deliverPending();
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).items.data[0]?.price.id).toBe(
      "price_pro_monthly",
    );
    expect((await h.tenant(tenant.id)).plan).toBe("pro");

    // A replay of the same request is declined again, not reported as done.
    const requestKey = "req-upgrade-declined";
    await expect(changePlan(h.deps, tenant, { plan: "enterprise", requestKey })).rejects.toMatchObject({
      code: "payment_required",
    });
    await expect(changePlan(h.deps, tenant, { plan: "enterprise", requestKey })).rejects.toMatchObject({
      code: "payment_required",
    });

    // With a working card the same upgrade goes through.
    const card = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
    await h.stripe.subscriptions.update(subscription.id, { default_payment_method: card.id });
    expect((await changePlan(h.deps, tenant, { plan: "enterprise" })).change).toBe("upgrade");
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");
  });

  it("answers 402 payment_required over HTTP, and refuses an upgrade that would not be charged now", async () => {
    const { tenant } = await proWithFailingCard();
    const app = new Hono();
    app.onError(problemErrorHandler());
    app.route("/", billingRoutes({ billing: h.deps, tenantOf: () => ({ ...tenant, plan: "pro" }) }));
    const change = (body: object) =>
      app.request("/v1/billing/subscription/change", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const declined = await change({ plan: "enterprise" });
    expect(declined.status).toBe(402);
    expect(declined.headers.get("content-type")).toContain("application/problem+json");
    expect(await declined.json()).toMatchObject({ code: "payment_required", status: 402 });

    const deferred = await change({ plan: "enterprise", prorationBehavior: "none" });
    expect(deferred.status).toBe(400);
    expect(await deferred.json()).toMatchObject({ code: "validation_failed" });
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
  });
});
