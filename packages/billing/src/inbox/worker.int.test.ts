import { closeDb, createDb, type Database, stripeWebhookEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeEvent, silentLogger } from "../testing.js";
import { claimDue, markProcessed } from "./claims.js";
import { insertEvent } from "./intake-store.js";
import { DEFAULT_RETRY_SCHEDULE } from "./retry-schedule.js";
import { createInboxWorker, type EventHandler } from "./worker.js";

const ok: EventHandler = async () => ({ outcome: "synced" });
const statusOf = async (db: Database, id: string) =>
  (await db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, id)))[0];

describe("the inbox worker", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ maxConnections: 20 });
  });
  afterAll(() => t.cleanup());
  beforeEach(async () => {
    await t.db.delete(stripeWebhookEvents);
  });

  it("processes pending events and marks them processed", async () => {
    const events = Array.from({ length: 5 }, () => fakeEvent());
    for (const e of events) await insertEvent(t.db, e);
    const seen: string[] = [];
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      handle: async (row) => {
        seen.push(row.id);
        return { outcome: "synced" };
      },
    });
    expect(await worker.drain()).toBe(5);
    expect(seen.sort()).toEqual(events.map((e) => e.id).sort());
    for (const e of events)
      expect(await statusOf(t.db, e.id)).toMatchObject({
        status: "processed",
        attempts: 1,
        lockedUntil: null,
      });
  });

  it("keeps retrying a failing event for Stripe's 72 h, hours apart, before it is dead (default schedule)", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    const receivedAt = (await statusOf(t.db, event.id))!.receivedAt.getTime();
    let now = receivedAt;
    const attemptsAt: number[] = [];
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      clock: () => new Date(now),
      handle: async () => {
        attemptsAt.push(now);
        throw new Error("stripe is down");
      },
    });
    for (let round = 0; round < 100; round++) {
      await worker.drain();
      const row = await statusOf(t.db, event.id);
      if (row?.status === "dead") break;
      now = row!.nextAttemptAt.getTime();
    }
    const row = await statusOf(t.db, event.id);
    expect(row).toMatchObject({ status: "dead", lastError: "stripe is down" });
    const span = attemptsAt.at(-1)! - attemptsAt[0]!;
    expect(span).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(span).toBe(DEFAULT_RETRY_SCHEDULE.windowMs);
    // Hours apart once the backoff has grown, not a burst: fewer than 40 attempts over 3 days.
    expect(attemptsAt.length).toBeGreaterThan(10);
    expect(attemptsAt.length).toBeLessThan(40);
  });

  it("spaces retries out: a failed event is not due again before its backoff", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      retry: { baseMs: 60_000, capMs: 60_000 },
      handle: async () => {
        throw new Error("boom");
      },
    });
    const before = Date.now();
    await worker.drain();
    const row = await statusOf(t.db, event.id);
    expect(row?.status).toBe("failed");
    expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(row!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("parks events of an unknown customer instead of dropping them", async () => {
    const event = fakeEvent({ customer: "cus_unknown" });
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      retry: { baseMs: 3_600_000, capMs: 3_600_000 },
      handle: async () => ({ outcome: "unknown_customer", customerId: "cus_unknown" }),
    });
    await worker.drain();
    const row = await statusOf(t.db, event.id);
    expect(row?.status).toBe("failed");
    expect(row?.lastError).toContain("parked");
  });

  it("records and acknowledges an event type it does not handle", async () => {
    const event = fakeEvent({ type: "radar.early_fraud_warning.created" });
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      handle: async () => ({ outcome: "ignored", reason: "not handled" }),
    });
    await worker.drain();
    expect(await statusOf(t.db, event.id)).toMatchObject({
      status: "processed",
      lastError: "ignored: not handled",
    });
  });

  it("lets another worker take over a crashed worker's claim after it expires, and the stale worker cannot settle it", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    const [claimed] = await claimDue(t.db, { workerId: "crashed", limit: 10, lockMs: 1_000 });
    expect(claimed?.id).toBe(event.id);
    expect(await claimDue(t.db, { workerId: "other", limit: 10, lockMs: 1_000 })).toEqual([]);
    await t.db.execute(
      sql`update stripe_webhook_events set locked_until = now() - interval '1 second' where id = ${event.id}`,
    );
    const taker = createInboxWorker({ db: t.db, logger: silentLogger(), handle: ok, workerId: "taker" });
    expect(await taker.drain()).toBe(1);
    expect(await markProcessed(t.db, event.id, "crashed")).toBe(false);
    expect(await statusOf(t.db, event.id)).toMatchObject({
      status: "processed",
      lockedBy: "taker",
      attempts: 2,
    });
  });

  it("never lets two workers hold one event at the same time (4 workers, separate pools)", async () => {
    const events = Array.from({ length: 300 }, () => fakeEvent());
    for (const e of events) await insertEvent(t.db, e);
    const holding = new Map<string, string>();
    const handled: string[] = [];
    const overlaps: string[] = [];
    const pools = Array.from({ length: 4 }, () =>
      createDb({ driver: "postgres", url: t.url!, maxConnections: 3 }),
    );
    try {
      const workers = pools.map((db, i) =>
        createInboxWorker({
          db,
          logger: silentLogger(),
          batchSize: 7,
          workerId: `w${i}`,
          handle: async (row) => {
            if (holding.has(row.id)) overlaps.push(row.id);
            holding.set(row.id, `w${i}`);
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            holding.delete(row.id);
            handled.push(row.id);
            return { outcome: "synced" };
          },
        }),
      );
      await Promise.all(workers.map((w) => w.drain()));
    } finally {
      for (const db of pools) await closeDb(db);
    }
    expect(overlaps).toEqual([]);
    expect(handled.length).toBe(300);
    expect(new Set(handled).size).toBe(300);
    const processed = await t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.status, "processed"));
    expect(processed).toBe(300);
  });

  it("is woken by NOTIFY when an event arrives, long before its poll", async () => {
    const seen: string[] = [];
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      pollMs: 600_000,
      handle: async (row) => {
        seen.push(row.id);
        return { outcome: "synced" };
      },
    });
    await worker.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const event = fakeEvent();
      await insertEvent(t.db, event);
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([event.id]);
    } finally {
      await worker.stop();
    }
  });

  it("finishes the batch in hand when stopped", async () => {
    const events = Array.from({ length: 3 }, () => fakeEvent());
    for (const e of events) await insertEvent(t.db, e);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      batchSize: 10,
      handle: async () => {
        started++;
        await gate;
        return { outcome: "synced" };
      },
    });
    await worker.start();
    for (let i = 0; i < 100 && started === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const stopping = worker.stop();
    release();
    await stopping;
    const processed = await t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.status, "processed"));
    expect(processed).toBe(3);
  });
});
