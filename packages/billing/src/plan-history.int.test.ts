import { planInForceAt, tenantPlanHistory } from "@org/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import { syncCustomer } from "./sync.js";

describe("plan history from subscription sync", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it("records the plan a sync moves the tenant to, at the sync's time, so earlier instants keep the old plan", async () => {
    const tenant = await h.newTenant("free");
    const checkout = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    const before = h.deps.clock!();
    h.fake.completeCheckout(checkout.sessionId);
    await syncCustomer(h.deps, (await h.tenant(tenant.id)).stripeCustomerId!);
    await syncCustomer(h.deps, (await h.tenant(tenant.id)).stripeCustomerId!);
    const history = await h.t.db
      .select()
      .from(tenantPlanHistory)
      .where(eq(tenantPlanHistory.tenantId, tenant.id));
    expect(history.map((r) => [r.previousPlan, r.plan])).toEqual([["free", "pro"]]);
    expect(await planInForceAt(h.t.db, tenant.id, new Date(before.getTime() - 1))).toBe("free");
    expect(await planInForceAt(h.t.db, tenant.id, h.deps.clock!())).toBe("pro");
  });
});
