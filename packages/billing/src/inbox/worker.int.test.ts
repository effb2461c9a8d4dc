import { closeDb, createDb, type Database, stripeWebhookEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeEvent, silentLogger } from "../testing.js";
import { backoffMs } from "./backoff.js";
import { claimDue, markProcessed } from "./claims.js";
import { insertEvent } from "./intake-store.js";
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

  it("retries a failing event with backoff and marks it dead after the last attempt", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      maxAttempts: 3,
      backoff: { baseMs: 0, capMs: 0 },
      handle: async () => {
        throw new Error("stripe timed out");
      },
    });
    await worker.drain();
    const row = await statusOf(t.db, event.id);
    expect(row).toMatchObject({ status: "dead", attempts: 3, lastError: "stripe timed out" });
  });

  it("spaces retries out: a failed event is not due again before its backoff", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      backoff: { baseMs: 60_000, capMs: 60_000 },
      handle: async () => {
        throw new Error("boom");
      },
    });
    // Math.random() may pick 0 for full jitter; the next attempt is never in the past.
    await worker.drain();
    const row = await statusOf(t.db, event.id);
    expect(row?.status).toBe("failed");
    expect(row!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("parks events of an unknown customer instead of dropping them", async () => {
    const event = fakeEvent({ customer: "cus_unknown" });
    await insertEvent(t.db, event);
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      backoff: { baseMs: 3_600_000, capMs: 3_600_000 },
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

describe("backoffMs", () => {
  it("grows exponentially under the cap, with full jitter", () => {
    expect(backoffMs(1, { baseMs: 1000, random: () => 0.999 })).toBe(999);
    expect(backoffMs(4, { baseMs: 1000, random: () => 0.5 })).toBe(4000);
    expect(backoffMs(30, { baseMs: 1000, capMs: 60_000, random: () => 0.5 })).toBe(30_000);
    expect(backoffMs(3, { baseMs: 1000, random: () => 0 })).toBe(0);
  });
});
