/** @module Validation and normalisation of a batch of usage events. */
import { z } from "zod";
import { UsageInputError, type UsageIssue } from "./errors.js";
import { isAdditive, type Meters } from "./meters.js";
import { MINUTE_MS } from "./time.js";

export const MAX_BATCH = 1_000;

/** One event as callers send it (the HTTP body's `events[]`). */
export const usageEventSchema = z.object({
  /** The caller's id, unique per tenant: sending it again is a no-op reported as a duplicate. */
  id: z.string().min(1).max(255),
  meter: z.string().min(1),
  quantity: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(1),
  /** ISO 8601 with an offset, or epoch milliseconds; default: now. */
  timestamp: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative(), z.date()]).optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
});

export const usageEventBatchSchema = z.array(usageEventSchema).min(1).max(MAX_BATCH);

export type UsageEventInput = z.input<typeof usageEventSchema>;

/** A validated event, ready for the statement. */
export interface NormalizedEvent {
  id: string;
  meter: string;
  quantity: number;
  timestampMs: number;
  properties: Record<string, unknown>;
  /** What this event adds to its minute bucket (quantity for sum, 1 for count); null when not bucketed. */
  bucketDelta: number | null;
  bucketStartMs: number;
}

export interface EventWindow {
  nowMs: number;
  /** How far in the future a timestamp may be (clock skew between caller and us). */
  maxFutureSkewMs: number;
  /** How old a timestamp may be (late events) and still count. */
  lateWindowMs: number;
}

/**
 * Validates a batch and splits it into unique events and in-batch duplicates (first occurrence wins).
 * Throws {@link UsageInputError} listing every bad event; a batch is accepted whole or not at all.
 */
export function normalizeBatch(
  input: unknown,
  meters: Meters,
  window: EventWindow,
): { events: NormalizedEvent[]; batchDuplicates: string[] } {
  const parsed = usageEventBatchSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageInputError(
      parsed.error.issues.map((i) => ({ path: ["events", ...i.path].join("."), message: i.message })),
    );
  }
  const issues: UsageIssue[] = [];
  const seen = new Set<string>();
  const events: NormalizedEvent[] = [];
  const batchDuplicates: string[] = [];
  parsed.data.forEach((e, index) => {
    const meter = meters.get(e.meter);
    const ts = e.timestamp === undefined ? window.nowMs : new Date(e.timestamp).getTime();
    if (!meter) issues.push({ path: `events.${index}.meter`, message: `unknown meter "${e.meter}"` });
    if (ts > window.nowMs + window.maxFutureSkewMs) {
      issues.push({ path: `events.${index}.timestamp`, message: "is in the future" });
    } else if (ts < window.nowMs - window.lateWindowMs) {
      issues.push({ path: `events.${index}.timestamp`, message: "is older than the late-event window" });
    }
    if (!meter || issues.length > 0) return;
    if (seen.has(e.id)) {
      batchDuplicates.push(e.id);
      return;
    }
    seen.add(e.id);
    const bucketDelta = isAdditive(meter) ? (meter.aggregation === "count" ? 1 : e.quantity) : null;
    events.push({
      id: e.id,
      meter: e.meter,
      quantity: e.quantity,
      timestampMs: ts,
      properties: e.properties,
      bucketDelta,
      bucketStartMs: Math.floor(ts / MINUTE_MS) * MINUTE_MS,
    });
  });
  if (issues.length > 0) throw new UsageInputError(issues);
  return { events, batchDuplicates };
}
