import { createTestDb, createTestRedis, type TestDb } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteringFor } from "../test/setup.js";
import { createRedisCounterStore } from "./redis-counter-store.js";
import { calendarMonth } from "./time.js";

const NOW = Date.UTC(2026, 5, 3, 8);
let t: TestDb;
const redis = createTestRedis();
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
  await redis.cleanup();
});

describe("shared counters (Redis)", () => {
  it("are put back to the Postgres totals periodically, whatever drifted", async () => {
    const counters = createRedisCounterStore(redis.connect(), { prefix: redis.prefix });
    const { metering } = meteringFor(t.db, { counters, counterResetIntervalMs: 50 }, NOW);
    const period = calendarMonth(NOW);
    try {
      // Drift: units Postgres never stored, a meter that is not counted.
      await counters.add(
        [{ tenantId: "ten_reset", meter: "api_calls", periodStartMs: period.start, n: 999 }],
        "fl_x",
      );
      await counters.add(
        [{ tenantId: "ten_reset", meter: "seats_typo", periodStartMs: period.start, n: 5 }],
        "fl_y",
      );
      metering.increment("ten_reset", "api_calls", 40);
      metering.increment("ten_reset", "tokens", 900);
      await metering.flush();
      const deadline = Date.now() + 30_000;
      let shared = await counters.get("ten_reset", period.start);
      while (
        JSON.stringify(shared) !== JSON.stringify({ api_calls: 40, tokens: 900 }) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
        shared = await counters.get("ten_reset", period.start);
      }
      expect(shared).toEqual({ api_calls: 40, tokens: 900 });
    } finally {
      await metering.close();
    }
  });
});
