/** @module Turning a store's raw decision into what callers and headers report. */
import { remainingOf, retryAfterOf } from "./gcra.js";
import type { Policy } from "./policy.js";
import type { StoreDecision } from "./store.js";

/** Where a decision came from. */
export type DecisionSource = "store" | "lease" | "blocked-cache" | "insurance" | "fail-open" | "fail-closed";

/** The state of one policy after a decision. */
export interface PolicyState {
  policy: Policy;
  /** The policy's quota: its burst. */
  limit: number;
  /** Units that could be spent right now. */
  remaining: number;
  /** Until the bucket is full again, in ms. */
  resetAfterMs: number;
  /** Until this request's cost would pass under this policy (0 when it passes now), in ms. */
  retryAfterMs: number;
}

/**
 * The answer of {@link RateLimiter.limit}: the strictest policy's figures at the top level (the
 * refusing policy with the longest wait, else the policy with the fewest units left), every
 * policy's figures in `policies`.
 */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAfterMs: number;
  retryAfterMs: number;
  /** The strictest policy's name. */
  policy: string;
  source: DecisionSource;
  policies: PolicyState[];
}

/**
 * Builds the decision from a store answer (offsets are `tat - now` per policy, in ms).
 *
 * @example
 * toDecision(policies, await store.decide(key, policies, 1), 1, "store");
 */
export function toDecision(
  policies: readonly Policy[],
  raw: StoreDecision,
  cost: number,
  source: DecisionSource,
): RateLimitDecision {
  const states: PolicyState[] = new Array(policies.length);
  let strictest = 0;
  for (let j = 0; j < policies.length; j++) {
    const policy = policies[j]!;
    const offset = raw.offsetsMs[j]!;
    const state: PolicyState = {
      policy,
      limit: policy.burst,
      remaining: remainingOf(policy, offset),
      resetAfterMs: Math.max(0, offset),
      retryAfterMs: raw.allowed ? 0 : retryAfterOf(policy, offset, cost),
    };
    states[j] = state;
    const best = states[strictest]!;
    if (
      j > 0 &&
      (state.retryAfterMs > best.retryAfterMs ||
        (state.retryAfterMs === best.retryAfterMs && state.remaining < best.remaining))
    )
      strictest = j;
  }
  const top = states[strictest]!;
  return {
    allowed: raw.allowed,
    limit: top.limit,
    remaining: top.remaining,
    resetAfterMs: top.resetAfterMs,
    retryAfterMs: top.retryAfterMs,
    policy: top.policy.name,
    source,
    policies: states,
  };
}
