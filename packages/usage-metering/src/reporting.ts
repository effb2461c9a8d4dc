/** @module Exactly-once reporting of a period's overage to Stripe meter events through usage_reports. */
import { createHash } from "node:crypto";
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";
import type { Meters } from "./meters.js";
import type { PlanProvider } from "./plans.js";
import { overage } from "./pricing.js";
import { periodTotals } from "./queries.js";
import type { Period } from "./time.js";

/** What is sent for one (tenant, meter, period): the body of a Stripe meter event, plus context. */
export interface UsageReport {
  /** Deterministic per (tenant, meter, period): Stripe deduplicates meter events on it. */
  identifier: string;
  tenantId: string;
  meter: string;
  /** The Stripe meter's event name. */
  eventName: string;
  /** Overage units: max(0, used - included). */
  quantity: number;
  /** Their price in minor units of `currency`. */
  amount: number;
  currency: string;
  periodStartMs: number;
  periodEndMs: number;
}

/** Sends one report (billing passes a Stripe `billing.meterEvents.create` call). Must be safe to call twice. */
export type UsageReporterFn = (report: UsageReport) => Promise<void>;

export interface ReportOutcome {
  meter: string;
  quantity: number;
  amount: number;
  /** `sent` now, `already_reported` earlier, `nothing` (no overage: recorded, nothing sent). */
  status: "sent" | "already_reported" | "nothing";
}

export interface OverageReporterOptions {
  db: Database;
  meters: Meters;
  planFor: PlanProvider;
  send: UsageReporterFn;
  clock?: () => number;
}

/** `usr_` + 48 hex characters of SHA-256: under Stripe's 100-character identifier limit for any meter key. */
export function reportIdentifier(tenantId: string, meter: string, periodStartMs: number): string {
  const digest = createHash("sha256").update(`${tenantId}\u0000${meter}\u0000${periodStartMs}`).digest("hex");
  return `usr_${digest.slice(0, 48)}`;
}

interface ReportRow {
  quantity: string | number;
  amount: string | number;
  currency: string;
  stripe_identifier: string;
  state: "pending" | "reported";
}

/**
 * Reports closed periods' overage exactly once. For each overage-billed meter of the tenant's plan:
 *
 * 1. the quantity and amount are computed from the stored buckets and frozen in a `usage_reports` row
 *    (`INSERT .. ON CONFLICT DO NOTHING`, keyed by tenant, meter and period start) in state `pending`;
 * 2. the frozen row is sent with its deterministic identifier;
 * 3. the row is marked `reported`.
 *
 * A crash between 2 and 3 leaves the row `pending`: the next run sends the same quantity with the
 * same identifier, which Stripe deduplicates, so the usage is billed once. A `reported` row is never
 * sent again. Call it after the period has ended and the counters of every node have flushed
 * (e.g. a few minutes after the end): events arriving later are stored but not billed.
 *
 * @example
 * const reporter = createOverageReporter({ db, meters: metering.meters, planFor, send: (r) =>
 *   stripe.billing.meterEvents.create({ event_name: r.eventName, identifier: r.identifier,
 *     payload: { stripe_customer_id: customerOf(r.tenantId), value: String(r.quantity) } }) });
 * await reporter.reportPeriod(tenantId, { start, end });
 */
export function createOverageReporter(options: OverageReporterOptions) {
  const { db, meters, planFor, send, clock = Date.now } = options;

  async function reportPeriod(tenantId: string, period: Period): Promise<ReportOutcome[]> {
    if (clock() < period.end) throw new Error("a period is reported only after it has ended");
    const plan = await planFor(tenantId);
    const billed = meters.list.filter((m) => m.billing === "overage" && plan.meters[m.key]?.overage);
    if (billed.length === 0) return [];
    const totals = await periodTotals(db, tenantId, billed, period);
    const outcomes: ReportOutcome[] = [];
    for (const meter of billed) {
      const terms = plan.meters[meter.key]!;
      const computed = overage(totals[meter.key] ?? 0, terms.included, terms.overage!);
      const identifier = reportIdentifier(tenantId, meter.key, period.start);
      await db.execute(sql`
        insert into usage_reports (tenant_id, meter, period_start, period_end, quantity, amount, currency, stripe_identifier)
        values (${tenantId}, ${meter.key}, ${new Date(period.start).toISOString()}::timestamptz,
                ${new Date(period.end).toISOString()}::timestamptz, ${computed.quantity}, ${computed.amount},
                ${plan.currency}, ${identifier})
        on conflict (tenant_id, meter, period_start) do nothing`);
      // Whatever a previous run froze wins over a recomputation: what is sent never changes.
      const [row] = rows<ReportRow>(
        await db.execute(sql`
          select quantity, amount, currency, stripe_identifier, state from usage_reports
          where tenant_id = ${tenantId} and meter = ${meter.key}
            and period_start = ${new Date(period.start).toISOString()}::timestamptz`),
      );
      const quantity = Number(row!.quantity);
      const amount = Number(row!.amount);
      if (row!.state === "reported") {
        outcomes.push({ meter: meter.key, quantity, amount, status: "already_reported" });
        continue;
      }
      if (quantity > 0) {
        await send({
          identifier: row!.stripe_identifier,
          tenantId,
          meter: meter.key,
          eventName: meter.stripeEventName ?? meter.key,
          quantity,
          amount,
          currency: row!.currency,
          periodStartMs: period.start,
          periodEndMs: period.end,
        });
      }
      await db.execute(sql`
        update usage_reports set state = 'reported', reported_at = now()
        where tenant_id = ${tenantId} and meter = ${meter.key}
          and period_start = ${new Date(period.start).toISOString()}::timestamptz and state = 'pending'`);
      outcomes.push({ meter: meter.key, quantity, amount, status: quantity > 0 ? "sent" : "nothing" });
    }
    return outcomes;
  }

  return { reportPeriod };
}
