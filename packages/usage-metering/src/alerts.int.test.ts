import { type Database, newId, notifications, usageAlertSettings, usageAlertsFired } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "../test/catalogue.js";
import { meteringFor } from "../test/setup.js";
import type { ThresholdReached } from "./alerts.js";

const NOW = Date.UTC(2026, 5, 3, 8);
const NEXT_MONTH = Date.UTC(2026, 6, 2, 8);
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

async function tenantWithAlerts(db: Database, plan: string, meters: Record<string, object>) {
  const tenantId = await seedTenant(db, plan);
  await db.insert(usageAlertSettings).values({ tenantId, meters });
  return tenantId;
}

function alertingMetering(plan: string, startMs = NOW) {
  const fired: ThresholdReached[] = [];
  const errors: unknown[] = [];
  const harness = meteringFor(
    t.db,
    { onThresholdReached: (e) => void fired.push(e), onError: (e) => void errors.push(e) },
    startMs,
  );
  return { ...harness, fired, errors, setPlan: (id: string) => harness.plans.set(id, plan) };
}

const thresholds = (events: ThresholdReached[]) => events.map((e) => `${e.meter}/${e.threshold}`).sort();

/** The tenant's `usage_alerts_fired` rows as `meter/threshold@period start`, sorted. */
async function firedRows(db: Database, tenantId: string): Promise<string[]> {
  const found = await db.select().from(usageAlertsFired).where(eq(usageAlertsFired.tenantId, tenantId));
  return found
    .map((r) => `${r.meter}/${r.threshold}@${new Date(r.periodStart).toISOString().slice(0, 10)}`)
    .sort();
}

/** The thresholds of the tenant's outbox rows, sorted. */
async function outboxRows(db: Database, tenantId: string): Promise<string[]> {
  const found = await db.select().from(notifications).where(eq(notifications.tenantId, tenantId));
  return found.map((n) => String(n.payload.threshold)).sort();
}

/**
 * Every instance counts `rounds` x `callsPerRound` API calls with increment(), one unit per call as
 * a request would, starting a flush after each round without waiting for it: the instances' flushes
 * (and the alert checks that follow them) race each other and the next increments.
 */
async function countApiCallsConcurrently(
  instances: ReturnType<typeof alertingMetering>[],
  tenantId: string,
  rounds: number,
  callsPerRound: number,
) {
  const flushes: Promise<void>[] = [];
  await Promise.all(
    instances.map(async (m) => {
      for (let r = 0; r < rounds; r++) {
        for (let call = 0; call < callsPerRound; call++) m.metering.increment(tenantId, "api_calls");
        flushes.push(m.metering.flush());
        m.clock.now += 10_000;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  await Promise.all(flushes);
  await Promise.all(instances.map((m) => m.metering.flush()));
}

describe("usage alerts", () => {
  it("fires 50, 80 and 100 % of the included quota once each as usage crosses them", async () => {
    const tenantId = await tenantWithAlerts(t.db, "free", { api_calls: { percentages: [50, 80, 100] } });
    const m = alertingMetering("free");
    m.setPlan(tenantId);
    try {
      m.metering.increment(tenantId, "api_calls", 4_999); // free: 10,000 included
      await m.metering.flush();
      expect(m.fired).toEqual([]);
      m.metering.increment(tenantId, "api_calls", 1);
      await m.metering.flush();
      expect(thresholds(m.fired)).toEqual(["api_calls/pct:50"]);
      m.metering.increment(tenantId, "api_calls", 100);
      await m.metering.flush();
      expect(m.fired).toHaveLength(1);
      m.metering.increment(tenantId, "api_calls", 6_000);
      await m.metering.flush();
      expect(thresholds(m.fired)).toEqual(["api_calls/pct:100", "api_calls/pct:50", "api_calls/pct:80"]);
      m.metering.increment(tenantId, "api_calls", 10);
      await m.metering.flush();
      expect(m.fired).toHaveLength(3);
      expect(m.fired[0]).toMatchObject({
        tenantId,
        used: 5_000,
        included: 10_000,
        periodStart: Date.UTC(2026, 5, 1),
      });
      expect(m.errors).toEqual([]);
    } finally {
      await m.metering.close();
    }
  });

  it("fires an overage amount priced like the reported overage", async () => {
    // pro: 1,000,000 calls included, then 50 per started 1,000.
    const tenantId = await tenantWithAlerts(t.db, "pro", { api_calls: { overageAmounts: [100] } });
    const m = alertingMetering("pro");
    m.setPlan(tenantId);
    try {
      m.metering.increment(tenantId, "api_calls", 1_001_000); // 1,000 over: 50
      await m.metering.flush();
      expect(m.fired).toEqual([]);
      m.metering.increment(tenantId, "api_calls", 1); // 1,001 over: 100
      await m.metering.flush();
      expect(m.fired).toEqual([
        expect.objectContaining({ threshold: "amount:100", overageAmount: 100, currency: "usd" }),
      ]);
    } finally {
      await m.metering.close();
    }
  });

  it("fires again in the next billing period", async () => {
    const tenantId = await tenantWithAlerts(t.db, "free", { api_calls: { percentages: [50] } });
    const m = alertingMetering("free");
    m.setPlan(tenantId);
    try {
      m.metering.increment(tenantId, "api_calls", 6_000);
      await m.metering.flush();
      m.clock.now = NEXT_MONTH;
      m.metering.increment(tenantId, "api_calls", 4_000);
      await m.metering.flush();
      expect(m.fired.map((e) => e.periodStart)).toEqual([Date.UTC(2026, 5, 1)]);
      m.metering.increment(tenantId, "api_calls", 1_000);
      await m.metering.flush();
      expect(m.fired.map((e) => e.periodStart)).toEqual([Date.UTC(2026, 5, 1), Date.UTC(2026, 6, 1)]);
    } finally {
      await m.metering.close();
    }
  });

  it("rolls back the claim and what the handler wrote when the handler throws; the next flush fires once", async () => {
    const tenantId = await tenantWithAlerts(t.db, "free", { api_calls: { percentages: [50, 80] } });
    let failures = 1;
    const errors: unknown[] = [];
    const { metering, plans } = meteringFor(
      t.db,
      {
        // Writes the outbox row with the claim's transaction, then (the first time) fails after it.
        onThresholdReached: async (e, tx) => {
          await tx.insert(notifications).values({
            id: newId("notification"),
            tenantId: e.tenantId,
            kind: "usage.threshold_reached",
            dedupeKey: `usage:${e.meter}:${e.threshold}:${e.periodStart}`,
            payload: { threshold: e.threshold },
          });
          if (failures-- > 0) throw new Error("outbox unavailable");
        },
        onError: (e) => void errors.push(e),
      },
      NOW,
    );
    plans.set(tenantId, "free");
    try {
      metering.increment(tenantId, "api_calls", 9_000);
      await metering.flush();
      expect(errors).toHaveLength(1);
      expect(await firedRows(t.db, tenantId)).toEqual([]);
      expect(await outboxRows(t.db, tenantId)).toEqual([]);
      metering.increment(tenantId, "api_calls", 1);
      await metering.flush();
      metering.increment(tenantId, "api_calls", 1);
      await metering.flush();
      expect(await firedRows(t.db, tenantId)).toEqual([
        "api_calls/pct:50@2026-06-01",
        "api_calls/pct:80@2026-06-01",
      ]);
      expect(await outboxRows(t.db, tenantId)).toEqual(["pct:50", "pct:80"]);
      expect(errors).toHaveLength(1);
    } finally {
      await metering.close();
    }
  });

  it("fires each threshold exactly once across 3 instances ingesting in parallel", async () => {
    const tenantId = await tenantWithAlerts(t.db, "free", { api_calls: { percentages: [50, 80, 100] } });
    const instances = [alertingMetering("free"), alertingMetering("free"), alertingMetering("free")];
    for (const m of instances) m.setPlan(tenantId);
    try {
      // 3 instances x 20 parallel batches x 10 events x 60 units = 36,000 units: past every threshold.
      await Promise.all(
        instances.flatMap((m, i) =>
          Array.from({ length: 20 }, (_, b) =>
            m.metering.ingest(
              tenantId,
              Array.from({ length: 10 }, (_, e) => ({
                id: `evt_${i}_${b}_${e}`,
                meter: "api_calls",
                quantity: 60,
                timestamp: new Date(NOW - 60_000).toISOString(),
              })),
            ),
          ),
        ),
      );
      const fired = instances.flatMap((m) => m.fired);
      expect(thresholds(fired)).toEqual(["api_calls/pct:100", "api_calls/pct:50", "api_calls/pct:80"]);
      expect(instances.flatMap((m) => m.errors)).toEqual([]);
    } finally {
      await Promise.all(instances.map((m) => m.metering.close()));
    }
  });

  it("fires each threshold exactly once per period across 4 instances counting increments with racing flushes", async () => {
    const tenantId = await tenantWithAlerts(t.db, "free", { api_calls: { percentages: [50, 80, 100] } });
    const instances = Array.from({ length: 4 }, () => alertingMetering("free"));
    for (const m of instances) m.setPlan(tenantId);
    const firedIn = (periodStart: number) =>
      thresholds(instances.flatMap((m) => m.fired).filter((e) => e.periodStart === periodStart));
    const june = Date.UTC(2026, 5, 1);
    const july = Date.UTC(2026, 6, 1);
    try {
      // 4 instances x 30 rounds x 100 calls = 12,000 calls: past 50, 80 and 100 % of free's 10,000.
      await countApiCallsConcurrently(instances, tenantId, 30, 100);
      expect((await instances[0]!.metering.currentPeriod(tenantId)).totals.api_calls).toBe(12_000);
      expect(firedIn(june)).toEqual(["api_calls/pct:100", "api_calls/pct:50", "api_calls/pct:80"]);
      expect(await firedRows(t.db, tenantId)).toEqual([
        "api_calls/pct:100@2026-06-01",
        "api_calls/pct:50@2026-06-01",
        "api_calls/pct:80@2026-06-01",
      ]);

      for (const m of instances) m.clock.now = NEXT_MONTH;
      await countApiCallsConcurrently(instances, tenantId, 30, 100);
      expect((await instances[0]!.metering.currentPeriod(tenantId)).totals.api_calls).toBe(12_000);
      expect(firedIn(june)).toHaveLength(3);
      expect(firedIn(july)).toEqual(["api_calls/pct:100", "api_calls/pct:50", "api_calls/pct:80"]);
      expect(instances.flatMap((m) => m.fired)).toHaveLength(6);
      expect(await firedRows(t.db, tenantId)).toEqual([
        "api_calls/pct:100@2026-06-01",
        "api_calls/pct:100@2026-07-01",
        "api_calls/pct:50@2026-06-01",
        "api_calls/pct:50@2026-07-01",
        "api_calls/pct:80@2026-06-01",
        "api_calls/pct:80@2026-07-01",
      ]);
      expect(instances.flatMap((m) => m.errors)).toEqual([]);
    } finally {
      await Promise.all(instances.map((m) => m.metering.close()));
    }
  });
});
