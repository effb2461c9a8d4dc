/** @module Claiming due notifications with SKIP LOCKED and a lease, and settling them while the claim is ours. */
import { type Database, notifications, rows } from "@org/db";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { nowSql } from "../inbox/claims.js";

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Claims up to `limit` unsent notifications for `workerId`: pending ones whose next attempt is due,
 * and `sending` ones whose lease expired (their drainer died mid-send, so they are sent again: at
 * least once). Same scheme as the webhook inbox's `claimDue`: concurrent drainers skip each other's
 * rows instead of waiting for them or taking them too.
 *
 * @example
 * const batch = await claimDueNotifications(db, { workerId: "ntf_1", limit: 50, lockMs: 60_000 });
 */
export async function claimDueNotifications(
  db: Database,
  options: { workerId: string; limit: number; lockMs: number; now?: Date },
): Promise<NotificationRow[]> {
  const now = nowSql(options.now);
  const claimed = rows<Record<string, unknown>>(
    await db.execute(sql`
      update notifications n
         set status = 'sending',
             locked_until = ${now} + (${options.lockMs} * interval '1 millisecond'),
             locked_by = ${options.workerId},
             attempts = n.attempts + 1
       where (n.tenant_id, n.id) in (
             select tenant_id, id from notifications
              where sent_at is null
                and ((status = 'pending' and next_attempt_at <= ${now})
                  or (status = 'sending' and locked_until < ${now}))
              order by next_attempt_at, created_at
              limit ${options.limit}
              for update skip locked)
      returning n.id`),
  );
  if (claimed.length === 0) return [];
  const ids = claimed.map((r) => String(r.id));
  const found = await db.select().from(notifications).where(inArray(notifications.id, ids));
  return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Extends this drainer's lease on one claimed row, right before sending it: a batch is sent one row
 * after the other, so the last row's lease would otherwise run out while the first ones are sent.
 * False when the row was taken over meanwhile (then the other drainer sends it, not this one).
 *
 * @example
 * if (!(await renewNotificationClaim(db, row, { workerId, lockMs: 60_000 }))) continue;
 */
export async function renewNotificationClaim(
  db: Database,
  row: Pick<NotificationRow, "tenantId" | "id">,
  options: { workerId: string; lockMs: number; now?: Date },
): Promise<boolean> {
  const renewed = await db
    .update(notifications)
    .set({ lockedUntil: sql`${nowSql(options.now)} + (${options.lockMs} * interval '1 millisecond')` })
    .where(owned(row, options.workerId))
    .returning({ id: notifications.id });
  return renewed.length > 0;
}

const owned = (row: Pick<NotificationRow, "tenantId" | "id">, workerId: string) =>
  and(
    eq(notifications.tenantId, row.tenantId),
    eq(notifications.id, row.id),
    eq(notifications.lockedBy, workerId),
    eq(notifications.status, "sending"),
  );

export type NotificationSettlement =
  | { status: "sent"; at: Date }
  | { status: "skipped"; reason: string }
  | { status: "pending"; error: string; nextAttemptAt: Date }
  | { status: "dead"; error: string };

/**
 * Settles a claimed notification; a no-op (false) when the lease was lost to another drainer.
 *
 * @example
 * await settleNotification(db, row, workerId, { status: "sent", at: new Date() });
 */
export async function settleNotification(
  db: Database,
  row: Pick<NotificationRow, "tenantId" | "id">,
  workerId: string,
  settlement: NotificationSettlement,
): Promise<boolean> {
  const changes =
    settlement.status === "sent"
      ? { status: "sent", sentAt: settlement.at, lastError: null }
      : settlement.status === "skipped"
        ? { status: "skipped", lastError: settlement.reason }
        : settlement.status === "pending"
          ? { status: "pending", lastError: settlement.error, nextAttemptAt: settlement.nextAttemptAt }
          : { status: "dead", lastError: settlement.error };
  const done = await db
    .update(notifications)
    .set({ ...changes, lastError: changes.lastError?.slice(0, 2000) ?? null, lockedUntil: null })
    .where(owned(row, workerId))
    .returning({ id: notifications.id });
  return done.length > 0;
}

/**
 * Notifications by status, for the outbox depth gauge (pending + sending is what waits).
 *
 * @example
 * const depth = await notificationOutboxDepth(db); // { pending: 3, sent: 120, dead: 0 }
 */
export async function notificationOutboxDepth(db: Database): Promise<Record<string, number>> {
  // Rows sent before the status column existed (migration 0003) count as sent, not pending.
  const status = sql<string>`case when ${notifications.sentAt} is not null then 'sent' else ${notifications.status} end`;
  const grouped = await db.select({ status, n: count() }).from(notifications).groupBy(status);
  return Object.fromEntries(grouped.map((g) => [g.status, g.n]));
}
