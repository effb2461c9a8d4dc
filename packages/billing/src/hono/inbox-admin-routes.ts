/** @module Admin routes of the inbox: list, show, replay (audited), stats. */
import type { Database } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import { ADMIN_SECURITY, apiRoute, apiRouter, jsonResponse, problemResponses } from "@org/server-kit/hono";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { findEvent, listEvents, queueStats } from "../inbox/admin-queries.js";
import { replayDeadEvents, replayEvent } from "../inbox/audited-replay.js";
import {
  webhookEventIdParams,
  webhookEventListQuery,
  webhookEventListSchema,
  webhookEventSchema,
  webhookEventsReplayedSchema,
  webhookQueueStatsSchema,
} from "./inbox-admin-schemas.js";

export interface InboxAdminRoutesOptions {
  db: Database;
  /** Who the audit log says replayed. @default "admin" */
  actor?: string;
}

const admin = { tags: ["webhook-events"], security: ADMIN_SECURITY };

export const listWebhookEventsRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events",
  ...admin,
  summary: "List events by status/type (cursor pagination)",
  request: { query: webhookEventListQuery },
  responses: { 200: jsonResponse(webhookEventListSchema), ...problemResponses(400, 401) },
});

export const webhookQueueStatsRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events/stats",
  ...admin,
  summary: "Queue depth by status and age of the oldest waiting event",
  responses: { 200: jsonResponse(webhookQueueStatsSchema), ...problemResponses(401) },
});

export const showWebhookEventRoute = apiRoute({
  method: "get",
  path: "/admin/webhook-events/{id}",
  ...admin,
  summary: "One event with its attempts and last error",
  request: { params: webhookEventIdParams },
  responses: { 200: jsonResponse(webhookEventSchema), ...problemResponses(401, 404) },
});

export const replayWebhookEventRoute = apiRoute({
  method: "post",
  path: "/admin/webhook-events/{id}/replay",
  ...admin,
  summary: "Replay one event (audited)",
  request: { params: webhookEventIdParams },
  responses: {
    202: jsonResponse(webhookEventsReplayedSchema, "Requeued"),
    ...problemResponses(401, 404, 409),
  },
});

export const replayDeadWebhookEventsRoute = apiRoute({
  method: "post",
  path: "/admin/webhook-events/replay-dead",
  ...admin,
  summary: "Replay every dead event (audited)",
  responses: { 202: jsonResponse(webhookEventsReplayedSchema, "Requeued"), ...problemResponses(401) },
});

function decodeCursorOrThrow(cursor: string) {
  const position = decodeCursor(cursor);
  if (!position) throw new ProblemError("validation_failed", { detail: "cursor is not valid" });
  return position;
}

/**
 * `/admin/webhook-events...`: list, show, stats, replay one, replay the dead. The router does not
 * authenticate: mount it behind the app's admin guard.
 *
 * @param [options.actor="admin"] the actor the audit log records for replays
 * @returns an `apiRouter()` serving the five operations
 * @example
 * app.use("/admin/*", adminAuth(env.ADMIN_TOKEN));
 * app.route("/", inboxAdminRoutes({ db }));
 */
export function inboxAdminRoutes(options: InboxAdminRoutesOptions) {
  const { db } = options;
  const actor = options.actor ?? "admin";
  const router = apiRouter();

  router.openapi(listWebhookEventsRoute, async (c) => {
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
  router.openapi(webhookQueueStatsRoute, async (c) => c.json(await queueStats(db), 200));

  router.openapi(showWebhookEventRoute, async (c) => {
    const { id } = c.req.valid("param");
    const event = await findEvent(db, id);
    if (!event) throw new ProblemError("webhook_event_not_found", { detail: `no event ${id}` });
    return c.json(event, 200);
  });

  router.openapi(replayWebhookEventRoute, async (c) => {
    const { id } = c.req.valid("param");
    const result = await replayEvent(db, id, { actor });
    if (!result.ok && result.reason === "not_found")
      throw new ProblemError("webhook_event_not_found", { detail: `no event ${id}` });
    if (!result.ok)
      throw new ProblemError("conflict", { detail: `event ${id} is being processed right now` });
    return c.json({ replayed: result.replayed }, 202);
  });

  router.openapi(replayDeadWebhookEventsRoute, async (c) => {
    const replayed = await replayDeadEvents(db, { actor });
    return c.json({ replayed }, 202);
  });

  return router;
}
