/** @module UTC time arithmetic: minute buckets, query granularities, calendar-month periods. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** How late an event may arrive and still be accepted (and billed): Stripe's own limit for meter events. */
export const DEFAULT_LATE_WINDOW_MS = 35 * DAY_MS;

export const GRANULARITIES = ["minute", "hour", "day"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Length of one bucket of each granularity. */
export const GRANULARITY_MS: Record<Granularity, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/**
 * Start of the UTC `granularity` bucket holding `ms`. UTC has no DST and no leap seconds in epoch
 * milliseconds, so plain integer division is exact.
 *
 * @example
 * truncate(Date.UTC(2026, 0, 1, 10, 59, 30), "hour"); // Date.UTC(2026, 0, 1, 10)
 */
export function truncate(ms: number, granularity: Granularity): number {
  const step = GRANULARITY_MS[granularity];
  return Math.floor(ms / step) * step;
}

/** A half-open billing period [start, end) in epoch milliseconds. */
export interface Period {
  start: number;
  end: number;
}

/**
 * The calendar month (UTC) holding `ms`: the default billing period when no subscription says otherwise.
 *
 * @example
 * calendarMonth(Date.UTC(2026, 1, 14)); // { start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) }
 */
export function calendarMonth(ms: number): Period {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}
