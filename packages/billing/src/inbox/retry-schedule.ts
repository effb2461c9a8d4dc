/** @module When a failed inbox event is tried again, and when it is given up (`dead`). */

/**
 * How failed events are retried. The default approximates Stripe's own webhook retries (hours apart,
 * for three days): an event that cannot be processed during an outage of Stripe or of our database
 * is still retried when the outage is long over, so nobody has to replay it by hand.
 */
export interface RetrySchedule {
  /** The first retry's delay ceiling; each further attempt doubles it. @default 60000 (1 min) */
  baseMs?: number;
  /** The largest delay between two attempts. @default 21600000 (6 h) */
  capMs?: number;
  /** How long after it arrived an event keeps being retried before it is `dead`. @default 259200000 (72 h) */
  windowMs?: number;
}

export const DEFAULT_RETRY_SCHEDULE: Required<RetrySchedule> = {
  baseMs: 60_000,
  capMs: 6 * 3_600_000,
  windowMs: 72 * 3_600_000,
};

/**
 * The delay before attempt `attempt + 1`: exponential, capped, with "equal jitter", a random delay in
 * [ceiling / 2, ceiling] where ceiling = min(cap, base * 2^(attempt-1)). The jitter keeps a burst of
 * failures from retrying in lockstep; the lower half-bound keeps retries spreading out over hours
 * (full jitter could retry at once, over and over, and burn the attempts of an outage in minutes).
 *
 * @example
 * retryDelayMs(3, { baseMs: 1_000 }); // somewhere in [2000, 4000]
 */
export function retryDelayMs(
  attempt: number,
  schedule: RetrySchedule = {},
  random: () => number = Math.random,
) {
  const base = schedule.baseMs ?? DEFAULT_RETRY_SCHEDULE.baseMs;
  const cap = schedule.capMs ?? DEFAULT_RETRY_SCHEDULE.capMs;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * What happens to an event whose attempt `attempt` failed at `now`: another attempt at `retryAt`,
 * or `dead` once the retry window since `receivedAt` is over. The last retry is pulled in to the
 * window's end, so an event is always tried once more right before it is given up.
 *
 * @example
 * const next = nextRetry({ attempt: row.attempts, receivedAt: row.receivedAt, now: new Date() });
 * if (next.dead) markDead(); else scheduleAt(next.retryAt);
 */
export function nextRetry(
  input: { attempt: number; receivedAt: Date; now: Date },
  schedule: RetrySchedule = {},
  random: () => number = Math.random,
): { dead: true } | { dead: false; retryAt: Date } {
  const windowEnd = input.receivedAt.getTime() + (schedule.windowMs ?? DEFAULT_RETRY_SCHEDULE.windowMs);
  const now = input.now.getTime();
  if (now >= windowEnd) return { dead: true };
  const at = Math.min(now + retryDelayMs(input.attempt, schedule, random), windowEnd);
  return { dead: false, retryAt: new Date(at) };
}
