import { stripeWebhookEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeEvent } from "../testing.js";
import { listEventsQuery } from "./admin-queries.js";
import { insertEvent } from "./intake-store.js";
import { DEFAULT_INBOX_RETENTION_MS, purgeProcessedEvents } from "./retention.js";

const DAY = 24 * 3_600_000;

describe("inbox retention and the admin list's index", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.cleanup());

  it("deletes processed events older than 30 days by default, in batches, and keeps failed and dead ones", async () => {
    const now = new Date();
    const old = Array.from({ length: 7 }, () => fakeEvent());
    const recent = fakeEvent();
    const oldDead = fakeEvent();
    const oldFailed = fakeEvent();
    for (const e of [...old, recent, oldDead, oldFailed]) await insertEvent(t.db, e);
    const longAgo = new Date(now.getTime() - DEFAULT_INBOX_RETENTION_MS - DAY);
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "processed", processedAt: longAgo })
      .where(
        inArray(
          stripeWebhookEvents.id,
          old.map((e) => e.id),
        ),
      );
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "processed", processedAt: new Date(now.getTime() - 29 * DAY) })
      .where(eq(stripeWebhookEvents.id, recent.id));
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "dead" })
      .where(eq(stripeWebhookEvents.id, oldDead.id));
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "failed" })
      .where(eq(stripeWebhookEvents.id, oldFailed.id));
    await t.db.execute(
      sql`update stripe_webhook_events set received_at = ${longAgo.toISOString()}::timestamptz`,
    );

    expect(await purgeProcessedEvents(t.db, { now, batchSize: 3 })).toBe(7);
    const left = (await t.db.select({ id: stripeWebhookEvents.id }).from(stripeWebhookEvents)).map(
      (r) => r.id,
    );
    expect(left.sort()).toEqual([recent.id, oldDead.id, oldFailed.id].sort());
    expect(await purgeProcessedEvents(t.db, { now, retentionMs: 28 * DAY })).toBe(1);
  });

  it("sorts the admin list by an index, with or without a status filter (no sort of the whole inbox)", async () => {
    const plans: string[] = [];
    await t.db.transaction(async (tx) => {
      // Whatever the table's size, the plan must be able to avoid a scan plus a sort.
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_sort = off`);
      for (const options of [
        { limit: 50 },
        { limit: 50, status: "dead" },
        { limit: 50, status: "processed", after: { at: Date.now(), id: "evt_x" } },
      ]) {
        const explained = (await tx.execute(sql`explain ${listEventsQuery(tx, options)}`)) as unknown as {
          "QUERY PLAN": string;
        }[];
        plans.push(explained.map((r) => r["QUERY PLAN"]).join("\n"));
      }
    });
    for (const plan of plans) {
      expect(plan).toMatch(/Index Scan Backward using stripe_webhook_events_(status_)?received_idx/);
      expect(plan).not.toMatch(/\bSort\b/);
    }
  });
});
