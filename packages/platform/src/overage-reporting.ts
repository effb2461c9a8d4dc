/** @module Reporting each tenant's overage of a closed period to Stripe, exactly once. */
import type { BillingDeps } from "@org/billing";
import { tenants } from "@org/db";
import type { Logger } from "@org/server-kit";
import {
  calendarMonth,
  createOverageReporter,
  type Period,
  type PlanProvider,
  type UsageMetering,
} from "@org/usage-metering";
import { and, asc, eq, gt, isNotNull } from "drizzle-orm";

export interface OverageReportingOptions {
  billing: Pick<BillingDeps, "db" | "stripe">;
  metering: Pick<UsageMetering, "meters">;
  planFor: PlanProvider;
  logger?: Logger;
  clock?: () => number;
}

export interface OverageRun {
  period: Period;
  tenants: number;
  /** Meter events sent by this run (earlier runs' reports are not sent again). */
  reports: number;
  failures: number;
}

/**
 * For every active tenant with a Stripe customer, reports the overage of the last closed calendar
 * month as Stripe meter events. The metering reporter freezes each quantity in `usage_reports` before
 * sending and sends it with a deterministic identifier, so running this again (a retry, a second
 * node, a crash in between) sends nothing new and Stripe deduplicates what was resent.
 *
 * @example
 * const overage = createOverageReporting({ billing, metering, planFor });
 * setInterval(() => void overage.reportLastPeriod(), 3_600_000);
 */
export function createOverageReporting(options: OverageReportingOptions) {
  const { billing, clock = Date.now } = options;
  const customerOf = new Map<string, string>();
  const reporter = createOverageReporter({
    db: billing.db,
    meters: options.metering.meters,
    planFor: options.planFor,
    clock,
    send: async (report) => {
      await billing.stripe.billing.meterEvents.create(
        {
          event_name: report.eventName,
          identifier: report.identifier,
          timestamp: Math.floor((report.periodEndMs - 1_000) / 1000),
          payload: { stripe_customer_id: customerOf.get(report.tenantId)!, value: String(report.quantity) },
        },
        { idempotencyKey: report.identifier },
      );
    },
  });

  return {
    /** Reports the calendar month before the current one for every tenant; per-tenant failures are counted and logged. */
    async reportLastPeriod(): Promise<OverageRun> {
      const period = calendarMonth(calendarMonth(clock()).start - 1);
      const run: OverageRun = { period, tenants: 0, reports: 0, failures: 0 };
      let after = "";
      for (;;) {
        const page = await billing.db
          .select({ id: tenants.id, customerId: tenants.stripeCustomerId })
          .from(tenants)
          .where(
            and(isNotNull(tenants.stripeCustomerId), eq(tenants.status, "active"), gt(tenants.id, after)),
          )
          .orderBy(asc(tenants.id))
          .limit(200);
        if (page.length === 0) return run;
        for (const { id, customerId } of page) {
          after = id;
          customerOf.set(id, customerId!);
          run.tenants++;
          try {
            const outcomes = await reporter.reportPeriod(id, period);
            run.reports += outcomes.filter((o) => o.status === "sent").length;
          } catch (error) {
            run.failures++;
            options.logger?.error({ err: error, tenantId: id }, "overage.report_failed");
          }
        }
      }
    },
  };
}
