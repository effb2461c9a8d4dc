/** @module Settling one pending overage report: resent within Stripe's identifier memory, reconciled after it. */
import type { Database } from "@org/db";
import type { Meter } from "./meters.js";
import {
  lockPendingReport,
  type ReportKey,
  type ReportRow,
  restartIdentifierWindow,
  settleReport,
} from "./report-rows.js";
import { MINUTE_MS, truncate } from "./time.js";
import {
  IDENTIFIER_MEMORY_MS,
  type LandedUsageFn,
  toUsageReport,
  type UsageReport,
  type UsageReporterFn,
} from "./usage-report.js";

/** What settling a pending report uses. */
export interface SettlementDeps {
  db: Database;
  send: UsageReporterFn;
  landed: LandedUsageFn;
  clock: () => number;
}

/**
 * Settles one pending report under its row lock: `sent`, `reconciled` (found in Stripe, not sent),
 * or `busy` (another reporter holds it, or settled it meanwhile). A crash after the send rolls the
 * settlement back; the report then looks stale and reconciliation finds it in Stripe.
 *
 * @example
 * const result = await settlePendingReport(deps, key, meter, row.seq, settledBefore);
 */
export async function settlePendingReport(
  deps: SettlementDeps,
  key: ReportKey,
  meter: Meter,
  seq: number,
  settled: readonly ReportRow[],
): Promise<"sent" | "reconciled" | "busy"> {
  const { db, send, clock } = deps;
  return db.transaction(async (tx) => {
    const row = await lockPendingReport(tx, key, seq);
    if (!row) return "busy";
    const report = toUsageReport(key, meter, row);
    if (row.quantity > 0 && clock() - row.attemptedAtMs >= IDENTIFIER_MEMORY_MS) {
      if (await landedInStripe(deps.landed, key, meter, report, settled)) {
        await settleReport(tx, key, row.seq, clock());
        return "reconciled";
      }
      await restartIdentifierWindow(tx, key, row.seq, clock());
    }
    if (row.quantity > 0) await send(report);
    await settleReport(tx, key, row.seq, clock());
    return "sent";
  });
}

/**
 * Whether a report Stripe may have forgotten the identifier of landed: Stripe's event summary of the
 * report's own minute, less what settled reports dated in that minute account for, covers it.
 */
async function landedInStripe(
  landed: LandedUsageFn,
  key: ReportKey,
  meter: Meter,
  report: UsageReport,
  settled: readonly ReportRow[],
): Promise<boolean> {
  const minute = truncate(report.timestampMs, "minute");
  const inStripe = await landed({
    tenantId: key.tenantId,
    meter: meter.key,
    eventName: report.eventName,
    startMs: minute,
    endMs: minute + MINUTE_MS,
  });
  // Settled reports dated in the same minute (only possible for reports pushed into Stripe's
  // window) are in that figure too; what remains is this report's, if it landed.
  const others = settled
    .filter((r) => truncate(toUsageReport(key, meter, r).timestampMs, "minute") === minute)
    .reduce((total, r) => total + r.quantity, 0);
  return inStripe - others >= report.quantity;
}
