/** @module Retry delays: exponential backoff with equal jitter. */

/**
 * Delays of {@link backoffDelayMs}.
 *
 * @example
 * const options: BackoffOptions = { baseMs: 1_000, maxMs: 60_000 };
 */
export interface BackoffOptions {
  /** The first retry waits between half of this and this. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** In [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * How long to wait before retry number `failures` (1 = after the first failure): half of
 * `min(maxMs, baseMs * 2^(failures - 1))` plus a random part of the other half. The fixed half
 * bounds how many attempts an outage of a given length can see (no busy loop, whatever the dice
 * say); the random half keeps many processes that failed together from retrying in lockstep.
 *
 * @example
 * backoffDelayMs(1, { baseMs: 1_000, maxMs: 60_000 }); // 500..1000
 * backoffDelayMs(8, { baseMs: 1_000, maxMs: 60_000 }); // 30000..60000
 */
export function backoffDelayMs(failures: number, options: BackoffOptions): number {
  const { baseMs, maxMs, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return ceiling / 2 + random() * (ceiling / 2);
}
