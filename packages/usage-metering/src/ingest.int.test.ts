import { usageBuckets, usageEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "../test/catalogue.js";
import { type Harness, meteringFor } from "../test/setup.js";
import { UsageInputError } from "./errors.js";

const MAR_15 = Date.UTC(2026, 2, 15, 12, 0, 0);
let t: TestDb;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, MAR_15);
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

async function buckets(tenantId: string, meter: string) {
  const rows = await t.db
    .select()
    .from(usageBuckets)
    .where(and(eq(usageBuckets.tenantId, tenantId), eq(usageBuckets.meter, meter)))
    .orderBy(usageBuckets.bucketStart);
  return rows.map((r) => [r.bucketStart.toISOString(), r.value]);
}

describe("ingest", () => {
  it("stores events and their buckets; a resent id is a duplicate that touches no bucket", async () => {
    const tenant = await seedTenant(t.db);
    const first = await h.metering.ingest(tenant, [
      { id: "e1", meter: "tokens", quantity: 100 },
      { id: "e2", meter: "tokens", quantity: 50 },
      { id: "e2", meter: "tokens", quantity: 50 },
    ]);
    expect(first).toMatchObject({ accepted: 2, duplicates: 1, duplicateIds: ["e2"] });
    const again = await h.metering.ingest(tenant, [
      { id: "e1", meter: "tokens", quantity: 999 },
      { id: "e3", meter: "tokens" },
    ]);
    expect(again).toMatchObject({ accepted: 1, duplicates: 1, duplicateIds: ["e1"] });
    expect(await buckets(tenant, "tokens")).toEqual([["2026-03-15T12:00:00.000Z", 151]]);
    const stored = await t.db.select().from(usageEvents).where(eq(usageEvents.tenantId, tenant));
    expect(stored.find((e) => e.id === "e1")?.quantity).toBe(100);
  });

  it("keeps tenants apart: the same id in two tenants is two events", async () => {
    const a = await seedTenant(t.db);
    const b = await seedTenant(t.db);
    expect((await h.metering.ingest(a, [{ id: "same", meter: "tokens" }])).accepted).toBe(1);
    expect((await h.metering.ingest(b, [{ id: "same", meter: "tokens" }])).accepted).toBe(1);
  });

  it("counts each id once when many batches with overlapping ids race", async () => {
    const tenant = await seedTenant(t.db);
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => ({
        id: `r${(b * 37 + i * 13) % 500}`,
        meter: "tokens",
        quantity: 3,
      })),
    );
    const results = await Promise.all(batches.map((batch) => h.metering.ingest(tenant, batch)));
    const unique = new Set(batches.flat().map((e) => e.id)).size;
    expect(results.reduce((s, r) => s + r.accepted, 0)).toBe(unique);
    expect(results.reduce((s, r) => s + r.accepted + r.duplicates, 0)).toBe(2_000);
    expect(await buckets(tenant, "tokens")).toEqual([["2026-03-15T12:00:00.000Z", unique * 3]]);
  });

  it("puts late and out-of-order events in their own minute and period", async () => {
    const tenant = await seedTenant(t.db);
    await h.metering.ingest(tenant, [
      { id: "now", meter: "tokens", quantity: 1 },
      { id: "feb-last-ms", meter: "tokens", quantity: 10, timestamp: "2026-02-28T23:59:59.999Z" },
      { id: "mar-first-ms", meter: "tokens", quantity: 20, timestamp: "2026-03-01T00:00:00.000Z" },
      { id: "earlier-today", meter: "tokens", quantity: 300, timestamp: "2026-03-15T08:30:10+01:00" },
    ]);
    // out of order: an older event after newer ones, in a minute already written
    await h.metering.ingest(tenant, [
      { id: "feb-again", meter: "tokens", quantity: 5, timestamp: Date.UTC(2026, 1, 28, 23, 59, 0) },
    ]);
    expect(await buckets(tenant, "tokens")).toEqual([
      ["2026-02-28T23:59:00.000Z", 15],
      ["2026-03-01T00:00:00.000Z", 20],
      ["2026-03-15T07:30:00.000Z", 300],
      ["2026-03-15T12:00:00.000Z", 1],
    ]);
    const march = await h.metering.currentPeriod(tenant);
    expect(march.period).toEqual({ start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) });
    expect(march.totals.tokens).toBe(321);
    h.clock.now = Date.UTC(2026, 2, 1) - 1; // as seen in February
    expect((await h.metering.currentPeriod(tenant)).totals.tokens).toBe(15);
    h.clock.now = MAR_15;
  });

  it("refuses a whole batch with one bad event and stores nothing", async () => {
    const tenant = await seedTenant(t.db);
    await expect(
      h.metering.ingest(tenant, [
        { id: "ok", meter: "tokens" },
        { id: "future", meter: "tokens", timestamp: MAR_15 + 10 * 60_000 },
      ]),
    ).rejects.toBeInstanceOf(UsageInputError);
    const count = await t.db.execute(
      sql`select count(*)::int as n from usage_events where tenant_id = ${tenant}`,
    );
    expect(JSON.stringify(count)).toContain('"n":0');
  });
});

describe("queries", () => {
  it("sums at minute, hour and day granularity in UTC, including buffered counts", async () => {
    const tenant = await seedTenant(t.db);
    await h.metering.ingest(tenant, [
      { id: "a", meter: "api_calls", quantity: 2, timestamp: "2026-03-14T23:10:00Z" },
      { id: "b", meter: "api_calls", quantity: 3, timestamp: "2026-03-15T00:10:30Z" },
      { id: "c", meter: "api_calls", quantity: 4, timestamp: "2026-03-15T00:50:00Z" },
    ]);
    h.metering.increment(tenant, "api_calls", 7); // 12:00 today, buffered, not flushed
    const q = (granularity: "minute" | "hour" | "day") =>
      h.metering.usage(tenant, {
        meter: "api_calls",
        fromMs: Date.UTC(2026, 2, 14),
        toMs: Date.UTC(2026, 2, 16),
        granularity,
      });
    expect((await q("day")).points).toEqual([
      { startMs: Date.UTC(2026, 2, 14), value: 2 },
      { startMs: Date.UTC(2026, 2, 15), value: 14 },
    ]);
    expect((await q("hour")).points).toEqual([
      { startMs: Date.UTC(2026, 2, 14, 23), value: 2 },
      { startMs: Date.UTC(2026, 2, 15, 0), value: 7 },
      { startMs: Date.UTC(2026, 2, 15, 12), value: 7 },
    ]);
    expect((await q("minute")).points.map((p) => p.value)).toEqual([2, 3, 4, 7]);
    expect((await h.metering.currentPeriod(tenant)).totals.api_calls).toBe(16);
    await h.metering.flush();
    // after the flush the same answers, from the buckets alone
    expect((await q("day")).points.map((p) => p.value)).toEqual([2, 14]);
    expect((await h.metering.currentPeriod(tenant)).totals.api_calls).toBe(16);
    // [from, to) is half-open
    const edge = await h.metering.usage(tenant, {
      meter: "api_calls",
      fromMs: Date.UTC(2026, 2, 15, 0, 10),
      toMs: Date.UTC(2026, 2, 15, 0, 50),
      granularity: "minute",
    });
    expect(edge.points).toEqual([{ startMs: Date.UTC(2026, 2, 15, 0, 10), value: 3 }]);
  });

  it("refuses increment() on unknown or non-additive meters and non-integer amounts", () => {
    expect(() => h.metering.increment("ten_x", "nope")).toThrow(/sum or count/);
    expect(() => h.metering.increment("ten_x", "seats")).toThrow(/sum or count/);
    expect(() => h.metering.increment("ten_x", "api_calls", 1.5)).toThrow(RangeError);
    expect(() => h.metering.increment("ten_x", "api_calls", -1)).toThrow(RangeError);
    expect(h.metering.bufferedCells).toBe(0);
  });

  it("aggregates latest, max and unique_count meters from the events", async () => {
    const { metering } = meteringFor(
      t.db,
      {
        meters: [
          { key: "seats", aggregation: "latest", unit: "seat" },
          { key: "peak_gb", aggregation: "max", unit: "GB" },
          { key: "users", aggregation: "unique_count", unit: "user", property: "user" },
          { key: "jobs", aggregation: "count", unit: "job" },
        ],
      },
      MAR_15,
    );
    const tenant = await seedTenant(t.db);
    await metering.ingest(tenant, [
      { id: "s0", meter: "seats", quantity: 3, timestamp: "2026-02-20T00:00:00Z" },
      { id: "s2", meter: "seats", quantity: 9, timestamp: "2026-03-10T00:00:00Z" },
      { id: "s1", meter: "seats", quantity: 5, timestamp: "2026-03-05T00:00:00Z" },
      { id: "g1", meter: "peak_gb", quantity: 40, timestamp: "2026-03-02T00:00:00Z" },
      { id: "g2", meter: "peak_gb", quantity: 70, timestamp: "2026-03-03T00:00:00Z" },
      { id: "g3", meter: "peak_gb", quantity: 99, timestamp: "2026-02-13T00:00:00Z" },
      { id: "u1", meter: "users", properties: { user: "ann" } },
      { id: "u2", meter: "users", properties: { user: "bob" } },
      { id: "u3", meter: "users", properties: { user: "ann" } },
      { id: "j1", meter: "jobs", quantity: 50 },
      { id: "j2", meter: "jobs", quantity: 50 },
    ]);
    const { totals } = await metering.currentPeriod(tenant);
    expect(totals).toEqual({ seats: 9, peak_gb: 70, users: 2, jobs: 2 });
    const seats = await metering.usage(tenant, {
      meter: "seats",
      fromMs: Date.UTC(2026, 2, 1),
      toMs: Date.UTC(2026, 3, 1),
      granularity: "day",
    });
    expect(seats.points).toEqual([
      { startMs: Date.UTC(2026, 2, 5), value: 5 },
      { startMs: Date.UTC(2026, 2, 10), value: 9 },
    ]);
    await metering.close();
  });
});
