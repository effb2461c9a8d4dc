/** @module Draining the notifications outbox: claim, refresh from Stripe, send, settle; failures back off. */
import { randomUUID } from "node:crypto";
import type { Database } from "@org/db";
import type Stripe from "stripe";
import { nextRetry, type RetrySchedule } from "../inbox/retry-schedule.js";
import {
  claimDueNotifications,
  type NotificationRow,
  renewNotificationClaim,
  settleNotification,
} from "./claims.js";
import { freshContent } from "./freshness.js";
import type { NotificationSender } from "./outbox.js";

export interface NotificationDeliveryDeps {
  db: Database;
  /** Reads the invoice or subscription a notification is about, just before sending it. */
  stripe: Stripe;
  sender: NotificationSender;
  /** Replaces the clock (tests); production uses the database's and the process's. */
  clock?: () => Date;
  /** Jitter source for the backoff. @default Math.random */
  random?: () => number;
}

export interface NotificationDeliveryOptions {
  /** Names this drainer's claims. @default a new id per call */
  workerId?: string;
  /** @default 50 */
  batchSize?: number;
  /** Batches per call at most, so one call ends even while the outbox keeps filling. @default 10 */
  maxBatches?: number;
  /** The claim's lease, renewed before each send: longer than one send can take, or a slow one may be repeated. @default 60000 */
  lockMs?: number;
  /** Backoff of failed sends, and how long they are retried before `dead`. */
  retry?: RetrySchedule;
}

export interface NotificationDeliveryResult {
  sent: number;
  skipped: number;
  failed: number;
  dead: number;
}

/**
 * Sends the due notifications of the outbox, oldest first, and returns what happened to them.
 * Several drainers (processes or loops) may run at once: each row is claimed by one of them with a
 * lease, so a notification is sent once, and again only if its drainer died before recording the send.
 * A failed send is retried with exponential backoff and jitter, until the retry window ends (`dead`).
 *
 * @example
 * const result = await deliverNotifications({ db, stripe, sender: logNotificationSender(logger) });
 */
export async function deliverNotifications(
  deps: NotificationDeliveryDeps,
  options: NotificationDeliveryOptions = {},
): Promise<NotificationDeliveryResult> {
  const workerId = options.workerId ?? `drain_${randomUUID()}`;
  const batchSize = options.batchSize ?? 50;
  const lockMs = options.lockMs ?? 60_000;
  const result: NotificationDeliveryResult = { sent: 0, skipped: 0, failed: 0, dead: 0 };
  for (let batch = 0; batch < (options.maxBatches ?? 10); batch++) {
    const claimed = await claimDueNotifications(deps.db, {
      workerId,
      limit: batchSize,
      lockMs,
      now: deps.clock?.(),
    });
    for (const row of claimed) {
      const held = await renewNotificationClaim(deps.db, row, { workerId, lockMs, now: deps.clock?.() });
      if (held) result[await deliverOne(deps, row, workerId, options.retry)]++;
    }
    if (claimed.length < batchSize) break;
  }
  return result;
}

async function deliverOne(
  deps: NotificationDeliveryDeps,
  row: NotificationRow,
  workerId: string,
  retry: RetrySchedule | undefined,
): Promise<keyof NotificationDeliveryResult> {
  const now = () => deps.clock?.() ?? new Date();
  try {
    const content = await freshContent(deps.stripe, row);
    if ("skip" in content) {
      await settleNotification(deps.db, row, workerId, { status: "skipped", reason: content.skip });
      return "skipped";
    }
    await deps.sender.send({
      id: row.id,
      tenantId: row.tenantId,
      kind: row.kind,
      payload: content.send,
      createdAt: row.createdAt,
    });
    await settleNotification(deps.db, row, workerId, { status: "sent", at: now() });
    return "sent";
  } catch (error) {
    const message = String((error as Error).message ?? error);
    const next = nextRetry(
      { attempt: row.attempts, receivedAt: row.createdAt, now: now() },
      retry,
      deps.random,
    );
    await settleNotification(
      deps.db,
      row,
      workerId,
      next.dead
        ? { status: "dead", error: message }
        : { status: "pending", error: message, nextAttemptAt: next.retryAt },
    );
    return next.dead ? "dead" : "failed";
  }
}
