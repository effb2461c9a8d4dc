/** @module Usage reads that include the counts still buffered in memory: series, period totals, summary. */
import type { Database } from "@org/db";
import type { CounterBuffer } from "./counter-buffer.js";
import { UsageInputError } from "./errors.js";
import type { MeterSummary, UsageQuery, UsageSummary } from "./metering.js";
import type { Meters } from "./meters.js";
import type { Plan, PlanProvider } from "./plans.js";
import { overage } from "./pricing.js";
import { periodTotals, type UsagePoint, usageSeries } from "./queries.js";
import { type Period, truncate } from "./time.js";

export interface UsageReadsOptions {
  db: Database;
  buffer: CounterBuffer;
  meters: Meters;
  planFor: PlanProvider;
  periodOf: (tenantId: string, nowMs: number) => Period | Promise<Period>;
  clock: () => number;
}

/** The metering's reads: each one Postgres read plus the buffered cells it cannot have seen. */
export function createUsageReads(options: UsageReadsOptions) {
  const { db, buffer, meters, planFor, periodOf, clock } = options;

  /** One meter's usage over [from, to) at a UTC granularity, buffered counts included. */
  async function usage(
    tenantId: string,
    query: UsageQuery,
  ): Promise<{ meter: string; points: UsagePoint[] }> {
    const meter = meters.get(query.meter);
    if (!meter) throw new UsageInputError([{ path: "meter", message: `unknown meter "${query.meter}"` }]);
    const { fromMs, toMs, granularity } = query;
    const { result, cells } = await buffer.readWithPending(() =>
      usageSeries(db, tenantId, meter, fromMs, toMs, granularity),
    );
    const points = new Map(result.map((p) => [p.startMs, p.value]));
    for (const c of cells) {
      if (c.tenantId !== tenantId || c.meter !== meter.key || c.minuteMs < fromMs || c.minuteMs >= toMs)
        continue;
      const start = truncate(c.minuteMs, granularity);
      points.set(start, (points.get(start) ?? 0) + c.n);
    }
    return {
      meter: meter.key,
      points: [...points].sort((a, b) => a[0] - b[0]).map(([startMs, value]) => ({ startMs, value })),
    };
  }

  /** Each meter's total in the tenant's current period, buffered counts included. */
  async function currentPeriod(
    tenantId: string,
  ): Promise<{ period: Period; totals: Record<string, number> }> {
    const period = await periodOf(tenantId, clock());
    // Buffered minutes are whole minutes, and periods start on a minute, so minute filtering is exact.
    const { result, cells } = await buffer.readWithPending(() =>
      periodTotals(db, tenantId, meters.list, period),
    );
    for (const c of cells) {
      if (c.tenantId === tenantId && c.minuteMs >= period.start && c.minuteMs < period.end) {
        result[c.meter] = (result[c.meter] ?? 0) + c.n;
      }
    }
    return { period, totals: result };
  }

  /**
   * Current-period usage per meter with the plan's included quantity, overage and its cost. Pass the
   * tenant's `plan` when it is already known (a resolved tenant): `planFor` is then not asked.
   */
  async function summary(tenantId: string, plan?: Plan): Promise<UsageSummary> {
    const [{ period, totals }, known] = await Promise.all([
      currentPeriod(tenantId),
      plan ?? planFor(tenantId),
    ]);
    return {
      period,
      plan: known.id,
      currency: known.currency,
      meters: meterSummaries(meters, known, totals),
    };
  }

  return { usage, currentPeriod, summary };
}

function meterSummaries(meters: Meters, plan: Plan, totals: Record<string, number>): MeterSummary[] {
  return meters.list.map((m) => {
    const used = totals[m.key] ?? 0;
    const terms = plan.meters[m.key];
    const priced =
      terms?.overage && m.billing === "overage"
        ? overage(used, terms.included, terms.overage)
        : { quantity: terms ? Math.max(0, used - terms.included) : 0, amount: 0 };
    return {
      meter: m.key,
      unit: m.unit,
      used,
      included: terms?.included ?? null,
      overage: priced.quantity,
      overageCost: priced.amount,
    };
  });
}
