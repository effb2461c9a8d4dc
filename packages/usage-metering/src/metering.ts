/** @module createUsageMetering: ingestion, buffered counters, queries, summaries and checks in one object. */
import { randomUUID } from "node:crypto";
import type { Database } from "@org/db";
import { createAlertDetector } from "./alert-detector.js";
import { overageAmount, type ThresholdReached } from "./alerts.js";
import { backoffDelayMs } from "./backoff.js";
import { pruneFlushLedger, upsertBuckets } from "./buckets.js";
import { type BucketDelta, createCounterBuffer, type QuarantinedBatch } from "./counter-buffer.js";
import type { CounterStore, PeriodDelta } from "./counter-store.js";
import { createEntitlementCache, type Entitlement } from "./entitlements.js";
import { UsageInputError } from "./errors.js";
import { normalizeBatch, type UsageEventInput } from "./events.js";
import { ingestEvents } from "./ingest.js";
import { DEFAULT_METERS, defineMeters, isAdditive, type MeterInput, type Meters } from "./meters.js";
import type { PlanProvider } from "./plans.js";
import { overage } from "./pricing.js";
import { periodTotals, type UsagePoint, usageSeries } from "./queries.js";
import { createSpendCapCache } from "./spend-caps.js";
import { calendarMonth, DEFAULT_LATE_WINDOW_MS, type Granularity, type Period, truncate } from "./time.js";

const LEDGER_PRUNE_EVERY_MS = 3_600_000;
/** Attempts to add one flush to the shared counters before leaving it to the next reset. */
const SHARE_ATTEMPTS = 5;

export interface UsageMeteringOptions {
  db: Database;
  /** Which plan a tenant is on (the billing package's catalogue). */
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
   * an ingest stored the counts that crossed it. @default none: alerts are not detected
   */
  onThresholdReached?: (event: ThresholdReached) => void | Promise<void>;
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
  const {
    db,
    planFor,
    counters,
    clock = Date.now,
    periodOf = (_tenantId: string, nowMs: number) => calendarMonth(nowMs),
    flushIntervalMs = 1_000,
    maxBufferedCells = 10_000,
    lateWindowMs = DEFAULT_LATE_WINDOW_MS,
    maxFutureSkewMs = 5 * 60_000,
    cacheTtlMs = 60_000,
    onFlush,
    onQuarantine,
    flushRetryMaxMs = 60_000,
    ledgerRetentionMs = 7 * 86_400_000,
    counterResetIntervalMs = 300_000,
    onError = () => {},
  } = options;
  if (ledgerRetentionMs < 2 * 86_400_000)
    throw new Error(
      "createUsageMetering: ledgerRetentionMs must be at least 2 days (retries stop a day before it)",
    );
  const maxRetryAgeMs = ledgerRetentionMs - 86_400_000;
  const meters =
    "list" in (options.meters ?? [])
      ? (options.meters as Meters)
      : defineMeters((options.meters as MeterInput[] | undefined) ?? DEFAULT_METERS);
  const counterMeters = new Set(meters.list.filter(isAdditive).map((m) => m.key));
  const detectAlerts = options.onThresholdReached
    ? createAlertDetector({
        db,
        meters: meters.list,
        planFor,
        periodOf: async (tenantId) => periodOf(tenantId, clock()),
        onThresholdReached: options.onThresholdReached,
      })
    : undefined;
  /** Detection runs in the background: a failure is reported and retried by the next flush. */
  const alertsFor = (tenantIds: Iterable<string>): Promise<void> =>
    detectAlerts
      ? Promise.all([...tenantIds].map((t) => detectAlerts(t).catch(onError))).then(() => {})
      : Promise.resolve();

  /** Tenants counted for since the last reset of their shared counters. */
  const toReset = new Set<string>();

  /**
   * Adds stored units to the shared counters of the period they belong to, under the id of the
   * write that stored them, so retrying (a lost reply) never adds twice. Best effort after a few
   * attempts: Postgres is the record and the next reset repairs the counters.
   */
  async function share(
    deltas: { tenantId: string; meter: string; atMs: number; n: number }[],
    flushId: string,
  ): Promise<void> {
    if (!counters || deltas.length === 0) return;
    const byKey = new Map<string, PeriodDelta>();
    for (const d of deltas) {
      const period = cache.periodOfCached(d.tenantId) ?? (await periodOf(d.tenantId, clock()));
      if (d.atMs < period.start || d.atMs >= period.end) continue; // only the current period is checked
      const key = `${d.tenantId}\u0000${d.meter}\u0000${period.start}`;
      const found = byKey.get(key);
      if (found) found.n += d.n;
      else byKey.set(key, { tenantId: d.tenantId, meter: d.meter, periodStartMs: period.start, n: d.n });
    }
    // Marked after the add lands (or finally fails): a reset that ran before it then runs again after.
    const mark = () => {
      for (const d of byKey.values()) toReset.add(d.tenantId);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await counters.add([...byKey.values()], flushId);
        return mark();
      } catch (error) {
        if (attempt >= SHARE_ATTEMPTS) {
          mark();
          throw error;
        }
        onError(error);
        await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, { baseMs: 200, maxMs: 5_000 })));
      }
    }
  }

  /**
   * Replaces the shared counters of `tenantIds` (default: every tenant counted for since the last
   * reset) with their current-period totals in Postgres. A flush of another node landing between
   * the read and the write may be counted twice or not at all until the next reset.
   */
  async function resetSharedCounters(tenantIds: Iterable<string> = [...toReset]): Promise<void> {
    if (!counters) return;
    for (const tenantId of tenantIds) {
      toReset.delete(tenantId);
      const period = await periodOf(tenantId, clock());
      const totals = await periodTotals(db, tenantId, meters.list, period);
      const shared: Record<string, number> = {};
      for (const [meter, n] of Object.entries(totals))
        if (counterMeters.has(meter) && n > 0) shared[meter] = n;
      await counters.reset(tenantId, period.start, shared);
    }
  }

  let lastPruneMs = 0;
  /** Alert checks started by flushes, awaited by `flush()` and `close()`. */
  const pendingAlerts = new Set<Promise<void>>();
  async function settleAlerts(): Promise<void> {
    while (pendingAlerts.size > 0) {
      const batch = [...pendingAlerts];
      pendingAlerts.clear();
      await Promise.all(batch);
    }
  }

  function flushed(rows: BucketDelta[], flushId: string): void {
    // The buffer stops retrying a batch a day before this (maxRetryAgeMs): older ids only take space.
    if (clock() - lastPruneMs > LEDGER_PRUNE_EVERY_MS) {
      lastPruneMs = clock();
      pruneFlushLedger(db, ledgerRetentionMs).catch(onError);
    }
    let units = 0;
    const tenants = new Set<string>();
    for (const r of rows) {
      cache.stored(r.tenantId, r.meter, r.minuteMs, r.n);
      tenants.add(r.tenantId);
      units += r.n;
    }
    onFlush?.({ cells: rows.length, units });
    pendingAlerts.add(alertsFor(tenants));
    share(
      rows.map((r) => ({ tenantId: r.tenantId, meter: r.meter, atMs: r.minuteMs, n: r.n })),
      flushId,
    )
      .then(() => cache.refreshShared(tenants))
      .catch(onError);
  }

  const buffer = createCounterBuffer({
    write: (rows, flushId) => upsertBuckets(db, flushId, rows),
    onFlushed: flushed,
    onError,
    onQuarantine,
    clock,
    intervalMs: flushIntervalMs,
    maxKeys: maxBufferedCells,
    retryMaxMs: flushRetryMaxMs,
    maxRetryAgeMs,
  });

  const resetTimer =
    counters && counterResetIntervalMs > 0
      ? setInterval(() => void resetSharedCounters().catch(onError), counterResetIntervalMs)
      : undefined;
  resetTimer?.unref?.();

  const cache = createEntitlementCache({
    meters,
    planFor,
    periodOf,
    loadTotals: async (tenantId, period) =>
      (await buffer.readWithPending(() => periodTotals(db, tenantId, meters.list, period))).result,
    buffer,
    counters,
    clock,
    ttlMs: cacheTtlMs,
    onError,
  });

  const spendCaps = createSpendCapCache({ db, clock, ttlMs: cacheTtlMs, onError });

  /**
   * Whether the tenant's overage on `meter` has reached its spend cap, from the caches only (no I/O).
   * False while the tenant's plan, usage or settings are not cached yet.
   */
  function overSpendCap(tenantId: string, meter: string): boolean {
    const cap = spendCaps.capOf(tenantId, meter);
    if (cap === undefined) return false;
    const plan = cache.planCached(tenantId);
    const used = cache.checkCached(tenantId, meter)?.used;
    return plan !== undefined && used !== undefined && overageAmount(plan, meter, used) >= cap;
  }

  function meterOrThrow(key: string, path: string) {
    const meter = meters.get(key);
    if (!meter) throw new UsageInputError([{ path, message: `unknown meter "${key}"` }]);
    return meter;
  }

  /**
   * Stores a batch (up to 1,000) durably with its bucket updates; ids already seen count once.
   *
   * @throws UsageInputError for a bad batch (nothing is stored).
   */
  async function ingest(tenantId: string, events: readonly UsageEventInput[]) {
    const { events: unique, batchDuplicates } = normalizeBatch(events, meters, {
      nowMs: clock(),
      maxFutureSkewMs,
      lateWindowMs,
    });
    const result = await ingestEvents(db, tenantId, unique, batchDuplicates);
    const additive = result.acceptedEvents.filter((e) => e.bucketDelta !== null);
    for (const e of additive) cache.stored(tenantId, e.meter, e.timestampMs, e.bucketDelta!);
    if (result.accepted > 0) await alertsFor([tenantId]);
    share(
      additive.map((e) => ({ tenantId, meter: e.meter, atMs: e.timestampMs, n: e.bucketDelta! })),
      `in_${randomUUID()}`,
    ).catch(onError);
    return { accepted: result.accepted, duplicates: result.duplicates, duplicateIds: result.duplicateIds };
  }

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

  /** One meter's usage over [from, to) at a UTC granularity, buffered counts included. */
  async function usage(
    tenantId: string,
    query: UsageQuery,
  ): Promise<{ meter: string; points: UsagePoint[] }> {
    const meter = meterOrThrow(query.meter, "meter");
    const { fromMs, toMs, granularity } = query;
    const { result, cells } = await buffer.readWithPending(() =>
      usageSeries(db, tenantId, meter, fromMs, toMs, granularity),
    );
    const points = new Map(result.map((p) => [p.startMs, p.value]));
    for (const c of cells) {
      if (c.tenantId !== tenantId || c.meter !== meter.key || c.minuteMs < fromMs || c.minuteMs >= toMs)
        continue;
      const start = truncate(c.minuteMs, granularity);
      points.set(start, (points.get(start) ?? 0) + c.n);
    }
    return {
      meter: meter.key,
      points: [...points].sort((a, b) => a[0] - b[0]).map(([startMs, value]) => ({ startMs, value })),
    };
  }

  /** Each meter's total in the tenant's current period, buffered counts included. */
  async function currentPeriod(
    tenantId: string,
  ): Promise<{ period: Period; totals: Record<string, number> }> {
    const period = await periodOf(tenantId, clock());
    // Buffered minutes are whole minutes, and periods start on a minute, so minute filtering is exact.
    const { result, cells } = await buffer.readWithPending(() =>
      periodTotals(db, tenantId, meters.list, period),
    );
    for (const c of cells) {
      if (c.tenantId === tenantId && c.minuteMs >= period.start && c.minuteMs < period.end) {
        result[c.meter] = (result[c.meter] ?? 0) + c.n;
      }
    }
    return { period, totals: result };
  }

  /** Current-period usage per meter with the plan's included quantity, overage and its cost. */
  async function summary(tenantId: string): Promise<UsageSummary> {
    const [{ period, totals }, plan] = await Promise.all([currentPeriod(tenantId), planFor(tenantId)]);
    return {
      period,
      plan: plan.id,
      currency: plan.currency,
      meters: meters.list.map((m) => {
        const used = totals[m.key] ?? 0;
        const terms = plan.meters[m.key];
        const priced =
          terms?.overage && m.billing === "overage"
            ? overage(used, terms.included, terms.overage)
            : { quantity: terms ? Math.max(0, used - terms.included) : 0, amount: 0 };
        return {
          meter: m.key,
          unit: m.unit,
          used,
          included: terms?.included ?? null,
          overage: priced.quantity,
          overageCost: priced.amount,
        };
      }),
    };
  }

  /** Quota or feature check from the cache (no database round trip on a hit). */
  const check = (tenantId: string, feature: string): Promise<Entitlement> => cache.check(tenantId, feature);
  /** `check()` answered from the cache without a promise; `undefined` when the tenant is not cached yet. */
  const checkCached = (tenantId: string, feature: string): Entitlement | undefined =>
    cache.checkCached(tenantId, feature);

  return {
    meters,
    ingest,
    increment,
    usage,
    currentPeriod,
    summary,
    check,
    checkCached,
    overSpendCap,
    /** Reloads a tenant's alert settings and spend caps now (after they were replaced). */
    reloadAlertSettings: (tenantId: string) => spendCaps.reload(tenantId),
    /** Forgets a tenant's cached plan and totals (plan change, suspension). */
    invalidate: (tenantId: string) => void cache.invalidate(tenantId),
    /** Writes the buffered counts now, then waits for the alert checks they started. */
    flush: async () => {
      await buffer.flush();
      await settleAlerts();
    },
    /** Stops the timers and drains the buffer: call on SIGTERM after the server stopped taking requests. */
    close: () => {
      clearInterval(resetTimer);
      return buffer.close().then(settleAlerts);
    },
    /** Buffered (tenant, meter, minute) cells. */
    get bufferedCells() {
      return buffer.size;
    },
    /** The counter buffer's figures (buffered units, age of the oldest unwritten count, attempts, quarantine). */
    stats: () => buffer.stats(),
    /** Counter batches set aside (rows Postgres rejects, or retried too long), kept for inspection. */
    quarantined: () => buffer.quarantined(),
    resetSharedCounters,
  };
}

export type UsageMetering = ReturnType<typeof createUsageMetering>;
