/** @module The notifications outbox: written once per cause, delivered later by a sender port. */
import { type Executor, newId, notifications } from "@org/db";

export type NotificationKind =
  | "payment_failed"
  | "payment_action_required"
  | "subscription_canceled"
  | "trial_ending"
  /** A usage alert of the tenant (see @org/usage-metering `onThresholdReached`). */
  | "usage.threshold_reached";

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
  /** What the sender delivers: for invoice and trial notices, refreshed from Stripe just before sending. */
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Delivers one notification (email, chat, a webhook, ...). Throwing leaves it in the outbox for a
 * later attempt; delivery is at least once, so a receiver deduplicates by `notification.id`.
 *
 * @example
 * const sender: NotificationSender = { send: async (n) => mailer.send(toEmail(n)) };
 */
export interface NotificationSender {
  send(notification: Notification): Promise<void>;
}
