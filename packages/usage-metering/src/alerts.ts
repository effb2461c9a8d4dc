/** @module Usage alerts: thresholds crossed in a billing period, each recorded once in Postgres. */
import { type Executor, type MeterAlertSettings, rows } from "@org/db";
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
 * Records the reached thresholds and returns only those this call recorded first: the primary key
 * (tenant, meter, threshold, period start) admits one row, whichever process gets there.
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

/** Forgets a recorded threshold whose notification failed, so the next check fires it again. */
export async function releaseThreshold(
  db: Executor,
  tenantId: string,
  period: Period,
  fired: { meter: string; threshold: string },
): Promise<void> {
  await db.execute(sql`
    delete from usage_alerts_fired
    where tenant_id = ${tenantId} and meter = ${fired.meter} and threshold = ${fired.threshold}
      and period_start = ${new Date(period.start).toISOString()}::timestamptz`);
}
