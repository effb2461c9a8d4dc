/** @module The notifications outbox: written once per cause, delivered by a sender port. */
import { type Database, type Executor, newId, notifications } from "@org/db";
import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";

export type NotificationKind =
  | "payment_failed"
  | "payment_action_required"
  | "subscription_canceled"
  | "trial_ending";

export interface NotificationInput {
  tenantId: string;
  kind: NotificationKind;
  /** The cause (e.g. the Stripe invoice id and attempt): a retried webhook adds nothing. */
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/**
 * Adds a notification unless one with the same cause exists. Returns whether it was new.
 *
 * @example
 * await enqueueNotification(db, { tenantId, kind: "payment_failed", dedupeKey: `in_123:1`, payload: { amountDue: 4900 } });
 */
export async function enqueueNotification(db: Executor, input: NotificationInput): Promise<boolean> {
  const inserted = await db
    .insert(notifications)
    .values({ id: newId("notification"), ...input })
    .onConflictDoNothing({ target: [notifications.tenantId, notifications.dedupeKey] })
    .returning({ id: notifications.id });
  return inserted.length > 0;
}

export interface Notification {
  id: string;
  tenantId: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** Delivers one notification (email, chat, ...); throwing leaves it in the outbox for a later attempt. */
export type NotificationSender = (notification: Notification) => Promise<void>;

/**
 * Sends what is waiting in the outbox, oldest first. Rows are claimed with SKIP LOCKED, so several
 * processes may drain it at once without sending one twice concurrently.
 *
 * @example
 * await deliverNotifications(db, async (n) => logger.info(n, "notification"), { batchSize: 50 });
 */
export async function deliverNotifications(
  db: Database,
  send: NotificationSender,
  options: { batchSize?: number; maxAttempts?: number } = {},
): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  await db.transaction(async (tx) => {
    const batch = await tx
      .select()
      .from(notifications)
      .where(and(isNull(notifications.sentAt), lt(notifications.attempts, options.maxAttempts ?? 10)))
      .orderBy(asc(notifications.createdAt))
      .limit(options.batchSize ?? 50)
      .for("update", { skipLocked: true });
    for (const row of batch) {
      try {
        await send(row);
        await tx
          .update(notifications)
          .set({ sentAt: new Date(), attempts: sql`${notifications.attempts} + 1` })
          .where(and(eq(notifications.tenantId, row.tenantId), eq(notifications.id, row.id)));
        sent++;
      } catch (error) {
        await tx
          .update(notifications)
          .set({
            attempts: sql`${notifications.attempts} + 1`,
            lastError: String((error as Error).message ?? error),
          })
          .where(and(eq(notifications.tenantId, row.tenantId), eq(notifications.id, row.id)));
        failed++;
      }
    }
  });
  return { sent, failed };
}
