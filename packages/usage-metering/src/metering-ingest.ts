/** @module The metering's ingest(): events stored durably, then the caches, alerts and shared counters told. */
import { randomUUID } from "node:crypto";
import type { Database } from "@org/db";
import type { AlertChecks } from "./alert-checks.js";
import type { EntitlementCache } from "./entitlements.js";
import { type EventWindow, normalizeBatch, type UsageEventInput } from "./events.js";
import { ingestEvents } from "./ingest.js";
import type { Meters } from "./meters.js";
import type { SharedCounters } from "./shared-counters.js";

/** What ingesting uses: the database, the meters, the accepted window, and the parts told of what was stored. */
export interface MeteringIngestDeps extends Omit<EventWindow, "nowMs"> {
  db: Database;
  meters: Meters;
  clock: () => number;
  cache: EntitlementCache;
  alerts: AlertChecks;
  shared: SharedCounters;
  onError: (error: unknown) => void;
}

/**
 * The metering's `ingest()`, bound to its parts once.
 *
 * @example
 * const ingest = createMeteringIngest({ ...o, cache, alerts, shared });
 * await ingest(tenantId, [{ id: "evt_1", meter: "tokens", quantity: 1_200 }]);
 */
export function createMeteringIngest(deps: MeteringIngestDeps) {
  const { db, meters, clock, cache, alerts, shared, onError, maxFutureSkewMs, lateWindowMs } = deps;

  /**
   * Stores a batch (up to 1,000) durably with its bucket updates; ids already seen count once.
   *
   * @throws UsageInputError for a bad batch (nothing is stored).
   */
  return async function ingest(tenantId: string, events: readonly UsageEventInput[]) {
    const normalized = normalizeBatch(events, meters, { nowMs: clock(), maxFutureSkewMs, lateWindowMs });
    const result = await ingestEvents(db, tenantId, normalized.events, normalized.batchDuplicates);
    const additive = result.acceptedEvents.filter((e) => e.bucketDelta !== null);
    for (const e of additive) cache.stored(tenantId, e.meter, e.timestampMs, e.bucketDelta!);
    if (result.accepted > 0) await alerts.check([tenantId]);
    shared
      .share(
        additive.map((e) => ({ tenantId, meter: e.meter, atMs: e.timestampMs, n: e.bucketDelta! })),
        `in_${randomUUID()}`,
      )
      .catch(onError);
    return { accepted: result.accepted, duplicates: result.duplicates, duplicateIds: result.duplicateIds };
  };
}
