/** @module Runs after counts are stored: finds the thresholds crossed and fires each once. */
import type { Database } from "@org/db";
import {
  claimThresholds,
  loadAlertSettings,
  overageAmount as overageAmountOf,
  reachedThresholds,
  releaseThreshold,
  type ThresholdReached,
} from "./alerts.js";
import type { Meter } from "./meters.js";
import type { PlanProvider } from "./plans.js";
import { periodTotals } from "./queries.js";
import type { Period } from "./time.js";

export interface AlertDetectorOptions {
  db: Database;
  meters: readonly Meter[];
  planFor: PlanProvider;
  periodOf: (tenantId: string) => Promise<Period>;
  /** Called once per threshold per period, across every process (e.g. writes the notifications outbox). */
  onThresholdReached: (event: ThresholdReached) => void | Promise<void>;
}

/**
 * Checks one tenant after a flush or an ingest stored its counts: a few queries per flush, never
 * per metered request.
 */
export function createAlertDetector(options: AlertDetectorOptions) {
  const { db, meters, planFor, periodOf, onThresholdReached } = options;
  return async function detect(tenantId: string): Promise<void> {
    const settings = await loadAlertSettings(db, tenantId);
    if (Object.keys(settings).length === 0) return;
    const [period, plan] = await Promise.all([periodOf(tenantId), planFor(tenantId)]);
    const totals = await periodTotals(db, tenantId, meters, period);
    const reached = Object.entries(settings).flatMap(([meter, s]) =>
      reachedThresholds(s, plan, meter, totals[meter] ?? 0).map((threshold) => ({ meter, threshold })),
    );
    const claimed = await claimThresholds(db, tenantId, period, reached);
    for (const [i, fired] of claimed.entries()) {
      const used = totals[fired.meter] ?? 0;
      try {
        await onThresholdReached({
          tenantId,
          meter: fired.meter,
          threshold: fired.threshold,
          periodStart: period.start,
          used,
          included: plan.meters[fired.meter]?.included ?? null,
          overageAmount: overageAmountOf(plan, fired.meter, used),
          currency: plan.currency,
        });
      } catch (error) {
        // Not delivered (this one and the rest): the next flush or ingest of the tenant fires them.
        for (const undelivered of claimed.slice(i)) await releaseThreshold(db, tenantId, period, undelivered);
        throw error;
      }
    }
  };
}
