/** @module @org/ratelimit: exact distributed GCRA rate limiting. */
export type { DecisionSource, PolicyState, RateLimitDecision } from "./decision.js";
export { gcraDecide, remainingOf, retryAfterOf } from "./gcra.js";
export { rateLimitHeader, rateLimitPolicyHeader, retryAfterSeconds } from "./headers.js";
export { assertKey, hashTagOf, RateLimitKeyError } from "./key.js";
export {
  createRateLimiter,
  type FailMode,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitLogger,
  type RateLimitMetric,
  type RateLimitMetrics,
} from "./limiter.js";
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { createPolicy, dividePolicy, type Policy, type PolicyInit } from "./policy.js";
export { GCRA_SCRIPT, GCRA_SCRIPT_SHA } from "./redis-script.js";
export { createRedisStore, type RedisStore, type RedisStoreOptions } from "./redis-store.js";
export { type RateLimitStore, RateLimitStoreError, type StoreDecision } from "./store.js";
