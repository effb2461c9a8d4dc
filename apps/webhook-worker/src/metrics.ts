/** @module The worker's Prometheus metrics. */
import { queueStats } from "@org/billing";
import type { Database } from "@org/db";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface WorkerMetrics {
  processed: Counter<"type" | "outcome">;
  failures: Counter<"type" | "reason">;
  latency: Histogram<"type">;
  intake: Counter<"result">;
  /** Billing events worth an alert (unknown prices, duplicate subscriptions cancelled, stale snapshots). */
  billing: Counter<"event">;
}

/**
 * Registers the inbox metrics. Queue depth and the oldest waiting event's age are read from the
 * database when Prometheus scrapes, so every worker reports the same, true numbers.
 */
export function createWorkerMetrics(registry: Registry, db: Database): WorkerMetrics {
  new Gauge({
    name: "webhook_queue_depth",
    help: "Stripe events in the inbox, by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const stats = await queueStats(db);
      for (const [status, n] of Object.entries(stats.byStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "webhook_oldest_pending_age_seconds",
    help: "Age of the oldest event not yet processed.",
    registers: [registry],
    async collect() {
      this.set((await queueStats(db)).oldestPendingAgeSeconds);
    },
  });
  return {
    processed: new Counter({
      name: "webhook_events_processed_total",
      help: "Events settled as processed, by type and outcome.",
      labelNames: ["type", "outcome"] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: "webhook_event_failures_total",
      help: "Failed attempts, by type and reason (error, dead, unknown_customer).",
      labelNames: ["type", "reason"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "webhook_processing_latency_seconds",
      help: "Time from receiving an event to processing it.",
      labelNames: ["type"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    billing: new Counter({
      name: "billing_events_total",
      help: "Billing events worth an alert: unknown prices, duplicate subscriptions cancelled, stale snapshots skipped.",
      labelNames: ["event"] as const,
      registers: [registry],
    }),
    intake: new Counter({
      name: "webhook_intake_total",
      help: "Deliveries received, by result (stored, duplicate, rejected).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
  };
}
