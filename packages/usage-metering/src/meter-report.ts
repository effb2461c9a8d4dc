/** @module Reporting one meter's overage of a closed period: pending reports settled, then the growth frozen and sent. */
import type { Meter } from "./meters.js";
import { type FreezeDeps, freezeNextReport, type OverageTerms, sumReports } from "./next-report.js";
import { type SettlementDeps, settlePendingReport } from "./pending-report.js";
import { type ReportKey, type ReportRow, reportRows } from "./report-rows.js";
import type { Period } from "./time.js";

export interface ReportOutcome {
  meter: string;
  /** The period's overage units reported so far, over every report. */
  quantity: number;
  /** Their price in minor units. */
  amount: number;
  /**
   * `sent`: this run sent a report (a new one, or a pending one again); `reconciled`: a pending report
   * was found in Stripe and settled without sending; `already_reported`: nothing new; `nothing`: no
   * overage (recorded, nothing sent); `busy`: another reporter holds this meter's pending report.
   */
  status: "sent" | "reconciled" | "already_reported" | "nothing" | "busy";
}

/** One overage-billed meter of a tenant's closed period, with its usage. */
export interface MeterReportInput {
  tenantId: string;
  meter: Meter;
  terms: OverageTerms;
  currency: string;
  period: Period;
  used: number;
}

const outcomeOf = (
  meter: Meter,
  rows: readonly ReportRow[],
  status: ReportOutcome["status"],
): ReportOutcome => ({
  meter: meter.key,
  quantity: sumReports(rows, "quantity"),
  amount: sumReports(rows, "amount"),
  status,
});

/**
 * Settles the meter's pending reports in `seq` order, then freezes and sends what the period's
 * overage grew by since. Stops at `busy` as soon as another reporter holds a report of the meter.
 *
 * @example
 * const outcome = await reportMeter(deps, { tenantId, meter, terms, currency: "usd", period, used });
 */
export async function reportMeter(
  deps: SettlementDeps & FreezeDeps,
  input: MeterReportInput,
): Promise<ReportOutcome> {
  const { tenantId, meter, terms, currency, period, used } = input;
  const key: ReportKey = { tenantId, meter: meter.key, period };
  const rows = await reportRows(deps.db, key);
  let status: ReportOutcome["status"] = "already_reported";
  const settled: ReportRow[] = [];
  for (const row of rows) {
    if (row.state === "pending") {
      const result = await settlePendingReport(deps, key, meter, row.seq, settled);
      if (result === "busy") return { meter: meter.key, quantity: 0, amount: 0, status: "busy" };
      if (status !== "sent") status = result;
    }
    settled.push(row);
  }
  const frozen = await freezeNextReport(deps, { key, meter, terms, currency, used, rows });
  if (frozen === "busy") return outcomeOf(meter, rows, "busy");
  if (frozen) {
    if ((await settlePendingReport(deps, key, meter, frozen.seq, settled)) === "busy") {
      return outcomeOf(meter, rows, "busy");
    }
    settled.push(frozen);
    status = frozen.quantity > 0 ? "sent" : "nothing";
  }
  return outcomeOf(meter, settled, status);
}
