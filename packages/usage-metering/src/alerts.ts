/** @module Usage alerts: thresholds crossed in a billing period, each recorded once in Postgres. */
import { type Executor, type MeterAlertSettings, rows, type Transaction } from "@org/db";
import { sql } from "drizzle-orm";
import type { Plan } from "./plans.js";
import { overage } from "./pricing.js";
import type { Period } from "./time.js";

export interface ThresholdReached {
  tenantId: string;
  meter: string;
  /** `pct:80` (percent of the included quota) or `amount:5000` (overage in minor units). */
  threshold: string;
  periodStart: number;
  used: number;
  included: number | null;
  overageAmount: number;
  currency: string;
}

/**
 * Called once per threshold per billing period, inside the transaction that claims it: write the
 * notification (the outbox row) with `tx`, not with another connection. Throwing rolls the claim
 * back, so a later check fires the threshold again; a crash before the commit leaves nothing
 * claimed. A returned promise is awaited before the commit. Keep it to a few statements on `tx`:
 * the claim's row lock is held until it returns, and nothing outside the database is undone by the
 * rollback.
 *
 * @example
 * const onThresholdReached: ThresholdHandler = (alert, tx) =>
 *   enqueueNotification(tx, { tenantId: alert.tenantId, kind: "usage.threshold_reached", dedupeKey, payload });
 */
export type ThresholdHandler = (event: ThresholdReached, tx: Transaction) => unknown;

/** Overage money for `used` units, with the same pricing function that reports overage. */
export function overageAmount(plan: Plan, meter: string, used: number): number {
  const terms = plan.meters[meter];
  return terms?.overage ? overage(used, terms.included, terms.overage).amount : 0;
}

/** The thresholds of one meter that `used` units have reached. */
export function reachedThresholds(
  settings: MeterAlertSettings,
  plan: Plan,
  meter: string,
  used: number,
): string[] {
  const included = plan.meters[meter]?.included;
  const reached: string[] = [];
  if (included !== undefined && included > 0)
    for (const pct of settings.percentages ?? [])
      if (used * 100 >= pct * included) reached.push(`pct:${pct}`);
  const amount = overageAmount(plan, meter, used);
  for (const a of settings.overageAmounts ?? []) if (amount >= a) reached.push(`amount:${a}`);
  return reached;
}

/** The tenant's alert settings per meter; empty when none are stored. */
export async function loadAlertSettings(
  db: Executor,
  tenantId: string,
): Promise<Record<string, MeterAlertSettings>> {
  const found = rows<{ meters: Record<string, MeterAlertSettings> }>(
    await db.execute(sql`select meters from usage_alert_settings where tenant_id = ${tenantId}`),
  );
  return found[0]?.meters ?? {};
}

/**
 * The thresholds already claimed (committed) in the period: a check skips them without opening a
 * transaction. Only a filter: a row not seen here may still be claimed by another process, which
 * `claimThresholds` settles.
 */
export async function firedThresholds(db: Executor, tenantId: string, period: Period): Promise<Set<string>> {
  const found = rows<{ meter: string; threshold: string }>(
    await db.execute(sql`
      select meter, threshold from usage_alerts_fired
      where tenant_id = ${tenantId} and period_start = ${new Date(period.start).toISOString()}::timestamptz`),
  );
  return new Set(found.map((r) => `${r.meter}/${r.threshold}`));
}

/**
 * Records the reached thresholds and returns only those this call recorded first: the primary key
 * (tenant, meter, threshold, period start) admits one row, whichever process gets there. Call it in
 * the transaction that writes the notifications: a concurrent insert of the same key waits for that
 * transaction, then does nothing if it committed and inserts if it rolled back, so a threshold is
 * claimed by exactly one committed transaction. Rows go in one order (meter, threshold) so two
 * overlapping claims lock in the same order and cannot deadlock.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   for (const t of await claimThresholds(tx, tenantId, period, reached)) await notify(t, tx);
 * });
 */
export async function claimThresholds(
  db: Executor,
  tenantId: string,
  period: Period,
  reached: { meter: string; threshold: string }[],
): Promise<{ meter: string; threshold: string }[]> {
  if (reached.length === 0) return [];
  const batch = JSON.stringify(reached);
  const start = new Date(period.start).toISOString();
  return rows<{ meter: string; threshold: string }>(
    await db.execute(sql`
      insert into usage_alerts_fired (tenant_id, meter, threshold, period_start)
      select ${tenantId}, meter, threshold, ${start}::timestamptz
      from jsonb_to_recordset(${batch}::jsonb) as x(meter text, threshold text)
      order by meter collate "C", threshold collate "C"
      on conflict do nothing
      returning meter, threshold`),
  );
}

/** Replaces the tenant's whole alert configuration. */
export async function saveAlertSettings(
  db: Executor,
  tenantId: string,
  meters: Record<string, MeterAlertSettings>,
): Promise<void> {
  const json = JSON.stringify(meters);
  await db.execute(sql`
    insert into usage_alert_settings (tenant_id, meters, updated_at)
    values (${tenantId}, ${json}::jsonb, now())
    on conflict (tenant_id) do update set meters = excluded.meters, updated_at = excluded.updated_at`);
}
