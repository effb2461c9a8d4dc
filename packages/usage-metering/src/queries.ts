/** @module Reads of stored usage: a meter's series at a granularity, and period totals per meter. */
import { type Executor, rows } from "@org/db";
import { type SQL, sql } from "drizzle-orm";
import { isAdditive, type Meter } from "./meters.js";
import type { Granularity, Period } from "./time.js";

export interface UsagePoint {
  /** Bucket start, epoch milliseconds (UTC). */
  startMs: number;
  value: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

// `granularity` is one of three literals checked by the caller's schema, never user text.
const trunc = (granularity: Granularity, column: SQL) =>
  sql`(extract(epoch from date_trunc(${sql.raw(`'${granularity}'`)}, ${column} at time zone 'UTC')) * 1000)::int8`;

function seriesStatement(tenantId: string, meter: Meter, from: number, to: number, g: Granularity): SQL {
  if (isAdditive(meter)) {
    return sql`
      select ${trunc(g, sql`bucket_start`)} as start, sum(value)::int8 as value
      from usage_buckets
      where tenant_id = ${tenantId} and meter = ${meter.key}
        and bucket_start >= ${iso(from)}::timestamptz and bucket_start < ${iso(to)}::timestamptz
      group by 1 order by 1`;
  }
  const range = sql`tenant_id = ${tenantId} and meter = ${meter.key}
    and timestamp >= ${iso(from)}::timestamptz and timestamp < ${iso(to)}::timestamptz`;
  const start = trunc(g, sql`timestamp`);
  if (meter.aggregation === "max") {
    return sql`select ${start} as start, max(quantity)::int8 as value from usage_events where ${range} group by 1 order by 1`;
  }
  if (meter.aggregation === "unique_count") {
    return sql`select ${start} as start, count(distinct properties ->> ${meter.property!})::int8 as value
      from usage_events where ${range} group by 1 order by 1`;
  }
  // latest: the value of the bucket's last event (by event time, then arrival for ties).
  return sql`select distinct on (1) ${start} as start, quantity::int8 as value
    from usage_events where ${range} order by 1, timestamp desc, received_at desc`;
}

/**
 * Stored usage of one meter over [fromMs, toMs), one point per non-empty UTC bucket, ascending.
 * Additive meters read the minute buckets (a range boundary inside a minute counts that minute by
 * its start); the others read the events.
 *
 * @example
 * await usageSeries(db, "ten_1", meters.get("tokens")!, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), "hour");
 */
export async function usageSeries(
  db: Executor,
  tenantId: string,
  meter: Meter,
  fromMs: number,
  toMs: number,
  granularity: Granularity,
): Promise<UsagePoint[]> {
  const result = await db.execute(seriesStatement(tenantId, meter, fromMs, toMs, granularity));
  return rows<{ start: string | number; value: string | number }>(result).map((r) => ({
    startMs: Number(r.start),
    value: Number(r.value),
  }));
}

/**
 * Each meter's total for a period: sum/count from the buckets, max and unique_count from the
 * period's events, latest = the last value sent before the period's end (a gauge carries over).
 *
 * @example
 * await periodTotals(db, "ten_1", meters.list, calendarMonth(Date.now())); // { api_calls: 1200, ... }
 */
export async function periodTotals(
  db: Executor,
  tenantId: string,
  meters: readonly Meter[],
  period: Period,
): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const m of meters) totals[m.key] = 0;
  const additive = meters.filter(isAdditive).map((m) => m.key);
  const from = iso(period.start);
  const to = iso(period.end);
  const reads: Promise<void>[] = [];
  if (additive.length > 0) {
    reads.push(
      db
        .execute(sql`
          select meter, sum(value)::int8 as value from usage_buckets
          where tenant_id = ${tenantId} and meter in (${sql.join(
            additive.map((k) => sql`${k}`),
            sql`, `,
          )})
            and bucket_start >= ${from}::timestamptz and bucket_start < ${to}::timestamptz
          group by meter`)
        .then((r) => {
          for (const row of rows<{ meter: string; value: string | number }>(r))
            totals[row.meter] = Number(row.value);
        }),
    );
  }
  for (const m of meters) {
    if (isAdditive(m)) continue;
    const where = sql`tenant_id = ${tenantId} and meter = ${m.key} and timestamp < ${to}::timestamptz`;
    const inPeriod = sql`${where} and timestamp >= ${from}::timestamptz`;
    const statement =
      m.aggregation === "max"
        ? sql`select coalesce(max(quantity), 0)::int8 as value from usage_events where ${inPeriod}`
        : m.aggregation === "unique_count"
          ? sql`select count(distinct properties ->> ${m.property!})::int8 as value from usage_events where ${inPeriod}`
          : sql`select quantity::int8 as value from usage_events where ${where}
              order by timestamp desc, received_at desc limit 1`;
    reads.push(
      db.execute(statement).then((r) => {
        totals[m.key] = Number(rows<{ value: string | number }>(r)[0]?.value ?? 0);
      }),
    );
  }
  await Promise.all(reads);
  return totals;
}
