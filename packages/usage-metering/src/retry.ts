/** @module Retries a whole atomic statement after a transient Postgres conflict. */

// deadlock_detected, serialization_failure: the statement was rolled back, so running it again is safe.
const TRANSIENT = new Set(["40P01", "40001"]);

const codeOf = (error: unknown): string | undefined => {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? code : undefined;
};

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
