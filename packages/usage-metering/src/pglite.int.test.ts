/** The embedded default (self-hosted api): the same statements on PGlite. */
import { createTestDb, type TestDb } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant } from "../test/catalogue.js";
import { type Harness, meteringFor } from "../test/setup.js";

const NOW = Date.UTC(2026, 2, 15, 12);
let t: TestDb;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb({ driver: "pglite" });
  h = meteringFor(t.db, {}, NOW);
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
});

describe("on PGlite", () => {
  it("ingests with dedupe, flushes counters, and answers queries and checks", async () => {
    const tenant = await seedTenant(t.db, "free");
    h.plans.set(tenant, "free");
    expect(
      await h.metering.ingest(tenant, [
        { id: "a", meter: "tokens", quantity: 40, timestamp: "2026-03-15T11:59:59Z" },
        { id: "b", meter: "seats", quantity: 4 },
      ]),
    ).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await h.metering.ingest(tenant, [{ id: "a", meter: "tokens", quantity: 40 }])).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    h.metering.increment(tenant, "api_calls", 9_999);
    await h.metering.flush();
    h.metering.increment(tenant, "api_calls", 1);
    expect((await h.metering.currentPeriod(tenant)).totals).toEqual({
      api_calls: 10_000,
      tokens: 40,
      seats: 4,
    });
    expect(await h.metering.check(tenant, "api_calls")).toMatchObject({ allowed: false, used: 10_000 });
    const hours = await h.metering.usage(tenant, {
      meter: "tokens",
      fromMs: Date.UTC(2026, 2, 15),
      toMs: Date.UTC(2026, 2, 16),
      granularity: "hour",
    });
    expect(hours.points).toEqual([{ startMs: Date.UTC(2026, 2, 15, 11), value: 40 }]);
  });
});
