/** @module Usage-alert checks started by flushes and ingests, settled by `flush()` and `close()`. */
import type { Database } from "@org/db";
import { createAlertDetector } from "./alert-detector.js";
import type { ThresholdHandler } from "./alerts.js";
import type { Meter } from "./meters.js";
import type { PlanProvider } from "./plans.js";
import type { Period } from "./time.js";

export interface AlertChecksOptions {
  db: Database;
  meters: readonly Meter[];
  planFor: PlanProvider;
  periodOf: (tenantId: string, nowMs: number) => Period | Promise<Period>;
  clock: () => number;
  onThresholdReached?: ThresholdHandler;
  onError: (error: unknown) => void;
}

/**
 * Without `onThresholdReached` every check is a no-op. A failed check is reported to `onError`; its
 * transaction rolled back, so its thresholds stay unclaimed and the next flush or ingest of the
 * tenant fires them.
 */
export function createAlertChecks(options: AlertChecksOptions) {
  const { onThresholdReached, onError, periodOf, clock } = options;
  const detect = onThresholdReached
    ? createAlertDetector({
        ...options,
        periodOf: async (tenantId) => periodOf(tenantId, clock()),
        onThresholdReached,
      })
    : undefined;
  const pending = new Set<Promise<void>>();

  const check = (tenantIds: Iterable<string>): Promise<void> =>
    detect
      ? Promise.all([...tenantIds].map((t) => detect(t).catch(onError))).then(() => {})
      : Promise.resolve();

  return {
    /** Checks now; resolves when done (never rejects). */
    check,
    /** Checks in the background; `settle()` waits for it. */
    start(tenantIds: Iterable<string>): void {
      if (!detect) return;
      const running = check(tenantIds);
      pending.add(running);
      void running.then(() => pending.delete(running));
    },
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

export type AlertChecks = ReturnType<typeof createAlertChecks>;
