/** @module Meters: what is measured, how events aggregate, and how a meter bills. */
import { z } from "zod";

export const AGGREGATIONS = ["sum", "count", "max", "unique_count", "latest"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** One meter. `unique_count` counts distinct values of `property` in the events' properties. */
export const meterSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "lowercase letters, digits and _"),
    aggregation: z.enum(AGGREGATIONS),
    unit: z.string().min(1),
    /** The property whose distinct values `unique_count` counts. */
    property: z.string().min(1).optional(),
    /**
     * How the meter bills: `overage` (usage above the plan's included quantity is priced and reported
     * to Stripe), `included_only` (limited by the plan, never priced), `none` (informational).
     */
    billing: z.enum(["overage", "included_only", "none"]).default("overage"),
    /** Stripe meter event name the overage is reported under; defaults to the key. */
    stripeEventName: z.string().min(1).optional(),
  })
  .refine((m) => m.aggregation !== "unique_count" || m.property, {
    message: "unique_count needs the property whose distinct values it counts",
    path: ["property"],
  });

export type MeterInput = z.input<typeof meterSchema>;
export type Meter = z.output<typeof meterSchema>;

/** A validated, keyed set of meters. */
export interface Meters {
  readonly list: readonly Meter[];
  get(key: string): Meter | undefined;
}

/**
 * Buckets hold additive totals only (`value = value + excluded.value`), so only `sum` and `count`
 * meters are bucketed; `max`, `latest` and `unique_count` are computed from the stored events.
 */
export const isAdditive = (meter: Meter): boolean =>
  meter.aggregation === "sum" || meter.aggregation === "count";

/**
 * Validates meter declarations (zod) and indexes them by key. Throws on a bad or duplicated meter.
 *
 * @example
 * const meters = defineMeters([{ key: "api_calls", aggregation: "sum", unit: "request" }]);
 * meters.get("api_calls")?.aggregation; // "sum"
 */
export function defineMeters(inputs: readonly MeterInput[]): Meters {
  const list = z.array(meterSchema).parse(inputs);
  const byKey = new Map<string, Meter>();
  for (const meter of list) {
    if (byKey.has(meter.key)) throw new Error(`meter "${meter.key}" is declared twice`);
    byKey.set(meter.key, meter);
  }
  return { list, get: (key) => byKey.get(key) };
}

/**
 * The design's meters: `api_calls` (sum, counted by the platform on every authenticated request),
 * `tokens` (sum, sent by tenants), `seats` (latest value, sent by tenants).
 *
 * @example
 * const meters = defineMeters(DEFAULT_METERS);
 */
export const DEFAULT_METERS: readonly MeterInput[] = [
  { key: "api_calls", aggregation: "sum", unit: "request", billing: "overage" },
  { key: "tokens", aggregation: "sum", unit: "token", billing: "overage" },
  { key: "seats", aggregation: "latest", unit: "seat", billing: "included_only" },
];
