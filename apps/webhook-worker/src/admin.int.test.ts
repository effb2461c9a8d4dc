import { createInboxWorker, insertEvent } from "@org/billing";
import { auditLog, stripeWebhookEvents } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, fakeEvent, SECRET, silentLogger, testMetrics } from "../test/helpers.js";
import { queueStatsSchema, replayedSchema, webhookEventListSchema, webhookEventSchema } from "./admin.js";
import { createApp } from "./app.js";

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe("admin routes", () => {
  let t: TestDb;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    t = await createTestDb();
    app = createApp({
      db: t.db,
      logger: silentLogger(),
      metrics: testMetrics(),
      webhookSecrets: [SECRET],
      adminToken: ADMIN_TOKEN,
    });
  });
  afterAll(() => t.cleanup());

  it("needs the admin token", async () => {
    expect((await app.request("/admin/webhook-events")).status).toBe(401);
    expect(
      (await app.request("/admin/webhook-events", { headers: { Authorization: "Bearer nope" } })).status,
    ).toBe(401);
  });

  it("lists events by status with cursor pagination, and shows one", async () => {
    const events = Array.from({ length: 5 }, () => fakeEvent({ type: "invoice.paid" }));
    for (const e of events) await insertEvent(t.db, e);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await app.request(
        `/admin/webhook-events?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { headers: auth },
      );
      expect(res.status).toBe(200);
      const body = webhookEventListSchema.parse(await res.json());
      ids.push(...body.data.map((d) => d.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    const one = await app.request(`/admin/webhook-events/${events[0]!.id}`, { headers: auth });
    expect(webhookEventSchema.parse(await one.json())).toMatchObject({
      id: events[0]!.id,
      status: "pending",
      attempts: 0,
    });
    expect((await app.request("/admin/webhook-events/evt_nope", { headers: auth })).status).toBe(404);
    expect((await app.request("/admin/webhook-events?status=weird", { headers: auth })).status).toBe(400);
    expect((await app.request("/admin/webhook-events?cursor=zzz", { headers: auth })).status).toBe(400);
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
    expect(
      (await t.db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, event.id)))[0]?.status,
    ).toBe("dead");
    const replay = await app.request(`/admin/webhook-events/${event.id}/replay`, {
      method: "POST",
      headers: auth,
    });
    expect(replay.status).toBe(202);
    expect(replayedSchema.parse(await replay.json())).toEqual({ replayed: [event.id] });
    fail = false;
    await worker.drain();
    expect(
      (await t.db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, event.id)))[0]?.status,
    ).toBe("processed");
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.target, event.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "webhook_event.replay", data: { previousStatus: "dead" } });
  });

  it("serves its OpenAPI document and docs page", async () => {
    const doc = (await (await app.request("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/webhooks/stripe",
        "/admin/webhook-events",
        "/admin/webhook-events/{id}/replay",
      ]),
    );
    expect((await app.request("/docs")).headers.get("content-type")).toContain("text/html");
  });

  it("reports queue stats", async () => {
    const res = await app.request("/admin/webhook-events/stats", { headers: auth });
    const body = queueStatsSchema.parse(await res.json());
    expect(Object.keys(body.byStatus).sort()).toEqual([
      "dead",
      "failed",
      "pending",
      "processed",
      "processing",
    ]);
  });
});
