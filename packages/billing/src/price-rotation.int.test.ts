import { subscriptions } from "@org/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createObservers } from "../test/observers.js";
import { rotatedCatalog } from "../test/rotated-catalog.js";
import { createCheckout } from "./checkout.js";
import type { SyncDeps } from "./context.js";
import { changePlan } from "./manage.js";
import { syncCustomer } from "./sync.js";

describe("a price rotated in Stripe", () => {
  let h: Harness;
  let rotatedTo: string;
  beforeAll(async () => {
    h = await createHarness();
    const price = await h.stripe.prices.create({
      product: "prod_pro",
      currency: "usd",
      unit_amount: 5900,
      recurring: { interval: "month" },
    });
    rotatedTo = price.id;
  });
  afterAll(() => h?.close());

  const rowOf = async (tenantId: string) =>
    (await h.t.db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId)))[0];

  it("keeps the tenant's last known plan and raises an alert when the catalogue forgot the old price", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    await syncCustomer(h.deps, customerId);
    expect((await h.tenant(tenant.id)).plan).toBe("pro");

    const observers = createObservers();
    const forgetful: SyncDeps = {
      ...h.deps,
      catalog: rotatedCatalog({ keepOldAsLegacy: false, to: rotatedTo }),
      logger: observers.logger,
      metrics: observers.metrics,
    };
    const result = await syncCustomer(forgetful, customerId);
    expect(result).toMatchObject({ outcome: "synced", status: "active", planChanged: false });
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
    expect(await rowOf(tenant.id)).toMatchObject({ plan: "pro", priceIds: ["price_pro_monthly"] });
    expect(observers.counts.get("billing_unknown_price_total")).toBe(1);
    expect(observers.lines).toContainEqual({
      level: "error",
      message: "billing.sync.unknown_price",
      fields: expect.objectContaining({ tenantId: tenant.id, priceId: "price_pro_monthly" }),
    });
  });

  it("maps a grandfathered subscription to its plan when the old price is listed as legacy, while new checkouts use the new price", async () => {
    const observers = createObservers();
    const deps = {
      ...h.deps,
      catalog: rotatedCatalog({ keepOldAsLegacy: true, to: rotatedTo }),
      metrics: observers.metrics,
    };
    const { tenant, customerId } = await h.subscribe("pro");
    await syncCustomer(deps, customerId);
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
    expect(await rowOf(tenant.id)).toMatchObject({ plan: "pro", interval: "month" });
    expect(observers.counts.get("billing_unknown_price_total")).toBeUndefined();
    // Asking for the plan it is on keeps the grandfathered price rather than moving it.
    const same = await changePlan(deps, tenant, { plan: "pro" });
    expect(same.change).toBe("unchanged");
    const [subscription] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    expect(subscription?.items.data[0]?.price.id).toBe("price_pro_monthly");

    const newcomer = await h.newTenant();
    const checkout = await createCheckout(deps, newcomer, { plan: "pro", interval: "month" });
    h.fake.completeCheckout(checkout.sessionId);
    const newcomerCustomer = (await h.tenant(newcomer.id)).stripeCustomerId!;
    await syncCustomer(deps, newcomerCustomer);
    expect(await rowOf(newcomer.id)).toMatchObject({ plan: "pro", priceIds: [rotatedTo] });
    expect((await h.tenant(newcomer.id)).plan).toBe("pro");
  });
});
