/** @module The scheduled reconcile: every customer synced from Stripe, so no drift outlives a period. */
import { reconcileAll, type SyncDeps } from "@org/billing";
import type { Logger } from "@org/server-kit";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PeriodicJob } from "./periodic.js";

/**
 * A periodic job running `reconcileAll()`: repairs what missed or dead webhooks left behind and ends
 * grace periods that ran out with no event (a past_due subscription's plan is kept for the grace
 * period only; the sync re-evaluates it against the clock). Progress goes to the log page by page;
 * `billing_reconcile_customers_total{result}` and `billing_reconcile_last_run_timestamp_seconds`
 * let an alert fire when runs stop or fail.
 *
 * @example
 * startPeriodic([reconcileJob(billing, { everyMs: 3_600_000, registry, logger })], logger);
 */
export function reconcileJob(
  billing: SyncDeps,
  options: { everyMs: number; registry: Registry; logger: Logger },
): PeriodicJob {
  const customers = new Counter({
    name: "billing_reconcile_customers_total",
    help: "Customers synced by the scheduled reconcile, by result (synced, failed).",
    labelNames: ["result"] as const,
    registers: [options.registry],
  });
  const lastRun = new Gauge({
    name: "billing_reconcile_last_run_timestamp_seconds",
    help: "When the scheduled reconcile last finished.",
    registers: [options.registry],
  });
  return {
    name: "billing.reconcile",
    everyMs: options.everyMs,
    async run() {
      let reported = { done: 0, failed: 0 };
      const result = await reconcileAll(billing, {
        onProgress: (progress) => {
          customers.inc({ result: "synced" }, progress.done - reported.done);
          customers.inc({ result: "failed" }, progress.failed - reported.failed);
          reported = progress;
          options.logger.info(progress, "billing.reconcile.progress");
        },
      });
      lastRun.setToCurrentTime();
      return result;
    },
  };
}
