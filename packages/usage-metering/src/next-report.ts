/** @module Freezing the next overage report of a period, after credits paid for what they can. */
import type { Database } from "@org/db";
import { isAdditive, type Meter } from "./meters.js";
import { type OverageCredits, overageCreditSource } from "./overage-credits.js";
import { splitOverage } from "./overage-split.js";
import type { MeterTerms } from "./plans.js";
import { freezeReport, type ReportKey, type ReportRow } from "./report-rows.js";
import { reportIdentifier } from "./usage-report.js";

/** A meter's plan terms when the meter bills overage. */
export type OverageTerms = MeterTerms & { overage: NonNullable<MeterTerms["overage"]> };

/** What freezing a report uses. */
export interface FreezeDeps {
  db: Database;
  /** Credits consumed before reporting; without them the whole overage is reported. */
  credits?: OverageCredits | undefined;
  clock: () => number;
}

/** One meter's period to freeze the next report of: its usage so far and the reports already frozen. */
export interface NextReportInput {
  key: ReportKey;
  meter: Meter;
  terms: OverageTerms;
  currency: string;
  used: number;
  /** The period's reports so far, in `seq` order. */
  rows: readonly ReportRow[];
}

/**
 * The total of one field over a period's reports.
 *
 * @example
 * sumReports(rows, "quantity"); // overage units reported so far
 */
export const sumReports = (rows: readonly ReportRow[], field: "quantity" | "amount") =>
  rows.reduce((total, r) => total + r[field], 0);

/**
 * Prices the period's overage, lets credits pay for what they can ({@link splitOverage}) and
 * freezes the rest as the next report, in one transaction under the tenant's credits lock: the
 * consumption (keyed by the report's seq) commits with the row or not at all. `undefined` when
 * nothing is new; `busy` when another reporter froze this seq first (nothing consumed then).
 *
 * @example
 * const frozen = await freezeNextReport(deps, { key, meter, terms, currency: "usd", used, rows });
 */
export async function freezeNextReport(
  deps: FreezeDeps,
  input: NextReportInput,
): Promise<ReportRow | "busy" | undefined> {
  const { db, credits, clock } = deps;
  const { key, meter, terms, currency, used, rows } = input;
  return db.transaction(async (tx) => {
    const nowMs = clock();
    const target = { tenantId: key.tenantId, currency, atMs: nowMs };
    const sourcePrefix = overageCreditSource(meter.key, key.period.start);
    const credit = credits
      ? await credits.open(tx, { ...target, sourcePrefix })
      : { available: 0, consumed: 0 };
    const reportedQuantity = sumReports(rows, "quantity");
    const split = splitOverage({
      quantity: Math.max(0, used - terms.included),
      price: terms.overage,
      reportedQuantity,
      ...credit,
    });
    const grows = split.reportQuantity > reportedQuantity || split.consume > 0;
    if (rows.length > 0 && !(isAdditive(meter) && grows)) return undefined;
    const seq = rows.length === 0 ? 0 : rows.at(-1)!.seq + 1;
    const row: ReportRow = {
      seq,
      quantity: split.reportQuantity - reportedQuantity,
      amount: split.reportAmount - sumReports(rows, "amount"),
      currency,
      identifier: reportIdentifier(key.tenantId, meter.key, key.period.start, seq),
      state: "pending",
      createdAtMs: nowMs,
      attemptedAtMs: nowMs,
    };
    if (!(await freezeReport(tx, key, { ...row, nowMs }))) return "busy";
    if (split.consume > 0 && credits) {
      await credits.consume(tx, { ...target, amount: split.consume, source: `${sourcePrefix}${seq}` });
    }
    return row;
  });
}
