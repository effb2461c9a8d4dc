import { invoices } from "@org/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import { syncCustomer } from "./sync.js";

describe("syncCustomer with more than one page of Stripe objects", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it("follows has_more: all 130 invoices of a customer are stored, not the first 100", async () => {
    const tenant = await h.newTenant();
    const checkout = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    h.fake.completeCheckout(checkout.sessionId);
    const customerId = (await h.tenant(tenant.id)).stripeCustomerId!;
    const existing = (await h.stripe.invoices.list({ customer: customerId, limit: 100 })).data.length;
    for (let i = existing; i < 130; i++) await h.stripe.invoices.create({ customer: customerId });
    const page = await h.stripe.invoices.list({ customer: customerId, limit: 100 });
    expect(page.has_more).toBe(true);

    await syncCustomer(h.deps, customerId);
    expect(await h.t.db.$count(invoices, eq(invoices.tenantId, tenant.id))).toBe(130);
  });
});
