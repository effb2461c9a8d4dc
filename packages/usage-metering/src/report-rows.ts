/** @module The `usage_reports` rows of one (tenant, meter, period): read, frozen, claimed, settled. */
import { type Executor, rows } from "@org/db";
import { type SQL, sql } from "drizzle-orm";
import type { Period } from "./time.js";

/** One frozen report: what was (or is about to be) sent to Stripe for a period. */
export interface ReportRow {
  seq: number;
  quantity: number;
  amount: number;
  currency: string;
  identifier: string;
  state: "pending" | "reported";
  createdAtMs: number;
  /** Start of the 24 h in which Stripe remembers the identifier. */
  attemptedAtMs: number;
}

interface RawRow {
  seq: number | string;
  quantity: number | string;
  amount: number | string;
  currency: string;
  stripe_identifier: string;
  state: "pending" | "reported";
  created_at: Date | string;
  attempted_at: Date | string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Where the rows of one (tenant, meter, period) live. */
export interface ReportKey {
  tenantId: string;
  meter: string;
  period: Period;
}

/**
 * The period's reports in `seq` order.
 *
 * @example
 * const reports = await reportRows(db, { tenantId, meter: "tokens", period });
 */
export async function reportRows(db: Executor, key: ReportKey): Promise<ReportRow[]> {
  return selectRows(db, key, sql`order by seq`);
}

async function selectRows(db: Executor, key: ReportKey, rest: SQL): Promise<ReportRow[]> {
  const raw = rows<RawRow>(
    await db.execute(sql`
      select seq, quantity, amount, currency, stripe_identifier, state, created_at, attempted_at
      from usage_reports
      where tenant_id = ${key.tenantId} and meter = ${key.meter}
        and period_start = ${iso(key.period.start)}::timestamptz
      ${rest}`),
  );
  return raw.map((r) => {
    const createdAtMs = new Date(r.created_at).getTime();
    return {
      seq: Number(r.seq),
      quantity: Number(r.quantity),
      amount: Number(r.amount),
      currency: r.currency,
      identifier: r.stripe_identifier,
      state: r.state,
      createdAtMs,
      attemptedAtMs: r.attempted_at === null ? createdAtMs : new Date(r.attempted_at).getTime(),
    };
  });
}

/**
 * Freezes a new report in state `pending`. `false` when that `seq` exists already: another reporter
 * froze it first (from its own reading of the totals), and this one must not send anything for it.
 *
 * @example
 * await freezeReport(db, key, { seq: 1, quantity: 5_000, amount: 5, currency: "usd", identifier, nowMs });
 */
export async function freezeReport(
  db: Executor,
  key: ReportKey,
  report: {
    seq: number;
    quantity: number;
    amount: number;
    currency: string;
    identifier: string;
    nowMs: number;
  },
): Promise<boolean> {
  const inserted = rows<{ seq: number }>(
    await db.execute(sql`
      insert into usage_reports (tenant_id, meter, period_start, period_end, seq, quantity, amount, currency,
                                 stripe_identifier, created_at, attempted_at)
      values (${key.tenantId}, ${key.meter}, ${iso(key.period.start)}::timestamptz,
              ${iso(key.period.end)}::timestamptz, ${report.seq}, ${report.quantity}, ${report.amount},
              ${report.currency}, ${report.identifier}, ${iso(report.nowMs)}::timestamptz,
              ${iso(report.nowMs)}::timestamptz)
      on conflict do nothing
      returning seq`),
  );
  return inserted.length === 1;
}

/**
 * Locks a still-pending report for this transaction (`FOR UPDATE SKIP LOCKED`): whoever holds it is
 * the only one deciding whether to resend it, so a reconciliation that finds it in Stripe cannot race
 * a blind resend. `undefined` when it is settled or another reporter holds it.
 *
 * @example
 * await db.transaction(async (tx) => { const row = await lockPendingReport(tx, key, 0); ... });
 */
export async function lockPendingReport(
  tx: Executor,
  key: ReportKey,
  seq: number,
): Promise<ReportRow | undefined> {
  const [row] = await selectRows(tx, key, sql`and seq = ${seq} and state = 'pending' for update skip locked`);
  return row;
}

/**
 * Records that the report is being sent again after Stripe may have forgotten its identifier: a new
 * 24 h window of deduplication starts with this send.
 *
 * @example
 * await restartIdentifierWindow(tx, key, 0, Date.now());
 */
export async function restartIdentifierWindow(
  tx: Executor,
  key: ReportKey,
  seq: number,
  nowMs: number,
): Promise<void> {
  await tx.execute(sql`
    update usage_reports set attempted_at = ${iso(nowMs)}::timestamptz
    where tenant_id = ${key.tenantId} and meter = ${key.meter}
      and period_start = ${iso(key.period.start)}::timestamptz and seq = ${seq}`);
}

/**
 * Marks a report as known to Stripe. Never reverts: a `reported` row is never sent again.
 *
 * @example
 * await settleReport(db, key, 0, Date.now());
 */
export async function settleReport(db: Executor, key: ReportKey, seq: number, nowMs: number): Promise<void> {
  await db.execute(sql`
    update usage_reports set state = 'reported', reported_at = ${iso(nowMs)}::timestamptz
    where tenant_id = ${key.tenantId} and meter = ${key.meter}
      and period_start = ${iso(key.period.start)}::timestamptz and seq = ${seq} and state = 'pending'`);
}
