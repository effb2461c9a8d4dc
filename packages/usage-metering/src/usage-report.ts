/** @module What one overage report sends to Stripe: its identifier, its date and the meter event's body. */
import { createHash } from "node:crypto";
import type { Meter } from "./meters.js";
import type { ReportKey, ReportRow } from "./report-rows.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, truncate } from "./time.js";

/** Stripe deduplicates meter events on their identifier for (at least) this long, then forgets it. */
export const IDENTIFIER_MEMORY_MS = DAY_MS;
/** Stripe refuses meter events dated further back than this. */
const STRIPE_BACKDATE_LIMIT_MS = 35 * DAY_MS;

/** What is sent for one report of a (tenant, meter, period): the body of a Stripe meter event, plus context. */
export interface UsageReport {
  /** Deterministic per (tenant, meter, period, seq): Stripe deduplicates meter events on it. */
  identifier: string;
  tenantId: string;
  meter: string;
  /** The Stripe meter's event name. */
  eventName: string;
  /** 0 for the period's first report, then 1, 2, ... for the overage late events added. */
  seq: number;
  /** Overage units this report adds: the first carries max(0, used - included), later ones the growth since. */
  quantity: number;
  /** Their price in minor units of `currency`. */
  amount: number;
  currency: string;
  /** What the meter event is dated: alone in its minute, see {@link reportTimestamp}. */
  timestampMs: number;
  periodStartMs: number;
  periodEndMs: number;
}

/** Sends one report (billing passes a Stripe `billing.meterEvents.create` call). Must be safe to call twice. */
export type UsageReporterFn = (report: UsageReport) => Promise<void>;

/**
 * Stripe's aggregated value of the tenant's meter for events dated in [startMs, endMs) (billing passes
 * `billing.meters.listEventSummaries`). Used only for reports whose identifier Stripe may have forgotten.
 */
export type LandedUsageFn = (query: {
  tenantId: string;
  meter: string;
  eventName: string;
  startMs: number;
  endMs: number;
}) => Promise<number>;

/**
 * `usr_` + 48 hex characters of SHA-256: under Stripe's 100-character identifier limit for any meter
 * key. The first report's identifier (seq 0) has no seq in it, so identifiers already sent to
 * Stripe for a period stay the same.
 *
 * @example
 * reportIdentifier("ten_1", "tokens", Date.UTC(2026, 2, 1), 2); // "usr_3f0c..."
 */
export function reportIdentifier(tenantId: string, meter: string, periodStartMs: number, seq = 0): string {
  const key = `${tenantId}\u0000${meter}\u0000${periodStartMs}${seq === 0 ? "" : `\u0000${seq}`}`;
  return `usr_${createHash("sha256").update(key).digest("hex").slice(0, 48)}`;
}

/**
 * What a report's meter event is dated: one second before the period's end, one minute earlier per
 * seq, so each report of a period is alone in its minute of Stripe's event summaries (reconciliation
 * asks for exactly that minute). A report frozen so late that this is older than Stripe accepts is
 * dated one hour inside Stripe's window instead (and so lands in Stripe's following period).
 *
 * @example
 * reportTimestamp(Date.UTC(2026, 3, 1), 1, Date.UTC(2026, 3, 2)); // Date.UTC(2026, 3, 1) - 61_000
 */
export function reportTimestamp(periodEndMs: number, seq: number, frozenAtMs: number): number {
  const dated = periodEndMs - 1_000 - seq * MINUTE_MS;
  const oldestAccepted = truncate(frozenAtMs - STRIPE_BACKDATE_LIMIT_MS, "minute") + HOUR_MS;
  return Math.max(dated, oldestAccepted);
}

/**
 * The report a frozen row sends.
 *
 * @example
 * await send(toUsageReport({ tenantId, meter: "tokens", period }, meter, row));
 */
export function toUsageReport(key: ReportKey, meter: Meter, row: ReportRow): UsageReport {
  return {
    identifier: row.identifier,
    tenantId: key.tenantId,
    meter: meter.key,
    eventName: meter.stripeEventName ?? meter.key,
    seq: row.seq,
    quantity: row.quantity,
    amount: row.amount,
    currency: row.currency,
    timestampMs: reportTimestamp(key.period.end, row.seq, row.createdAtMs),
    periodStartMs: key.period.start,
    periodEndMs: key.period.end,
  };
}
