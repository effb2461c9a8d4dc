/** @module Admin routes of the inbox: list, show, replay (audited), stats. */

import { decodeCursor, encodeCursor, listEvents, queueStats, requeue } from "@org/billing";
import { auditLog, type Database, newId, stripeWebhookEvents } from "@org/db";
import { ProblemError } from "@org/problem";
import { queryOf } from "@org/server-kit";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";

export const listQuery = z.object({
  status: z.enum(["pending", "processing", "processed", "failed", "dead"]).optional(),
  type: z.string().min(1).max(200).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function decodeCursorOrThrow(cursor: string) {
  const position = decodeCursor(cursor);
  if (!position) throw new ProblemError("validation_failed", { detail: "cursor is not valid" });
  return position;
}

/**
 * `/admin/webhook-events...`; mount behind `adminAuth`.
 *
 * @example
 * app.use("/admin/*", adminAuth(env.ADMIN_TOKEN));
 * app.route("/", adminRoutes({ db }));
 */
export function adminRoutes(options: { db: Database; actor?: string }) {
  const { db } = options;
  const actor = options.actor ?? "admin";
  const app = new Hono();

  app.get("/admin/webhook-events", async (c) => {
    const { status, type, cursor, limit } = queryOf(c, listQuery);
    const { page, hasMore } = await listEvents(db, {
      status,
      type,
      limit,
      after: cursor ? decodeCursorOrThrow(cursor) : undefined,
    });
    const last = page.at(-1);
    return c.json({
      data: page,
      nextCursor: hasMore && last ? encodeCursor({ at: last.receivedAt.getTime(), id: last.id }) : null,
    });
  });

  app.get("/admin/webhook-events/stats", async (c) => c.json(await queueStats(db)));

  app.get("/admin/webhook-events/:id", async (c) => {
    const [event] = await db
      .select()
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.id, c.req.param("id")));
    if (!event)
      throw new ProblemError("webhook_event_not_found", { detail: `no event ${c.req.param("id")}` });
    return c.json(event);
  });

  app.post("/admin/webhook-events/:id/replay", async (c) => {
    const id = c.req.param("id");
    const [event] = await db
      .select({ status: stripeWebhookEvents.status })
      .from(stripeWebhookEvents)
      .where(eq(stripeWebhookEvents.id, id));
    if (!event) throw new ProblemError("webhook_event_not_found", { detail: `no event ${id}` });
    const replayed = await requeue(db, { id });
    if (replayed.length === 0)
      throw new ProblemError("conflict", { detail: `event ${id} is being processed right now` });
    await db.insert(auditLog).values({
      id: newId("audit"),
      actor,
      action: "webhook_event.replay",
      target: id,
      data: { previousStatus: event.status },
    });
    return c.json({ replayed }, 202);
  });

  app.post("/admin/webhook-events/replay-dead", async (c) => {
    const replayed = await requeue(db, { status: "dead" });
    await db.insert(auditLog).values({
      id: newId("audit"),
      actor,
      action: "webhook_event.replay_dead",
      target: null,
      data: { count: replayed.length },
    });
    return c.json({ replayed }, 202);
  });

  return app;
}
