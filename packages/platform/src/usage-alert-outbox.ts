/** @module Usage alerts into the notifications outbox, written by the transaction that claims them. */
import { enqueueNotification } from "@org/billing";
import type { Executor } from "@org/db";
import type { ThresholdReached } from "@org/usage-metering";

/**
 * Adds the `usage.threshold_reached` notification of a reached threshold. Metering calls it with the
 * transaction that claims the threshold (`onThresholdReached: (alert, tx) => enqueueUsageAlert(tx, alert)`),
 * so the claim and the outbox row commit together: no claim is ever left without its notification
 * (a crash or a failed insert rolls both back and a later check fires it again). The outbox's unique
 * (tenant, dedupe key) is a second guard behind metering's once-per-period key.
 *
 * @param executor the claim's transaction (or the database, outside metering)
 * @param alert the threshold reached
 * @returns whether a notification was added (false: one for this crossing exists)
 * @example
 * createUsageMetering({ db, planFor, onThresholdReached: (alert, tx) => enqueueUsageAlert(tx, alert) });
 */
export function enqueueUsageAlert(executor: Executor, alert: ThresholdReached): Promise<boolean> {
  const periodStart = new Date(alert.periodStart).toISOString();
  return enqueueNotification(executor, {
    tenantId: alert.tenantId,
    kind: "usage.threshold_reached",
    dedupeKey: `usage:${alert.meter}:${alert.threshold}:${periodStart}`,
    payload: { ...alert, periodStart },
  });
}
