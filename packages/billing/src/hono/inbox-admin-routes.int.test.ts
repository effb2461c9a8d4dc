import { auditLog, stripeWebhookEvents } from "@org/db";
import { problemErrorHandler } from "@org/problem/hono";
import { createTestDb, type TestDb } from "@org/testing";
import { and, eq, inArray } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvent } from "../inbox/intake-store.js";
import { createInboxWorker } from "../inbox/worker.js";
import { fakeEvent, silentLogger } from "../testing.js";
import { inboxAdminRoutes } from "./inbox-admin-routes.js";
import {
  webhookEventListSchema,
  webhookEventSchema,
  webhookEventsReplayedSchema,
  webhookQueueStatsSchema,
} from "./inbox-admin-schemas.js";

describe("inbox admin routes", () => {
  let t: TestDb;
  let app: Hono;
  beforeAll(async () => {
    t = await createTestDb();
    app = new Hono();
    app.onError(problemErrorHandler());
    app.route("/", inboxAdminRoutes({ db: t.db, actor: "ops@example.test" }));
  });
  afterAll(() => t.cleanup());

  const statusOf = async (id: string) =>
    (await t.db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, id)))[0]?.status;

  it("lists events by status with cursor pagination, and shows one", async () => {
    const events = Array.from({ length: 5 }, () => fakeEvent({ type: "invoice.paid" }));
    for (const e of events) await insertEvent(t.db, e);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await app.request(
        `/admin/webhook-events?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status).toBe(200);
      const body = webhookEventListSchema.parse(await res.json());
      ids.push(...body.data.map((d) => d.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    const one = await app.request(`/admin/webhook-events/${events[0]!.id}`);
    expect(webhookEventSchema.parse(await one.json())).toMatchObject({
      id: events[0]!.id,
      status: "pending",
      attempts: 0,
    });
    expect((await app.request("/admin/webhook-events/evt_nope")).status).toBe(404);
    expect((await app.request("/admin/webhook-events?status=weird")).status).toBe(400);
    expect((await app.request("/admin/webhook-events?cursor=zzz")).status).toBe(400);
  });

  it("replays a dead event (audited) and the worker then processes it", async () => {
    const event = fakeEvent();
    await insertEvent(t.db, event);
    let fail = true;
    const worker = createInboxWorker({
      db: t.db,
      logger: silentLogger(),
      retry: { windowMs: 0 },
      handle: async () => {
        if (fail) throw new Error("down");
        return { outcome: "synced" };
      },
    });
    await worker.drain();
    expect(await statusOf(event.id)).toBe("dead");
    const replay = await app.request(`/admin/webhook-events/${event.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(202);
    expect(webhookEventsReplayedSchema.parse(await replay.json())).toEqual({ replayed: [event.id] });
    fail = false;
    await worker.drain();
    expect(await statusOf(event.id)).toBe("processed");
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.target, event.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: "ops@example.test",
      action: "webhook_event.replay",
      data: { previousStatus: "dead" },
    });
  });

  it("answers 404 for an unknown event and 409 for one a worker holds, auditing neither", async () => {
    const held = fakeEvent();
    await insertEvent(t.db, held);
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "processing" })
      .where(eq(stripeWebhookEvents.id, held.id));
    const busy = await app.request(`/admin/webhook-events/${held.id}/replay`, { method: "POST" });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ code: "conflict" });
    expect(await statusOf(held.id)).toBe("processing");
    const unknown = await app.request("/admin/webhook-events/evt_nope/replay", { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "webhook_event_not_found" });
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.target, [held.id, "evt_nope"]));
    expect(audit).toEqual([]);
  });

  it("replays every dead event with one audit entry counting them", async () => {
    const dead = [fakeEvent(), fakeEvent()];
    for (const e of dead) await insertEvent(t.db, e);
    await t.db
      .update(stripeWebhookEvents)
      .set({ status: "dead" })
      .where(
        inArray(
          stripeWebhookEvents.id,
          dead.map((e) => e.id),
        ),
      );
    // Earlier tests' worker may have left events dead too: every dead event is replayed.
    const deadBefore = await t.db
      .select({ id: stripeWebhookEvents.id })
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.status, "dead"));
    expect(deadBefore.map((e) => e.id)).toEqual(expect.arrayContaining(dead.map((e) => e.id)));
    const res = await app.request("/admin/webhook-events/replay-dead", { method: "POST" });
    expect(res.status).toBe(202);
    const { replayed } = webhookEventsReplayedSchema.parse(await res.json());
    expect(replayed.sort()).toEqual(deadBefore.map((e) => e.id).sort());
    for (const e of dead) expect(await statusOf(e.id)).toBe("pending");
    expect(await t.db.$count(stripeWebhookEvents, eq(stripeWebhookEvents.status, "dead"))).toBe(0);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "webhook_event.replay_dead"), eq(auditLog.actor, "ops@example.test")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target: null, data: { count: deadBefore.length } });
  });

  it("reports queue stats", async () => {
    const res = await app.request("/admin/webhook-events/stats");
    const body = webhookQueueStatsSchema.parse(await res.json());
    expect(Object.keys(body.byStatus).sort()).toEqual([
      "dead",
      "failed",
      "pending",
      "processed",
      "processing",
    ]);
  });
});
