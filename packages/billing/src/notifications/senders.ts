/** @module The notification senders shipped with billing: the log (default) and a signed HTTP webhook. */
import { createHmac } from "node:crypto";
import type { BillingLogger } from "../context.js";
import type { Notification, NotificationSender } from "./outbox.js";

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). */
export const NOTIFICATION_SIGNATURE_HEADER = "Notification-Signature";

/**
 * Writes each notification to the log: the default when no delivery channel is configured.
 *
 * @example
 * const sender = logNotificationSender(logger);
 */
export function logNotificationSender(logger: BillingLogger): NotificationSender {
  return {
    async send(notification) {
      logger.info({ notification }, "notification.sent");
    },
  };
}

/**
 * The signature of a webhook body, as sent in {@link NOTIFICATION_SIGNATURE_HEADER}.
 *
 * @example
 * signNotificationBody(body, "secret", 1767225600); // "t=1767225600,v1=5d41..."
 */
export function signNotificationBody(body: string, secret: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * POSTs each notification as JSON to `url`, signed with `secret`; anything but a 2xx answer (or no
 * answer within `timeoutMs`) is a failure, retried later. Delivery is at least once: the receiver
 * deduplicates by the `id` in the body.
 *
 * @example
 * const sender = webhookNotificationSender({ url: "https://hooks.example.com/billing", secret });
 */
export function webhookNotificationSender(options: {
  url: string;
  secret: string;
  /** @default 10000 */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  clock?: () => Date;
}): NotificationSender {
  const post = options.fetch ?? globalThis.fetch;
  return {
    async send(notification: Notification) {
      const body = JSON.stringify(notification);
      const unixSeconds = Math.floor((options.clock?.() ?? new Date()).getTime() / 1000);
      const response = await post(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [NOTIFICATION_SIGNATURE_HEADER]: signNotificationBody(body, options.secret, unixSeconds),
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
    },
  };
}
