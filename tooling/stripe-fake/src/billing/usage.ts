/** @module Metered usage: how much a customer used of a meter in a period, and what it costs. */
import type { Core } from "../core.js";
import type { FakePrice } from "../types.js";

/**
 * Aggregate a customer's meter events with timestamps in [start, end) by the meter's formula.
 *
 * @example
 * usageFor(core, "mtr_123", "cus_123", periodStart, periodEnd); // 1200
 */
export function usageFor(core: Core, meterId: string, customer: string, start: number, end: number): number {
  const meter = core.store.get("billing.meter", meterId);
  if (!meter) return 0;
  const events = [...core.meterEvents.values()]
    .filter((r) => r.customer === customer && r.event.event_name === meter.event_name)
    .filter((r) => r.event.timestamp >= start && r.event.timestamp < end)
    .sort((a, b) => a.event.timestamp - b.event.timestamp);
  const formula = meter.default_aggregation.formula;
  if (formula === "count") return events.length;
  if (formula === "last") return events.at(-1)?.value ?? 0;
  return events.reduce((total, r) => total + r.value, 0);
}

/**
 * The amount (minor units) of `quantity` units at a per-unit price, with `transform_quantity`.
 *
 * @example
 * amountFor(price, 2500); // unit_amount * 2500, or per 1,000 rounded up with transform_quantity
 */
export function amountFor(price: FakePrice, quantity: number): number {
  let units = quantity;
  const transform = price.transform_quantity;
  if (transform) {
    const raw = quantity / transform.divide_by;
    units = transform.round === "up" ? Math.ceil(raw) : Math.floor(raw);
  }
  const unit = price.unit_amount ?? Number(price.unit_amount_decimal ?? 0);
  return Math.round(units * unit);
}
