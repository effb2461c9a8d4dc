/** @module The schemas of the inbox admin routes: the list query, events, stats, replays. */
import { z } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_STATUSES } from "@org/db";

/** `GET /admin/webhook-events?status=&type=&cursor=&limit=` (limit 1 to 200, 50 by default). */
export const webhookEventListQuery = z.object({
  status: z.enum(WEBHOOK_EVENT_STATUSES).optional(),
  type: z.string().min(1).max(200).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const webhookEventIdParams = z.object({ id: z.string().openapi({ example: "evt_1NqXa2" }) });

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

/** A page of events, newest first. */
export const webhookEventListSchema = z
  .object({
    data: z.array(webhookEventSummarySchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("WebhookEventList");

/** Counts by status (every status present, 0 when none) and the age of the oldest waiting event. */
export const webhookQueueStatsSchema = z
  .object({
    byStatus: z.record(z.string(), z.number().int()),
    oldestPendingAgeSeconds: z.number(),
  })
  .openapi("WebhookQueueStats");

/** The answer to a replay. */
export const webhookEventsReplayedSchema = z
  .object({ replayed: z.array(z.string()).openapi({ description: "Ids of the events requeued" }) })
  .openapi("WebhookEventsReplayed");
