import { tenants, usageBuckets } from "@org/db";
import { calendarMonth } from "@org/usage-metering";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlatformHarness, type PlatformHarness } from "../test/harness.js";
import { createOverageReporting } from "./overage-reporting.js";

describe("createOverageReporting: closed months' overage to Stripe meter events, once", () => {
  let h: PlatformHarness;
  beforeAll(async () => {
    h = await createPlatformHarness({ signup: false, admin: false });
  });
  afterAll(() => h?.close());

  const lastMonth = () => calendarMonth(calendarMonth(Date.now()).start - 1);

  /** A tenant of `plan` with a Stripe customer and `used` units of each meter in the last month. */
  async function tenantWithUsage(
    plan: string,
    used: Record<string, number>,
    status: "active" | "suspended" = "active",
  ) {
    const tenant = await h.seedTenant(plan);
    const customer = await h.deps.billing!.stripe.customers.create({ email: `${tenant.slug}@x.test` });
    await h.t.db
      .update(tenants)
      .set({ stripeCustomerId: customer.id, status })
      .where(eq(tenants.id, tenant.id));
    const bucketStart = new Date(lastMonth().start + 86_400_000);
    await h.t.db
      .insert(usageBuckets)
      .values(
        Object.entries(used).map(([meter, value]) => ({ tenantId: tenant.id, meter, bucketStart, value })),
      );
    return { ...tenant, customerId: customer.id };
  }

  const reporting = () =>
    createOverageReporting({
      billing: h.deps.billing!,
      metering: h.deps.metering,
      plans: h.deps.plans,
    });
  const eventsOf = (customerId: string) => h.fake!.meterEvents().filter((r) => r.customer === customerId);

  it("sends each billed customer's overage per meter (suspended ones too), skips tenants without a customer, and sends nothing on a second run", async () => {
    const pro = await tenantWithUsage("pro", { api_calls: 1_000_500, tokens: 12_000_000 });
    const underQuota = await tenantWithUsage("pro", { api_calls: 10, tokens: 10 });
    const suspended = await tenantWithUsage("pro", { api_calls: 2_000_000 }, "suspended");
    const noCustomer = await h.seedTenant("pro");
    await h.t.db.insert(usageBuckets).values({
      tenantId: noCustomer.id,
      meter: "api_calls",
      bucketStart: new Date(lastMonth().start),
      value: 5_000_000,
    });

    const first = await reporting().reportDuePeriods();
    expect(first.periods[0]).toEqual(lastMonth());
    expect(first).toMatchObject({ reports: 3, failures: 0 });
    const sent = eventsOf(pro.customerId).map((r) => [r.event.event_name, r.value]);
    expect(sent.sort()).toEqual([
      ["api_calls", 500],
      ["tokens", 2_000_000],
    ]);
    expect(eventsOf(underQuota.customerId)).toEqual([]);
    // A suspended tenant used what it used: its overage is billed like anyone's.
    expect(eventsOf(suspended.customerId).map((r) => [r.event.event_name, r.value])).toEqual([
      ["api_calls", 1_000_000],
    ]);

    const again = await Promise.all([reporting().reportDuePeriods(), reporting().reportDuePeriods()]);
    expect(again.map((run) => run.reports)).toEqual([0, 0]);
    expect(eventsOf(pro.customerId)).toHaveLength(2);
  });

  it("counts a tenant whose report Stripe refuses as a failure and still reports the others", async () => {
    const refused = await tenantWithUsage("pro", { api_calls: 1_001_000 });
    const accepted = await tenantWithUsage("pro", { api_calls: 1_002_000 });
    const [first] = [refused, accepted].sort((a, b) => (a.id < b.id ? -1 : 1));
    // A 400 is not retried by the SDK: exactly the first tenant's one call fails.
    h.fake!.faults.failNext(1, { path: "/v1/billing/meter_events", status: 400 });

    const run = await reporting().reportDuePeriods();
    expect(run).toMatchObject({ failures: 1, reports: 1 });
    const second = first === refused ? accepted : refused;
    expect(eventsOf(first!.customerId)).toEqual([]);
    expect(eventsOf(second.customerId).map((r) => r.value)).toEqual([second === accepted ? 2_000 : 1_000]);

    const retry = await reporting().reportDuePeriods();
    expect(retry).toMatchObject({ failures: 0, reports: 1 });
    expect(eventsOf(first!.customerId)).toHaveLength(1);
  });
});
