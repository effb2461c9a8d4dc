/** @module Postgres errors by what a retry can do about them; retrying a statement after a transient conflict. */

// deadlock_detected, serialization_failure: the statement was rolled back, so running it again is safe.
const TRANSIENT = new Set(["40P01", "40001"]);

const codeOf = (error: unknown): string | undefined => {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? code : undefined;
};

/**
 * True for an error that names bad rows rather than a bad moment: SQLSTATE class 22 (data exception,
 * e.g. a NUL byte in a text value) or 23 (integrity constraint). Sending the same rows again fails
 * the same way however long one waits; connection losses, timeouts, shutdowns and conflicts do not
 * count (they pass once the database is back).
 *
 * @example
 * if (isRowError(error)) quarantine(batch); else retryLater(batch);
 */
export function isRowError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && code.length === 5 && (code.startsWith("22") || code.startsWith("23"));
}

/**
 * Runs `fn`, retrying up to `attempts` times when Postgres rolled it back for a deadlock or a
 * serialization failure. Only for atomic statements or whole transactions.
 *
 * @example
 * await withRetry(() => db.execute(sql`...`));
 */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !TRANSIENT.has(codeOf(error) ?? "")) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
