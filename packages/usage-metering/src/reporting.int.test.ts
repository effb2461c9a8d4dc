import { usageReports } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planProvider, seedTenant } from "../test/catalogue.js";
import { type Harness, meteringFor } from "../test/setup.js";
import { createOverageReporter, reportIdentifier, type UsageReport } from "./reporting.js";

const MARCH = { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) };
let t: TestDb;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, Date.UTC(2026, 2, 20));
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

/** A Stripe stand-in for meter events: dedupes on the identifier, like Stripe. */
function fakeStripe() {
  const received = new Map<string, UsageReport>();
  let calls = 0;
  return {
    received,
    get calls() {
      return calls;
    },
    send: async (r: UsageReport) => {
      calls++;
      if (!received.has(r.identifier)) received.set(r.identifier, r);
    },
    landed: async (q: { tenantId: string; meter: string; startMs: number; endMs: number }) =>
      [...received.values()]
        .filter((r) => r.tenantId === q.tenantId && r.meter === q.meter)
        .filter((r) => r.timestampMs >= q.startMs && r.timestampMs < q.endMs)
        .reduce((total, r) => total + r.quantity, 0),
  };
}

describe("overage reporting", () => {
  it("reports each meter's overage of a closed period once, even when run again", async () => {
    const tenant = await seedTenant(t.db, "pro");
    h.metering.increment(tenant, "api_calls", 1_002_001);
    await h.metering.ingest(tenant, [{ id: "t", meter: "tokens", quantity: 25_000_000 }]);
    await h.metering.flush();
    const stripe = fakeStripe();
    const planFor = planProvider(() => "pro");
    const reporter = createOverageReporter({
      db: t.db,
      meters: h.metering.meters,
      planAt: planFor,
      send: stripe.send,
      landed: stripe.landed,
      clock: () => MARCH.end + 60_000,
    });
    await expect(
      createOverageReporter({
        db: t.db,
        meters: h.metering.meters,
        planAt: planFor,
        send: stripe.send,
        landed: stripe.landed,
        clock: () => MARCH.end - 1,
      }).reportPeriod(tenant, MARCH),
    ).rejects.toThrow(/ended/);
    const first = await reporter.reportPeriod(tenant, MARCH);
    expect(first).toEqual([
      { meter: "api_calls", quantity: 2_001, amount: 150, status: "sent" },
      // 15M extra tokens: 10M at 2 per 1,000 + 5M at 1 per 1,000
      { meter: "tokens", quantity: 15_000_000, amount: 25_000, status: "sent" },
    ]);
    const second = await reporter.reportPeriod(tenant, MARCH);
    expect(second.map((o) => o.status)).toEqual(["already_reported", "already_reported"]);
    expect(stripe.calls).toBe(2);
    const report = stripe.received.get(reportIdentifier(tenant, "api_calls", MARCH.start));
    expect(report).toMatchObject({ quantity: 2_001, eventName: "api_calls", currency: "usd" });
  });

  it("after a crash between sending and recording, resends the same frozen report, which Stripe dedupes", async () => {
    const tenant = await seedTenant(t.db, "pro");
    await h.metering.ingest(tenant, [{ id: "t", meter: "tokens", quantity: 10_001_000 }]);
    const stripe = fakeStripe();
    let crash = true;
    const planFor = planProvider(() => "pro");
    const crashing = createOverageReporter({
      db: t.db,
      meters: h.metering.meters,
      planAt: planFor,
      landed: stripe.landed,
      clock: () => MARCH.end,
      send: async (r) => {
        await stripe.send(r);
        if (crash) throw new Error("killed after Stripe accepted the event");
      },
    });
    await expect(crashing.reportPeriod(tenant, MARCH)).rejects.toThrow(/killed/);
    // a late event arrives for March before the retry: the frozen report is resent unchanged,
    // and the late overage follows as a second report under its own identifier
    await h.metering.ingest(tenant, [{ id: "late", meter: "tokens", quantity: 5_000 }]);
    crash = false;
    const retried = await crashing.reportPeriod(tenant, MARCH);
    expect(retried.find((o) => o.meter === "tokens")).toEqual({
      meter: "tokens",
      quantity: 6_000,
      amount: 12,
      status: "sent",
    });
    expect(stripe.calls).toBe(3);
    expect([...stripe.received.values()].map((r) => [r.seq, r.quantity])).toEqual([
      [0, 1_000],
      [1, 5_000],
    ]);
    const rows = await t.db.select().from(usageReports).where(eq(usageReports.tenantId, tenant));
    expect(rows.map((r) => [r.meter, r.seq, r.state, r.quantity])).toEqual(
      expect.arrayContaining([
        ["api_calls", 0, "reported", 0],
        ["tokens", 0, "reported", 1_000],
        ["tokens", 1, "reported", 5_000],
      ]),
    );
  });

  it("sends nothing for a plan without overage pricing", async () => {
    const tenant = await seedTenant(t.db, "free");
    const stripe = fakeStripe();
    const reporter = createOverageReporter({
      db: t.db,
      meters: h.metering.meters,
      planAt: planProvider(() => "free"),
      send: stripe.send,
      landed: stripe.landed,
      clock: () => MARCH.end,
    });
    expect(await reporter.reportPeriod(tenant, MARCH)).toEqual([]);
    expect(stripe.calls).toBe(0);
  });
});
