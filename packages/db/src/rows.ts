/** @module Normalises `db.execute()` results, which differ by driver. */

/**
 * Rows of a raw `db.execute(sql...)` result: postgres-js returns an array, PGlite `{ rows }`.
 *
 * @example
 * const [row] = rows<{ n: number }>(await db.execute(sql`select 1 as n`));
 */
export function rows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const withRows = result as { rows?: T[] };
  return withRows.rows ?? [];
}

/** Number of rows a raw statement changed, whichever driver ran it. */
export function affectedRows(result: unknown): number {
  const r = result as { count?: number; affectedRows?: number };
  return r.count ?? r.affectedRows ?? 0;
}
