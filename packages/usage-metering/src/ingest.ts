/** @module Durable, idempotent ingestion of a batch of events with its bucket updates, in one statement. */
import { type Executor, rows } from "@org/db";
import { type SQL, sql } from "drizzle-orm";
import type { NormalizedEvent } from "./events.js";
import { withRetry } from "./retry.js";

export interface IngestResult {
  /** Events stored by this call. */
  accepted: number;
  /** Events not stored because their id was already known (earlier call or earlier in the batch). */
  duplicates: number;
  duplicateIds: string[];
  /** The stored events (for caches and shared counters). */
  acceptedEvents: NormalizedEvent[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Stores the events and adds them to their minute buckets in ONE statement (so one transaction and
 * one round trip):
 *
 * - `ins` inserts every event `ON CONFLICT DO NOTHING` and returns the ids that were new;
 * - `b` sums only those new rows per (meter, minute) and upserts the buckets additively.
 *
 * A duplicate id therefore never touches a bucket, and two callers sending the same id at the same
 * time cannot both count it: the unique key (tenant_id, id) admits exactly one. Rows are sorted
 * (events by id, buckets by meter and minute) so concurrent batches take their row locks in the same
 * order and cannot deadlock each other or the counter flush (which sorts the same way).
 */
function ingestStatement(tenantId: string, events: NormalizedEvent[]): SQL {
  // The whole batch travels as ONE jsonb parameter: binding thousands of scalar parameters costs
  // more (client and server) than Postgres parsing one JSON array.
  const batch = JSON.stringify(
    events.map((e) => ({
      id: e.id,
      meter: e.meter,
      quantity: e.quantity,
      ts: iso(e.timestampMs),
      properties: e.properties,
      delta: e.bucketDelta,
      bucket_start: iso(e.bucketStartMs),
    })),
  );
  return sql`
    with input as (
      select * from jsonb_to_recordset(${batch}::jsonb)
        as x(id text, meter text, quantity int8, ts timestamptz, properties jsonb, delta int8, bucket_start timestamptz)
    ),
    ins as (
      insert into usage_events (tenant_id, id, meter, quantity, timestamp, properties)
      select ${tenantId}, id, meter, quantity, ts, properties from input order by id collate "C"
      on conflict (tenant_id, id) do nothing
      returning id
    ),
    b as (
      insert into usage_buckets (tenant_id, meter, bucket_start, value)
      select ${tenantId}, i.meter, i.bucket_start, sum(i.delta)
      from input i join ins on ins.id = i.id
      where i.delta is not null
      group by i.meter, i.bucket_start
      order by i.meter collate "C", i.bucket_start
      on conflict (tenant_id, meter, bucket_start)
      do update set value = usage_buckets.value + excluded.value
    )
    select id from ins`;
}

/**
 * Ingests already-normalised, batch-unique events for one tenant.
 *
 * @example
 * const { accepted, duplicates } = await ingestEvents(db, "ten_1", events, []);
 */
export async function ingestEvents(
  db: Executor,
  tenantId: string,
  events: NormalizedEvent[],
  batchDuplicates: string[],
): Promise<IngestResult> {
  if (events.length === 0) {
    return {
      accepted: 0,
      duplicates: batchDuplicates.length,
      duplicateIds: batchDuplicates,
      acceptedEvents: [],
    };
  }
  // The statement is atomic, so retrying it after a deadlock or serialization failure is safe.
  const result = await withRetry(() => db.execute(ingestStatement(tenantId, events)));
  const inserted = new Set(rows<{ id: string }>(result).map((r) => r.id));
  const duplicateIds = [...batchDuplicates];
  const acceptedEvents: NormalizedEvent[] = [];
  for (const e of events) {
    if (inserted.has(e.id)) acceptedEvents.push(e);
    else duplicateIds.push(e.id);
  }
  return { accepted: inserted.size, duplicates: duplicateIds.length, duplicateIds, acceptedEvents };
}
