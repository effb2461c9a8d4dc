/** @module Admin routes of the inbox: list, show, replay (audited), stats. */

import { z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor, listEvents, queueStats, requeue } from "@org/billing";
import { auditLog, type Database, newId, stripeWebhookEvents, WEBHOOK_EVENT_STATUSES } from "@org/db";
import { ProblemError } from "@org/problem";
import { ADMIN_SECURITY, apiRoute, apiRouter, jsonResponse, problemResponses } from "@org/server-kit";
import { eq } from "drizzle-orm";

export const listQuery = z.object({
  status: z.enum(WEBHOOK_EVENT_STATUSES).optional(),
  type: z.string().min(1).max(200).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const eventIdParams = z.object({ id: z.string().openapi({ example: "evt_1NqXa2" }) });

/** One event in the admin list. Times are ISO 8601. */
export const webhookEventSummarySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.enum(WEBHOOK_EVENT_STATUSES),
    attempts: z.number().int(),
    created: z.string().openapi({ description: "Stripe's `created`" }),
    receivedAt: z.string(),
    nextAttemptAt: z.string(),
    processedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    stripeCustomerId: z.string().nullable(),
  })
  .openapi("WebhookEventSummary");

/** One event with its payload and lock, as stored. */
export const webhookEventSchema = webhookEventSummarySchema
  .extend({
    livemode: z.boolean(),
    payload: z.record(z.string(), z.unknown()),
    lockedUntil: z.string().nullable(),
    lockedBy: z.string().nullable(),
  })
  .openapi("WebhookEvent");

export const webhookEventListSchema = z
  .object({
    data: z.array(webhookEventSummarySchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("WebhookEventList");

export const queueStatsSchema = z
  .object({
    byStatus: z.record(z.string(), z.number().int()),
    oldestPendingAgeSeconds: z.number(),
  })
  .openapi("WebhookQueueStats");

export const replayedSchema = z
  .object({ replayed: z.array(z.string()).openapi({ description: "Ids of the events requeued" }) })
  .openapi("WebhookEventsReplayed");

const admin = { tags: ["webhook-events"], security: ADMIN_SECURITY };

export const listEventsRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events",
  ...admin,
  summary: "List events by status/type (cursor pagination)",
  request: { query: listQuery },
  responses: { 200: jsonResponse(webhookEventListSchema), ...problemResponses(400, 401) },
});

export const queueStatsRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events/stats",
  ...admin,
  summary: "Queue depth by status and age of the oldest waiting event",
  responses: { 200: jsonResponse(queueStatsSchema), ...problemResponses(401) },
});

export const showEventRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events/{id}",
  ...admin,
  summary: "One event with its attempts and last error",
  request: { params: eventIdParams },
  responses: { 200: jsonResponse(webhookEventSchema), ...problemResponses(401, 404) },
});

export const replayEventRoute = apiRoute({
  method: "post",
  path: "/admin/webhook-events/{id}/replay",
  ...admin,
  summary: "Replay one event (audited)",
  request: { params: eventIdParams },
  responses: {
    202: jsonResponse(replayedSchema, "Requeued"),
    ...problemResponses(401, 404, 409),
  },
});

export const replayDeadRoute = apiRoute({
  method: "post",
  path: "/admin/webhook-events/replay-dead",
  ...admin,
  summary: "Replay every dead event (audited)",
  responses: { 202: jsonResponse(replayedSchema, "Requeued"), ...problemResponses(401) },
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
  const router = apiRouter();

  router.openapi(listEventsRoute, async (c) => {
    const { status, type, cursor, limit } = c.req.valid("query");
    const { page, hasMore } = await listEvents(db, {
      status,
      type,
      limit,
      after: cursor ? decodeCursorOrThrow(cursor) : undefined,
    });
    const last = page.at(-1);
    return c.json(
      {
        data: page,
        nextCursor: hasMore && last ? encodeCursor({ at: last.receivedAt.getTime(), id: last.id }) : null,
      },
      200,
    );
  });

  // Registered before `/{id}`, which would otherwise take "stats" for an id.
  router.openapi(queueStatsRoute, async (c) => c.json(await queueStats(db), 200));

  router.openapi(showEventRoute, async (c) => {
    const { id } = c.req.valid("param");
    const [event] = await db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, id));
    if (!event) throw new ProblemError("webhook_event_not_found", { detail: `no event ${id}` });
    return c.json(event, 200);
  });

  router.openapi(replayEventRoute, async (c) => {
    const { id } = c.req.valid("param");
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

  router.openapi(replayDeadRoute, async (c) => {
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

  return router;
}
