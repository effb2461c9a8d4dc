/** @module Exactly-once reporting of a period's overage to Stripe meter events through usage_reports. */
import type { Database } from "@org/db";
import { type ReportOutcome, reportMeter } from "./meter-report.js";
import type { Meters } from "./meters.js";
import type { OverageCredits } from "./overage-credits.js";
import type { PlanAtProvider } from "./plans.js";
import { periodTotals } from "./queries.js";
import type { Period } from "./time.js";
import type { LandedUsageFn, UsageReporterFn } from "./usage-report.js";

export type { ReportOutcome } from "./meter-report.js";
export { type OverageCredits, overageCreditSource } from "./overage-credits.js";
export {
  IDENTIFIER_MEMORY_MS,
  type LandedUsageFn,
  reportIdentifier,
  reportTimestamp,
  type UsageReport,
  type UsageReporterFn,
} from "./usage-report.js";

export interface OverageReporterOptions {
  db: Database;
  meters: Meters;
  /** The plan in force at an instant: a period is priced with the plan at its last millisecond. */
  planAt: PlanAtProvider;
  send: UsageReporterFn;
  landed: LandedUsageFn;
  /** Credits consumed before reporting; without them the whole overage is reported. */
  credits?: OverageCredits;
  clock?: () => number;
}

/**
 * Reports closed periods' overage to Stripe so that the period's usage is billed exactly once, late
 * events included. For each overage-billed meter of the plan in force at the period's end:
 *
 * 1. pending reports (frozen earlier, send not confirmed) are settled first, in `seq` order. Within
 *    24 h of their first send they are resent (Stripe deduplicates the identifier). Older ones may
 *    have been forgotten by Stripe, so a blind resend could bill twice: under the row's lock, the
 *    reporter asks Stripe's event summary of the report's own minute and settles it without sending
 *    if it landed, or sends it if it did not;
 * 2. the overage is computed from the stored buckets; what exceeds the sum of all earlier reports is
 *    frozen as a new report (`seq` + 1, its own identifier and minute) in state `pending`, sent, then
 *    marked `reported`. Two reporters racing freeze the same `seq` once (unique key): the loser sends
 *    nothing. Non-additive meters (e.g. `max`) are reported once, by the first report.
 *
 * Run it every hour or so for every period that can still receive late events (the metering's
 * `lateWindowMs` after its end): each run sends only the overage added since the previous one.
 *
 * @throws Error when the period has not ended; whatever `send` or `landed` throws (the report stays
 * pending and the next run settles it).
 * @example
 * const reporter = createOverageReporter({ db, meters: metering.meters, planAt, send, landed });
 * await reporter.reportPeriod(tenantId, { start, end });
 */
export function createOverageReporter(options: OverageReporterOptions) {
  const { db, meters, planAt, send, landed, credits, clock = Date.now } = options;
  const deps = { db, send, landed, credits, clock };

  async function reportPeriod(tenantId: string, period: Period): Promise<ReportOutcome[]> {
    if (clock() < period.end) throw new Error("a period is reported only after it has ended");
    const plan = await planAt(tenantId, period.end - 1);
    const billed = meters.list.filter((m) => m.billing === "overage" && plan.meters[m.key]?.overage);
    if (billed.length === 0) return [];
    const totals = await periodTotals(db, tenantId, billed, period);
    const outcomes: ReportOutcome[] = [];
    for (const meter of billed) {
      const terms = plan.meters[meter.key]!;
      outcomes.push(
        await reportMeter(deps, {
          tenantId,
          meter,
          terms: { ...terms, overage: terms.overage! },
          currency: plan.currency,
          period,
          used: totals[meter.key] ?? 0,
        }),
      );
    }
    return outcomes;
  }

  return { reportPeriod };
}
