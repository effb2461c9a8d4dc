/** @module Reporting each tenant's overage of closed periods to Stripe, exactly once, late usage included. */
import { type BillingDeps, overageCredits } from "@org/billing";
import { planInForceAt, tenants } from "@org/db";
import type { Logger } from "@org/server-kit";
import {
  calendarMonth,
  createOverageReporter,
  DEFAULT_LATE_WINDOW_MS,
  type Period,
  type UsageMetering,
} from "@org/usage-metering";
import { and, asc, gt, inArray, isNotNull } from "drizzle-orm";
import type { PlatformPlans } from "./plans.js";

export interface OverageReportingOptions {
  billing: Pick<BillingDeps, "db" | "stripe">;
  metering: Pick<UsageMetering, "meters">;
  plans: Pick<PlatformPlans, "metering">;
  /** How late usage events are accepted (the metering's `lateWindowMs`). @default 35 days */
  lateWindowMs?: number;
  logger?: Logger;
  clock?: () => number;
}

export interface OverageRun {
  /** The closed periods that can still receive late events, newest first. */
  periods: Period[];
  /** Tenants visited (once per period). */
  tenants: number;
  /** Meter events sent by this run (earlier runs' reports are not sent again). */
  reports: number;
  failures: number;
}

const DAY_MS = 86_400_000;

/**
 * Suspended tenants are billed too: they used what they used. Pending tenants have no usage yet;
 * deleted ones may have no Stripe customer left.
 */
const BILLED_STATUSES = ["active", "suspended"] as const;

/**
 * For every active or suspended tenant with a Stripe customer, reports the overage of every closed
 * calendar month that can still receive late events (its end less than `lateWindowMs` plus a day of
 * runs ago). Each period is priced with the plan in force at its end (`tenant_plan_history`). The
 * metering reporter freezes each report in `usage_reports` before sending it with a deterministic
 * identifier and sends later growth as deltas, so running this again (a retry, a second node, a crash
 * in between) bills each unit once; reports whose identifier Stripe may have forgotten (24 h) are
 * checked against Stripe's meter event summaries before a resend.
 *
 * @example
 * const overage = createOverageReporting({ billing, metering, plans });
 * setInterval(() => void overage.reportDuePeriods(), 3_600_000);
 */
export function createOverageReporting(options: OverageReportingOptions) {
  const { billing, clock = Date.now, lateWindowMs = DEFAULT_LATE_WINDOW_MS } = options;
  const customerOf = new Map<string, string>();
  const reporter = createStripeOverageReporter(options, clock, customerOf);

  async function reportTenants(period: Period, run: OverageRun): Promise<void> {
    let after = "";
    for (;;) {
      const page = await billedTenantsAfter(billing.db, after);
      if (page.length === 0) return;
      for (const { id, customerId } of page) {
        after = id;
        customerOf.set(id, customerId!);
        run.tenants++;
        try {
          const outcomes = await reporter.reportPeriod(id, period);
          run.reports += outcomes.filter((o) => o.status === "sent").length;
        } catch (error) {
          run.failures++;
          options.logger?.error(
            { err: error, tenantId: id, periodStart: period.start },
            "overage.report_failed",
          );
        }
      }
    }
  }

  return {
    /** Reports every due period for every billed tenant; per-tenant failures are counted and logged. */
    async reportDuePeriods(): Promise<OverageRun> {
      const run: OverageRun = {
        periods: duePeriods(clock, lateWindowMs),
        tenants: 0,
        reports: 0,
        failures: 0,
      };
      for (const period of run.periods) await reportTenants(period, run);
      return run;
    },
  };
}

/**
 * The metering reporter wired to Stripe: meter events out, meter event summaries back. `customerOf`
 * maps tenant ids to Stripe customers; the caller fills it before reporting a tenant.
 */
function createStripeOverageReporter(
  options: OverageReportingOptions,
  clock: () => number,
  customerOf: ReadonlyMap<string, string>,
) {
  const { billing } = options;
  const meterIdOf = createMeterIdLookup(billing.stripe);
  return createOverageReporter({
    db: billing.db,
    meters: options.metering.meters,
    planAt: async (tenantId, atMs) =>
      options.plans.metering((await planInForceAt(billing.db, tenantId, new Date(atMs))) ?? ""),
    clock,
    // Prepaid credits pay for the overage first; only the uncovered quantity becomes meter events.
    credits: overageCredits(),
    send: async (report) => {
      await billing.stripe.billing.meterEvents.create(
        {
          event_name: report.eventName,
          identifier: report.identifier,
          timestamp: Math.floor(report.timestampMs / 1000),
          payload: { stripe_customer_id: customerOf.get(report.tenantId)!, value: String(report.quantity) },
        },
        { idempotencyKey: report.identifier },
      );
    },
    landed: async (query) => {
      let total = 0;
      const summaries = billing.stripe.billing.meters.listEventSummaries(await meterIdOf(query.eventName), {
        customer: customerOf.get(query.tenantId)!,
        start_time: Math.floor(query.startMs / 1000),
        end_time: Math.floor(query.endMs / 1000),
      });
      for await (const summary of summaries) total += summary.aggregated_value;
      return total;
    },
  });
}

/** Stripe meter ids by event name, listed from Stripe on the first miss and kept. */
function createMeterIdLookup(stripe: BillingDeps["stripe"]): (eventName: string) => Promise<string> {
  const meterIds = new Map<string, string>();
  return async function meterIdOf(eventName) {
    const known = meterIds.get(eventName);
    if (known) return known;
    for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
      meterIds.set(meter.event_name, meter.id);
    }
    const id = meterIds.get(eventName);
    if (!id) throw new Error(`no Stripe meter with event_name "${eventName}"`);
    return id;
  };
}

/** Closed calendar months whose late events may still be unreported, newest first. */
function duePeriods(clock: () => number, lateWindowMs: number): Period[] {
  const periods: Period[] = [];
  let period = calendarMonth(calendarMonth(clock()).start - 1);
  // A day past the window: the run after the last accepted late event still reports it.
  while (period.end > clock() - lateWindowMs - DAY_MS) {
    periods.push(period);
    period = calendarMonth(period.start - 1);
  }
  return periods;
}

/** The next page of billed tenants with a Stripe customer, by id after `after` (keyset pagination). */
function billedTenantsAfter(db: BillingDeps["db"], after: string) {
  return db
    .select({ id: tenants.id, customerId: tenants.stripeCustomerId })
    .from(tenants)
    .where(
      and(
        isNotNull(tenants.stripeCustomerId),
        inArray(tenants.status, [...BILLED_STATUSES]),
        gt(tenants.id, after),
      ),
    )
    .orderBy(asc(tenants.id))
    .limit(200);
}
