/** @module The overage a period would be billed, split with credits exactly as the reporter will. */
import type { Meters } from "./meters.js";
import { splitOverage } from "./overage-split.js";
import type { Plan } from "./plans.js";

export interface MeterPreview {
  meter: string;
  used: number;
  included: number;
  /** Overage units and their price (minor units of the plan currency). */
  overage: number;
  amount: number;
  /** What credits would pay. */
  credits: number;
  /** What would be reported to Stripe: units and their price. */
  reportQuantity: number;
  reportAmount: number;
}

/**
 * Per overage-billed meter of `plan`, the split {@link splitOverage} gives for `totals` with a
 * balance of `available` drawn meter by meter in the meters' order, as the reporter does for a
 * period reported for the first time.
 *
 * @example
 * previewOverage(metering.meters, plans.metering("pro"), { tokens: 10_500_000 }, 600);
 */
export function previewOverage(
  meters: Meters,
  plan: Plan,
  totals: Record<string, number>,
  available: number,
): MeterPreview[] {
  let balance = available;
  const previews: MeterPreview[] = [];
  for (const meter of meters.list) {
    const terms = plan.meters[meter.key];
    if (meter.billing !== "overage" || !terms?.overage) continue;
    const used = totals[meter.key] ?? 0;
    const quantity = Math.max(0, used - terms.included);
    const split = splitOverage({
      quantity,
      price: terms.overage,
      reportedQuantity: 0,
      consumed: 0,
      available: balance,
    });
    balance -= split.consume;
    previews.push({
      meter: meter.key,
      used,
      included: terms.included,
      overage: quantity,
      amount: split.amount,
      credits: split.consume,
      reportQuantity: split.reportQuantity,
      reportAmount: split.reportAmount,
    });
  }
  return previews;
}
