/** @module The additive multi-row upsert of minute buckets, applied at most once per flush id. */
import type { Database } from "@org/db";
import { type SQL, sql } from "drizzle-orm";
import type { BucketDelta } from "./counter-buffer.js";
import { withRetry } from "./retry.js";

// 4 parameters per row; Postgres allows 65,535 per statement.
const ROWS_PER_STATEMENT = 5_000;

/** `applied` now, or `already_applied` by an earlier attempt whose outcome the caller did not learn. */
export type UpsertOutcome = "applied" | "already_applied";

const isLedgerConflict = (error: unknown): boolean => {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  const message = `${e?.message ?? ""} ${e?.cause?.message ?? ""}`;
  return code === "23505" && message.includes("usage_flushes");
};

/**
 * Adds the deltas to their buckets: `value = usage_buckets.value + excluded.value`. Never a
 * read-modify-write, so any number of processes flushing the same bucket at once all count. The rows
 * must be unique per bucket (the buffer's map guarantees it) and sorted (tenant, meter, minute) so
 * that concurrent statements lock rows in the same order and cannot deadlock.
 *
 * Exactly once per `flushId`: the id goes into `usage_flushes` in the same statement (or transaction)
 * as the upserts. When a connection drops during the commit the caller cannot know whether it
 * happened; it retries with the same id, and a unique violation on the ledger then means "applied".
 *
 * @example
 * await upsertBuckets(db, "fl_1", [{ tenantId: "ten_1", meter: "api_calls", minuteMs: 1_767_225_600_000, n: 3 }]);
 */
export async function upsertBuckets(
  db: Database,
  flushId: string,
  rows: readonly BucketDelta[],
): Promise<UpsertOutcome> {
  if (rows.length === 0) return "applied";
  try {
    if (rows.length <= ROWS_PER_STATEMENT) {
      await withRetry(() => db.execute(upsertStatement(rows, flushId)));
    } else {
      // Several chunks share a transaction (the ledger row with the first), so none applies alone.
      await withRetry(() =>
        db.transaction(async (tx) => {
          for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
            await tx.execute(
              upsertStatement(rows.slice(i, i + ROWS_PER_STATEMENT), i === 0 ? flushId : null),
            );
          }
        }),
      );
    }
    return "applied";
  } catch (error) {
    if (isLedgerConflict(error)) return "already_applied";
    throw error;
  }
}

function upsertStatement(rows: readonly BucketDelta[], flushId: string | null): SQL {
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.tenantId}::text, ${r.meter}::text, ${new Date(r.minuteMs).toISOString()}::timestamptz, ${r.n}::int8)`,
    ),
    sql`, `,
  );
  const upsert = sql`
    on conflict (tenant_id, meter, bucket_start)
    do update set value = usage_buckets.value + excluded.value`;
  if (flushId === null) {
    return sql`insert into usage_buckets (tenant_id, meter, bucket_start, value) values ${values} ${upsert}`;
  }
  // Joining the ledger insert makes the upsert depend on it: a duplicate flush id fails the statement
  // before any bucket changes.
  return sql`
    with ledger as (insert into usage_flushes (id) values (${flushId}) returning id)
    insert into usage_buckets (tenant_id, meter, bucket_start, value)
    select v.tenant_id, v.meter, v.bucket_start, v.value
    from (values ${values}) as v (tenant_id, meter, bucket_start, value), ledger
    ${upsert}`;
}

/**
 * Deletes ledger rows older than `olderThanMs` (a retry never comes that late).
 *
 * @example
 * await pruneFlushLedger(db, 86_400_000);
 */
export async function pruneFlushLedger(db: Database, olderThanMs: number): Promise<void> {
  await db.execute(
    sql`delete from usage_flushes where flushed_at < now() - make_interval(secs => ${olderThanMs / 1_000})`,
  );
}
