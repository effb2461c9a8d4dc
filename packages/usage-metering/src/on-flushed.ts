/** @module What follows a durable counter flush: cached totals, shared counters, metrics, ledger pruning. */
import type { Database } from "@org/db";
import { pruneFlushLedger } from "./buckets.js";
import type { BucketDelta } from "./counter-buffer.js";
import type { EntitlementCache } from "./entitlements.js";
import type { SharedCounters } from "./shared-counters.js";

const LEDGER_PRUNE_EVERY_MS = 3_600_000;

export interface OnFlushedOptions {
  db: Database;
  cache: EntitlementCache;
  shared: SharedCounters;
  ledgerRetentionMs: number;
  clock: () => number;
  onFlush?: (info: { cells: number; units: number }) => void;
  /** Background work for the tenants a flush stored counts for (usage-alert checks). */
  afterFlush?: (tenantIds: Set<string>) => void;
  onError: (error: unknown) => void;
}

/** The counter buffer's `onFlushed`: must not throw (background work reports to `onError`). */
export function createOnFlushed(options: OnFlushedOptions) {
  const { db, cache, shared, ledgerRetentionMs, clock, onFlush, afterFlush, onError } = options;
  let lastPruneMs = 0;

  return function flushed(rows: BucketDelta[], flushId: string): void {
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
    afterFlush?.(tenants);
    shared
      .share(
        rows.map((r) => ({ tenantId: r.tenantId, meter: r.meter, atMs: r.minuteMs, n: r.n })),
        flushId,
      )
      .then(() => cache.refreshShared(tenants))
      .catch(onError);
  };
}
