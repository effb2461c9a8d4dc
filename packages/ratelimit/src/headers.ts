/** @module IETF draft RateLimit-Policy and RateLimit header values (structured fields). */
import type { RateLimitDecision } from "./decision.js";
import type { Policy } from "./policy.js";

const policyHeaders = new WeakMap<readonly Policy[], string>();

/**
 * `RateLimit-Policy` for a set of policies: a structured-field list of `"<name>";q=<burst>;w=<s>`,
 * where `w` is the time a whole burst takes to replenish. Computed once per array.
 * Policy names are restricted to `[a-z0-9_-]`, so they need no escaping as sf-strings.
 *
 * @example
 * rateLimitPolicyHeader([pro]); // "pro";q=200;w=2
 */
export function rateLimitPolicyHeader(policies: readonly Policy[]): string {
  let value = policyHeaders.get(policies);
  if (value === undefined) {
    value = policies.map((p) => `"${p.name}";q=${p.burst};w=${p.windowS}`).join(", ");
    policyHeaders.set(policies, value);
  }
  return value;
}

/**
 * `RateLimit` for a decision: a structured-field list of `"<name>";r=<remaining>;t=<reset s>`, one
 * member per policy, where `t` is the whole seconds until the policy's quota is full again.
 *
 * @example
 * rateLimitHeader(decision); // "pro";r=199;t=1
 */
export function rateLimitHeader(decision: RateLimitDecision): string {
  let value = "";
  const states = decision.policies;
  for (let j = 0; j < states.length; j++) {
    const s = states[j]!;
    if (j > 0) value += ", ";
    value += `"${s.policy.name}";r=${s.remaining};t=${Math.ceil(s.resetAfterMs / 1000)}`;
  }
  return value;
}

/**
 * `Retry-After` in whole seconds (at least 1) for a refused decision.
 *
 * @example
 * retryAfterSeconds({ retryAfterMs: 1200 } as RateLimitDecision); // 2
 */
export function retryAfterSeconds(decision: Pick<RateLimitDecision, "retryAfterMs">): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}
