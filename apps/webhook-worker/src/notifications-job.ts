/** @module Delivery of the notifications outbox as a periodic job, with its Prometheus metrics. */
import {
  deliverNotifications,
  type NotificationDeliveryDeps,
  type NotificationDeliveryOptions,
  notificationOutboxDepth,
} from "@org/billing";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PeriodicJob } from "./periodic.js";

/**
 * A periodic job draining the notifications outbox. Several worker processes may run it at once
 * (claims are leased rows). `notifications_delivered_total{result}` counts sent, skipped (obsolete
 * when sent), failed (retried later) and dead ones; `notifications_outbox{status}` is read from the
 * database at scrape time, so a growing `pending` count is visible whichever worker is scraped.
 *
 * @example
 * startPeriodic([notificationsJob({ db, stripe, sender }, { everyMs: 5_000, registry })], logger);
 */
export function notificationsJob(
  deps: NotificationDeliveryDeps,
  options: { everyMs: number; registry: Registry; delivery?: NotificationDeliveryOptions },
): PeriodicJob {
  const delivered = new Counter({
    name: "notifications_delivered_total",
    help: "Notifications settled by the outbox drain, by result (sent, skipped, failed, dead).",
    labelNames: ["result"] as const,
    registers: [options.registry],
  });
  new Gauge({
    name: "notifications_outbox",
    help: "Notifications in the outbox, by status (pending and sending are still to be delivered).",
    labelNames: ["status"] as const,
    registers: [options.registry],
    async collect() {
      for (const [status, n] of Object.entries(await notificationOutboxDepth(deps.db)))
        this.set({ status }, n);
    },
  });
  return {
    name: "notifications.deliver",
    everyMs: options.everyMs,
    async run() {
      const result = await deliverNotifications(deps, options.delivery);
      for (const [outcome, n] of Object.entries(result)) delivered.inc({ result: outcome }, n);
      return result;
    },
  };
}
