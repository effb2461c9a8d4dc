/** @module The GCRA decision itself, shared by the memory store and mirrored by the Redis script. */
import type { Policy } from "./policy.js";

/**
 * Rounding per charged unit (ms): a double near wall-clock milliseconds resolves 2^-11 ms until
 * the year 2109, and the Redis script's microsecond TATs round by up to 1.5 us per write.
 */
const ROUNDING_PER_UNIT_MS = 0.002;

/**
 * Slack for rounding (ms), so that a request exactly at the limit passes. Times are wall-clock
 * milliseconds (or Redis microseconds), where every `tat + T` rounds; a burst of n units drifts by
 * up to n such roundings. The slack covers that and stays under half an emission interval, so it can
 * never admit a unit more.
 */
function slackMs(p: Policy): number {
  return Math.min(p.emissionMs / 2, Math.max(p.emissionMs / 1_000, (p.burst + 2) * ROUNDING_PER_UNIT_MS));
}

/**
 * Decides one request of `cost` against several policies at once, all or nothing: it is admitted
 * only if every policy admits it, and then it is charged to every policy. A refused request
 * consumes nothing, so retrying clients cannot starve themselves.
 *
 * When admitted and `leaseMax > 0`, up to `leaseMax` more units are charged as a lease for the
 * caller to spend locally: never more than half of what every policy has left, so leases shrink
 * to nothing near the limit and the last units are decided one by one.
 *
 * `tats[j]` is policy j's theoretical arrival time (ms, any value below `nowMs` means "full") and is
 * updated in place when admitted. `offsets[j]` receives `tat - now` after the decision, from which
 * remaining, reset and retry follow (see {@link remainingOf}).
 *
 * @returns -1 when refused, else the units leased on top of `cost` (0 without a lease)
 * @example
 * const tats = [0]; const offsets = [0];
 * gcraDecide(tats, [policy], 1, Date.now(), offsets); // 0: admitted, no lease
 */
export function gcraDecide(
  tats: number[],
  policies: readonly Policy[],
  cost: number,
  nowMs: number,
  offsets: number[],
  leaseMax = 0,
): number {
  let allowed = true;
  let spare = leaseMax;
  for (let j = 0; j < policies.length; j++) {
    const p = policies[j]!;
    const after = Math.max(tats[j] ?? nowMs, nowMs) + p.emissionMs * cost - nowMs;
    if (after > p.toleranceMs + slackMs(p)) allowed = false;
    else if (spare > 0)
      spare = Math.min(spare, Math.floor((p.toleranceMs - after + slackMs(p)) / p.emissionMs / 2));
  }
  const leased = allowed ? spare : 0;
  for (let j = 0; j < policies.length; j++) {
    const p = policies[j]!;
    let tat = Math.max(tats[j] ?? nowMs, nowMs);
    if (allowed) {
      // A negative cost returns units of an unused lease; never below now (a full bucket).
      tat = Math.max(tat + p.emissionMs * (cost + leased), nowMs);
      tats[j] = tat;
    }
    offsets[j] = tat - nowMs;
  }
  return allowed ? leased : -1;
}

/** Units still available now under a policy, given `tat - now` in ms. */
export function remainingOf(policy: Policy, offsetMs: number): number {
  const r = Math.floor((policy.toleranceMs - offsetMs + slackMs(policy)) / policy.emissionMs);
  return Math.max(0, Math.min(r, policy.burst));
}

/** How long until a request of `cost` would pass under a policy, given `tat - now` in ms (0: now). */
export function retryAfterOf(policy: Policy, offsetMs: number, cost: number): number {
  const wait = offsetMs + policy.emissionMs * cost - policy.toleranceMs;
  return wait > slackMs(policy) ? wait : 0;
}
