import { createStripeOperations } from "@org/idempotency";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import type { BillingDeps } from "./context.js";
import { ensureCustomer } from "./customers.js";
import { changePlan, setSeats } from "./manage.js";

const HOURS_25 = 25 * 3_600_000;

describe("outbound Stripe calls retried after Stripe forgot their key (24 h)", () => {
  let h: Harness;
  let deps: BillingDeps;
  beforeAll(async () => {
    h = await createHarness();
    // The operations' clock is the stand-in's: a key is as old as Stripe thinks it is.
    deps = {
      ...h.deps,
      operations: createStripeOperations({ db: h.t.db, now: () => new Date(h.fake.clock.now() * 1000) }),
    };
  });
  afterAll(() => h?.close());

  const sessionsOf = async (customerId: string) =>
    h.stripe.checkout.sessions.list({ customer: customerId, limit: 100 }).autoPagingToArray({ limit: 1000 });

  it("creates the checkout session when the first create never reached Stripe and the retry comes 25 h later", async () => {
    const tenant = await h.newTenant();
    const withCustomer = { ...tenant, stripeCustomerId: await ensureCustomer(deps, tenant) };
    h.fake.faults.failNext(1, { path: "/v1/checkout/sessions", method: "POST" });
    await expect(createCheckout(deps, withCustomer, { plan: "pro", interval: "month" })).rejects.toThrow();

    h.fake.clock.advance(HOURS_25);
    const checkout = await createCheckout(deps, withCustomer, { plan: "pro", interval: "month" });
    expect((await h.stripe.checkout.sessions.retrieve(checkout.sessionId)).status).toBe("open");
    expect(await sessionsOf(withCustomer.stripeCustomerId)).toHaveLength(1);
  });

  it("hands out one open session when the first create's answer was lost and the retry comes 25 h later", async () => {
    const tenant = await h.newTenant();
    const withCustomer = { ...tenant, stripeCustomerId: await ensureCustomer(deps, tenant) };
    // The SDK retries a closed connection once on its own: lose that answer too.
    h.fake.faults.dropResponseNext(2, { path: "/v1/checkout/sessions", method: "POST" });
    await expect(createCheckout(deps, withCustomer, { plan: "pro", interval: "month" })).rejects.toThrow();
    const [lost] = await sessionsOf(withCustomer.stripeCustomerId);
    expect(lost?.status).toBe("open");

    h.fake.clock.advance(HOURS_25);
    const checkout = await createCheckout(deps, withCustomer, { plan: "pro", interval: "month" });
    // Stripe expires a session after 24 h at most, so the lost one cannot be paid any more: a new one.
    const sessions = await sessionsOf(withCustomer.stripeCustomerId);
    expect(sessions.filter((s) => s.status === "open").map((s) => s.id)).toEqual([checkout.sessionId]);
    expect(sessions).toHaveLength(2);
  });

  it("upgrades, charged once, when the first update never reached Stripe and the same request is retried 25 h later", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    const request = { plan: "enterprise", requestKey: "req-upgrade-stale" };
    h.fake.faults.failNext(1, { path: /^\/v1\/subscriptions\/sub_/, method: "POST", status: 500 });
    await expect(changePlan(deps, tenant, request)).rejects.toThrow();

    h.fake.clock.advance(HOURS_25);
    const result = await changePlan(deps, tenant, request);
    expect(result.change).toBe("upgrade");
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");
    const upgradeInvoices = (await h.stripe.invoices.list({ customer: customerId, limit: 100 })).data.filter(
      (i) => i.billing_reason === "subscription_update",
    );
    expect(upgradeInvoices).toHaveLength(1);
  });

  it("finds the seat change made by a call whose answer was lost when the same request is retried 25 h later", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    h.fake.faults.dropResponseNext(2, { path: /^\/v1\/subscriptions\/sub_/, method: "POST" });
    await expect(setSeats(deps, tenant, { quantity: 4, requestKey: "req-seats-stale" })).rejects.toThrow();

    h.fake.clock.advance(HOURS_25);
    await setSeats(deps, tenant, { quantity: 4, requestKey: "req-seats-stale" });
    const [subscription] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    expect(subscription?.items.data[0]?.quantity).toBe(4);
  });
});
