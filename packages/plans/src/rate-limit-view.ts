/** @module The rate-limit view of a plan: a rate per period with a burst, in the limiter's terms. */
import type { Plan } from "./schema.js";

/** What a rate limiter needs to build a policy (the shape of `@org/ratelimit`'s `createPolicy` input). */
export interface RateLimitTerms {
  /** The policy name, the plan id. */
  readonly name: string;
  readonly rate: number;
  readonly periodMs: number;
  readonly burst: number;
}

/**
 * The rate-limit view of a plan: `perSecond` per 1,000 ms with the plan's burst.
 *
 * @example
 * createPolicy(toRateLimitTerms(catalog.get("pro")!)); // 100/s, burst 200
 */
export function toRateLimitTerms(plan: Pick<Plan, "id" | "rateLimit">): RateLimitTerms {
  return { name: plan.id, rate: plan.rateLimit.perSecond, periodMs: 1_000, burst: plan.rateLimit.burst };
}
