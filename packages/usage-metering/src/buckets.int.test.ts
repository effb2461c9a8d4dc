import { type Database, rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteringFor } from "../test/setup.js";
import { pruneFlushLedger, upsertBuckets } from "./buckets.js";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.cleanup());

const MINUTE = Date.UTC(2026, 2, 15, 12);

async function total(tenantId: string): Promise<number> {
  const [r] = rows<{ v: string }>(
    await t.db.execute(
      sql`select coalesce(sum(value), 0)::text as v from usage_buckets where tenant_id = ${tenantId}`,
    ),
  );
  return Number(r!.v);
}

describe("upsertBuckets", () => {
  it("applies a flush id once: the same batch again is recognised, not added", async () => {
    const batch = [{ tenantId: "ten_led", meter: "api_calls", minuteMs: MINUTE, n: 5 }];
    expect(await upsertBuckets(t.db, "fl_once", batch)).toBe("applied");
    expect(await upsertBuckets(t.db, "fl_once", batch)).toBe("already_applied");
    expect(await upsertBuckets(t.db, "fl_twice", batch)).toBe("applied");
    expect(await total("ten_led")).toBe(10);
  });

  it("applies a batch larger than one statement atomically and once", async () => {
    const batch = Array.from({ length: 12_000 }, (_, i) => ({
      tenantId: "ten_big",
      meter: "api_calls",
      minuteMs: MINUTE + i * 60_000,
      n: 2,
    }));
    expect(await upsertBuckets(t.db, "fl_big", batch)).toBe("applied");
    expect(await upsertBuckets(t.db, "fl_big", batch)).toBe("already_applied");
    expect(await total("ten_big")).toBe(24_000);
  });

  it("prunes ledger rows older than the retention", async () => {
    await t.db.execute(
      sql`insert into usage_flushes (id, flushed_at) values ('fl_old', now() - interval '2 days')`,
    );
    await pruneFlushLedger(t.db, 86_400_000);
    const ids = rows<{ id: string }>(await t.db.execute(sql`select id from usage_flushes`)).map((r) => r.id);
    expect(ids).not.toContain("fl_old");
    expect(ids).toContain("fl_once");
  });
});

describe("a flush whose commit outcome is unknown", () => {
  it("is retried under its id and counted once", async () => {
    let loseNextReply = true;
    // The statement reaches Postgres and commits, then the reply is "lost" (as on a dropped connection).
    const flaky = new Proxy(t.db, {
      get(target, key, receiver) {
        if (key === "execute") {
          return async (...args: Parameters<Database["execute"]>) => {
            const result = await target.execute(...args);
            if (loseNextReply) {
              loseNextReply = false;
              throw new Error("Connection terminated unexpectedly");
            }
            return result;
          };
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const { metering } = meteringFor(flaky, {}, MINUTE);
    metering.increment("ten_amb", "api_calls", 7);
    await expect(metering.flush()).rejects.toThrow(/Connection terminated/);
    expect(await total("ten_amb")).toBe(7); // it did commit
    metering.increment("ten_amb", "api_calls", 1);
    await metering.flush();
    expect(await total("ten_amb")).toBe(8);
    expect((await metering.currentPeriod("ten_amb")).totals.api_calls).toBe(8);
    await metering.close();
  });
});
