/** @module @org/usage-metering: meters, idempotent ingestion, buffered counters, quotas, overage pricing. */

export * from "./alert-detector.js";
export * from "./alerts.js";
export { pruneFlushLedger, type UpsertOutcome, upsertBuckets } from "./buckets.js";
export {
  type BucketDelta,
  type CounterBuffer,
  type CounterBufferOptions,
  type CounterBufferStats,
  createCounterBuffer,
  type QuarantinedBatch,
} from "./counter-buffer.js";
export { type CounterStore, createMemoryCounterStore, type PeriodDelta } from "./counter-store.js";
export type { Entitlement } from "./entitlements.js";
export { UsageInputError, type UsageIssue } from "./errors.js";
export { MAX_BATCH, type UsageEventInput, usageEventBatchSchema, usageEventSchema } from "./events.js";
export { type IngestResult, ingestEvents } from "./ingest.js";
export {
  createUsageMetering,
  type MeterSummary,
  type UsageMetering,
  type UsageMeteringOptions,
  type UsageQuery,
  type UsageSummary,
} from "./metering.js";
export {
  AGGREGATIONS,
  type Aggregation,
  DEFAULT_METERS,
  defineMeters,
  isAdditive,
  type Meter,
  type MeterInput,
  type Meters,
  meterSchema,
} from "./meters.js";
export { type MeterPreview, previewOverage } from "./overage-preview.js";
export { type OverageSplit, type OverageSplitInput, splitOverage } from "./overage-split.js";
export {
  type MeterTerms,
  meterTermsSchema,
  type Plan,
  type PlanAtProvider,
  type PlanProvider,
} from "./plans.js";
export {
  overage,
  type Price,
  type PriceInput,
  price,
  priceSchema,
  type Tier,
  tierSchema,
} from "./pricing.js";
export { periodTotals, type UsagePoint, usageSeries } from "./queries.js";
export { createRedisCounterStore, type RedisCounterStoreOptions } from "./redis-counter-store.js";
export {
  createOverageReporter,
  IDENTIFIER_MEMORY_MS,
  type LandedUsageFn,
  type OverageCredits,
  type OverageReporterOptions,
  overageCreditSource,
  type ReportOutcome,
  reportIdentifier,
  reportTimestamp,
  type UsageReport,
  type UsageReporterFn,
} from "./reporting.js";
export {
  calendarMonth,
  DEFAULT_LATE_WINDOW_MS,
  GRANULARITIES,
  GRANULARITY_MS,
  type Granularity,
  type Period,
  truncate,
} from "./time.js";
