/** @module What the Postgres store's statements share: timestamps as text, and running a statement again after a deadlock. */

/** Statements Postgres aborted to break a deadlock (two batches locking rows in different orders) run again. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * An epoch-ms instant as ISO text, for a `::timestamptz` parameter.
 *
 * @example
 * sql`... WHERE expires_at <= ${iso(now)}::timestamptz`;
 */
export const iso = (ms: number) => new Date(ms).toISOString();

const isDeadlock = (e: unknown): boolean => {
  for (let cur = e; cur instanceof Object; cur = (cur as { cause?: unknown }).cause)
    if ((cur as { code?: unknown }).code === "40P01") return true;
  return false;
};

/**
 * Runs `statement`, again when Postgres aborted it to break a deadlock (up to 5 attempts in all).
 * Only for single statements, which a deadlock rolls back whole.
 *
 * @example
 * const result = await retryingDeadlocks(() => db.execute(sql`...`));
 */
export async function retryingDeadlocks<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (e) {
      if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(e)) throw e;
    }
  }
}
