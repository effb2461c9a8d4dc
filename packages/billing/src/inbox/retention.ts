/** @module Retention of the inbox: processed events are deleted once they are old enough. */
import { affectedRows, type Database } from "@org/db";
import { sql } from "drizzle-orm";

/** How long processed events are kept by default: long enough to investigate a month's billing. */
export const DEFAULT_INBOX_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Deletes processed events whose processing is older than `retentionMs`, in batches of `batchSize`
 * so that a large backlog never holds one long transaction or lock. Failed and dead events are kept
 * whatever their age: they still need someone's attention. Stripe's duplicate deliveries come within
 * its 72 h retry window, far inside any sensible retention, so deleting old ids loses no dedupe.
 *
 * @returns how many events were deleted
 * @example
 * const deleted = await purgeProcessedEvents(db, { retentionMs: DEFAULT_INBOX_RETENTION_MS });
 */
export async function purgeProcessedEvents(
  db: Database,
  options: { retentionMs?: number; now?: Date; batchSize?: number } = {},
): Promise<number> {
  const cutoff = new Date(
    (options.now ?? new Date()).getTime() - (options.retentionMs ?? DEFAULT_INBOX_RETENTION_MS),
  );
  const batchSize = options.batchSize ?? 1_000;
  let deleted = 0;
  for (;;) {
    const result = await db.execute(sql`
      delete from stripe_webhook_events
       where id in (select id from stripe_webhook_events
                     where status = 'processed' and processed_at < ${cutoff.toISOString()}::timestamptz
                     limit ${batchSize})`);
    const n = affectedRows(result);
    deleted += n;
    if (n < batchSize) return deleted;
  }
}
