import type { BillingLogger, BillingMetric, BillingMetrics } from "../src/context.js";

export interface RecordedLine {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/** A logger and a metrics hook that remember what billing reported, for assertions. */
export function createObservers(): {
  logger: BillingLogger;
  metrics: BillingMetrics;
  lines: RecordedLine[];
  counts: Map<BillingMetric, number>;
} {
  const lines: RecordedLine[] = [];
  const counts = new Map<BillingMetric, number>();
  const record = (level: RecordedLine["level"]) => (fields: object, message: string) => {
    lines.push({ level, message, fields: fields as Record<string, unknown> });
  };
  return {
    logger: { info: record("info"), warn: record("warn"), error: record("error") },
    metrics: { increment: (name) => counts.set(name, (counts.get(name) ?? 0) + 1) },
    lines,
    counts,
  };
}
