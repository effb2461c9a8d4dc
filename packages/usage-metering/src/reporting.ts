/** @module Exactly-once reporting of a period's overage to Stripe meter events through usage_reports. */
import { createHash } from "node:crypto";
import type { Database, Executor } from "@org/db";
import { isAdditive, type Meter, type Meters } from "./meters.js";
import { splitOverage } from "./overage-split.js";
import type { MeterTerms, PlanAtProvider } from "./plans.js";
import { periodTotals } from "./queries.js";
import {
  freezeReport,
  lockPendingReport,
  type ReportKey,
  type ReportRow,
  reportRows,
  restartIdentifierWindow,
  settleReport,
} from "./report-rows.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, type Period, truncate } from "./time.js";

/** Stripe deduplicates meter events on their identifier for (at least) this long, then forgets it. */
export const IDENTIFIER_MEMORY_MS = DAY_MS;
/** Stripe refuses meter events dated further back than this. */
const STRIPE_BACKDATE_LIMIT_MS = 35 * DAY_MS;

/** What is sent for one report of a (tenant, meter, period): the body of a Stripe meter event, plus context. */
export interface UsageReport {
  /** Deterministic per (tenant, meter, period, seq): Stripe deduplicates meter events on it. */
  identifier: string;
  tenantId: string;
  meter: string;
  /** The Stripe meter's event name. */
  eventName: string;
  /** 0 for the period's first report, then 1, 2, ... for the overage late events added. */
  seq: number;
  /** Overage units this report adds: the first carries max(0, used - included), later ones the growth since. */
  quantity: number;
  /** Their price in minor units of `currency`. */
  amount: number;
  currency: string;
  /** What the meter event is dated: alone in its minute, see {@link reportTimestamp}. */
  timestampMs: number;
  periodStartMs: number;
  periodEndMs: number;
}

/** Sends one report (billing passes a Stripe `billing.meterEvents.create` call). Must be safe to call twice. */
export type UsageReporterFn = (report: UsageReport) => Promise<void>;

/**
 * Stripe's aggregated value of the tenant's meter for events dated in [startMs, endMs) (billing passes
 * `billing.meters.listEventSummaries`). Used only for reports whose identifier Stripe may have forgotten.
 */
export type LandedUsageFn = (query: {
  tenantId: string;
  meter: string;
  eventName: string;
  startMs: number;
  endMs: number;
}) => Promise<number>;

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

/**
 * Prepaid credits that pay for overage before it is reported (billing passes its credits ledger).
 * Both calls run inside the reporter's transaction, so a consumption commits with its report row.
 */
export interface OverageCredits {
  /** Locks the tenant's credits for `tx`: the balance at `atMs`, and what sources starting with `sourcePrefix` consumed. */
  open(
    tx: Executor,
    query: { tenantId: string; currency: string; atMs: number; sourcePrefix: string },
  ): Promise<{ available: number; consumed: number }>;
  consume(
    tx: Executor,
    consumption: { tenantId: string; currency: string; amount: number; source: string; atMs: number },
  ): Promise<void>;
}

/**
 * The consumption source of a (meter, period)'s report `seq`: one per report row, so a re-run never
 * consumes twice. Without the seq it is the prefix of every report of that meter and period.
 *
 * @example
 * overageCreditSource("tokens", Date.UTC(2026, 2, 1), 0); // "overage:tokens:2026-03-01T00:00:00.000Z:0"
 */
export const overageCreditSource = (meter: string, periodStartMs: number, seq?: number) =>
  `overage:${meter}:${new Date(periodStartMs).toISOString()}:${seq ?? ""}`;

export interface OverageReporterOptions {
  db: Database;
  meters: Meters;
  /** The plan in force at an instant: a period is priced with the plan at its last millisecond. */
  planAt: PlanAtProvider;
  send: UsageReporterFn;
  landed: LandedUsageFn;
  /** Credits consumed before reporting; without them the whole overage is reported. */
  credits?: OverageCredits;
  clock?: () => number;
}

/**
 * `usr_` + 48 hex characters of SHA-256: under Stripe's 100-character identifier limit for any meter
 * key. The first report's identifier (seq 0) has no seq in it, so identifiers already sent to
 * Stripe for a period stay the same.
 *
 * @example
 * reportIdentifier("ten_1", "tokens", Date.UTC(2026, 2, 1), 2); // "usr_3f0c..."
 */
export function reportIdentifier(tenantId: string, meter: string, periodStartMs: number, seq = 0): string {
  const key = `${tenantId}\u0000${meter}\u0000${periodStartMs}${seq === 0 ? "" : `\u0000${seq}`}`;
  return `usr_${createHash("sha256").update(key).digest("hex").slice(0, 48)}`;
}

/**
 * What a report's meter event is dated: one second before the period's end, one minute earlier per
 * seq, so each report of a period is alone in its minute of Stripe's event summaries (reconciliation
 * asks for exactly that minute). A report frozen so late that this is older than Stripe accepts is
 * dated one hour inside Stripe's window instead (and so lands in Stripe's following period).
 *
 * @example
 * reportTimestamp(Date.UTC(2026, 3, 1), 1, Date.UTC(2026, 3, 2)); // Date.UTC(2026, 3, 1) - 61_000
 */
export function reportTimestamp(periodEndMs: number, seq: number, frozenAtMs: number): number {
  const dated = periodEndMs - 1_000 - seq * MINUTE_MS;
  const oldestAccepted = truncate(frozenAtMs - STRIPE_BACKDATE_LIMIT_MS, "minute") + HOUR_MS;
  return Math.max(dated, oldestAccepted);
}

const sum = (rows: readonly ReportRow[], field: "quantity" | "amount") =>
  rows.reduce((total, r) => total + r[field], 0);

/**
 * Reports closed periods' overage to Stripe so that the period's usage is billed exactly once, late
 * events included. For each overage-billed meter of the plan in force at the period's end:
 *
 * 1. pending reports (frozen earlier, send not confirmed) are settled first, in `seq` order. Within
 *    24 h of their first send they are resent (Stripe deduplicates the identifier). Older ones may
 *    have been forgotten by Stripe, so a blind resend could bill twice: under the row's lock, the
 *    reporter asks Stripe's event summary of the report's own minute and settles it without sending
 *    if it landed, or sends it if it did not;
 * 2. the overage is computed from the stored buckets; what exceeds the sum of all earlier reports is
 *    frozen as a new report (`seq` + 1, its own identifier and minute) in state `pending`, sent, then
 *    marked `reported`. Two reporters racing freeze the same `seq` once (unique key): the loser sends
 *    nothing. Non-additive meters (e.g. `max`) are reported once, by the first report.
 *
 * Run it every hour or so for every period that can still receive late events (the metering's
 * `lateWindowMs` after its end): each run sends only the overage added since the previous one.
 *
 * @throws Error when the period has not ended; whatever `send` or `landed` throws (the report stays
 * pending and the next run settles it).
 * @example
 * const reporter = createOverageReporter({ db, meters: metering.meters, planAt, send, landed });
 * await reporter.reportPeriod(tenantId, { start, end });
 */
export function createOverageReporter(options: OverageReporterOptions) {
  const { db, meters, planAt, send, landed, credits, clock = Date.now } = options;

  function toReport(key: ReportKey, meter: Meter, row: ReportRow): UsageReport {
    return {
      identifier: row.identifier,
      tenantId: key.tenantId,
      meter: meter.key,
      eventName: meter.stripeEventName ?? meter.key,
      seq: row.seq,
      quantity: row.quantity,
      amount: row.amount,
      currency: row.currency,
      timestampMs: reportTimestamp(key.period.end, row.seq, row.createdAtMs),
      periodStartMs: key.period.start,
      periodEndMs: key.period.end,
    };
  }

  /**
   * Settles one pending report under its row lock: `sent`, `reconciled` (found in Stripe, not sent),
   * or `busy` (another reporter holds it, or settled it meanwhile). A crash after the send rolls the
   * settlement back; the report then looks stale and reconciliation finds it in Stripe.
   */
  async function settlePending(
    key: ReportKey,
    meter: Meter,
    seq: number,
    settled: readonly ReportRow[],
  ): Promise<"sent" | "reconciled" | "busy"> {
    return db.transaction(async (tx) => {
      const row = await lockPendingReport(tx, key, seq);
      if (!row) return "busy";
      const report = toReport(key, meter, row);
      if (row.quantity > 0 && clock() - row.attemptedAtMs >= IDENTIFIER_MEMORY_MS) {
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
          .filter((r) => truncate(toReport(key, meter, r).timestampMs, "minute") === minute)
          .reduce((total, r) => total + r.quantity, 0);
        if (inStripe - others >= row.quantity) {
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
   * Prices the period's overage, lets credits pay for what they can ({@link splitOverage}) and
   * freezes the rest as the next report, in one transaction under the tenant's credits lock: the
   * consumption (keyed by the report's seq) commits with the row or not at all. `undefined` when
   * nothing is new; `busy` when another reporter froze this seq first (nothing consumed then).
   */
  async function freezeNext(
    key: ReportKey,
    meter: Meter,
    terms: MeterTerms & { overage: NonNullable<MeterTerms["overage"]> },
    currency: string,
    used: number,
    rows: readonly ReportRow[],
  ): Promise<ReportRow | "busy" | undefined> {
    return db.transaction(async (tx) => {
      const nowMs = clock();
      const target = { tenantId: key.tenantId, currency, atMs: nowMs };
      const sourcePrefix = overageCreditSource(meter.key, key.period.start);
      const credit = credits
        ? await credits.open(tx, { ...target, sourcePrefix })
        : { available: 0, consumed: 0 };
      const reportedQuantity = sum(rows, "quantity");
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
        amount: split.reportAmount - sum(rows, "amount"),
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

  async function reportMeter(
    tenantId: string,
    meter: Meter,
    terms: MeterTerms & { overage: NonNullable<MeterTerms["overage"]> },
    currency: string,
    period: Period,
    used: number,
  ): Promise<ReportOutcome> {
    const key: ReportKey = { tenantId, meter: meter.key, period };
    const rows = await reportRows(db, key);
    let status: ReportOutcome["status"] = "already_reported";
    const settled: ReportRow[] = [];
    for (const row of rows) {
      if (row.state === "pending") {
        const result = await settlePending(key, meter, row.seq, settled);
        if (result === "busy") return { meter: meter.key, quantity: 0, amount: 0, status: "busy" };
        if (status !== "sent") status = result;
      }
      settled.push(row);
    }
    const frozen = await freezeNext(key, meter, terms, currency, used, rows);
    if (frozen === "busy") {
      return {
        meter: meter.key,
        quantity: sum(rows, "quantity"),
        amount: sum(rows, "amount"),
        status: "busy",
      };
    }
    if (frozen) {
      if ((await settlePending(key, meter, frozen.seq, settled)) === "busy") {
        return {
          meter: meter.key,
          quantity: sum(rows, "quantity"),
          amount: sum(rows, "amount"),
          status: "busy",
        };
      }
      settled.push(frozen);
      status = frozen.quantity > 0 ? "sent" : "nothing";
    }
    return { meter: meter.key, quantity: sum(settled, "quantity"), amount: sum(settled, "amount"), status };
  }

  async function reportPeriod(tenantId: string, period: Period): Promise<ReportOutcome[]> {
    if (clock() < period.end) throw new Error("a period is reported only after it has ended");
    const plan = await planAt(tenantId, period.end - 1);
    const billed = meters.list.filter((m) => m.billing === "overage" && plan.meters[m.key]?.overage);
    if (billed.length === 0) return [];
    const totals = await periodTotals(db, tenantId, billed, period);
    const outcomes: ReportOutcome[] = [];
    for (const meter of billed) {
      const terms = plan.meters[meter.key]!;
      outcomes.push(
        await reportMeter(
          tenantId,
          meter,
          { ...terms, overage: terms.overage! },
          plan.currency,
          period,
          totals[meter.key] ?? 0,
        ),
      );
    }
    return outcomes;
  }

  return { reportPeriod };
}
