/** @module Reading and replaying the inbox for operators: stats, listing, one event, requeue. */
import { type Database, type Executor, rows, stripeWebhookEvents } from "@org/db";
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { InboxRow } from "./claims.js";
import { INBOX_CHANNEL } from "./intake-store.js";

export interface QueueStats {
  byStatus: Record<string, number>;
  oldestPendingAgeSeconds: number;
}

/**
 * Counts by status and the age of the oldest event still waiting (pending or failed).
 *
 * @example
 * const { byStatus, oldestPendingAgeSeconds } = await queueStats(db);
 */
export async function queueStats(db: Database): Promise<QueueStats> {
  const counts = rows<{ status: string; n: number }>(
    await db.execute(sql`select status, count(*)::int as n from stripe_webhook_events group by status`),
  );
  const [oldest] = rows<{ age: number | null }>(
    await db.execute(
      sql`select extract(epoch from now() - min(received_at))::float8 as age from stripe_webhook_events where status in ('pending', 'failed', 'processing')`,
    ),
  );
  const byStatus: Record<string, number> = { pending: 0, processing: 0, processed: 0, failed: 0, dead: 0 };
  for (const c of counts) byStatus[c.status] = Number(c.n);
  return { byStatus, oldestPendingAgeSeconds: Number(oldest?.age ?? 0) };
}

export interface ListEventsOptions {
  status?: string;
  type?: string;
  limit: number;
  after?: { at: number; id: string };
}

/**
 * The query behind {@link listEvents} (one more row than the page, to know whether more follow). It
 * sorts by (received_at, id) descending, which the indexes `stripe_webhook_events_received_idx` and
 * `..._status_received_idx` serve by a backward scan, so a page costs its rows, not the inbox's size.
 *
 * @example
 * await db.execute(sql`explain ${listEventsQuery(db, { limit: 50 })}`);
 */
export function listEventsQuery(db: Executor, options: ListEventsOptions) {
  return db
    .select({
      id: stripeWebhookEvents.id,
      type: stripeWebhookEvents.type,
      status: stripeWebhookEvents.status,
      attempts: stripeWebhookEvents.attempts,
      created: stripeWebhookEvents.created,
      receivedAt: stripeWebhookEvents.receivedAt,
      nextAttemptAt: stripeWebhookEvents.nextAttemptAt,
      processedAt: stripeWebhookEvents.processedAt,
      lastError: stripeWebhookEvents.lastError,
      stripeCustomerId: stripeWebhookEvents.stripeCustomerId,
    })
    .from(stripeWebhookEvents)
    .where(
      and(
        options.status ? eq(stripeWebhookEvents.status, options.status as InboxRow["status"]) : undefined,
        options.type ? eq(stripeWebhookEvents.type, options.type) : undefined,
        options.after
          ? or(
              lt(stripeWebhookEvents.receivedAt, new Date(options.after.at)),
              and(
                eq(stripeWebhookEvents.receivedAt, new Date(options.after.at)),
                lt(stripeWebhookEvents.id, options.after.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(stripeWebhookEvents.receivedAt), desc(stripeWebhookEvents.id))
    .limit(options.limit + 1);
}

/**
 * Lists events, newest first, by status and/or type, with a cursor (received_at, id).
 *
 * @example
 * const { page, hasMore } = await listEvents(db, { status: "dead", limit: 50 });
 */
export async function listEvents(db: Database, options: ListEventsOptions) {
  const found = await listEventsQuery(db, options);
  return { page: found.slice(0, options.limit), hasMore: found.length > options.limit };
}

/** One inbox row as stored: payload, attempts, last error and lock. */
export type InboxEvent = typeof stripeWebhookEvents.$inferSelect;

/**
 * One event by id, or undefined when the inbox has none.
 *
 * @example
 * const event = await findEvent(db, "evt_123");
 */
export async function findEvent(db: Executor, id: string): Promise<InboxEvent | undefined> {
  const [event] = await db.select().from(stripeWebhookEvents).where(eq(stripeWebhookEvents.id, id));
  return event;
}

/**
 * Puts events back in the queue now (replay); the attempt count restarts. Returns the ids requeued.
 * Inside a transaction the workers are woken when it commits.
 *
 * @example
 * await requeue(db, { id: "evt_123" });
 * await requeue(db, { status: "dead" });
 */
export async function requeue(db: Executor, where: { id: string } | { status: "dead" }): Promise<string[]> {
  const done = await db
    .update(stripeWebhookEvents)
    .set({ status: "pending", attempts: 0, nextAttemptAt: new Date(), lockedUntil: null, lockedBy: null })
    .where(
      "id" in where
        ? // An event a worker holds right now is not replayed under its feet.
          and(
            eq(stripeWebhookEvents.id, where.id),
            inArray(stripeWebhookEvents.status, ["processed", "failed", "dead"]),
          )
        : eq(stripeWebhookEvents.status, "dead"),
    )
    .returning({ id: stripeWebhookEvents.id });
  if (done.length > 0) await db.execute(sql`select pg_notify(${INBOX_CHANNEL}, 'replay')`);
  return done.map((d) => d.id);
}
