/** @module When a failed inbox event is tried again. */

/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^(attempt-1))], so
 * a burst of failures does not retry in lockstep.
 *
 * @example
 * backoffMs(3, { baseMs: 1_000 }); // somewhere in [0, 4000)
 */
export function backoffMs(
  attempt: number,
  options: { baseMs?: number; capMs?: number; random?: () => number } = {},
) {
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 3_600_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
