import { syncCustomer } from "@org/billing";
import { tenants, trialClaims } from "@org/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createPlatformHarness, type PlatformHarness } from "../../test/harness.js";

describe("signup on a plan with trialDays (enterprise): a card-less trial, one per email", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness();
  });
  afterAll(() => h?.close());

  let keys = 0;
  const signup = (slug: string, email: string, plan = "enterprise") =>
    h.app.request("/v1/tenants", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": `trial-${slug}-${keys++}` },
      body: JSON.stringify({ name: slug, slug, email, plan }),
    });

  interface Created {
    tenant: { id: string; plan: string; status: string };
    apiKey: { secret: string };
    checkoutUrl?: string;
  }

  const stripeSubscriptions = async (tenantId: string) => {
    const [row] = await h.t.db.select().from(tenants).where(eq(tenants.id, tenantId));
    const list = await h.deps.billing!.stripe.subscriptions.list({
      customer: row!.stripeCustomerId!,
      status: "all",
    });
    return { customerId: row!.stripeCustomerId!, subscriptions: list.data };
  };

  it("puts the tenant on the plan at once, trialing with no payment method, and no checkout", async () => {
    const res = await signup("trial-one", "owner@trial-one.test");
    expect(res.status).toBe(201);
    const body = (await res.json()) as Created;
    expect(body.checkoutUrl).toBeUndefined();
    expect(body.tenant).toMatchObject({ plan: "enterprise", status: "active" });
    const { subscriptions } = await stripeSubscriptions(body.tenant.id);
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({
      status: "trialing",
      default_payment_method: null,
      metadata: { tenant_id: body.tenant.id, plan: "enterprise" },
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    const days = (subscriptions[0]!.trial_end! - subscriptions[0]!.trial_start!) / 86_400;
    expect(days).toBe(14);
    const me = await h.app.request("/v1/tenant", { headers: bearer(body.apiKey.secret) });
    expect(await me.json()).toMatchObject({ plan: "enterprise" });
    // Synced at signup, before any webhook: the subscription already reads trialing.
    const subscription = await h.app.request("/v1/billing/subscription", {
      headers: bearer(body.apiKey.secret),
    });
    expect(await subscription.json()).toMatchObject({ plan: "enterprise", status: "trialing" });
  });

  it("gives the same email (other case, +tag) no second trial: that signup goes through checkout", async () => {
    const first = (await (await signup("trial-twice-a", "ann@twice.test")).json()) as Created;
    expect(first.checkoutUrl).toBeUndefined();
    const res = await signup("trial-twice-b", "Ann+again@TWICE.test");
    expect(res.status).toBe(201);
    const second = (await res.json()) as Created;
    expect(second.checkoutUrl).toMatch(/cs_/);
    expect(second.tenant.plan).toBe("free");
    expect((await stripeSubscriptions(second.tenant.id)).subscriptions).toHaveLength(0);
  });

  it("grants exactly one trial to concurrent signups with the same email", async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => signup(`trial-race-${i}`, `Race${i % 2 ? "+x" : ""}@race.test`)),
    );
    const bodies = await Promise.all(
      answers.map(async (res) => {
        expect(res.status).toBe(201);
        return (await res.json()) as Created;
      }),
    );
    const trials = bodies.filter((b) => b.checkoutUrl === undefined);
    expect(trials).toHaveLength(1);
    expect(trials[0]!.tenant.plan).toBe("enterprise");
    const claims = await h.t.db.select().from(trialClaims).where(eq(trialClaims.email, "race@race.test"));
    expect(claims.map((c) => c.tenantId)).toEqual([trials[0]!.tenant.id]);
  });

  it("ends the trial without a card: Stripe cancels the subscription and sync moves the tenant to free", async () => {
    const body = (await (await signup("trial-ends", "owner@trial-ends.test")).json()) as Created;
    const { customerId } = await stripeSubscriptions(body.tenant.id);
    h.fake!.clock.advance("15d");
    const { subscriptions } = await stripeSubscriptions(body.tenant.id);
    expect(subscriptions[0]?.status).toBe("canceled");
    await syncCustomer(h.deps.billing!, customerId);
    const me = await h.app.request("/v1/tenant", { headers: bearer(body.apiKey.secret) });
    expect(await me.json()).toMatchObject({ plan: "free", status: "active" });
  });

  it("gives the claim back when the trial cannot start: the signup is compensated and a retry gets the trial", async () => {
    h.fake!.faults.failNext(10, { path: "/v1/subscriptions", method: "POST" });
    const failed = await signup("trial-fails", "owner@trial-fails.test");
    h.fake!.faults.clear();
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ code: "stripe_error" });
    const claims = await h.t.db
      .select()
      .from(trialClaims)
      .where(eq(trialClaims.email, "owner@trial-fails.test"));
    expect(claims).toEqual([]);
    expect(await h.t.db.select().from(tenants).where(eq(tenants.slug, "trial-fails"))).toEqual([]);

    const retried = (await (await signup("trial-fails", "owner@trial-fails.test")).json()) as Created;
    expect(retried.checkoutUrl).toBeUndefined();
    expect(retried.tenant.plan).toBe("enterprise");
  });
});
