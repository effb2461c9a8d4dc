/** @module Calendar arithmetic for billing periods (UTC, month ends clamped like Stripe). */

/** A recurring interval as Stripe names it. */
export type Interval = "day" | "week" | "month" | "year";

/**
 * The end of a period starting at `startSeconds`, `count` intervals later. A month from Jan 31 is
 * Feb 28/29 (Stripe clamps to the last day of a shorter month).
 *
 * @example
 * addInterval(Date.UTC(2026, 0, 31) / 1000, "month", 1); // 2026-02-28
 */
export function addInterval(startSeconds: number, interval: Interval, count: number): number {
  const date = new Date(startSeconds * 1000);
  if (interval === "day") return startSeconds + 86_400 * count;
  if (interval === "week") return startSeconds + 604_800 * count;
  const months = interval === "month" ? count : 12 * count;
  const day = date.getUTCDate();
  const target = new Date(date.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}
