/** @module createUsageMetering: ingestion, buffered counters, queries, summaries and checks in one object. */
import type { Database } from "@org/db";
import { createAlertChecks } from "./alert-checks.js";
import type { ThresholdHandler } from "./alerts.js";
import { upsertBuckets } from "./buckets.js";
import { createCounterBuffer, type QuarantinedBatch } from "./counter-buffer.js";
import type { CounterStore } from "./counter-store.js";
import { createEntitlementCache, type Entitlement } from "./entitlements.js";
import { createMeteringIngest } from "./metering-ingest.js";
import { DEFAULT_METERS, defineMeters, isAdditive, type MeterInput, type Meters } from "./meters.js";
import { createOnFlushed } from "./on-flushed.js";
import { createOverSpendCap } from "./over-spend-cap.js";
import type { Plan, PlanProvider } from "./plans.js";
import { periodTotals } from "./queries.js";
import { createSharedCounters } from "./shared-counters.js";
import { createSpendCapCache } from "./spend-caps.js";
import { calendarMonth, DEFAULT_LATE_WINDOW_MS, type Granularity, type Period } from "./time.js";
import { createUsageReads } from "./usage-reads.js";

export interface UsageMeteringOptions {
  db: Database;
  /** Which plan a tenant is on (a metering view of an `@org/plans` plan). */
  planFor: PlanProvider;
  /** Meter declarations. @default DEFAULT_METERS (api_calls, tokens, seats) */
  meters?: readonly MeterInput[] | Meters;
  /** Shared period counters (Redis) so quota checks see other nodes. @default none: this node and Postgres */
  counters?: CounterStore;
  /** The tenant's current billing period. @default the UTC calendar month */
  periodOf?: (tenantId: string, nowMs: number) => Period | Promise<Period>;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Counter flush interval. @default 1000 */
  flushIntervalMs?: number;
  /** Buffered (tenant, meter, minute) cells that trigger an early flush. @default 10000 */
  maxBufferedCells?: number;
  /** How old an event may be and still be accepted. @default 35 days */
  lateWindowMs?: number;
  /** How far in the future an event may be (clock skew). @default 5 minutes */
  maxFutureSkewMs?: number;
  /** After this long a tenant's cached plan and totals are reloaded in the background. @default 60 s */
  cacheTtlMs?: number;
  /** Called after each durable counter flush (metrics, logs). */
  onFlush?: (info: { cells: number; units: number }) => void;
  /** A counter batch set aside instead of retried (see CounterBufferOptions.onQuarantine): log it. */
  onQuarantine?: (batch: QuarantinedBatch) => void;
  /** While Postgres is down, flush attempts back off up to this wait. @default 60_000 */
  flushRetryMaxMs?: number;
  /**
   * How long the flush ledger (`usage_flushes`) keeps an id. A batch is retried for at most a day
   * less than this, so the ledger always outlives the longest retry (a late retry of a batch whose
   * commit was in doubt finds its id). @default 7 days
   */
  ledgerRetentionMs?: number;
  /**
   * How often the shared counters of the tenants this node counted for are replaced by their
   * Postgres totals, undoing any drift (an add lost with Redis, one that raced a reset). 0: never.
   * @default 300_000
   */
  counterResetIntervalMs?: number;
  /**
   * Called once per usage-alert threshold per billing period, across every process, after a flush or
   * an ingest stored the counts that crossed it, inside the transaction that claims the threshold:
   * write the notification with `tx` (e.g. `enqueueNotification(tx, ...)`) and the claim and the
   * notification commit together. Throwing rolls both back (the next check fires it again).
   * @default none: alerts are not detected
   */
  onThresholdReached?: ThresholdHandler;
  /** Background failures (a flush that will be retried, a cache reload, the shared counters). */
  onError?: (error: unknown) => void;
}

export interface UsageQuery {
  meter: string;
  fromMs: number;
  toMs: number;
  granularity: Granularity;
}

export interface MeterSummary {
  meter: string;
  unit: string;
  used: number;
  /** Null when the plan sets no quota for the meter. */
  included: number | null;
  overage: number;
  /** Minor units of `currency`. */
  overageCost: number;
}

export interface UsageSummary {
  period: Period;
  plan: string;
  currency: string;
  meters: MeterSummary[];
}

/**
 * Builds the metering service of one process.
 *
 * - `ingest()` stores events durably with their bucket updates in one statement before returning;
 * - `increment()` costs no I/O: it buffers per (tenant, meter, minute) and a flush writes one additive
 *   multi-row upsert at most every `flushIntervalMs`, early when `maxBufferedCells` are buffered, and
 *   on `close()`. A crash loses at most the increments since the last successful flush began (one
 *   interval while Postgres is up); ingested events are never lost once `ingest()` resolved;
 * - `usage()`, `currentPeriod()` and `summary()` include buffered counts not yet flushed;
 * - `check()` answers from a per-tenant cache kept current by the flushes.
 *
 * @example
 * const metering = createUsageMetering({ db, planFor, counters: createRedisCounterStore(redis) });
 * metering.increment(tenantId, "api_calls");
 * await metering.ingest(tenantId, [{ id: "evt_1", meter: "tokens", quantity: 1_200 }]);
 * const { allowed } = await metering.check(tenantId, "api_calls");
 * process.once("SIGTERM", () => metering.close());
 */
export function createUsageMetering(options: UsageMeteringOptions) {
  const o = resolveOptions(options);
  const { db, clock, meters, counterMeters, onError } = o;
  const { shared, buffer, cache, resetTimer, alerts } = wireComponents(o);
  const reads = createUsageReads({ ...o, buffer });
  const spendCaps = createSpendCapCache({ db, clock, ttlMs: o.cacheTtlMs, onError });
  const ingest = createMeteringIngest({ ...o, cache, alerts, shared });
  const overSpendCap = createOverSpendCap({ spendCaps, cache });

  /**
   * Counts `n` units of an additive meter now, in memory (no I/O). Throws for an unknown or
   * non-additive meter or a bad `n`: those are programming errors, not input.
   */
  function increment(tenantId: string, meter: string, n = 1): void {
    if (!counterMeters.has(meter)) throw new Error(`increment() needs a sum or count meter, got "${meter}"`);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`increment() needs a non-negative integer, got ${n}`);
    buffer.increment(tenantId, meter, n);
  }

  return {
    meters,
    ingest,
    increment,
    ...reads,
    /**
     * Quota or feature check from the cache (no database round trip on a hit). Pass the tenant's
     * `plan` when it is already known (a resolved tenant): `planFor` is then not asked.
     */
    check: (tenantId: string, feature: string, plan?: Plan): Promise<Entitlement> =>
      cache.check(tenantId, feature, plan),
    /** `check()` answered from the cache without a promise; `undefined` when the tenant is not cached yet. */
    checkCached: (tenantId: string, feature: string, plan?: Plan): Entitlement | undefined =>
      cache.checkCached(tenantId, feature, plan),
    overSpendCap,
    /** Reloads a tenant's alert settings and spend caps now (after they were replaced). */
    reloadAlertSettings: (tenantId: string) => spendCaps.reload(tenantId),
    /** Forgets a tenant's cached plan and totals (plan change, suspension). */
    invalidate: (tenantId: string) => void cache.invalidate(tenantId),
    /** Writes the buffered counts now, then waits for the alert checks they started. */
    flush: async () => {
      await buffer.flush();
      await alerts.settle();
    },
    /** Stops the timers and drains the buffer: call on SIGTERM after the server stopped taking requests. */
    close: () => {
      clearInterval(resetTimer);
      return buffer.close().then(alerts.settle);
    },
    /** Buffered (tenant, meter, minute) cells. */
    get bufferedCells() {
      return buffer.size;
    },
    /** The counter buffer's figures (buffered units, age of the oldest unwritten count, attempts, quarantine). */
    stats: () => buffer.stats(),
    /** Counter batches set aside (rows Postgres rejects, or retried too long), kept for inspection. */
    quarantined: () => buffer.quarantined(),
    /**
     * Replaces the shared counters of `tenantIds` (default: every tenant counted for since the last
     * reset) with their current-period totals in Postgres.
     */
    resetSharedCounters: (tenantIds?: Iterable<string>) => shared.reset(tenantIds),
  };
}

/**
 * The metering's parts, wired: the counter buffer writes to Postgres, and each durable flush updates
 * the entitlement cache and the shared counters, which a timer resets to the Postgres totals.
 */
function wireComponents(o: ReturnType<typeof resolveOptions>) {
  const { db, counters, meters, onError } = o;
  const shared = createSharedCounters({
    ...o,
    meters: meters.list,
    periodOfCached: (tenantId) => cache.periodOfCached(tenantId),
  });
  const buffer = createCounterBuffer({
    write: (rows, flushId) => upsertBuckets(db, flushId, rows),
    onFlushed: (rows, flushId) => flushed(rows, flushId),
    onError,
    onQuarantine: o.onQuarantine,
    clock: o.clock,
    intervalMs: o.flushIntervalMs,
    maxKeys: o.maxBufferedCells,
    retryMaxMs: o.flushRetryMaxMs,
    maxRetryAgeMs: o.maxRetryAgeMs,
  });
  const resetTimer =
    counters && o.counterResetIntervalMs > 0
      ? setInterval(() => void shared.reset().catch(onError), o.counterResetIntervalMs)
      : undefined;
  resetTimer?.unref?.();
  const cache = createEntitlementCache({
    ...o,
    buffer,
    ttlMs: o.cacheTtlMs,
    loadTotals: async (tenantId, period) =>
      (await buffer.readWithPending(() => periodTotals(db, tenantId, meters.list, period))).result,
  });
  const alerts = createAlertChecks({ ...o, meters: meters.list });
  const flushed = createOnFlushed({ ...o, cache, shared, afterFlush: (tenants) => alerts.start(tenants) });
  return { shared, buffer, cache, resetTimer, alerts };
}

/** The options with their defaults, the meters declared, and the batch retry window checked. */
function resolveOptions(options: UsageMeteringOptions) {
  const ledgerRetentionMs = options.ledgerRetentionMs ?? 7 * 86_400_000;
  if (ledgerRetentionMs < 2 * 86_400_000)
    throw new Error(
      "createUsageMetering: ledgerRetentionMs must be at least 2 days (retries stop a day before it)",
    );
  const meters =
    "list" in (options.meters ?? [])
      ? (options.meters as Meters)
      : defineMeters((options.meters as MeterInput[] | undefined) ?? DEFAULT_METERS);
  return {
    ...options,
    clock: options.clock ?? Date.now,
    periodOf: options.periodOf ?? ((_tenantId: string, nowMs: number) => calendarMonth(nowMs)),
    flushIntervalMs: options.flushIntervalMs ?? 1_000,
    maxBufferedCells: options.maxBufferedCells ?? 10_000,
    lateWindowMs: options.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS,
    maxFutureSkewMs: options.maxFutureSkewMs ?? 5 * 60_000,
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
    flushRetryMaxMs: options.flushRetryMaxMs ?? 60_000,
    ledgerRetentionMs,
    maxRetryAgeMs: ledgerRetentionMs - 86_400_000,
    counterResetIntervalMs: options.counterResetIntervalMs ?? 300_000,
    onError: options.onError ?? (() => {}),
    meters,
    counterMeters: new Set(meters.list.filter(isAdditive).map((m) => m.key)),
  };
}

export type UsageMetering = ReturnType<typeof createUsageMetering>;
