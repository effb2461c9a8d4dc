/** @module Claiming due inbox rows with SKIP LOCKED and settling them only while the claim is ours. */
import { type Database, rows, stripeWebhookEvents } from "@org/db";
import { and, eq, inArray, sql } from "drizzle-orm";

export type InboxRow = typeof stripeWebhookEvents.$inferSelect;

/** The SQL timestamp `now` stands for: the given instant (a simulated clock), or the database's clock. */
export const nowSql = (now: Date | undefined) => (now ? sql`${now.toISOString()}::timestamptz` : sql`now()`);

/**
 * Claims up to `limit` due events for `workerId`: pending or failed ones whose next attempt is due,
 * and processing ones whose claim expired (their worker died). `FOR UPDATE SKIP LOCKED` in the
 * subquery means concurrent claimers never wait for or take the same row; the lock expiry is what
 * lets another worker take over a crashed worker's rows, and `locked_by` is what settles ownership.
 * `now` replaces the database's clock (tests on a simulated clock); production leaves it out.
 *
 * @example
 * const batch = await claimDue(db, { workerId: "wkr_1", limit: 20, lockMs: 30_000 });
 */
export async function claimDue(
  db: Database,
  options: { workerId: string; limit: number; lockMs: number; now?: Date },
): Promise<InboxRow[]> {
  const now = nowSql(options.now);
  const claimed = rows<Record<string, unknown>>(
    await db.execute(sql`
      update stripe_webhook_events e
         set status = 'processing',
             locked_until = ${now} + (${options.lockMs} * interval '1 millisecond'),
             locked_by = ${options.workerId},
             attempts = e.attempts + 1
       where e.id in (
             select id from stripe_webhook_events
              where (status in ('pending', 'failed') and next_attempt_at <= ${now})
                 or (status = 'processing' and locked_until < ${now})
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

/**
 * Marks an event done; a no-op (false) when the claim was lost to another worker meanwhile.
 *
 * @example
 * if (!(await markProcessed(db, row.id, workerId))) log.warn({ eventId: row.id }, "webhook.claim_lost");
 */
export async function markProcessed(db: Database, id: string, workerId: string, note: string | null = null) {
  const done = await db
    .update(stripeWebhookEvents)
    .set({ status: "processed", processedAt: new Date(), lockedUntil: null, lastError: note })
    .where(owned(id, workerId))
    .returning({ id: stripeWebhookEvents.id });
  return done.length > 0;
}

/**
 * Records a failure: retried at `nextAttemptAt`, or `dead` when `dead` is set.
 *
 * @example
 * await markFailed(db, row.id, workerId, { error: "timeout", nextAttemptAt, dead: false });
 */
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
 * Extends this worker's claims on `ids` by `lockMs` and returns the ids still held. A row settled
 * meanwhile, or taken over by another worker after its claim expired, is not touched and not returned:
 * the conditional update serialises with a concurrent claim on the row lock, so exactly one of the two
 * owns the row afterwards.
 *
 * @example
 * const held = await renewClaims(db, { workerId, ids: remaining, lockMs: 30_000 });
 * if (!held.has(row.id)) return; // lost: another worker runs it now
 */
export async function renewClaims(
  db: Database,
  options: { workerId: string; ids: string[]; lockMs: number; now?: Date },
): Promise<Set<string>> {
  if (options.ids.length === 0) return new Set();
  const renewed = await db
    .update(stripeWebhookEvents)
    .set({ lockedUntil: sql`${nowSql(options.now)} + (${options.lockMs} * interval '1 millisecond')` })
    .where(
      and(
        inArray(stripeWebhookEvents.id, options.ids),
        eq(stripeWebhookEvents.lockedBy, options.workerId),
        eq(stripeWebhookEvents.status, "processing"),
      ),
    )
    .returning({ id: stripeWebhookEvents.id });
  return new Set(renewed.map((r) => r.id));
}
