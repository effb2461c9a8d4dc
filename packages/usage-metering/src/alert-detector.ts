/** @module Runs after counts are stored: finds the thresholds crossed and fires each once. */
import type { Database } from "@org/db";
import {
  claimThresholds,
  firedThresholds,
  loadAlertSettings,
  overageAmount as overageAmountOf,
  reachedThresholds,
  type ThresholdHandler,
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
  /**
   * Called once per threshold per period, across every process, in the transaction that claims it
   * (e.g. writes the notifications outbox with `tx`). See {@link ThresholdHandler}.
   */
  onThresholdReached: ThresholdHandler;
}

/**
 * Checks one tenant after a flush or an ingest stored its counts: a few queries per flush, never
 * per metered request. The claim of a threshold and whatever `onThresholdReached` writes with the
 * transaction commit together or not at all: a handler that throws, or a process killed before the
 * commit, leaves the threshold unclaimed for the next check, and a committed claim always has its
 * notification.
 *
 * @example
 * const detect = createAlertDetector({ db, meters, planFor, periodOf,
 *   onThresholdReached: (alert, tx) => enqueueNotification(tx, toNotification(alert)) });
 * await detect(tenantId); // throws when the handler threw (nothing claimed then)
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
    if (reached.length === 0) return;
    // Most checks after the first crossing find every reached threshold already claimed: one read
    // then, instead of a transaction that claims nothing.
    const fired = await firedThresholds(db, tenantId, period);
    const unfired = reached.filter((r) => !fired.has(`${r.meter}/${r.threshold}`));
    if (unfired.length === 0) return;
    await db.transaction(async (tx) => {
      const claimed = await claimThresholds(tx, tenantId, period, unfired);
      for (const { meter, threshold } of claimed) {
        const used = totals[meter] ?? 0;
        await onThresholdReached(
          {
            tenantId,
            meter,
            threshold,
            periodStart: period.start,
            used,
            included: plan.meters[meter]?.included ?? null,
            overageAmount: overageAmountOf(plan, meter, used),
            currency: plan.currency,
          },
          tx,
        );
      }
    });
  };
}
