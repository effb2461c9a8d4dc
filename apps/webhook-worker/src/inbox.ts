/** @module The durable inbox of Stripe events: insert once, claim with SKIP LOCKED, settle by owner. */
import { customerOfEvent } from "@org/billing";
import { type Database, rows, stripeWebhookEvents } from "@org/db";
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type Stripe from "stripe";

export const INBOX_CHANNEL = "stripe_webhook_events";

export interface IncomingEvent {
  id: string;
  type: string;
  created: number;
  livemode?: boolean;
  data?: { object?: { object?: string; id?: string; customer?: string | { id: string } | null } };
  [key: string]: unknown;
}

export type InboxRow = typeof stripeWebhookEvents.$inferSelect;

/**
 * Stores a verified event once. `ON CONFLICT DO NOTHING` makes Stripe's duplicate deliveries free;
 * the same statement notifies idle workers, only when the row is new.
 *
 * @returns whether the event was new
 */
export async function insertEvent(db: Database, event: IncomingEvent): Promise<boolean> {
  const result = rows<{ id: string }>(
    await db.execute(sql`
      with inserted as (
        insert into stripe_webhook_events (id, type, created, livemode, stripe_customer_id, payload)
        values (${event.id}, ${event.type}, to_timestamp(${event.created}), ${event.livemode ?? false},
                ${customerOfEvent(event as unknown as Stripe.Event)}, ${JSON.stringify(event)}::jsonb)
        on conflict (id) do nothing
        returning id
      )
      select id, pg_notify(${INBOX_CHANNEL}, id) from inserted`),
  );
  return result.length > 0;
}

/**
 * Claims up to `limit` due events for `workerId`: pending or failed ones whose next attempt is due,
 * and processing ones whose claim expired (their worker died). `FOR UPDATE SKIP LOCKED` in the
 * subquery means concurrent claimers never wait for or take the same row; the lock expiry is what
 * lets another worker take over a crashed worker's rows, and `locked_by` is what settles ownership.
 */
export async function claimDue(
  db: Database,
  options: { workerId: string; limit: number; lockMs: number },
): Promise<InboxRow[]> {
  const claimed = rows<Record<string, unknown>>(
    await db.execute(sql`
      update stripe_webhook_events e
         set status = 'processing',
             locked_until = now() + (${options.lockMs} * interval '1 millisecond'),
             locked_by = ${options.workerId},
             attempts = e.attempts + 1
       where e.id in (
             select id from stripe_webhook_events
              where (status in ('pending', 'failed') and next_attempt_at <= now())
                 or (status = 'processing' and locked_until < now())
              order by next_attempt_at, created
              limit ${options.limit}
              for update skip locked)
      returning e.id`),
  );
  if (claimed.length === 0) return [];
  const ids = claimed.map((r) => String(r.id));
  const found = await db.select().from(stripeWebhookEvents).where(inArray(stripeWebhookEvents.id, ids));
  return found.sort((a, b) => a.created.getTime() - b.created.getTime());
}

const owned = (id: string, workerId: string) =>
  and(
    eq(stripeWebhookEvents.id, id),
    eq(stripeWebhookEvents.lockedBy, workerId),
    eq(stripeWebhookEvents.status, "processing"),
  );

/** Marks an event done; a no-op (false) when the claim was lost to another worker meanwhile. */
export async function markProcessed(db: Database, id: string, workerId: string, note: string | null = null) {
  const done = await db
    .update(stripeWebhookEvents)
    .set({ status: "processed", processedAt: new Date(), lockedUntil: null, lastError: note })
    .where(owned(id, workerId))
    .returning({ id: stripeWebhookEvents.id });
  return done.length > 0;
}

/** Records a failure: retried at `nextAttemptAt`, or `dead` when `dead` is set. */
export async function markFailed(
  db: Database,
  id: string,
  workerId: string,
  failure: { error: string; nextAttemptAt: Date; dead: boolean },
) {
  const done = await db
    .update(stripeWebhookEvents)
    .set({
      status: failure.dead ? "dead" : "failed",
      lastError: failure.error.slice(0, 2000),
      nextAttemptAt: failure.nextAttemptAt,
      lockedUntil: null,
    })
    .where(owned(id, workerId))
    .returning({ id: stripeWebhookEvents.id });
  return done.length > 0;
}

/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^(attempt-1))], so
 * a burst of failures does not retry in lockstep.
 */
export function backoffMs(
  attempt: number,
  options: { baseMs?: number; capMs?: number; random?: () => number } = {},
) {
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 3_600_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export interface QueueStats {
  byStatus: Record<string, number>;
  oldestPendingAgeSeconds: number;
}

/** Counts by status and the age of the oldest event still waiting (pending or failed). */
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

/** Lists events, newest first, by status and/or type, with a cursor (received_at, id). */
export async function listEvents(
  db: Database,
  options: { status?: string; type?: string; limit: number; after?: { at: number; id: string } },
) {
  const found = await db
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
  return { page: found.slice(0, options.limit), hasMore: found.length > options.limit };
}

/** Puts events back in the queue now (replay); the attempt count restarts. Returns the ids requeued. */
export async function requeue(db: Database, where: { id: string } | { status: "dead" }): Promise<string[]> {
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
