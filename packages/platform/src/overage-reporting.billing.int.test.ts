import {
  createStripeClient,
  creditBalance,
  grantCredits,
  listCreditLedger,
  loadPlanCatalog,
} from "@org/billing";
import { type Database, newId, tenants } from "@org/db";
import { createLocalBus, setTenantPlan, setTenantStatus } from "@org/multitenancy";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import {
  calendarMonth,
  createUsageMetering,
  periodTotals,
  previewOverage,
  type UsageMetering,
} from "@org/usage-metering";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOverageReporting } from "./overage-reporting.js";
import { createPlatformPlans } from "./plans.js";

const MARCH_20 = "2026-03-20T12:00:00Z";
let t: TestDb;
let fake: StripeFake;
let stripe: Stripe;
let metering: UsageMetering;
const plans = createPlatformPlans(loadPlanCatalog());
const bus = createLocalBus();
const clock = () => fake.clock.now() * 1000;

beforeAll(async () => {
  t = await createTestDb();
  fake = createStripeFake({ webhookSecret: "whsec_overage", startTime: Date.UTC(2026, 3, 2) });
  await fake.start(0);
  stripe = createStripeClient({ secretKey: "sk_test_overage", apiBase: fake.url, maxNetworkRetries: 0 });
  metering = createUsageMetering({ db: t.db as Database, planFor: () => plans.metering("pro"), clock });
});
afterAll(async () => {
  await metering?.close();
  await fake?.stop();
  await t?.cleanup();
});

const reporting = () =>
  createOverageReporting({ billing: { db: t.db as Database, stripe }, metering, plans, clock });

async function tenantOn(plan: string, tokensInMarch: number): Promise<{ id: string; customer: string }> {
  const id = newId("tenant");
  const customer = await stripe.customers.create({ metadata: { tenant_id: id } });
  await t.db.insert(tenants).values({
    id,
    slug: `t-${id.slice(4, 16).toLowerCase()}`,
    name: "Acme",
    email: "owner@acme.test",
    plan,
    status: "active",
    stripeCustomerId: customer.id,
  });
  await metering.ingest(id, [{ id: "march", meter: "tokens", quantity: tokensInMarch, timestamp: MARCH_20 }]);
  return { id, customer: customer.id };
}

/** What the Stripe stand-in holds for the customer's tokens meter. */
const billedTokens = (customer: string) => {
  const events = fake.meterEvents().filter((e) => e.customer === customer && e.event.event_name === "tokens");
  return { events: events.length, total: events.reduce((sum, e) => sum + e.value, 0) };
};

describe("overage reporting to Stripe", () => {
  it("bills a closed period with the plan in force at its end: pro's overage although the tenant moved to enterprise before reporting", async () => {
    const tenant = await tenantOn("pro", 10_500_000);
    await setTenantPlan({ db: t.db as Database, bus }, tenant.id, "enterprise", "test");
    const run = await reporting().reportDuePeriods();
    expect(run.failures).toBe(0);
    // pro includes 10M tokens; enterprise's 500M would leave nothing to bill
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 500_000 });
  });

  it("bills a late event that arrives after the first report exactly once, as a delta", async () => {
    const tenant = await tenantOn("pro", 10_500_000);
    await reporting().reportDuePeriods();
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 500_000 });
    await metering.ingest(tenant.id, [
      { id: "late", meter: "tokens", quantity: 250_000, timestamp: "2026-03-31T23:00:00Z" },
    ]);
    // several nodes run at once, and runs repeat
    const runs = await Promise.all([reporting(), reporting(), reporting()].map((r) => r.reportDuePeriods()));
    await reporting().reportDuePeriods();
    expect(runs.every((r) => r.failures === 0)).toBe(true);
    expect(billedTokens(tenant.customer)).toEqual({ events: 2, total: 750_000 });
    const identifiers = fake
      .meterEvents()
      .filter((e) => e.customer === tenant.customer)
      .map((e) => e.event.identifier);
    expect(new Set(identifiers).size).toBe(identifiers.length);
  });

  it("bills a suspended tenant's usage", async () => {
    const tenant = await tenantOn("pro", 10_100_000);
    await setTenantStatus({ db: t.db as Database, bus }, tenant.id, "suspended", "test");
    await reporting().reportDuePeriods();
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 100_000 });
  });

  it("settles a report Stripe received but never confirmed from its event summaries after 24 h, without billing it twice, with four reporters at once", async () => {
    const tenant = await tenantOn("pro", 10_200_000);
    // The SDK retries a closed connection once even with maxNetworkRetries: 0; drop that one too.
    fake.faults.dropResponseNext(2, { path: "/v1/billing/meter_events" });
    expect((await reporting().reportDuePeriods()).failures).toBe(1);
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 200_000 });
    fake.clock.advance("25h"); // Stripe has forgotten the identifier
    const runs = await Promise.all([1, 2, 3, 4].map(() => reporting().reportDuePeriods()));
    expect(runs.map((r) => r.failures)).toEqual([0, 0, 0, 0]);
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 200_000 });
  });

  it("resends a report that never reached Stripe once its identifier is forgotten, and bills it once, with four reporters at once", async () => {
    const tenant = await tenantOn("pro", 10_300_000);
    fake.faults.failNext(1, { path: "/v1/billing/meter_events", status: 500 });
    expect((await reporting().reportDuePeriods()).failures).toBe(1);
    expect(billedTokens(tenant.customer)).toEqual({ events: 0, total: 0 });
    fake.clock.advance("25h");
    await Promise.all([1, 2, 3, 4].map(() => reporting().reportDuePeriods()));
    await reporting().reportDuePeriods();
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 300_000 });
  });

  it("pays the overage from credits first and reports only the uncovered quantity, once, with three reporters at once", async () => {
    const tenant = await tenantOn("pro", 10_500_000); // 500,000 extra tokens at 2 per 1,000: 1,000
    const db = t.db as Database;
    await grantCredits(db, {
      tenantId: tenant.id,
      key: "prepaid",
      amount: 600,
      reason: "prepaid",
      atMs: clock(),
    });
    const runs = await Promise.all([reporting(), reporting(), reporting()].map((r) => r.reportDuePeriods()));
    expect(runs.every((r) => r.failures === 0)).toBe(true);
    // 600 of credits cover 300,000 tokens; Stripe bills the other 200,000 (400)
    expect(billedTokens(tenant.customer)).toEqual({ events: 1, total: 200_000 });
    expect(await creditBalance(db, tenant.id, "usd", clock())).toBe(0);
    await metering.ingest(tenant.id, [
      { id: "late", meter: "tokens", quantity: 250_000, timestamp: "2026-03-31T23:00:00Z" },
    ]);
    await reporting().reportDuePeriods();
    await reporting().reportDuePeriods();
    // no credits left: the late 250,000 are reported as they are
    expect(billedTokens(tenant.customer)).toEqual({ events: 2, total: 450_000 });
    const ledger = await listCreditLedger(db, tenant.id, { limit: 10 });
    expect(ledger.data.filter((e) => e.kind === "consumption").map((e) => [e.amount, e.source])).toEqual([
      [-600, "overage:tokens:2026-03-01T00:00:00.000Z:0"],
    ]);
  });

  it("previews exactly what the reporter then sends for the same usage and credits (one pricing function)", async () => {
    const tenant = await tenantOn("pro", 10_777_777);
    const db = t.db as Database;
    await metering.ingest(tenant.id, [
      { id: "calls", meter: "api_calls", quantity: 1_002_345, timestamp: MARCH_20 },
    ]);
    await grantCredits(db, {
      tenantId: tenant.id,
      key: "prepaid",
      amount: 1_234,
      reason: "prepaid",
      atMs: clock(),
    });
    const march = calendarMonth(Date.parse(MARCH_20));
    const totals = await periodTotals(db, tenant.id, metering.meters.list, march);
    const preview = previewOverage(
      metering.meters,
      plans.metering("pro"),
      totals,
      await creditBalance(db, tenant.id, "usd", clock()),
    );
    expect(preview.some((m) => m.credits > 0 && m.reportQuantity > 0)).toBe(true);
    await reporting().reportDuePeriods();
    for (const m of preview) {
      const sent = fake
        .meterEvents()
        .filter((e) => e.customer === tenant.customer && e.event.event_name === m.meter);
      expect(
        sent.reduce((sum, e) => sum + e.value, 0),
        m.meter,
      ).toBe(m.reportQuantity);
    }
    const consumed = (await listCreditLedger(db, tenant.id, { limit: 10 })).data.filter(
      (e) => e.kind === "consumption",
    );
    expect(-consumed.reduce((sum, e) => sum + e.amount, 0)).toBe(
      preview.reduce((sum, m) => sum + m.credits, 0),
    );
  });
});
